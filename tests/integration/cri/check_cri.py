#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Assertions for tests/integration/cri.sh: coldtrace's records of CRI
pods against the client-side intervals of the RPCs that made them
(cri.py's output, one JSON object per pod).

- every pod made its sandbox and its containers, each RPC answered;
- coldtrace reports each sandbox once as a pod record ("type": "pod")
  and each app container once ("type": "container", "pod": the
  sandbox), complete, engine cri, runtime --runtime;
- pod: connect (CNI ADD) inside RunPodSandbox, and so its create and
  start; disconnect (CNI DEL -> netns umount) inside StopPodSandbox;
  destroy from StopPodSandbox to the end of RemovePodSandbox at the
  latest; cold_start_ns ends at the last app container's program exec
  (--ready: the apps listen, at the last app's ready);
- app container: create and start inside its StartContainer
  (containerd 1.6's CreateContainer only records the container and
  prepares its snapshot: `<rt> create` runs under StartContainer), die
  and destroy from its StopContainer to the end of its RemoveContainer.
With several pods at once, a pod's connect and disconnect are only
required inside some pod's RPC of that kind, and its destroy to end by
the last RemovePodSandbox: pods started or stopped together may swap
their CNI plugins (docs/phases.md, cri table).
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import check  # noqa: E402  (the shared assertions and their error list)


def load_pods(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def rpc(pod, name, oid):
    for r in pod["rpcs"]:
        if r["rpc"] == name and r["id"] == oid:
            return r
    return None


def load_records(path):
    """Container and pod records of coldtrace -j's stdout."""
    recs = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("{"):
                obj = json.loads(line)
                if obj.get("type") in ("container", "pod"):
                    recs.append(obj)
    return recs


def within(rec, phase, lo, hi, what):
    """Phase `phase` of rec lies within [lo, hi] (clock slack)."""
    tag = f"{rec['type']} {rec['id'][:12]}"
    p = check.phase(rec, phase)
    if not check.check(p is not None, f"{tag}: no {phase} phase"):
        return False
    s, e = p["start_ns"], p["start_ns"] + p["dur_ns"]
    return check.check(lo - check.SLACK_NS <= s and e <= hi + check.SLACK_NS,
                       f"{tag}: {phase} [{s}, {e}) outside {what} "
                       f"[{lo}, {hi}]")


def inside(rec, phase, r, what):
    return within(rec, phase, r["start_ns"], r["end_ns"], what)


def inside_any(rec, phase, rs, what):
    """Inside one of the intervals rs (pods at once may swap plugins)."""
    p = check.phase(rec, phase)
    tag = f"{rec['type']} {rec['id'][:12]}"
    if not check.check(p is not None, f"{tag}: no {phase} phase"):
        return
    s, e = p["start_ns"], p["start_ns"] + p["dur_ns"]
    check.check(any(r["start_ns"] - check.SLACK_NS <= s and
                    e <= r["end_ns"] + check.SLACK_NS for r in rs),
                f"{tag}: {phase} [{s}, {e}) outside every {what}")


def app_end(rec, key):
    """run: the program's exec; ready: the end of the ready phase."""
    p = check.phase(rec, key)
    return p["start_ns"] + (p["dur_ns"] if key == "ready" else 0)


def check_pod_record(rec, pod, alone, rpcs_of, app_recs, ready):
    sid = pod["sandbox_id"]
    run = rpc(pod, "RunPodSandbox", sid)
    stop = rpc(pod, "StopPodSandbox", sid)
    remove = rpc(pod, "RemovePodSandbox", sid)
    check.check(rec["type"] == "pod", f"{sid[:12]}: type {rec['type']}")
    check.check_phase_shapes(rec, ["attach", "connect", "create", "start",
                                   "run", "die", "disconnect", "destroy"])
    if alone:
        inside(rec, "connect", run, "RunPodSandbox")
        inside(rec, "disconnect", stop, "StopPodSandbox")
    else:
        inside_any(rec, "connect", rpcs_of("RunPodSandbox"), "RunPodSandbox")
        inside_any(rec, "disconnect", rpcs_of("StopPodSandbox"),
                   "StopPodSandbox")
    for ph in ("create", "start"):
        inside(rec, ph, run, "RunPodSandbox")
    if alone:
        within(rec, "destroy", stop["start_ns"], remove["end_ns"],
               "StopPodSandbox .. RemovePodSandbox")
    else:   # a second DEL of another pod may extend it
        within(rec, "destroy", stop["start_ns"],
               max(r["end_ns"] for r in rpcs_of("RemovePodSandbox")),
               "StopPodSandbox .. the last RemovePodSandbox")
    # the apps' readiness: their program's exec, or with --ready their
    # first listen (each app listens, after its StartContainer returned)
    key = "ready" if ready else "run"
    ends = [app_end(a, key) for a in app_recs if check.phase(a, key)]
    if check.check(ends and len(ends) == len(app_recs) and
                   rec.get("cold_start_ns"),
                   f"pod {sid[:12]}: no cold start or an app without {key}"):
        end = rec["start_ns"] + rec["cold_start_ns"]
        check.check(end == max(ends), f"pod {sid[:12]}: cold start ends "
                    f"at {end}, the last app's {key} at {max(ends)}")
        last = max(r["end_ns"] for r in pod["rpcs"]
                   if r["rpc"] == "StartContainer")
        check.check(run["start_ns"] - check.SLACK_NS <= rec["start_ns"] and
                    (ready or end <= last + check.SLACK_NS),
                    f"pod {sid[:12]}: cold start outside RunPodSandbox's "
                    "start .. the last StartContainer's end")


def check_app_record(rec, pod, oid):
    sid = pod["sandbox_id"]
    check.check(rec["type"] == "container", f"{oid[:12]}: type {rec['type']}")
    check.check(rec.get("pod") == sid, f"{oid[:12]}: pod {rec.get('pod')}, "
                f"want {sid[:12]}")
    check.check_phase_shapes(rec, ["attach", "create", "start", "run", "die",
                                   "destroy"])
    check.check_order(rec)
    r = rpc(pod, "StartContainer", oid)
    for ph in ("attach", "create", "start"):
        inside(rec, ph, r, "StartContainer")
    stop, remove = rpc(pod, "StopContainer", oid), rpc(pod, "RemoveContainer",
                                                       oid)
    for ph in ("die", "destroy"):
        within(rec, ph, stop["start_ns"], remove["end_ns"],
               "StopContainer .. RemoveContainer")


def one_record(by_id, oid, a):
    recs = by_id.get(oid, [])
    if not check.check(len(recs) == 1, f"{oid[:12]}: {len(recs)} records, "
                       "want 1"):
        return None
    rec = recs[0]
    check.check(rec.get("complete") is True, f"{oid[:12]}: incomplete")
    check.check(rec.get("engine") == "cri",
                f"{oid[:12]}: engine {rec.get('engine')}")
    check.check(rec.get("runtime") == a.runtime,
                f"{oid[:12]}: runtime {rec.get('runtime')}")
    return rec


def check_pod(pod, by_id, a, rpcs_of):
    sid = pod.get("sandbox_id")
    if not check.check(sid, f"pod {pod.get('name')}: no sandbox id"):
        return
    cids = pod.get("containers", [])
    check.check(len(cids) == a.containers,
                f"pod {sid[:12]}: {len(cids)} containers, want {a.containers}")
    apps = []
    for oid in cids:
        rec = one_record(by_id, oid, a)
        if rec:
            check_app_record(rec, pod, oid)
            apps.append(rec)
    rec = one_record(by_id, sid, a)
    if rec:
        check_pod_record(rec, pod, a.pods == 1, rpcs_of, apps, a.ready)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="coldtrace -j stdout")
    ap.add_argument("--rpcs", required=True, help="cri.py pod's stdout")
    ap.add_argument("--runtime", default="runc")
    ap.add_argument("--pods", type=int, default=1)
    ap.add_argument("--containers", type=int, default=2)
    ap.add_argument("--ready", action="store_true",
                    help="the apps listen: the pod's cold start ends at "
                    "the last app's ready")
    a = ap.parse_args()
    pods = load_pods(a.rpcs)
    check.check(len(pods) == a.pods, f"{len(pods)} pods, want {a.pods}")
    by_id = {}
    for rec in load_records(a.out):
        by_id.setdefault(rec.get("id"), []).append(rec)

    def rpcs_of(name):
        return [r for p in pods for r in p["rpcs"] if r["rpc"] == name]

    for pod in pods:
        check_pod(pod, by_id, a, rpcs_of)
    for e in check.errors:
        print("check_cri: " + e, file=sys.stderr)
    sys.exit(1 if check.errors else 0)


if __name__ == "__main__":
    main()
