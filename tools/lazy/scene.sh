# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# shellcheck shell=bash disable=SC2034 # (the variables it sets are the caller's)
#
# Sourced, not run: one lazy pulling scene, offline, for tools/lazy/
# smoke.sh and tests/integration/lazy.sh.  A registry (tools/registry.sh)
# behind range-proxy.py, whose log is the truth of what crossed the wire;
# an eStargz image of our own, one layer: busybox-static and the files
# asked for, random (incompressible: each keeps its size in the blob);
# the private containerd with our stargz daemon (tools/lazy.sh).
#
# The caller sets, before sourcing: W (a fresh work dir, removed by
# scene_down), CT_REGISTRY_PORT (the proxy's port is the next one),
# CT_REGISTRY_STATE and CT_LAZY_STATE (private state files), and a
# die() that exits.
#
#   scene_up                 registry and proxy: sets REG (the registry's
#                            own address), REGDIR, PPORT, $W/proxy.jsonl
#   scene_image NAME PATH:BYTES...
#                            build, convert and push NAME; sets MANIFEST,
#                            LAYER, LSIZE, LPATH (the blob's URL path),
#                            REF (through the proxy); $W/toc.jsonl is the
#                            blob's TOC (tools/lazy/toc.py); the files'
#                            sha256 in $W/sums
#   scene_span NAME          "start end" of a file in the blob
#   scene_lazy_start         a fresh lazy harness, its env sourced (a
#                            new daemon: nothing fetched yet)
#   scene_fetches FROM TO    tools/lazy/fetches.py of the layer's requests
#                            that began in [FROM, TO] (wall clock, ns)
#   scene_fuse_dev           the layer's FUSE mount's dev (MAJ:MIN)
#   scene_down               stop all; safe twice and from traps

SCENE_LAZY=$TOP/tools/lazy.sh
SCENE_REGISTRY=$TOP/tools/registry.sh
SCENE_PY=/usr/bin/python3	# Debian's: what install-deps.sh installs
SCENE_HERE=$TOP/tools/lazy
# registry.sh asks for a harness env; a near registry uses no docker
export DOCKER_HOST=${DOCKER_HOST:-unix:///nonexistent}

# pids_under, stop_pid
# shellcheck source=tools/procs.sh
. "$TOP/tools/procs.sh"

scene_up() {
	local b port
	for b in jq curl ctr ctr-remote busybox go; do
		command -v "$b" >/dev/null || die "$b not found (make deps)"
	done
	[ -x "$SCENE_PY" ] || die "$SCENE_PY not found (make deps)"
	ldd "$(command -v busybox)" >/dev/null 2>&1 &&
		die "busybox is not static (busybox-static)"
	PPORT=$((CT_REGISTRY_PORT + 1))
	for port in "$CT_REGISTRY_PORT" "$PPORT"; do
		! curl -s -o /dev/null "http://127.0.0.1:$port/" ||
			die "something already listens on 127.0.0.1:$port (set CT_REGISTRY_PORT)"
	done
	"$SCENE_REGISTRY" start >/dev/null || die "registry did not start"
	REGDIR=$(cat "$CT_REGISTRY_STATE")
	REG=$("$SCENE_REGISTRY" addr)
	setsid "$SCENE_PY" "$SCENE_HERE/range-proxy.py" --listen "127.0.0.1:$PPORT" \
		--upstream "$REG" --log "$W/proxy.jsonl" </dev/null >"$W/proxy.err" 2>&1 &
	echo $! >"$W/proxy.pid"
	for _ in $(seq 100); do
		curl -sf -o /dev/null "http://127.0.0.1:$PPORT/v2/" && return 0
		sleep 0.1
	done
	cat "$W/proxy.err" >&2
	die "the range proxy does not answer on 127.0.0.1:$PPORT"
}

scene_lazy_start() {
	"$SCENE_LAZY" stop >/dev/null 2>&1 || true
	"$SCENE_LAZY" start >/dev/null || die "tools/lazy.sh start failed"
	# shellcheck source=/dev/null
	. "$("$SCENE_LAZY" env)"
}

scene_image() {	# NAME PATH:BYTES...
	local name=$1 f src=coldtrace.local/$1-src:latest
	shift
	rm -rf "$W/root"
	mkdir -p "$W/root/bin"
	cp "$(command -v busybox)" "$W/root/bin/busybox"
	ln -s busybox "$W/root/bin/sh"
	for f in "$@"; do
		mkdir -p "$W/root/$(dirname "${f%:*}")"
		head -c "${f#*:}" /dev/urandom >"$W/root/${f%:*}"
	done
	(cd "$W/root" && find . -type f ! -path ./bin/busybox -print0 |
		xargs -0r sha256sum) >"$W/sums"
	[ -n "${CT_LAZY_DIR:-}" ] || scene_lazy_start
	"$SCENE_HERE/mkoci.sh" "$W/root" "$W/src.tar" "$src" >/dev/null ||
		die "mkoci failed"
	ctr images import "$W/src.tar" >/dev/null || die "ctr images import failed"
	"$SCENE_LAZY" image "$name" "$src" >/dev/null || die "tools/lazy.sh image failed"
	ctr images rm --sync "$src" >/dev/null
	MANIFEST=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://$REG/v2/$name/manifests/latest") || die "no manifest in the registry"
	LAYER=$(jq -r '.layers[0].digest' <<<"$MANIFEST")
	LSIZE=$(jq -r '.layers[0].size' <<<"$MANIFEST")
	LPATH=/v2/$name/blobs/$LAYER
	REF=127.0.0.1:$PPORT/$name:latest
	# the blob from the registry itself, not through the proxy
	curl -sf -o "$W/layer.blob" "http://$REG$LPATH" || die "cannot fetch the layer"
	"$SCENE_PY" "$SCENE_HERE/toc.py" "$W/layer.blob" >"$W/toc.jsonl" ||
		die "toc.py failed"
}

scene_span() {	# NAME
	jq -r --arg n "$1" 'select(.name == $n) | "\(.start) \(.end)"' "$W/toc.jsonl"
}

scene_fetches() {	# FROM_NS TO_NS
	"$SCENE_PY" "$SCENE_HERE/fetches.py" "$W/proxy.jsonl" "$LPATH" "$1" "$2"
}

# The one FUSE mount of our lazy dir (the image has one layer).
scene_fuse_dev() {
	awk -v d="$CT_LAZY_DIR/" 'index($5, d) == 1 && / - fuse\.rawBridge / {
		print $3 }' /proc/self/mountinfo
}

scene_proxy_stop() {
	stop_pid "$(cat "$W/proxy.pid" 2>/dev/null)" 3
}

scene_down() {
	"$SCENE_LAZY" stop >/dev/null 2>&1 || true
	scene_proxy_stop
	"$SCENE_REGISTRY" stop >/dev/null 2>&1 || true
	rm -rf "$W"
}
