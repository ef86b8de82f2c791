# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# shellcheck shell=bash
#
# What vmtest's scripts share (run.sh on the host, guest-init.sh and
# guest-tests.sh in the guest): how a hang is told from a slow run, and
# where a hung process waits.

# The guest's heartbeat, written every HEARTBEAT_S seconds into the
# shared folder: a guest whose kernel stopped (no oops, no output, seen
# under TCG) stops beating, and run.sh stops it after HANG_S.
HEARTBEAT_S=10

# Whether PID runs (a child that exited but was not waited for is a
# zombie, which kill -0 still finds).
alive() {	# PID
	local st
	# one read: it may be gone by the next
	st=$(cat "/proc/$1/status" 2>/dev/null) &&
		! grep -q '^State:[[:space:]]*Z' <<<"$st"
}

# Where each thread of PID waits: its name and kernel stack (wchan says
# nothing on these kernels: ps shows "-").
stacks() {	# PID
	local t
	for t in /proc/"$1"/task/*; do
		echo "---- $1's thread ${t##*/} ($(cat "$t/comm" 2>/dev/null)):"
		sed 's/^/    /' "$t/stack" 2>/dev/null
	done
}
