#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The documentation stands on its own (docs/README.md).

Every relative link of a Markdown file and every docs/ path a file
names exists; a section a file cites by name after a docs path
(docs/bench.md "churn") is a heading, a bold lead or a table row's
first cell of that page; docs/README.md links every page of docs/;
every code path HACKING.md and the READMEs name exists (below); and
nothing points outside the repository: no issue or item numbers, no
paragraph signs, no goal, rule or target numbers but the cost targets
docs/bench.md numbers ("Cost targets"), no paths of the machine the
project was written on.

Code paths.  Every README.md and HACKING.md: a path under user/, bpf/,
include/, tools/, tests/, deploy/ or bash-completion/ must exist.  The
map pages (HACKING.md, user/*/README.md, bpf/README.md,
tools/README.md and docs/glossary.md: what a newcomer reads to find
the code) must also name only files that exist, in these forms:
- a backquoted word with a slash (`engines/engine.c`, `core/`,
  `tools/lazy/`) or ending in .c, .h, .py, .sh, .go, .proto or .md
  (`sink.h`);
- anywhere on a line, inside code blocks too, a word ending in .c or
  .h (main.c, agg.c's).
A path stands for every path {a,b} expands to and matches * as the
shell would.  It exists if it names a tracked file or folder, or a
program's sources (tools/bench/floor: floor.c), taken from the top of
the repository, from the page's own folder (main.c in
user/core/README.md), or from user/ (model/classify_api.h, as the
Makefile's include path reads it); a word with no slash (tracker.c,
chain.d/) may be any file or folder of that name in the tree, but in
the first cell of a row of a user/*/README.md's table, its file map,
where it must be a file of that folder.
Skipped as no path: a NAME-like placeholder component (X.bpf.c,
DIR/hist), <...> (<engine>_client.c), a leading / or $ (/proc/PID/maps),
and the build's .output*/ folders.  A stale path fails with its page,
line and path: "FAIL: docs: HACKING.md:187: user/enrich/client.c: no
such file".
"""
import fnmatch
import os
import re
import subprocess
import sys

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# Recordings and the kernel's generated header are not prose.
SKIP = re.compile(r"^(vmlinux/|tests/fixtures/.*\.(ctrec|gz)$)|\.png$")

LINK = re.compile(r"\]\(([^)\s]+)\)")
DOCPATH = re.compile(r"(?<![\w./-])(docs/[\w./-]*\w)")
CODEPATH = re.compile(r"(?<![\w./-])((?:user|bpf|include|tools|tests|deploy"
                      r"|bash-completion)/[\w./{},*-]*[\w}*])(?![<\w/-])")
PLACEHOLDER = re.compile(r"/[A-Z][A-Z_]+\b")
# The map pages' forms (docstring): backquoted words, and .c/.h words.
QUOTED = re.compile(r"`([\w.{},*-]+(?:/[\w.{},*-]*)*)`")
SOURCE = re.compile(r"\.(c|h|py|sh|go|proto|md)$")
CFILE = re.compile(r"(?<![\w./{}<>*$-])([\w.-]*\w\.[ch])(?![\w/(-])")
NOPATH = re.compile(r"(^|/)[A-Z][A-Z_0-9]*([./]|$)|^\.output")
MAP_PAGES = re.compile(r"^(HACKING|user/\w+/README|bpf/README|tools/README)"
                       r"\.md$")
GLOSSARY = os.path.join("docs", "glossary.md")
FOLDER_MAP = re.compile(r"^user/\w+/README\.md$")
FILE_ROW = re.compile(r"^\|([^|]*)\|")
CITED = re.compile(r"(?<![\w./-])(docs/[\w./-]*\.md),? \"([^\"]+)\"")
OUTSIDE = [
    (re.compile(r"\b(issues?|items?)\s+#?[0-9]", re.I), "an issue or item number"),
    (re.compile(r"§"), "a paragraph sign"),
    (re.compile(r"\b(goals?|rules?)\s+[0-9]", re.I), "a goal or rule number"),
    (re.compile(r"(?<!cost )\btargets?\s+[0-9]", re.I), "a target number not named a cost target"),
    (re.compile(r"(?<![\w$}])/work/"), "a path of the development machine"),
    (re.compile(r"\.\./shared/"), "a path outside the repository"),
]
COST_TARGET = re.compile(r"\bcost targets? ([0-9])", re.I)


def tracked():
    """The repository's files: git's list, or the tree's outside git."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], check=True,
                             capture_output=True).stdout.decode()
        return [f for f in out.split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for top, dirs, names in os.walk("."):
            dirs[:] = [d for d in dirs if not d.startswith(".")
                       and d != "node_modules"
                       and (top, d) != (".", "results")]
            files += [os.path.relpath(os.path.join(top, n)) for n in names]
        return files


def text(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
        return None


def sections(path, cache={}):
    """Headings, bold leads and table rows' first cells of a Markdown
    page (a phase table's transition), lower case."""
    if path not in cache:
        body = text(path) or ""
        heads = re.findall(r"^#+ +(.*)$", body, re.M)
        bold = re.findall(r"\*\*([^*]+)\*\*", body)
        cells = re.findall(r"^\| *([^|]*[^| ]) *\|", body, re.M)
        cache[path] = [s.lower() for s in heads + bold + cells]
    return cache[path]


def code_paths(p):
    """The paths p stands for: {a,b} expanded; [] for a placeholder."""
    if PLACEHOLDER.search(p):
        return []
    m = re.match(r"(.*?)\{([^{}]*)\}(.*)", p)
    if m:
        return [q for x in m.group(2).split(",")
                for q in code_paths(m.group(1) + x + m.group(3))]
    return [p]


def map_paths(line):
    """The paths a line of a map page names (docstring), expanded."""
    out = [q for p in QUOTED.findall(line) for q in code_paths(p)
           if "/" in q or SOURCE.search(q)]
    out += [q for p in CFILE.findall(line) for q in code_paths(p)]
    return [q for q in dict.fromkeys(out) if not NOPATH.search(q)]


def cost_targets():
    """The numbers docs/bench.md's "Cost targets" list defines."""
    body = text("docs/bench.md") or ""
    m = re.search(r"^## Cost targets\n(.*?)^## ", body, re.M | re.S)
    return set(re.findall(r"^([0-9])\. ", m.group(1), re.M)) if m else set()


def main():
    known = set(tracked())
    files = sorted(f for f in known if not SKIP.search(f))
    targets = cost_targets()
    bad = []
    checked = set()

    def exists(p):
        p = os.path.normpath(p)
        return p in known or any(k.startswith(p + "/") for k in known)

    def code_exists(p):
        """A file, a folder, a glob's match or a program's sources
        (tools/bench/floor: floor.c)."""
        if "*" in p:
            return any(fnmatch.fnmatch(k, p) for k in known)
        return exists(p) or any(k.startswith(p + ".") for k in known)

    names = {os.path.basename(k) for k in known}
    folders = {os.path.basename(os.path.dirname(k)) for k in known}

    def named(p, page, here=False):
        """p from the top, the page's folder or user/; a bare name
        anywhere in the tree, or only in the page's folder (here)."""
        q = p.rstrip("/")
        if here and "/" not in q:
            return code_exists(os.path.join(os.path.dirname(page), q))
        if any(code_exists(os.path.normpath(os.path.join(d, q)))
               for d in ("", os.path.dirname(page), "user")):
            return True
        if "/" in q:
            return False
        if p.endswith("/"):
            return q in folders
        return any(fnmatch.fnmatch(n, q) for n in names)

    for f in files:
        body = text(f)
        if body is None:
            continue
        for n, line in enumerate(body.splitlines(), 1):
            where = f"{f}:{n}"
            if f.endswith(".md"):
                for t in LINK.findall(line):
                    if re.match(r"[a-z]+:|#", t):
                        continue
                    p = os.path.join(os.path.dirname(f), t.split("#")[0])
                    if not exists(p):
                        bad.append(f"{where}: link to {t}: no such file")
            for p in DOCPATH.findall(line):
                if not exists(p):
                    bad.append(f"{where}: {p}: no such file")
            if f == "HACKING.md" or f.endswith("README.md"):
                for p in CODEPATH.findall(line):
                    for q in code_paths(p):
                        if not code_exists(q):
                            bad.append(f"{where}: {q}: no such file")
            if MAP_PAGES.match(f) or f == GLOSSARY:
                # A folder's file map: its first cells name its own files.
                first = FILE_ROW.match(line) if FOLDER_MAP.match(f) else None
                for q in map_paths(line):
                    here = bool(first) and q in map_paths(first.group(1))
                    checked.add((f, q))
                    if not named(q, f, here):
                        bad.append(f"{where}: {q}: no such file"
                                   + (" in this folder" if here else ""))
            for p, name in CITED.findall(line):
                if exists(p) and not any(name.lower() in s
                                         for s in sections(p)):
                    bad.append(f"{where}: {p} has no section \"{name}\"")
            if f == "tests/docs.py":
                continue
            for rx, what in OUTSIDE:
                if rx.search(line):
                    bad.append(f"{where}: {what}: {line.strip()[:100]}")
            for t in COST_TARGET.findall(line):
                if t not in targets:
                    bad.append(f"{where}: cost target {t} is not in "
                               "docs/bench.md's \"Cost targets\"")
    index = text("docs/README.md") or ""
    linked = {os.path.normpath(os.path.join("docs", t.split("#")[0]))
              for t in LINK.findall(index)}
    for f in sorted(known):
        if (f.startswith("docs/") and f != "docs/README.md"
                and (f.endswith(".md") or f.startswith("docs/man/"))
                and f not in linked):
            bad.append(f"docs/README.md: {f} is not in the index")
    bad = list(dict.fromkeys(bad))
    for b in bad:
        print(f"FAIL: docs: {b}")
    if bad:
        return 1
    print(f"docs: ok ({len(files)} files, {len(checked)} paths of the map "
          f"pages, {len(targets)} cost targets)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
