#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""coldtrace's Go symbolization against the Go runtime's own traceback.

    stacks.py OURS ELF DUMP

DUMP is a goroutine dump of a process running ELF (the runtime's
traceback: SIGQUIT, or the program's own runtime.Stack): each frame
whose pc it gives (FUNC(...) then FILE:LINE +0xOFF, OFF being the pc
less the function's entry; `created by FUNC` frames too) must be, by
OURS (tests/gosym/addr2line.c), FUNC: its entry by name, and the
function holding entry + OFF - 1 (a return address's call).  Its line
must be the traceback's unless the runtime printed inlined frames above
it (their lines are the innermost's).  Independent of the table's
text start and of any tool reading it: what the runtime itself says.
A goroutine's top frame may be where it runs, not a call: its pc then.
"""
import re
import subprocess
import sys

FRAME = re.compile(r"^(created by )?(.+?)(\([^()]*\))?( in goroutine \d+)?$")
WHERE = re.compile(r"^\t(.+):(\d+)(?: \+0x([0-9a-f]+))?")


def frames(dump):
    """(func, file, line, off or None, inlined above, top) of each
    frame; a goroutine's top frame may be where it runs (its pc), not a
    return address (its pc - 1)."""
    lines = dump.splitlines()
    out, inl, top = [], False, False
    for i in range(len(lines) - 1):
        f, w = FRAME.match(lines[i]), WHERE.match(lines[i + 1])
        if lines[i].startswith("goroutine "):
            inl, top = False, True
            continue
        if not f or not w or lines[i].startswith("\t"):
            continue
        off = int(w.group(3), 16) if w.group(3) else None
        out.append((f.group(2), w.group(1), int(w.group(2)), off, inl,
                    top))
        inl = off is None and not f.group(1)
        top = False
    return out


def ours(cmd, stdin=None):
    return subprocess.run(cmd, input=stdin, capture_output=True,
                          text=True).stdout.split("\n")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    a2l, elf, dump = sys.argv[1:]
    with open(dump, errors="replace") as f:
        fr = [x for x in frames(f.read()) if x[3] is not None]
    bad = lines = 0
    entries = ours([a2l, elf, "-f"], "".join(f"{x[0]}\n" for x in fr))
    for (func, file, line, off, inl, top), entry in zip(fr, entries):
        entry = entry.split()
        if len(entry) != 2:
            print(f"  {func}: not found by name", file=sys.stderr)
            bad += 1
            continue
        pcs = [int(entry[0], 16) + off - k for k in ((1, 0) if top else (1,))]
        got = ours([a2l, elf], "".join(f"{pc:#x}\n" for pc in pcs))
        got = [(got[2 * k], got[2 * k + 1]) for k in range(len(pcs))]
        if func not in [g for g, _ in got]:
            print(f"  {func} +{off:#x}: ours {got[0][0]}", file=sys.stderr)
            bad += 1
        elif not inl and f"{file}:{line}" not in [w for _, w in got]:
            print(f"  {func} +{off:#x}: line {file}:{line}, ours {got[0][1]}",
                  file=sys.stderr)
            bad += 1
        lines += not inl
    print(f"{'FAIL' if bad or not fr else 'ok'} {elf}: {len(fr)} frames of "
          f"the runtime's traceback, {lines} with their lines, {bad} unlike")
    sys.exit(1 if bad or not fr else 0)


if __name__ == "__main__":
    main()
