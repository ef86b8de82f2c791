#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# One container restarted 20 times with `docker restart` (same id) under
# coldtrace -o DIR: 21 generations, 20 restarts (summary.json
# runtimes.runc.restart.n), each restart window inside the wall-clock span
# of its own `docker restart` call; the export files (containers.jsonl,
# restarts.jsonl, phases.csv, summary.json, metrics.prom, trace.json)
# parse and agree with each other and with the -j records.
. "$(dirname "$0")/lib.sh"

n=${CT_RESTARTS:-20}
# A service that exits at once on SIGTERM (pid 1 has no default action
# for it), so `docker restart` does not wait for its 10 s stop timeout.
svc='trap "exit 0" TERM; while :; do sleep 1 & wait $!; done'

# Created before tracing so that -c keeps other people's containers on
# this host out of the counts; its first runtime action is `docker start`.
docker create --network none --cidfile "$T/cid" "$CT_IMAGE" sh -c "$svc" >/dev/null ||
	fail "docker create failed"
id=$(cat "$T/cid")
# Each `docker restart` call's wall-clock span: "t0 t1" per line in walls.
# shellcheck disable=SC2016 # expanded by the inner sh
run_ct -r runc -c "$id" -j -o "$T/o" -- sh -c '
	d=$1 id=$2 n=$3
	docker start "$id" >/dev/null || exit 1
	i=0
	while [ $i -lt "$n" ]; do
		i=$((i + 1))
		t0=$(date +%s%N)
		docker restart "$id" >/dev/null || exit 1
		echo "$t0 $(date +%s%N)" >>"$d/walls"
	done
	docker rm -f "$id" >/dev/null' sh "$T" "$id" "$n"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace or the restarts failed (status $CT_RC)"; }
[ "$(grep -c . "$T/walls")" -eq "$n" ] || fail "only $(grep -c . "$T/walls") of $n restarts ran"
for f in containers.jsonl restarts.jsonl phases.csv summary.json metrics.prom trace.json; do
	[ -s "$T/o/$f" ] || { show_output; fail "$f missing or empty in the output dir"; }
done
for f in summary.json trace.json; do
	jq -e . "$T/o/$f" >/dev/null || fail "$f is not valid JSON"
done
for f in containers.jsonl restarts.jsonl; do
	jq -e . "$T/o/$f" >/dev/null || fail "$f is not valid JSON Lines"
done
# Prometheus' own linter, when installed (tools/install-deps.sh does)
if command -v promtool >/dev/null; then
	promtool check metrics <"$T/o/metrics.prom" ||
		fail "promtool check metrics rejects metrics.prom"
fi
got=$(jq -r '.runtimes.runc.restart.n // 0' "$T/o/summary.json")
note "$n restarts: summary.json restart n = $got, p50" \
	"$(jq -r '.runtimes.runc.restart.p50_ns // 0 | . / 1e6 | floor' "$T/o/summary.json") ms;" \
	"docker restart p50 $(awk '{ print int(($2 - $1) / 1e6) }' "$T/walls" | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }') ms"
[ "$got" = "$n" ] || { show_output; fail "summary.json runtimes.runc.restart.n is $got, expected $n"; }

python3 - "$T/o" "$T/out" "$id" "$n" "$T/walls" "$TOP/tests/integration" <<'PY' ||
import csv, json, math, re, sys

out, stdout, cid, n, walls_path, here = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
# the phase list, clock slack and error collection of the other tests
sys.path.insert(0, here)
from check import PHASES, SLACK_NS, check, errors  # noqa: E402


def jsonl(path, typ):
    with open(path, encoding="utf-8") as f:
        objs = [json.loads(l) for l in f if l.strip()]
    return [o for o in objs if isinstance(o, dict) and o.get("type") == typ]


def pct(vals, p):
    """Nearest rank, as user/agg.h defines it."""
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


recs = jsonl(f"{out}/containers.jsonl", "container")
j_recs = jsonl(stdout, "container")
restarts = jsonl(f"{out}/restarts.jsonl", "restart")
summary = json.load(open(f"{out}/summary.json"))

# ---- containers: 21 generations of one container, all complete ----
check(len(recs) == n + 1, f"{len(recs)} container records, expected {n + 1}")
check(all(r["id"] == cid for r in recs), "a record is not our container")
check(all(r.get("runtime") == "runc" and r.get("complete") for r in recs),
      "a generation is not a complete runc record")
check([r["id"] for r in j_recs] == [r["id"] for r in recs] and
      [r["total_ns"] for r in j_recs] == [r["total_ns"] for r in recs],
      "-j records and containers.jsonl differ")

# ---- restarts: each inside its own docker restart call ----
walls = [tuple(map(int, l.split())) for l in open(walls_path) if l.strip()]
check(len(restarts) == n, f"restarts.jsonl has {len(restarts)} restarts, expected {n}")
restarts.sort(key=lambda r: r["start_ns"])
for i, (r, (t0, t1)) in enumerate(zip(restarts, walls), 1):
    d = r["dur_ns"]
    check(r["old_id"] == cid and r["new_id"] == cid and r["runtime"] == "runc",
          f"restart {i}: not a runc restart of {cid[:12]}")
    check(0 < d <= t1 - t0 + SLACK_NS,
          f"restart {i}: {d} ns not in (0, wall {t1 - t0} ns]")
    check(r["start_ns"] >= t0 - SLACK_NS and r["start_ns"] + d <= t1 + SLACK_NS,
          f"restart {i}: window outside its docker restart call")
    excl = sum(p["excl_ns"] for p in r.get("phases", {}).values())
    check(excl <= d, f"restart {i}: exclusive phase time {excl} > {d}")

# ---- summary.json agrees with the records ----
rt = summary.get("runtimes", {}).get("runc", {})
check(rt.get("containers") == len(recs),
      f"summary containers {rt.get('containers')} != {len(recs)}")
check_stats("summary restart", rt.get("restart", {}), [r["dur_ns"] for r in restarts])
phase_vals = {p: [r["phases"][p]["dur_ns"] for r in recs
                  if p in r.get("phases", {}) and "dur_ns" in r["phases"][p]]
              for p in PHASES}
for p in PHASES:
    if phase_vals[p] or p in rt.get("phases", {}):
        check_stats(f"summary {p}", rt.get("phases", {}).get(p, {}), phase_vals[p])

# ---- phases.csv: one row per record, same durations ----
with open(f"{out}/phases.csv", newline="") as f:
    rows = list(csv.DictReader(f))
check(len(rows) == len(recs), f"phases.csv has {len(rows)} rows, expected {len(recs)}")
for i, (row, r) in enumerate(zip(rows, recs), 1):
    check(row["id"] == r["id"] and row["runtime"] == r["runtime"],
          f"phases.csv row {i}: id/runtime differ from containers.jsonl")
    check(round(float(row["total_us"]) * 1000) == r["total_ns"],
          f"phases.csv row {i}: total_us {row['total_us']} != {r['total_ns']} ns")
    for p in PHASES:
        want = r["phases"].get(p, {}).get("dur_ns")
        cell = row.get(f"{p}_us", "")
        if want is None:
            check(cell == "", f"phases.csv row {i}: {p} {cell!r} but no such phase")
        else:
            check(cell != "" and round(float(cell) * 1000) == want,
                  f"phases.csv row {i}: {p}_us {cell!r} != {want} ns")

# ---- trace.json: one complete event per phase of every record ----
trace = json.load(open(f"{out}/trace.json"))
evs = trace["traceEvents"] if isinstance(trace, dict) else trace
xs = [e for e in evs if e.get("ph") == "X" and e.get("cat") == "phase"]
want = sorted((r["id"], p, ph["start_ns"], ph["dur_ns"])
              for r in recs for p, ph in r["phases"].items() if "dur_ns" in ph)
check(len(xs) == len(want), f"trace.json has {len(xs)} phase events, expected {len(want)}")
if want and xs:
    # ts is in µs from an origin: recover it from the earliest phase.
    origin = min(w[2] for w in want) - round(min(e["ts"] for e in xs) * 1000)
    got = sorted((e["args"]["id"], e["name"], origin + round(e["ts"] * 1000),
                  round(e["dur"] * 1000)) for e in xs)
    bad = [(g, w) for g, w in zip(got, want)
           if g[:2] != w[:2] or abs(g[2] - w[2]) > 1 or abs(g[3] - w[3]) > 1]
    check(not bad, f"trace.json phases differ from containers.jsonl, e.g. {bad[:1]}")

# ---- metrics.prom: valid text format, sane histograms, same counts ----
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:%s)(?:,%s)*)?,?\})?'
                    r' ([-+]?(?:[0-9.]+(?:[eE][-+]?[0-9]+)?|Inf|NaN))( -?[0-9]+)?$'
                    % (LABEL, LABEL))
samples = {}
for ln, line in enumerate(open(f"{out}/metrics.prom", encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        check(not line.startswith("# TYPE") or
              re.match(r"^# TYPE \S+ (counter|gauge|histogram|summary|untyped)$", line),
              f"metrics.prom line {ln}: bad TYPE line {line!r}")
        continue
    m = SAMPLE.match(line)
    if not check(m, f"metrics.prom line {ln}: not a valid sample: {line!r}"):
        continue
    labels = tuple(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
    samples[(m.group(1), labels)] = float(m.group(3))

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
    check(vals == sorted(vals), f"{fam}{dict(labels)}: buckets not cumulative")
    check(bs[-1][0] == math.inf, f"{fam}{dict(labels)}: no +Inf bucket")
    check(samples.get((fam + "_count", labels)) == bs[-1][1],
          f"{fam}{dict(labels)}: +Inf bucket != _count")
    check((fam + "_sum", labels) in samples, f"{fam}{dict(labels)}: no _sum")


def prom(name, **labels):
    for (nm, lb), v in samples.items():
        if nm == name and dict(lb) == labels:
            return v
    return None


check(prom("coldtrace_restart_duration_seconds_count", runtime="runc") == n,
      "metrics.prom restart count != restarts")
s = prom("coldtrace_restart_duration_seconds_sum", runtime="runc")
check(s is not None and abs(s - sum(r["dur_ns"] for r in restarts) / 1e9) < 1e-6,
      f"metrics.prom restart sum {s} != restarts.jsonl")
check(prom("coldtrace_containers_total", runtime="runc") == len(recs),
      "metrics.prom containers_total != records")
for p in PHASES:
    if not phase_vals[p]:
        continue
    check(prom("coldtrace_phase_duration_seconds_count", runtime="runc", phase=p)
          == len(phase_vals[p]), f"metrics.prom {p} count != records")
    s = prom("coldtrace_phase_duration_seconds_sum", runtime="runc", phase=p)
    check(s is not None and abs(s - sum(phase_vals[p]) / 1e9) < 1e-6,
          f"metrics.prom {p} sum {s} != records")

for e in errors:
    print("FAIL:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
	fail "export files disagree (see FAIL lines above)"
