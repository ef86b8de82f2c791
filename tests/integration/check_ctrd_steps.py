#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""prepare's steps from containerd's marks (docs/phases.md "prepare's
steps") against containerd's own account of the same requests.

Its events (`ctr events`, every version; containerd stamps each, in
nanoseconds, as it publishes it, once the work is done):
  - a docker run's /containers/create falls in its task step (dockerd
    asks containerd for the container after its FIFOs' directory, and
    containerd is done with it before it makes the task's bundle);
  - a ctr run's /snapshot/prepare (its key: the container's id) and
    /containers/create fall in its layer step (after its snapshot's
    mkdir, before the bundle's);
  - the /tasks/create of each comes after prepare's end (the shim's
    exec: containerd publishes it once the shim made the task).
Its spans (containerd 2.x through OTLP, when SPANS is given): the
bundle step begins inside a Tasks/Create request whose span ends after
prepare does; a ctr run's layer step begins inside a Snapshots/Prepare
request; the Containers/Create request whose metadata span names the
container begins in the task step (docker) or layer step (ctr).  Each
line says how long after the request's start the step's mark came.

Every container: the steps cover prepare (durations and unattributed_ns
add up to prepare's, each begins where the one before ends) and are
these: docker run: client, request, layer, config, setup, task, bundle;
ctr run: client, request, layer, bundle.

Usage: check_ctrd_steps.py RECORDS.jsonl EVENTS SPANS|- DOCKER_ID CTR_ID
Prints one line per container; exits 1 on a failure."""
import datetime
import json
import re
import sys

STEPS = {"docker": ["client", "request", "layer", "config", "setup", "task",
                    "bundle"],
         "ctr": ["client", "request", "layer", "bundle"]}
# 2026-11-28 18:48:49.054088944 +0000 UTC moby /containers/create {...}
EVENT = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d+))? "
                   r"\+0000 UTC \S+ (/\S+) (\{.*\})\s*$")


def ns_of(base, frac):
    t = datetime.datetime.fromisoformat(base + "+00:00")
    return int(t.timestamp()) * 10**9 + int((frac or "0").ljust(9, "0")[:9])


def events(path):
    """(topic, id) -> its first time."""
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


def steps_of(rec, kind):
    pr = rec["phases"].get("prepare")
    if not pr or not pr.get("steps"):
        raise ValueError("no prepare steps")
    st = pr["steps"]
    names = [s["step"] for s in st]
    if names != STEPS[kind]:
        raise ValueError(f"steps {names}, not {STEPS[kind]}")
    t = pr["start_ns"] + pr["unattributed_ns"]
    for s in st:
        if s["start_ns"] != t:
            raise ValueError(f"{s['step']} begins at {s['start_ns']}, not {t}")
        t += s["dur_ns"]
    if t != pr["start_ns"] + pr["dur_ns"]:
        raise ValueError("the steps do not end where prepare does")
    return {s["step"]: (s["start_ns"], s["start_ns"] + s["dur_ns"])
            for s in st}, pr["start_ns"] + pr["dur_ns"]


def within(what, t, lo, hi):
    if t is None:
        raise ValueError(f"{what}: not seen")
    if not lo <= t < hi:
        raise ValueError(f"{what} at {t}, not in [{lo}, {hi}) "
                         f"({(t - lo) / 1e6:+.3f} ms from its start)")


def span_at(sp, name, t):
    """The span `name` whose request was in progress at t."""
    hit = [s for s in sp if s["name"].endswith(name) and
           s["start"] <= t <= s["end"]]
    if len(hit) != 1:
        raise ValueError(f"{len(hit)} {name} spans at {t}")
    return hit[0]


def container_create(sp, cid):
    meta = [s for s in sp if s["name"] == "metadata.containers.Create" and
            s["attrs"].get("container.id") == cid]
    if len(meta) != 1:
        raise ValueError(f"{len(meta)} metadata.containers.Create spans")
    up = [s for s in sp if s["id"] == meta[0]["parent"]]
    if len(up) != 1 or not up[0]["name"].endswith("Containers/Create"):
        raise ValueError("no Containers/Create span above it")
    return up[0]


def check(rec, kind, ev, sp):
    cid = rec["id"]
    st, end = steps_of(rec, kind)
    first = "task" if kind == "docker" else "layer"
    lo, hi = st[first][0], st["bundle"][0]
    notes = []
    within("/containers/create", ev.get(("/containers/create", cid)), lo, hi)
    if kind == "ctr":
        within("/snapshot/prepare", ev.get(("/snapshot/prepare", cid)),
               lo, hi)
    tc = ev.get(("/tasks/create", cid))
    if tc is None or tc < end:
        raise ValueError(f"/tasks/create at {tc}, before prepare's end {end}")
    if sp is None:
        return "events"
    task = span_at(sp, "Tasks/Create", st["bundle"][0])
    if task["end"] < end:
        raise ValueError("Tasks/Create ended before prepare did")
    notes.append(f"bundle {(st['bundle'][0] - task['start']) / 1e6:.3f} ms "
                 "into Tasks/Create")
    cc = container_create(sp, cid)
    within("Containers/Create's start", cc["start"], lo, hi)
    notes.append(f"Containers/Create {(cc['start'] - lo) / 1e6:.3f} ms "
                 f"into {first}")
    if kind == "ctr":
        snap = span_at(sp, "Snapshots/Prepare", st["layer"][0])
        notes.append(f"layer {(st['layer'][0] - snap['start']) / 1e6:.3f} "
                     "ms into Snapshots/Prepare")
    return "events, spans: " + ", ".join(notes)


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    recs, ev_path, sp_path, did, cid = sys.argv[1:]
    by_id = {}
    with open(recs, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") == "container":
                by_id[r["id"]] = r
    ev = events(ev_path)
    sp = spans(sp_path) if sp_path != "-" else None
    bad = 0
    for kind, i in (("docker", did), ("ctr", cid)):
        try:
            if i not in by_id:
                raise ValueError("no record")
            st, _ = steps_of(by_id[i], kind)
            what = check(by_id[i], kind, ev, sp)
            ms = ", ".join(f"{k} {(b - a) / 1e6:.1f}" for k, (a, b)
                           in st.items())
            print(f"ok {kind} {i[:12]}: {ms} ms; {what}")
        except ValueError as e:
            print(f"FAIL {kind} {i[:12]}: {e}")
            bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
