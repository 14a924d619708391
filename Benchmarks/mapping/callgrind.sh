#!/usr/bin/env bash
# Instructions per mapped row, per format, under valgrind's callgrind: repeatable whatever the machine's load
# (±1.5 % from run to run, as Swift's Hasher is seeded per process). Each binary maps a generated 10,000-row file and
# a 1-row file of each format; instructions per row = (10k-row count − 1-row count) / 9,999, so start-up (code
# tables, dialect, dynamic linking: ≈ 47 M instructions) is left out. The outputs of every binary are compared
# byte for byte with the first one's (records and row report).
# SWIFT_DETERMINISTIC_HASHING=1 fixes the Hasher seed, so that Set and Dictionary probe the same way in every run.
# Usage: Benchmarks/mapping/callgrind.sh [BIN ...]   (default: the release g60-gateway). `make bench-mapping-callgrind`.
set -euo pipefail
export SWIFT_DETERMINISTIC_HASHING=1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -gt 0 ] || set -- "$ROOT/.build/release/g60-gateway"
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
WORK=$(mktemp -d /tmp/g60-bench-mapping-cg.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 "$ROOT/Benchmarks/mapping/generate.py" 10000 "$WORK/10k"
python3 "$ROOT/Benchmarks/mapping/generate.py" 1 "$WORK/1row"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| binary | format | instructions, 10k rows | instructions, 1 row | instructions per row |"
echo "|---|---|---|---|---|"
b=0
for bin in "$@"; do
  b=$((b + 1))
  # valgrind reads the symbols better without the DWARF of a Swift release build.
  objcopy --strip-debug "$bin" "$WORK/bin$b"
  for f in csv:rows.csv gbkcsv:rows-gbk.csv jsonl:rows.jsonl json:rows.json xml:rows.xml; do
    name=${f%%:*}; file=${f#*:}
    declare -A count=()
    for n in 10k 1row; do
      valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$WORK/bin$b" map \
        --partners "$ROOT/Benchmarks/mapping/partner" --contracts "$ROOT/Contracts" --partner "bench$name" \
        --kind penalty --today 2026-11-27 --report "$WORK/rep.$b.$name.$n" "$WORK/$n/$file" \
        >"$WORK/out.$b.$name.$n" 2>/dev/null || true
      count[$n]=$(awk '/^(summary|totals):/ { print $2; exit }' "$WORK/cg.out")
      if [ "$b" -gt 1 ]; then
        cmp -s "$WORK/out.1.$name.$n" "$WORK/out.$b.$name.$n" && cmp -s "$WORK/rep.1.$name.$n" "$WORK/rep.$b.$name.$n" \
          || echo "OUTPUT DIFFERS: $bin, $name, $n (from $1)"
      fi
    done
    echo "| $(basename "$bin") | $name | ${count[10k]} | ${count[1row]} | $(( (count[10k] - count[1row]) / 9999 )) |"
  done
done
