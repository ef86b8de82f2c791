#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""check_podman.py reads Podman 5's events (`time`, `timeNano`; no
`Time`): tests/fixtures/podman5-events.jsonl is `podman events --format
json` of Podman 5.8 for one `podman run --rm` (and an image event)."""
import json
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import check_podman  # noqa: E402

FIX = os.path.join(TOP, "tests", "fixtures", "podman5-events.jsonl")


def main():
    with open(FIX, encoding="utf-8") as f:
        raw = [json.loads(line) for line in f if line.startswith("{")]
    ctr = [e for e in raw if e["Type"] == "container"]
    cid = ctr[0]["ID"]
    ev = check_podman.load_events(FIX, cid)
    want = {e["Status"]: e["timeNano"] for e in ctr}
    fails = []
    if ev != want:
        fails.append(f"load_events {ev} != the file's timeNano {want}")
    for need in ("create", "init", "start", "died", "remove"):
        if need not in ev:
            fails.append(f"no {need} event")
    for e in fails:
        print(f"FAIL: test_check_podman: {e}", file=sys.stderr)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
