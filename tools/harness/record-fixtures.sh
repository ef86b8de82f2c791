#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Re-records the real-session fixtures in tests/fixtures/ that the unit
# tests replay (no root needed there).  Each NAME.ctrec gets a sidecar
# NAME.json with what the recording must yield:
#   {"name": ..., "command": [...], "containers": [{"id": ..., "runtime":
#    ..., "engine": ..., "exit_code": N}], "command_status": N}
# taken from independent truth (--cidfile, the ids we chose, the command's
# exit status), never from coldtrace's own output.
#
#   tools/harness/record-fixtures.sh [NAME...]     (default: all)
# Needs root, a built ./coldtrace and the harness.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
HARNESS=$TOP/tools/harness.sh
COLDTRACE=$TOP/coldtrace
FIX=$TOP/tests/fixtures
ALL=(docker-runc docker-crun docker-runsc docker-exit3 ctr-runc runc-run
	runsc-run docker-ready docker-ready-runsc docker-why docker-prepare
	runc-byhand runc-nostart kata-standin podman-runc podman-crun
	podman-exit3 podman-detach cri-runc cri-crun docker-fuse
	runc-hook-waits)
# A Node.js service that sleeps 300 ms, listens and prints its own wall
# clock (ns) right after listen() returns (it listens synchronously when
# given no host): the truth for the ready phase.
READY_JS='setTimeout(() => { const s = require("net").createServer();
s.listen(8080);
const ns = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e3)) * 1000n;
console.log("READY " + ns); s.close(); }, 300);'

die() {
	echo "record-fixtures: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -x "$COLDTRACE" ] || die "build first (make)"

export CT_HARNESS_STATE
CT_HARNESS_STATE=$(mktemp /tmp/ct-fixtures.XXXXXX)
# shellcheck source=tools/podman-env.sh
. "$TOP/tools/podman-env.sh"
trap 'podman_env_cleanup; "$HARNESS" stop 2>/dev/null; rm -f "$CT_HARNESS_STATE"' EXIT
# CT_CRI=1: containerd's CRI plugin for the cri-* pods; it leaves the
# moby and default namespaces' containers alone.
# shellcheck disable=SC1090
. "$(CT_CRI=1 "$HARNESS" start)"
"$HARNESS" image
W=$(mktemp -d "$CT_DIR/fix.XXXXXX")

# sidecar NAME STATUS ID RUNTIME ENGINE EXIT CMD...
# $PHASES (a JSON list) and $FAILED, when set, say which phases the way
# the container was run must give and why it never ran.
sidecar() {
	local name=$1 status=$2 id=$3 rt=$4 eng=$5 code=$6 cmd
	shift 6
	cmd=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
	jq -n --arg name "$name" --argjson status "$status" --arg id "$id" \
		--arg rt "$rt" --arg eng "$eng" --argjson code "$code" \
		--argjson cmd "$cmd" --argjson phases "${PHASES:-null}" \
		--arg failed "${FAILED:-}" \
		'{name: $name, command: $cmd, command_status: $status,
		  containers: [{id: $id, runtime: $rt, engine: $eng,
				exit_code: $code}
			       + (if $phases then {phases: $phases} else {} end)
			       + (if $failed != "" then {failed: $failed}
				  else {} end)]}' >"$FIX/$name.json"
}

# rec NAME ID RUNTIME ENGINE EXIT CMD...: record CMD, write the sidecar.
# EXIT null: no exit code is seen (Kata: pid 1 runs in the guest; a
# container that never ran); the command must then exit 0.
rec() {
	local name=$1 id=$2 rt=$3 eng=$4 code=$5 status=0 n want
	shift 5
	rm -f "$FIX/$name.ctrec" "$FIX/$name.json" "$W/cid"
	# shellcheck disable=SC2086 # REC_ARGS: extra coldtrace options
	"$COLDTRACE" ${REC_ARGS:-} --record "$FIX/$name.ctrec" -- "$@" </dev/null \
		>"$W/$name.out" || status=$?
	# docker ids are known only once the command ran.
	if [ "$id" = cid ]; then
		[ -s "$W/cid" ] || die "$name: the command did not run (status $status)"
		id=$(cat "$W/cid")
	fi
	[ -s "$FIX/$name.ctrec" ] || die "$name: no recording (status $status)"
	want=${STATUS:-$code}
	[ "$want" != null ] || want=0
	[ "$status" -eq "$want" ] || die "$name: status $status, want $want"
	# Sanity only (the sidecar's values come from the command line and
	# --cidfile): the recording must replay and contain the container.
	n=$("$COLDTRACE" -j --replay "$FIX/$name.ctrec" |
		jq -s --arg id "$id" '[.[] | select(.id == $id)] | length')
	[ "$n" -eq 1 ] || die "$name: replay shows container $id $n times"
	sidecar "$name" "$status" "$id" "$rt" "$eng" "$code" "$@"
	echo "$name: $(stat -c %s "$FIX/$name.ctrec") bytes, id $id, status $status"
}

docker_rec() {
	local name=$1 rt=$2 code=$3
	shift 3
	rec "$name" cid "$rt" docker "$code" docker run --rm --network none \
		--runtime="$rt" --cidfile "$W/cid" "$CT_IMAGE" "$@"
}

# ready_rec NAME RUNTIME: the Node.js service; the sidecar also gets
# "ready_printed_ns" (a string: exact) from the service's own output.
ready_rec() {
	local name=$1 rt=$2 printed
	"$TOP/tools/node-image.sh" coldtrace/node:latest >/dev/null
	rec "$name" cid "$rt" docker 0 docker run --rm --network none \
		--runtime="$rt" --cidfile "$W/cid" coldtrace/node:latest \
		node -e "$READY_JS"
	printed=$(awk '/^READY / { print $2 }' "$W/$name.out")
	[ -n "$printed" ] || die "$name: the service printed no READY line"
	jq --arg p "$printed" '. + {ready_printed_ns: $p}' "$FIX/$name.json" \
		>"$W/sidecar" && mv "$W/sidecar" "$FIX/$name.json"
}

# why_rec NAME: --why of a Node.js program spinning 200 ms; the sidecar
# also gets "cpu_us", the CPU time of node's main thread (spin-cpu.js).
SPIN_JS=$(cat "$TOP/tools/harness/spin-cpu.js")
why_rec() {
	local name=$1 cpu
	"$TOP/tools/node-image.sh" coldtrace/node:latest >/dev/null
	REC_ARGS=--why rec "$name" cid runc docker 0 docker run --rm \
		--network none --cidfile "$W/cid" coldtrace/node:latest \
		node -e "$SPIN_JS"
	cpu=$(awk '/^CPU_US / { print $2 }' "$W/$name.out")
	[ -n "$cpu" ] || die "$name: node printed no CPU time"
	jq --argjson c "$cpu" '. + {cpu_us: $c}' "$FIX/$name.json" \
		>"$W/sidecar" && mv "$W/sidecar" "$FIX/$name.json"
}

# prepare_rec NAME: a docker run with docker's own `create` event time
# (streamed live) in the sidecar as "create_event_ns" (a string: exact).
prepare_rec() {
	local name=$1 evpid created
	docker events --filter event=create --format '{{json .}}' \
		>"$W/events" &
	evpid=$!
	sleep 0.3
	docker_rec "$name" runc 0 true
	sleep 0.3
	kill "$evpid" 2>/dev/null || true
	created=$(jq -r --arg id "$(cat "$W/cid")" \
		'select(.id == $id) | .timeNano' "$W/events" | head -1)
	[ -n "$created" ] || die "$name: no create event from docker"
	jq --arg c "$created" '. + {create_event_ns: $c}' "$FIX/$name.json" \
		>"$W/sidecar" && mv "$W/sidecar" "$FIX/$name.json"
}

# A private Podman (tools/podman-env.sh) under $W, made once.
podman_ready() {
	[ -n "${CT_PODMAN_DIR:-}" ] || podman_env_init "$W/podman" ||
		die "no private Podman"
}

# Podman's name for the container (--name: the truth) into the sidecar.
sidecar_name() {
	jq --arg n "$2" '.containers[0] += {name: $n}' "$FIX/$1.json" \
		>"$W/sidecar" && mv "$W/sidecar" "$FIX/$1.json"
}

# podman_rec NAME RUNTIME EXIT ARGS...: `podman run --rm` of ARGS.
podman_rec() {
	local name=$1 rt=$2 code=$3
	shift 3
	podman_ready
	rec "$name" cid "$rt" podman "$code" "${CT_PODMAN_CMD[@]}" run --rm \
		--network none --runtime "$rt" --name "ct-fx-$name" \
		--cidfile "$W/cid" "$CT_PODMAN_IMAGE" "$@"
	sidecar_name "$name" "ct-fx-$name"
}

DETACH_SH='c=$1 n=$2 img=$3; shift 3; "$@" run -d --network none --runtime runc --name "$n" --cidfile "$c" "$img" sleep 60 >/dev/null && sleep 0.3 && "$@" rm -f -t 0 "$(cat "$c")" >/dev/null'
# podman_detach_rec NAME: `podman run -d` of a sleep, `podman rm -f -t 0`
# of it 0.3 s later: the runtime's kill, exit code 137 (SIGKILL).
podman_detach_rec() {
	local name=$1
	podman_ready
	STATUS=0 rec "$name" cid runc podman 137 sh -c "$DETACH_SH" sh \
		"$W/cid" "ct-fx-$name" "$CT_PODMAN_IMAGE" "${CT_PODMAN_CMD[@]}"
	sidecar_name "$name" "ct-fx-$name"
}

# kata_rec: Kata's process tree with the stand-ins of
# tests/integration/kata-standin (Kata cannot run here, docs/design.md "Facts measured").
kata_rec() {
	local src=$TOP/tests/integration/kata-standin kb=$W/kbin
	mkdir -p "$kb" "$W/krun"
	cc -O2 -Wall -Wextra -Werror -o "$kb/containerd-shim-kata-v2" \
		"$src/kata-standin.c" || die "kata-standin: cannot build"
	ln -f "$kb/containerd-shim-kata-v2" "$kb/qemu-system-x86_64"
	ln -f "$kb/containerd-shim-kata-v2" "$kb/virtiofsd"
	KATA_STANDIN_LOG=$W/kstamps KATA_STANDIN_DIR=$W/krun \
	KATA_STANDIN_SETUP_MS=80 KATA_STANDIN_BOOT_MS=400 \
	KATA_STANDIN_TEARDOWN_MS=150 KATA_STANDIN_DAEMONIZE=0 \
	KATA_STANDIN_HYPERVISOR=qemu-system-x86_64 \
	PHASES='["attach","create","destroy"]' \
		rec kata-standin ct-fixture-kata kata containerd null \
		"$src/lifecycle.sh" "$kb" ct-fixture-kata 1200
}

# cri_rec NAME RUNTIME: a pod of two containers through containerd's CRI
# plugin (tests/integration/cri/cri.py: run, create and start both, hold
# 0.5 s, StopContainer with timeout 0 (SIGKILL: 137), remove, stop and
# remove the sandbox, whose pause StopPodSandbox kills (137)).  The
# sidecar lists the sandbox ("is_pod") and the app containers ("pod_id")
# with the ids the RPCs returned.
cri_rec() {
	local name=$1 rt=$2 cmd ids n
	cmd=(/usr/bin/python3 "$TOP/tests/integration/cri/cri.py" --sock
		"$CONTAINERD_ADDRESS" --gen-dir "$W/cri-gen" pod --runtime "$rt"
		--containers 2 --name "ct-fx-$name" --log-dir "$W/cri-logs"
		--rpcs-out "$W/rpcs")
	rm -f "$FIX/$name.ctrec" "$FIX/$name.json"
	"$COLDTRACE" --record "$FIX/$name.ctrec" -- "${cmd[@]}" </dev/null \
		>"$W/$name.out" || die "$name: status $?"
	for ids in $(jq -r '.sandbox_id, .containers[]' "$W/rpcs"); do
		n=$("$COLDTRACE" -j --replay "$FIX/$name.ctrec" |
			jq -s --arg id "$ids" '[.[] | select(.id == $id)] | length')
		[ "$n" -eq 1 ] || die "$name: replay shows $ids $n times"
	done
	jq -n --arg name "$name" --arg rt "$rt" --slurpfile r "$W/rpcs" \
		--argjson cmd "$(printf '%s\n' "${cmd[@]}" | jq -R . | jq -sc .)" \
		'$r[0] as $p | {name: $name, command: $cmd, command_status: 0,
		  containers: ([{id: $p.sandbox_id, runtime: $rt, engine: "cri",
				 exit_code: 137, is_pod: true,
				 phases: ["attach", "create", "connect", "start",
					  "run", "die", "disconnect",
					  "destroy"]}]
			       + [$p.containers[] | {id: ., runtime: $rt,
				  engine: "cri", exit_code: 137,
				  pod_id: $p.sandbox_id}])}' >"$FIX/$name.json"
	echo "$name: $(stat -c %s "$FIX/$name.ctrec") bytes, pod $(jq -r .sandbox_id "$W/rpcs")"
}

# fuse_rec NAME: --start-files of a container that reads a FUSE file
# system of ours (tests/integration/fuse_slow.py: 100 ms per read), its
# own root's file, listens, then reads again; the sidecar also gets
# "fuse_reads" and "fuse_read_bytes" (strings: exact), the reads the
# file system's own log says the container made.
fuse_rec() {
	local name=$1 pid reads bytes
	mkdir -p "$W/lz"
	python3 "$TOP/tests/integration/fuse_slow.py" "$W/lz" "$W/lz.log" \
		big:300000 small:5000 >"$W/lz.out" 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		grep -qx ready "$W/lz.out" 2>/dev/null && break
		sleep 0.1
	done
	REC_ARGS=--start-files rec "$name" cid runc docker 0 docker run --rm \
		--network none --runtime=runc --cidfile "$W/cid" \
		-v "$W/lz:/lz:ro" "$CT_IMAGE" sh -c 'head -c 3000 /dev/zero >/w
cat /w /lz/big >/dev/null; nc -l -p 8080 & sleep 0.5; cat /lz/small >/dev/null; kill $!'
	umount "$W/lz"
	wait "$pid" || die "$name: the FUSE file system failed"
	reads=$(jq -s 'map(select(.opcode == 15)) | length' "$W/lz.log")
	bytes=$(jq -s 'map(.bytes) | add' "$W/lz.log")
	jq --arg r "$reads" --arg b "$bytes" \
		'. + {fuse_reads: $r, fuse_read_bytes: $b}' "$FIX/$name.json" \
		>"$W/sidecar" && mv "$W/sidecar" "$FIX/$name.json"
}

# waits_rec NAME: --why of `runc run` of a bundle whose createRuntime
# hook sleeps HOOK_S; the sidecar also gets "hook_sleep_ns" and
# "hook_comm", the hook as its command line says (docs/why.md).
HOOK_S=0.3
waits_rec() {
	local name=$1
	"$HARNESS" bundle "$W/hook" true >/dev/null
	jq --arg s "$HOOK_S" '.hooks = {createRuntime: [{path: "/bin/sleep",
		args: ["sleep", $s]}]}' "$W/hook/config.json" >"$W/hook/c" &&
		mv "$W/hook/c" "$W/hook/config.json"
	REC_ARGS=--why rec "$name" ct-fixture-hook runc direct 0 \
		runc --root "$CT_RUNC_ROOT" run --bundle "$W/hook" \
		ct-fixture-hook
	jq --arg ns "$(awk -v s="$HOOK_S" 'BEGIN { printf "%d", s * 1e9 }')" \
		'. + {hook_sleep_ns: $ns, hook_comm: "sleep"}' "$FIX/$name.json" \
		>"$W/sidecar" && mv "$W/sidecar" "$FIX/$name.json"
}

record_one() {
	case "$1" in
	docker-fuse) fuse_rec docker-fuse ;;
	docker-prepare) prepare_rec docker-prepare ;;
	docker-why) why_rec docker-why ;;
	runc-hook-waits) waits_rec runc-hook-waits ;;
	docker-ready) ready_rec docker-ready runc ;;
	docker-ready-runsc) ready_rec docker-ready-runsc runsc ;;
	docker-runc) docker_rec docker-runc runc 0 true ;;
	docker-crun) docker_rec docker-crun crun 0 true ;;
	docker-runsc) docker_rec docker-runsc runsc 0 true ;;
	docker-exit3) docker_rec docker-exit3 runc 3 sh -c 'exit 3' ;;
	ctr-runc)
		rec ctr-runc ct-fixture-ctr runc containerd 0 \
			ctr --address "$CONTAINERD_ADDRESS" -n default run --rm \
			"$CT_CTR_IMAGE" ct-fixture-ctr true ;;
	runc-run)
		"$HARNESS" bundle "$W/bundle" true >/dev/null
		rec runc-run ct-fixture-runc runc direct 0 \
			runc --root "$CT_RUNC_ROOT" run --bundle "$W/bundle" \
			ct-fixture-runc ;;
	runsc-run)
		"$HARNESS" bundle "$W/bundle" true >/dev/null
		rec runsc-run ct-fixture-runsc runsc direct 0 \
			runsc --root "$CT_RUNSC_ROOT" --network=none run \
			--bundle "$W/bundle" ct-fixture-runsc ;;
	runc-byhand)
		"$HARNESS" bundle "$W/bundle" true >/dev/null
		PHASES='["create","start","run","destroy"]' \
		rec runc-byhand ct-fixture-byhand runc direct 0 \
			sh -c 'runc --root "$1" create --bundle "$2" "$3" &&
				runc --root "$1" start "$3" && sleep 0.3 &&
				runc --root "$1" delete "$3"' \
			sh "$CT_RUNC_ROOT" "$W/bundle" ct-fixture-byhand ;;
	runc-nostart)
		"$HARNESS" bundle "$W/bundle" true >/dev/null
		PHASES='["create","destroy"]' FAILED=create \
		rec runc-nostart ct-fixture-nostart runc direct null \
			sh -c 'runc --root "$1" create --bundle "$2" "$3" &&
				sleep 0.3 && runc --root "$1" delete --force "$3"' \
			sh "$CT_RUNC_ROOT" "$W/bundle" ct-fixture-nostart ;;
	kata-standin) kata_rec ;;
	podman-runc) podman_rec podman-runc runc 0 true ;;
	podman-crun) podman_rec podman-crun crun 0 true ;;
	podman-exit3) podman_rec podman-exit3 crun 3 sh -c 'exit 3' ;;
	podman-detach) podman_detach_rec podman-detach ;;
	cri-runc) cri_rec cri-runc runc ;;
	cri-crun) cri_rec cri-crun crun ;;
	*) die "unknown fixture $1 (known: ${ALL[*]})" ;;
	esac
}

[ $# -gt 0 ] || set -- "${ALL[@]}"
for n in "$@"; do
	record_one "$n"
done
