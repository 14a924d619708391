#!/usr/bin/env bash
# Lookup profile (issue 8, second pass): the same two servers as run.sh (the gateway's lookup route over the seeded
# store, nginx with a static answer), each under `wrk -t1 -c50`, measured three ways:
#   1. syscalls per request: `strace -c -f -p PID` attached for one wrk run, calls divided by wrk's request count;
#   2. CPU per request from /proc/PID/stat (no tracer attached);
#   3. `perf record -g` of the gateway for one wrk run: the top symbols (self time) and the kernel's share.
# Server on CPU 0, wrk on CPU 1, as in run.sh. Prints a Markdown report (also written to Benchmarks/out/).
# Usage: Benchmarks/lookup/profile.sh [seconds per run, default 5] [subjects, default 1000000]
set -euo pipefail
cd "$(dirname "$0")/../.."
source Benchmarks/lookup/common.sh
DURATION="${1:-5}"
SUBJECTS="${2:-1000000}"
OUT_DIR=Benchmarks/out
mkdir -p "$OUT_DIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT="$OUT_DIR/lookup-profile-$STAMP.md"
WORK=$(mktemp -d /tmp/g60-lookup-profile.XXXXXX)
STATE=${LOOKUP_BENCH_STATE:-/tmp/g60-lookup-bench-state}
ulimit -n 20000 || true
for tool in wrk strace; do command -v $tool >/dev/null || { echo "bench-lookup-profile: $tool missing (apt-get install $tool)"; exit 1; }; done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
DB="$STATE/lookup-$SUBJECTS.sqlite"
[ -f "$DB" ] && [ -f "$STATE/ids-$SUBJECTS.txt" ] || { echo "bench-lookup-profile: seed first (make bench-lookup)"; exit 1; }

lookup_bench_bin bench-lookup-profile

G60_PORT=18092
NGINX_PORT=18093
lookup_nginx_conf "$WORK/nginx.conf" "$WORK" $NGINX_PORT
lookup_lua "$WORK/lookup.lua" "$STATE/ids-$SUBJECTS.txt" 10000

taskset -c 0 "$BIN" serve "$WORK/node" $G60_PORT "$DB" 2>"$WORK/g60.log" &
G60_PID=$!
taskset -c 0 "$NGINX" -c "$WORK/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
cleanup() {
  kill "$G60_PID" "$NGINX_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  perf probe -q -d probe_libc:g60_lookup_malloc 2>/dev/null || true  # (if the run stopped while it was set)
  rm -rf "$WORK"
}
trap cleanup EXIT
ONE=$(head -1 "$STATE/ids-$SUBJECTS.txt")
wait_for_lookup $G60_PORT "$ONE" "$G60_PID" || { echo "bench-lookup-profile: the gateway did not answer"; exit 1; }
until curl -sf "http://127.0.0.1:$NGINX_PORT/v1/trust-travel/eligibility" >/dev/null; do sleep 0.2; done
HZ=$(getconf CLK_TCK)
requests() { awk '/requests in/ {print $1}' "$1"; }
wrk_run() { taskset -c 1 wrk -t1 -c50 -d"${DURATION}s" --latency -s "$WORK/lookup.lua" "$1"; }

profile() { # name pid url
  local name=$1 pid=$2 url=$3
  wrk_run "$url" >/dev/null  # warm-up
  local before after
  before=$(cpu_ticks "$pid")
  wrk_run "$url" > "$WORK/$name-plain.txt"
  after=$(cpu_ticks "$pid")
  local n rps cpu_us
  n=$(requests "$WORK/$name-plain.txt")
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$name-plain.txt")
  cpu_us=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$n" 'BEGIN { printf "%.1f", t / hz / n * 1e6 }')
  echo "### $name: $rps req/s, $cpu_us CPU µs/req (no tracer; load average $(cut -d' ' -f1-3 /proc/loadavg))"
  echo
  strace -qq -c -f -p "$pid" -o "$WORK/$name-strace.txt" &
  local strace_pid=$!
  sleep 1
  wrk_run "$url" > "$WORK/$name-traced.txt"
  kill -INT "$strace_pid"; wait "$strace_pid" 2>/dev/null || true
  n=$(requests "$WORK/$name-traced.txt")
  echo "Syscalls per request (\`strace -c -f -p\`, $n requests under the tracer):"
  echo
  echo "| syscall | calls | per request | errors (e.g. EAGAIN) |"
  echo "|---|---:|---:|---:|"
  # strace -c columns: % time, seconds, usecs/call, calls, [errors,] syscall.
  awk -v n="$n" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { e = NF == 6 ? $5 : 0; printf "| %s | %d | %.3f | %d |\n", $NF, $4, $4 / n, e }' \
    "$WORK/$name-strace.txt" | sort -t'|' -k3 -rn
  awk -v n="$n" '$NF == "total" { printf "| **total** | %d | **%.3f** | |\n", $4, $4 / n }' "$WORK/$name-strace.txt"
  echo
}

{
  echo "# Lookup profile $STAMP"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); other builds may run at the same time."
  echo "Store: $SUBJECTS subjects. wrk \`-t1 -c50 -d${DURATION}s\` on CPU 1, servers on CPU 0."
  echo
  profile nginx "$NGINX_PID" "http://127.0.0.1:$NGINX_PORT"
  profile gateway "$G60_PID" "http://127.0.0.1:$G60_PORT"
  if command -v perf >/dev/null; then
    perf record -F 4999 -g -o "$WORK/perf.data" -p "$G60_PID" -- sleep "$DURATION" >/dev/null 2>&1 &
    PERF_PID=$!
    wrk_run "http://127.0.0.1:$G60_PORT" >/dev/null
    wait "$PERF_PID" || true
    echo "### gateway: \`perf record -g\`, top symbols by self time"
    echo
    echo '```'
    perf report -i "$WORK/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null \
      | grep -E '^ +[0-9.]+%' | head -45 | cut -c1-150 || true
    echo '```'
    echo
    echo "Share of the samples by object: $(perf report -i "$WORK/perf.data" --no-children --sort dso --stdio 2>/dev/null \
      | awk '$1 ~ /%$/ {printf "%s %s; ", $2, $1}' || true)"
  fi
  # Allocations per request: a uprobe on libc's malloc, recorded (every call) for one wrk run.
  LIBC=$(ldd "$BIN" | awk '/libc.so.6/ {print $3}')
  if command -v perf >/dev/null && [ -n "$LIBC" ] && perf probe -q -x "$LIBC" -a g60_lookup_malloc=malloc 2>/dev/null; then
    perf record -q -g -e probe_libc:g60_lookup_malloc -o "$WORK/malloc.data" -p "$G60_PID" -- \
      taskset -c 1 wrk -t1 -c50 -d"${DURATION}s" -s "$WORK/lookup.lua" "http://127.0.0.1:$G60_PORT" \
      > "$WORK/malloc-wrk.txt" 2>/dev/null || true
    perf probe -q -d probe_libc:g60_lookup_malloc 2>/dev/null || true
    MALLOCS=$(perf script -i "$WORK/malloc.data" -F event 2>/dev/null | grep -c g60_lookup_malloc || true)
    N=$(requests "$WORK/malloc-wrk.txt")
    echo
    echo "### gateway: malloc calls per request (uprobe on libc malloc, $N requests): $(awk -v m="$MALLOCS" -v n="$N" 'BEGIN { printf "%.2f", m / n }')"
    echo
    echo "Allocating sites: the innermost frame of the gateway's own modules on each malloc's stack, calls per request:"
    echo
    echo '```'
    perf script -i "$WORK/malloc.data" -F ip,sym 2>/dev/null | awk '
      /^$/ { if (site != "") count[site]++; site = ""; next }
      site == "" && $2 ~ /Gateway/ { site = $2 }
      END { for (s in count) print count[s], s }' | sort -rn | head -25 \
      | while read -r calls symbol; do
          printf "%6.2f  %s\n" "$(awk -v c="$calls" -v n="$N" 'BEGIN { print c / n }')" \
            "$(swift demangle --simplified --compact "${symbol%%+*}" 2>/dev/null | cut -c1-140)"
        done || true
    echo '```'
  fi
} | tee "$REPORT"
echo "bench-lookup-profile: report in $REPORT"
