#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Assertions for tests/integration/podman.sh: check.py's one-record
checks (id, runtime, engine, complete, exit code, phase shapes and order,
times inside the command's wall clock), plus

- total_ns >= 90 % of the `podman run` wall clock (--min-share);
- order against `podman events` (streamed live, --format json):
  prepare begins before podman's "create" event and attach (conmon's
  exec) after it; "init" comes after the runtime's create returned and
  before its start; "start" after the start phase began; "died" after
  pid 1's exit; "remove" inside destroy.
"""
import argparse
import calendar
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402  (the shared assertions and their error list)

TIME_RE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?"
                     r"(Z|[+-]\d\d:\d\d)$")


def time_ns(s):
    """podman's RFC 3339 time with ns ("...T16:12:24.458319275Z")."""
    m = TIME_RE.match(s)
    if not m:
        raise ValueError(f"bad podman event time {s!r}")
    sec = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
    frac = int(((m.group(2) or "") + "000000000")[:9])
    off = 0
    if m.group(3) != "Z":
        sign = 1 if m.group(3)[0] == "+" else -1
        off = sign * (int(m.group(3)[1:3]) * 3600 + int(m.group(3)[4:6]) * 60)
    return (sec - off) * 10**9 + frac


def event_ns(e):
    """An event's time: Podman 5 writes `timeNano` (ns since the epoch)
    and `time` (seconds), Podman 4 `Time` (RFC 3339 with ns)."""
    if "timeNano" in e:
        return int(e["timeNano"])
    return time_ns(e["Time"])


def load_events(path, cid):
    """podman events JSON Lines of container cid -> {Status: first ns}."""
    ev = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            e = json.loads(line)
            if e.get("Type") == "container" and e.get("ID") == cid:
                ev.setdefault(e["Status"], event_ns(e))
    return ev


def span(rec, name):
    p = check.phase(rec, name)
    return (p["start_ns"], p["start_ns"] + p["dur_ns"]) if p else None


def check_events(rec, ev):
    tag = f"container {rec['id'][:12]}"
    need = ("create", "init", "start", "died", "remove")
    got = [a for a in need if a in ev]
    if not check.check(len(got) == len(need), f"{tag}: podman events has "
                       f"{sorted(ev)}, want {list(need)}"):
        return
    check.check([ev[a] for a in need] == sorted(ev[a] for a in need),
                f"{tag}: podman events out of order: {ev}")
    s = check.SLACK_NS
    pre, att, cr = span(rec, "prepare"), span(rec, "attach"), span(rec, "create")
    st, run, de = span(rec, "start"), span(rec, "run"), span(rec, "destroy")
    check.check(pre[0] <= ev["create"] + s,
                f"{tag}: prepare begins after podman's create event")
    check.check(ev["create"] <= att[0] + s,
                f"{tag}: attach (conmon) begins before podman's create event")
    check.check(cr[1] <= ev["init"] + s,
                f"{tag}: create ends after podman's init event")
    check.check(ev["init"] <= st[0] + s,
                f"{tag}: start begins before podman's init event")
    check.check(st[0] <= ev["start"] + s,
                f"{tag}: start begins after podman's start event")
    check.check(run[1] <= ev["died"] + s,
                f"{tag}: run ends after podman's died event")
    check.check(de[0] - s <= ev["remove"] <= de[1] + s,
                f"{tag}: podman's remove event outside destroy")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--id", required=True)
    ap.add_argument("--runtime", required=True)
    ap.add_argument("--exit-code", type=int, default=0)
    ap.add_argument("--name")
    ap.add_argument("--t0", type=int, required=True)
    ap.add_argument("--t1", type=int, required=True)
    ap.add_argument("--events", required=True)
    ap.add_argument("--min-share", type=float, default=0.90)
    a = ap.parse_args()
    a.engine = "podman"
    a.phases = "prepare,attach,create,start,run,die,destroy"
    a.events_path, a.events = a.events, None
    a.foreign_ok = os.environ.get("CT_FOREIGN_OK") == "1"
    check.cmd_single(a)
    recs = [r for r in check.load_records(a.out) if r.get("id") == a.id]
    if len(recs) == 1 and not check.errors:
        rec, wall = recs[0], a.t1 - a.t0
        check.check(rec["total_ns"] >= a.min_share * wall,
                    f"total_ns {rec['total_ns']} < {a.min_share:.0%} of "
                    f"the podman run wall time {wall}")
        # Podman 5 removes the container in the client: the record
        # ends no later than the client returned
        end = rec["start_ns"] + rec["total_ns"]
        check.check(end <= a.t1, f"the record ends {end - a.t1} ns after "
                    f"the podman run client")
        if a.name:
            check.check(rec.get("name") == a.name,
                        f"name {rec.get('name')!r} != {a.name!r}")
        check_events(rec, load_events(a.events_path, a.id))
    for e in check.errors:
        print(f"FAIL: {e}", file=sys.stderr)
    sys.exit(1 if check.errors else 0)


if __name__ == "__main__":
    main()
