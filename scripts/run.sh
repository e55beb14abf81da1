#!/usr/bin/env bash
# `make run`: the whole system on the embedded defaults — the approval service (SQLite under
# ./var, demo data, mail to files) and the assessment service following its feed — sharing one
# JWT secret generated on first use (./var/jwt_secret, mode 600, kept across runs so tokens and
# the feed survive a restart). Prints every URL and the demo accounts; Ctrl-C stops both; if
# one of them exits, the other is stopped too.
#
#   bash scripts/run.sh            # build, start both, wait for Ctrl-C
#   bash scripts/run.sh --check    # build, start both, wait until both are ready and the
#                                  # assessment service has read the feed, then stop (CI)
#
# Variables: APPROVAL_PORT (8080), ASSESSMENT_PORT (8081), JWT_SECRET (else ./var/jwt_secret),
# CARGO (cargo), and any setting of either service (README, Configuration).
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
[ "${1:-}" = "--check" ] && check=1
approval_port=${APPROVAL_PORT:-8080}
assessment_port=${ASSESSMENT_PORT:-8081}
mkdir -p var/mail/approval var/mail/assessment var/log

if [ -z "${JWT_SECRET:-}" ]; then
  if [ ! -s var/jwt_secret ]; then
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > var/jwt_secret)
    echo "== generated a development JWT secret in var/jwt_secret (shared by both services)"
  fi
  JWT_SECRET=$(cat var/jwt_secret)
fi
export JWT_SECRET
# The assessment service's service account at the approval service (client credentials):
# generated once like the secret, given to the approval service as SERVICE_ACCOUNTS.
if [ -z "${APPROVAL_CLIENT_SECRET:-}" ]; then
  if [ ! -s var/assessment_client_secret ]; then
    (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > var/assessment_client_secret)
  fi
  APPROVAL_CLIENT_SECRET=$(cat var/assessment_client_secret)
fi

echo "== building both services"
${CARGO:-cargo} build -q -p approval -p assessment --bins

pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$approval_port" "$assessment_port"; do
  if busy "$p"; then
    echo "make run: port $p is already in use (another instance running?); set APPROVAL_PORT / ASSESSMENT_PORT" >&2
    exit 1
  fi
done

approval="http://127.0.0.1:$approval_port"
assessment="http://127.0.0.1:$assessment_port"
DEMO_DATA=${DEMO_DATA:-true} BIND="127.0.0.1:$approval_port" MAIL_DIR=var/mail/approval \
  SUPERVISING_OFFICE_CODE="${SUPERVISING_OFFICE_CODE:-HHHT-SGB}" \
  SERVICE_ACCOUNTS="assessment:$APPROVAL_CLIENT_SECRET" \
  ASSESSMENT_PUBLIC_URL="${ASSESSMENT_PUBLIC_URL:-$assessment}" \
  target/debug/approval serve > var/log/approval.log 2>&1 &
pids+=($!)

wait_ready() { # name url pid seconds
  for _ in $(seq 1 $(($4 * 4))); do
    if curl -fsS "$2/readyz" > /dev/null 2>&1; then return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then
      echo "make run: the $1 service exited; its log (var/log/$1.log):" >&2
      tail -20 "var/log/$1.log" >&2
      return 1
    fi
    sleep 0.25
  done
  echo "make run: the $1 service is not ready after $4 s; /readyz says:" >&2
  curl -sS "$2/readyz" >&2 || true
  echo >&2
  tail -20 "var/log/$1.log" >&2
  return 1
}
wait_ready approval "$approval" "${pids[0]}" 120

BIND="127.0.0.1:$assessment_port" APPROVAL_URL="$approval" MAIL_DIR=var/mail/assessment \
  APPROVAL_CLIENT_SECRET="$APPROVAL_CLIENT_SECRET" \
  target/debug/assessment serve > var/log/assessment.log 2>&1 &
pids+=($!)
# Ready only once it has read the feed with its client credentials (503 while the feed fails).
wait_ready assessment "$assessment" "${pids[1]}" 60

cat <<TXT

== the whole system is running (logs in var/log/, mail in var/mail/)
   approval service    $approval
     supervision console   $approval/console
     public guide          $approval/public/guide   (办事指南, 办件查询 $approval/public/lookup, 结果公开 $approval/public/decisions)
     API docs              $approval/docs/
   assessment service  $assessment
     assessment console    $assessment/console
     public pages          $assessment/public/rate   (好差评), $assessment/public/results
     API docs              $assessment/docs/
TXT
# The accounts as the approval service itself announced them (demo users, department staff,
# how to get a token).
grep -E '^  (demo users|department staff|get a token)' var/log/approval.log || true

if [ "$check" = 1 ]; then
  # The shared secret works only if the assessment service has really read the feed.
  for _ in $(seq 1 120); do
    ready=$(curl -fsS "$assessment/readyz" || true)
    if python3 -c 'import json,sys; f=json.loads(sys.argv[1])["feed"]; sys.exit(0 if f["cursor"] > 0 and f["lag_events"] == 0 else 1)' "$ready" 2>/dev/null; then
      echo "== check: both ready, the assessment service has read the whole feed: $ready"
      exit 0
    fi
    sleep 0.25
  done
  echo "make run --check: the assessment service did not read the feed: $ready" >&2
  exit 1
fi
echo "   Ctrl-C stops both."
# Whichever exits first ends the run (and the trap stops the other).
wait -n "${pids[@]}"
rc=$?
echo "make run: a service exited (status $rc); stopping the other" >&2
exit "$rc"
