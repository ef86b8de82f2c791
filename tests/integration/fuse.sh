#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# A container's FUSE requests (the "fuse" key: what a lazily pulled
# image's fetches make it wait, docs/lazy.md), against the file
# system's own log.  fuse_slow.py serves a directory of two files,
# each read 100 ms late, bind-mounted read-only at /lz; the container
# reads "big" (3 reads), listens (its ready), then reads "small".  The
# truth is the daemon's log: every request with its requesting pid and
# when it arrived and was answered.  The container's requests are those
# of the pids that read (its two cats: nothing else of it touches /lz;
# dockerd's and runc's lookups at the bind are not its), and the
# RELEASEs of its files, which carry no pid.
# - under -- COMMAND (runc): reads, read bytes and requests exactly the
#   log's; the time in flight covers the union of the log's intervals
#   (the kernel's send comes before the daemon's read of it, its end
#   after the reply) and exceeds it by little; split at ready: big's
#   before, small's after; one layer, the mount's dev (mountpoint -d),
#   with every request; the replay says the same;
# - detached (continuous, default --arm=auto, idle verified by bpftool
#   before the scenario; crun): the same counts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detached_lib.sh"

DELAY_MS=100
BIG=300000
SMALL=5000
# ns per request beyond the daemon's own interval, and per record
SLACK_NS=3000000

READER='cat /lz/big >/dev/null; nc -l -p 8080 & sleep 0.5; cat /lz/small >/dev/null; kill $!'
DOCKER_RUN='docker run --rm --network none --runtime "$1" --cidfile "$2" \
	-v "$3:/lz:ro" "$4" sh -c "$5"'

FUSE_PID=
fuse_stop() {
	[ -n "$FUSE_PID" ] || return 0
	umount "$T/lz" 2>/dev/null || umount -l "$T/lz" 2>/dev/null || true
	wait "$FUSE_PID" 2>/dev/null || true
	FUSE_PID=
}
trap 'fuse_stop; dt_kill; cleanup_test' EXIT

# A fresh file system (cold page cache), its log in $T/$1.log.
fuse_start() {	# TAG
	fuse_stop
	mkdir -p "$T/lz"
	python3 "$TOP/tests/integration/fuse_slow.py" "$T/lz" "$T/$1.log" \
		"big:$BIG" "small:$SMALL" --delay-ms "$DELAY_MS" >"$T/fuse.out" 2>&1 &
	FUSE_PID=$!
	for _ in $(seq 50); do
		if grep -qx ready "$T/fuse.out" 2>/dev/null; then
			# the mount's dev, as mountinfo says it: its layer's
			LZ_DEV=$(mountpoint -d "$T/lz")
			return 0
		fi
		sleep 0.1
	done
	cat "$T/fuse.out" >&2
	fail "fuse_slow.py did not mount"
}

# The daemon's log of the container's requests: the reading pids', and
# the RELEASEs, which the kernel sends without credentials (pid 0) from
# the task that closes the file: only the container's cats open files.
truth() {	# LOG
	jq -s '(map(select(.opcode == 15) | .pid) | unique) as $p
		| map(select((.pid as $x | $p | index($x)) or
			(.opcode == 18 and .pid == 0)))' "$1"
}

# The union (ns) of the intervals of the truth's requests: all of them,
# or those of the first or the last pid that read.
union_ns() {	# TRUTH all|first|last
	jq --arg w "$2" "$JQ_UNION"'(map(select(.opcode == 15)) | sort_by(.recv_ns)
			| {first: .[0].pid, last: .[-1].pid}) as $p
		| map(select($w == "all" or .pid == $p[$w]))
		| union(.recv_ns; .reply_ns)' <<<"$1"
}

# Record $1's "fuse" against the truth $2 (both JSON); $3 names the case.
check_fuse() {	# RECORD TRUTH WHAT
	local r=$1 t=$2 n reads bytes all first last f
	f=$(jq -c .fuse <<<"$r")
	n=$(jq length <<<"$t")
	reads=$(jq 'map(select(.opcode == 15)) | length' <<<"$t")
	bytes=$(jq 'map(.bytes) | add' <<<"$t")
	[ "$bytes" -eq $((BIG + SMALL)) ] || fail "$3: the daemon served $bytes bytes, not $((BIG + SMALL))"
	jq -e --argjson n "$n" --argjson rd "$reads" --argjson b "$bytes" \
		'.fuse | .requests == $n and .reads == $rd and .read_bytes == $b
		 and .errors == 0 and .connections == 1' <<<"$r" >/dev/null ||
		fail "$3: fuse is $f; the daemon's log: $n requests, $reads reads, $bytes bytes"
	# its one layer: the mount's dev, every request of the log
	jq -e --arg d "$LZ_DEV" --argjson n "$n" --argjson rd "$reads" --argjson b "$bytes" \
		'.fuse.layers | length == 1 and .[0].dev == $d and .[0].requests == $n
		 and .[0].reads == $rd and .[0].read_bytes == $b' <<<"$r" >/dev/null ||
		fail "$3: fuse layers $(jq -c .fuse.layers <<<"$r"), the mount is $LZ_DEV"
	all=$(union_ns "$t" all)
	first=$(union_ns "$t" first)
	last=$(union_ns "$t" last)
	# in flight: at least the daemon's union, at most it plus the slack
	jq -e --argjson u "$all" --argjson s $((SLACK_NS * n)) \
		'.fuse.wait_ns >= $u and .fuse.wait_ns <= $u + $s' <<<"$r" >/dev/null ||
		fail "$3: wait_ns $(jq .fuse.wait_ns <<<"$r"), the daemon's union $all ns ($n requests)"
	[ "$first" -ge $((3 * DELAY_MS * 1000000)) ] || fail "$3: big's reads took $first ns"
	jq -e --argjson a "$first" --argjson b "$last" --argjson s $((SLACK_NS * n)) \
		'.fuse | .wait_before_ready_ns >= $a and .wait_before_ready_ns <= $a + $s
		 and .wait_after_ready_ns >= $b and .wait_after_ready_ns <= $b + $s' \
		<<<"$r" >/dev/null ||
		fail "$3: fuse is $f; the daemon: big's reads $first ns, small's $last ns"
}

# 1. -- COMMAND (runc), recorded; then its replay
fuse_start cmd
run_ct -j --record "$T/s.ctrec" -- \
	sh -c "$DOCKER_RUN" sh runc "$T/cid1" "$T/lz" "$CT_IMAGE" "$READER"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
fuse_stop
id=$(cat "$T/cid1")
r=$(records | jq -c --arg id "$id" 'select(.id == $id)')
[ -n "$r" ] || { show_output; fail "no record of the reader"; }
check_fuse "$r" "$(truth "$T/cmd.log")" "runc"
note "runc: $(jq -c .fuse <<<"$r")"

run_ct -j --replay "$T/s.ctrec"
[ "$CT_RC" -eq 0 ] || { show_output; fail "replay exited $CT_RC"; }
[ "$(records | jq -c --arg id "$id" 'select(.id == $id) | .fuse')" = "$(jq -c .fuse <<<"$r")" ] ||
	fail "the replay's fuse differs: $(records | jq -c --arg id "$id" 'select(.id == $id) | .fuse')"
note "replay: the same fuse"

# 2. detached, crun
fuse_start detached
dt_start
trap 'fuse_stop; dt_kill; cleanup_test' EXIT
sh -c "$DOCKER_RUN" sh crun "$T/cid2" "$T/lz" "$CT_IMAGE" "$READER"
id=$(cat "$T/cid2")
r=$(dt_record "$id")
dt_stop
fuse_stop
check_fuse "$r" "$(truth "$T/detached.log")" "detached crun"
note "detached crun: $(jq -c .fuse <<<"$r")"
