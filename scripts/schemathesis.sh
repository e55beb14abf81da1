#!/usr/bin/env bash
# Black-box API scan of both services with Schemathesis (PyPI `schemathesis` 4.x, in a venv
# under target/), on PostgreSQL, with the already-built binaries in target/debug (it never builds).
#
#   bash scripts/schemathesis.sh          # all runs; exit 1 if any run found a failure
#
# Per run (service × role token): every check (`--checks all`: server errors, undocumented
# status codes, response schema/content-type/header conformance, negative data accepted, ...),
# a fixed seed, a bounded example budget. Reports (JUnit XML + NDJSON events) land in
# target/schemathesis/<service>-<role>/.
#
# Variables: ST_MAX_EXAMPLES (default 8), ST_SEED (42), ST_WORKERS (2), ST_RUNS (default
# "approval:clerk approval:reviewer approval:admin assessment:orgdept assessment:assessor
# assessment:admin"), PG_URL (postgres://postgres@127.0.0.1:5432), BIN_DIR (target/debug),
# ST_KEEP_DB=1 keeps the two databases and ST_KEEP_LOGS=1 the service logs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv="$root/target/schemathesis-venv"
out="$root/target/schemathesis"
bin_dir="${BIN_DIR:-$root/target/debug}"
pg_url="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
max_examples="${ST_MAX_EXAMPLES:-8}"
seed="${ST_SEED:-42}"
workers="${ST_WORKERS:-2}"
runs="${ST_RUNS:-approval:clerk approval:reviewer approval:admin assessment:orgdept assessment:assessor assessment:admin}"
hooks="$root/scripts/schemathesis_hooks.py"
read -ra extra_args <<<"${ST_EXTRA_ARGS:-}"   # more `schemathesis run` options, e.g. --phases=fuzzing

for b in approval assessment; do
  [ -x "$bin_dir/$b" ] || { echo "schemathesis: $bin_dir/$b is missing (build it first)" >&2; exit 1; }
done

# 1. The venv, reused when it already has a 4.x schemathesis.
if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q 'version 4\.'; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q 'schemathesis>=4,<5' >&2
fi
echo "== $("$venv/bin/schemathesis" --version)"

# 2. Two fresh databases (the CI script drops `t_%` databases before each run).
psql_() { psql -h 127.0.0.1 -U postgres -d test -v ON_ERROR_STOP=1 -qtA "$@"; }
suffix="$(date +%s)_$$_${RANDOM}"
db_approval="t_st_approval_$suffix"
db_assessment="t_st_assessment_$suffix"
psql_ -c "CREATE DATABASE \"$db_approval\"" -c "CREATE DATABASE \"$db_assessment\""

work=$(mktemp -d "${TMPDIR:-/tmp}/schemathesis.XXXXXX")
pids=()
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${ST_KEEP_DB:-0}" != 1 ]; then
    psql_ -c "DROP DATABASE IF EXISTS \"$db_approval\"" -c "DROP DATABASE IF EXISTS \"$db_assessment\"" \
      >/dev/null 2>&1 || true
  fi
  if [ "${ST_KEEP_LOGS:-0}" = 1 ] || [ "$rc" -gt 1 ]; then
    echo "service logs kept in $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 3. Both services. BIND=127.0.0.1:0 lets the kernel pick a free port (no race between
# choosing a port and binding it); the port is read from the "listening on" line.
jwt_secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')   # 64 hex chars
redis_url=""
if redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then redis_url="redis://127.0.0.1:6379"; fi
mkdir -p "$work/mail-approval" "$work/mail-assessment"

start() { # name, log, env...  -> prints the port
  local name=$1 log=$2; shift 2
  env "$@" RUST_LOG=warn "$bin_dir/$name" serve >"$log" 2>&1 &
  pids+=($!)
  local pid=$! port=""
  for _ in $(seq 1 120); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "schemathesis: $name exited:" >&2; cat "$log" >&2; exit 2; }
    sleep 0.5
  done
  [ -n "$port" ] || { echo "schemathesis: $name did not start:" >&2; cat "$log" >&2; exit 2; }
  for _ in $(seq 1 60); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && { echo "$port"; return 0; }
    sleep 0.5
  done
  echo "schemathesis: $name on port $port never became ready:" >&2; cat "$log" >&2; exit 2
}
# `pids+=` inside $(...) would be lost in the subshell, so start in the background here and
# only wait for the port in a subshell-free way.
start_service() { # var-for-port, name, env...
  local var=$1 name=$2; shift 2
  local log="$work/$name.log" port
  start "$name" "$log" "$@" >"$work/$name.port"
  port=$(cat "$work/$name.port")
  printf -v "$var" '%s' "$port"
}

start_service approval_port approval \
  DATABASE_URL="$pg_url/$db_approval" DEMO_DATA=true JWT_SECRET="$jwt_secret" \
  BIND=127.0.0.1:0 MAIL_DIR="$work/mail-approval" SCHEDULER=off REDIS_URL="$redis_url"
approval="http://127.0.0.1:$approval_port"
start_service assessment_port assessment \
  DATABASE_URL="$pg_url/$db_assessment" JWT_SECRET="$jwt_secret" \
  BIND=127.0.0.1:0 MAIL_DIR="$work/mail-assessment" SCHEDULER=off REDIS_URL="$redis_url" \
  APPROVAL_URL="$approval"
assessment="http://127.0.0.1:$assessment_port"
echo "== approval on $approval, assessment on $assessment (PostgreSQL: $db_approval, $db_assessment${redis_url:+, Redis})"

# 4. One token per demo role (stateless HS256 JWTs: they stay valid even if a run deletes the
# user, and the assessment service accepts them through the shared secret).
declare -A token
for role in clerk reviewer approver supervisor assessor orgdept admin; do
  answer=$(curl -fsS -X POST "$approval/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"username\":\"$role\",\"password\":\"demo-password\"}") \
    || { echo "schemathesis: could not log in as $role" >&2; exit 2; }
  token[$role]=$("$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' <<<"$answer")
done

# 5. The runs. Non-admin runs come first so the admin runs' deletions do not starve them.
rm -rf "$out"; mkdir -p "$out"
hook_env=()
[ -f "$hooks" ] && hook_env=(SCHEMATHESIS_HOOKS=scripts.schemathesis_hooks)
declare -a results
failed=0
for run in $runs; do
  service=${run%%:*} role=${run#*:}
  case $service in approval) base=$approval ;; assessment) base=$assessment ;;
    *) echo "schemathesis: unknown service in ST_RUNS: $service" >&2; exit 2 ;; esac
  [ -n "${token[$role]:-}" ] || { echo "schemathesis: unknown role in ST_RUNS: $role" >&2; exit 2; }
  dir="$out/$service-$role"; mkdir -p "$dir"
  echo
  echo "== schemathesis: $service as $role"
  start_s=$SECONDS
  set +e
  env "${hook_env[@]}" PYTHONPATH="$root" "$venv/bin/schemathesis" run "$base/openapi.json" \
    --url "$base" \
    --header "Authorization: Bearer ${token[$role]}" \
    --checks all \
    --seed "$seed" \
    --max-examples "$max_examples" \
    --workers "$workers" \
    --request-timeout 20 \
    --generation-database none \
    --continue-on-failure \
    --no-color \
    --report junit,ndjson --report-dir "$dir" \
    --report-junit-path "$dir/junit.xml" --report-ndjson-path "$dir/events.ndjson" \
    "${extra_args[@]}" >"$dir/output.txt" 2>&1
  rc=$?
  set -e
  if [ "${ST_VERBOSE:-0}" = 1 ]; then
    cat "$dir/output.txt"
  else # schemathesis's own summary (the full output, with a curl per failure, is in output.txt)
    sed -n '/^=* SUMMARY =*$/,$p' "$dir/output.txt"
    grep -q '^=* SUMMARY =*$' "$dir/output.txt" || tail -40 "$dir/output.txt"
  fi
  [ -f "$dir/events.ndjson" ] && "$venv/bin/python" - "$dir/events.ndjson" <<'PY'
"""Distinct failures of one run, one line each: check | operation | status problem-code:field."""
import base64, collections, json, re, sys

groups = collections.Counter()
curls = {}
for line in open(sys.argv[1], encoding="utf-8"):
    event = json.loads(line)
    if "NonFatalError" in event:
        e = event["NonFatalError"]
        msg = re.sub(r"\s+", " ", str(e["value"].get("message", e["value"])))[:200]
        groups[("error", e.get("label") or "-", msg)] += 1
        continue
    rec = event.get("ScenarioFinished", {}).get("recorder")
    if not rec:
        continue
    for case_id, checks in rec.get("checks", {}).items():
        for check in checks:
            if check["status"] != "failure":
                continue
            failure = check["failure_info"]["failure"]
            response = (rec["interactions"].get(case_id) or {}).get("response") or {}
            status = response.get("status_code", "-")
            what = ""
            try:
                content = response.get("content") or {}
                raw = base64.b64decode(content["$base64"]) if "$base64" in content else content.get("string", "").encode()
                problem = json.loads(raw)
                what = f"{problem.get('code', '')}" + (f":{problem['field']}" if problem.get("field") else "")
            except Exception:
                pass
            if check["name"] in ("negative_data_rejection",):
                meta = rec["cases"].get(case_id, {}).get("value", {}).get("meta", {})
                data = meta.get("phase", {}).get("data") or {}
                if data.get("parameter"):
                    what = f"{data.get('parameter_location')} `{data['parameter']}`: {data.get('description')}"
                else:
                    what = data.get("description") or "negative " + ",".join(
                        k for k, v in (meta.get("components") or {}).items() if v.get("mode") == "negative")
            elif check["name"] not in ("status_code_conformance", "positive_data_acceptance", "not_a_server_error"):
                what = re.sub(r"\s+", " ", failure["message"])[:160]
            key = (check["name"], failure.get("operation") or rec["label"], f"{status} {what}".strip())
            groups[key] += 1
            if status != "-" and int(status) >= 500 and key not in curls:
                curls[key] = check["failure_info"].get("code_sample", "")
if groups:
    print(f"distinct failures ({len(groups)}): check | operation | response")
    for key, n in sorted(groups.items()):
        print(f"  {key[0]} | {key[1]} | {key[2]}" + (f"  (x{n})" if n > 1 else ""))
        if key in curls:
            print(f"      {curls[key]}")
PY
  took=$((SECONDS - start_s))
  case $rc in
    0) result="passed" ;;
    1) result="FAILED"; failed=1 ;;
    *) result="ERROR (exit $rc)"; failed=1 ;;
  esac
  results+=("$(printf '%-10s %-9s %-16s %4ss  %s' "$service" "$role" "$result" "$took" "$dir/junit.xml")")
  if ! kill -0 "${pids[0]}" 2>/dev/null || ! kill -0 "${pids[1]}" 2>/dev/null; then
    echo "schemathesis: a service died during the run" >&2; failed=1
    results+=("a service died after $service/$role"); break
  fi
done

# 6. One line per run.
echo
echo "== schemathesis summary (seed $seed, max-examples $max_examples per operation)"
printf '%s\n' "${results[@]}"
exit "$failed"
