#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Medians, min and max of tools/experiments/start-files-lazy's runs.

  table.py RUNS.tsv SUMMARY.tsv

Per registry delay and condition: pull (s), the layer's requests and MB
during the pull and the run, coldtrace's ready and cold start (ms), the
client's wall clock from `ctr run`'s exec to the service's answer (ms),
and pull + that answer (s).  Writes SUMMARY.tsv (median, min, max
columns) and prints a Markdown table of "median (min-max)".
"""
import csv
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
]


def fmt(v):
    if float(v).is_integer() or v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
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
