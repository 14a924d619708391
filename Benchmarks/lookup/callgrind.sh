#!/usr/bin/env bash
# Instructions per lookup (issue 8, second pass): the gateway's lookup route under valgrind's callgrind, counted
# only while one bounded wrk run is answered (instrumentation switched on and off around it), divided by wrk's
# request count. Repeatable whatever the machine's load, unlike req/s and CPU time: the figure for before/after.
# Usage: Benchmarks/lookup/callgrind.sh [seconds, default 10] [subjects, default 20000]
#   LOOKUP_BENCH_BIN=path: a prebuilt g60-lookup-bench (e.g. from another commit) instead of building this tree's.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Benchmarks/lookup/common.sh
DURATION="${1:-10}"
SUBJECTS="${2:-20000}"
STATE=${LOOKUP_BENCH_STATE:-/tmp/g60-lookup-bench-state}
WORK=$(mktemp -d /tmp/g60-lookup-callgrind.XXXXXX)
for tool in wrk valgrind callgrind_control; do
  command -v $tool >/dev/null || { echo "bench-lookup-callgrind: $tool missing (apt-get install wrk valgrind)"; exit 1; }
done
DB="$STATE/lookup-$SUBJECTS.sqlite"
lookup_bench_bin bench-lookup-callgrind
if [ ! -f "$DB" ] || [ ! -f "$STATE/ids-$SUBJECTS.txt" ]; then
  mkdir -p "$STATE"
  "$BIN" seed "$DB" "$SUBJECTS" "$STATE/ids-$SUBJECTS.txt" >/dev/null
fi
PORT=18094
lookup_lua "$WORK/lookup.lua" "$STATE/ids-$SUBJECTS.txt" 10000
# Valgrind 3.19 cannot read the DWARF 5 the Swift toolchain emits ("unhandled dwarf2 abbrev form"): run a copy
# without debug sections (the symbol table, which names the functions, stays).
objcopy --strip-debug "$BIN" "$WORK/g60-lookup-bench"
# Pinned to one CPU, as in run.sh: the server then starts one event loop (one per CPU of its affinity mask).
taskset -c 0 valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes --callgrind-out-file="$WORK/callgrind.out.%p" \
  "$WORK/g60-lookup-bench" serve "$WORK/node" $PORT "$DB" 2>"$WORK/valgrind.log" &
VG_PID=$!
cleanup() { kill "$VG_PID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
ONE=$(head -1 "$STATE/ids-$SUBJECTS.txt")
wait_for_lookup $PORT "$ONE" "$VG_PID" || { echo "bench-lookup-callgrind: valgrind stopped:"; tail -5 "$WORK/valgrind.log"; exit 1; }
# Warm-up (SQLite's pages), uninstrumented.
wrk -t1 -c50 -d3s -s "$WORK/lookup.lua" "http://127.0.0.1:$PORT" >/dev/null
callgrind_control -i on "$VG_PID" >/dev/null 2>&1
wrk -t1 -c50 -d"${DURATION}s" -s "$WORK/lookup.lua" "http://127.0.0.1:$PORT" > "$WORK/wrk.txt"
callgrind_control -i off "$VG_PID" >/dev/null 2>&1
callgrind_control -d "$VG_PID" >/dev/null 2>&1
sleep 1
N=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
# One dump per thread. The event loop thread (the server is given one CPU, so one loop) is the one that ran the
# most: its count is the request path's; the node's other threads (workers, timers) run per second, not per
# request, so they are reported apart. (A dump made while instrumentation is off has `summary: 0`; its `totals:`
# line holds the counts.)
for f in "$WORK"/callgrind.out.*-*; do
  awk '/^totals:/ {t = $2} /^summary:/ {s = $2} END {print (t > 0 ? t : s)}' "$f"
done | awk '$1 > 0' | sort -n > "$WORK/threads.txt"
LOOP_IR=$(tail -1 "$WORK/threads.txt")
ALL_IR=$(awk '{s += $1} END {print s}' "$WORK/threads.txt")
LOOP_FILE=$(for f in "$WORK"/callgrind.out.*-*; do
  echo "$(awk '/^totals:/ {t = $2} /^summary:/ {s = $2} END {print (t > 0 ? t : s)}' "$f") $f"; done | sort -n | tail -1 | cut -d' ' -f2)
echo "callgrind: $N requests; event loop thread $(awk -v i="$LOOP_IR" -v n="$N" 'BEGIN { printf "%.0f", i / n }') instructions per request; all $(wc -l < "$WORK/threads.txt") threads $(awk -v i="$ALL_IR" -v n="$N" 'BEGIN { printf "%.0f", i / n }') per request ($(basename "$BIN"), $SUBJECTS subjects, ${DURATION} s)"
if command -v callgrind_annotate >/dev/null; then
  echo "Event loop thread, top functions by self instructions (whole run; divide by $N for per request):"
  echo '```'
  callgrind_annotate "$LOOP_FILE" 2>/dev/null \
    | grep -E '^ *[0-9,]+ ' | head -32 | cut -c1-150 || true
  echo '```'
fi
