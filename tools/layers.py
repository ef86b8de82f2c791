#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The floors of user/, checked on the objects the build made: every
symbol an object takes from another folder's object (nm's undefined and
defined symbols: calls and data, as the linker resolves them, whatever
the headers say) must come from a lower floor: a plug-in's rows are
handed down at run time (user/model/engine_api.h), never named.  An
arrow up fails, naming file, symbol and floors.  HACKING.md "Layout"
draws the same floors.

  tools/layers.py [OUTPUT]     (default .output; after `make`)
"""
import glob
import os
import subprocess
import sys

# Each folder of user/ and its floor: a folder may use only lower ones.
FLOORS = {
    "lib": 1,       # util, errmsg, json, afile, the record table
    "model": 2,     # processes, containers, classifier, phases
    "tracker": 3,   # the per-container state machine
    "stats": 3,     # histograms, aggregates
    "enrich": 4,    # what is added to a finished container
    "engines": 5,   # each engine's plug-ins of the stages below
    "kern": 5,      # the kernel side: loaders, probes, arming
    "sinks": 6,     # every output
    "core": 7,      # main, options, the pipeline, the session
}

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def symbols(obj):
    """(defined, undefined) symbol names of an object."""
    out = subprocess.run(["nm", obj], capture_output=True, text=True,
                         check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "TDBRCV":
            defined.add(f[2])
        elif len(f) == 2 and f[0] == "U":
            undefined.add(f[1])
    return defined, undefined


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else ".output"
    # an object whose source is gone (a file moved to another folder)
    # is what an older build left: not the tree's, so not checked
    objs = sorted(o for o in glob.glob(os.path.join(out, "user", "*", "*.o"))
                  if os.path.exists(os.path.join(
                      TOP, os.path.relpath(o, out)[:-2] + ".c")))
    if not objs:
        sys.exit(f"layers: no objects under {out}/user (run make first)")
    owner, needs = {}, {}
    for o in objs:
        folder = os.path.basename(os.path.dirname(o))
        if folder not in FLOORS:
            sys.exit(f"layers: folder user/{folder} has no floor: add it "
                     "to FLOORS (and to HACKING.md's layout)")
        d, u = symbols(o)
        for s in d:
            owner[s] = (folder, os.path.basename(o)[:-2] + ".c")
        needs[o] = u
    bad, arrows = [], set()
    for o, syms in needs.items():
        folder = os.path.basename(os.path.dirname(o))
        for s in sorted(syms):
            if s not in owner or owner[s][0] == folder:
                continue
            to, src = owner[s]
            arrows.add((folder, to))
            if FLOORS[to] < FLOORS[folder]:
                continue
            bad.append(f"  user/{folder}/{os.path.basename(o)[:-2]}.c -> "
                       f"user/{to}/{src}: {s} (floor {FLOORS[folder]} "
                       f"uses floor {FLOORS[to]})")
    if bad:
        print("layers: arrows that run back up (use a lower floor's "
              "API, or hand it down as a plug-in):")
        print("\n".join(bad))
        sys.exit(1)
    print(f"layers: ok ({len(objs)} objects, {len(arrows)} folder arrows, "
          "none up)")


if __name__ == "__main__":
    main()
