# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# shellcheck shell=bash
#
# The mode fleets run (the systemd unit, the DaemonSet): one long-lived
# coldtrace, continuous (no COMMAND, no -d), default --arm=auto, with
# --listen and -o DIR, started before anything else and verified idle
# (no syscall hook attached, by bpftool) before each scenario, so that
# nobody holds the hooks for the scenario: what a node meets.  Sourced
# after lib.sh by detached.sh.
#
#   dt_start [ARGS...]   start it ($DT_PID; stdout $T/out, stderr
#                        $T/err, -o $T/dir, /metrics at $DT_URL) and wait
#                        until its syscall hooks attached once, then left
#   dt_wait_idle         until bpftool lists none of its syscall hooks
#   dt_record ID [S]     its record of container ID (JSON), waiting S s
#   dt_stop              SIGINT, its exit status checked, -o final
#
# Idle is seen in `bpftool perf list`: a tp_btf link of sys_enter,
# sys_exit or sched_switch held by coldtrace's pid (its lifecycle hooks,
# sched_process_exec among them, stay attached: their presence tells a
# bpftool that lists links at all).  Other people's container commands
# on a shared host are triggers too: they may delay idle, never fake it.

DT_WAIT_S=${DT_WAIT_S:-120}	# s: one wait for an idle host

# How many of coldtrace's links are on tracepoint group $1 (a jq regex).
dt_links() {	# REGEX
	bpftool perf list -j 2>/dev/null |
		jq --argjson p "$DT_PID" --arg re "$1" \
			'[.[] | select(.pid == $p and (.tracepoint // "" | test($re)))] | length'
}

dt_alive() {
	kill -0 "$DT_PID" 2>/dev/null || { show_output; fail "coldtrace exited"; }
}

dt_start() {
	local port=$((19000 + RANDOM % 1000)) deadline seen=0

	mkdir -p "$T/dir"
	DT_URL=http://127.0.0.1:$port
	"$COLDTRACE" -j --listen "127.0.0.1:$port" -o "$T/dir" "$@" \
		>"$T/out" 2>"$T/err" &
	DT_PID=$!
	trap 'dt_kill; cleanup_test' EXIT
	deadline=$((SECONDS + DT_WAIT_S))
	# its first attach (the session's own) comes before it serves
	while [ $SECONDS -lt $deadline ]; do
		dt_alive
		[ "$(dt_links '^sys_enter$')" -gt 0 ] && seen=1 && break
		sleep 0.1
	done
	[ $seen = 1 ] || { show_output; fail "its syscall hooks never attached"; }
	for _ in $(seq 100); do
		curl -sf "$DT_URL/healthz" >/dev/null && break
		sleep 0.1
	done
	curl -sf "$DT_URL/healthz" | grep -qx ok || { show_output; fail "no /healthz"; }
	dt_wait_idle
}

dt_wait_idle() {
	local deadline=$((SECONDS + DT_WAIT_S))

	while [ $SECONDS -lt $deadline ]; do
		dt_alive
		if [ "$(dt_links '^(sys_enter|sys_exit|sched_switch)$')" = 0 ] &&
			[ "$(dt_links '^sched_process_exec$')" -gt 0 ]; then
			return 0
		fi
		sleep 0.2
	done
	show_output
	fail "coldtrace still held syscall hooks after $DT_WAIT_S s"
}

# The record of container $1 once it is out (-j on stdout), within $2 s.
dt_record() {	# ID [S]
	local r i

	for i in $(seq $((${2:-60} * 5))); do
		r=$(jq -c --arg id "$1" 'select(.type == "container" and .id == $id)' \
			"$T/out" 2>/dev/null)
		[ -n "$r" ] && { echo "$r"; return 0; }
		[ "$i" -eq 1 ] || dt_alive
		sleep 0.2
	done
	show_output
	fail "no record of $1 within ${2:-60} s"
}

dt_kill() {
	[ -n "${DT_PID:-}" ] || return 0
	kill -INT "$DT_PID" 2>/dev/null || true
	wait "$DT_PID" 2>/dev/null || true
	DT_PID=
}

dt_stop() {
	local rc=0

	kill -INT "$DT_PID" || fail "coldtrace gone before its stop"
	wait "$DT_PID" || rc=$?
	DT_PID=
	[ $rc -eq 0 ] || { show_output; fail "coldtrace exited $rc"; }
}

# The wall-clock ns of docker's event $2 (create, start, die, destroy...)
# of container $1 in the live stream $T/events, the K-th one ($3, 1).
dt_event_ns() {	# ID ACTION [K]
	jq -r --arg id "$1" --arg a "$2" \
		'select(.Type == "container" and .id == $id and .Action == $a) | .timeNano' \
		"$T/events" | sed -n "${3:-1}p"
}

# How many events ACTION docker reported of container $1.
dt_event_count() {	# ID ACTION
	jq -r --arg id "$1" --arg a "$2" \
		'select(.Type == "container" and .id == $id and .Action == $a) | .id' \
		"$T/events" | wc -l
}
