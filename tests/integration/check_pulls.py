#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Pull records against the registry: pulls made at once, each apart.

  check_pulls.py PULLS TRUTH

PULLS: coldtrace's pull records (JSON Lines, other lines ignored).
TRUTH (JSON, made by the test from independent sources):
  images   {ref: [{"digest", "size"}, ...]}  each pulled image's manifest
                                            layers (the registry's), in order
  spans    {ref: [t0, t1]}                  its client's wall clock (ns)
  present  [digest, ...]                    layers present before the pulls
  gets     [[name, digest, bytes], ...]     the registry's access log: blob
                                            GETs answered 200 meanwhile
  apart    (optional) true: the pulls share no fetch (Podman: each
                                            process fetches what it did not
                                            find stored when it asked)

Checks: one complete pull per ref, named as the daemon stores it; every
manifest layer listed in order with its exact compressed size; a layer
present before is cached (no bytes); every other layer fetched by exactly
one pull, with exactly its size in bytes, and said fetched_by that pull in
the others; the registry sent each fetched layer once, whole, and no
layer of theirs it did not send; each pull inside its client's span.
With "apart", a layer may be fetched by several of the pulls: the
registry sent it once per pull that says it fetched it, and the others
say fetched_by one of those, or cached if every such fetch had ended
when they began (Podman: a process started late, ten on two cores,
finds the layer another stored; it fetched nothing, the registry says
so).
Prints one line per pull, exits 1 with what differs.
"""
import json
import sys


def fail(msg):
    sys.exit(f"check_pulls: {msg}")


def load(path):
    pulls = []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") == "pull":
                pulls.append(r)
    return pulls


def fetched_before(p, d, fetchers):
    """Every fetch of d by another pull had ended when p began."""
    for f in fetchers[d]:
        for l in f["layers"]:
            if l["digest"] == d and l["fetch"] and \
               l["fetch"]["start_ns"] + l["fetch"]["dur_ns"] > p["start_ns"]:
                return False
    return True


def check_layers(p, manifest, present, fetchers, apart):
    layers = p["layers"]
    if [(l["digest"], l["size"]) for l in layers] != \
       [(m["digest"], m["size"]) for m in manifest]:
        fail(f"{p['image']}: layers {[(l['digest'], l['size']) for l in layers]}"
             f" are not the manifest's {manifest}")
    for l in layers:
        d = l["digest"]
        if d in present:
            if not l["cached"] or l["bytes"] or l["fetched_by"]:
                fail(f"{p['image']}: {d} was present: not cached ({l})")
        elif any(f is p for f in fetchers[d]):
            if l["bytes"] != l["size"] or l["cached"] or l["fetched_by"]:
                fail(f"{p['image']}: {d} fetched with {l['bytes']} bytes, "
                     f"size {l['size']} ({l})")
        elif apart and l["cached"] and not l["bytes"] and \
                not l["fetched_by"] and fetched_before(p, d, fetchers):
            pass    # stored by another before this one began: found there
        elif l["fetched_by"] not in [f["image"] for f in fetchers[d]] or \
                l["cached"] or l["bytes"] or l["fetch"] is None:
            fail(f"{p['image']}: {d} fetched by "
                 f"{[f['image'] for f in fetchers[d]]}: {l}")
    m = p["manifest"]
    cached = [l for l in layers if l["cached"]]
    if m["cached"] != len(cached) or \
       m["cached_bytes"] != sum(l["size"] for l in cached) or \
       m["layers"] != len(manifest):
        fail(f"{p['image']}: manifest summary {m} vs its layers")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pulls = load(sys.argv[1])
    truth = json.load(open(sys.argv[2]))
    images, spans = truth["images"], truth["spans"]
    present = set(truth["present"])
    by_ref = {}
    for p in pulls:
        if p["image"] in by_ref:
            fail(f"two pull records of {p['image']}")
        by_ref[p["image"]] = p
    if set(by_ref) != set(spans):
        fail(f"pulls of {sorted(by_ref)}, asked {sorted(spans)}")
    fetchers = {}
    for p in pulls:
        if not p["complete"]:
            fail(f"{p['image']} not complete")
        for l in p["layers"]:
            if l["bytes"]:
                if l["digest"] in fetchers and not truth.get("apart"):
                    fail(f"{l['digest']} fetched by "
                         f"{fetchers[l['digest']][0]['image']} and {p['image']}")
                fetchers.setdefault(l["digest"], []).append(p)
    wanted = {m["digest"] for ref in spans for m in images[ref]} - present
    if set(fetchers) != wanted:
        fail(f"fetched {sorted(fetchers)}, not present {sorted(wanted)}")
    for ref, p in by_ref.items():
        check_layers(p, images[ref], present, fetchers, truth.get("apart"))
        # its first fetch opened its blob before its first byte came
        b = p["critical"]["before_fetch_ns"]
        if b > p["dur_ns"] or (p["ttfb_ns"] and b > p["ttfb_ns"]):
            fail(f"{ref}: {b} ns before its first fetch, ttfb "
                 f"{p['ttfb_ns']}, {p['dur_ns']} in all")
        t0, t1 = spans[ref]
        if p["start_ns"] < t0 or p["start_ns"] + p["dur_ns"] > t1:
            fail(f"{ref}: [{p['start_ns']}, +{p['dur_ns']}] outside its "
                 f"client's [{t0}, {t1}]")
    sizes = {m["digest"]: m["size"] for ref in spans for m in images[ref]}
    sent = {}
    for _, d, n in truth["gets"]:
        if d in sizes:
            sent.setdefault(d, []).append(int(n))
    for d in wanted:
        if sent.get(d) != [sizes[d]] * len(fetchers[d]):
            fail(f"the registry sent {d} as {sent.get(d)}, size {sizes[d]}, "
                 f"{len(fetchers[d])} pulls fetched it")
    if set(sent) - wanted:
        fail(f"the registry sent {sorted(set(sent) - wanted)}, not fetched")
    for ref, p in sorted(by_ref.items()):
        m = p["manifest"]
        print(f"  {ref}: {p['dur_ns'] / 1e6:.0f} ms, {m['fetched']} of "
              f"{m['layers']} layers fetched, {m['fetched_by_other']} by "
              f"another pull, {m['cached']} cached; ttfb "
              f"{p['ttfb_ns'] / 1e6:.1f} ms, concurrency max "
              f"{p['concurrency']['max']}")


if __name__ == "__main__":
    main()
