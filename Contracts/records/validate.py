#!/usr/bin/env python3
"""Validates canonical records (JSON Lines) against Contracts/records/*.schema.json.

    python3 Contracts/records/validate.py FILE.jsonl [...]

Exit 0 when every line matches the schema of its kind, 1 otherwise (each failure printed with its line).
Needs PyPI jsonschema (>= 4.18, for `referencing`).
"""
import json
import pathlib
import sys

import jsonschema
from referencing import Registry, Resource

HERE = pathlib.Path(__file__).resolve().parent


def registry():
    resources = []
    for path in HERE.glob("*.schema.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def main(files):
    reg = registry()
    validators = {}
    for path in HERE.glob("*.schema.json"):
        if path.name != "common.schema.json":
            schema = json.loads(path.read_text(encoding="utf-8"))
            validators[path.name.split(".")[0]] = jsonschema.Draft202012Validator(schema, registry=reg)
    failed = 0
    for name in files:
        for number, line in enumerate(pathlib.Path(name).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            record = json.loads(line)
            validator = validators.get(record.get("kind"))
            errors = [f"unknown kind {record.get('kind')!r}"] if validator is None else [
                f"{'/'.join(map(str, e.absolute_path)) or '(record)'}: {e.message}" for e in validator.iter_errors(record)]
            for error in errors:
                print(f"{name}:{number}: {error}")
            failed += bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
