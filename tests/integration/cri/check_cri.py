#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Assertions for tests/integration/cri.sh: coldtrace's records of CRI
pods against the client-side intervals of the RPCs that made them
(cri.py's output, one JSON object per pod).

- every pod made its sandbox and its containers, each RPC answered;
- coldtrace reports the sandbox (the pause container) and every app
  container once, complete, runtime --runtime;
- the sandbox's create and start lie inside RunPodSandbox;
- each app container's create and start lie inside its StartContainer:
  containerd 1.6's CreateContainer only records the container and
  prepares its snapshot, `<rt> create` runs under StartContainer.
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


def inside(rec, phase, r, what):
    """Phase `phase` of rec lies within RPC interval r (clock slack)."""
    tag = f"container {rec['id'][:12]}"
    p = check.phase(rec, phase)
    if not check.check(p is not None, f"{tag}: no {phase} phase"):
        return
    s, e = p["start_ns"], p["start_ns"] + p["dur_ns"]
    check.check(r["start_ns"] - check.SLACK_NS <= s and
                e <= r["end_ns"] + check.SLACK_NS,
                f"{tag}: {phase} [{s}, {e}) outside {what} "
                f"[{r['start_ns']}, {r['end_ns']}]")


def check_pod(pod, by_id, a):
    sid = pod.get("sandbox_id")
    if not check.check(sid, f"pod {pod.get('name')}: no sandbox id"):
        return
    cids = pod.get("containers", [])
    check.check(len(cids) == a.containers,
                f"pod {sid[:12]}: {len(cids)} containers, want {a.containers}")
    for oid in [sid] + cids:
        recs = by_id.get(oid, [])
        if not check.check(len(recs) == 1, f"{oid[:12]}: {len(recs)} "
                           "records, want 1"):
            continue
        rec = recs[0]
        check.check(rec.get("complete") is True, f"{oid[:12]}: incomplete")
        check.check(rec.get("runtime") == a.runtime,
                    f"{oid[:12]}: runtime {rec.get('runtime')}")
        check.check_phase_shapes(rec, ["create", "start", "run"])
        check.check_order(rec)
        if oid == sid:
            r = rpc(pod, "RunPodSandbox", sid)
            inside(rec, "create", r, "RunPodSandbox")
            inside(rec, "start", r, "RunPodSandbox")
        else:
            r = rpc(pod, "StartContainer", oid)
            inside(rec, "create", r, "StartContainer")
            inside(rec, "start", r, "StartContainer")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="coldtrace -j stdout")
    ap.add_argument("--rpcs", required=True, help="cri.py pod's stdout")
    ap.add_argument("--runtime", default="runc")
    ap.add_argument("--pods", type=int, default=1)
    ap.add_argument("--containers", type=int, default=2)
    a = ap.parse_args()
    pods = load_pods(a.rpcs)
    check.check(len(pods) == a.pods, f"{len(pods)} pods, want {a.pods}")
    by_id = {}
    for rec in check.load_records(a.out):
        by_id.setdefault(rec.get("id"), []).append(rec)
    for pod in pods:
        check_pod(pod, by_id, a)
    for e in check.errors:
        print("check_cri: " + e, file=sys.stderr)
    sys.exit(1 if check.errors else 0)


if __name__ == "__main__":
    main()
