#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# `coldtrace compare` held to independent truth: R's wilcox.test() (the
# Hodges-Lehmann shift, its interval, W and p, exact and normal) and
# p.adjust("BH"), SciPy's mannwhitneyu() (U and p), and numpy's medians,
# on seeded random runs written as containers.jsonl: small and large
# samples, with and without ties, with a shift and without, and records
# that every statistic keeps out (failed, partial, unarmed) mixed in and
# counted.  Everything to 1e-9 relative; an interval's ends to 1e-9 of
# the samples' size (R finds the normal interval's ends with uniroot(),
# whose tolerance is 1e-4 ns).
#
# Usage: tests/compare_truth.py [COLDTRACE]   (Debian's python3: SciPy)
import json
import os
import random
import subprocess
import sys
import tempfile

import numpy
from scipy.stats import mannwhitneyu

COLDTRACE = sys.argv[1] if len(sys.argv) > 1 else "./coldtrace"
PHASES = ["create", "connect", "start"]
CASES = 60
TOL = 1e-9


def record(rng, phases, keep_out=None):
    t = 1_700_000_000_000_000_000 + rng.randrange(10**12)
    rec = {"type": "container", "id": "%016x" % rng.getrandbits(64),
           "runtime": "runc", "engine": "docker", "complete": True,
           "start_ns": t, "phases": {}}
    for name, dur in phases.items():
        rec["phases"][name] = {"start_ns": t, "dur_ns": dur}
        t += dur
    rec["total_ns"] = t - rec["start_ns"]
    rec["cold_start_ns"] = None
    if keep_out == "failed":
        rec["failed"] = "create"
    elif keep_out == "partial":
        rec["partial"] = "started before the session"
    elif keep_out == "unarmed":
        rec["unarmed"] = True
    return rec


def draw(rng, n, shift, ties):
    vals = []
    for _ in range(n):
        v = rng.lognormvariate(18.4, 0.3) + shift
        vals.append(int(round(v / 1e6) * 1e6) if ties else int(v))
    return vals


def write_side(path, rng, n, shifts, ties, extra):
    truth = {p: draw(rng, n, shifts.get(p, 0), ties) for p in PHASES}
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps(record(rng, {p: truth[p][i] for p in PHASES})) + "\n")
        for k in extra:     # kept out, counted
            f.write(json.dumps(record(rng, {p: 1 for p in PHASES}, k)) + "\n")
        f.write(json.dumps({"type": "summary"}) + "\n")
    return truth


def r_truth(pairs):
    """R's numbers for each (a, b): HL, CI, W, p; then BH over all p."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        for a, b in pairs:
            f.write(" ".join(map(str, a)) + "\n" + " ".join(map(str, b)) + "\n")
        name = f.name
    script = r'''
l <- readLines(commandArgs(TRUE)[1]); out <- NULL
for (i in seq(1, length(l), 2)) {
  a <- as.numeric(strsplit(l[i], " ")[[1]]); b <- as.numeric(strsplit(l[i + 1], " ")[[1]])
  w <- suppressWarnings(wilcox.test(b, a, conf.int = TRUE))
  exact <- length(a) < 50 && length(b) < 50 && length(unique(c(a, b))) == length(c(a, b))
  ci <- if (exact && qwilcox(0.025, length(b), length(a)) == 0) c(NA, NA) else w$conf.int
  out <- rbind(out, c(median(outer(b, a, "-")), ci, w$statistic, w$p.value))
}
out <- cbind(out, p.adjust(out[, 5], "BH"))
write.table(format(out, digits = 17), sep = " ", quote = FALSE, row.names = FALSE, col.names = FALSE)
'''
    res = subprocess.run(["Rscript", "-e", script, name], capture_output=True,
                         text=True, check=True)
    os.unlink(name)
    return [[float("nan") if x == "NA" else float(x) for x in line.split()]
            for line in res.stdout.splitlines()]


def close(got, want, scale, what):
    if want != want:    # R's NA
        assert got is None, "%s: R has no interval, coldtrace %r" % (what, got)
        return
    err = abs(got - want) / max(abs(want), scale)
    assert err <= TOL, "%s: coldtrace %r, truth %r (%.3g)" % (what, got, want, err)


def one_case(rng, tmp, case):
    na, nb = rng.choice([3, 5, 8, 12, 20, 30, 49, 60, 120]), \
        rng.choice([3, 4, 7, 12, 20, 35, 49, 55, 90])
    ties = rng.random() < 0.35
    shifts = {"create": rng.choice([0, 0, 20e6, 80e6])}
    extra_a = rng.sample(["failed", "partial", "unarmed"], rng.randrange(4))
    a = write_side(os.path.join(tmp, "a.jsonl"), rng, na, {}, ties, extra_a)
    b = write_side(os.path.join(tmp, "b.jsonl"), rng, nb, shifts, ties, [])
    out = subprocess.run([COLDTRACE, "compare", "-j", os.path.join(tmp, "a.jsonl"),
                          os.path.join(tmp, "b.jsonl")], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    side_a = lines[0]
    for k in ("failed", "partial", "unarmed"):
        assert side_a[k] == extra_a.count(k), (k, side_a)
    rows = [x for x in lines if x["type"] == "compare"]
    metric = {r["metric"]: r for r in rows}
    pairs = []
    for r in rows:
        if r["metric"] in PHASES:
            pairs.append((a[r["metric"]], b[r["metric"]]))
        else:       # total: the phases back to back
            pairs.append(([sum(x) for x in zip(*(a[p] for p in PHASES))],
                          [sum(x) for x in zip(*(b[p] for p in PHASES))]))
    truth = r_truth(pairs)
    for r, (va, vb), t in zip(rows, pairs, truth):
        what = "case %d %s (n %d, %d, ties %s)" % (case, r["metric"], na, nb, ties)
        scale = max(map(abs, va + vb))
        assert (r["n_a"], r["n_b"]) == (len(va), len(vb)), what
        close(r["median_a_ns"], numpy.median(va), 0, what + " median A")
        close(r["median_b_ns"], numpy.median(vb), 0, what + " median B")
        close(r["shift_ns"], t[0], 0, what + " HL shift")
        close(r["ci_lo_ns"], t[1], scale, what + " CI low")
        close(r["ci_hi_ns"], t[2], scale, what + " CI high")
        close(r["u"], t[3], 0, what + " W")
        close(r["p"], t[4], 1e-300, what + " p (R)")
        close(r["q"], t[5], 1e-300, what + " BH q (R)")
        exact = r["method"] == "exact"
        assert exact == (na < 50 and nb < 50 and
                         len(set(va + vb)) == len(va + vb)), what + " method"
        sp = mannwhitneyu(vb, va, alternative="two-sided", use_continuity=True,
                          method="exact" if exact else "asymptotic")
        close(r["u"], sp.statistic, 0, what + " U (SciPy)")
        close(r["p"], sp.pvalue, 1e-300, what + " p (SciPy)")
    return sum(1 for r in rows if r["method"] == "exact"), len(rows)


def main():
    rng = random.Random(20261127)
    exact = total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for case in range(CASES):
            e, n = one_case(rng, tmp, case)
            exact += e
            total += n
    print("compare_truth: %d comparisons (%d exact, %d normal) agree with R and SciPy to %g"
          % (total, exact, total - exact, TOL))


main()
