#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The `docker run` flags of a DaemonSet's first container, from its YAML:
hostPID, capabilities, privileged, read-only root, seccomp/AppArmor (the
field or the annotation),
every volumeMount of a hostPath volume, the image and its args (printed
last, one word a line, for `mapfile`).  So that a pod spec can be run on
a machine with no cluster and tested as it is.

  docker-run-flags.py [--host-path OLD=NEW]... DAEMONSET.yaml

--host-path: a hostPath OLD is mounted from and at NEW (a test's daemon
keeps its state elsewhere); both sides move, as coldtrace reads the path
it finds in the daemon's argv.  An unknown field of the security
context is an error, not ignored.
"""
import sys

import yaml

KNOWN_SC = {"privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem",
            "capabilities", "seccompProfile", "appArmorProfile"}


def flags(doc, moved):
    spec = doc["spec"]["template"]["spec"]
    c = spec["containers"][0]
    out = []
    if spec.get("hostPID"):
        out.append("--pid=host")
    sc = c.get("securityContext", {})
    unknown = set(sc) - KNOWN_SC
    if unknown:
        sys.exit(f"docker-run-flags: securityContext {sorted(unknown)} not known")
    if sc.get("privileged"):
        out.append("--privileged")
    if sc.get("allowPrivilegeEscalation") is False:
        out.append("--security-opt=no-new-privileges")
    if sc.get("readOnlyRootFilesystem"):
        out.append("--read-only")
    caps = sc.get("capabilities", {})
    out += [f"--cap-drop={x}" for x in caps.get("drop", [])]
    out += [f"--cap-add={x}" for x in caps.get("add", [])]
    if sc.get("seccompProfile", {}).get("type") == "Unconfined":
        out.append("--security-opt=seccomp=unconfined")
    ann = doc["spec"]["template"].get("metadata", {}).get("annotations", {})
    key = "container.apparmor.security.beta.kubernetes.io/" + c["name"]
    if sc.get("appArmorProfile", {}).get("type") == "Unconfined" or \
            ann.get(key) == "unconfined":
        out.append("--security-opt=apparmor=unconfined")
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    for m in c.get("volumeMounts", []):
        host = vols[m["name"]]["hostPath"]["path"]
        dest = m["mountPath"]
        if host in moved:
            if dest == host:
                dest = moved[host]
            host = moved[host]
        out.append(f"--volume={host}:{dest}:{'ro' if m.get('readOnly') else 'rw'}")
    out.append(c["image"])
    out += [str(a) for a in c.get("args", [])]
    return out


def main(argv):
    moved = {}
    while len(argv) > 1 and argv[0] == "--host-path":
        old, new = argv[1].split("=", 1)
        moved[old] = new
        argv = argv[2:]
    if len(argv) != 1:
        sys.exit(__doc__)
    with open(argv[0]) as f:
        docs = [d for d in yaml.safe_load_all(f) if d and d.get("kind") == "DaemonSet"]
    if len(docs) != 1:
        sys.exit("docker-run-flags: want exactly one DaemonSet")
    print("\n".join(flags(docs[0], moved)))


if __name__ == "__main__":
    main(sys.argv[1:])
