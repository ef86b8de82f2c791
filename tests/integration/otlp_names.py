#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""A recording named as a live session names it now (otlp.sh).

The fixtures were recorded before CT_EV_HOST and CT_EV_IDENT: their
replays name no host, no image, no pod.  This copies one with a HOST
record after the file header and, after every record that mentions a
container's id, an IDENT record giving it an image and (for a CRI
container) Kubernetes' names, as a live session reads them; and writes
what the conventions' attributes must then say, per container id, for
check_otlp.js --names.  Record layouts: include/coldtrace.h.

    otlp_names.py IN.ctrec RECORDS.jsonl OUT.ctrec NAMES.json HOST
"""
import json
import struct
import sys

HDR = struct.Struct("<QII56x")          # struct ct_hdr: ts_ns, type, size
CT_EV_HOST, CT_EV_IDENT = 109, 110
K8S_SANDBOX, K8S_CONTAINER = 1, 2


def field(s, n):
    b = s.encode()
    assert len(b) < n
    return b + bytes(n - len(b))


def host_rec(ts, host):
    body = field(host, 64) + field("0123456789abcdef0123456789abcdef", 64) \
        + field(host, 128)
    return HDR.pack(ts, CT_EV_HOST, HDR.size + len(body)) + body


def ident_rec(ts, cid, v):
    body = (field(cid, 128) + field("", 128) + field(v["image"], 256) +
            field(v.get("pod", ""), 256) + field(v.get("ns", ""), 64) +
            field(v.get("uid", ""), 64) + field(v.get("cname", ""), 64) +
            struct.pack("<II", v["kind"], 0))
    return HDR.pack(ts, CT_EV_IDENT, HDR.size + len(body)) + body


def idents(records):
    """Per record id: the IDENT's values, and the attributes they make."""
    out, want = {}, {}
    for i, r in enumerate(records):
        v = {"image": f"registry.example:5000/team/app{i}:1.{i}", "kind": 0}
        w = {"container.image.name": f"registry.example:5000/team/app{i}",
             "container.image.tags": [f"1.{i}"]}
        if r["engine"] == "cri":
            v.update(pod=f"web-{i}", ns="shop", uid=f"uid-{i}",
                     kind=K8S_SANDBOX if r["type"] == "pod" else K8S_CONTAINER)
            w.update({"k8s.pod.name": f"web-{i}", "k8s.namespace.name": "shop",
                      "k8s.pod.uid": f"uid-{i}"})
            if r["type"] != "pod":
                v["cname"] = f"app-{i}"
                w["k8s.container.name"] = f"app-{i}"
        out[r["id"]], want[r["id"]] = v, w
    return out, want


def main(src, jsonl, dst, names, host):
    with open(jsonl, encoding="utf-8") as f:
        records = [json.loads(l) for l in f if l.strip()]
    records = [r for r in records if r.get("type") in ("container", "pod")]
    ids, want = idents(records)
    with open(src, "rb") as f:
        data = f.read()
    hdr_size = struct.unpack_from("<I", data, 16)[0]
    out = bytearray(data[:hdr_size])
    at, first = hdr_size, True
    while at < len(data):
        ts, _, size = HDR.unpack_from(data, at)
        rec = data[at:at + size]
        if first:
            out += host_rec(ts, host)
            first = False
        out += rec
        for cid, v in ids.items():
            if cid.encode() in rec:
                out += ident_rec(ts, cid, v)
        at += size
    with open(dst, "wb") as f:
        f.write(out)
    with open(names, "w", encoding="utf-8") as f:
        json.dump(want, f)


if __name__ == "__main__":
    main(*sys.argv[1:6])
