#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""The table and the figure of tools/experiments/cold-paths.

  table.py DIR

Reads DIR/lazy-APP-FAT/summary.tsv (start-files-lazy.d/table.py's) and
DIR/restore-APP-FAT/summary.tsv (restore-vs-cold.d/table.py's); prints
two Markdown tables (lazy pulls; restores), each cell "median
(min-max)", and writes DIR/cold-paths.dat and DIR/cold-paths.gp, a
gnuplot script drawing DIR/cold-paths.png: per image, the client's
median time from the pull's start to the service's answer for (a)-(c)
far and near, and from the command to the first beat for a cold start
and the restores under Podman.
"""
import csv
import glob
import os
import re
import sys

LAZY = [("sfl-full", "(a) normal pull"), ("sfl-nolist", "(b) lazy pull"),
        ("sfl-list", "(c) lazy pull + list")]
RESTORE = [("cold", "cold start"), ("in-place", "(d) restore in place"),
           ("import", "(d) restore --import")]


def cells(d, key, scale=1.0):
    med, lo, hi = (d.get("%s_%s" % (key, s), "") for s in ("med", "min",
                                                             "max"))
    if med == "":
        return "-", None
    med, lo, hi = (float(x) * scale for x in (med, lo, hi))
    fmt = "%.2f" if med < 10 else "%.0f"
    return ("%s (%s-%s)" % (fmt % med, fmt % lo, fmt % hi)), med


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def cells_of(top, kind):
    out = []
    for d in glob.glob(os.path.join(top, kind + "-*-*")):
        m = re.fullmatch(kind + r"-(\w+)-(\d+)", os.path.basename(d))
        if m and os.path.exists(os.path.join(d, "summary.tsv")):
            out.append((m.group(1), int(m.group(2)),
                        read(os.path.join(d, "summary.tsv"))))
    return sorted(out, key=lambda c: (c[0] != "python", c[1]))


def image(app, fat):
    return "%s %s" % ("Python" if app == "python" else "Node.js",
                      "slim" if fat == 0 else "fat (+%d MiB)" % fat)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    top = sys.argv[1]
    bars = []  # (image, label, seconds)
    print("## Lazy pulls (containerd 1.6, stargz snapshotter 0.12)\n")
    print("| image | registry | condition | runs | pull s | pull MB |"
          " ctr run -> answer ms | pull + answer s | coldtrace cold start"
          " ms | prepare ms | create ms | start ms | ready ms |"
          " fetched in the run MB | FUSE wait ms | of it after ready ms |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
          " ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for app, fat, rows in cells_of(top, "lazy"):
        for delay in ("0", "50"):
            for img, label in LAZY:
                r = [x for x in rows
                     if x["delay_ms"] == delay and x["image"] == img]
                if not r:
                    continue
                r = r[0]
                c = [cells(r, k)[0] for k in (
                    "pull_s", "pull_mb", "answer_ms", "total_s",
                    "cold_start_ms", "prepare_ms", "create_ms", "start_ms",
                    "ready_ms", "run_mb", "fuse_wait_ms", "fuse_after_ms")]
                far = "far (50 ms)" if delay == "50" else "near"
                print("| %s | %s | %s | %s | %s |" % (
                    image(app, fat), far, label, r["n"], " | ".join(c)))
                bars.append(("%s, %s" % (image(app, fat), far), label,
                             cells(r, "total_s")[1]))
    print("\n## Restores (Podman 5.8, CRIU 4.2.1, crun; the image local)\n")
    print("| image | condition | runs (records) | command -> first beat ms |"
          " coldtrace cold start ms | create ms | CRIU ms |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    for app, fat, rows in cells_of(top, "restore"):
        for cond, label in RESTORE:
            r = [x for x in rows if x["condition"] == cond]
            if not r:
                continue
            r = r[0]
            c = [cells(r, k)[0] for k in ("wall", "cold", "create", "criu")]
            print("| %s | %s | %s (%s) | %s |" % (
                image(app, fat), label, r["n"], r["records"], " | ".join(c)))
            bars.append(("%s, Podman" % image(app, fat), label,
                         cells(r, "wall", 1e-3)[1]))
    print("\nmedian (min-max)")
    write_plot(top, bars)


def write_plot(top, bars):
    groups = []
    for g, _, _ in bars:
        if g not in groups:
            groups.append(g)
    labels = [l for _, l in LAZY + RESTORE]
    with open(os.path.join(top, "cold-paths.dat"), "w") as f:
        f.write("group\t" + "\t".join('"%s"' % l for l in labels) + "\n")
        for g in groups:
            v = {l: s for gg, l, s in bars if gg == g}
            f.write('"%s"\t' % g + "\t".join(
                "%.3f" % v[l] if v.get(l) is not None else "-"
                for l in labels) + "\n")
    cols = " , ".join("'cold-paths.dat' using %d:xtic(1) title columnhead"
                      % (i + 2) for i in range(len(labels)))
    with open(os.path.join(top, "cold-paths.gp"), "w") as f:
        f.write("""# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
cd '%s'
set terminal pngcairo size 1400,700 font ',10'
set output 'cold-paths.png'
set title 'Cold start by path: client wall clock, median (s)'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set datafile separator '\\t'
set datafile missing '-'
set ylabel 'seconds: pull start to answer (a-c); command to first beat (Podman)'
set xtics rotate by -25
set key outside right top
set bmargin 9
set yrange [0:*]
set grid ytics
plot %s
""" % (os.path.abspath(top), cols))


if __name__ == "__main__":
    main()
