# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""What the checkers of a phase's steps share (check_ctrd_steps.py,
check_destroy_steps.py, cri/check_cri.py): containerd's events as `ctr
events` prints them, each stamped in nanoseconds as containerd publishes
it (once the work is done), its spans as the tests' OTLP receiver keeps
them, and coldtrace's records and their steps."""
import datetime
import json
import re

# 2026-11-28 18:48:49.054088944 +0000 UTC moby /containers/create {...}
EVENT = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d+))? "
                   r"\+0000 UTC \S+ (/\S+) (\{.*\})\s*$")


def ns_of(base, frac):
    t = datetime.datetime.fromisoformat(base + "+00:00")
    return int(t.timestamp()) * 10**9 + int((frac or "0").ljust(9, "0")[:9])


def events(path):
    """(topic, id) -> its first time; id: the container's, a task's
    (docker's and ctr's init process is named as its container), or a
    snapshot's key."""
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = EVENT.match(line)
            if not m:
                continue
            body = json.loads(m.group(4))
            key = body.get("id") or body.get("key") or body.get("container_id")
            out.setdefault((m.group(3), key), ns_of(m.group(1), m.group(2)))
    return out


def spans(path):
    """containerd's spans, as tests/integration/node/otlp_receiver.js
    keeps them (a JSON line per batch), in one list."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            for rs in json.loads(line).get("resourceSpans") or []:
                for sc in rs["scopes"]:
                    for s in sc["spans"]:
                        out.append({"name": s["name"], "id": s["spanId"],
                                    "parent": s["parentSpanId"],
                                    "start": int(s["start"]),
                                    "end": int(s["end"]),
                                    "attrs": s["attrs"]})
    return out


def containers(path):
    """coldtrace's container records (JSON Lines) by id."""
    by_id = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") == "container":
                by_id[r["id"]] = r
    return by_id


def steps_of(rec, phase, want):
    """rec's steps of phase, which must be want and cover it (each begins
    where the one before ends, the first after unattributed_ns, the last
    ends with the phase): {step: (start, end)}, the phase's end."""
    ph = rec["phases"].get(phase)
    if not ph or not ph.get("steps"):
        raise ValueError(f"no {phase} steps")
    st = ph["steps"]
    names = [s["step"] for s in st]
    if names != want:
        raise ValueError(f"steps {names}, not {want}")
    t = ph["start_ns"] + ph["unattributed_ns"]
    for s in st:
        if s["start_ns"] != t:
            raise ValueError(f"{s['step']} begins at {s['start_ns']}, not {t}")
        t += s["dur_ns"]
    if t != ph["start_ns"] + ph["dur_ns"]:
        raise ValueError(f"the steps do not end where {phase} does")
    return {s["step"]: (s["start_ns"], s["start_ns"] + s["dur_ns"])
            for s in st}, t


def within(what, t, lo, hi):
    if t is None:
        raise ValueError(f"{what}: not seen")
    if not lo <= t < hi:
        raise ValueError(f"{what} at {t}, not in [{lo}, {hi}) "
                         f"({(t - lo) / 1e6:+.3f} ms from its start)")


def report(cases, by_id):
    """Each case (label, id, check): check(record) -> ({step: (start,
    end)}, what the truth said), or ValueError.  Prints a line each;
    the exit status: 1 if any failed."""
    bad = 0
    for label, i, check in cases:
        try:
            if i not in by_id:
                raise ValueError("no record")
            st, what = check(by_id[i])
            ms = ", ".join(f"{k} {(b - a) / 1e6:.1f}" for k, (a, b)
                           in st.items())
            print(f"ok {label} {i[:12]}: {ms} ms; {what}")
        except ValueError as e:
            print(f"FAIL {label} {i[:12]}: {e}")
            bad += 1
    return 1 if bad else 0
