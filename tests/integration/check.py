#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Assertions on coldtrace's JSON Lines output for the integration tests.

Every check compares coldtrace's numbers with an independent truth (the
wall clock of the traced command, container ids from --cidfile, docker
events), so a wrong tracer fails.  Exit status 1 with one "FAIL:" line
per broken assertion.
"""
import argparse
import csv
import json
import math
import os
import re
import sys

# docs/design.md "Phases" order (ready is nested in run: it starts with it).
PHASES = ["prepare", "attach", "create", "connect", "start", "run", "ready",
          "die", "disconnect", "destroy"]
# Clock slack for comparisons between different clocks: coldtrace turns
# BPF monotonic time into wall clock once; date(1) and dockerd read the
# wall clock directly.  A few ms covers the conversion and scheduling.
SLACK_NS = 20 * 1000 * 1000

errors = []


def check(cond, msg):
    if not cond:
        errors.append(msg)
    return cond


def load_records(path):
    recs = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                errors.append(f"stdout line {n} is not JSON ({e}): "
                              f"{line[:120]!r}")
                continue
            if isinstance(obj, dict) and obj.get("type") == "container":
                recs.append(obj)
    return recs


def union_ns(intervals):
    """Length of the union of [s, e) intervals: exclusive time in total."""
    total, cur_s, cur_e = 0, None, None
    for s, e in sorted(intervals):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total


def phase(rec, name):
    return rec.get("phases", {}).get(name)


def check_phase_shapes(rec, required):
    tag = f"container {rec.get('id', '?')[:12]}"
    before = len(errors)
    phases = rec.get("phases")
    if not check(isinstance(phases, dict), f"{tag}: no phases object"):
        return False
    for name in phases:
        check(name in PHASES, f"{tag}: unknown phase {name!r}")
    for name in required:
        check(name in phases, f"{tag}: phase {name} missing "
              f"(have {sorted(phases)})")
    for name, p in phases.items():
        ok = (isinstance(p, dict) and isinstance(p.get("start_ns"), int)
              and isinstance(p.get("dur_ns"), int))
        if check(ok, f"{tag}: phase {name} lacks integer start_ns/dur_ns"):
            check(p["dur_ns"] > 0, f"{tag}: phase {name} dur_ns "
                  f"{p['dur_ns']} is not > 0")
            check(p["start_ns"] > 1e18, f"{tag}: phase {name} start_ns "
                  f"{p['start_ns']} is not a wall-clock ns time")
    return len(errors) == before


def check_order(rec):
    """Lifecycle order of docs/design.md "Phases": each phase starts no earlier than the
    one before it.  connect (a hook inside create) and disconnect (dockerd
    releases the network around delete) may overlap their neighbours, so
    they are only placed inside the container's span."""
    tag = f"container {rec['id'][:12]}"
    seq = [n for n in PHASES
           if n not in ("connect", "disconnect") and phase(rec, n)]
    for a, b in zip(seq, seq[1:]):
        pa, pb = phase(rec, a), phase(rec, b)
        check(pa["start_ns"] <= pb["start_ns"],
              f"{tag}: phase {b} starts {pa['start_ns'] - pb['start_ns']} "
              f"ns before {a}")
        # Sequential phases should not overlap much: b starts after a ends.
        a_end = pa["start_ns"] + pa["dur_ns"]
        if a in ("create", "start", "run") and b in ("start", "run", "die",
                                                     "destroy"):
            check(pb["start_ns"] + SLACK_NS >= a_end,
                  f"{tag}: phase {b} starts {a_end - pb['start_ns']} ns "
                  f"before {a} ends")
    first = min(p["start_ns"] for p in rec["phases"].values())
    last = max(p["start_ns"] + p["dur_ns"] for p in rec["phases"].values())
    for n in ("connect", "disconnect"):
        p = phase(rec, n)
        if p:
            check(first <= p["start_ns"] and
                  p["start_ns"] + p["dur_ns"] <= last,
                  f"{tag}: phase {n} outside the container's span")
    if phase(rec, "connect") and phase(rec, "create"):
        check(phase(rec, "connect")["start_ns"] >=
              phase(rec, "create")["start_ns"],
              f"{tag}: connect starts before create")


def check_times(rec, t0, t1, min_share=0.5):
    """total_ns against the wall-clock span [t0, t1] of the command: inside
    it, and at least min_share of it (the engine's work is in the record)."""
    tag = f"container {rec['id'][:12]}"
    wall = t1 - t0
    total = rec.get("total_ns")
    if not check(isinstance(total, int), f"{tag}: total_ns missing"):
        return
    ivs = [(p["start_ns"], p["start_ns"] + p["dur_ns"])
           for p in rec["phases"].values()]
    first = min(s for s, _ in ivs)
    last = max(e for _, e in ivs)
    check(total <= wall + SLACK_NS,
          f"{tag}: total_ns {total} > command wall time {wall}")
    check(total >= wall * min_share,
          f"{tag}: total_ns {total} < {min_share} of the command wall "
          f"time {wall}")
    check(first >= t0 - SLACK_NS,
          f"{tag}: first phase starts {t0 - first} ns before the command")
    check(last <= t1 + SLACK_NS,
          f"{tag}: last phase ends {last - t1} ns after the command")
    check(abs(total - (last - first)) <= SLACK_NS,
          f"{tag}: total_ns {total} differs from the phases' span "
          f"{last - first}")
    excl = union_ns(ivs)
    check(excl <= wall + SLACK_NS,
          f"{tag}: exclusive phase time {excl} > wall time {wall}")
    per = [p.get("excl_ns") for p in rec["phases"].values()]
    if all(isinstance(x, int) for x in per):
        check(sum(per) <= wall + SLACK_NS,
              f"{tag}: sum of excl_ns {sum(per)} > wall time {wall}")


def load_events(path):
    """docker events JSON Lines -> {action: first timeNano}."""
    ev = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            e = json.loads(line)
            act = e.get("Action") or e.get("status")
            ev.setdefault(act, e["timeNano"])
    return ev


def check_events(rec, path):
    """Order against dockerd's own create/start/die/destroy events.

    dockerd emits "create" before any runtime runs, "start" after the
    runtime's start returned, "die" after it ran `<rt> delete` on pid 1's
    exit, "destroy" after removal (--rm)."""
    tag = f"container {rec['id'][:12]}"
    ev = load_events(path)
    for a in ("create", "start", "die", "destroy"):
        if not check(a in ev, f"{tag}: docker events has no {a!r} "
                     f"(got {sorted(ev)})"):
            return
    check(ev["create"] <= ev["start"] <= ev["die"] <= ev["destroy"],
          f"{tag}: docker events out of order: {ev}")
    cr, st = phase(rec, "create"), phase(rec, "start")
    run, de = phase(rec, "run"), phase(rec, "destroy")
    s = SLACK_NS
    check(cr["start_ns"] >= ev["create"] - s,
          f"{tag}: create phase starts before docker's create event")
    check(cr["start_ns"] <= ev["start"] + s,
          f"{tag}: create phase starts after docker's start event")
    check(st["start_ns"] <= ev["start"] + s,
          f"{tag}: start phase starts after docker's start event")
    check(run["start_ns"] + run["dur_ns"] <= ev["die"] + s,
          f"{tag}: run phase ends after docker's die event")
    check(de["start_ns"] >= ev["start"] - s,
          f"{tag}: destroy starts before docker's start event")
    check(de["start_ns"] <= ev["destroy"] + s,
          f"{tag}: destroy starts after docker's destroy event")


def check_engine_connect(rec, path):
    """Docker 28 (no setkey hook): connect lasts from create's end to
    start's begin and holds dockerd's own network "connect" event."""
    tag = f"container {rec['id'][:12]}"
    ev = load_events(path)
    cn, cr, st = phase(rec, "connect"), phase(rec, "create"), phase(rec, "start")
    if not check(cn is not None and "connect" in ev,
                 f"{tag}: no connect phase or no network connect event"):
        return
    check(cn["start_ns"] == cr["start_ns"] + cr["dur_ns"] and
          cn["start_ns"] + cn["dur_ns"] == st["start_ns"],
          f"{tag}: connect is not create's end to start")
    check(cn["start_ns"] - SLACK_NS <= ev["connect"] <=
          cn["start_ns"] + cn["dur_ns"] + SLACK_NS,
          f"{tag}: docker's network connect event outside connect")


def check_cover(rec):
    """The phases cover the total within 1 % (their exclusive times add
    up to it): no time of the record is in no phase."""
    covered, end = 0, None
    for s, e in sorted((p["start_ns"], p["start_ns"] + p["dur_ns"])
                       for p in rec["phases"].values()):
        if end is None or s > end:
            covered += e - s
            end = e
        elif e > end:
            covered += e - end
            end = e
    check(covered >= 0.99 * rec["total_ns"],
          f"container {rec['id'][:12]}: phases cover {covered} of "
          f"{rec['total_ns']} ns")


def drop_foreign(recs, ours, foreign_ok):
    """coldtrace traces the whole host.  On a shared development machine
    other people's daemons run containers too: with --foreign-ok, records
    of ids that are clearly not ours (no common 12-char prefix) are set
    aside.  CI runs alone, so there every extra record is an error.  Set
    by lib.sh through CT_FOREIGN_OK=1."""
    if not foreign_ok:
        return recs
    prefixes = {i[:12] for i in ours}
    kept = []
    for r in recs:
        rid = str(r.get("id", ""))
        if rid in ours or rid[:12] in prefixes or not rid:
            kept.append(r)
        else:
            print(f"  note: ignoring another daemon's container {rid[:12]}",
                  file=sys.stderr)
    return kept


def cmd_single(a):
    recs = drop_foreign(load_records(a.out), [a.id], a.foreign_ok)
    if not check(len(recs) == 1, f"expected exactly 1 container record, "
                 f"got {len(recs)}: {[r.get('id', '?')[:12] for r in recs]}"):
        return
    rec = recs[0]
    check(rec.get("id") == a.id, f"id {rec.get('id')!r} != {a.id!r}")
    check(rec.get("runtime") == a.runtime,
          f"runtime {rec.get('runtime')!r} != {a.runtime!r}")
    check(rec.get("engine") == a.engine,
          f"engine {rec.get('engine')!r} != {a.engine!r}")
    check(rec.get("complete") is True, "record is not complete")
    check(rec.get("exit_code") == a.exit_code,
          f"exit_code {rec.get('exit_code')!r} != {a.exit_code}")
    if not check_phase_shapes(rec, a.phases.split(",")):
        return
    check_order(rec)
    # other checkers (check_podman.py) call this with arguments of their own
    if a.t0 and a.t1:
        check_times(rec, a.t0, a.t1, getattr(a, "min_share", 0.5))
    unarmed = getattr(a, "unarmed", None)
    if unarmed is not None:
        check(bool(rec.get("unarmed")) == (unarmed == "yes"),
              f"unarmed {rec.get('unarmed')!r}, want {unarmed}")
    if a.events:
        check_events(rec, a.events)
    if getattr(a, "engine_connect", False):
        check_engine_connect(rec, a.events)
        check_cover(rec)


def cmd_many(a):
    with open(a.ids, encoding="utf-8") as f:
        want = [line.strip() for line in f if line.strip()]
    recs = drop_foreign(load_records(a.out), want, a.foreign_ok)
    got = [r.get("id") for r in recs]
    check(len(set(want)) == len(want), "duplicate ids in the truth list")
    for i in want:
        n = got.count(i)
        check(n == 1, f"container {i[:12]} reported {n} times")
    extra = [i for i in got if i not in want]
    check(not extra, f"unexpected container records: "
          f"{[str(i)[:12] for i in extra]}")
    for r in recs:
        if r.get("id") not in want:
            continue
        tag = f"container {r['id'][:12]}"
        check(r.get("complete") is True, f"{tag}: not complete")
        check(r.get("engine") == a.engine, f"{tag}: engine "
              f"{r.get('engine')!r} != {a.engine!r}")
        check(r.get("runtime") == a.runtime, f"{tag}: runtime "
              f"{r.get('runtime')!r} != {a.runtime!r}")
        check(r.get("exit_code") == 0, f"{tag}: exit_code "
              f"{r.get('exit_code')!r}")
        if check_phase_shapes(r, a.phases.split(",")):
            check_order(r)
            if getattr(a, "engine_connect", False):
                check_cover(r)
            if a.t0 and a.t1:
                check_times_loose(r, a.t0, a.t1)


def check_times_loose(rec, t0, t1):
    """Concurrent runs: each container lies inside the command's span."""
    tag = f"container {rec['id'][:12]}"
    ivs = [(p["start_ns"], p["start_ns"] + p["dur_ns"])
           for p in rec["phases"].values()]
    check(min(s for s, _ in ivs) >= t0 - SLACK_NS,
          f"{tag}: starts before the command")
    check(max(e for _, e in ivs) <= t1 + SLACK_NS,
          f"{tag}: ends after the command")
    check(rec.get("total_ns", 0) <= t1 - t0 + SLACK_NS,
          f"{tag}: total_ns longer than the command")

# ---- restart: `docker restart` N times under -o DIR (restart.sh) ----

def jsonl(path, typ):
    with open(path, encoding="utf-8") as f:
        objs = [json.loads(l) for l in f if l.strip()]
    return [o for o in objs if isinstance(o, dict) and o.get("type") == typ]


def pct(vals, p):
    """Nearest rank, as user/stats/agg.h defines it."""
    v = sorted(vals)
    return v[max(1, math.ceil(p / 100 * len(v))) - 1] if v else 0


def check_stats(what, st, vals):
    check(st.get("n") == len(vals), f"{what}: n {st.get('n')} != {len(vals)}")
    if not vals:
        return
    for key, want in (("min_ns", min(vals)), ("max_ns", max(vals)),
                      ("p50_ns", pct(vals, 50)), ("p90_ns", pct(vals, 90)),
                      ("p99_ns", pct(vals, 99))):
        check(st.get(key) == want, f"{what}: {key} {st.get(key)} != {want}")


def phase_durations(recs):
    return {p: [r["phases"][p]["dur_ns"] for r in recs
                if p in r.get("phases", {}) and "dur_ns" in r["phases"][p]]
            for p in PHASES}


def check_generations(recs, j_recs, cid, n):
    """21 generations of one container, all complete, -j == the file."""
    check(len(recs) == n + 1, f"{len(recs)} container records, expected {n + 1}")
    check(all(r["id"] == cid for r in recs), "a record is not our container")
    check(all(r.get("runtime") == "runc" and r.get("complete") for r in recs),
          "a generation is not a complete runc record")
    check([r["id"] for r in j_recs] == [r["id"] for r in recs] and
          [r["total_ns"] for r in j_recs] == [r["total_ns"] for r in recs],
          "-j records and containers.jsonl differ")


def check_restart_windows(restarts, walls, cid, n):
    """Each restart lies inside its own `docker restart` call."""
    check(len(restarts) == n,
          f"restarts.jsonl has {len(restarts)} restarts, expected {n}")
    restarts = sorted(restarts, key=lambda r: r["start_ns"])
    for i, (r, (t0, t1)) in enumerate(zip(restarts, walls), 1):
        d = r["dur_ns"]
        check(r["old_id"] == cid and r["new_id"] == cid and
              r["runtime"] == "runc",
              f"restart {i}: not a runc restart of {cid[:12]}")
        check(0 < d <= t1 - t0 + SLACK_NS,
              f"restart {i}: {d} ns not in (0, wall {t1 - t0} ns]")
        check(r["start_ns"] >= t0 - SLACK_NS and
              r["start_ns"] + d <= t1 + SLACK_NS,
              f"restart {i}: window outside its docker restart call")
        excl = sum(p["excl_ns"] for p in r.get("phases", {}).values())
        check(excl <= d, f"restart {i}: exclusive phase time {excl} > {d}")


def check_summary(summary, recs, restarts):
    rt = summary.get("runtimes", {}).get("runc", {})
    check(rt.get("containers") == len(recs),
          f"summary containers {rt.get('containers')} != {len(recs)}")
    check_stats("summary restart", rt.get("restart", {}),
                [r["dur_ns"] for r in restarts])
    vals = phase_durations(recs)
    for p in PHASES:
        if vals[p] or p in rt.get("phases", {}):
            check_stats(f"summary {p}", rt.get("phases", {}).get(p, {}),
                        vals[p])


def check_csv(path, recs):
    """One row per record, same durations.  Rows are matched by id, an
    id's in order (a restarted container's generations share it): a
    caller may list a kind's records first (containers, then pods),
    where the file keeps the order the records ended in."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    check(len(rows) == len(recs),
          f"phases.csv has {len(rows)} rows, expected {len(recs)}")
    by_id = {}
    for r in recs:
        by_id.setdefault(r["id"], []).append(r)
    for i, row in enumerate(rows, 1):
        left = by_id.get(row["id"])
        r = left.pop(0) if left else None
        check(r is not None and row["runtime"] == r["runtime"],
              f"phases.csv row {i}: id/runtime differ from containers.jsonl")
        if r is None:
            continue
        check(round(float(row["total_us"]) * 1000) == r["total_ns"],
              f"phases.csv row {i}: total_us {row['total_us']} != "
              f"{r['total_ns']} ns")
        for p in PHASES:
            want = r["phases"].get(p, {}).get("dur_ns")
            cell = row.get(f"{p}_us", "")
            if want is None:
                check(cell == "",
                      f"phases.csv row {i}: {p} {cell!r} but no such phase")
            else:
                check(cell != "" and round(float(cell) * 1000) == want,
                      f"phases.csv row {i}: {p}_us {cell!r} != {want} ns")


def check_trace(path, recs):
    """One complete event per phase of every record, its args saying
    the phase's missing steps as the record does."""
    trace = json.load(open(path))
    evs = trace["traceEvents"] if isinstance(trace, dict) else trace
    xs = [e for e in evs if e.get("ph") == "X" and e.get("cat") == "phase"]
    want = sorted((r["id"], p, ph["start_ns"], ph["dur_ns"])
                  for r in recs for p, ph in r["phases"].items()
                  if ph.get("dur_ns") is not None)
    check(len(xs) == len(want),
          f"trace.json has {len(xs)} phase events, expected {len(want)}")
    if not (want and xs):
        return
    # ts is in µs from an origin: recover it from the earliest phase.
    origin = min(w[2] for w in want) - round(min(e["ts"] for e in xs) * 1000)
    got = sorted((e["args"]["id"], e["name"], origin + round(e["ts"] * 1000),
                  round(e["dur"] * 1000)) for e in xs)
    bad = [(g, w) for g, w in zip(got, want)
           if g[:2] != w[:2] or abs(g[2] - w[2]) > 1 or abs(g[3] - w[3]) > 1]
    check(not bad,
          f"trace.json phases differ from containers.jsonl, e.g. {bad[:1]}")
    # a phase's missing steps and why (docs/phases.md "Missing steps"):
    # its slice's args say what the record says
    said = sorted(((e["args"]["id"], e["name"],
                    origin + round(e["ts"] * 1000), e["args"].get("missing"))
                   for e in xs), key=lambda x: x[:3])
    told = sorted(((r["id"], p, ph["start_ns"], ph.get("missing"))
                   for r in recs for p, ph in r["phases"].items()
                   if ph.get("dur_ns") is not None), key=lambda x: x[:3])
    odd = [(g, w) for g, w in zip(said, told) if g[3] != w[3]]
    check(not odd, f"trace.json's missing steps differ from "
          f"containers.jsonl's, e.g. {odd[:1]}")
    # a creation apart: its own slice, on the same origin
    cs = sorted((e["args"]["id"], origin + round(e["ts"] * 1000),
                 round(e["dur"] * 1000))
                for e in evs if e.get("ph") == "X" and
                e.get("cat") == "created")
    cw = sorted((r["id"], r["created"]["start_ns"], r["created"]["dur_ns"])
                for r in recs if "created" in r)
    check(len(cs) == len(cw) and
          all(g[0] == w[0] and abs(g[1] - w[1]) <= 1 and
              abs(g[2] - w[2]) <= 1 for g, w in zip(cs, cw)),
          f"trace.json creations differ from containers.jsonl: {cs[:1]} "
          f"vs {cw[:1]}")


def check_otlp(path, recs):
    """OTLP/JSON: a trace per record, a root span and a span per phase
    (pulls' and chains' traces beside them are not checked here)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    check(len(lines) == 1, f"{path}: {len(lines)} lines, expected 1 request")
    spans = [s for rs in json.loads(lines[0])["resourceSpans"]
             for ss in rs["scopeSpans"] for s in ss["spans"]]
    for s in spans:
        check(re.fullmatch(r"[0-9a-f]{32}", s["traceId"]) and
              re.fullmatch(r"[0-9a-f]{16}", s["spanId"]) and
              int(s["endTimeUnixNano"]) >= int(s["startTimeUnixNano"]),
              f"{path}: bad ids or times in {s['name']}")
    check(len({s["spanId"] for s in spans}) == len(spans),
          f"{path}: span ids are not unique")
    # a record is its id and first phase start (restarts keep the id)
    roots = {s["spanId"]: s for s in spans
             if "parentSpanId" not in s and s["name"] == "container"}
    by_rec = {(a["value"]["stringValue"], int(s["startTimeUnixNano"])): s
              for s in roots.values()
              for a in s["attributes"] if a["key"] == "container.id"}
    timed = [r for r in recs if r["phases"]]
    keys = [(r["id"], min(ph["start_ns"] for ph in r["phases"].values()))
            for r in timed]
    check(sorted(by_rec) == sorted(keys) and len(roots) == len(keys) and
          len({s["traceId"] for s in roots.values()}) == len(keys),
          f"{path}: {len(roots)} root spans for {len(keys)} records")
    got = sorted((roots[s["parentSpanId"]]["traceId"], s["name"],
                  int(s["startTimeUnixNano"]),
                  int(s["endTimeUnixNano"]) - int(s["startTimeUnixNano"]))
                 for s in spans if s.get("parentSpanId") in roots)
    want = sorted([(by_rec[k]["traceId"], p, ph["start_ns"], ph["dur_ns"])
                   for k, r in zip(keys, timed) if k in by_rec
                   for p, ph in r["phases"].items()
                   if ph.get("dur_ns") is not None] +
                  # a creation apart (docs/phases.md "prepare")
                  [(by_rec[k]["traceId"], "created", r["created"]["start_ns"],
                    r["created"]["dur_ns"])
                   for k, r in zip(keys, timed)
                   if k in by_rec and "created" in r])
    children = sum(s.get("parentSpanId") in roots for s in spans)
    check(len(got) == children and got == want,
          f"{path}: phase spans differ from containers.jsonl, e.g. "
          f"{[g for g in got if g not in want][:1]}")


PROM_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
PROM_SAMPLE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:%s)(?:,%s)*)?,?\})?'
    r' ([-+]?(?:[0-9.]+(?:[eE][-+]?[0-9]+)?|Inf|NaN))( -?[0-9]+)?$'
    % (PROM_LABEL, PROM_LABEL))


def prom_samples(path):
    """Valid text format: {(name, labels): value}."""
    samples = {}
    for ln, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            check(not line.startswith("# TYPE") or
                  re.match(r"^# TYPE \S+ (counter|gauge|histogram|summary|"
                           r"untyped)$", line),
                  f"metrics.prom line {ln}: bad TYPE line {line!r}")
            continue
        m = PROM_SAMPLE.match(line)
        if not check(m, f"metrics.prom line {ln}: not a valid sample: "
                     f"{line!r}"):
            continue
        labels = tuple(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"',
                                  m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def check_prom_histograms(samples):
    buckets = {}
    for (name, labels), v in samples.items():
        if name.endswith("_bucket"):
            le = dict(labels).get("le")
            rest = tuple(l for l in labels if l[0] != "le")
            buckets.setdefault((name[:-7], rest), []).append((float(le), v))
    check(buckets, "metrics.prom has no histogram")
    for (fam, labels), bs in buckets.items():
        bs.sort()
        vals = [v for _, v in bs]
        tag = f"{fam}{dict(labels)}"
        check(vals == sorted(vals), f"{tag}: buckets not cumulative")
        check(bs[-1][0] == math.inf, f"{tag}: no +Inf bucket")
        check(samples.get((fam + "_count", labels)) == bs[-1][1],
              f"{tag}: +Inf bucket != _count")
        # every histogram has a _sum, the log2 open histograms' made
        # of their slots' middles (docs/metrics.md)
        check((fam + "_sum", labels) in samples, f"{tag}: no _sum")


def prom(samples, name, **labels):
    for (nm, lb), v in samples.items():
        if nm == name and dict(lb) == labels:
            return v
    return None


# the labels of docker's runc containers (docs/metrics.md, "Metrics and labels")
RUNC_DOCKER = {"container_runtime": "runc", "engine": "docker"}


def check_prom(path, recs, restarts, n):
    """Sane histograms, same counts and sums as the records."""
    samples = prom_samples(path)
    check_prom_histograms(samples)
    check(prom(samples, "coldtrace_restart_duration_seconds_count",
               **RUNC_DOCKER) == n, "metrics.prom restart count != restarts")
    s = prom(samples, "coldtrace_restart_duration_seconds_sum", **RUNC_DOCKER)
    check(s is not None and
          abs(s - sum(r["dur_ns"] for r in restarts) / 1e9) < 1e-6,
          f"metrics.prom restart sum {s} != restarts.jsonl")
    check(prom(samples, "coldtrace_containers_total", **RUNC_DOCKER) ==
          len(recs), "metrics.prom containers_total != records")
    for p, vals in phase_durations(recs).items():
        if not vals:
            continue
        check(prom(samples, "coldtrace_phase_duration_seconds_count",
                   **RUNC_DOCKER, phase=p) == len(vals),
              f"metrics.prom {p} count != records")
        s = prom(samples, "coldtrace_phase_duration_seconds_sum",
                 **RUNC_DOCKER, phase=p)
        check(s is not None and abs(s - sum(vals) / 1e9) < 1e-6,
              f"metrics.prom {p} sum {s} != records")


def cmd_restart(a):
    """The export files agree with each other and with the -j records."""
    d = a.dir
    recs = jsonl(f"{d}/containers.jsonl", "container")
    restarts = jsonl(f"{d}/restarts.jsonl", "restart")
    with open(a.walls, encoding="utf-8") as f:
        walls = [tuple(map(int, l.split())) for l in f if l.strip()]
    check_generations(recs, jsonl(a.out, "container"), a.id, a.n)
    check_restart_windows(restarts, walls, a.id, a.n)
    check_summary(json.load(open(f"{d}/summary.json")), recs, restarts)
    check_csv(f"{d}/phases.csv", recs)
    check_trace(f"{d}/trace.json", recs)
    check_otlp(f"{d}/otlp-traces.jsonl", recs)
    check_prom(f"{d}/metrics.prom", recs, restarts, a.n)



def cmd_otlp(a):
    """Every container and pod record of DIR is a trace of its phases."""
    recs = [r for t in ("container", "pod")
            for r in jsonl(f"{a.dir}/containers.jsonl", t)]
    check_otlp(f"{a.dir}/otlp-traces.jsonl", recs)
    if not errors:
        print(f"otlp: {len(recs)} records, each a trace of its phases")


def cmd_files(a):
    """DIR's phases.csv, trace.json and OTLP say what containers.jsonl says
    (phases, and creations apart)."""
    recs = [r for t in ("container", "pod")
            for r in jsonl(f"{a.dir}/containers.jsonl", t)]
    check_csv(f"{a.dir}/phases.csv", recs)
    check_trace(f"{a.dir}/trace.json", recs)
    check_otlp(f"{a.dir}/otlp-traces.jsonl", recs)
    if not errors:
        print(f"files: {len(recs)} records, "
              f"{sum('created' in r for r in recs)} created apart, "
              "the same in phases.csv, trace.json, otlp")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("single", help="one container record")
    s.add_argument("--out", required=True)
    s.add_argument("--id", required=True)
    s.add_argument("--runtime", required=True)
    s.add_argument("--engine", required=True)
    s.add_argument("--exit-code", type=int, default=0)
    s.add_argument("--phases", default="create,start,run,destroy")
    s.add_argument("--t0", type=int)
    s.add_argument("--t1", type=int)
    s.add_argument("--events")
    s.add_argument("--min-share", type=float, default=0.5,
                   help="total_ns at least this share of the command's "
                   "wall time (0: the engine's own work is not followed)")
    s.add_argument("--unarmed", choices=("yes", "no"),
                   help="whether the record must say unarmed")
    s.add_argument("--engine-connect", action="store_true",
                   help="Docker 28: connect from create's end to start, "
                   "holding docker's network connect event (--events); "
                   "phases cover the total")
    s.set_defaults(fn=cmd_single)
    m = sub.add_parser("many", help="one record per id, once each")
    m.add_argument("--out", required=True)
    m.add_argument("--ids", required=True)
    m.add_argument("--runtime", required=True)
    m.add_argument("--engine", required=True)
    m.add_argument("--phases", default="create,start,run,destroy")
    m.add_argument("--t0", type=int)
    m.add_argument("--t1", type=int)
    m.add_argument("--engine-connect", action="store_true",
                   help="Docker 28: phases cover each total")
    m.set_defaults(fn=cmd_many)
    fl = sub.add_parser("files", help="-o DIR's files vs containers.jsonl")
    fl.add_argument("--dir", required=True, help="the -o DIR")
    fl.set_defaults(fn=cmd_files)
    r = sub.add_parser("restart", help="restart.sh: -o files vs records")
    r.add_argument("--dir", required=True, help="the -o DIR")
    r.add_argument("--out", required=True, help="coldtrace's -j stdout")
    r.add_argument("--id", required=True)
    r.add_argument("--n", type=int, required=True, help="restarts run")
    r.add_argument("--walls", required=True,
                   help="'t0 t1' per docker restart call")
    r.set_defaults(fn=cmd_restart)
    o = sub.add_parser("otlp", help="otlp-traces.jsonl vs containers.jsonl")
    o.add_argument("--dir", required=True, help="the -o DIR")
    o.set_defaults(fn=cmd_otlp)
    a = ap.parse_args()
    # Set by lib.sh when other container daemons run on this host.
    a.foreign_ok = os.environ.get("CT_FOREIGN_OK") == "1"
    a.fn(a)
    for e in errors:
        print(f"FAIL: {e}", file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
