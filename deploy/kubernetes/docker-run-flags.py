#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The `docker run` flags of a DaemonSet's first container, from its YAML:
hostPID, capabilities, privileged, read-only root, seccomp/AppArmor (the
field or the annotation),
every volumeMount of a hostPath volume, the image and its args (printed
last, one word a line, for `mapfile`).  So that a pod spec can be run on
a machine with no cluster and tested as it is.

  docker-run-flags.py [--host-path OLD=NEW]... [--patch FILE]...
                      DAEMONSET.yaml

--host-path: a hostPath OLD is mounted from and at NEW (a test's daemon
keeps its state elsewhere); both sides move, as coldtrace reads the path
it finds in the daemon's argv.  --patch: a strategic-merge patch of the
pod template, as `kubectl patch --patch-file` applies it (containers,
volumes and volumeMounts merged by name).  A hostPath of type Directory
that is not one is refused, as the kubelet refuses it (docker would make
it).  An unknown field of the security context is an error, not ignored.
"""
import os
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
        hp = vols[m["name"]]["hostPath"]
        host, dest = hp["path"], m["mountPath"]
        if host in moved:
            if dest == host:
                dest = moved[host]
            host = moved[host]
        if hp.get("type") == "Directory" and not os.path.isdir(host):
            sys.exit(f"docker-run-flags: hostPath {host} is not a directory "
                     "(type: Directory): the kubelet refuses the pod")
        out.append(f"--volume={host}:{dest}:{'ro' if m.get('readOnly') else 'rw'}")
    out.append(c["image"])
    out += [str(a) for a in c.get("args", [])]
    return out


def merge_named(base, patch):
    """Lists of {"name": ...} merged by name, as Kubernetes' strategic
    merge does for containers, volumes and volumeMounts."""
    out = {x["name"]: x for x in base}
    for x in patch:
        out[x["name"]] = merge(out.get(x["name"], {}), x)
    return list(out.values())


def merge(base, patch):
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            out[k] = merge(base.get(k), v)
        return out
    if isinstance(base, list) and isinstance(patch, list) and \
            all(isinstance(x, dict) and "name" in x for x in base + patch):
        return merge_named(base, patch)
    return patch


def main(argv):
    moved, patches = {}, []
    while len(argv) > 1 and argv[0] in ("--host-path", "--patch"):
        if argv[0] == "--patch":
            with open(argv[1]) as f:
                patches.append(yaml.safe_load(f))
        else:
            old, new = argv[1].split("=", 1)
            moved[old] = new
        argv = argv[2:]
    if len(argv) != 1:
        sys.exit(__doc__)
    with open(argv[0]) as f:
        docs = [d for d in yaml.safe_load_all(f) if d and d.get("kind") == "DaemonSet"]
    if len(docs) != 1:
        sys.exit("docker-run-flags: want exactly one DaemonSet")
    doc = docs[0]
    for p in patches:
        doc = merge(doc, p)
    print("\n".join(flags(doc, moved)))


if __name__ == "__main__":
    main(sys.argv[1:])
