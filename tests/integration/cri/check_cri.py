#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Assertions for tests/integration/cri.sh: coldtrace's records of CRI
pods against the client-side intervals of the RPCs that made them
(cri.py's output, one JSON object per pod).

- every pod made its sandbox and its containers, each RPC answered;
- coldtrace reports each sandbox once as a pod record ("type": "pod")
  and each app container once ("type": "container", "pod": the
  sandbox), complete, engine cri, runtime --runtime;
- pod: connect (CNI ADD) inside its own RunPodSandbox, and so its
  create; its start begins there (runc start) and ends (the pause
  program's exec) after RunPodSandbox began and before its
  StopPodSandbox returned, not necessarily before RunPodSandbox
  returned (see START_ENDS below); disconnect (CNI DEL -> netns umount)
  inside its own StopPodSandbox; destroy from its StopPodSandbox to the
  end of its RemovePodSandbox at the latest, in steps (docs/phases.md
  "destroy's steps"): delete and network begun inside StopPodSandbox,
  remove inside RemovePodSandbox, covering it; cold_start_ns ends at the
  last app container's program exec (--ready: the apps listen, at the
  last app's ready);
- with --dump (coldtrace --dump of the session's recording): connect
  begins at the first exec of a CNI plugin whose CNI_CONTAINERID is the
  pod's sandbox and CNI_COMMAND ADD, disconnect at the first such DEL,
  to the nanosecond; the summary counts no unattributed plugin; each
  plugin exec that names the pod is a step of its own (`cni:PLUGIN`,
  docs/phases.md "cri table"), at its exec and exit to the nanosecond:
  an ADD's in connect inside RunPodSandbox, a DEL's in destroy's
  network step inside StopPodSandbox or its remove step inside
  RemovePodSandbox, a plugin's children inside it;
- every record named as the client named it: its pod's namespace, name
  and uid (RunPodSandbox's metadata), an app container's name and image
  (CreateContainer's), from the bundle's annotations;
- prepare (docs/phases.md "prepare's steps"): a pod's inside its own
  RunPodSandbox, from containerd's entry into it (request), then the
  steps config (the sandbox's directories) and
  network (its netns mounted; containerd 2 makes the netns first, its
  directories after the ADD: network alone), ending where connect (its
  ADD) begins; an
  app container's from containerd's entry into its CreateContainer
  (request: its probe, docs/gosym.md) inside that RPC, to its attach:
  config begun inside it, task at containerd's entry into its
  StartContainer, bundle inside it; the steps cover prepare.  A step
  missing says why (docs/phases.md "Missing steps"), held with --dump
  to the session's recording: unprobed only where no probe was placed
  before its window, reprobed where one was placed within it, unseen
  where they were on and no entry of its kind came in it, a layer said
  shared only with more than one snapshot in its window, not said with
  none; a step found says nothing.  With
  --spans (containerd 2's own OTLP spans of the same RPCs), request and
  task begin inside the span of their RPC, at a median within SPAN_MS
  of its start;  --detached (one detached session, idle before the
  pods): the pod whose first act came first came before anything
  attached the syscall hooks, so at least one pod's prepare must be said
  missing for that reason, and any other be whole or said so;
- app container: attach and create inside its StartContainer
  (containerd 1.6's CreateContainer only records the container and
  prepares its snapshot: `<rt> create` runs under StartContainer), start
  beginning there and ending (its program's exec) before its
  StopContainer returned, die and destroy from its StopContainer to the
  end of its RemoveContainer (printed: how long before StopContainer
  returned and RemoveContainer began its destroy ended, docs/phases.md
  "destroy's steps"); destroy in steps, delete (the runtime's delete)
  and unmount (the shim's umount of its rootfs) begun inside its
  StopContainer, covering it.
Several pods at once are held to the same: the plugins are attributed
by their environment (docs/phases.md, cri table).
"""
import argparse
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import check  # noqa: E402  (the shared assertions and their error list)
import steps_truth  # noqa: E402  (steps_of: the steps cover their phase)

DESTROY_STEPS = ["delete", "network", "remove"]
APP_DESTROY_STEPS = ["delete", "unmount"]


def load_pods(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def rpc(pod, name, oid):
    for r in pod["rpcs"]:
        if r["rpc"] == name and r["id"] == oid:
            return r
    return None


# containerd's function probes and its snapshots in the recording
# (--dump), by what the missing steps' reasons are held to
UFN = re.compile(r'^(\d+)\.(\d{9}) UFN +.* fn=(\d+) id_len=\d+ id="([^"]*)"')
SNAP = re.compile(r'^(\d+)\.(\d{9}) CMKDIR .* ret=0 path="[^"]*/snapshots/'
                  r'new-[^/"]*"$')
UFN_PLACED = 5
UFN_OF = {"create": 1, "start": 2, "run": 3}
# the window before a first act in which its request's entry is looked
# for (user/enrich/prepare_api.h: PR_ENTRY_GAP_NS)
ENTRY_GAP_NS = 1000000000


def load_marks(path):
    """{"placed": [ns], "entries": [(ns, fn, id)], "snaps": [ns]}."""
    out = {"placed": [], "entries": [], "snaps": []}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = UFN.match(line)
            if m:
                t = int(m.group(1)) * 10**9 + int(m.group(2))
                if int(m.group(3)) == UFN_PLACED:
                    out["placed"].append(t)
                else:
                    out["entries"].append((t, int(m.group(3)), m.group(4)))
                continue
            m = SNAP.match(line)
            if m:
                out["snaps"].append(int(m.group(1)) * 10**9 + int(m.group(2)))
    return out


def probes_truth(marks, lo, hi, fn, key):
    """What the recording says of an entry of fn naming key in [lo, hi):
    the reason its absence deserves, as docs/phases.md "Missing steps"
    defines them, or None if one came."""
    if any(lo <= t < hi for t in marks["placed"]):
        return "reprobed"
    if not any(t < lo for t in marks["placed"]):
        return "unprobed"
    if any(lo <= t < hi and f == fn and i == key
           for t, f, i in marks["entries"]):
        return None
    return "unseen"


def check_missing(rec, marks):
    """rec's prepare's missing steps, each reason held to the recording;
    layer, when not found, said shared iff its window held more than one
    snapshot.  Returns the reasons."""
    tag = f"{rec['type']} {rec['id'][:12]}"
    ph = check.phase(rec, "prepare") or {}
    missing = ph.get("missing") or {}
    found = {s["step"]: s["start_ns"] for s in ph.get("steps") or []}
    for st in missing:
        check.check(st not in found, f"{tag}: {st} found and said missing")
    if marks is None or not ph:
        return missing
    pod = rec["type"] == "pod"
    if "request" in missing:
        act = ph["start_ns"]
        key = (rec.get("k8s") or {}).get("pod_uid") if pod else rec["pod"]
        want = probes_truth(marks, act - ENTRY_GAP_NS, act,
                            UFN_OF["run" if pod else "create"], key)
        check.check(missing["request"] == want, f"{tag}: request said "
                    f"{missing['request']}, the recording says {want}")
    if pod or "config" not in found or "bundle" not in found:
        return missing
    lo, hi = found["config"], found["bundle"]
    if "task" in missing:
        want = probes_truth(marks, lo, hi, UFN_OF["start"], rec["id"])
        check.check(missing["task"] == want, f"{tag}: task said "
                    f"{missing['task']}, the recording says {want}")
    if "layer" not in found:
        n = sum(lo <= t < found.get("task", hi) for t in marks["snaps"])
        check.check((missing.get("layer") == "shared") == (n > 1),
                    f"{tag}: layer said {missing.get('layer')!r}, "
                    f"{n} snapshots in its window")
    return missing


def load_records(path):
    """Container and pod records of coldtrace -j's stdout, its summary."""
    recs, summary = [], None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("{"):
                obj = json.loads(line)
                if obj.get("type") in ("container", "pod"):
                    recs.append(obj)
                elif obj.get("type") == "summary":
                    summary = obj
    return recs, summary


def span(rec, phase):
    """(tag, start, end) of a phase of rec that ended, else None (an
    error)."""
    tag = f"{rec['type']} {rec['id'][:12]}"
    p = check.phase(rec, phase)
    if not check.check(p is not None and p.get("dur_ns") is not None,
                       f"{tag}: no {phase} phase, or it did not end"):
        return None
    return tag, p["start_ns"], p["start_ns"] + p["dur_ns"]


def within(rec, phase, lo, hi, what):
    """Phase `phase` of rec lies within [lo, hi] (clock slack)."""
    t = span(rec, phase)
    if t is None:
        return False
    tag, s, e = t
    return check.check(lo - check.SLACK_NS <= s and e <= hi + check.SLACK_NS,
                       f"{tag}: {phase} [{s}, {e}) outside {what} "
                       f"[{lo}, {hi}]")


def inside(rec, phase, r, what):
    return within(rec, phase, r["start_ns"], r["end_ns"], what)


# What the CRI contract says of a start: RunPodSandbox returns once the
# sandbox is ready, StartContainer once the container started, and in
# containerd both mean that the task's Start returned, i.e. that the
# shim's `runc start` (crun start) exited.  That runtime returns as soon
# as it has read the container's exec fifo to its end, and the fifo's
# writer, the container's init, closes it before its execve (runc 1.2 and
# later, StartContainer hooks in between) or in it, at close-on-exec
# (runc 1.1), which the kernel does before it reports the exec.  So the
# program's exec, where the start phase ends, may follow the RPC's
# return: 21-28 ms later under containerd 2.1 on 2 busy cores.  Not
# promised either way; what is: the start begins inside the RPC (the
# runtime's start command runs under it) and ends after the RPC began and
# before the container's stop returned (its init exits before that, and
# it exec'd first).
START_ENDS = "the program's exec may follow the RPC's return"


def started_inside(rec, phase, r, what, until, until_what):
    """phase begins inside RPC r and ends after r began, by `until`."""
    t = span(rec, phase)
    if t is None:
        return False
    tag, s, e = t
    lo, hi = r["start_ns"] - check.SLACK_NS, r["end_ns"] + check.SLACK_NS
    ok = check.check(lo <= s <= hi, f"{tag}: {phase} begins at {s}, "
                     f"outside {what} [{r['start_ns']}, {r['end_ns']}]")
    return check.check(lo <= e <= until + check.SLACK_NS,
                       f"{tag}: {phase} ends at {e}, not between {what}'s "
                       f"start {r['start_ns']} and {until_what}'s end "
                       f"{until} ({START_ENDS})") and ok


CNIENV = re.compile(r'^(\d+)\.(\d{9}) CNIENV .* cmd=(\S+) id="([^"]*)"')


def load_cni_execs(path):
    """{(sandbox id, ADD|DEL): [exec ns, ...]} from coldtrace --dump."""
    execs = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = CNIENV.match(line)
            if m:
                t = int(m.group(1)) * 1000000000 + int(m.group(2))
                execs.setdefault((m.group(4), m.group(3)), []).append(t)
    return execs


DUMP_PROC = re.compile(r'^(\d+)\.(\d{9}) (CNIENV|EXIT) +pid=(\d+) .*?'
                       r'comm="([^"]*)"(.*)$')
CNIENV_ARGS = re.compile(r' cmd=(\S+) id="([^"]*)"')


def load_plugins(path):
    """{sandbox id: [{step, cmd, exec, exit}]}: each plugin exec that its
    environment (CNIENV) named, ADD or DEL, to its pid's next exit, from
    coldtrace --dump."""
    plugins, running = {}, {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = DUMP_PROC.match(line)
            if not m:
                continue
            t = int(m.group(1)) * 1000000000 + int(m.group(2))
            pid = int(m.group(4))
            if m.group(3) == "EXIT":
                if pid in running:
                    running.pop(pid)["exit"] = t
                continue
            a = CNIENV_ARGS.search(m.group(6))
            if a and a.group(1) in ("ADD", "DEL"):
                running[pid] = {"step": "cni:" + m.group(5),
                                "cmd": a.group(1), "exec": t, "exit": None}
                plugins.setdefault(a.group(2), []).append(running[pid])
    return plugins


def plugin_steps(rec):
    """The pod's plugin steps: [(step, start, end, where, parent)], where
    the phase (connect) or destroy's step they are said in, parent the
    (start, end) of the plugin that ran it."""
    out = []

    def walk(steps, where, parent):
        for st in steps:
            iv = (st["start_ns"], st["start_ns"] + st["dur_ns"])
            out.append((st["step"], iv[0], iv[1], where, parent))
            walk(st.get("steps") or [], where, iv)

    walk((check.phase(rec, "connect") or {}).get("steps") or [], "connect",
         None)
    for st in (check.phase(rec, "destroy") or {}).get("steps") or []:
        walk(st.get("steps") or [], st["step"], None)
    return out


# Where a plugin step is said, and the RPC whose plugins run there.
PLUGIN_RPCS = {"connect": ("ADD", "RunPodSandbox"),
               "network": ("DEL", "StopPodSandbox"),
               "remove": ("DEL", "RemovePodSandbox")}


def check_plugin_steps(rec, pod, plugins):
    """Each plugin exec of the pod a step of its own, to the nanosecond
    of its exec and exit: an ADD's in connect, inside RunPodSandbox, a
    DEL's in destroy's network step inside StopPodSandbox or its remove
    step inside RemovePodSandbox; a plugin's children inside it."""
    sid = rec["id"]
    tag = f"pod {sid[:12]}"
    got = plugin_steps(rec)
    want = plugins.get(sid, [])
    check.check(sorted(g[:3] for g in got) ==
                sorted((w["step"], w["exec"], w["exit"]) for w in want),
                f"{tag}: plugin steps {sorted(g[:3] for g in got)}, its "
                f"plugins' execs and exits "
                f"{sorted((w['step'], w['exec'], w['exit']) for w in want)}")
    cmd_of = {(w["step"], w["exec"]): w["cmd"] for w in want}
    for step, s, e, where, parent in got:
        cmd, name = PLUGIN_RPCS.get(where, (None, where))
        r = rpc(pod, name, sid)
        if not check.check(r and cmd_of.get((step, s)) == cmd,
                           f"{tag}: {step} at {s} ({cmd_of.get((step, s))})"
                           f" said in {where}"):
            continue
        check.check(r["start_ns"] - check.SLACK_NS <= s and
                    e <= r["end_ns"] + check.SLACK_NS,
                    f"{tag}: {step} [{s}, {e}) outside {name} "
                    f"[{r['start_ns']}, {r['end_ns']}]")
        check.check(parent is None or parent[0] <= s <= e <= parent[1],
                    f"{tag}: {step} [{s}, {e}) outside its parent {parent}")
    print(f"check_cri: {tag}: plugin steps " + ", ".join(
        f"{where} {step} {(e - s) / 1e6:.2f}"
        for step, s, e, where, _ in sorted(got, key=lambda g: g[1])) + " ms")


def starts_at_plugin(rec, phase, execs, cmd):
    """phase begins at the first exec of the pod's own cmd plugins."""
    sid, p = rec["id"], check.phase(rec, phase)
    ts = execs.get((sid, cmd))
    if check.check(ts and p, f"pod {sid[:12]}: no {cmd} plugin named it "
                   f"or no {phase}"):
        check.check(p["start_ns"] == min(ts), f"pod {sid[:12]}: {phase} "
                    f"begins at {p['start_ns']}, its first {cmd} plugin's "
                    f"exec at {min(ts)}")


def app_end(rec, key):
    """run: the program's exec; ready: the end of the ready phase."""
    p = check.phase(rec, key)
    return p["start_ns"] + (p["dur_ns"] if key == "ready" else 0)


UNARMED = "begun while the syscall hooks were detached"


def prepare_steps(rec, want):
    """rec's prepare steps, one of the lists in want, covering prepare:
    ({step: (start, end)}, prepare's end), else None (an error)."""
    tag = f"{rec['type']} {rec['id'][:12]}"
    errs = []
    for w in want:
        try:
            return steps_truth.steps_of(rec, "prepare", w)
        except ValueError as e:
            errs.append(str(e))
    check.check(False, f"{tag}: prepare: {'; '.join(errs)}; "
                f"prepare_missing {rec.get('prepare_missing')!r}")
    return None


def step_in(rec, st, step, r, what):
    tag = f"{rec['type']} {rec['id'][:12]}"
    s = st[step][0]
    check.check(r["start_ns"] - check.SLACK_NS <= s <=
                r["end_ns"] + check.SLACK_NS,
                f"{tag}: {step} step begins at {s}, outside {what} "
                f"[{r['start_ns']}, {r['end_ns']}]")
    return (s - r["start_ns"]) / 1e6


def check_pod_prepare(rec, run, unarmed_ok, want, spans, marks):
    """A pod's prepare: from containerd's entry into its RunPodSandbox
    (request), then steps want (1.6: config then network; 2.1 makes the
    netns first), to connect's start; or, where allowed, said missing as
    unarmed."""
    sid = rec["id"]
    check_missing(rec, marks)
    if unarmed_ok and UNARMED in (rec.get("prepare_missing") or ""):
        print(f"check_cri: pod {sid[:12]}: prepare missing: "
              f"{rec['prepare_missing']}")
        return
    got = prepare_steps(rec, [["request"] + want])
    if got is None:
        return
    st, end = got
    inside(rec, "prepare", run, "RunPodSandbox")
    check.check(end == check.phase(rec, "connect")["start_ns"],
                f"pod {sid[:12]}: prepare ends at {end}, not at connect")
    into, d = at_rpc_start(rec, st, "request", run, "RunPodSandbox", spans)
    step_in(rec, st, want[0], run, "RunPodSandbox")
    print(f"check_cri: pod {sid[:12]}: prepare "
          + ", ".join(f"{k} {(b - a) / 1e6:.2f}" for k, (a, b) in st.items())
          + f" ms, begun {into:.3f} ms into RunPodSandbox"
          + ("" if d is None else f", {d:+.3f} ms from containerd's span"))


# containerd's span of a CRI request begins in its gRPC server's stats
# handler, as the request's headers come; the function coldtrace probes
# is entered once the message is read and decoded: 0.04-0.24 ms later
# here, but up to 1.3 ms for the first requests on a new connection to a
# containerd just started.  Each step begins inside its span, and their
# distances' median is within SPAN_MS.
SPAN_MS = 1.0
SPAN_GAPS = []
# coldtrace's stamps are monotonic, made wall time by one offset taken at
# its start, containerd's are the wall clock: NTP's slewing moves them
# apart by less than this over a test's seconds.
SKEW_MS = 0.5


def span_of(spans, r, what, t):
    """containerd's span of the RPC the client timed as r: one named
    .../RuntimeService/<what> inside r, the one beginning nearest t."""
    inside_r = [s for s in spans if s["name"].endswith("RuntimeService/" +
                                                       what) and
                r["start_ns"] <= s["start"] and s["end"] <= r["end_ns"]]
    return min(inside_r, key=lambda s: abs(s["start"] - t), default=None)


def at_rpc_start(rec, st, step, r, what, spans):
    """step begins at containerd's entry into r: inside the client's
    interval, and within SPAN_MS of containerd's own span of it, if it
    sent spans.  Returns (ms after the client's start, ms after the
    span's or None)."""
    tag = f"{rec['type']} {rec['id'][:12]}"
    a = step_in(rec, st, step, r, what)
    if spans is None:
        return a, None
    sp = span_of(spans, r, what, st[step][0])
    near = min((s for s in spans if s["name"].endswith(
        "RuntimeService/" + what)), key=lambda s: abs(s["start"] -
                                                      st[step][0]),
        default=None)
    check.check(sp is not None, f"{tag}: no span of its {what} inside the "
                f"client's [{r['start_ns']}, {r['end_ns']}]; the nearest "
                f"{what} span: " + (f"[{near['start']}, {near['end']}]"
                                    if near else "none"))
    if sp is None:
        return a, None
    d = (st[step][0] - sp["start"]) / 1e6
    check.check(-SKEW_MS <= d and st[step][0] <= sp["end"],
                f"{tag}: {step} step begins {d:.3f} ms from containerd's "
                f"span of {what}, outside it")
    SPAN_GAPS.append(d)
    return a, d


def check_app_prepare(rec, pod, oid, spans, marks):
    """An app's prepare: from containerd's entry into its CreateContainer
    (request), config begun inside it, task at the entry into its
    StartContainer, bundle inside that, to attach's start."""
    missing = check_missing(rec, marks)
    if missing:
        print(f"check_cri: container {oid[:12]}: missing " +
              ", ".join(f"{k}: {v}" for k, v in missing.items()))
    got = prepare_steps(rec, [["request", "config", "layer", "task",
                               "bundle"],
                              ["request", "config", "task", "bundle"]])
    if got is None:
        return
    st, end = got
    create, start = rpc(pod, "CreateContainer", oid), rpc(pod,
                                                         "StartContainer", oid)
    q, qs = at_rpc_start(rec, st, "request", create, "CreateContainer",
                         spans)
    a = step_in(rec, st, "config", create, "CreateContainer")
    t, ts = at_rpc_start(rec, st, "task", start, "StartContainer", spans)
    b = step_in(rec, st, "bundle", start, "StartContainer")
    check.check(end == check.phase(rec, "attach")["start_ns"],
                f"container {oid[:12]}: prepare ends at {end}, not at attach")
    print(f"check_cri: container {oid[:12]}: prepare "
          + ", ".join(f"{k} {(b - a) / 1e6:.2f}" for k, (a, b) in st.items())
          + f" ms; request {q:.3f} ms and config {a:.2f} ms after "
          f"CreateContainer's start, task {t:.3f} ms and bundle {b:.2f} ms "
          "after StartContainer's"
          + ("" if qs is None or ts is None else
             f"; request {qs:+.3f} ms and task {ts:+.3f} ms from "
             "containerd's spans"))


def destroy_steps(rec, want, rpcs):
    """rec's destroy steps, which must be want, cover destroy and each
    begin inside its RPC (rpcs: step -> (interval, name)); printed with
    how far into its RPC the last began."""
    tag = f"{rec['type']} {rec['id'][:12]}"
    try:
        st, _ = steps_truth.steps_of(rec, "destroy", want)
    except ValueError as e:
        check.check(False, f"{tag}: destroy: {e}")
        return
    into = [step_in(rec, st, k, *rpcs[k]) for k in want]
    print(f"check_cri: {tag}: destroy "
          + ", ".join(f"{k} {(b - a) / 1e6:.2f}" for k, (a, b) in st.items())
          + f" ms, {want[-1]} begun {into[-1]:.3f} ms into "
          f"{rpcs[want[-1]][1]}")


def pod_destroy_steps(rec, stop, remove):
    """A pod's destroy in steps: delete (the pause's delete) and network
    (its CNI DEL, the netns unmounted) begun inside its StopPodSandbox,
    remove inside its RemovePodSandbox; the steps cover destroy."""
    s = (stop, "StopPodSandbox")
    destroy_steps(rec, DESTROY_STEPS, {"delete": s, "network": s,
                                       "remove": (remove,
                                                  "RemovePodSandbox")})


def app_destroy_steps(rec, stop):
    """An app container's destroy in steps: delete (the runtime's delete)
    and unmount (the shim's umount of its rootfs), both begun inside its
    StopContainer; the steps cover destroy."""
    destroy_steps(rec, APP_DESTROY_STEPS,
                  {k: (stop, "StopContainer") for k in APP_DESTROY_STEPS})


def check_pod_record(rec, pod, app_recs, ready, execs, plugins):
    sid = pod["sandbox_id"]
    run = rpc(pod, "RunPodSandbox", sid)
    stop = rpc(pod, "StopPodSandbox", sid)
    remove = rpc(pod, "RemovePodSandbox", sid)
    check.check(rec["type"] == "pod", f"{sid[:12]}: type {rec['type']}")
    check.check_phase_shapes(rec, ["attach", "connect", "create", "start",
                                   "run", "die", "disconnect", "destroy"])
    inside(rec, "connect", run, "RunPodSandbox")
    inside(rec, "disconnect", stop, "StopPodSandbox")
    if execs is not None:
        starts_at_plugin(rec, "connect", execs, "ADD")
        starts_at_plugin(rec, "disconnect", execs, "DEL")
    if plugins is not None:
        check_plugin_steps(rec, pod, plugins)
    inside(rec, "create", run, "RunPodSandbox")
    started_inside(rec, "start", run, "RunPodSandbox", stop["end_ns"],
                   "StopPodSandbox")
    within(rec, "destroy", stop["start_ns"], remove["end_ns"],
           "StopPodSandbox .. RemovePodSandbox")
    pod_destroy_steps(rec, stop, remove)
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
        # each app's exec lies between its StartContainer's start and
        # its StopContainer's end (START_ENDS), so the last one between
        # the latest of those starts and the latest of those ends
        last = max(r["start_ns"] for r in pod["rpcs"]
                   if r["rpc"] == "StartContainer")
        stopped = max(r["end_ns"] for r in pod["rpcs"]
                      if r["rpc"] == "StopContainer")
        check.check(run["start_ns"] - check.SLACK_NS <= rec["start_ns"] and
                    (ready or last - check.SLACK_NS <= end <=
                     stopped + check.SLACK_NS),
                    f"pod {sid[:12]}: cold start [{rec['start_ns']}, {end}] "
                    "outside RunPodSandbox's start .. from the last "
                    "StartContainer's start to the last StopContainer's end")


def check_app_record(rec, pod, oid, spans, marks):
    sid = pod["sandbox_id"]
    check_app_prepare(rec, pod, oid, spans, marks)
    check.check(rec["type"] == "container", f"{oid[:12]}: type {rec['type']}")
    check.check(rec.get("pod") == sid, f"{oid[:12]}: pod {rec.get('pod')}, "
                f"want {sid[:12]}")
    check.check_phase_shapes(rec, ["attach", "create", "start", "run", "die",
                                   "destroy"])
    check.check_order(rec)
    r = rpc(pod, "StartContainer", oid)
    stop, remove = rpc(pod, "StopContainer", oid), rpc(pod, "RemoveContainer",
                                                       oid)
    for ph in ("attach", "create"):
        inside(rec, ph, r, "StartContainer")
    started_inside(rec, "start", r, "StartContainer", stop["end_ns"],
                   "StopContainer")
    for ph in ("die", "destroy"):
        within(rec, ph, stop["start_ns"], remove["end_ns"],
               "StopContainer .. RemoveContainer")
    app_destroy_steps(rec, stop)
    t = span(rec, "destroy")
    if t:  # why its record does not wait for RemoveContainer (printed)
        print(f"check_cri: container {oid[:12]}: destroy ends "
              f"{(stop['end_ns'] - t[2]) / 1e6:.2f} ms before StopContainer"
              f" returned, {(remove['start_ns'] - t[2]) / 1e6:.2f} ms "
              "before RemoveContainer began")


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


def check_names(rec, pod, container):
    """The record's Kubernetes names are what the client asked for:
    RunPodSandbox's metadata, CreateContainer's name and image (a
    sandbox's name is its pod's; containerd names no image for it)."""
    tag = f"{rec['type']} {rec['id'][:12]}"
    want = {"namespace": pod["namespace"], "pod": pod["name"],
            "pod_uid": pod["uid"]}
    if container is not None:
        want["container"] = container
    check.check(rec.get("k8s") == want,
                f"{tag}: k8s {rec.get('k8s')}, want {want}")
    check.check(rec.get("name") == (container or pod["name"]),
                f"{tag}: name {rec.get('name')!r}")
    if container is not None:
        check.check(rec.get("image") == pod["image"],
                    f"{tag}: image {rec.get('image')!r}, want {pod['image']}")


def check_pod(pod, by_id, a, execs, plugins, unarmed_ok):
    sid = pod.get("sandbox_id")
    if not check.check(sid, f"pod {pod.get('name')}: no sandbox id"):
        return
    cids = pod.get("containers", [])
    check.check(len(cids) == a.containers,
                f"pod {sid[:12]}: {len(cids)} containers, want {a.containers}")
    apps = []
    for oid, cname in zip(cids, pod.get("container_names", [])):
        rec = one_record(by_id, oid, a)
        if rec:
            check_app_record(rec, pod, oid, a.spans, a.marks)
            check_names(rec, pod, cname)
            apps.append(rec)
    rec = one_record(by_id, sid, a)
    if rec:
        check_pod_record(rec, pod, apps, a.ready, execs, plugins)
        check_pod_prepare(rec, rpc(pod, "RunPodSandbox", sid), unarmed_ok,
                          a.pod_steps.split(","), a.spans, a.marks)
        check_names(rec, pod, None)
    return rec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="coldtrace -j stdout")
    ap.add_argument("--rpcs", required=True, help="cri.py pod's stdout")
    ap.add_argument("--runtime", default="runc")
    ap.add_argument("--pods", type=int, default=1)
    ap.add_argument("--containers", type=int, default=2)
    ap.add_argument("--dump", help="coldtrace --dump of the session's "
                    "recording: check each pod's plugins by CNI_CONTAINERID")
    ap.add_argument("--pod-steps", default="config,network",
                    help="a pod's prepare steps (containerd 2: network)")
    ap.add_argument("--detached", action="store_true",
                    help="one detached session, idle before the pods: "
                    "a pod's prepare is said unarmed")
    ap.add_argument("--ready", action="store_true",
                    help="the apps listen: the pod's cold start ends at "
                    "the last app's ready")
    ap.add_argument("--spans", help="containerd's own spans (the tests' "
                    "OTLP receiver's file): hold request and task to them")
    a = ap.parse_args()
    a.spans = steps_truth.spans(a.spans) if a.spans else None
    pods = load_pods(a.rpcs)
    check.check(len(pods) == a.pods, f"{len(pods)} pods, want {a.pods}")
    by_id = {}
    recs, summary = load_records(a.out)
    for rec in recs:
        by_id.setdefault(rec.get("id"), []).append(rec)
    execs = load_cni_execs(a.dump) if a.dump else None
    a.marks = load_marks(a.dump) if a.dump else None
    plugins = load_plugins(a.dump) if a.dump else None
    if check.check(summary is not None, "no summary line"):
        check.check(summary.get("cni_unattributed") == 0,
                    f"cni_unattributed {summary.get('cni_unattributed')}")
    unarmed = 0
    for pod in pods:
        rec = check_pod(pod, by_id, a, execs, plugins, a.detached)
        unarmed += bool(rec and UNARMED in (rec.get("prepare_missing") or ""))
    # detached: the pod whose first act came first came before anything
    # attached the hooks (a pod's shim, or its ADD, attaches them after
    # its first acts); the others may have been seen whole
    if a.spans is not None and check.check(SPAN_GAPS, "no step held to "
                                           "containerd's spans"):
        med = statistics.median(SPAN_GAPS)
        print(f"check_cri: request and task steps from containerd's spans: "
              f"median {med:+.3f} ms of {len(SPAN_GAPS)}, at most "
              f"{max(SPAN_GAPS):+.3f} ms")
        check.check(med <= SPAN_MS, f"the request and task steps begin "
                    f"{med:.3f} ms after containerd's spans (median), not "
                    f"within {SPAN_MS} ms")
    check.check(not a.detached or unarmed >= 1,
                "detached: no pod's prepare said unarmed, though the "
                "first one's first acts came before anything attached "
                "the hooks")
    for e in check.errors:
        print("check_cri: " + e, file=sys.stderr)
    sys.exit(1 if check.errors else 0)


if __name__ == "__main__":
    main()
