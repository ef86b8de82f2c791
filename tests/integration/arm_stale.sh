#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# An open in flight when the syscall hooks detach leaves its start in the
# thread's storage; once they are attached again, the exit of that
# thread's next open, begun while they were off, must not be timed from
# it (bpf/opens_sys.bpf.h opens_gate).  One shell in a container, one
# thread, opens two FIFOs in turn, each blocking until the host writes
# into it:
#  - /f1's open begins while the container's start holds the hooks;
#  - the hooks detach (the container settled, -v says so), and /f1 is
#    written then: that open's exit is not seen;
#  - the shell blocks in /f2's open, begun while the hooks are off;
#  - another container's start attaches them again, and /f2 is written
#    while they are still attached: its exit is seen.
# Every open the container's record times is short (the FIFOs' are not
# timed): none in a bucket of 1 s or more.  Before the generation, /f2's
# was timed from /f1's start, tens of seconds.  The host must become
# idle (other containers are triggers too), as for arm.sh.
. "$(dirname "$0")/lib.sh"

WAIT_S=150	# s: each wait for a detach or an attach

"$COLDTRACE" -v -j -d 600 >"$T/out" 2>"$T/err" &
ct=$!
box=
sleeper=
trap '[ -z "$box" ] || docker rm -f "$box" >/dev/null 2>&1
	[ -z "$sleeper" ] || docker rm -f "$sleeper" >/dev/null 2>&1
	kill -INT $ct 2>/dev/null; wait $ct 2>/dev/null; cleanup_test' EXIT

detaches() { grep -c '^sys: hooks detached' "$T/err" || true; }
attaches() { grep -c '^sys: hooks attached' "$T/err" || true; }

# wait until FN's count is above N
wait_count() {	# FN N WHAT
	local deadline=$((SECONDS + WAIT_S))
	while [ "$($1)" -le "$2" ]; do
		kill -0 "$ct" 2>/dev/null || { show_output; fail "coldtrace exited"; }
		[ $SECONDS -lt $deadline ] ||
			{ show_output; fail "no $3 in $WAIT_S s (a busy host?)"; }
		sleep 0.1
	done
}

# wait until PID blocks in an openat (its /proc/PID/syscall)
wait_openat() {	# PID WHAT
	local deadline=$((SECONDS + 30))
	until [ "$(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null)" = 257 ]; do
		[ $SECONDS -lt $deadline ] || fail "$2: not blocked in openat"
		sleep 0.1
	done
}

wait_count detaches 0 "first detach"
d=$(detaches)
box=$(docker run -d --rm --network none "$CT_IMAGE" \
	sh -c 'mkfifo /f1 /f2; read a </f1; read b </f2') ||
	fail "docker run -d failed"
pid=$(docker inspect -f '{{.State.Pid}}' "$box")
wait_openat "$pid" "/f1"
[ "$(detaches)" -eq "$d" ] || fail "/f1's open began after a detach"
note "container ${box:0:12}: its shell ($pid) blocks in /f1's open, hooks attached"

wait_count detaches "$d" "detach after the container's start"
a=$(attaches)
echo x >"/proc/$pid/root/f1"
wait_openat "$pid" "/f2"
[ "$(attaches)" -eq "$a" ] || fail "attached again before /f2's open began"
note "hooks detached; /f1 written, the shell blocks in /f2's open"

sleeper=$(docker run -d --rm --network none "$CT_IMAGE" sleep 60) ||
	fail "docker run -d of the trigger failed"
wait_count attaches "$a" "attach for the trigger container"
d=$(detaches)
echo y >"/proc/$pid/root/f2"
for _ in $(seq 100); do
	[ -e "/proc/$pid" ] || break
	sleep 0.1
done
[ ! -e "/proc/$pid" ] || fail "the shell did not end after /f2"
[ "$(detaches)" -eq "$d" ] ||
	fail "the hooks detached before /f2's open ended: nothing to check"
note "attached again; /f2 written, the shell ended"

# the container's record comes out at its destroy
deadline=$((SECONDS + 60))
until [ -n "$(records | jq -c --arg id "$box" 'select(.id == $id)')" ]; do
	[ $SECONDS -lt $deadline ] || { show_output; fail "no record of $box"; }
	sleep 0.5
done
kill -INT $ct
wait $ct || fail "coldtrace exited $?"
trap '[ -z "$sleeper" ] || docker rm -f "$sleeper" >/dev/null 2>&1
	cleanup_test' EXIT

r=$(records | jq -c --arg id "$box" 'select(.id == $id)')
slow=$(jq -r '[.opens.buckets[]? | select(.count > 0) | .low] | max // 0' <<<"$r")
note "record: $(jq -c '{opens: (.opens | {count, p99_ns, traced_until_ns})}' <<<"$r"), slowest bucket from $slow ns"
[ "$slow" -lt 1000000000 ] ||
	fail "an open timed from $slow ns: an exit paired with a start before the detach"
