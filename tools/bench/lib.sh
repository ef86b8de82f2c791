# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# shellcheck shell=bash
# shellcheck disable=SC2034 # TOP, WORK, ...: used by the sourcing scripts
#
# Helpers sourced by the benchmarks in tools/bench/.  The sourcing script
# sets BENCH (its name, for messages) first, then calls bench_init, which
# makes a private work dir and installs the cleanup trap.  Cleanup stops
# what the benchmark started (coldtrace, its own harness, its own
# processes, registered with bench_on_exit), never anything else.
#
# coldtrace is copied into the work dir at start: other engineers rebuild
# ./coldtrace while we measure, and every configuration must run the same
# binary.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HARNESS=$TOP/tools/harness.sh
COLDTRACE_SRC=${COLDTRACE:-$TOP/coldtrace}
BENCH_CLEANUP=()
CT_PID=
WORK=

die() {
	echo "${BENCH:-bench}: $*" >&2
	exit 1
}

log() {
	echo "${BENCH:-bench}: $*" >&2
}

bench_on_exit() {
	BENCH_CLEANUP+=("$1")
}

bench_cleanup() {
	local i
	# coldtrace first, then the rest, last registered first (the
	# daemons, registered early, go last).
	ct_stop >/dev/null 2>&1 || true
	for ((i = ${#BENCH_CLEANUP[@]} - 1; i >= 0; i--)); do
		"${BENCH_CLEANUP[i]}" || true
	done
	# an if: a false test here would be the exit status under set -e
	if [ -n "$WORK" ] && [ -z "${BENCH_KEEP:-}" ]; then
		rm -rf "$WORK"
	fi
}

# Root check, tools, private work dir, trap; copies coldtrace into WORK.
bench_init() {
	local t
	[ "$(id -u)" -eq 0 ] || die "must run as root (BPF, private dockerd)"
	[ -x "$COLDTRACE_SRC" ] || die "$COLDTRACE_SRC not built (run make)"
	for t in "$@"; do
		command -v "$t" >/dev/null || die "$t missing (tools/install-deps.sh)"
	done
	WORK=$(mktemp -d "/tmp/ct-bench-${BENCH:-x}.XXXXXX")
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM HUP
	cp "$COLDTRACE_SRC" "$WORK/coldtrace"
	COLDTRACE_BIN=$WORK/coldtrace
}

# A positive integer option value, or die naming the option.
bench_posint() {
	[[ "$2" =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive integer, got '$2'"
}

# ---- coldtrace ----

# Number of BPF links coldtrace holds (each attached program has one).
ct_links() {
	# fds come and go while it starts: grep may fail on a vanished one.
	{ grep -ls '^link_id:' /proc/"$1"/fdinfo/* 2>/dev/null || true; } |
		wc -l
}

# Start coldtrace with ARGS in the background; stdout to $WORK/ct.out,
# stderr to $WORK/ct.err.  Returns once all its programs are attached (the
# link count is stable and non-zero), so that the measurement that follows
# sees the tracer fully in place.
ct_start() {
	local prev=-1 n i same=0
	"$COLDTRACE_BIN" "$@" >"$WORK/ct.out" 2>"$WORK/ct.err" &
	CT_PID=$!
	for ((i = 0; i < 300; i++)); do
		sleep 0.1
		kill -0 "$CT_PID" 2>/dev/null ||
			die "coldtrace exited at start: $(tail -n 3 "$WORK/ct.err")"
		n=$(ct_links "$CT_PID")
		if [ "$n" -gt 0 ] && [ "$n" = "$prev" ]; then
			same=$((same + 1))
			[ "$same" -lt 3 ] || return 0
		else
			same=0
		fi
		prev=$n
	done
	die "coldtrace did not attach within 30 s"
}

# "prog_id tracepoint" of every hook process $1 holds.
hooks_of() {
	bpftool perf list -j 2>/dev/null |
		jq -r --argjson p "$1" '.[] | select(.pid == $p) |
			"\(.prog_id) \(.tracepoint)"'
}

# Syscall tracepoint hooks (tp_btf/raw sys_enter, sys_exit, syscalls:*)
# held by processes other than $1 (the tracer under test; 0: none):
# another engineer's tracer, which puts every process, the baseline
# included, on the kernel's slow syscall path.
other_sys_hooks() {
	bpftool perf list -j 2>/dev/null |
		jq --argjson p "${1:-0}" '[.[] | select(.pid != $p and
			((.tracepoint // "") | test("^sys_")))] | length'
}

# Number of sys_enter/sys_exit hooks (attached links) process $1 holds.
sys_hooks_of() {
	hooks_of "$1" | awk '$2 == "sys_enter" || $2 == "sys_exit"' | wc -l
}

# Processes whose exec attaches coldtrace's syscall hooks, for the
# messages (what kept the host busy): the askers and keepers of
# user/model/comm_table.c, read from there.
arm_comms_alive() {
	local names
	names=$(grep -E '^[[:space:]]*\{ "[^"]+", .*(ASKER|KEEPER)' \
		"$TOP/user/model/comm_table.c" |
		grep -o '"[^"]*"' | tr -d '"' | paste -sd '|')
	ps -eo pid=,comm= | awk -v re="^($names)\$" '$2 ~ re {
		printf "%s%s %s", s, $1, $2; s = ", " }
		END { if (!s) printf "none" }'
}

# Wait until coldtrace ($CT_PID, --arm=auto) has detached its syscall
# hooks: no container in its cold start or removal, 2 s of idleness, then
# the next turn of its loop.  Returns 1 after SECONDS (a caller may start
# it again).
ct_wait_detached() {	# [SECONDS, default 10]
	local i
	for ((i = 0; i < ${1:-10} * 10; i++)); do
		kill -0 "$CT_PID" 2>/dev/null ||
			die "coldtrace exited: $(tail -n 3 "$WORK/ct.err")"
		[ "$(sys_hooks_of "$CT_PID")" -gt 0 ] || return 0
		sleep 0.1
	done
	log "coldtrace (--arm=auto) still holds its sys_enter/sys_exit hooks ${1:-10} s on; engine clients and runtimes alive: $(arm_comms_alive)"
	return 1
}

# Stop coldtrace (SIGINT: it prints its summary), bounded wait.
ct_stop() {
	local i
	[ -n "$CT_PID" ] || return 0
	kill -INT "$CT_PID" 2>/dev/null || true
	kill -CONT "$CT_PID" 2>/dev/null || true	# churn stops it
	for ((i = 0; i < 100; i++)); do
		kill -0 "$CT_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$CT_PID" 2>/dev/null || true
	wait "$CT_PID" 2>/dev/null || true
	CT_PID=
}

# BPF program / map ids that process PID holds, one a line.
bpf_ids_of() {
	grep -hs "^$2_id:" /proc/"$1"/fdinfo/* | awk '{print $2}' | sort -un
}

# Tracing BPF programs loaded on the host that are not our tracer's own
# (those of process $1; none if empty): another engineer's
# tracer.  Its syscall tracepoints put every process on the slow syscall
# path and run its programs in ours, so it inflates every configuration,
# baseline included.
foreign_tracing_progs() {
	local all mine=0 pid=$1
	all=$(bpftool prog show -j 2>/dev/null | jq '[.[] | select(.type ==
		"tracepoint" or .type == "tracing" or .type == "raw_tracepoint"
		or .type == "kprobe" or .type == "perf_event")] | length')
	[ -z "$pid" ] || mine=$(bpf_ids_of "$pid" prog | wc -l)
	echo $((${all:-0} - mine))
}

# Says whether someone else's tracer ran during the measurements, from
# FILE's lines "ROUND CONFIG FOREIGN_PROGS" (one per measurement).
foreign_note() {
	local n k
	n=$(awk '$3 > 0' "$1" | wc -l)
	k=$(wc -l <"$1")
	echo
	if [ "$n" -eq 0 ]; then
		echo "No other tracing BPF programs were loaded during the $k measurements."
	else
		echo "WARNING: other tracing BPF programs (up to $(sort -k3 -n "$1" | tail -n 1 | cut -d' ' -f3)) were loaded during $n of $k measurements: they slow every configuration, base included, and shrink the ratios."
	fi
}

# The empty programs of floor.bpf.c and their loader floor.c, into WORK.
build_floor() {
	clang -g -O2 -target bpf -Wall -Werror -I"$TOP/vmlinux/x86" \
		-c "$TOP/tools/bench/floor.bpf.c" -o "$WORK/floor.bpf.o" ||
		die "cannot build floor.bpf.c"
	# shellcheck disable=SC2046 # pkg-config prints several flags
	cc -O2 -Wall -Wextra -Werror -o "$WORK/floor" \
		"$TOP/tools/bench/floor.c" $(pkg-config --cflags --libs libbpf) ||
		die "cannot build floor.c"
}

# ---- BPF run time statistics ----

BPF_STATS_OLD=

# kernel.bpf_stats_enabled=1 (run_cnt / run_time_ns of every program),
# put back as it was by bpf_stats_restore, also at exit (error, Ctrl-C).
bpf_stats_on() {
	if [ -z "$BPF_STATS_OLD" ]; then
		BPF_STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled) ||
			die "cannot read kernel.bpf_stats_enabled"
		bench_on_exit bpf_stats_restore
	fi
	sysctl -qw kernel.bpf_stats_enabled=1 ||
		die "cannot set kernel.bpf_stats_enabled=1"
}

bpf_stats_restore() {
	[ -z "$BPF_STATS_OLD" ] ||
		sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_OLD"
}

# ---- private harness ----

# Start our own dockerd + containerd and build coldtrace/busybox; exports
# the harness environment (DOCKER_HOST, PATH, ...).
bench_harness_start() {
	local envf
	export CT_HARNESS_STATE
	CT_HARNESS_STATE=$WORK/harness.state
	bench_on_exit bench_harness_stop
	envf=$("$HARNESS" start) || die "harness did not start"
	# shellcheck disable=SC1090
	. "$envf"
	"$HARNESS" image >/dev/null || die "could not build coldtrace/busybox"
}

bench_harness_stop() {
	[ -f "$CT_HARNESS_STATE" ] || return 0
	"$HARNESS" stop >/dev/null 2>&1 || "$HARNESS" stop || true
}

# ---- statistics ----

# Reads numbers (one a line) on stdin, prints "median min max n".
stats() {
	sort -g | awk '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "nan nan nan 0"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.6g %.6g %.6g %d\n", m, v[1], v[NR], NR
		}'
}

# ratio A B -> A/B with 3 decimals ("nan" if B is 0).
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (b == 0) print "nan"; else printf "%.3f\n", a / b }'
}
