#!/usr/bin/env bash
# Builds and runs the libFuzzer harnesses of Fuzz/<name>/ (see Fuzz/README.md).
#   Fuzz/run.sh fuzz SECONDS NAME...    long run; the corpus grows in .build/fuzz/corpus/NAME (seeded from Fuzz/corpus)
#   Fuzz/run.sh ci SECONDS NAME...      bounded run from the committed seeds only, fixed seed; fails on any finding
#   Fuzz/run.sh replay NAME...          no libFuzzer: the debug replayers run every committed corpus file once
# Findings (crash-*, timeout-*, oom-*) land in .build/fuzz/artifacts/NAME/; copy a fixed one into Fuzz/corpus/NAME
# so `make test` replays it for ever.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
FUZZ_SANITIZE=${FUZZ_SANITIZE:-fuzzer}
mode=$1
shift

if [ "$mode" = replay ]; then
  for name in "$@"; do $SWIFT build --product "g60-fuzz-$name" >/dev/null; done
  bin=$($SWIFT build --show-bin-path)
  for name in "$@"; do
    printf 'fuzz replay %-10s ' "$name"
    "$bin/g60-fuzz-$name" Fuzz/corpus/"$name"/*
  done
  exit 0
fi

seconds=$1
shift
summary=.build/fuzz/summary.txt
mkdir -p .build/fuzz
status=0
for name in "$@"; do
  $SWIFT build -c release --scratch-path .build/fuzz --product "g60-fuzz-$name" \
    -Xswiftc "-sanitize=$FUZZ_SANITIZE" -Xswiftc -parse-as-library -Xswiftc -DG60_FUZZ
  artifacts=.build/fuzz/artifacts/$name
  mkdir -p "$artifacts"
  if [ "$mode" = ci ]; then
    corpus=$(mktemp -d)
    extra=(-seed=1)
  else
    corpus=.build/fuzz/corpus/$name
    mkdir -p "$corpus"
    extra=()
  fi
  log=.build/fuzz/$name.log
  set +e
  # The Swift runtime's backtracer would take the trap signal first and exit before libFuzzer saves the input.
  SWIFT_BACKTRACE=enable=no .build/fuzz/release/g60-fuzz-"$name" "$corpus" Fuzz/corpus/"$name" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" "${extra[@]}" \
    >"$log" 2>&1
  rc=$?
  set -e
  [ "$mode" = ci ] && rm -rf "$corpus"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  units=$(sed -n 's/^stat::new_units_added: *//p' "$log")
  line="$(date -u +%FT%TZ) $mode $name: ${runs:-?} executions in ${seconds}s (${rate:-?}/s), ${units:-?} new corpus units, exit $rc"
  echo "$line" | tee -a "$summary"
  if [ $rc -ne 0 ]; then
    echo "fuzz $name FAILED: see $log and $artifacts/" >&2
    grep -E "^==|ERROR|Fatal error|precondition" "$log" | head -20 >&2 || true
    status=1
  fi
done
exit $status
