#!/usr/bin/env bash
# Mapping benchmark: generated N-row penalty files per format, mapped by the release `g60-gateway map` with the
# records written to /dev/null and the row report to a file; wall time → rows/s, peak RSS from getrusage
# (ru_maxrss, through GNU time's %M). Runs each format at N/10 and N rows to show how memory depends on file size;
# `csv-nodup` is the CSV run with --no-duplicate-check (no per-row duplicate index: the streaming part alone).
# Usage: Benchmarks/mapping/run.sh [N]   (default 1000000). Run from the checkout root, or via `make bench-mapping`.
# G60_BASE_BIN=/path/to/older/g60-gateway adds a "before" line per format, run right before the current binary on
# the same file, so that before/after compare side by side under the same machine load.
# At the end it prints the duplicate index's memory per accepted row (csv minus csv-nodup peak RSS, per binary and
# size; RSS moves by about a megabyte from run to run, so the figure means something from 100k rows on).
set -euo pipefail
N=${1:-1000000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${G60_BIN:-$ROOT/.build/release/g60-gateway}
WORK=$(mktemp -d /tmp/g60-bench-mapping.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
if [ ! -x "$BIN" ]; then (cd "$ROOT" && swift build -c release --product g60-gateway >/dev/null); fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "started: $(date -u '+%Y-%m-%d %H:%M UTC'), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| format | rows | file MB | wall s | CPU s | rows/s (wall) | rows/s per CPU-second | peak RSS MB | load (1 min) |"
echo "|---|---|---|---|---|---|---|---|---|"
declare -A rss=()
summary=""
for n in $((N / 10)) "$N"; do
  python3 "$ROOT/Benchmarks/mapping/generate.py" "$n" "$WORK/$n"
  for f in csv:rows.csv csv-nodup:rows.csv gbkcsv:rows-gbk.csv jsonl:rows.jsonl json:rows.json xml:rows.xml; do
    name=${f%%:*}; file=$WORK/$n/${f#*:}
    extra=(); partner=bench${name%-nodup}
    [ "$name" = "${name%-nodup}" ] || extra=(--no-duplicate-check)
    for bin in ${G60_BASE_BIN:+"$G60_BASE_BIN"} "$BIN"; do
    label=$name; [ "$bin" = "$BIN" ] || label="$name (before)"
    out=$( { /usr/bin/time -f "%e %U %S %M" "$bin" map --partners "$ROOT/Benchmarks/mapping/partner" --contracts "$ROOT/Contracts" \
        --partner "$partner" --kind penalty --today 2026-11-27 --report "$WORK/report.jsonl" "${extra[@]}" "$file" >/dev/null || true; } 2>&1 | tail -1)
    read -r secs usr sys kb <<< "$out"
    load=$(cut -d' ' -f1 /proc/loadavg)
    rep=$(wc -l < "$WORK/report.jsonl")
    [ "$rep" -eq "$n" ] || { echo "report has $rep lines, expected $n" >&2; exit 1; }
    size=$(stat -c %s "$file")
    rss["$label"]=$kb
    awk -v f="$label" -v n="$n" -v s="$secs" -v u="$usr" -v y="$sys" -v kb="$kb" -v b="$size" -v load="$load" \
      'BEGIN { c = u + y; printf "| %s | %d | %.0f | %.2f | %.2f | %.0f | %.0f | %.1f | %s |\n", f, n, b/1048576, s, c, (s > 0 ? n/s : 0), (c > 0 ? n/c : 0), kb/1024, load }'
    done
  done
  rm -rf "$WORK/$n"
  # The in-file duplicate index's share of memory: peak RSS with it minus without it, per accepted row.
  for suffix in " (before)" ""; do
    [ -n "${rss[csv$suffix]:-}" ] && [ -n "${rss[csv-nodup$suffix]:-}" ] || continue
    summary+=$(awk -v n="$n" -v a="${rss[csv$suffix]}" -v b="${rss[csv-nodup$suffix]}" -v s="$suffix" \
      'BEGIN { printf "duplicate index%s, %d rows: %.1f bytes per accepted row (csv minus csv-nodup peak RSS)\n", s, n, (a - b) * 1024 / n }')$'\n'
  done
done
echo
printf '%s' "$summary"
