#!/usr/bin/env bash
# Screenshots of the two consoles (approval /console, assessment /console) exactly as the
# browser tests take them: seeded services, headless Chromium at 1280x900. Writes
# <dir>/approval-console.png and <dir>/assessment-console.png (default dir: var/screenshots).
#
#   bash scripts/screenshot.sh [dir]
#
# Needs Debian's `chromium` (or CHROMIUM=/path/to/chrome). Runs on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-var/screenshots}
mkdir -p "$dir"
export CONSOLE_SCREENSHOT_DIR
CONSOLE_SCREENSHOT_DIR=$(cd "$dir" && pwd)
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "Chromium not found at $CHROMIUM: apt-get install chromium, or set CHROMIUM" >&2
  exit 1
fi
env -u TEST_DATABASE_URL ${CARGO:-cargo} test -q -p approval -p assessment --test api \
  renders_in_headless_chromium -- --nocapture
ls -l "$CONSOLE_SCREENSHOT_DIR"/approval-console.png "$CONSOLE_SCREENSHOT_DIR"/assessment-console.png
