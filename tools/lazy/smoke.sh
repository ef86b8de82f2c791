#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# End-to-end check of the lazy pulling harness (docs/lazy.md), as root,
# offline: a registry (tools/registry.sh) behind range-proxy.py, the
# private containerd with our stargz daemon (tools/lazy.sh), an eStargz
# image of our own (busybox-static, a 4 MiB file a container reads, an
# 8 MiB file nobody reads), a lazy pull and a container run.  Every
# check is against truth the snapshotter did not make: the proxy's log
# of what crossed the wire, the TOC read from the blob by tools/lazy/
# toc.py, our files' digests, /proc.  Then everything is stopped and
# checked gone.  Prints "N passed, N failed"; exits 1 if any failed.
#
#   tools/lazy/smoke.sh        (CT_REGISTRY_PORT: the registry's port,
#                               default 5077; the proxy's is the next one)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
export CT_REGISTRY_PORT=${CT_REGISTRY_PORT:-5077}
export CT_REGISTRY_STATE=/tmp/coldtrace-registry.lazy-smoke
export CT_LAZY_STATE=/tmp/coldtrace-lazy.smoke
NAME=lazysmoke
ID=ctlazy-smoke-$$
PASS=0
FAIL=0

die() {
	echo "lazy/smoke: $*" >&2
	exit 1
}

log() {
	echo "lazy/smoke: $*" >&2
}

# scene_up, scene_image, ...
# shellcheck source=tools/lazy/scene.sh
. "$HERE/scene.sh"

# check WHAT CMD...: one result line, counted.
check() {
	local what=$1
	shift
	if "$@"; then
		PASS=$((PASS + 1))
		echo "ok   $what"
	else
		FAIL=$((FAIL + 1))
		echo "FAIL $what"
	fi
}

# jq -e on a JSON value, quietly.
jqe() {	# JSON FILTER [ARGS...]
	local j=$1
	shift
	jq -e "$@" <<<"$j" >/dev/null
}

now_ns() {
	date +%s%N
}

mounts_under() {
	awk -v d="$1/" 'index($5, d) == 1' /proc/self/mountinfo | wc -l
}

# ---- setup ----

[ "$(id -u)" -eq 0 ] || die "must run as root"
W=$(mktemp -d /tmp/ct-lazysmoke.XXXXXX)
trap scene_down EXIT
trap 'exit 130' INT TERM

scene_up
check "range proxy answers on 127.0.0.1:$PPORT" \
	curl -sf -o /dev/null "http://127.0.0.1:$PPORT/v2/"
scene_lazy_start
check "ctr plugins ls: stargz ok" \
	bash -c 'ctr plugins ls | grep -Eq "^io.containerd.snapshotter.v1 +stargz .* ok *$"'

# ---- image ----

scene_image "$NAME" data/a-hello.txt:11 data/b-read.bin:$((4 << 20)) \
	data/z-never.bin:$((8 << 20))
READ_SUM=$(awk '$2 == "./data/b-read.bin" { print $1 }' "$W/sums")
check "registry's layer is eStargz (toc.digest annotation)" \
	jqe "$MANIFEST" '.layers | length == 1 and
		(.[0].annotations["containerd.io/snapshot/stargz/toc.digest"] // "" | startswith("sha256:"))'
check "converted layer not left in our content store" \
	bash -c '! ctr content ls -q | grep -qxF "$1"' _ "$LAYER"
read -r RD0 RD1 < <(scene_span data/b-read.bin)
read -r NV0 NV1 < <(scene_span data/z-never.bin)
read -r TOC0 _ < <(scene_span '<toc>')
check "TOC has our files at their sizes" \
	jqe "$(jq -s 'map({(.name): .size}) | add' "$W/toc.jsonl")" \
		'.["data/b-read.bin"] == 4194304 and .["data/z-never.bin"] == 8388608'

# ---- lazy pull ----

T0=$(now_ns)
RPULL_S=$("$SCENE_LAZY" rpull "$REF" 2>"$W/rpull.err") || { cat "$W/rpull.err" >&2; RPULL_S=; }
T1=$(now_ns)
check "rpull of $REF succeeded" test -n "$RPULL_S"
PULL=$(scene_fetches "$T0" "$T1")
PULL_BYTES=$(jq .bytes <<<"$PULL")
check "rpull: layer never fetched whole (no unranged GET)" \
	jqe "$PULL" '.gets > 0 and .unranged == 0'
check "rpull: only the 2-byte probe and the tail from before the TOC" \
	jqe "$PULL" --argjson toc "$TOC0" --argjson size "$LSIZE" \
		'all(.ranges[]; . == [0, 2] or (.[1] == $size and .[0] <= $toc))'
check "rpull: $PULL_BYTES of $LSIZE layer bytes (< 1%)" \
	test $((PULL_BYTES * 100)) -lt "$LSIZE"
check "rpull: other requests only /v2/, manifests, the config" \
	jqe "$PULL" --arg n "$NAME" --arg c "$(jq -r .config.digest <<<"$MANIFEST")" \
		'all(.others[]; . == "GET /v2/" or
			test("^(HEAD|GET) /v2/\($n)/manifests/") or
			. == "GET /v2/\($n)/blobs/\($c)")'
check "rpull: layer not in the content store" \
	bash -c '! ctr content ls -q | grep -qxF "$1"' _ "$LAYER"
check "rpull: a FUSE layer mount under our dir" \
	bash -c 'awk -v d="$1/" '\''index($5, d) == 1 && / - fuse\.rawBridge /'\'' \
		/proc/self/mountinfo | grep -q .' _ "$CT_LAZY_DIR"

# ---- a container reads one file ----

T2=$(now_ns)
OUT=$(timeout 120 ctr run --rm --snapshotter stargz "$REF" "$ID" \
	/bin/busybox sha256sum /data/b-read.bin 2>"$W/run.err") ||
	cat "$W/run.err" >&2
T3=$(now_ns)
RUN=$(scene_fetches "$T2" "$T3")
RUN_N=$(jq .n <<<"$RUN")
RUN_BYTES=$(jq .bytes <<<"$RUN")
SPILL=$(jq --argjson a "$NV0" --argjson b "$NV1" '[.merged[] |
	([.[1], $b] | min) - ([.[0], $a] | max) | select(. > 0)] | add // 0' <<<"$RUN")
check "run: the container read b-read.bin right (sha256)" \
	test "${OUT%% *}" = "$READ_SUM"
check "run: $RUN_N layer requests, all 206 ranges" \
	jqe "$RUN" '.n > 0 and .unranged == 0 and all(.statuses[]; . == 206)'
check "run: the ranges cover b-read.bin's bytes [$RD0, $RD1)" \
	jqe "$RUN" --argjson a "$RD0" --argjson b "$RD1" \
		'any(.merged[]; .[0] <= $a and .[1] >= $b)'
check "run: no request begins in z-never.bin's bytes [$NV0, $NV1)" \
	jqe "$RUN" --argjson a "$NV0" --argjson b "$NV1" \
		'all(.ranges[]; .[0] < $a or .[0] >= $b)'
check "run: $SPILL bytes of z-never.bin fetched (a read's spill, < 1/4)" \
	test $((SPILL * 4)) -lt $((NV1 - NV0))
check "run: $RUN_BYTES layer bytes fetched, less than the layer" \
	test "$RUN_BYTES" -lt "$LSIZE"

# ---- stop, and nothing left ----

D=$CT_LAZY_DIR
PIDS="$CT_LAZY_CONTAINERD_PID $CT_LAZY_STARGZ_PID $(cat "$W/proxy.pid") $(cat "$REGDIR/pid")"
"$SCENE_LAZY" stop 2>/dev/null
scene_proxy_stop
"$SCENE_REGISTRY" stop
check "stop: no mount under $D" test "$(mounts_under "$D")" -eq 0
check "stop: $D and its sockets gone" test ! -e "$D"
check "stop: daemons, proxy and registry exited ($PIDS)" \
	bash -c 'for p in $1; do ! kill -0 "$p" 2>/dev/null || exit 1; done' _ "$PIDS"
check "stop: no process names $D, $REGDIR or $W" \
	test -z "$(pids_under "$D")$(pids_under "$REGDIR")$(pids_under "$W")"
check "stop: no runc state left for $ID" test ! -e "/run/containerd/runc/default/$ID"
check "stop: state files gone" \
	test ! -e "$CT_LAZY_STATE" -a ! -e "$CT_REGISTRY_STATE"

echo "rpull ${RPULL_S:-?} s, $PULL_BYTES of $LSIZE layer bytes; run: $RUN_N range requests, $RUN_BYTES bytes"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
