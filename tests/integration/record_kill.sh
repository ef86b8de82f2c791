#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# --record survives a kill, and a full disk is said at once:
# - `coldtrace --record F -d 30` killed with SIGKILL after 4 containers:
#   F exists under its own name (no hidden temp file) from the start,
#   and its replay reports the 4 containers (their --cidfile ids,
#   complete), says "recording cut: N records, no end mark" and exits 3;
# - --record into a full tmpfs: "write failed" on stderr within a second
#   of the first container, while the session still runs, and status 1
#   with the count of records kept and lost at its end.
. "$(dirname "$0")/lib.sh"

n=4
ms_now() { echo $(($(date +%s%N) / 1000000)); }

# wait_for FILE PATTERN SEC: until PATTERN is in FILE, or fail
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	show_output
	fail "no '$2' in $1 after $3 s"
}

run_containers() {
	local i
	for ((i = 1; i <= $1; i++)); do
		docker run --rm --network none --cidfile "$T/cid.$2$i" \
			"$CT_IMAGE" true >/dev/null
	done
}

# 1. SIGKILL after n containers
rec=$T/rec.ctrec
"$COLDTRACE" --record "$rec" -d 30 >"$T/out" 2>"$T/err" &
pid=$!
wait_for "$T/err" "tracing container starts" 20
[ -f "$rec" ] || fail "$rec is not there under its own name"
for f in "$T"/.rec.ctrec.*; do
	[ -e "$f" ] && fail "a hidden temp file: $f"
done
run_containers "$n" k
sleep 0.2	# the last container's destroy: 0.1 s at most to the file
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
for f in "$T"/cid.k*; do
	cat "$f"
	echo
done >"$T/ids"
note "killed after $n containers: $(stat -c %s "$rec") bytes"
rc=0
timeout 60 "$COLDTRACE" --replay "$rec" -j >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 3 ] || { show_output; fail "replay of the cut file: status $rc, not 3"; }
grep -Eq "recording cut: [0-9]+ records, no end mark" "$T/err" ||
	{ show_output; fail "the replay does not say the file was cut"; }
note "$(grep -o 'recording cut: [0-9]* records[^(]*' "$T/err")"
got=$(records | jq -r 'select(.complete) | .id' | grep -cxFf "$T/ids" || true)
[ "$got" -eq "$n" ] ||
	{ show_output; fail "$got of $n containers complete in the cut recording"; }
note "ok: the cut recording holds all $n containers, complete"

# 2. a full disk, said at once
mnt=$T/small
mkdir "$mnt"
mount -t tmpfs -o size=64k tmpfs "$mnt"
trap 'umount "$mnt" 2>/dev/null; cleanup_test' EXIT
"$COLDTRACE" --record "$mnt/rec.ctrec" -d 30 >"$T/out" 2>"$T/err" &
pid=$!
wait_for "$T/err" "tracing container starts" 20
# leave ~8 KB: the header fits, a container's records do not
dd if=/dev/zero of="$mnt/fill" bs=4k count=14 2>/dev/null || true
run_containers 1 f
t0=$(ms_now)
wait_for "$T/err" "write failed: No space left on device" 2
dt=$(($(ms_now) - t0))
kill -0 "$pid" 2>/dev/null || fail "the session ended on a full disk"
note "ok: full disk said ${dt} ms after the container's end, session running"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 1 ] || { show_output; fail "status $rc after a write error, not 1"; }
grep -q "later records are lost" "$T/err" ||
	{ show_output; fail "no count of the records lost"; }
note "ok: $(grep -o 'keeps its first.*lost' "$T/err")"
