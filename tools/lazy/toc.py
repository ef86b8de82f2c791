#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Where each file of an eStargz layer lies in the compressed blob.

  toc.py BLOB      one JSON line per regular file: name, start, end (the
                   blob's bytes [start, end) that hold its gzip members),
                   size (uncompressed); then one line for the footer
                   and TOC: {"name": "<toc>", "start": TOC offset, ...}

Read from the blob itself (its footer names the TOC's offset, the TOC's
entries their chunks' offsets), with Python's gzip and tar, not with
the snapshotter's code: the lazy tests check the snapshotter's fetches
against it.
"""
import io
import json
import re
import sys
import tarfile
import zlib

FOOTER = 51  # eStargz's footer: an empty gzip member naming the TOC


def toc_offset(blob):
    m = re.search(rb"([0-9a-f]{16})STARGZ", blob[-FOOTER:])
    if not m:
        sys.exit("toc.py: no eStargz footer")
    return int(m.group(1), 16)


def read_toc(blob, off):
    raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(blob[off:])
    with tarfile.open(fileobj=io.BytesIO(raw)) as t:
        return json.load(t.extractfile("stargz.index.json"))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], "rb") as f:
        blob = f.read()
    toc = toc_offset(blob)
    entries = read_toc(blob, toc)["entries"]
    # a file's members end where the next member of the blob begins
    starts = sorted({e["offset"] for e in entries if e.get("offset")} | {toc})
    files = {}
    for e in entries:
        if e["type"] == "reg":
            files[e["name"]] = {"name": e["name"], "size": e.get("size", 0),
                                "start": e.get("offset", 0), "end": 0}
        if e["type"] in ("reg", "chunk") and e.get("offset"):
            f = files[e["name"]]
            nxt = next(s for s in starts if s > e["offset"])
            f["end"] = max(f["end"], nxt)
    for f in files.values():
        if f["size"]:
            print(json.dumps(f, sort_keys=True))
    print(json.dumps({"name": "<toc>", "start": toc, "end": len(blob),
                      "size": len(blob) - toc}, sort_keys=True))


if __name__ == "__main__":
    main()
