#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""prepare's steps (docs/phases.md "prepare's steps") against dockerd's
own debug log, which stamps each API request it is handed ("Calling POST
/v1.41/containers/create"; Docker 28: "handling POST request" with its
request-url), its time in nanoseconds:

  - the steps cover prepare: their durations and unattributed_ns add up
    to prepare's, each begins where the one before it ends;
  - a docker run's create request falls in its request step (dockerd is
    handed the request after the client's connect and before its first
    work for the container: its entry into containerCreate, the image
    step, seen by a uprobe, or the -init mkdir of its layer);
  - a run alone (--alone IDS) has its image step: the only entry into
    containerCreate between its request and its layer is its own (runs
    at once may share that window, and have none);
  - each container's start request (its id in the URL) falls in the step
    before its setup step (config, or request for a docker start), not
    later than the setup step's beginning;
  - the steps a run must have: docker run: client, request, (image,)
    layer, config, setup, task, bundle; docker start of a created one:
    client, request, setup, task, bundle (containerd's side of it:
    check_ctrd_steps.py);
  - a run without its image step says why (docs/phases.md "Missing
    steps": phases.prepare.missing.image), and one said "shared" had
    another run in its window: that run's create request came before
    this window's end, and its own window (its request step to its
    layer, or config) ended after this one began, so its entry into
    containerCreate may have fallen in this window; a start says no
    reason for image.

With containerd's image store (--cstore) a run's layer step is its
first snapshot, told only when no other client's snapshot was made in
its window: two runs at once may have none, said "shared"; its image
step then runs on to config.

Usage: check_steps.py RECORDS.jsonl DOCKERD.log RUN_IDS START_IDS [--cstore]
       [--alone IDS]
(RUN_IDS, START_IDS, IDS: comma-separated ids of docker run and docker
start containers, and of the runs made alone).  Prints one line per container; exits 1 on a failure."""
import datetime
import json
import re
import sys

# dockerd 20.10 and 26: msg="Calling POST /v1.41/containers/create";
# 28: msg="handling POST request" ... request-url=/v1.51/containers/create
CALL = re.compile(r'^time="([^"]+)" level=debug msg="(?:Calling POST |'
                  r'handling POST request".* request-url="?)/v[0-9.]+'
                  r'/containers/(create|([0-9a-f]{64})/start)')
RUN_STEPS = ["client", "request", "layer", "config", "setup", "task",
             "bundle"]
# why a step expected is not said (docs/phases.md "Missing steps")
REASONS = {"shared", "reprobed", "unprobed", "unseen"}
START_STEPS = ["client", "request", "setup", "task", "bundle"]


def ns_of(stamp):
    """dockerd's RFC 3339 time with nanoseconds -> Unix ns."""
    m = re.match(r"(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", stamp)
    base = datetime.datetime.fromisoformat(
        m.group(1) + ("+00:00" if m.group(3) == "Z" else m.group(3)))
    frac = (m.group(2) or "0").ljust(9, "0")[:9]
    return int(base.timestamp()) * 10**9 + int(frac)


def requests(log):
    creates, starts = [], {}
    with open(log, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = CALL.search(line)
            if not m:
                continue
            t = ns_of(m.group(1))
            if m.group(2) == "create":
                creates.append(t)
            else:
                starts.setdefault(m.group(3), t)
    return creates, starts


def main():
    recs, log, runs, starts_of = sys.argv[1:5]
    opts = sys.argv[5:]
    cstore = "--cstore" in opts
    alone = set()
    if "--alone" in opts:
        alone = set(filter(None, opts[opts.index("--alone") + 1].split(",")))
    runs = set(filter(None, runs.split(",")))
    started = set(filter(None, starts_of.split(",")))
    creates, starts = requests(log)
    bad = 0
    seen = set()
    mine = []
    with open(recs, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") != "container" or r["id"] not in runs | started:
                continue
            seen.add(r["id"])
            mine.append(r)
    wins = {r["id"]: window(r, creates) for r in mine if r["id"] in runs}
    for r in mine:
        bad += check(r, r["id"] in runs, creates, starts, cstore,
                     r["id"] in alone)
        bad += check_missing(r, r["id"] in runs, wins)
    for cid in sorted((runs | started) - seen):
        print(f"FAIL {cid[:12]}: no record")
        bad += 1
    return 1 if bad else 0


def window(r, creates):
    """A run's image window: its request step's start to its layer's (or
    config's), and its create request's time in dockerd's log (None if
    its steps do not say them)."""
    at = {s["step"]: s["start_ns"]
          for s in r["phases"].get("prepare", {}).get("steps", [])}
    end = at.get("layer", at.get("config"))
    if "request" not in at or end is None:
        return None
    mine = [t for t in creates if at["request"] <= t < end]
    return at["request"], end, mine[0] if mine else None


def check_missing(r, is_run, wins):
    """A run's image said or its reason given; "shared" with another
    run's window overlapping its own; a start says no reason."""
    cid = r["id"][:12]
    prep = r["phases"].get("prepare") or {}
    names = [s["step"] for s in prep.get("steps", [])]
    why = prep.get("missing", {})
    bad = [k for k, v in why.items() if v not in REASONS]
    if bad:
        print(f"FAIL {cid}: unknown reasons {why}")
        return 1
    if not is_run:
        if "image" in why:
            print(f"FAIL {cid}: a start says why it has no image: {why}")
            return 1
        return 0
    if ("image" in names) == ("image" in why):
        print(f"FAIL {cid}: image step {'image' in names}, reason {why}")
        return 1
    if why.get("image") != "shared":
        return 0
    me = wins.get(r["id"])
    others = [w for k, w in wins.items() if k != r["id"] and w and w[2]]
    if not me or not any(w[2] < me[1] and w[1] > me[0] for w in others):
        print(f"FAIL {cid}: image said shared, but no other run's create "
              f"could fall in its window {me}")
        return 1
    print(f"ok {cid}: no image, shared with another run's window")
    return 0


def check(r, is_run, creates, starts, cstore, alone):
    cid = r["id"][:12]
    prep = r["phases"].get("prepare")
    steps = (prep or {}).get("steps", [])
    names = [s["step"] for s in steps]
    want = RUN_STEPS if is_run else START_STEPS
    if cstore and is_run and "layer" not in names:
        want = [n for n in want if n != "layer"]
    if is_run and (alone or "image" in names):
        want = want[:2] + ["image"] + want[2:]
    if names != want:
        print(f"FAIL {cid}: steps {names}, not {want}")
        return 1
    at = {s["step"]: s for s in steps}
    end = prep["start_ns"] + prep["dur_ns"]
    total = sum(s["dur_ns"] for s in steps) + prep["unattributed_ns"]
    chained = all(a["start_ns"] + a["dur_ns"] == b["start_ns"]
                  for a, b in zip(steps, steps[1:]))
    if total != prep["dur_ns"] or not chained or \
            steps[-1]["start_ns"] + steps[-1]["dur_ns"] != end:
        print(f"FAIL {cid}: steps do not cover prepare: {steps} vs {prep}")
        return 1
    req = at["request"]
    after = at.get("image", at.get("layer", at.get("config", req)))["start_ns"]
    if is_run and not any(req["start_ns"] <= t < after for t in creates):
        print(f"FAIL {cid}: no create request in its request step "
              f"[{req['start_ns']}, {after})")
        return 1
    s = starts.get(r["id"])
    before = at["config" if is_run else "request"]
    if s is None or not before["start_ns"] <= s <= at["setup"]["start_ns"]:
        print(f"FAIL {cid}: its start request at {s} not in "
              f"[{before['start_ns']}, {at['setup']['start_ns']}]")
        return 1
    ms = ", ".join(f"{s['step']} {s['dur_ns'] / 1e6:.1f}" for s in steps)
    why = "".join(f"; no {k}: {v}" for k, v in prep.get("missing",
                                                         {}).items())
    print(f"ok {cid} ({'run' if is_run else 'start'}): {ms} ms{why}; start "
          f"request {(at['setup']['start_ns'] - s) / 1e6:.2f} ms before "
          f"its setup step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
