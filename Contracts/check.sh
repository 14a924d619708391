#!/usr/bin/env bash
# Contract checks that need no Swift: every JSON file in Contracts/ and Partners/ parses.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import json, pathlib, sys
bad = 0
files = [p for d in ("Contracts", "Partners") for p in pathlib.Path(d).rglob("*.json")]
for p in files:
    try:
        json.loads(p.read_text(encoding="utf-8"))
    except Exception as e:
        print(f"{p}: {e}"); bad += 1
print(f"contract files: {len(files) - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
PY
