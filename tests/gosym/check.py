#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""coldtrace's Go symbolization (user/lib/gosym.c) against Go's own.

    check.py OURS TRUTH [--pcs N] MINE[=GOS] ...

OURS is tests/gosym/addr2line.c's binary, TRUTH a `go tool addr2line`
(Go's cmd/addr2line).  MINE is the file OURS reads; GOS, if given, the
same program unstripped, which TRUTH reads instead (Go's tool finds a
table outside .gopclntab only through the symbol table).

For each: N pcs spread over .text (and one each side), every answer
(function, file:line) must be Go's, and the entry and end OURS gives by
name for up to 40 of the functions met must be where Go's tool says
that function begins and ends.  The runtime counts pc offsets from
runtime.text, which comes after the start of .text when C code is
linked first (cgo); Go's tool takes it from the symbol table, and
without one from .text: then it is asked at pc minus that gap, as the
runtime would answer, runtime.text being OURS' (where GOS has the
symbol, OURS' must be it: an independent truth of it).
"""
import re
import subprocess
import sys


def text_section(path):
    out = subprocess.run(["readelf", "-SW", path], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = re.search(r"\]\s+\.text\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+"
                      r"([0-9a-f]+)", line)
        if m:
            return int(m.group(1), 16), int(m.group(2), 16)
    sys.exit(f"check.py: {path}: no .text")


def runtime_text_symbol(path):
    out = subprocess.run(["nm", path], capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] == "runtime.text":
            return int(f[0], 16)
    return None


def answers(cmd, pcs):
    out = subprocess.run(cmd, input="".join(f"{pc:#x}\n" for pc in pcs),
                         check=True, capture_output=True, text=True).stdout
    lines = out.splitlines()
    if len(lines) != 2 * len(pcs):
        sys.exit(f"check.py: {cmd}: {len(lines)} lines for {len(pcs)} pcs")
    return [(lines[2 * i], lines[2 * i + 1]) for i in range(len(pcs))]


def by_name(ours, mine, names):
    """Each name's (entry, end), or None: one run of OURS for all."""
    out = subprocess.run([ours, mine, "-f"], input="".join(
        f"{n}\n" for n in names), check=True, capture_output=True,
        text=True).stdout.splitlines()
    if len(out) != len(names):
        sys.exit(f"check.py: {ours} -f: {len(out)} lines for "
                 f"{len(names)} names")
    return [None if o == "?" else tuple(int(x, 16) for x in o.split())
            for o in out]


def check_names(ours, truth, mine, gos, gap, got):
    """Entries and ends by name: Go's tool names the function at its
    entry and at end - 1, and another one (or none) at entry - 1."""
    names = sorted({f for f, _ in got if f != "?"})
    names = names[:: max(1, len(names) // 40)][:40]
    spans = by_name(ours, mine, names)
    found = [(n, s) for n, s in zip(names, spans) if s]
    bad = len(names) - len(found)
    for name, span in zip(names, spans):
        if not span:
            print(f"  {name}: not found by name", file=sys.stderr)
    pcs = [pc - gap for _, (entry, end) in found
           for pc in (entry, end - 1, entry - 1)]
    at = answers([truth, gos], pcs)
    for i, (name, (entry, end)) in enumerate(found):
        a = at[3 * i:3 * i + 3]
        if a[0][0] != name or a[1][0] != name or a[2][0] == name:
            print(f"  {name}: entry {entry:#x} end {end:#x}; Go's tool "
                  f"says {a[0][0]}, {a[1][0]}, before: {a[2][0]}",
                  file=sys.stderr)
            bad += 1
    return len(names), bad


def check(ours, truth, spec, npcs):
    mine, _, gos = spec.partition("=")
    gos = gos or mine
    start, size = text_section(mine)
    layout = subprocess.run([ours, mine, "-t"], check=True,
                            capture_output=True, text=True).stdout.split()
    text = int(layout[0], 16)
    symbol = runtime_text_symbol(gos)
    if symbol is not None and symbol != text:
        print(f"FAIL {mine}: runtime.text {text:#x}, the symbol says "
              f"{symbol:#x}", file=sys.stderr)
        return False
    # Go's tool takes runtime.text from the symbol table, else .text
    gap = text - start if symbol is None else 0
    pcs = [start - 1] + [start + i * size // npcs + (i * 13) % 16
                         for i in range(npcs)] + [start + size + 64]
    want = answers([truth, gos], [pc - gap for pc in pcs])
    got = answers([ours, mine], pcs)
    diff = [(pc, w, g) for pc, w, g in zip(pcs, want, got) if w != g]
    for pc, w, g in diff[:5]:
        print(f"  {pc:#x}: Go's {w}, ours {g}", file=sys.stderr)
    named, bad = check_names(ours, truth, mine, gos, gap, got)
    found = sum(1 for f, _ in got if f != "?")
    how = ("the symbol's" if symbol is not None else "the moduledata's")
    print(f"{'FAIL' if diff or bad else 'ok'} {mine}: {layout[1]} layout, "
          f"{len(pcs)} pcs ({found} in functions), {len(diff)} unlike Go's; "
          f"{named} functions by name, {bad} wrong; runtime.text "
          f"{text:#x} ({how}), .text + {text - start:#x}")
    return not diff and not bad


def main():
    args = sys.argv[1:]
    npcs = 3000
    if "--pcs" in args:
        i = args.index("--pcs")
        npcs = int(args[i + 1])
        del args[i:i + 2]
    if len(args) < 3:
        sys.exit(__doc__)
    ours, truth = args[0], args[1]
    ok = [check(ours, truth, spec, npcs) for spec in args[2:]]
    sys.exit(0 if all(ok) else 1)


if __name__ == "__main__":
    main()
