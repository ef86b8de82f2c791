#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Remove what earlier runs of coldtrace's tests, demo, benchmarks and
# experiments left on this host, so that the next `make check` starts as
# it would on a new machine (`make distclean-state`, tools/README.md).
#
# Usage (as root):
#   tools/distclean-state.sh [-n]           everything of the project's
#   tools/distclean-state.sh [-n] WHAT...   only these, each a harness dir
#                                           (/tmp/ct.XXXXXX) or state file
#                                           (CT_HARNESS_STATE), or a
#                                           registry dir (/tmp/ctreg.XXXXXX)
#                                           or state file (CT_REGISTRY_STATE),
#                                           or a lazy pulling harness dir
#                                           (/tmp/ctlazy.XXXXXX)
#   -n   say what would be removed, remove nothing
#
# Only by the project's own records, never a process by its name:
# - each harness: `tools/harness.sh stop DIR` (its containers, pods and
#   tasks through its daemons, dockerd and containerd by their pid files,
#   every process whose argv names DIR, its CRI netns and bridge, the
#   mounts under DIR, DIR with its images), then its state file;
# - each lazy pulling harness: `tools/lazy.sh stop` on its dir;
# - each registry: `tools/registry.sh stop` on its dir (the registry and
#   the delayer by their pid files, its namespace and veth, the shaping
#   of lo); the daemon.json it edited goes with its harness;
# - everything (no WHAT): also the test, benchmark and experiment scratch
#   of /tmp (mktemp's ct-NAME.XXXXXX, ct-NAME-XXXXXX, ctexp.XXXXXX,
#   vmtest-share.XXXXXX of a guest run that was killed: the
#   processes whose argv names them, the mounts under them), state files naming a dir that is gone (/tmp/harness-*.current,
#   /tmp/coldtrace-*.current), and what is named after a dir of ours that
#   is gone: CRI bridges ctbXXXXXX, netns with an address of the CRI
#   subnets (10.214.0.0/16), far-registry namespaces ctreg-PORT (with
#   their processes) and veths ctr-PORT, lo's HTB root once no registry
#   is left.  Run it so only when nobody else uses the host's harnesses.
# Safe when nothing is there, and twice.
#
# Kept, as caches of downloaded inputs a new machine would fetch the same:
# /var/cache/coldtrace (debootstrap bases and their .debs,
# tools/debian-rootfs.sh), /opt/coldtrace/versions (the trixie version
# set, tools/install-deps.sh), the fuzzer's corpus (.output-fuzz/corpus).
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
DRY=0
removed=0

log() {
	echo "distclean-state: $*" >&2
}

die() {
	log "$*"
	exit 1
}

# Run "$@" unless -n; count it.
act() {
	removed=$((removed + 1))
	if [ "$DRY" = 1 ]; then
		log "would: $*"
		return 0
	fi
	"$@"
}

is_harness_dir() {
	[[ "$1" == /tmp/ct.?????? ]] && [ -d "$1" ] &&
		{ [ -e "$1/containerd.toml" ] || [ -e "$1/env" ] || [ -d "$1/bin" ]; }
}

is_registry_dir() {
	[[ "$1" == /tmp/ctreg.?????? ]] && [ -d "$1" ]
}

is_lazy_dir() {
	[[ "$1" == /tmp/ctlazy.?????? ]] && [ -d "$1" ]
}

stop_harness() {	# DIR [STATE_FILE]
	local state=${2:-}
	[ -n "$state" ] || state=$(mktemp /tmp/ct-distclean.XXXXXX)
	log "harness $1"
	CT_HARNESS_STATE=$state act "$TOP/tools/harness.sh" stop "$1" ||
		log "harness $1: stop failed"
	[ -n "${2:-}" ] || rm -f "$state"
}

# The port it served: its namespace and shaping class are named after it.
registry_port() {
	sed -n 's/^  addr: .*:\([0-9][0-9]*\)$/\1/p' "$1/config.yml" 2>/dev/null
}

stop_registry() {	# DIR [STATE_FILE]
	local d=$1 state=${2:-} port
	port=$(registry_port "$d")
	log "registry $d (port ${port:-?})"
	[ "$DRY" = 1 ] && { removed=$((removed + 1)); return 0; }
	[ -n "$state" ] || { state=$(mktemp /tmp/ct-distclean.XXXXXX); echo "$d" >"$state"; }
	rm -f "$d/daemon.json.orig"
	CT_REGISTRY_STATE=$state CT_REGISTRY_PORT=${port:-5000} \
		"$TOP/tools/registry.sh" stop || log "registry $d: stop failed"
	removed=$((removed + 1))
	rm -rf "$d"
	[ -n "${2:-}" ] || rm -f "$state"
}

# A lazy pulling harness (tools/lazy.sh): its tasks, containerd, the
# snapshotter's daemon and FUSE mounts, DIR.
stop_lazy() {	# DIR [STATE_FILE]
	local d=$1 state=${2:-}
	log "lazy harness $d"
	[ "$DRY" = 1 ] && { removed=$((removed + 1)); return 0; }
	[ -n "$state" ] || { state=$(mktemp /tmp/ct-distclean.XXXXXX); echo "$d" >"$state"; }
	CT_LAZY_STATE=$state "$TOP/tools/lazy.sh" stop || log "lazy harness $d: stop failed"
	removed=$((removed + 1))
	[ -n "${2:-}" ] || rm -f "$state"
}

# A state file: the harness or registry it names, then itself.
stop_state() {
	local f=$1 d
	d=$(head -n 1 "$f" 2>/dev/null) || d=
	if is_harness_dir "$d"; then
		stop_harness "$d" "$f"
	elif is_registry_dir "$d"; then
		stop_registry "$d" "$f"
	elif is_lazy_dir "$d"; then
		stop_lazy "$d" "$f"
	fi
	if [ -e "$f" ] && { [ -z "$d" ] || [ ! -e "$d" ]; }; then
		act rm -f "$f"
	fi
}

one() {
	local w=$1
	if is_harness_dir "$w"; then
		stop_harness "$w"
	elif is_registry_dir "$w"; then
		stop_registry "$w"
	elif is_lazy_dir "$w"; then
		stop_lazy "$w"
	elif [ -f "$w" ]; then
		stop_state "$w"
	elif [ -e "$w" ]; then
		die "$w: neither a harness or registry dir nor a state file"
	else
		log "nothing at $w"
	fi
}

# Pids whose argv names $1/ (what we started there), never our own.
pids_naming() {
	local p
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = $$ ] || [ "$p" = "$BASHPID" ] && continue
		{ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null |
			grep -qF "$1/" && echo "$p"
	done
	return 0
}

# A scratch dir or file of ours: what runs from it, its mounts, itself.
remove_scratch() {
	local f=$1 p m
	log "scratch $f"
	if [ -d "$f" ] && [ "$DRY" = 0 ]; then
		for p in $(pids_naming "$f"); do
			kill -TERM "$p" 2>/dev/null
		done
		sleep 0.3
		for p in $(pids_naming "$f"); do
			kill -KILL "$p" 2>/dev/null
		done
		awk -v d="$f/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo |
			sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	fi
	act rm -rf "$f"
}

# Network leftovers named after dirs of ours that are gone.
network_leftovers() {
	local b ns port
	for b in $(ip -o link show type bridge 2>/dev/null |
		sed -n 's/^[0-9]*: \(ctb[A-Za-z0-9]\{6\}\)[:@].*/\1/p'); do
		[ -d "/tmp/ct.${b#ctb}" ] && continue
		log "bridge $b"
		act ip link delete "$b"
	done
	for ns in $(ip netns list 2>/dev/null | cut -d ' ' -f 1); do
		case $ns in
		ctreg-*)
			port=${ns#ctreg-}
			log "registry namespace $ns"
			[ "$DRY" = 1 ] || ip netns pids "$ns" 2>/dev/null |
				xargs -r kill -KILL 2>/dev/null
			act ip netns delete "$ns"
			ip link show "ctr-$port" >/dev/null 2>&1 &&
				act ip link delete "ctr-$port"
			;;
		*)
			ip -n "$ns" -4 -o addr show 2>/dev/null |
				grep -q ' inet 10\.214\.' || continue
			log "CRI netns $ns"
			act ip netns delete "$ns"
			;;
		esac
	done
	if tc qdisc show dev lo 2>/dev/null | grep -q '^qdisc htb 1: root'; then
		log "lo's HTB root (registry shaping)"
		act tc qdisc del dev lo root
	fi
	[ "$DRY" = 1 ] || rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null
	return 0
}

everything() {
	local d f
	for d in /tmp/ctlazy.??????; do
		is_lazy_dir "$d" && stop_lazy "$d"
	done
	for d in /tmp/ctreg.??????; do
		is_registry_dir "$d" && stop_registry "$d"
	done
	for d in /tmp/ct.??????; do
		is_harness_dir "$d" && stop_harness "$d"
	done
	for f in /tmp/harness-*.current /tmp/coldtrace-*.current; do
		[ -f "$f" ] && stop_state "$f"
	done
	# mktemp's names only (ct-NAME.XXXXXX, ct-NAME-XXXXXX, ctexp.XXXXXX,
	# vmtest-share.XXXXXX)
	for f in /tmp/ct-*[.-]?????? /tmp/ctexp.?????? /tmp/vmtest-share.??????; do
		[ -e "$f" ] && remove_scratch "$f"
	done
	network_leftovers
}

[ "${1:-}" = -n ] && { DRY=1; shift; }
[ "$(id -u)" -eq 0 ] || die "must run as root"
if [ $# -eq 0 ]; then
	everything
else
	for w in "$@"; do
		one "$w"
	done
fi
log "$removed thing(s) $([ "$DRY" = 1 ] && echo "to remove" || echo removed)"
