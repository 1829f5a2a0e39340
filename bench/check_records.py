#!/usr/bin/env python3
"""Checks a records file a benchmark program wrote: every record has a value, and no
case, implementation and metric is recorded twice.

    python3 bench/check_records.py RECORDS.json [MIN_RECORDS]

Exits non-zero, naming what is wrong, otherwise; MIN_RECORDS (default 1) is how many
records there must be at least. The test suite runs it on a program run in rounds, whose
records are each metric's median over the rounds. Python 3 standard library only.
"""

import json
import sys


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    with open(argv[1]) as f:
        records = json.load(f)
    least = int(argv[2]) if len(argv) == 3 else 1
    problems = []
    if len(records) < least:
        problems.append(f"{len(records)} records, fewer than {least}")
    seen = set()
    for record in records:
        key = (record["case"], record["impl"], record["metric"])
        if key in seen:
            problems.append("recorded twice: " + "/".join(key))
        seen.add(key)
        if not isinstance(record.get("value"), (int, float)):
            problems.append("no value for " + "/".join(key) + ": " + record.get("note", ""))
    for problem in problems:
        print("check_records:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
