#!/usr/bin/env bash
# Envelope sign/verify throughput per algorithm next to `openssl speed` (same run). Used by `make bench-crypto`.
# BENCH_SECONDS (default 1) of CPU time per measurement, BENCH_ROUNDS (default 5, best kept), BENCH_PAYLOAD (default 256 bytes).
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product g60-crypto-bench
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$(swift build -c release --show-bin-path)/g60-crypto-bench"
