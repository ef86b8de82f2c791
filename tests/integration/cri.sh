#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Kubernetes pods through containerd 1.6's CRI plugin (a CT_CRI=1
# harness: tools/harness.sh), driven by the Python client of
# tests/integration/cri/ whose client-side RPC intervals are the truth:
# $2 pods at once (default 1) of two containers each under runtime
# handler $1 (runc or crun), started, held 0.5 s, stopped and removed.
# Checks (cri/check_cri.py): each pod reported once as a pod record
# (engine cri) and each app container once, linked to it ("pod"); the
# pod's connect (CNI ADD) inside its own RunPodSandbox, disconnect (CNI
# DEL -> netns umount) inside its own StopPodSandbox, both beginning at
# the exec of the first plugin whose environment names the pod (the
# session's --record, read back with --dump), no plugin unattributed,
# destroy ending by the end of its RemovePodSandbox, in steps (delete
# and network begun inside StopPodSandbox, remove inside
# RemovePodSandbox: docs/phases.md "destroy's steps"), cold start ending
# at the last app program's exec
# (`cri.sh RT 1 listen`: the apps listen; at the last app's ready;
# `cri.sh RT N "" detached` or `... listen detached`: under one detached
# default session, idle before the pods: no pod may be unarmed;
# `... detached slowcni` (or `... command slowcni`, under `-- COMMAND`):
# each pod's CNI ADD held >= 3 s, as a slow
# plugin would (slow_cni below), so that its runtime comes long after the
# ADD that attached the hooks: still no pod unarmed, every disconnect;
# the connect's largest wait site is host-local's flock,
# reached through the bridge plugin's wait for it, its waker our lock's
# holder by pid: docs/why.md);
# each record named as the client named it (namespace, pod, uid, container,
# image) and `-c NAMESPACE/POD` keeping that pod's records alone;
# each pod's prepare inside its RunPodSandbox, to its connect, and each
# app's from containerd's entry into its CreateContainer (request) to its
# attach, its task step from the entry into its StartContainer, bundle
# inside it, the steps covering prepare (detached: the first pod to act,
# begun before anything attached the hooks, said missing), a step
# missing saying why as the recording's probes and snapshots do; with
# CT_CONTAINERD_OTLP (containerd 2 sends its spans), request and task
# within 1 ms of containerd's own spans of those RPCs;
# each app container's attach and create inside its StartContainer; its
# start (and the pod's) begun inside the RPC and ended, at the program's
# exec, before the stop returned (the exec may follow the RPC's return:
# check_cri.py's START_ENDS); die and destroy inside StopContainer ..
# RemoveContainer;
# with --why (every scenario), each phase's waits add up and at least
# 90 % of each pod's and app's phase of 1 ms or more is given to a named
# site and waker (why_lib.sh);
# no network namespace left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/why_lib.sh"

rt=${1:-runc}
pods=${2:-1}
# listen: each app listens on its own port 0.3 s after its exec, so the
# pod's cold start ends at the last app's ready, not its exec
ready=${3:-}
# detached: one detached default session instead of `-- COMMAND`
# (anything else, "command" in run.sh: `-- COMMAND`)
arm=${4:-}
# slowcni: every CNI ADD lasts >= SLOW_CNI_S
cni=${5:-}
SLOW_CNI_S=3
cmd="sleep 30" hold=0.5 ready_arg=
if [ "$ready" = listen ]; then
	cmd='sleep 0.3; exec nc -l -p 808{i}' hold=1.5 ready_arg=--ready
fi
[ "${CT_CRI:-0}" = 1 ] || fail "needs a CT_CRI=1 harness (run.sh runs it under one)"

netns_before=$(ip netns list | grep -c '^cni-' || true)
client=(/usr/bin/python3 "$TOP/tests/integration/cri/cri.py"
	--sock "$CONTAINERD_ADDRESS" --gen-dir "$CT_DIR/cri-gen"
	pod --runtime "$rt" --pods "$pods" --containers 2
	--cmd "$cmd" --hold "$hold"
	--name "ct-$rt" --log-dir "$T/logs" --rpcs-out "$T/rpcs")
# A slow CNI ADD without a plugin of our own (containerd takes plugins
# from /usr/lib/cni only): host-local, which the bridge plugin calls,
# takes an flock on its network's lock file; we hold it from before the
# first pod until SLOW_CNI_S after each new cni-* netns (containerd
# mounts it just before the ADD), at most 60 s.  $T/cni-held says the
# lock is ours before the client starts.
slow_cni() {
	local lock=$CT_DIR/cni/ipam/coldtrace-${CT_DIR##*.}/lock

	mkdir -p "${lock%/*}"
	flock "$lock" bash -c '
		touch "$1"; n=$(ip netns list | grep -c "^cni-")
		for _ in $(seq 600); do
			[ "$(ip netns list | grep -c "^cni-")" -gt "$n" ] && break
			sleep 0.1
		done
		sleep "$2"' _ "$T/cni-held" "$SLOW_CNI_S" &
	FLOCK_PID=$!
	for _ in $(seq 100); do
		[ -e "$T/cni-held" ] && return 0
		sleep 0.05
	done
	fail "could not hold host-local's lock $lock"
}

# --why in every scenario: the pods' and apps' wait sites are checked
# as why_coverage.sh checks the other engines' (why_lib.sh)
why=(--why)
if [ "$cni" = slowcni ]; then
	[ "$pods" = 1 ] || fail "slowcni is a scenario of one pod"
	slow_cni
fi
# containerd 2's own spans of the same RPCs, where the harness has it
# send them (run.sh's otlp-forky-own harness): the request and task
# steps are held to them (check_cri.py --spans)
spans_arg=()
if [ -n "${CT_CONTAINERD_OTLP:-}" ]; then
	otlp_rx_start "$T/spans" cri
	SCENE_NS=$(date +%s%N)
fi
if [ "$arm" = detached ]; then
	# As the DaemonSet runs it: one detached session, its syscall hooks
	# verified detached before the pods (detached_lib.sh), so that
	# containerd's netns mounts come before anything attaches them.
	. "$(dirname "$0")/detached_lib.sh"
	dt_start --record "$T/rec" "${why[@]}"
	"${client[@]}" || fail "the CRI client failed"
	for id in $(jq -r '.sandbox_id' "$T/rpcs"); do
		for _ in $(seq 150); do
			jq -e --arg id "$id" 'select(.type == "pod" and .id == $id)' \
				"$T/out" >/dev/null 2>&1 && break
			sleep 0.2
		done
	done
	dt_stop
else
	# --arm=always: on a loaded host the client's own start (Python,
	# gRPC stubs) outlasts the 2 s after which an idle session detaches
	# the hooks; the phases are what is checked here, arming is
	# arm.sh's and the detached variant's.
	run_ct -j --arm=always --record "$T/rec" "${why[@]}" -- "${client[@]}"
	[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace or the CRI client exited $CT_RC"; }
fi
if [ -n "${CT_CONTAINERD_OTLP:-}" ]; then
	spans_wait "$T/spans" RuntimeService/StartContainer "$SCENE_NS" \
		$((pods * 2))
	# the pods' own, sent before, unless an export was retried
	spans_wait "$T/spans" RuntimeService/RunPodSandbox "$SCENE_NS" "$pods"
	kill "$RX_PID" 2>/dev/null || true
	wait "$RX_PID" 2>/dev/null || true
	RX_PID=
	spans_arg=(--spans "$T/spans")
fi
"$COLDTRACE" --replay "$T/rec" --dump >"$T/dump" ||
	fail "coldtrace --replay --dump of the session's recording failed"
detached_arg=
[ "$arm" = detached ] && detached_arg=--detached
# containerd 2 makes a pod's netns before its directories (docs/phases.md)
pod_steps=config,network
[ "$CT_VERSIONS" = forky ] && pod_steps=network
python3 "$TOP/tests/integration/cri/check_cri.py" --out "$T/out" \
	--rpcs "$T/rpcs" --runtime "$rt" --pods "$pods" --containers 2 \
	--dump "$T/dump" --pod-steps "$pod_steps" $ready_arg $detached_arg \
	"${spans_arg[@]}" ||
	{ show_output; fail "cri $rt x$pods"; }
# -c NAMESPACE/POD keeps the records of that pod alone: its sandbox and
# its 2 app containers, by the ids the client was given
pod1=$(jq -r 'select(.name) | "\(.namespace)/\(.name) \(.sandbox_id) \(.containers | join(" "))"' "$T/rpcs" | head -n 1)
"$COLDTRACE" --replay "$T/rec" -j -c "${pod1%% *}" >"$T/one" ||
	fail "coldtrace --replay -c ${pod1%% *} failed"
want=$(echo "${pod1#* }" | tr ' ' '\n' | sort | tr '\n' ' ')
got=$(jq -r 'select(.type == "pod" or .type == "container") | .id' "$T/one" | sort | tr '\n' ' ')
[ "$got" = "$want" ] || fail "-c ${pod1%% *}: records $got, want $want"
if [ "$arm" = detached ]; then
	u=$(jq -c 'select((.type == "pod" or .type == "container") and .unarmed) | {type, id: .id[0:12], pod: (.pod // "")[0:12], phases: (.phases | keys)}' "$T/out")
	[ -z "$u" ] || { grep -E '^sys: hooks|ARM' "$T/err" | tail -n 20; fail "detached: unarmed: $u"; }
fi
if [ "$cni" = slowcni ]; then
	# the scenario happened: the pod's ADD (its connect) was held
	c=$(jq -r 'select(.type == "pod") | .phases.connect.dur_ns // 0' "$T/out")
	[ "$(awk -v c="$c" -v s=$SLOW_CNI_S 'BEGIN { print (c >= (s - 0.5) * 1e9) }')" = 1 ] ||
		fail "the pod's connect lasted $c ns, not the ${SLOW_CNI_S} s the lock held it"
	note "slow CNI: the pod's connect $((c / 1000000)) ms, its disconnect $(jq -r 'select(.type == "pod") | .phases.disconnect.dur_ns // "none"' "$T/out") ns"
	# --why: on what the connect waited, and who held it up: the lock's
	# holder (the flock process above), reached through the plugin's
	# wait for host-local (docs/why.md)
	p=$(jq -c 'select(.type == "pod") | .phases.connect' "$T/out")
	w=$(jq -c '.waits.sites // [] | max_by(.ns + .runq_ns)' <<<"$p")
	note "slow CNI: connect's largest wait site $w"
	[ -n "$w" ] && [ "$w" != null ] || fail "the pod's connect has no wait sites: $p"
	jq -e --argjson s "$SLOW_CNI_S" --argjson f "$FLOCK_PID" '
		(.ns + .runq_ns) >= ($s - 0.5) * 1e9 and .state == "S" and
		.syscall == "flock" and .hop.comm == "flock" and .hop.pid == $f' \
		<<<"$w" \
		>/dev/null || fail "the slow CNI's wait is not the lock's: $p"
fi
# --why: every pod's and app's phases explained, as the other engines'
why_waits_add_up "$T/out" "cri $rt"
why_coverage "$T/out" "cri $rt" 2
# Every pod removed: CNI DEL took its netns (CRI names them cni-*).
netns_after=$(ip netns list | grep -c '^cni-' || true)
[ "$netns_after" -le "$netns_before" ] ||
	fail "network namespaces left: $netns_before cni-* before, $netns_after after"
note "pods: $(jq -r '.sandbox_id[0:12]' "$T/rpcs" | tr '\n' ' ')"
