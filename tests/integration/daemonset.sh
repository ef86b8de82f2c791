#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The DaemonSet's pod spec, run with docker (no cluster here): the image
# of deploy/kubernetes/image.sh (docker import), started with the flags
# docker-run-flags.py derives from daemonset.yaml (hostPID, drop ALL +
# BPF/PERFMON, read-only root, the hostPath mounts read-only, the args).
# The harness's dockerd keeps its state in its own data root, not
# /var/lib/docker: that volume is mounted from and at it (--host-path).
# Checks: the readiness probe's /healthz answers (from the container's
# network namespace, as the kubelet's probe would reach it), and a
# `docker run --name` on the host is traced with its name (the pod's
# log, -j; dockerd-patch.yaml applied, as on a node running dockerd) and
# counted on /metrics; in a CRI harness (forky), a CRI pod is named in
# the pod's log as its client named it (the bundles' mount).  Run in the trixie harness: Docker
# 20.10 does not know CAP_BPF and CAP_PERFMON by name, Docker 26 does.
. "$(dirname "$0")/lib.sh"

KDIR=$TOP/deploy/kubernetes
[ -x "$COLDTRACE" ] || fail "no coldtrace"
image=$("$KDIR/image.sh" "$COLDTRACE") || fail "image.sh"
want=$(python3 -c 'import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
print(d["spec"]["template"]["spec"]["containers"][0]["image"])' "$KDIR/daemonset.yaml")
[ "$image" = "$want" ] || fail "image.sh built $image, the manifest runs $want"
root=$(docker info -f '{{.DockerRootDir}}')
# the harness's containerd keeps its tasks' bundles in its own state dir
tasks=$CT_DIR/containerd/state/io.containerd.runtime.v2.task
mkdir -p "$tasks"
mapfile -t flags < <(python3 "$KDIR/docker-run-flags.py" \
	--host-path /var/lib/docker="$root" \
	--host-path /run/containerd/io.containerd.runtime.v2.task="$tasks" \
	--patch "$KDIR/dockerd-patch.yaml" "$KDIR/daemonset.yaml")
[ ${#flags[@]} -gt 5 ] || fail "no flags from the manifest"
printf '%s\n' "${flags[@]}" | grep -qx -- '--security-opt=apparmor=unconfined' ||
	fail "the manifest's AppArmor annotation gave no flag"
# the PodMonitor selects this pod template and scrapes its named port
python3 "$KDIR/podmonitor_check.py" "$KDIR/daemonset.yaml" \
	"$KDIR/podmonitor.yaml" ||
	fail "podmonitor.yaml does not select the DaemonSet's pods and port"
note "docker run ${flags[*]}"
pod=ct-ds-$$
# no published port: the harness's dockerd has no bridge (--network none)
docker run -d --name "$pod" --network none "${flags[@]}" >"$T/cid" ||
	fail "docker run of the pod spec"
stop_pod() {
	docker logs "$pod" >"$T/pod.log" 2>&1 || true
	docker rm -f "$pod" >/dev/null 2>&1 || true
}
trap 'stop_pod; cleanup_test' EXIT
pid=$(docker inspect -f '{{.State.Pid}}' "$pod")
[ "$pid" -gt 0 ] || fail "pod not running: $(docker logs "$pod" 2>&1 | tail -3)"
pod_get() {
	nsenter -t "$pid" -n curl -sf --max-time 2 "http://127.0.0.1:9466$1"
}
for _ in $(seq 60); do
	pod_get /healthz >/dev/null 2>&1 && break
	[ "$(docker inspect -f '{{.State.Running}}' "$pod")" = true ] ||
		fail "pod exited: $(docker logs "$pod" 2>&1 | tail -5)"
	sleep 0.5
done
[ "$(pod_get /healthz)" = ok ] || fail "readiness probe: no /healthz"
note "readiness probe: /healthz ok"
caps=$(awk '/^CapEff/ { print $2 }' "/proc/$pid/status")
[ "$caps" = 000000c000000000 ] || fail "pod's CapEff $caps, want BPF+PERFMON only"

name=ct-ds-target-$$
docker run --rm --network none --name "$name" "$CT_IMAGE" \
	sh -c 'cat /etc/passwd >/dev/null' || fail "docker run $name"
for _ in $(seq 40); do
	docker logs "$pod" 2>/dev/null | jq -c --arg n "$name" \
		'select(.type == "container" and .name == $n)' >"$T/rec" || true
	[ -s "$T/rec" ] && break
	sleep 0.5
done
[ -s "$T/rec" ] || { docker logs "$pod" 2>&1 | tail -20; fail "no record named $name in the pod's log"; }
note "pod's log: $(jq -c '{name, runtime, engine, complete, opens: .opens.count}' "$T/rec")"
[ "$(jq -r .complete "$T/rec")" = true ] || fail "record not complete: $(cat "$T/rec")"
n=$(pod_get /metrics | sed -n 's/^coldtrace_containers_total{container_runtime="runc",engine="docker"} //p')
[ "${n:-0}" -ge 1 ] || fail "/metrics: runc/docker containers_total '${n:-}'"
note "/metrics: coldtrace_containers_total{runc,docker} $n"

# A CRI harness (forky): a pod through containerd's CRI, named in the pod's
# log as the client named it, from the bundle the DaemonSet mounts.
if [ "${CT_CRI:-0}" = 1 ]; then
	/usr/bin/python3 "$TOP/tests/integration/cri/cri.py" \
		--sock "$CONTAINERD_ADDRESS" --gen-dir "$CT_DIR/cri-gen" \
		pod --runtime runc --pods 1 --containers 1 --cmd "sleep 30" \
		--hold 0.5 --name "ct-ds" --log-dir "$T/logs" \
		--rpcs-out "$T/rpcs" || fail "the CRI client failed"
	pname=$(jq -r .name "$T/rpcs")
	for _ in $(seq 40); do
		docker logs "$pod" 2>/dev/null | jq -c --arg p "$pname" \
			'select(.k8s.pod == $p)' >"$T/k8s" || true
		[ "$(wc -l <"$T/k8s")" -ge 2 ] && break
		sleep 0.5
	done
	jq -e -s --arg p "$pname" --arg ns "$(jq -r .namespace "$T/rpcs")" \
		--arg c "$(jq -r '.container_names[0]' "$T/rpcs")" \
		'length == 2 and (map(.k8s.namespace == $ns) | all) and
		 (map(select(.type == "pod" and .name == $p)) | length) == 1 and
		 (map(select(.type == "container" and .k8s.container == $c)) |
		  length) == 1' "$T/k8s" >/dev/null ||
		{ docker logs "$pod" 2>&1 | tail -20; fail "the pod's log does not name CRI pod $pname: $(cat "$T/k8s")"; }
	note "pod's log names CRI pod $(jq -r '.namespace + "/" + .name' "$T/rpcs") and its container"
fi
