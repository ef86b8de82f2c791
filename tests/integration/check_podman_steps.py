#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Podman's prepare steps by its client's own mounts (docs/phases.md
"prepare's steps") against Podman's own events of the same run.

Its events log (`--events-backend file`: JSON lines, each stamped in
nanoseconds as podman writes it, once the work is done):
  - the image lookup (`image pull`, written for a local image too) and
    the container's creation (`container create`: its storage and
    configuration made) fall in the layer step (after the storage was
    opened, before the shm mount naming the container);
  - `container init` (the runtime's create done) comes after prepare's
    end (conmon's exec);
  - `container remove` (a --rm container's storage removed) falls in
    destroy's unmount step (after podman's first umount naming the
    container, before destroy's end: the exit of the podman that
    removed it).
The steps are client, layer, setup and cover prepare; delete, unmount
and cover destroy.

Usage: check_podman_steps.py RECORDS.jsonl EVENTS.LOG ID
Prints one line; exits 1 on a failure."""
import json
import re
import sys

from steps_truth import containers, ns_of, report, steps_of, within

STEPS = ["client", "layer", "setup"]
DESTROY_STEPS = ["delete", "unmount"]
# 2026-11-28T22:57:05.379988815Z
TIME = re.compile(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?Z$")


def podman_events(path, cid):
    """(type, status) -> the times of the image's events and of cid's."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            m = TIME.match(e.get("Time", ""))
            if not m or (e["Type"] == "container" and e.get("ID") != cid):
                continue
            t = ns_of(f"{m.group(1)} {m.group(2)}", m.group(3))
            out.setdefault((e["Type"], e["Status"]), []).append(t)
    return out


def check(rec, ev):
    st, end = steps_of(rec, "prepare", STEPS)
    create = min(ev.get(("container", "create"), [None]))
    within("container create", create, *st["layer"])
    init = min(ev.get(("container", "init"), [None]))
    if init is None or init < end:
        raise ValueError(f"container init at {init}, before prepare's "
                         f"end {end}")
    lo = st["layer"][0]
    what = [f"create {(create - lo) / 1e6:.3f} ms into layer, init "
            f"{(init - end) / 1e6:.3f} ms after prepare"]
    # its image lookup: the last before its creation (every run has one)
    lookup = [t for t in ev.get(("image", "pull"), []) if t <= create]
    if lookup:
        within("image lookup", max(lookup), *st["layer"])
        what.append(f"image lookup {(max(lookup) - lo) / 1e6:.3f} ms "
                    "into layer")
    dst, _ = steps_of(rec, "destroy", DESTROY_STEPS)
    remove = min(ev.get(("container", "remove"), [None]))
    within("container remove", remove, *dst["unmount"])
    what.append(f"remove {(remove - dst['unmount'][0]) / 1e6:.3f} ms into "
                "unmount")
    return {**st, **dst}, ", ".join(what)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    recs, log, cid = sys.argv[1:]
    ev = podman_events(log, cid)
    sys.exit(report([("podman", cid, lambda r: check(r, ev))],
                    containers(recs)))


if __name__ == "__main__":
    main()
