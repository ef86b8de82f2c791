#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""A live process's addresses named (user/lib/ustack.c) against the Go
runtime's own traceback.

    ustacks.py DRIVER PROC_DIR PID DUMP

DUMP is the goroutine dump of process PID at SIGQUIT with
GOTRACEBACK=system: each frame it prints with its absolute pc (`pc=0x`,
a return address but for a goroutine's top frame, which may be where it
runs) must be named FUNC by DRIVER (tests/gosym/ustack.c), which reads
PROC_DIR/PID/maps (copied before the signal) and the files it maps, as
coldtrace names the addresses of a user stack: through the mapping,
the file's LOAD segments and its line table.  A PIE is loaded where the
kernel chose: the pcs are the process's, not the file's.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stacks import FRAME  # noqa: E402

PC = re.compile(r"^\t.+:\d+ \+0x[0-9a-f]+ fp=0x[0-9a-f]+ sp=0x[0-9a-f]+ "
                r"pc=0x([0-9a-f]+)$")


def frames(dump):
    """(func, pc, top) of each frame the dump gives a pc."""
    lines = dump.splitlines()
    out, top = [], False
    for i in range(len(lines) - 1):
        if lines[i].startswith("goroutine "):
            top = True
            continue
        f, p = FRAME.match(lines[i]), PC.match(lines[i + 1])
        if lines[i].startswith("\t") or not f:
            continue
        if p:
            out.append((f.group(2), int(p.group(1), 16), top))
        top = False
    return out


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    drv, proc, pid, dump = sys.argv[1:]
    with open(dump, errors="replace") as f:
        fr = frames(f.read())
    # each frame as a return address, and (a top frame) at its pc too
    asks = [a for _, pc, _ in fr for a in (pc, pc + 1)]
    out = subprocess.run([drv, proc, pid], capture_output=True, text=True,
                         input="".join(f"{a:#x}\n" for a in asks))
    got = out.stdout.splitlines()
    if out.returncode or len(got) != len(asks):
        sys.exit(f"ustacks.py: {drv}: {out.stderr.strip()}")
    bad = 0
    for i, (func, pc, top) in enumerate(fr):
        names = [got[2 * i]] + ([got[2 * i + 1]] if top else [])
        if func not in names:
            print(f"  {pc:#x}: the runtime's {func}, ours {names}",
                  file=sys.stderr)
            bad += 1
    print(f"{'FAIL' if bad or not fr else 'ok'} pid {pid}: {len(fr)} frames "
          f"by their pcs, {bad} unlike the runtime's ({out.stderr.strip()})")
    sys.exit(1 if bad or not fr else 0)


if __name__ == "__main__":
    main()
