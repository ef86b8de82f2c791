#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""HACKING.md's "Adding an engine" and the tree say the same.

Every path the recipe names exists (a <engine> one for some engine);
each engine's file in user/engines/ (its name, then . or _) is one the
recipe names; outside user/engines/ no code but the recipe's names an
engine's kind (CT_ENG_<NAME>, comments left out; the tests and tools
may); and no BPF program
writes a name of include/comms.h's list itself (they come from the list
through rodata).  A new engine that needs another file fails here
until the recipe says so.

  tests/engines.py
"""
import glob
import os
import re
import sys

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# The engine kinds that are the model's own, not an engine's plug-ins.
MODEL_KINDS = {"UNKNOWN", "DIRECT", "MAX"}
CODE = ("user", "include", "bpf", "tools", "tests/unit", "tests/fuzz")


def recipe():
    """The backquoted words of the paragraph "Adding an engine"."""
    text = open("HACKING.md").read()
    start = text.find("\nAdding an engine")
    if start < 0:
        sys.exit("engines: HACKING.md has no \"Adding an engine\" paragraph")
    end = text.find("\n\n", start + 1)
    para = text[start:end]
    # a backquoted word may wrap: join its lines
    return [re.sub(r"\s+", " ", w) for w in re.findall(r"`([^`]+)`", para)]


def engines():
    """Lower-case names of enum ct_engine_kind's engines."""
    text = open("user/model/container.h").read()
    body = re.search(r"enum ct_engine_kind \{(.*?)\};", text, re.S).group(1)
    kinds = re.findall(r"\bCT_ENG_([A-Z0-9_]+)", body)
    return [k.lower() for k in kinds if k not in MODEL_KINDS]


def strip_comments(src):
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    return re.sub(r"//[^\n]*", " ", src)


def check_paths(words, names, bad):
    """Each path the recipe names exists; returns its engines' patterns."""
    patterns = set()
    for w in words:
        if " " in w or not re.search(r"\.[a-z0-9]+$|/", w):
            continue
        if "/" not in w:
            if "<engine>" in w:
                patterns.add(w)
            elif not glob.glob(f"user/*/{w}"):
                bad.append(f"HACKING.md \"Adding an engine\": {w}: "
                           "no such file under user/")
            continue
        paths = [w.replace("<engine>", n) for n in names] \
            if "<engine>" in w else [w]
        if not any(os.path.exists(p) for p in paths):
            bad.append(f"HACKING.md \"Adding an engine\": {w}: no such "
                       "path")
    return patterns


def check_engine_files(patterns, names, bad):
    """Each engine's file in user/engines/ is one of the recipe's."""
    for path in sorted(glob.glob("user/engines/*")):
        f = os.path.basename(path)
        for n in names:
            if not re.match(rf"{re.escape(n)}[._]", f):
                continue
            if f not in {p.replace("<engine>", n) for p in patterns}:
                bad.append(f"{path}: a file of {n} the recipe does not "
                           "name (HACKING.md \"Adding an engine\")")


def code_files():
    for top in CODE:
        for d, _, files in os.walk(top):
            for f in files:
                if f.endswith((".c", ".h")):
                    yield os.path.join(d, f)


def check_kinds(words, names, bad):
    """Outside user/engines/, only the recipe's code names a kind."""
    allowed = {w for w in words if "/" in w}
    kinds = re.compile(r"\bCT_ENG_(%s)\b" % "|".join(n.upper()
                                                     for n in names))
    for path in code_files():
        if path.startswith(("user/engines/", "tests/", "tools/")):
            continue
        src = strip_comments(open(path, errors="replace").read())
        m = kinds.search(src)
        if m and path not in allowed:
            bad.append(f"{path}: names {m.group(0)}: an engine's kind "
                       "outside user/engines/ and the recipe's files")


def check_bpf_names(bad):
    """The BPF programs' names come from include/comms.h's list."""
    comms = re.findall(r'X\([A-Z0-9_]+, "([^"]+)"',
                       open("include/comms.h").read())
    if not comms:
        bad.append("include/comms.h: no CT_PROG_LIST entries found")
    for path in glob.glob("bpf/*.[ch]"):
        src = strip_comments(open(path).read())
        for c in comms:
            if f'"{c}"' in src:
                bad.append(f"{path}: writes \"{c}\" itself: take it from "
                           "include/comms.h's list (rodata)")


def main():
    words, names, bad = recipe(), engines(), []
    patterns = check_paths(words, names, bad)
    check_engine_files(patterns, names, bad)
    check_kinds(words, names, bad)
    check_bpf_names(bad)
    if bad:
        print("engines: the recipe and the tree disagree:")
        print("\n".join("  " + b for b in bad))
        sys.exit(1)
    print(f"engines: ok ({len(names)} engines, {len(patterns)} file "
          "patterns, the recipe's paths exist)")


if __name__ == "__main__":
    main()
