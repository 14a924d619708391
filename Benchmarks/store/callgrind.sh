#!/usr/bin/env bash
# Instruction counts of the record write path, repeatable whatever the machine's load (valgrind --tool=callgrind).
# Usage: Benchmarks/store/callgrind.sh [BINARY]   (default .build/release/g60-store-bench; `make bench-store-callgrind`)
# Runs `--only records --scale 0.1` (5,000 records per store line, 10,000 rows per raw baseline) under callgrind and
# prints the inclusive instruction counts of the functions the store benchmark's lines spend their time in, with
# calls and instructions per call. Takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${1:-.build/release/g60-store-bench}"
out="Benchmarks/out/store-callgrind"
mkdir -p "$out"
if [ "${ANALYSE_ONLY:-0}" != 1 ]; then  # ANALYSE_ONLY=1: print the figures of the last run again
    rm -rf "$out/db"
    valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" "$bin" --only records --scale 0.1 \
        --dir "$out/db" > "$out/bench.txt" 2> "$out/valgrind.txt"
fi
callgrind_annotate --inclusive=yes --tree=calling "$out/callgrind.out" > "$out/tree.txt" 2>/dev/null
echo "binary: $bin; load average $(cut -d' ' -f1-3 /proc/loadavg)"
grep "PROGRAM TOTALS" "$out/tree.txt" | head -1
# "*" lines are a function's own inclusive total; the ">" lines under put are its callees.
python3 - "$out/tree.txt" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
wanted = [
    ("raw baselines (both, 10,000 rows each, with their commits)", r"BenchmarkSupportO[0-9]+rawBatchedInsert(Rates|Stretches)4path"),
    ("PreparedRecord.prepare (5 × 5,000 records)", r"PreparedRecordV7prepare"),
    ("CanonicalJSONWriter.writeRecord", r"CanonicalJSONWriterV11writeRecord"),
    ("GroupCommitter.commit (write path + COMMIT)", r"GroupCommitterC6commit"),
    ("SQLiteStore.put (per record, 4 × 5,000)", r"SQLiteB0C3put33_"),
]
def count(line):
    return int(line.split("(")[0].replace(",", "").strip() or 0)
for label, pattern in wanted:
    rx = re.compile(r"^\s*[0-9,]+ \([ 0-9.%]+\)  \*  .*" + pattern)
    hits = [count(l) for l in text if rx.search(l)]
    if hits:
        print(f"{max(hits):>15,}  {label}")
    else:
        print(f"{'?':>15}  {label}")
# Callees of put (callgrind lists one function under several file names; their callees are added up by name).
starts = [i for i, l in enumerate(text) if re.search(r"^\s*[0-9,]+ \([ 0-9.%]+\)  \*  .*SQLiteB0C3put33_", l)]
callees = {}
for start in starts:
    for l in text[start + 1:start + 40]:
        if not l.strip() or "  *  " in l:
            break
        if "  >  " not in l:
            continue
        m = re.search(r"\((\d[\d,]*)x\)", l)
        calls = int(m.group(1).replace(",", "")) if m else 0
        name = re.sub(r"\s+\(\d[\d,]*x\).*", "", l.split(">", 1)[1]).strip()
        name = name.split(":", 1)[-1][:100]
        c = callees.setdefault(name, [0, 0])
        c[0] += count(l)
        c[1] += calls
for name, (ir, calls) in sorted(callees.items(), key=lambda kv: -kv[1][0])[:12]:
    per = ir // calls if calls else 0
    print(f"{ir:>15,}  put > {name} ({calls:,} calls, {per:,} per call)")
PY
