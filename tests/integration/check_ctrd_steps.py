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
    exec: containerd publishes it once the shim made the task);
  - the ctr run --rm's /containers/delete and /snapshot/remove fall in
    its destroy's remove step (its last process to that client's exit,
    where destroy ends: docs/phases.md "destroy's steps").
Its spans (containerd 2.x through OTLP, when SPANS is given): the
bundle step begins inside a Tasks/Create request whose span ends after
prepare does; a ctr run's layer step begins inside a Snapshots/Prepare
request; the Containers/Create request whose metadata span names the
container begins in the task step (docker) or layer step (ctr).  Each
line says how long after the request's start the step's mark came.

Every container: the steps cover prepare (durations and unattributed_ns
add up to prepare's, each begins where the one before ends) and are
these: docker run: client, request, image, layer, config, setup, task, bundle;
ctr run: client, request, layer, bundle.

Usage: check_ctrd_steps.py RECORDS.jsonl EVENTS SPANS|- DOCKER_ID CTR_ID
Prints one line per container; exits 1 on a failure."""
import json
import sys

from steps_truth import containers, events, report, spans, steps_of, within

# a docker run's image step: dockerd's entry into containerCreate
# (check_steps.py holds it to dockerd's log)
STEPS = {"docker": ["client", "request", "image", "layer", "config",
                    "setup", "task", "bundle"],
         "ctr": ["client", "request", "layer", "bundle"]}


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


def removed_in_destroy(rec, ev):
    """ctr run --rm removes its container and snapshot before it exits,
    where its destroy ends: containerd's events of both in its remove
    step (from its last process on)."""
    st, end = steps_of(rec, "destroy", ["delete", "remove"])
    for topic in ("/containers/delete", "/snapshot/remove"):
        within(f"{topic} (ctr run --rm)", ev.get((topic, rec["id"])),
               st["remove"][0], end + 1)
    return (f"destroy: delete {(st['delete'][1] - st['delete'][0]) / 1e6:.1f}"
            f", remove {(end - st['remove'][0]) / 1e6:.1f} ms, "
            f"/snapshot/remove "
            f"{(end - ev[('/snapshot/remove', rec['id'])]) / 1e6:.3f} ms "
            "before its end")


def check(rec, kind, ev, sp):
    cid = rec["id"]
    st, end = steps_of(rec, "prepare", STEPS[kind])
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
    if kind == "ctr":
        notes.append(removed_in_destroy(rec, ev))
    if sp is None:
        return st, "events" + "".join(": " + n for n in notes[:1])
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
    return st, "events, spans: " + ", ".join(notes)


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    recs, ev_path, sp_path, did, cid = sys.argv[1:]
    by_id = containers(recs)
    ev = events(ev_path)
    sp = spans(sp_path) if sp_path != "-" else None
    sys.exit(report([(kind, i, lambda r, k=kind: check(r, k, ev, sp))
                     for kind, i in (("docker", did), ("ctr", cid))], by_id))


if __name__ == "__main__":
    main()
