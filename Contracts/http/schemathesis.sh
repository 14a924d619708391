#!/usr/bin/env bash
# API fuzzing of a running gateway node against Contracts/http/openapi.yaml with PyPI schemathesis (issue 10).
#
#   Contracts/http/schemathesis.sh [MAX_EXAMPLES]     default 25 cases per operation and phase (make test: bounded)
#   make schemathesis                                 the longer run (SCHEMATHESIS_EXAMPLES, default 300)
#
# Starts a node like the demo does, on loopback only: `g60-gateway demo --exit` fills a fresh state folder (PKI,
# credentials, configuration, the nine cities' records), then `g60-gateway serve` runs that node on a free
# 127.0.0.1 port. Schemathesis then runs once per credential (anonymous, and each scope's bearer token: submit,
# read-records, lookup, operate) with the checks not_a_server_error, status_code_conformance,
# response_schema_conformance and content_type_conformance. Any finding fails the script (exit 1). The node's log
# and the reports are in $SCHEMATHESIS_DIR (default .build/schemathesis).
set -euo pipefail
cd "$(dirname "$0")/../.."
examples=${1:-${SCHEMATHESIS_EXAMPLES:-25}}
seed=${SCHEMATHESIS_SEED:-1}
out=${SCHEMATHESIS_DIR:-.build/schemathesis}
SWIFT=${SWIFT:-swift}
PIP_LINE="python3 -m pip install 'schemathesis>=4.0,<5'"

st=$(command -v st || command -v schemathesis || true)
if [ -z "$st" ]; then
  echo "schemathesis: not installed; installing: $PIP_LINE"
  if ! python3 -m pip install -q 'schemathesis>=4.0,<5'; then
    echo "schemathesis: cannot install it; run: $PIP_LINE" >&2
    exit 1
  fi
  hash -r
  st=$(command -v st || command -v schemathesis || true)
  [ -n "$st" ] || { echo "schemathesis: installed but 'st' is not on PATH; run: $PIP_LINE" >&2; exit 1; }
fi

$SWIFT build --product g60-gateway >/dev/null
bin=$($SWIFT build --show-bin-path)/g60-gateway
rm -rf "$out"
mkdir -p "$out"
root=$(pwd)
out=$(cd "$out" && pwd)
state=$out/node
"$bin" demo --state "$state" --port 0 --exit >"$out/demo.log" 2>&1 || {
  echo "schemathesis: the demo that fills the node failed: see $out/demo.log" >&2
  exit 1
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
base=http://127.0.0.1:$port
# The node as the demo configured it, on loopback; the per-client rate limit is raised so that the fuzzer's
# request rate is not answered 429 (rate limits have their own test in Tests/ReliabilityTests).
G60_LISTEN_HTTP=127.0.0.1:$port G60_LIMITS_REQUESTS_PER_MINUTE_PER_CLIENT=10000000 \
  "$bin" serve --config "$state/gateway.json" >"$out/gateway.log" 2>&1 &
node=$!
trap 'kill $node 2>/dev/null; wait $node 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  kill -0 $node 2>/dev/null || { echo "schemathesis: the node exited: see $out/gateway.log" >&2; exit 1; }
  sleep 0.1
done
curl -fsS "$base/healthz" >/dev/null || { echo "schemathesis: the node did not answer on $base" >&2; exit 1; }

token() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$state/credentials.json" "$1"; }
status=0
total=0
summary=()
for scope in anonymous submit readRecords lookup operate; do
  headers=()
  [ "$scope" = anonymous ] || headers=(-H "Authorization: Bearer $(token "$scope")")
  log=$out/$scope.log
  set +e
  # From inside $out: schemathesis keeps a .schemathesis/ cache in its working directory.
  (cd "$out" && PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$root/Contracts/http${PYTHONPATH:+:$PYTHONPATH}" \
    SCHEMATHESIS_HOOKS=schemathesis_hooks "$st" run "$root/Contracts/http/openapi.yaml" --url "$base" "${headers[@]}" \
    --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
    --max-examples "$examples" --seed "$seed" --workers 1 --request-timeout 10 --no-color \
    --phases examples,coverage,fuzzing --suppress-health-check all --generation-database none \
    --report junit --report-junit-path "$scope.junit.xml") >"$log" 2>&1
  rc=$?
  set -e
  # "Test cases:" line, e.g. "412 generated, 412 passed in 21.3s".
  cases=$(python3 - "$out/$scope.junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("?"); sys.exit()
print(sum(int(s.get("tests", 0)) for s in root.iter("testsuite")))
PY
)
  generated=$(grep -Eo '[0-9]+ generated' "$log" | tail -1 | grep -Eo '[0-9]+' || echo "?")
  [[ "$generated" =~ ^[0-9]+$ ]] && total=$((total + generated))
  summary+=("$scope: $generated cases over $cases operations, exit $rc")
  if [ $rc -ne 0 ]; then
    status=1
    echo "schemathesis $scope: FINDINGS (see $log)" >&2
    grep -E "^(_+ |[0-9]+\. |\[|   )|Failed|failed|Server error|Response violates|Undocumented" "$log" | head -60 >&2 || true
  fi
done
for line in "${summary[@]}"; do echo "schemathesis $line"; done
echo "schemathesis total: $total cases, $examples max examples per operation and phase, seed $seed, $(date -u +%FT%TZ)"
exit $status
