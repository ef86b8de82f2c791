#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Whether podmonitor.yaml selects the pods of daemonset.yaml (its
labels, its namespace) and scrapes a port they name, /metrics.

  podmonitor_check.py DAEMONSET.yaml PODMONITOR.yaml
"""
import sys, yaml
ds = yaml.safe_load(open(sys.argv[1]))
pm = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d["kind"] == "PodMonitor"][0]
tmpl = ds["spec"]["template"]
labels = tmpl["metadata"]["labels"]
sel = pm["spec"]["selector"]["matchLabels"]
assert all(labels.get(k) == v for k, v in sel.items()), (sel, labels)
assert pm["spec"]["namespaceSelector"]["matchNames"] == [ds["metadata"]["namespace"]]
ports = {p["name"] for p in tmpl["spec"]["containers"][0]["ports"]}
for e in pm["spec"]["podMetricsEndpoints"]:
    assert e["port"] in ports and e["path"] == "/metrics", (e, ports)
