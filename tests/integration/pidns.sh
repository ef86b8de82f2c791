#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Not in the host's PID namespace (a container without --pid=host, a pod
# without hostPID): the kernel's pids cannot be looked up there, so a
# live session is refused at once, status 1 as for any host that cannot
# run it (not root, no BTF), one line on stderr naming the fix, nothing
# on stdout but -j's error line; whether /proc is the namespace's own
# (--mount-proc) or the host's.  The same binary in the host's namespace
# runs its session to its end (-d): the refusal is the namespace's.
. "$(dirname "$0")/lib.sh"

# unshare [OPTS] coldtrace ARGS: status, wall ms, stdout, stderr
in_pidns() {
	local opts=$1 t0
	shift
	CT_RC=0
	t0=$(date +%s%N)
	# shellcheck disable=SC2086 # opts: words or none
	timeout -k 5 30 unshare --pid --fork $opts "$COLDTRACE" "$@" \
		>"$T/out" 2>"$T/err" </dev/null || CT_RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
}

refused() {
	local what=$1
	[ "$CT_RC" -eq 1 ] || { show_output; fail "$what: status $CT_RC (want 1)"; }
	[ "$MS" -lt 2000 ] || fail "$what: refused after $MS ms (-d 3 asked)"
	[ "$(grep -c . "$T/err")" -eq 1 ] ||
		{ show_output; fail "$what: not one line on stderr"; }
	grep -qF 'docker run --pid=host' "$T/err" &&
		grep -qF 'hostPID: true' "$T/err" ||
		fail "$what: no fix named: $(cat "$T/err")"
	note "$what: status $CT_RC in $MS ms: $(cat "$T/err")"
}

for opts in --mount-proc ""; do
	what="unshare --pid --fork${opts:+ $opts}"
	in_pidns "$opts" -d 3
	refused "$what"
	[ ! -s "$T/out" ] || { show_output; fail "$what: stdout not empty"; }
	in_pidns "$opts" -d 3 -j
	refused "$what -j"
	jq -e -s 'length == 1 and .[0].type == "error"' "$T/out" >/dev/null ||
		{ show_output; fail "$what -j: stdout is not one error line"; }
done

# the host's namespace: the session runs to -d's end, with its summary
t0=$(date +%s%N)
run_ct -d 1 -j
MS=$((($(date +%s%N) - t0) / 1000000))
[ "$CT_RC" -eq 0 ] || { show_output; fail "host's namespace: status $CT_RC"; }
[ "$MS" -ge 1000 ] || fail "host's namespace: ended after $MS ms (-d 1)"
jq -e -s 'map(select(.type == "summary")) | length == 1' "$T/out" \
	>/dev/null || { show_output; fail "host's namespace: no summary"; }
note "host's namespace: status 0 after $MS ms, a summary"
