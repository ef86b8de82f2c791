#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Sum up range-proxy.py's log for one blob within a time window.

  fetches.py LOG PATH [FROM_NS [TO_NS]]

Prints one JSON object about the requests for PATH that began in
[FROM_NS, TO_NS]: n (requests), gets, unranged (GETs without a Range
header, i.e. fetches of the whole blob), bytes (body bytes sent),
statuses, ranges (each requested [start, end), end exclusive, as asked
in the Range headers), merged (their union, sorted), others (the paths
of every other request in the window).
"""
import json
import sys


def ranges(hdr):
    """[start, end) of each part of a "bytes=a-b, c-d" header."""
    out = []
    if not hdr or not hdr.startswith("bytes="):
        return out
    for part in hdr[len("bytes="):].split(","):
        a, _, b = part.strip().partition("-")
        if a.isdigit() and b.isdigit():
            out.append([int(a), int(b) + 1])
    return out


def merge(rs):
    out = []
    for a, b in sorted(rs):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def main():
    if not 3 <= len(sys.argv) <= 5:
        sys.exit(__doc__)
    log, path = sys.argv[1], sys.argv[2]
    lo = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    hi = int(sys.argv[4]) if len(sys.argv) > 4 else 1 << 63
    s = {"n": 0, "gets": 0, "unranged": 0, "bytes": 0, "statuses": [],
         "ranges": [], "others": []}
    with open(log, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if not lo <= r["start_ns"] <= hi:
                continue
            if r["path"] != path:
                s["others"].append(r["method"] + " " + r["path"])
                continue
            s["n"] += 1
            s["bytes"] += r["bytes"]
            s["statuses"].append(r["status"])
            if r["method"] == "GET":
                s["gets"] += 1
                if not r["range"]:
                    s["unranged"] += 1
                s["ranges"] += ranges(r["range"])
    s["merged"] = merge(s["ranges"])
    print(json.dumps(s, sort_keys=True))


if __name__ == "__main__":
    main()
