#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""The file offset of a Go function's entry, for a uprobe.

    offset.py ADDR2LINE BINARY FUNCTION

ADDR2LINE (tests/gosym/addr2line.c's binary) gives the entry's address
by name through Go's line table; the LOAD segment holding it makes it an
offset in the file (uprobes take offsets).
"""
import re
import subprocess
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    a2l, binary, func = sys.argv[1:]
    out = subprocess.run([a2l, binary, "-f"], input=func + "\n",
                         capture_output=True, text=True, check=True).stdout
    if out.strip() == "?":
        sys.exit(f"offset.py: no {func} in {binary}")
    entry = int(out.split()[0], 16)
    segs = subprocess.run(["readelf", "-lW", binary], capture_output=True,
                          text=True, check=True).stdout
    for m in re.finditer(r"LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+"
                         r"\s+0x([0-9a-f]+)", segs):
        off, vaddr, size = (int(x, 16) for x in m.groups())
        if vaddr <= entry < vaddr + size:
            print(f"{entry - vaddr + off:#x}")
            return
    sys.exit(f"offset.py: {entry:#x} in no LOAD segment of {binary}")


if __name__ == "__main__":
    main()
