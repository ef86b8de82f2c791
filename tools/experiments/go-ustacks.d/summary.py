#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""go-ustacks' summary: bpftrace's stacks named through gosym.

    summary.py ADDR2LINE STACKS COMM=BINARY...

ADDR2LINE is tests/gosym/addr2line.c's binary, STACKS bpftrace's map
@s[comm, ustack(perf)].  A return address is named at pc - 1 (its call),
as a traceback does.
"""
import collections
import re
import subprocess
import sys

RUNTIME = ("runtime.", "runtime/", "syscall.", "internal/", "golang.org/x/sys")


def parse(path):
    txt = open(path).read()
    for m in re.finditer(r"@s\[([^,]+), \n(.*?)\]: (\d+)", txt, re.S):
        pcs = [int(l.split()[0], 16) for l in m.group(2).strip().splitlines()]
        yield m.group(1), pcs, int(m.group(3))


def names_of(a2l, binary, pcs):
    out = subprocess.run([a2l, binary], check=True, capture_output=True,
                         text=True, input="".join(f"{pc - 1:#x}\n"
                                                  for pc in pcs))
    lines = out.stdout.splitlines()
    return {pc: lines[2 * i] for i, pc in enumerate(pcs)}


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    a2l, path = sys.argv[1:3]
    bins = dict(a.split("=", 1) for a in sys.argv[3:])
    stacks = [s for s in parse(path) if s[0] in bins]
    names = {}
    for comm, b in bins.items():
        pcs = sorted({pc for c, p, _ in stacks if c == comm for pc in p})
        names[comm] = names_of(a2l, b, pcs) if pcs else {}
    sw, frames, named, bare = (collections.Counter() for _ in range(4))
    own = collections.Counter()
    for comm, pcs, n in stacks:
        fn = [names[comm][pc] for pc in pcs]
        mine = [f for f in fn if f != "?" and not f.startswith(RUNTIME)]
        sw[comm] += n
        frames[comm] += len(fn) * n
        named[comm] += sum(f != "?" for f in fn) * n
        if mine:
            own[(comm, f"{fn[0]} ... " + " <- ".join(mine[:3]))] += n
        else:
            bare[comm] += n
    for c in sorted(sw):
        print(f"{c}: {sw[c]} switches, {frames[c] / sw[c]:.1f} frames "
              f"each, {100 * named[c] / frames[c]:.1f} % named, "
              f"{100 * bare[c] / sw[c]:.0f} % with the runtime's frames only")
    print("most frequent with the program's own frames:")
    for (c, s), n in own.most_common(10):
        print(f"  {n} {c}: {s[:200]}")


if __name__ == "__main__":
    main()
