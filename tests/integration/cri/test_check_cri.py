#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""check_cri.py's assertions on a synthetic pod (no root, no daemon; run
by `make test`): they must hold what the CRI contract promises and
nothing more.  A start whose program's exec follows its RPC's return
(the pause process 25 ms after RunPodSandbox returned, as measured under
containerd 2.1 on 2 busy cores) is no error; a start that began after
its RPC returned, or ended after the container's stop returned, is.
"""
import os
import sys
import unittest
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import check  # noqa: E402
import check_cri  # noqa: E402

# RunPodSandbox's interval of the failing run, its pod's start phase
T0 = 1795408202547695633
MS = 1000000


def at(ms):
    return T0 + int(ms * MS)


def ph(a, b):
    return {"start_ns": at(a), "dur_ns": at(b) - at(a)}


def prep(steps, end):
    """A prepare phase of steps [(name, start ms)], to end ms."""
    marks = [t for _, t in steps] + [end]
    return dict(ph(steps[0][1], end), unattributed_ns=0, steps=[
        dict(ph(t, marks[i + 1]), step=n) for i, (n, t) in
        enumerate(steps)])


def rpc(name, oid, a, b):
    return {"rpc": name, "id": oid, "start_ns": at(a), "end_ns": at(b)}


SID = "a" * 64
IMAGE = "docker.io/coldtrace/busybox:latest"
K8S = {"namespace": "shop", "pod": "web", "pod_uid": "web-uid"}
APPS = ["b" * 64, "c" * 64]


def pod_and_records(pod_start=(424.389814, 489.094694),
                    app_start=(524, 528), pod_remove=1851,
                    app_unmount=1530):
    """One pod of two apps, times in ms after T0: RunPodSandbox [0,
    463.754], the apps' StartContainer at 500 and 540 (30 ms each)."""
    rpcs = [rpc("RunPodSandbox", SID, 0, 463.755023),
            rpc("StopPodSandbox", SID, 1700, 1800),
            rpc("RemovePodSandbox", SID, 1850, 1900)]
    apps = []
    for i, oid in enumerate(APPS):
        o = 40 * i
        rpcs += [rpc("CreateContainer", oid, 470 + o, 474 + o),
                 rpc("StartContainer", oid, 500 + o, 530 + o),
                 rpc("StopContainer", oid, 1490, 1550),
                 rpc("RemoveContainer", oid, 1560, 1620)]
        s, e = app_start[0] + o, app_start[1] + o
        apps.append({"type": "container", "id": oid, "pod": SID,
                     "name": "c%d" % i, "image": IMAGE, "k8s": dict(
                         K8S, container="c%d" % i),
                     "complete": True, "engine": "cri", "runtime": "runc",
                     "phases": {"prepare": prep(
                                    [("request", 470.3 + o),
                                     ("config", 471 + o), ("layer", 472 + o),
                                     ("task", 500.4 + o),
                                     ("bundle", 502 + o)], 505 + o),
                                "attach": ph(505 + o, 515 + o),
                                "create": ph(515 + o, 522 + o),
                                "start": ph(s, e), "run": ph(e, max(1500, e + 1)),
                                "die": ph(1500, 1510),
                                "destroy": prep([("delete", 1510),
                                                 ("unmount", app_unmount)],
                                                1600)}})
    last_exec = max(a["phases"]["run"]["start_ns"] for a in apps)
    pod_rec = {"type": "pod", "id": SID, "name": "web", "k8s": dict(K8S),
               "complete": True, "engine": "cri",
               "runtime": "runc", "start_ns": at(6),
               "cold_start_ns": last_exec - at(6),
               "phases": {"prepare": prep([("request", 0.4),
                                           ("config", 3),
                                           ("network", 4.5)], 6),
                          "connect": ph(6, 16), "attach": ph(20, 200),
                          "create": ph(200, 400),
                          "start": ph(*pod_start),
                          "run": ph(pod_start[1],
                                     max(1702, pod_start[1] + 1)),
                          "die": ph(1702, 1710),
                          "disconnect": ph(1720, 1790),
                          "destroy": prep([("delete", 1710),
                                           ("network", 1720),
                                           ("remove", pod_remove)],
                                          1880)}}
    pod = {"sandbox_id": SID, "containers": APPS, "rpcs": rpcs,
           "name": "web", "namespace": "shop", "uid": "web-uid",
           "image": IMAGE, "container_names": ["c0", "c1"]}
    by_id = {r["id"]: [r] for r in apps + [pod_rec]}
    return pod, by_id


def errors_of(edit=None, unarmed_ok=False, spans=None, plugins=None,
              marks=None, **kw):
    pod, by_id = pod_and_records(**kw)
    if edit:
        edit(by_id)
    del check.errors[:]
    del check_cri.SPAN_GAPS[:]
    check_cri.check_pod(pod, by_id, SimpleNamespace(
        runtime="runc", containers=2, ready=False,
        pod_steps="config,network", spans=spans, marks=marks), None,
        plugins,
        unarmed_ok)
    return list(check.errors)


# The pod's plugins, ms: (name, cmd, exec, exit, where, parent's index)
PLUGINS = [("loopback", "ADD", 6, 9, "connect", None),
           ("bridge", "ADD", 6.5, 16, "connect", None),
           ("host-local", "ADD", 10, 12, "connect", 1),
           ("loopback", "DEL", 1720, 1722, "network", None),
           ("bridge", "DEL", 1721, 1760, "network", None),
           ("host-local", "DEL", 1740, 1745, "network", 4),
           ("loopback", "DEL", 1851, 1853, "remove", None),
           ("bridge", "DEL", 1852, 1870, "remove", None),
           ("host-local", "DEL", 1860, 1862, "remove", 7)]


def with_plugins(plugins=PLUGINS):
    """An edit that says plugins as coldtrace does, nested under their
    parent, else connect or their destroy step; and their truth."""
    def edit(by_id):
        rec = by_id[SID][0]["phases"]
        where = {"connect": rec["connect"]}
        where.update((st["step"], st) for st in rec["destroy"]["steps"])
        made = []
        for name, _, a, b, at_, up in plugins:
            st = dict(ph(a, b), step="cni:" + name)
            made.append(st)
            parent = made[up] if up is not None else where[at_]
            parent.setdefault("steps", []).append(st)
    truth = {SID: [{"step": "cni:" + n, "cmd": c, "exec": at(a),
                    "exit": at(b)} for n, c, a, b, _, _ in PLUGINS]}
    return edit, truth


def marks_of(placed=(), entries=(), snaps=()):
    """The recording's probes and snapshots (check_cri.load_marks()),
    times in ms after T0."""
    return {"placed": [at(t) for t in placed],
            "entries": [(at(t), fn, key) for t, fn, key in entries],
            "snaps": [at(t) for t in snaps]}


def without_layer(missing):
    """An edit: app c0's prepare without its layer, said missing so."""
    def edit(by_id):
        pr = by_id[APPS[0]][0]["phases"]["prepare"]
        pr["steps"] = [st for st in pr["steps"] if st["step"] != "layer"]
        pr["steps"][1]["dur_ns"] = pr["steps"][2]["start_ns"] - \
            pr["steps"][1]["start_ns"]
        if missing:
            pr["missing"] = missing
    return edit


def reasons_errors(missing, marks, pod=False):
    """check_missing()'s errors on a record whose prepare began at its
    first act, 470 ms (its request not found), config 471 to bundle
    502, with missing."""
    rec = {"type": "pod" if pod else "container", "id": APPS[0],
           "pod": SID, "k8s": dict(K8S), "phases": {"prepare": prep(
               [("config", 470), ("task", 490), ("bundle", 502)], 505)}}
    rec["phases"]["prepare"]["missing"] = missing
    del check.errors[:]
    check_cri.check_missing(rec, marks)
    return list(check.errors)


class CheckCri(unittest.TestCase):
    def test_missing_reasons_are_held_to_the_recording(self):
        before = marks_of(placed=[-5000])
        self.assertEqual(reasons_errors({"request": "unseen"}, before), [])
        self.assertEqual(reasons_errors({"request": "unprobed"},
                                        marks_of()), [])
        self.assertEqual(reasons_errors({"request": "reprobed"}, marks_of(
            placed=[-5000, 100])), [])
        self.assertTrue(reasons_errors({"request": "unseen"}, marks_of(
            placed=[-5000], entries=[(460, 3, "web-uid")]), pod=True)
            [0].endswith("request said unseen, the recording says None"))
        for why in ("unprobed", "reprobed"):
            self.assertTrue(reasons_errors({"request": why}, before), why)
        self.assertTrue(reasons_errors({"task": "unseen"}, marks_of(
            placed=[-5000, 480])))
        self.assertTrue(reasons_errors({"config": "unseen"}, before),
                        "a step found said missing")

    def test_a_layer_said_shared_only_with_two_snapshots(self):
        two = marks_of(placed=[-5000], snaps=[471.5, 472])
        self.assertEqual(errors_of(without_layer({"layer": "shared"}),
                                   marks=two), [])
        self.assertEqual(errors_of(without_layer(None),
                                   marks=marks_of(placed=[-5000])), [])
        self.assertTrue(errors_of(without_layer(None), marks=two))
        self.assertTrue(errors_of(without_layer({"layer": "shared"}),
                                  marks=marks_of(placed=[-5000],
                                                 snaps=[471.5])))
        self.assertEqual(errors_of(marks=marks_of(placed=[-5000])), [],
                         "every step found: nothing said, none wanted")

    def test_the_pause_exec_after_the_rpc_returned_is_no_error(self):
        # the failing run's numbers: start [424.4, 489.1) ms, the RPC
        # returned at 463.8 ms (check.SLACK_NS is 20 ms)
        self.assertEqual(errors_of(), [])

    def test_an_app_exec_after_its_start_container_is_no_error(self):
        self.assertEqual(errors_of(app_start=(524, 560)), [])

    def test_a_start_begun_after_the_rpc_returned_is_an_error(self):
        e = errors_of(pod_start=(490, 495))
        self.assertTrue(any("start begins at" in x for x in e), e)

    def test_a_start_ending_after_the_stop_returned_is_an_error(self):
        e = errors_of(pod_start=(424, 1830))
        self.assertTrue(any("start ends at" in x for x in e), e)
        e = errors_of(app_start=(524, 1575))
        self.assertTrue(any("start ends at" in x for x in e), e)

    def test_a_pod_removal_outside_remove_pod_sandbox_is_an_error(self):
        e = errors_of(pod_remove=1795)
        self.assertTrue(any("remove step begins" in x for x in e), e)

    def test_an_app_unmount_after_its_stop_container_is_an_error(self):
        # StopContainer [1490, 1550] ms, check.SLACK_NS 20 ms
        e = errors_of(app_unmount=1575)
        self.assertTrue(any("unmount step begins" in x for x in e), e)

    def test_app_destroy_steps_not_covering_it_are_an_error(self):
        def gap(by_id):
            d = by_id[APPS[0]][0]["phases"]["destroy"]
            d["steps"][0]["dur_ns"] -= MS
        e = errors_of(edit=gap)
        self.assertTrue(any("destroy: unmount begins" in x for x in e), e)

    def test_a_start_ending_before_the_rpc_began_is_an_error(self):
        e = errors_of(app_start=(524, 480))
        self.assertTrue(e, "an app's start ends before StartContainer")


    def test_a_prepare_outside_its_rpcs_or_short_of_its_phase_is_an_error(
            self):
        def early(by_id):
            # the pod's config before RunPodSandbox, an app's bundle
            # before its StartContainer
            # (by more than check.SLACK_NS, 20 ms)
            st = by_id[SID][0]["phases"]["prepare"]
            st["start_ns"] = st["steps"][0]["start_ns"] = at(-30)
            st["dur_ns"] += int(30.4 * MS)
            st["steps"][0]["dur_ns"] += int(30.4 * MS)
            a = by_id[APPS[0]][0]["phases"]["prepare"]["steps"]
            a[2]["dur_ns"] = 3 * MS
            a[3]["start_ns"] = at(475)
            a[3]["dur_ns"] = MS
            a[4]["start_ns"] = at(476)
            a[4]["dur_ns"] = 29 * MS
        e = errors_of(edit=early)
        # the pod's request and prepare; the app's task and bundle
        self.assertEqual(len(e), 4, e)
        self.assertTrue(any("pod aaaaaaaaaaaa: request step begins" in x
                            for x in e), e)
        self.assertTrue(any("task step begins" in x for x in e), e)
        self.assertTrue(any("bundle step begins" in x for x in e), e)

    def test_steps_away_from_containerds_spans_are_errors(self):
        def span(name, a, b):
            return {"name": "runtime.v1.RuntimeService/" + name,
                    "start": at(a), "end": at(b)}
        spans = [span("RunPodSandbox", 0.3, 463)]
        for i in range(2):
            o = 40 * i
            spans += [span("CreateContainer", 470.2 + o, 473.9 + o),
                      span("StartContainer", 500.3 + o, 529 + o)]
        self.assertEqual(errors_of(spans=spans), [])
        # containerd's own span of the second app's start 2 ms after
        # its task step; none for the first app's create
        spans[4] = span("StartContainer", 542.4, 569)
        del spans[1]
        e = errors_of(spans=spans)
        self.assertEqual(len(e), 2, e)
        self.assertTrue(any("task step begins -2.000 ms from containerd's "
                            "span of StartContainer, outside it" in x
                            for x in e), e)
        self.assertTrue(any("no span of its CreateContainer" in x
                            for x in e), e)

        def ends_early(by_id):
            by_id[APPS[1]][0]["phases"]["prepare"]["dur_ns"] -= MS
        e = errors_of(edit=ends_early)
        self.assertTrue(any("steps do not end" in x for x in e), e)

    def test_a_missing_prepare_only_as_unarmed_and_where_allowed(self):
        def missing(by_id):
            del by_id[SID][0]["phases"]["prepare"]
            by_id[SID][0]["prepare_missing"] = (
                check_cri.UNARMED + ": its engine's first acts were not "
                "seen")
        self.assertEqual(errors_of(edit=missing, unarmed_ok=True), [])
        e = errors_of(edit=missing)
        self.assertTrue(any("no prepare steps" in x for x in e), e)

    def test_plugin_steps_at_their_execs_inside_their_rpcs(self):
        edit, truth = with_plugins()
        self.assertEqual(errors_of(edit=edit, plugins=truth), [])

    def test_a_plugin_not_said_or_said_elsewhere_is_an_error(self):
        edit, truth = with_plugins(PLUGINS[:-1])
        e = errors_of(edit=edit, plugins=truth)
        self.assertTrue(any("plugin steps" in x for x in e), e)
        # StopPodSandbox's DEL said in remove: outside RemovePodSandbox
        moved = [p[:4] + ("remove", None) if i == 3 else p
                 for i, p in enumerate(PLUGINS)]
        edit, truth = with_plugins(moved)
        e = errors_of(edit=edit, plugins=truth)
        self.assertTrue(any("outside RemovePodSandbox" in x for x in e), e)
        # an ADD said in destroy
        moved = [p[:4] + ("network", None) if i == 0 else p
                 for i, p in enumerate(PLUGINS)]
        edit, truth = with_plugins(moved)
        e = errors_of(edit=edit, plugins=truth)
        self.assertTrue(any("said in network" in x for x in e), e)

    def test_names_other_than_the_clients_are_errors(self):
        def rename(by_id):
            by_id[APPS[1]][0]["k8s"]["container"] = "c0"
            by_id[SID][0]["k8s"]["namespace"] = "default"
            del by_id[APPS[0]][0]["image"]
        e = errors_of(edit=rename)
        self.assertEqual(len(e), 3, e)
        self.assertTrue(all(": k8s " in x or ": image" in x for x in e), e)


if __name__ == "__main__":
    unittest.main()
