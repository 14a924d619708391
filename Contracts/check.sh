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
# The contract's valid examples match the record schemas (needs PyPI jsonschema; said plainly when absent).
if python3 -c 'import jsonschema, referencing' 2>/dev/null; then
  python3 Contracts/records/validate.py Contracts/records/examples/valid.jsonl && echo "record examples: match the schemas"
else
  echo "record examples: NOT checked against the schemas (pip install jsonschema to check them)"
fi
