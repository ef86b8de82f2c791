# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Results table of tools/experiments/libload.
# Usage: python3 table.py OUT CONDITION-DIR...
# Each condition dir holds condition.json, stdout.jsonl (coldtrace -j),
# cids (our container ids, one a line) and load.*.json (what each
# container measured).  Only records whose id is in cids count: coldtrace
# traces the whole host, other people's containers may show up.
# Writes OUT/table.md, OUT/table.csv and OUT/ratios.csv.
import csv
import glob
import json
import os
import statistics
import sys


def median(xs):
    return statistics.median(xs) if xs else 0


def records(d, ids):
    recs = {}
    with open(os.path.join(d, "stdout.jsonl")) as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if r.get("type") == "container" and r.get("id") in ids:
                recs[r["id"]] = r
    return recs


def loads(d):
    out = []
    for p in sorted(glob.glob(os.path.join(d, "load.*.json"))):
        with open(p) as f:
            for line in f:
                if line.startswith("{"):
                    out.append(json.loads(line))
    return out


# Time a container spent in opens, estimated from its log2 buckets (each
# open counted at its bucket's midpoint: within -33 %..+50 % per open).
def open_time_ms(o):
    return sum(b["count"] * (b["low"] + b["high"]) / 2
               for b in o.get("buckets", [])) / 1e6


def row(d):
    cond = json.load(open(os.path.join(d, "condition.json")))
    ids = {x.strip() for x in open(os.path.join(d, "cids")) if x.strip()}
    recs = records(d, ids)
    ld = loads(d)
    op = [r.get("opens", {}) for r in recs.values()]
    go = [r.get("gofer_opens", {}) for r in recs.values()]
    run = [r["phases"]["run"]["dur_ns"] for r in recs.values()
           if "run" in r.get("phases", {})]
    lms = [x["load_ns"] / 1e6 for x in ld]
    return {
        "runtime": cond["runtime"],
        "concurrency": cond["concurrency"],
        "containers": len(ids),
        "traced": len(recs),
        "load_p50_ms": median(lms),
        "load_min_ms": min(lms) if lms else 0,
        "load_max_ms": max(lms) if lms else 0,
        "files_loaded": median([x["files"] for x in ld]),
        "opens_per_container": median([o.get("count", 0) for o in op]),
        "failed_per_container": median([o.get("failed", 0) for o in op]),
        "open_p50_us": median([o.get("p50_ns", 0) for o in op]) / 1e3,
        "open_p99_us": median([o.get("p99_ns", 0) for o in op]) / 1e3,
        "open_time_ms": median([open_time_ms(o) for o in op]),
        "gofer_opens_per_container": median([g.get("count", 0) for g in go]),
        "run_p50_ms": median(run) / 1e6,
        "modules_p50_ms": {m: median([x["modules"][m] for x in ld
                                      if m in x.get("modules", {})]) / 1e6
                           for m in (ld[0].get("modules", {}) if ld else {})},
    }


def ratios(rows):
    by = {(r["runtime"], r["concurrency"]): r for r in rows}
    out = []
    for (rt, c), r in sorted(by.items(), key=lambda k: (k[0][1], k[0][0])):
        base = by.get(("runc", c))
        if rt == "runc" or not base:
            continue
        div = lambda a, b: a / b if b else 0.0
        out.append({"runtime": rt, "concurrency": c,
                    "open_p50_ratio": div(r["open_p50_us"], base["open_p50_us"]),
                    "open_p99_ratio": div(r["open_p99_us"], base["open_p99_us"]),
                    "load_ratio": div(r["load_p50_ms"], base["load_p50_ms"])})
    return out


# Per-module times become columns "<module>_ms" of the CSV.
def flat(r):
    out = {k: v for k, v in r.items() if k != "modules_p50_ms"}
    for m, v in r.get("modules_p50_ms", {}).items():
        out[m + "_ms"] = v
    return out


def write_csv(path, rows):
    if not rows:
        open(path, "w").close()
        return
    rows = [flat(r) for r in rows]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)


def write_modules_md(f, rows):
    mods = list(rows[0].get("modules_p50_ms", {}).keys()) if rows else []
    if not mods:
        return
    f.write("\n| runtime | at once | " +
            " | ".join(f"require('{m}') p50 ms" for m in mods) + " |\n")
    f.write("|" + " --- |" * (2 + len(mods)) + "\n")
    for r in rows:
        f.write(f'| {r["runtime"]} | {r["concurrency"]} | ' +
                " | ".join(f'{r["modules_p50_ms"].get(m, 0):.0f}'
                           for m in mods) + " |\n")


def write_md(path, rows, rat):
    with open(path, "w") as f:
        f.write("| runtime | at once | containers (traced) | module load p50 ms "
                "(min-max) | files loaded | opens / container | failed | "
                "open p50 us | open p99 us | time in opens ms (est.) | "
                "gofer opens / container | "
                "run phase p50 ms |\n")
        f.write("|" + " --- |" * 12 + "\n")
        for r in rows:
            f.write(f'| {r["runtime"]} | {r["concurrency"]} | '
                    f'{r["containers"]} ({r["traced"]}) | '
                    f'{r["load_p50_ms"]:.0f} ({r["load_min_ms"]:.0f}-'
                    f'{r["load_max_ms"]:.0f}) | {r["files_loaded"]:.0f} | '
                    f'{r["opens_per_container"]:.0f} | '
                    f'{r["failed_per_container"]:.0f} | '
                    f'{r["open_p50_us"]:.1f} | {r["open_p99_us"]:.1f} | '
                    f'{r["open_time_ms"]:.0f} | '
                    f'{r["gofer_opens_per_container"]:.0f} | '
                    f'{r["run_p50_ms"]:.0f} |\n')
        write_modules_md(f, rows)
        if not rat:
            return
        f.write("\n| runtime / runc | at once | open p50 | open p99 | "
                "module load |\n| --- | --- | --- | --- | --- |\n")
        for x in rat:
            f.write(f'| {x["runtime"]} / runc | {x["concurrency"]} | '
                    f'{x["open_p50_ratio"]:.1f}x | {x["open_p99_ratio"]:.1f}x | '
                    f'{x["load_ratio"]:.1f}x |\n')


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: table.py OUT CONDITION-DIR...")
    out = sys.argv[1]
    rows = [row(d) for d in sys.argv[2:]]
    rat = ratios(rows)
    write_csv(os.path.join(out, "table.csv"), rows)
    write_csv(os.path.join(out, "ratios.csv"), rat)
    write_md(os.path.join(out, "table.md"), rows, rat)


main()
