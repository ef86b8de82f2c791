#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""--why=user's parked goroutines' stacks against bpftrace's (why_gopark.sh).

    check_gopark.py DUMP BPFTRACE ADDR2LINE BINARY GAP FOLDED MIN OWN

DUMP: `coldtrace --replay REC --dump` of the session; BPFTRACE: what
bpftrace printed at the same runtime.gopark entry of BINARY ("S PID"
then the raw addresses of ustack(perf), a line each, then "|");
ADDR2LINE: Go's own tool, asked at pc - GAP (it counts from .text on a
stripped binary, runtime.text is GAP bytes later: docs/gosym.md), the
first address at the pc, the others (return addresses) at pc - 1 as the
runtime's traceback names them.  Checks that every goroutine stack a
record carries (TSTATE's gstack, named by a USTACK of its process) is
one bpftrace saw in that process, named alike ("?", a process gone
before its maps were read, matches any name); and that at least MIN of
FOLDED's lines (waits.folded) have goroutine frames ("[goroutine]"),
and at least OWN of them a function of runc's own there.
Prints what it found: how many of the goroutine stacks the thread's
own frames hold already above runtime.mcall (Go before 1.21 keeps the
goroutine's frame pointer there), how many are used (the thread's
frames are the runtime's only), the most frequent of those, and how
many folded lines have a function of runc's own in their goroutine
frames.
"""
import collections
import re
import subprocess
import sys


LOST = str(0xffffffff)     # CT_STACK_LOST


def dump_gstacks(path):
    """[(pid, goroutine's names, thread's names)] of the sleeps that carry
    a gstack, and the count of sleeps."""
    names, used = {}, []
    sleeps = 0
    for line in open(path, encoding="utf-8", errors="replace"):
        pid = re.search(r" pid=(\d+) ", line)
        if " USTACK " in line and pid:
            m = re.search(r" id=(\d+) cut=\d+ (.*)$", line)
            if m:
                names[(pid[1], m[1])] = m[2]
        elif " TSTATE " in line and pid and re.search(r" (sleep|io) ", line):
            sleeps += 1
            g = re.search(r" gstack=(\d+)", line)
            u = re.search(r" ustack=(\d+)", line)
            if g and g[1] == LOST:
                continue    # the stack map refused it: none carried
            if g:
                gn = names.get((pid[1], g[1]))
                if gn is None:
                    sys.exit(f"FAIL: gstack {g[1]} of {pid[1]} named by no "
                             "USTACK record before it")
                used.append((pid[1], gn,
                             names.get((pid[1], u[1]), "") if u else ""))
    return used, sleeps


def alike(ours, truth):
    """ours names truth's frames, "?" (not named: its process gone before
    its maps were read) matching any."""
    a, b = ours.split(";"), truth.split(";")
    return len(a) == len(b) and all(x in ("?", y) for x, y in zip(a, b))


def bpftrace_stacks(path):
    """[(pid, [addresses])] of bpftrace's hits."""
    out, cur = [], None
    for line in open(path, encoding="utf-8", errors="replace"):
        if line.startswith("S "):
            cur = (line.split()[1], [])
        elif line.startswith("|") and cur:
            out.append(cur)
            cur = None
        elif cur and re.match(r"\s+[0-9a-f]+ ", line):
            cur[1].append(int(line.split()[0], 16))
    return out


def name_all(a2l, binary, gap, stacks):
    """Each stack's addresses named by Go's tool, "a;b;c"."""
    pcs = sorted({a - gap - (i > 0) for _, s in stacks
                  for i, a in enumerate(s)})
    out = subprocess.run([a2l, binary], input="".join(f"{p:#x}\n" for p in pcs),
                         capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    name = {p: lines[2 * k] for k, p in enumerate(pcs)}
    return {(pid, ";".join(name[a - gap - (i > 0)] for i, a in enumerate(s)))
            for pid, s in stacks}


OWN = re.compile(r"(^|;)(github\.com/opencontainers/runc/|main\.)[^;]*")


def goroutine_lines(folded):
    """waits.folded's lines with goroutine frames, and those of them with
    a function of runc's own in the goroutine's part."""
    n = own = 0
    for line in open(folded, encoding="utf-8", errors="replace"):
        if ";[goroutine];" not in line:
            continue
        n += 1
        own += bool(OWN.search(line.split(";[goroutine];")[0]))
    return n, own


RUNTIME = re.compile(r"^(runtime[./]|internal/runtime/|\[|\?$)")


def main():
    if len(sys.argv) != 9:
        sys.exit(__doc__)
    dump, bt, a2l, binary, gap, folded, least, least_own = sys.argv[1:]
    used, sleeps = dump_gstacks(dump)
    hits = bpftrace_stacks(bt)
    truth = name_all(a2l, binary, int(gap, 0), hits)
    ours = {(p, g) for p, g, _ in used}
    unseen = sorted((p, g) for p, g in ours
                    if not any(q == p and alike(g, t) for q, t in truth))
    for pid, s in unseen[:5]:
        print(f"  not seen by bpftrace in {pid}: {s}", file=sys.stderr)
    blank = sum(all(f == "?" for f in g.split(";")) for _, g in ours)
    # where the thread's own frames are the runtime's only (it is used)
    idle = [g for _, g, u in used
            if all(RUNTIME.match(f) for f in u.split(";") if f)]
    # ... and where they hold the goroutine's too (Go 1.19's mcall keeps
    # the goroutine's frame pointer: its callers, not gopark's caller)
    above = sum(u.endswith(";" + g.split(";", 1)[-1]) for _, g, u in used
                if ";" in g)
    n, own = goroutine_lines(folded)
    print(f"{len(hits)} parks seen by bpftrace ({len(truth)} distinct "
          f"stacks); {len(used)} of {sleeps} sleeps carry a goroutine's "
          f"stack ({len(ours)} distinct, {len(ours) - len(unseen)} "
          f"bpftrace's, {blank} unnamed: process gone), {above} of them "
          f"already in the thread's own frames, {len(idle)} under the "
          f"runtime's frames only; {n} folded lines with goroutine frames, "
          f"{own} in runc's own code")
    for g, k in collections.Counter(idle).most_common(6):
        print(f"    {k} x {g[:200]}")
    if unseen:
        sys.exit(f"FAIL: {len(unseen)} goroutine stacks bpftrace never saw")
    if not ours:
        sys.exit("FAIL: no wait carries a goroutine's stack")
    if n < int(least):
        sys.exit(f"FAIL: {n} folded lines with goroutine frames, fewer "
                 f"than {least}")
    if own < int(least_own):
        sys.exit(f"FAIL: {own} folded lines with runc's own code in their "
                 f"goroutine frames, fewer than {least_own}")


if __name__ == "__main__":
    main()
