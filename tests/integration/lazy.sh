#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# A container started from a lazily pulled eStargz image, with the real
# stargz snapshotter (tools/lazy/scene.sh: our registry behind
# range-proxy.py, a private containerd with our stargz daemon; docs/
# lazy.md).  The image's one layer holds busybox and four random files
# in name order: b-read (read before ready), m-gap (never read: it keeps
# b-read's fetches, which spill past a file's end, away from y-late),
# y-late (read 0.5 s after ready) and z-never (never read).  Each run is
# a cold lazy pull (a fresh daemon: nothing fetched) and `ctr run`.
# Truth: our files' sizes and the blob's TOC; the proxy's log (every
# range request of the layer, with when it began and ended); the FUSE
# mount's dev in mountinfo.  Checked:
# - the record's one FUSE connection is the layer's mount, named by the
#   layer's digest in the image's manifest;
# - read bytes: at least b-read's and y-late's (a cold page cache reads
#   them whole through FUSE), at most those and busybox's (nothing else
#   is opened: m-gap and z-never never);
# - the fetches of b-read's bytes all lie before the end of ready and in
#   the time the container waited before it (a reader's request is in
#   flight from before the daemon's fetch to after it); those of
#   y-late's bytes after the end of ready, and in
#   the wait after it: the cold start went on in the run;
# - the last FUSE request ended no earlier than the last fetch;
# - the bytes the layer fetched while it read (its state file's
#   fetchedSize, sampled around its requests) are the proxy's 206 bytes
#   of the run to the byte, those by ready the ones of fetches that
#   ended before ready (b-read's and busybox's), those after ready the
#   ones of fetches begun after it (y-late's), not shared;
# under -- COMMAND (runc) with its replay, and detached (continuous,
# default --arm=auto, idle verified by bpftool before the scenario),
# whose /metrics and summary.json sum its one container's fuse key: to
# the nanosecond and the byte, and the container counted as still
# waiting after ready.
# `lazy.sh far`: the same with the registry far (tools/registry.sh's
# own network namespace, 50 ms per round trip by tools/netdelay), and
# every range request the proxy passed on took a round trip at least.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detached_lib.sh"

export CT_REGISTRY_PORT=5081
FAR=${1:-}
if [ "$FAR" = far ]; then
	export CT_REGISTRY_RTT_MS=50 CT_REGISTRY_LIFETIME=300
	make -s -C "$TOP/tools/netdelay" >&2 || fail "cannot build tools/netdelay (make deps)"
fi
export CT_REGISTRY_STATE=$T/registry.state
export CT_LAZY_STATE=$T/lazy.state
W=$T/scene
mkdir -p "$W"
die() {
	fail "$*"
}
# shellcheck source=tools/lazy/scene.sh
. "$TOP/tools/lazy/scene.sh"
trap 'dt_kill; scene_down; cleanup_test' EXIT

READ=$((3 << 20))
GAP=$((2 << 20))
LATE=$((2 << 20))
NEVER=$((4 << 20))
# ns a request's wall-clock stamps may differ from the proxy's
SLACK_NS=5000000
PROG='busybox sha256sum /data/b-read.bin >/dev/null
busybox nc -l -p 8080 & busybox sleep 0.5
busybox sha256sum /data/y-late.bin >/dev/null; kill $!'

scene_up
scene_image lazytest data/b-read.bin:$READ data/m-gap.bin:$GAP \
	data/y-late.bin:$LATE data/z-never.bin:$NEVER
read -r RD0 RD1 < <(scene_span data/b-read.bin)
read -r LT0 LT1 < <(scene_span data/y-late.bin)
BUSYBOX=$(stat -c %s "$(command -v busybox)")

# A cold lazy pull, then `ctr run` through "$@" (a coldtrace or not):
# sets DEV (the layer's mount), FROM and TO (the run's wall clock).
lazy_run() {	# ID [COLDTRACE ARGS...]
	local id=$1
	shift
	scene_lazy_start
	"$SCENE_LAZY" rpull "$REF" >/dev/null || die "rpull of $REF failed"
	FROM=$(date +%s%N)
	"$@" ctr run --rm --snapshotter stargz "$REF" "$id" sh -c "$PROG" ||
		[ $# -gt 0 ] || die "ctr run failed"
	TO=$(date +%s%N)
	DEV=$(scene_fuse_dev)
	[ -n "$DEV" ] || die "no FUSE mount of the layer under $CT_LAZY_DIR"
}

# The union (ns) of the intervals of the layer's fetches (LOG:
# layer_log's) in [FROM, TO] whose range meets [A, B) of the blob, and their first start and last
# end.  The daemon rounds a range out (to 50,000 bytes here): a fetch
# that meets y-late's bytes was for y-late, not for b-read, whose
# rounding and spill end in m-gap, or for z-never, which nothing reads.
fetched() {	# LOG A B
	jq -c --argjson a "$2" --argjson b "$3" --argjson f "$FROM" --argjson t "$TO" "$JQ_UNION"'
		map(select(.start_ns >= $f and .start_ns <= $t and .status == 206)
			| select(.range[0] < $b and .range[1] > $a))
		| sort_by(.start_ns)
		| {n: length, first: (.[0].start_ns // 0),
		   last: (map(.end_ns) | max // 0),
		   union: union(.start_ns; .end_ns)}' <<<"$1"
}

# The proxy's log of the layer, each request with its first range.
layer_log() {
	jq -s -c --arg p "$LPATH" 'map(select(.path == $p)
		| . + {range: ((.range // "") | capture("bytes=(?<a>[0-9]+)-(?<b>[0-9]+)")
			| [(.a | tonumber), (.b | tonumber) + 1])})' "$W/proxy.jsonl"
}

check_lazy() {	# RECORD WHAT
	local r=$1 f b l ready_end exec log
	f=$(jq -c .fuse <<<"$r")
	[ "$f" != null ] || fail "$2: no fuse key: $r"
	jq -e '.complete and .exit_code == 0 and .phases.ready != null' <<<"$r" >/dev/null ||
		fail "$2: not complete, exit 0 and ready: $(jq -c '{complete, exit_code, ready: .phases.ready}' <<<"$r")"
	jq -e --arg d "$DEV" --arg l "$LAYER" '.fuse | .connections == 1
		and (.layers | length == 1) and .layers[0].dev == $d
		and .layers[0].digest == $l' <<<"$r" >/dev/null ||
		fail "$2: fuse $f; the layer's mount is $DEV, its digest in the manifest $LAYER"
	jq -e --argjson lo $((READ + LATE)) --argjson hi $((READ + LATE + BUSYBOX)) \
		'.fuse.read_bytes >= $lo and .fuse.read_bytes <= $hi' <<<"$r" >/dev/null ||
		fail "$2: read $(jq .fuse.read_bytes <<<"$r") bytes; b-read and y-late are $((READ + LATE)), busybox $BUSYBOX"
	log=$(layer_log)
	b=$(fetched "$log" "$RD0" "$RD1")
	l=$(fetched "$log" "$LT0" "$LT1")
	jq -e '.n > 0' <<<"$b" >/dev/null || fail "$2: no fetch of b-read: $log"
	jq -e '.n > 0' <<<"$l" >/dev/null || fail "$2: no fetch of y-late: $log"
	ready_end=$(jq '.phases.ready.start_ns + .phases.ready.dur_ns' <<<"$r")
	exec=$(jq .phases.ready.start_ns <<<"$r")
	jq -e --argjson e "$ready_end" --argjson s $SLACK_NS '.last <= $e + $s' <<<"$b" >/dev/null ||
		fail "$2: b-read fetched until $(jq .last <<<"$b"), ready ended at $ready_end"
	jq -e --argjson e "$ready_end" '.first >= $e' <<<"$l" >/dev/null ||
		fail "$2: y-late fetched from $(jq .first <<<"$l"), before ready ended at $ready_end"
	jq -e --argjson b "$b" --argjson l "$l" --argjson s $SLACK_NS '.fuse
		| .wait_before_ready_ns + $s >= $b.union and .wait_after_ready_ns + $s >= $l.union' \
		<<<"$r" >/dev/null ||
		fail "$2: fuse $f; the proxy: b-read's fetches $b, y-late's $l"
	jq -e --argjson l "$l" --argjson x "$exec" --argjson s $SLACK_NS \
		'.fuse.last_ns + $s >= $l.last - $x' <<<"$r" >/dev/null ||
		fail "$2: last request ended $(jq .fuse.last_ns <<<"$r") ns after the exec, the last fetch $(($(jq .last <<<"$l") - exec))"
	check_fetched "$r" "$2" "$log" "$ready_end"
	[ "$FAR" != far ] || check_far "$2" "$log"
	note "$2: fuse $f; fetches: b-read $b, y-late $l"
}

# A far registry: each range request of the run took a round trip.
check_far() {	# WHAT LOG
	local m
	m=$(jq --argjson f "$FROM" --argjson t "$TO" '
		map(select(.start_ns >= $f and .start_ns <= $t and .status == 206)
			| .end_ns - .start_ns) | min // 0' <<<"$2")
	[ "$m" -ge 50000000 ] ||
		fail "$1: a range request of the far registry took $m ns, less than its 50 ms round trip"
	note "$1: far registry: the quickest range request took $((m / 1000000)) ms"
}

# The layer's fetched bytes in record $1 against the proxy's 206 bytes
# of the run: all of them, and those of fetches ended by ready's end.
check_fetched() {	# RECORD WHAT LOG READY_END
	local want
	want=$(jq -c --argjson f "$FROM" --argjson t "$TO" --argjson e "$4" '
		map(select(.start_ns >= $f and .start_ns <= $t and .status == 206))
		| {all: (map(.bytes) | add // 0),
		   by_ready: (map(select(.end_ns <= $e) | .bytes) | add // 0),
		   after: (map(select(.start_ns >= $e) | .bytes) | add // 0)}' <<<"$3")
	jq -e --argjson w "$want" '.fuse | .fetched_bytes == $w.all
		and .fetched_by_ready_bytes == $w.by_ready
		and .fetched_after_ready_bytes == $w.after and .fetched_layers == 1
		and .fetched_unknown_layers == null and .fetched_shared == null
		and .layers[0].fetched_bytes == $w.all' <<<"$1" >/dev/null ||
		fail "$2: fetched $(jq -c '.fuse | {fetched_bytes, fetched_by_ready_bytes, fetched_after_ready_bytes, fetched_layers, fetched_unknown_layers, fetched_shared}' <<<"$1"); the proxy's 206 bytes: $want"
	note "$2: fetched $want, as the proxy served"
}

# 1. -- COMMAND (runc), recorded; then its replay
ID=ctlazy-test-$$-1
lazy_run "$ID" run_ct -j --record "$T/s.ctrec" --
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
r=$(records | jq -c --arg id "$ID" 'select(.id == $id)')
[ -n "$r" ] || { show_output; fail "no record of $ID"; }
check_lazy "$r" "-- COMMAND"
run_ct -j --replay "$T/s.ctrec"
[ "$CT_RC" -eq 0 ] || { show_output; fail "replay exited $CT_RC"; }
[ "$(records | jq -c --arg id "$ID" 'select(.id == $id) | .fuse')" = "$(jq -c .fuse <<<"$r")" ] ||
	fail "the replay's fuse differs: $(records | jq -c --arg id "$ID" 'select(.id == $id) | .fuse')"
note "replay: the same fuse"

# The value of series $1 of container record $2's group in $T/scrape
# (its runtime and engine; extra labels $3), empty if absent.
series() {	# NAME RECORD [LABELS]
	local l
	l=$(jq -r '"container_runtime=\"\(.runtime)\",engine=\"\(.engine)\""' <<<"$2")
	awk -v k="$1{$l${3:+,$3}}" '$1 == k { print $2 }' "$T/scrape"
}

# /metrics of the detached session, whose one container is record $1:
# the FUSE counters are its fuse key, the waits to the nanosecond.
check_metrics() {	# RECORD
	local r=$1 v
	curl -sf "$DT_URL/metrics" >"$T/scrape" || fail "no /metrics"
	[ "$(series coldtrace_containers_total "$r")" = 1 ] ||
		fail "/metrics: $(series coldtrace_containers_total "$r") containers in its group, not this test's one"
	for v in "coldtrace_fuse_containers_total 1" \
		"coldtrace_fuse_requests_total $(jq .fuse.requests <<<"$r")" \
		"coldtrace_fuse_read_bytes_total $(jq .fuse.read_bytes <<<"$r")" \
		"coldtrace_fuse_dropped_containers_total 0" \
		"coldtrace_fuse_fetched_containers_total 1" \
		"coldtrace_fuse_fetched_bytes_total $(jq .fuse.fetched_bytes <<<"$r")" \
		"coldtrace_fuse_fetched_by_ready_bytes_total $(jq .fuse.fetched_by_ready_bytes <<<"$r")" \
		"coldtrace_fuse_fetched_after_ready_bytes_total $(jq .fuse.fetched_after_ready_bytes <<<"$r")" \
		"coldtrace_fuse_fetched_unknown_containers_total 0"; do
		[ "$(series "${v% *}" "$r")" = "${v#* }" ] ||
			fail "/metrics: ${v% *} is '$(series "${v% *}" "$r")', the record says ${v#* }"
	done
	# y-late's read went on after ready (check_lazy): continued
	[ "$(series coldtrace_fuse_continued_containers_total "$r")" = 1 ] ||
		fail "/metrics: continued is '$(series coldtrace_fuse_continued_containers_total "$r")', not 1"
	for v in before_ready after_ready; do
		jq -e --arg s "$(series coldtrace_fuse_wait_seconds_total "$r" "when=\"$v\"")" \
			--arg k "wait_${v}_ns" '($s | tonumber) * 1e9 - .fuse[$k] | fabs < 1' \
			<<<"$r" >/dev/null ||
			fail "/metrics: $v wait '$(series coldtrace_fuse_wait_seconds_total "$r" "when=\"$v\"")' s, the record's $(jq -c .fuse <<<"$r")"
	done
	# the kernel's word: its FUSE tracepoints
	v=0
	[ -d /sys/kernel/tracing/events/fuse ] && v=1
	grep -qx "coldtrace_bpf_fuse_traced $v" "$T/scrape" ||
		fail "/metrics: $(grep '^coldtrace_bpf_fuse_traced' "$T/scrape"), the kernel's FUSE tracepoints: $v"
	note "/metrics: $(grep -c '^coldtrace_fuse_' "$T/scrape") FUSE samples, its group's the record's"
}

# 2. detached
dt_start
trap 'dt_kill; scene_down; cleanup_test' EXIT
ID=ctlazy-test-$$-2
lazy_run "$ID"
r=$(dt_record "$ID")
check_metrics "$r"
dt_stop
check_lazy "$r" "detached"
jq -e --argjson f "$(jq .fuse <<<"$r")" --arg rt "$(jq -r .runtime <<<"$r")" \
	'.runtimes[$rt].fuse | .containers == 1 and .continued == 1
	and .wait_before_ready_ns == $f.wait_before_ready_ns
	and .wait_after_ready_ns == $f.wait_after_ready_ns
	and .read_bytes == $f.read_bytes and .fetched_containers == 1
	and .fetched_bytes == $f.fetched_bytes
	and .fetched_by_ready_bytes == $f.fetched_by_ready_bytes' "$T/dir/summary.json" >/dev/null ||
	fail "summary.json's fuse: $(jq -c '.runtimes[].fuse' "$T/dir/summary.json")"
note "summary.json: the same"
