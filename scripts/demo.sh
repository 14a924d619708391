#!/usr/bin/env bash
# `make demo` until the nine-city exchange demo exists (issue 7): builds g60-gateway and runs, end to end, what
# is built today: identifier checks, the working-day calendar and canonical record validation on the contract
# examples. It says what it does at each step.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c debug >/dev/null
g=.build/debug/g60-gateway
step() { printf '\n== %s\n$ %s\n' "$1" "$2"; }
echo "G60 credit exchange gateway: what runs today (the nine-city exchange demo is not built yet, see README.md)"
step "Identifier checks: real USCCs and identity numbers from DOMAIN.md §6, and broken ones" \
     "g60-gateway id check 91330100716105852F 11010519491231002X 440524188001010014 91330100716105852G 3208191960****6833"
$g id check 91330100716105852F 11010519491231002X 440524188001010014 91330100716105852G '3208191960****6833' || true
step "Working days: a decision on 2024-09-27 must be online by the 7th working day (make-up Saturday)" \
     "g60-gateway calendar deadline 2024-09-27"
$g calendar deadline 2024-09-27
$g calendar is-workday 2024-10-12 || true
step "Canonical records: validate the contract examples (good and bad), every problem of each record at once" \
     "g60-gateway record validate Contracts/records/examples/invalid.jsonl"
$g record validate --today 2026-11-27 Contracts/records/examples/valid.jsonl || true
$g record validate --today 2026-11-27 Contracts/records/examples/invalid.jsonl || true
echo
echo "Done. Run 'make test' for the test suite; '$g --help' lists the verbs."
