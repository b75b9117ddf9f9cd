#!/usr/bin/env python3
"""Validates every line of JSON-lines files against a JSON Schema (Debian's
python3-jsonschema). Usage: validate_jsonl.py SCHEMA FILE...
Prints one line per invalid object (file:line: what and where) and exits 1
when any line is invalid or not JSON; prints the number of objects checked."""
import json
import sys

import jsonschema


def main():
    if len(sys.argv) < 3:
        print("usage: validate_jsonl.py SCHEMA FILE...", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    bad = checked = 0
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                checked += 1
                try:
                    obj = json.loads(line)
                except ValueError as e:
                    print(f"{path}:{number}: not JSON: {e}")
                    bad += 1
                    continue
                errors = sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
                if errors:
                    bad += 1
                    # The deepest error says most: anyOf/oneOf failures nest the real one.
                    best = jsonschema.exceptions.best_match(errors)
                    where = "/".join(str(p) for p in best.absolute_path)
                    print(f"{path}:{number}: at /{where}: {best.message}: {line.strip()[:400]}")
    print(f"checked {checked} objects, {bad} invalid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
