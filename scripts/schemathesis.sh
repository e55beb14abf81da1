#!/usr/bin/env bash
# Black-box API scan of both services with Schemathesis (PyPI `schemathesis` 4.x, in a venv
# under target/), on PostgreSQL (+ Redis when it answers), with the binaries already built in
# target/debug: this script never builds.
#
#   bash scripts/schemathesis.sh        # exit 0: every run passed; 1: a run found failures;
#                                       # 2: the scan itself could not run
#
# One `schemathesis run` per (service, role token), every check (`--checks all`: server errors,
# undocumented status codes, response schema / content-type / header conformance, negative data
# accepted, valid data rejected, ignored auth, ...), all four phases (examples, coverage,
# fuzzing, stateful), a fixed seed and a bounded example budget. Per run it prints
# Schemathesis's summary; at the end the distinct failures of all runs (one line per check,
# operation and status, with a curl for every 5xx) and one line per run. Reports per run in
# target/schemathesis/<service>-<role>/: output.txt (the full output, a curl per failure),
# junit.xml, events.ndjson.
#
# Variables:
#   ST_MAX_EXAMPLES  test cases per operation and phase (default 100; CI uses 25)
#   ST_SEED          default 42
#   ST_WORKERS       default 2
#   ST_RUNS          default: every approval role (clerk reviewer approver supervisor assessor
#                    orgdept sysadmin), then assessment orgdept, assessor, sysadmin, then the
#                    approval auditor and secadmin (last: the security administrator retires
#                    administrator accounts, which ends their tokens)
#   ST_SPEC          live (default: each service's /openapi.json), committed (openapi/*.json) or a
#                    directory holding approval.json and assessment.json
#   ST_GATE          the checks whose failures fail the scan (comma list; see below)
#   ST_EXTRA_ARGS    more `schemathesis run` options, e.g. "--phases fuzzing --max-failures 50"
#   ST_VERBOSE=1     print Schemathesis's full output, not just its summary
#   ST_KEEP_DB=1     keep the two databases; ST_KEEP_LOGS=1 keep the service logs
#   PG_URL           default postgres://postgres@127.0.0.1:5432 (trust auth; base database `test`)
#   BIN_DIR          default target/debug
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv="$root/target/schemathesis-venv"
out="$root/target/schemathesis"
bin_dir="${BIN_DIR:-$root/target/debug}"
pg_url="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
max_examples="${ST_MAX_EXAMPLES:-100}"
seed="${ST_SEED:-42}"
workers="${ST_WORKERS:-2}"
spec_source="${ST_SPEC:-live}"
runs="${ST_RUNS:-approval:clerk approval:reviewer approval:approver approval:supervisor approval:assessor approval:orgdept approval:sysadmin assessment:orgdept assessment:assessor assessment:sysadmin approval:auditor approval:secadmin}"
read -ra extra_args <<<"${ST_EXTRA_ARGS:-}"
# The checks that fail the scan. Every check runs and is reported; these gate: no server
# error, no undocumented status code, answers that match their documented schema, content
# type and headers, auth never ignored, unsupported methods refused. "Valid data rejected" /
# "invalid data accepted" are reported only: they flag business rules (codes, e-mail formats,
# referenced ids, control characters) that JSON Schema cannot express. "Deleted resource still
# available" (use_after_free) is reported only too: a department, item, bundle or user that
# records still reference is soft-deleted by design (its DELETE answers `mode: soft`) and reads
# 200 with `deleted_at` set, as the spec documents, so the case's history keeps it.
gate="${ST_GATE:-not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance,response_headers_conformance,ignored_auth,unsupported_method}"
hooks="$root/scripts/schemathesis_hooks.py"

case $spec_source in
  live | committed) ;;
  *) [ -f "$spec_source/approval.json" ] && [ -f "$spec_source/assessment.json" ] ||
    { echo "schemathesis: ST_SPEC must be live, committed or a directory with approval.json and assessment.json" >&2; exit 2; } ;;
esac
for b in approval assessment; do
  [ -x "$bin_dir/$b" ] || { echo "schemathesis: $bin_dir/$b is missing (build it first)" >&2; exit 2; }
done

# 1. The venv, reused when it already holds a 4.x schemathesis.
if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q 'version 4\.'; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q 'schemathesis>=4,<5' >&2
fi
py="$venv/bin/python"
echo "== $("$venv/bin/schemathesis" --version); binaries from $bin_dir:"
for b in approval assessment; do echo "   $b built $(date -u -r "$bin_dir/$b" '+%Y-%m-%d %H:%M:%S UTC')"; done

# 2. Two fresh databases (the CI script drops `t_%` databases before each run; so do we, at exit).
psql_() { psql -h 127.0.0.1 -U postgres -d test -v ON_ERROR_STOP=1 -qtA "$@"; }
suffix="$(date +%s)_$$_${RANDOM}"
db_approval="t_st_approval_$suffix"
db_assessment="t_st_assessment_$suffix"
psql_ -c "CREATE DATABASE \"$db_approval\"" -c "CREATE DATABASE \"$db_assessment\"" ||
  { echo "schemathesis: cannot create databases on $pg_url" >&2; exit 2; }

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
    echo "schemathesis: service logs kept in $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 3. Both services. BIND=127.0.0.1:0 lets the kernel pick a free port (no race between choosing
# a port and binding it); the port is read from the "listening on" line the binary prints.
jwt_secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') # 64 hex characters
# The production arrangement of keys: the approval service signs with an Ed25519 key of its
# own and publishes it (JWKS); the assessment service verifies with that JWKS and reads the
# feed as the service account `assessment` with client credentials.
openssl genpkey -algorithm ed25519 -out "$work/jwt-signing.pem" 2>/dev/null ||
  { echo "schemathesis: openssl cannot generate an Ed25519 key" >&2; exit 2; }
client_secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
redis_url=""
if redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then redis_url="redis://127.0.0.1:6379"; fi

start_service() { # variable for the port, service name, env...
  local var=$1 name=$2; shift 2
  local log="$work/$name.log" pid port=""
  mkdir -p "$work/mail-$name"
  : >"$log" # exists before the background job opens it, for the sed below
  env "$@" MAIL_DIR="$work/mail-$name" SCHEDULER=off WEBHOOK_TIMEOUT_SECONDS=2 BIND=127.0.0.1:0 RUST_LOG=warn \
    "$bin_dir/$name" serve >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 240); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1 || true)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "schemathesis: $name exited:" >&2; cat "$log" >&2; exit 2; }
    sleep 0.25
  done
  [ -n "$port" ] || { echo "schemathesis: $name did not start:" >&2; cat "$log" >&2; exit 2; }
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
      printf -v "$var" '%s' "$port"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { echo "schemathesis: $name exited:" >&2; cat "$log" >&2; exit 2; }
    sleep 0.25
  done
  echo "schemathesis: $name on port $port never became ready:" >&2; cat "$log" >&2; exit 2
}

# Access tokens live 15 minutes by default; all runs together take longer, and the tokens are
# taken once, up front: they live 4 hours here.
start_service approval_port approval \
  DATABASE_URL="$pg_url/$db_approval" DEMO_DATA=true JWT_SECRET="$jwt_secret" REDIS_URL="$redis_url" \
  TOKEN_TTL_SECONDS=14400 JWT_SIGNING_KEY_FILE="$work/jwt-signing.pem" \
  SERVICE_ACCOUNTS="assessment:$client_secret"
approval="http://127.0.0.1:$approval_port"
start_service assessment_port assessment \
  DATABASE_URL="$pg_url/$db_assessment" REDIS_URL="$redis_url" \
  APPROVAL_URL="$approval" JWT_JWKS_URL="$approval/.well-known/jwks.json" \
  APPROVAL_CLIENT_SECRET="$client_secret"
assessment="http://127.0.0.1:$assessment_port"
echo "== approval on $approval, assessment on $assessment"
echo "   PostgreSQL: $db_approval, $db_assessment; Redis: ${redis_url:-none (in-process)}"

# The served document should be the committed one: say so when it is not (stale binary, or
# `make openapi` not run). And a parameter declared `in: path` that its path template does not
# name is never sent by Schemathesis (nor by generated clients): it blinds the scan to it, so it
# counts as a failure.
failed=0
for svc in approval assessment; do
  base_var=$svc
  curl -fsS "${!base_var}/openapi.json" >"$work/$svc.served.json" ||
    { echo "schemathesis: $svc does not serve /openapi.json" >&2; exit 2; }
  if ! "$py" - "$work/$svc.served.json" "openapi/$svc.json" <<'PY'; then failed=1; fi
import json, sys
served, committed = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
svc = sys.argv[2].split("/")[-1][:-5]
if served != committed:
    print(f"   note: {svc} serves an OpenAPI document that differs from {sys.argv[2]}")
bad = {}
for path, item in served.get("paths", {}).items():
    for method, op in item.items():
        if not isinstance(op, dict):
            continue
        for p in op.get("parameters", []):
            if p.get("in") == "path" and "{" + p.get("name", "") + "}" not in path:
                bad.setdefault(f"{method.upper()} {path}", []).append(p["name"])
if bad:
    print(f"   spec defect ({svc}): {sum(map(len, bad.values()))} parameters declared `in: path` but absent"
          " from their path template (never sent; probably meant `in: query`):")
    for op, names in sorted(bad.items()):
        print(f"     {op}: {', '.join(names)}")
    sys.exit(1)
PY
done

# 4. One token per demo role. The approval service ends a user's sessions when the account
# changes (deactivation, deletion, password, role or department) or logs out: the administrator
# runs (last) may end some; the assessment service checks only the signature and the expiry. No
# run scans `POST /v1/auth/logout`: it would end the run's own token at its first call.
declare -A token
for role in clerk reviewer approver supervisor assessor orgdept sysadmin secadmin auditor; do
  answer=$(curl -fsS -X POST "$approval/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"username\":\"$role\",\"password\":\"Demo-pass-2026\"}") ||
    { echo "schemathesis: could not log in as $role" >&2; exit 2; }
  token[$role]=$("$py" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' <<<"$answer")
done

# 5. The runs (non-admin first, so that the admin runs' deletions come last).
rm -rf "$out"
mkdir -p "$out"
hook_env=()
[ -f "$hooks" ] && hook_env=(SCHEMATHESIS_HOOKS=scripts.schemathesis_hooks)
results=()
for run in $runs; do
  service=${run%%:*} role=${run#*:}
  case $service in
    approval) base=$approval ;;
    assessment) base=$assessment ;;
    *) echo "schemathesis: unknown service in ST_RUNS: $service" >&2; exit 2 ;;
  esac
  [ -n "${token[$role]:-}" ] || { echo "schemathesis: unknown role in ST_RUNS: $role" >&2; exit 2; }
  case $spec_source in
    live) location="$base/openapi.json" ;;
    committed) location="$root/openapi/$service.json" ;;
    *) location="$spec_source/$service.json" ;;
  esac
  dir="$out/$service-$role"
  mkdir -p "$dir"
  echo
  echo "== schemathesis: $service as $role ($location)"
  start_s=$SECONDS
  # A crash inside Schemathesis itself (a Python error such as CPython's "AST constructor
  # recursion depth mismatch", seen once in CI) is not an answer of the service: that run is
  # done once more; a second crash counts as an error of the scan.
  for attempt in 1 2; do
  set +e
  env "${hook_env[@]}" PYTHONPATH="$root" "$venv/bin/schemathesis" run "$location" \
    --url "$base" \
    --header "Authorization: Bearer ${token[$role]}" \
    --exclude-path /v1/auth/logout \
    --checks all \
    --seed "$seed" \
    --max-examples "$max_examples" \
    --continue-on-failure \
    --workers "$workers" \
    --request-timeout 20 \
    --generation-database none \
    --no-color \
    --report junit,ndjson --report-dir "$dir" \
    --report-junit-path "$dir/junit.xml" --report-ndjson-path "$dir/events.ndjson" \
    "${extra_args[@]}" >"$dir/output.txt" 2>&1
  rc=$?
  set -e
  if [ "$attempt" = 1 ] && grep -q '"NonFatalError"' "$dir/events.ndjson" 2>/dev/null \
     && grep -Eq 'SystemError|RecursionError|AST constructor' "$dir/events.ndjson"; then
    echo "== schemathesis crashed internally on $service/$role (a Python error in the tool); running it once more"
    continue
  fi
  break
  done
  took=$((SECONDS - start_s))
  if [ "${ST_VERBOSE:-0}" = 1 ] || ! grep -q '^=* SUMMARY =*$' "$dir/output.txt"; then
    cat "$dir/output.txt"
  else # Schemathesis's own summary; the full output, with a curl per failure, is in output.txt
    sed -n '/^=* SUMMARY =*$/,$p' "$dir/output.txt" | grep -v '^ *- \(JUnit\|NDJSON\):\|^Reports:'
  fi
  case $rc in
    0) result="passed" ;;
    1) result="findings reported (only the gated checks below fail the scan)" ;;
    *) result="ERROR (exit $rc)"; failed=1 ;;
  esac
  counts=$(grep -o '^=* [0-9].* in [0-9.]*s =*$' "$dir/output.txt" | tr -d '=' | sed 's/^ *//; s/ in [0-9.]*s *$//' || true)
  results+=("$(printf '%-10s %-9s %-15s %4ss  %s' "$service" "$role" "$result" "$took" "${counts:-}")")
  alive=1
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || alive=0; done
  if [ "$alive" = 0 ]; then
    echo "schemathesis: a service died during this run; its log:" >&2
    tail -30 "$work"/*.log >&2
    results+=("a service died during $service/$role: remaining runs skipped")
    failed=1
    break
  fi
done

# 6. The distinct failures of all runs, then one line per run.
echo
echo "== distinct failures (check | operation | status: problem codes or detail | runs)"
gate_rc=0
"$py" - "$out" "$gate" <<'PY' || gate_rc=$?
import base64, collections, json, os, re, sys

out = sys.argv[1]
gate = {c.strip() for c in sys.argv[2].split(",") if c.strip()}
groups = collections.defaultdict(lambda: {"what": set(), "runs": set(), "curl": None})
for run in sorted(os.listdir(out)):
    path = os.path.join(out, run, "events.ndjson")
    if not os.path.exists(path):
        continue
    for line in open(path, encoding="utf-8"):
        event = json.loads(line)
        if "NonFatalError" in event:
            e = event["NonFatalError"]
            msg = re.sub(r"\s+", " ", str(e["value"].get("message", e["value"])))[:200]
            g = groups[("error", e.get("label") or "-", "")]
            g["what"].add(msg); g["runs"].add(run)
            continue
        rec = event.get("ScenarioFinished", {}).get("recorder")
        if not rec:
            continue
        for case_id, checks in rec.get("checks", {}).items():
            for check in checks:
                if check["status"] != "failure":
                    continue
                name, failure = check["name"], check["failure_info"]["failure"]
                response = (rec["interactions"].get(case_id) or {}).get("response") or {}
                status = str(response.get("status_code", "-"))
                what = ""
                try:
                    content = response.get("content") or {}
                    raw = base64.b64decode(content["$base64"]) if "$base64" in content else content.get("string", "").encode()
                    problem = json.loads(raw)
                    field = str(problem.get("field") or "")
                    if field and not re.fullmatch(r"[A-Za-z_][\w.\[\]-]*", field):
                        field = "<generated name>"  # e.g. an unknown query parameter or map key
                    what = str(problem.get("code", "")) + (f":{field}" if field else "")
                except Exception:
                    pass
                if name == "negative_data_rejection":
                    # Which parameters or fields were invalid, not how.
                    meta = rec["cases"].get(case_id, {}).get("value", {}).get("meta", {})
                    data = (meta.get("phase") or {}).get("data") or {}
                    if data.get("parameter"):
                        what = f"{data.get('parameter_location')} {data['parameter']}"
                    else:
                        negative = [k for k, v in (meta.get("components") or {}).items() if v.get("mode") == "negative"]
                        fields = sorted(set(re.findall(r"at /properties/([^/\s]+)", failure["message"])))
                        what = f"{'/'.join(negative) or 'input'} {', '.join(fields) or data.get('description') or ''}".strip()
                elif name not in ("status_code_conformance", "positive_data_acceptance", "not_a_server_error"):
                    what = re.sub(r"\s+", " ", failure["message"])[:200]
                g = groups[(name, failure.get("operation") or rec["label"], status)]
                g["what"].add(what or "-"); g["runs"].add(run)
                if status.isdigit() and int(status) >= 500 and not g["curl"]:
                    g["curl"] = (check["failure_info"].get("code_sample") or "").replace("[Filtered]", "Bearer $TOKEN")
if not groups:
    print("  none")
gated = sorted(k for k in groups if k[0] in gate or k[0] == "error")
for key in sorted(groups):
    g = groups[key]
    name, op, status = key
    whats = sorted(g["what"])
    what = "; ".join(whats[:12]) + (f"; +{len(whats) - 12} more" if len(whats) > 12 else "")
    print(f"  {name} | {op} | {status}: {what} | {' '.join(sorted(g['runs']))}")
    if g["curl"]:
        print(f"      {g['curl']}")
print()
print(f"== gate ({', '.join(sorted(gate))}): {len(gated)} distinct failure(s)")
for name, op, status in gated:
    print(f"  GATED {name} | {op} | {status}")
sys.exit(1 if gated else 0)
PY
[ "$gate_rc" -eq 0 ] || failed=1
echo
echo "== schemathesis runs (seed $seed, max-examples $max_examples, spec: $spec_source)"
printf '%s\n' "${results[@]}"
exit "$failed"
