#!/usr/bin/env bash
# Generate a Python client from openapi/assessment.json with a third-party generator
# (openapi-python-client, from PyPI) into target/pyclient, in a venv under target/.
# Prints the variables the assessment test `client::generated_python_client_calls_the_live_service`
# reads; use as:  eval "$(bash scripts/python-client.sh)"
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv="$root/target/pyclient-venv"
out="$root/target/pyclient"
version="0.29.1"
if [ ! -x "$venv/bin/openapi-python-client" ] || ! "$venv/bin/openapi-python-client" --version 2>/dev/null | grep -q "$version"; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q "openapi-python-client==$version" >&2
fi
rm -rf "$out"
"$venv/bin/openapi-python-client" generate --path openapi/assessment.json --output-path "$out" \
  --config scripts/pyclient-config.yml >&2
echo "export PYCLIENT_PYTHON='$venv/bin/python' PYCLIENT_DIR='$out'"
