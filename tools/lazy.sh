#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# A private containerd with the stargz snapshotter, for lazy pulling
# (eStargz) tests and experiments, offline (docs/lazy.md).  Images come
# from a registry started by tools/registry.sh on loopback.
#
# Usage (as root):
#   tools/lazy.sh start           start our stargz daemon (tools/lazy/
#                                 stargz-grpc.go, built by tools/lazy/build.sh)
#                                 and a containerd that reaches it as proxy
#                                 plugin "stargz", both in a fresh
#                                 /tmp/ctlazy.XXXXXX; prints the env file
#   tools/lazy.sh env             print the current env file path
#   tools/lazy.sh image NAME SRC_REF [RECORD_FILE]
#                                 convert SRC_REF (an image of our
#                                 containerd, e.g. from `ctr images import`)
#                                 to eStargz, push it as ADDR/NAME:latest
#                                 (ADDR: `tools/registry.sh addr`), remove the
#                                 converted image and its blobs locally;
#                                 prints the pushed reference.  RECORD_FILE
#                                 (JSON lines of {"path":...}, e.g. one
#                                 image's lines of coldtrace's
#                                 start-files.jsonl): its files first in
#                                 each layer, before a prefetch landmark
#                                 (--estargz-record-in; paths a layer lacks
#                                 are ignored)
#   tools/lazy.sh rpull REF       lazy pull REF (plain http) with ctr-remote;
#                                 prints the seconds it took
#   tools/lazy.sh stop            kill our tasks, stop both daemons, unmount
#                                 what is under the dir, remove it; safe
#                                 twice and from traps
#
# After `start`, `. "$(tools/lazy.sh env)"` exports CT_LAZY_DIR,
# CONTAINERD_ADDRESS, CONTAINERD_SNAPSHOTTER=stargz (ctr's default
# snapshotter then), CT_LAZY_CONTAINERD_PID, CT_LAZY_STARGZ_PID and
# CT_LAZY_STARGZ_SOCK.  Use unique container ids: `ctr run` shares runc's
# root /run/containerd/runc/default with every containerd of the host.
#
# The current dir is in $CT_LAZY_STATE (default /tmp/coldtrace-lazy.current).
#
# What we learned (Debian 12, containerd 1.6.20, stargz-snapshotter 0.12):
# - Debian ships the snapshotter's Go packages and ctr-remote, not the
#   daemon containerd-stargz-grpc: ours is built from the `service`
#   package.  Its binary keeps upstream's name, so that its comm is
#   "containerd-star" as upstream's is.
# - no_background_fetch = true leaves only the fetches a read causes.
# - The snapshotter mounts one FUSE file system per layer under its root;
#   `stop` unmounts whatever is left under our dir.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_FILE=${CT_LAZY_STATE:-/tmp/coldtrace-lazy.current}
REGISTRY=$TOP/tools/registry.sh
WAIT_S=30

die() {
	echo "lazy: $*" >&2
	exit 1
}

log() {
	echo "lazy: $*" >&2
}

# pids_under (the shims name our socket), stop_pid, unmount_under
# shellcheck source=tools/procs.sh
. "$TOP/tools/procs.sh"

need_root() {
	[ "$(id -u)" -eq 0 ] || die "must run as root"
}

# The current dir, or nothing (status 1).
current_dir() {
	local d
	d=$(cat "$STATE_FILE" 2>/dev/null) || return 1
	[ -n "$d" ] && [ -d "$d" ] || return 1
	echo "$d"
}

lazy_dir() {
	current_dir || die "no lazy harness running (tools/lazy.sh start)"
}

need_tools() {
	local b
	for b in containerd ctr containerd-shim-runc-v2 runc; do
		command -v "$b" >/dev/null ||
			die "$b not found (make deps)"
	done
	command -v ctr-remote >/dev/null ||
		die "ctr-remote not found (make deps)"
	[ -c /dev/fuse ] || die "/dev/fuse missing (modprobe fuse)"
}

# ctr on our containerd, bounded in time.
ctr_d() {
	local d=$1
	shift
	timeout 60 ctr --address "$d/containerd.sock" "$@"
}

write_stargz_config() {
	cat >"$1/stargz.toml" <<EOF
# Only what a read asks for is fetched: the lazy tests count fetches.
no_background_fetch = true
EOF
}

# cri wants CNI and a sandbox image; the other snapshotters are of no
# use here (btrfs, zfs, devmapper only log errors).
write_containerd_config() {
	local d=$1 p=io.containerd.snapshotter.v1
	cat >"$d/containerd.toml" <<EOF
version = 2
root = "$d/containerd/root"
state = "$d/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "$p.aufs", "$p.btrfs", "$p.zfs", "$p.devmapper"]

[grpc]
  address = "$d/containerd.sock"

[ttrpc]
  address = "$d/containerd.ttrpc.sock"

[debug]
  address = "$d/containerd.debug.sock"

[plugins."io.containerd.internal.v1.opt"]
  path = "$d/containerd/opt"

[proxy_plugins.stargz]
  type = "snapshot"
  address = "$d/stargz.sock"
EOF
}

write_env() {
	local d=$1
	cat >"$d/env" <<EOF
export CT_LAZY_DIR=$d
export CONTAINERD_ADDRESS=$d/containerd.sock
export CONTAINERD_SNAPSHOTTER=stargz
export CT_LAZY_CONTAINERD_PID=$(cat "$d/containerd.pid")
export CT_LAZY_STARGZ_PID=$(cat "$d/stargz.pid")
export CT_LAZY_STARGZ_SOCK=$d/stargz.sock
EOF
}

# wait_for WHAT LOG PID CMD...: until CMD succeeds while PID lives, at
# most WAIT_S; on failure everything started is undone.
wait_for() {
	local what=$1 logf=$2 pid=$3 end=$((SECONDS + WAIT_S))
	shift 3
	until "$@" >/dev/null 2>&1; do
		if ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -ge $end ]; then
			tail -n 20 "$logf" >&2 || true
			cmd_stop
			die "$what did not come up (its log above)"
		fi
		sleep 0.2
	done
}

stargz_ok() {
	ctr_d "$1" plugins ls |
		awk '$2 == "stargz" { ok = ($NF == "ok") } END { exit !ok }'
}

cmd_start() {
	local d bin
	need_root
	need_tools
	if d=$(current_dir) &&
		kill -0 "$(cat "$d/containerd.pid" 2>/dev/null)" 2>/dev/null; then
		die "a lazy harness already runs from $d (tools/lazy.sh stop)"
	fi
	bin=$("$TOP/tools/lazy/build.sh") || die "cannot build the stargz daemon"
	# short: unix socket paths must stay < 108 bytes
	d=$(mktemp -d /tmp/ctlazy.XXXXXX)
	echo "$d" >"$STATE_FILE"
	mkdir -p "$d/stargz" "$d/containerd"
	write_stargz_config "$d"
	write_containerd_config "$d"
	setsid "$bin" --config "$d/stargz.toml" --root "$d/stargz" \
		--address "$d/stargz.sock" </dev/null >"$d/stargz.log" 2>&1 &
	echo $! >"$d/stargz.pid"
	wait_for "the stargz daemon" "$d/stargz.log" "$(cat "$d/stargz.pid")" \
		test -S "$d/stargz.sock"
	setsid containerd --config "$d/containerd.toml" </dev/null \
		>"$d/containerd.log" 2>&1 &
	echo $! >"$d/containerd.pid"
	wait_for "containerd with stargz" "$d/containerd.log" \
		"$(cat "$d/containerd.pid")" stargz_ok "$d"
	write_env "$d"
	log "containerd (pid $(cat "$d/containerd.pid")), stargz (pid $(cat "$d/stargz.pid")) up in $d"
	echo "$d/env"
}

cmd_image() {
	local name=${1:?image NAME SRC_REF [RECORD_FILE]}
	local src=${2:?image NAME SRC_REF [RECORD_FILE]} rec=${3:-}
	local d addr dst tmp rec_opt=()
	need_root
	d=$(lazy_dir)
	[[ "$name" =~ ^[a-z0-9][a-z0-9._-]{0,63}$ ]] ||
		die "bad image name '$name' (lowercase letters, digits, . _ -)"
	addr=$("$REGISTRY" addr) || die "no registry address"
	curl -sf -o /dev/null "http://$addr/v2/" ||
		die "no registry answers on $addr (tools/registry.sh start)"
	ctr_d "$d" images ls -q | grep -qxF "$src" ||
		die "no image $src in our containerd (ctr images import first)"
	if [ -n "$rec" ]; then
		[ -s "$rec" ] || die "$rec: no such record file, or empty"
		rec_opt=(--estargz-record-in "$rec")
	fi
	dst=$addr/$name:latest
	tmp=coldtrace.local/lazy-$name:estargz
	ctr_d "$d" images rm --sync "$tmp" >/dev/null 2>&1 || true
	ctr-remote --address "$d/containerd.sock" image convert --estargz --oci \
		"${rec_opt[@]}" "$src" "$tmp" >&2 ||
		die "cannot convert $src to eStargz"
	ctr_d "$d" images tag --force "$tmp" "$dst" >/dev/null &&
		ctr_d "$d" images push --plain-http "$dst" >/dev/null || {
		ctr_d "$d" images rm --sync "$tmp" "$dst" >/dev/null 2>&1
		die "cannot push $dst"
	}
	# --sync: the blobs only these two held are gone when rm returns
	ctr_d "$d" images rm --sync "$tmp" "$dst" >/dev/null ||
		die "cannot remove $tmp locally"
	log "pushed $dst (eStargz of $src${rec:+, files of $rec first})"
	echo "$dst"
}

cmd_rpull() {
	local ref=${1:?rpull REF} d t0 t1
	need_root
	d=$(lazy_dir)
	t0=$(date +%s%N)
	timeout 120 ctr-remote --address "$d/containerd.sock" image rpull \
		--plain-http "$ref" >&2 || die "rpull of $ref failed"
	t1=$(date +%s%N)
	awk -v n=$((t1 - t0)) 'BEGIN { printf "%.3f\n", n / 1e9 }'
}

# Our tasks killed and deleted, then their containers, through
# containerd: a killed shim leaves its container's processes running,
# under no name of ours.
remove_tasks() {
	local d=$1 ns id
	[ -S "$d/containerd.sock" ] || return 0
	for ns in $(ctr_d "$d" namespaces list -q 2>/dev/null); do
		for id in $(ctr_d "$d" -n "$ns" tasks list -q 2>/dev/null); do
			ctr_d "$d" -n "$ns" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
			ctr_d "$d" -n "$ns" tasks delete -f "$id" >/dev/null 2>&1 || true
		done
		for id in $(ctr_d "$d" -n "$ns" containers list -q 2>/dev/null); do
			ctr_d "$d" -n "$ns" containers delete "$id" >/dev/null 2>&1 || true
		done
	done
}

# Undo everything, in an order that never aborts half-way.
cmd_stop() {
	local d p
	d=$(current_dir) || { rm -f "$STATE_FILE"; return 0; }
	case "$d" in /tmp/ctlazy.*) ;; *) die "refusing to clean $d" ;; esac
	remove_tasks "$d"
	stop_pid "$(cat "$d/containerd.pid" 2>/dev/null || true)" 10
	# the daemon unmounts its layers when it exits on SIGTERM
	stop_pid "$(cat "$d/stargz.pid" 2>/dev/null || true)" 10
	for p in $(pids_under "$d"); do
		stop_pid "$p" 3
	done
	unmount_under "$d"
	rm -rf "$d" 2>/dev/null || { sleep 1; unmount_under "$d"; rm -rf "$d"; }
	rm -f "$STATE_FILE"
	log "stopped and removed $d"
}

case "${1:-}" in
start) cmd_start ;;
env) d=$(lazy_dir) && echo "$d/env" ;;
image) shift; cmd_image "$@" ;;
rpull) shift; cmd_rpull "$@" ;;
stop) cmd_stop ;;
*) die "usage: $0 start|env|image|rpull|stop (see the header)" ;;
esac
