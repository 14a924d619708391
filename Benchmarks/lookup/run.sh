#!/usr/bin/env bash
# Lookup benchmark (issue 8): wrk against GET /v1/trust-travel/eligibility of the real GatewayService (release
# build, plain HTTP on loopback, bearer-token lookup client) with SUBJECTS subjects' decisions in its store, next
# to nginx (1 worker) returning a static eligibility answer, in the same run. Each request asks about a random
# stored subject's identity number (checked and hashed by the gateway per request): any of them by default, or one
# of a hot sample of 10,000 with LOOKUP_SUBJECTS_ASKED=hot (see below). Server on CPU 0, wrk on CPU 1.
# Usage: [LOOKUP_SUBJECTS_ASKED=all|hot] Benchmarks/lookup/run.sh [seconds per run, default 10] [subjects, default 1000000]
set -euo pipefail
cd "$(dirname "$0")/../.."
source Benchmarks/lookup/common.sh
DURATION="${1:-10}"
SUBJECTS="${2:-1000000}"
OUT_DIR=Benchmarks/out
mkdir -p "$OUT_DIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT="$OUT_DIR/lookup-$STAMP.md"
WORK=$(mktemp -d /tmp/g60-lookup-bench.XXXXXX)
STATE=${LOOKUP_BENCH_STATE:-/tmp/g60-lookup-bench-state}
mkdir -p "$STATE"
ulimit -n 20000 || true
command -v wrk >/dev/null || { echo "bench-lookup: wrk missing (apt-get install wrk)"; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "bench-lookup: nginx missing (apt-get install nginx)"; exit 1; }

lookup_bench_bin bench-lookup

DB="$STATE/lookup-$SUBJECTS.sqlite"
if [ ! -f "$DB" ] || [ ! -f "$STATE/ids-$SUBJECTS.txt" ]; then
  echo "bench-lookup: seeding $SUBJECTS subjects into $DB"
  "$BIN" seed "$DB" "$SUBJECTS" "$STATE/ids-$SUBJECTS.txt" | tee "$WORK/seed.txt"
else
  echo "seeded earlier: $DB (reused)" > "$WORK/seed.txt"
fi

# Which subjects wrk asks about: "all" (default) picks each request's subject at random among every stored subject,
# as at a scenic spot that sees many different visitors (each lookup reads a page of the store few others share);
# "hot" picks among the 10,000 of the seed's sample, whose pages stay in the CPU's and SQLite's caches.
# A number N asks about the first N stored subjects (their keys are keyed hashes, so any N of them are spread over
# the whole index).
ASKED="${LOOKUP_SUBJECTS_ASKED:-all}"
ASK_COUNT=$SUBJECTS
case "$ASKED" in
  all) IDS="$STATE/ids-all-$SUBJECTS.txt" ;;
  hot) IDS="$STATE/ids-$SUBJECTS.txt" ;;
  ''|*[!0-9]*) echo "bench-lookup: LOOKUP_SUBJECTS_ASKED must be all, hot or a number"; exit 2 ;;
  *) IDS="$STATE/ids-all-$SUBJECTS.txt"; ASK_COUNT=$ASKED ;;
esac
if [ "$ASKED" != hot ] && [ ! -s "$IDS" ]; then "$BIN" ids "$SUBJECTS" "$IDS"; fi

G60_PORT=18090
NGINX_PORT=18091
lookup_nginx_conf "$WORK/nginx.conf" "$WORK" $NGINX_PORT
lookup_lua "$WORK/lookup.lua" "$IDS" "$ASK_COUNT"

taskset -c 0 "$BIN" serve "$WORK/node" $G60_PORT "$DB" 2>"$WORK/g60.log" &
G60_PID=$!
taskset -c 0 "$NGINX" -c "$WORK/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
cleanup() { kill "$G60_PID" "$NGINX_PID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
ONE=$(head -1 "$STATE/ids-$SUBJECTS.txt")
wait_for_lookup $G60_PORT "$ONE" "$G60_PID" || true  # (the check below reports a gateway that never answered)
until curl -sf "http://127.0.0.1:$NGINX_PORT/v1/trust-travel/eligibility" >/dev/null; do sleep 0.2; done
SAMPLE=$(curl -s -H "Authorization: Bearer bench-lookup" "http://127.0.0.1:$G60_PORT/v1/trust-travel/eligibility?subject=$ONE") \
  || { echo "bench-lookup: the gateway did not answer; its log:"; tail -20 "$WORK/g60.log"; exit 1; }
HZ=$(getconf CLK_TCK)

run() { # name pid url
  local before after
  # The store's file into the page cache first: the benchmark machine's kernel reclaims cold pages proactively
  # (DAMON), even with most memory free, and a lookup that faults a page in from disk holds its event loop.
  cat "$DB" "$DB-wal" > /dev/null 2>&1 || true
  taskset -c 1 wrk -t1 -c50 -d5s -s "$WORK/lookup.lua" "$3" >/dev/null  # warm-up (pages of a cold store)
  before=$(cpu_ticks "$2")
  taskset -c 1 wrk -t1 -c50 -d"${DURATION}s" --latency -s "$WORK/lookup.lua" "$3" > "$WORK/$1.txt"
  after=$(cpu_ticks "$2")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$1.txt")
  p50=$(awk '$1=="50%" {print $2}' "$WORK/$1.txt")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/$1.txt")
  local cpu_us errors load
  cpu_us=$(awk -v t=$((after - before)) -v hz="$HZ" -v r="$rps" -v d="$DURATION" 'BEGIN { printf "%.1f", t / hz / (r * d) * 1e6 }')
  # Non-2xx answers (e.g. 429 from a rate limit) or socket errors make the row meaningless: say so in the row.
  errors=$(grep -E "Non-2xx|Socket errors" "$WORK/$1.txt" | tr -s ' ' | paste -sd';' - || true)
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "| $1 | $rps | $p50 | $p99 | $cpu_us | $load | ${errors:-none} |"
}

{
  echo "# Lookup benchmark $STAMP"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'). Server on CPU 0, wrk on CPU 1;"
  echo "other builds may have been running on this shared machine at the same time."
  echo "Store: $SUBJECTS subjects. $(cat "$WORK/seed.txt")"
  echo "wrk: \`taskset -c 1 wrk -t1 -c50 -d${DURATION}s --latency -s lookup.lua URL\` (random subject per request: LOOKUP_SUBJECTS_ASKED=$ASKED, of $(wc -l < "$IDS") in $(basename "$IDS"), at most $ASK_COUNT);"
  echo "nginx $($NGINX -v 2>&1 | cut -d/ -f2), 1 worker, access_log off, a static answer of the same shape."
  echo "Sample gateway answer: \`$SAMPLE\`"
  echo
  echo "| server | req/s | p50 | p99 | CPU µs/req (server) | load average after | errors |"
  echo "|---|---|---|---|---|---|---|"
  run nginx "$NGINX_PID" "http://127.0.0.1:$NGINX_PORT"
  run gateway "$G60_PID" "http://127.0.0.1:$G60_PORT"
  run nginx-again "$NGINX_PID" "http://127.0.0.1:$NGINX_PORT"
  run gateway-again "$G60_PID" "http://127.0.0.1:$G60_PORT"
} | tee "$REPORT"
kill "$G60_PID" 2>/dev/null || true
wait "$G60_PID" 2>/dev/null || true
{
  echo
  echo "In-process cost of each step (\`g60-lookup-bench micro\` over the same store, 20,000 lookups each, one thread):"
  echo
  echo '```'
  taskset -c 0 "$BIN" micro "$DB" "$STATE/ids-$SUBJECTS.txt"
  echo '```'
} | tee -a "$REPORT"
echo "bench-lookup: report in $REPORT"
