#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""destroy's steps by dockerd's acts (docs/phases.md "destroy's steps")
against the engines' own account of the same containers.

containerd's events (`ctr events`; containerd stamps each, in
nanoseconds, as it publishes it, once the work is done):
  - its /tasks/delete of the container, when it publishes one (2.1
    under load once did not, for a container not removed, while its
    /containers/delete came), falls in the delete step (the runtime's
    and the shim's delete, before dockerd's first act);
  - on containerd's image store (STORE "containerd"), its /snapshot/remove
    of the container's snapshots (keys <id> and <id>-init) fall in the
    unmount step, which runs on over the snapshots' removal there (no
    mark of dockerd's says it began), before config's start.
docker's events (`docker events`, TimeNano): its `destroy` of the
container removed comes at or after destroy's end (dockerd removes the
directory containers/<id>, then says so); the container not removed
has none.

Every container: the steps cover destroy (the first begins at its
start, each where the one before ends, the last ends with it) and are
these: removed: delete, unmount, layer, config (dockerd's image store),
delete, unmount, config (containerd's); not removed: delete, unmount.
Each line says where containerd's /containers/delete fell (not checked:
dockerd asks for it before its first act on Docker 28, after on 20.10).

Usage: check_destroy_steps.py RECORDS.jsonl CTR_EVENTS DOCKER_EVENTS
                              STORE REMOVED_ID KEPT_ID
Prints one line per container; exits 1 on a failure."""
import sys

from steps_truth import containers, events, report, steps_of, within

def docker_events(path):
    """(action, id) -> its first time."""
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            p = line.split()
            if len(p) == 3 and p[0].isdigit():
                out.setdefault((p[1], p[2]), int(p[0]))
    return out


def where(t, st):
    for k, (a, b) in st.items():
        if a <= t < b:
            return f"{k} +{(t - a) / 1e6:.3f} ms"
    return "outside destroy"


def check(rec, removed, cstore, cev, dev):
    cid = rec["id"]
    want = ["delete", "unmount"]
    if removed:
        want += ["config"] if cstore else ["layer", "config"]
    st, end = steps_of(rec, "destroy", want)
    if rec["phases"]["destroy"]["unattributed_ns"]:
        raise ValueError("time before delete")
    notes = []
    td = cev.get(("/tasks/delete", cid))
    if td is None:  # containerd does not always publish it (CI, 2.1)
        notes.append("no /tasks/delete published")
    else:
        within("/tasks/delete", td, *st["delete"])
    if cstore and removed:
        for key in (cid, cid + "-init"):
            within(f"/snapshot/remove {key[:12]}{key[64:]}",
                   cev.get(("/snapshot/remove", key)), st["unmount"][0],
                   st["config"][0])
        notes.append("snapshots removed in unmount")
    destroyed = dev.get(("destroy", cid))
    if removed:
        if destroyed is None or destroyed < end:
            raise ValueError(f"docker's destroy at {destroyed}, before "
                             f"destroy's end {end}")
        notes.append(f"docker's destroy {(destroyed - end) / 1e6:.3f} ms "
                     "after its end")
    elif destroyed is not None:
        raise ValueError("docker's destroy of a container not removed")
    cd = cev.get(("/containers/delete", cid))
    if cd is not None:
        notes.append(f"/containers/delete in {where(cd, st)}")
    return st, ", ".join(notes)


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    recs, cev_path, dev_path, store, rm_id, kept_id = sys.argv[1:]
    by_id = containers(recs)
    cev, dev = events(cev_path), docker_events(dev_path)
    cstore = store == "containerd"
    sys.exit(report([("removed" if rm else "kept", i,
                      lambda r, rm=rm: check(r, rm, cstore, cev, dev))
                     for rm, i in ((True, rm_id), (False, kept_id))],
                    by_id))


if __name__ == "__main__":
    main()
