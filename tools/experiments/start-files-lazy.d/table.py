#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Medians, min and max of tools/experiments/start-files-lazy's runs.

  table.py RUNS.tsv SUMMARY.tsv

Per registry delay and condition: pull (s), the layer's requests and MB
during the pull and the run, coldtrace's ready and cold start (ms), the
client's wall clock from `ctr run`'s exec to the service's answer (ms),
pull + that answer (s), and from coldtrace's record (RUNS.tsv's dir
runs/DELAY-IMAGE-REP/records.jsonl, the container named in its id file)
its prepare, create and start (ms), and the time its threads had a
FUSE request in flight, in all and after ready (ms; 0 without FUSE: a
normal pull).  Writes SUMMARY.tsv (median, min, max
columns) and prints a Markdown table of "median (min-max)".
"""
import csv
import json
import os
import statistics
import sys

ORDER = ["sfl-full", "sfl-nolist", "sfl-list"]
COLS = [  # key, heading, from a row
    ("pull_s", "pull s", lambda r: float(r["pull_s"])),
    ("pull_reqs", "pull requests", lambda r: int(r["pull_reqs"])),
    ("pull_mb", "pull MB", lambda r: int(r["pull_bytes"]) / 1e6),
    ("ready_ms", "ready ms (coldtrace)", lambda r: int(r["ready_ns"]) / 1e6),
    ("cold_start_ms", "cold start ms (coldtrace)",
     lambda r: int(r["cold_start_ns"]) / 1e6),
    ("answer_ms", "client: ctr run -> answer ms",
     lambda r: int(r["answer_ns"]) / 1e6),
    ("run_reqs", "run requests", lambda r: int(r["run_reqs"])),
    ("run_mb", "run MB", lambda r: int(r["run_bytes"]) / 1e6),
    ("total_s", "pull + answer s",
     lambda r: float(r["pull_s"]) + int(r["answer_ns"]) / 1e9),
    ("prepare_ms", "prepare ms", lambda r: phase(r, "prepare")),
    ("create_ms", "create ms", lambda r: phase(r, "create")),
    ("start_ms", "start ms", lambda r: phase(r, "start")),
    ("fuse_wait_ms", "FUSE wait ms (coldtrace)",
     lambda r: (record(r).get("fuse") or {}).get("wait_ns", 0) / 1e6),
    ("fuse_after_ms", "of it after ready ms",
     lambda r: (record(r).get("fuse") or {}).get("wait_after_ready_ns", 0)
     / 1e6),
]
RUNS_DIR = "."
RECORDS = {}


def record(r):
    """coldtrace's record of the run's container."""
    d = os.path.join(RUNS_DIR, "runs",
                     "%s-%s-%s" % (r["delay_ms"], r["image"], r["rep"]))
    if d not in RECORDS:
        cid = open(os.path.join(d, "id")).read().strip()
        for line in open(os.path.join(d, "records.jsonl")):
            rec = json.loads(line)
            if rec.get("type") == "container" and rec.get("id") == cid:
                RECORDS[d] = rec
                break
        else:
            sys.exit("no record of %s in %s" % (cid, d))
    return RECORDS[d]


def phase(r, name):
    """A phase's duration (ms) in the run's record."""
    return ((record(r).get("phases") or {}).get(name) or {}).get(
        "dur_ns", 0) / 1e6


def fmt(v):
    if float(v).is_integer() or v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def main():
    global RUNS_DIR
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    RUNS_DIR = os.path.dirname(os.path.abspath(sys.argv[1]))
    groups = {}
    with open(sys.argv[1], newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            groups.setdefault((int(r["delay_ms"]), r["image"]), []).append(r)
    with open(sys.argv[2], "w") as out:
        out.write("\t".join(["delay_ms", "image", "n"] +
                            [f"{k}_{s}" for k, _, _ in COLS
                             for s in ("med", "min", "max")]) + "\n")
        print("| delay | image | n | " +
              " | ".join(h for _, h, _ in COLS) + " |")
        print("| ---: | --- | ---: |" + " ---: |" * len(COLS))
        for (delay, img), rows in sorted(groups.items(),
                                         key=lambda kv: (-kv[0][0], ORDER.index(kv[0][1]))):
            cells, tsv = [], []
            for _, _, get in COLS:
                v = [get(r) for r in rows]
                med, lo, hi = statistics.median(v), min(v), max(v)
                tsv += [f"{med:.6g}", f"{lo:.6g}", f"{hi:.6g}"]
                cells.append(f"{fmt(med)} ({fmt(lo)}–{fmt(hi)})")
            out.write("\t".join([str(delay), img, str(len(rows))] + tsv) + "\n")
            print(f"| {delay} ms | {img} | {len(rows)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
