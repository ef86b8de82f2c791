# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# shellcheck shell=bash
#
# Sourced by the tools that start private daemons (tools/harness.sh,
# tools/lazy.sh, tools/lazy/smoke.sh): finding and stopping what they
# started by the private dir its argv names, never by a process name,
# and unmounting what is left under that dir.  Needs a log() function.

# Pids of live processes whose argv mentions DIR/ (shims, runtimes,
# gofers and sandboxes that the daemons left behind); never our own.
pids_under() {
	local d=$1 p
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = $$ ] && continue
		{ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null |
			grep -qF "$d/" && echo "$p"
	done
	return 0
}

# SIGTERM, wait up to $2 seconds, SIGKILL.
stop_pid() {
	local pid=$1 secs=$2 i
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	log "pid $pid ignored SIGTERM, killing"
	kill -KILL "$pid" 2>/dev/null || true
	sleep 0.2
}

unmount_under() {
	local d=$1 m
	# Deepest first; lazy so a busy mount cannot block cleanup.
	awk -v d="$d/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do
			umount -l "$m" 2>/dev/null || true
		done
}
