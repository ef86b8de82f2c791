#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""The chain experiment's tables (tools/experiments/chain): per runtime and
mode, the runner's own wall times beside coldtrace's chains (matched by the
runner's pid), then the what-if's predicted saving against the saving the
pre-warmed rounds measured.  Writes OUT/table.md, OUT/table.csv and
OUT/steps.dat (the figure's data); prints table.md.
    table.py OUT RUNTIME,... MODE,...
"""
import json
import os
import statistics
import sys


def lines(path, kind=None):
    out = []
    with open(path) as f:
        for ln in f:
            ln = ln.strip()
            if not ln.startswith("{"):
                continue
            o = json.loads(ln)
            if kind is None or o.get("type") == kind:
                out.append(o)
    return out


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def cond(out, rt, mode):
    d = os.path.join(out, f"{rt}-{mode}")
    runs = lines(os.path.join(d, "runner.jsonl"))
    chains = {c["runner"]["pid"]: c
              for c in lines(os.path.join(d, "stdout.jsonl"), "chain")}
    rows = []
    for r in runs:
        c = chains.get(r["runner_pid"])
        rows.append((r, c))
    return rows


def s(ns):
    return ns / 1e9


def summarize(rows):
    got = [(r, c) for r, c in rows if c]
    res = {
        "rounds": len(rows),
        "chains": len(got),
        "steps": sorted({len(c["steps"]) for _, c in got}),
        "runner_wall": med([s(r["wall_ns"]) for r, _ in rows]),
        "chain_wall": med([s(c["wall_ns"]) for _, c in got]),
        "wall_ratio": med([c["wall_ns"] / r["wall_ns"] for r, c in got]),
        "cold_path": med([s(c["cold_start_ns"]) for _, c in got]),
        "share": med([float(c["cold_start_share"]) for _, c in got]),
        "whatif": med([s(c["whatif_saving_ns"]) for _, c in got]),
        "parallel": sum(1 for _, c in got if c["parallel"]),
        "warm": sum(1 for _, c in got for st in c["steps"] if st.get("warm")),
        "nsteps": sum(len(c["steps"]) for _, c in got),
    }
    nst = max(res["steps"]) if res["steps"] else 0
    res["step_cold"] = [med([s(c["steps"][k]["cold_start_ns"])
                             for _, c in got if len(c["steps"]) > k])
                        for k in range(nst)]
    res["step_work"] = [med([s(c["steps"][k]["work_ns"])
                             for _, c in got if len(c["steps"]) > k])
                        for k in range(nst)]
    return res


def main():
    out, rts, modes = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
    res = {(rt, m): summarize(cond(out, rt, m)) for rt in rts for m in modes}
    md = ["| runtime | mode | rounds | chains (steps) | runner wall p50 s | "
          "chain wall p50 s | chain/runner | cold start on path p50 s | "
          "cold-start share | what-if saving p50 s | cold per step p50 s |",
          "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: "
          "| --- |"]
    csv = ["runtime,mode,rounds,chains,runner_wall_s,chain_wall_s,"
           "chain_over_runner,cold_path_s,share,whatif_s,warm_steps,steps"]
    dat = ["# runtime-mode step cold_s work_s"]
    for (rt, m), r in res.items():
        steps = "/".join(str(x) for x in r["steps"]) or "-"
        par = f", {r['parallel']} parallel" if r["parallel"] else ""
        par += f", {r['warm']}/{r['nsteps']} warm" if r["warm"] else ""
        md.append(f"| {rt} | {m} | {r['rounds']} | {r['chains']} "
                  f"({steps}{par}) | {r['runner_wall']:.3f} | "
                  f"{r['chain_wall']:.3f} | {r['wall_ratio']:.3f} | "
                  f"{r['cold_path']:.3f} | {r['share']:.3f} | "
                  f"{r['whatif']:.3f} | "
                  + " / ".join(f"{x:.3f}" for x in r["step_cold"]) + " |")
        csv.append(f"{rt},{m},{r['rounds']},{r['chains']},"
                   f"{r['runner_wall']:.6f},{r['chain_wall']:.6f},"
                   f"{r['wall_ratio']:.6f},{r['cold_path']:.6f},"
                   f"{r['share']:.6f},{r['whatif']:.6f},{r['warm']},"
                   f"{r['nsteps']}")
        for k, (c, w) in enumerate(zip(r["step_cold"], r["step_work"])):
            dat.append(f"{rt}-{m} {k + 1} {c:.6f} {w:.6f}")
    md += ["", "| runtime | cold - warm (runner) s | measured saving: cold - "
           "prewarm (runner) s | predicted: what-if of the cold chains s | "
           "predicted / measured |", "| --- | ---: | ---: | ---: | ---: |"]
    for rt in rts:
        c, w, p = (res.get((rt, m)) for m in ("cold", "warm", "prewarm"))
        if not (c and w and p):
            continue
        meas = c["runner_wall"] - p["runner_wall"]
        ratio = c["whatif"] / meas if meas > 0 else float("nan")
        md.append(f"| {rt} | {c['runner_wall'] - w['runner_wall']:.3f} | "
                  f"{meas:.3f} | {c['whatif']:.3f} | {ratio:.2f} |")
    for name, text in (("table.md", md), ("table.csv", csv),
                       ("steps.dat", dat)):
        with open(os.path.join(out, name), "w") as f:
            f.write("\n".join(text) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
