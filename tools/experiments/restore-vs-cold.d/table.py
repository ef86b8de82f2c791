# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""The table of tools/experiments/restore-vs-cold.

  python3 table.py RUNS.tsv RECORDS.jsonl [SUMMARY.tsv]

Joins each run (condition, number, the client's t0 and the service's
first beat, ns) with coldtrace's record of the container of that name
(cold-N, import-N, in-place-N; of a restore, its record marked
"restore", not the checkpointed one's of the same name) and prints, per condition, the median, min and max
of: the client's wall clock to the first beat, coldtrace's
cold_start_ns, create, CRIU's part (restores) and ready (cold starts),
in ms, with how many runs had a record.  SUMMARY.tsv: the same as
columns KEY_med, KEY_min, KEY_max per condition (tools/experiments/
cold-paths reads it).
"""
import json
import statistics
import sys


def cells(vals):
    if not vals:
        return "-"
    return "%.0f (%.0f-%.0f)" % (statistics.median(vals), min(vals), max(vals))


def main():
    runs = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
    recs = {}
    for line in open(sys.argv[2]):
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r.get("type") == "container" and r.get("name"):
            recs[(r["name"], r.get("restore") is not None)] = r
    rows = {}
    for cond, n, t0, t1 in runs:
        row = rows.setdefault(cond, {"wall": [], "cold": [], "create": [],
                                     "criu": [], "ready": [], "n": 0,
                                     "rec": 0})
        row["n"] += 1
        row["wall"].append((int(t1) - int(t0)) / 1e6)
        r = recs.get(("%s-%s" % (cond, n), cond != "cold"))
        if not r:
            continue
        row["rec"] += 1
        ph = r.get("phases", {})
        if r.get("cold_start_ns"):
            row["cold"].append(r["cold_start_ns"] / 1e6)
        if (ph.get("create") or {}).get("dur_ns"):
            row["create"].append(ph["create"]["dur_ns"] / 1e6)
        if (ph.get("ready") or {}).get("dur_ns"):
            row["ready"].append(ph["ready"]["dur_ns"] / 1e6)
        if (r.get("restore") or {}).get("criu_ns"):
            row["criu"].append(r["restore"]["criu_ns"] / 1e6)
    print("| condition | runs (with a record) | client: command to first beat, ms |"
          " coldtrace cold_start_ns, ms | create, ms | CRIU, ms | ready, ms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for cond in sorted(rows):
        r = rows[cond]
        print("| %s | %d (%d) | %s | %s | %s | %s | %s |" % (
            cond, r["n"], r["rec"], cells(r["wall"]), cells(r["cold"]),
            cells(r["create"]), cells(r["criu"]), cells(r["ready"])))
    print("\nmedian (min-max)")
    if len(sys.argv) > 3:
        write_tsv(sys.argv[3], rows)


KEYS = ["wall", "cold", "create", "criu", "ready"]


def write_tsv(path, rows):
    with open(path, "w") as out:
        out.write("\t".join(["condition", "n", "records"] +
                            ["%s_%s" % (k, s) for k in KEYS
                             for s in ("med", "min", "max")]) + "\n")
        for cond in sorted(rows):
            r, cols = rows[cond], []
            for k in KEYS:
                v = r[k]
                cols += (["%.6g" % statistics.median(v), "%.6g" % min(v),
                          "%.6g" % max(v)] if v else ["", "", ""])
            out.write("\t".join([cond, str(r["n"]), str(r["rec"])] + cols)
                      + "\n")


if __name__ == "__main__":
    main()
