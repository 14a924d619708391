#!/usr/bin/env bash
# `make demo`: builds g60-gateway and runs the nine-city exchange on loopback (g60-gateway demo), keeping its state
# in ./g60-demo. Extra arguments go to the demo (e.g. `make demo DEMO_ARGS=--exit`).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c debug --product g60-gateway >/dev/null
exec .build/debug/g60-gateway demo "$@"
