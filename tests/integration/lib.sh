# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# shellcheck shell=bash
# shellcheck disable=SC2034 # CHECK, CMD_*_NS: used by the sourcing tests
#
# Helpers sourced by every integration test.  run.sh exports the harness
# environment (DOCKER_HOST, CONTAINERD_ADDRESS, CT_DIR, ...) and
# COLDTRACE (absolute path of the binary); each test runs in its own
# scratch dir $T and exits 0 on success, anything else on failure (no
# skipping: a missing input fails).  Under a CT_CGROUP=v2 harness, CT_NSENTER runs coldtrace in
# the daemons' mount namespace (their cgroup v2 view).

set -euo pipefail
# A command that ends a test under set -e says so: where, and what (a
# flaky detached CRI run once exited 1 after its checks with no word).
# -E: in functions and command substitutions too.
set -E
trap 'CT_RC_ERR=$?; CT_FAILED=1; echo "$(basename "$0"): line $LINENO: exit $CT_RC_ERR of: $BASH_COMMAND" >&2' ERR

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
COLDTRACE=${COLDTRACE:-$TOP/coldtrace}
CHECK="python3 $TOP/tests/integration/check.py"
# Other people's container daemons on this host (a shared dev machine, not
# CI)?  Then the checker may set their containers' records aside.  Tests
# call it again after a traced command: a daemon may start meanwhile.
foreign_daemons() {
	if pgrep -x 'containerd|dockerd' | grep -vqxE "${CT_CONTAINERD_PID:-0}|${CT_DOCKERD_PID:-0}"; then
		export CT_FOREIGN_OK=1
	fi
	return 0
}
foreign_daemons
# Upper bound for one traced command: image is local, runs are short.
CT_TIMEOUT=${CT_TIMEOUT:-120}

: "${CT_DIR:?run through tests/integration/run.sh (harness env missing)}"
T=$(mktemp -d "$CT_DIR/test.XXXXXX")

fail() {
	CT_FAILED=1
	echo "FAIL: $*" >&2
	exit 1
}

note() {
	echo "  $*" >&2
}

# Runs `coldtrace ARGS...` with a bound: stdout -> $T/out, stderr ->
# $T/err, exit status -> $CT_RC.  A timeout or a signal (status >= 124:
# timeout's 124/137, 128+N for a crash) fails the test at once.
run_ct() {
	CT_RC=0
	# shellcheck disable=SC2086 # CT_NSENTER: a command prefix or empty
	timeout -k 5 "$CT_TIMEOUT" ${CT_NSENTER:-} "$COLDTRACE" "$@" \
		>"$T/out" 2>"$T/err" ||
		CT_RC=$?
	if [ "$CT_RC" -ge 124 ]; then
		show_output
		fail "coldtrace $* timed out, crashed or its command failed (status $CT_RC)"
	fi
	return 0
}

# Like run_ct, but fills $CMD_START_NS/$CMD_END_NS with the wall-clock
# span of COMMAND itself, stamped by a tiny sh wrapper that coldtrace
# runs, so tests compare coldtrace's times with what the command took.
# Usage: run_timed CT_ARGS... -- COMMAND...
run_timed() {
	local args=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		args+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	rm -f "$T/t0" "$T/t1"
	run_ct "${args[@]}" -- sh -c \
		'date +%s%N >"$0/t0"; "$@"; r=$?; date +%s%N >"$0/t1"; exit $r' \
		"$T" "$@"
	if ! [ -s "$T/t0" ] || ! [ -s "$T/t1" ]; then
		show_output
		fail "coldtrace did not run the command (status $CT_RC)"
	fi
	CMD_START_NS=$(cat "$T/t0")
	CMD_END_NS=$(cat "$T/t1")
}

# tools/bench/NAME --quick --md $T/out.md, bounded by SEC seconds, in a
# clean environment: the bench starts a private harness of its own, which
# must not inherit this one's DOCKER_HOST, CT_DIR and PATH.  Fails the
# test on a non-zero status, with the end of the bench's stderr.
run_bench_quick() {	# NAME SEC
	local rc=0
	timeout -k 5 "$2" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME="${HOME:-/root}" COLDTRACE="$COLDTRACE" \
		"$TOP/tools/bench/$1" --quick --md "$T/out.md" \
		>/dev/null 2>"$T/err" || rc=$?
	[ "$rc" -eq 0 ] || fail "$1 --quick: status $rc: $(tail -n 5 "$T/err")"
}

# A jq definition: union(S; E) of an array of objects is the time (ns)
# covered by their intervals [S, E) (S and E: each object's field), as
# coldtrace's FUSE wait_ns is made of its requests' (fuse.sh, lazy.sh).
# shellcheck disable=SC2016
JQ_UNION='def union(s; e): sort_by(s)
	| reduce .[] as $r ({s: 0, e: 0, sum: 0};
		if .e > 0 and ($r | s) <= .e then .e = ([.e, ($r | e)] | max)
		else .sum += (.e - .s) | .s = ($r | s) | .e = ($r | e) end)
	| .sum + (.e - .s);'

# Container records on stdout (JSON Lines; other line types ignored).
records() {
	jq -c 'select(.type == "container")' "$T/out"
}

# The (runtime, engine) pairs this host can run, "RUNTIME ENGINE" a line,
# as the filesystem says (docs/metrics.md "Which series"): a program of
# the runtime's and of the engine's name in PATH's usual directories.
installed_pairs() {
	local r e
	for r in runc:runc crun:crun runsc:runsc kata:containerd-shim-kata-v2; do
		for e in docker:dockerd containerd:containerd podman:podman \
			cri:kubelet buildah:buildah; do
			if on_path "${r#*:}" && on_path "${e#*:}"; then
				echo "${r%%:*} ${e%%:*}"
			fi
		done
	done
}
on_path() {	# NAME
	local d
	for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
		[ -f "$d/$1" ] && [ -x "$d/$1" ] && return 0
	done
	return 1
}

# The pairs of a metrics text at 0 containers, "RUNTIME ENGINE" a line.
pairs_at_zero() {	# FILE
	sed -n 's/^coldtrace_containers_total{container_runtime="\([^"]*\)",engine="\([^"]*\)"} 0$/\1 \2/p' "$1"
}

show_output() {
	echo "---- coldtrace stdout ----" >&2
	head -c 4000 "$T/out" >&2 || true
	echo "---- coldtrace stderr ----" >&2
	tail -n 20 "$T/err" >&2 || true
}

# `docker events` for one container between two wall-clock ns stamps, as
# JSON Lines (the independent truth for order and rough timing).
docker_events() {
	local id=$1 since=$2 until=$3
	docker events --filter "container=$id" \
		--since "$((since / 1000000000 - 1))" \
		--until "$((until / 1000000000 + 2))" \
		--format '{{json .}}'
}

# Streams `docker events ARGS...` live into $T/events as JSON Lines until
# the test ends (docker replays only its last 256 events).
stream_events() {
	docker events "$@" --format '{{json .}}' >"$T/events" &
	EVENTS_PID=$!
	sleep 0.3
}

# A failed test's files (outputs, recordings) are kept under
# $CT_KEEP_FAILED when it is set, to replay what went wrong (CT_FAILED:
# set by fail() and the ERR trap; the EXIT traps run other commands
# before this one, so $? no longer says).
cleanup_test() {
	[ -z "${EVENTS_PID:-}" ] || kill "$EVENTS_PID" 2>/dev/null || true
	[ -z "${RX_PID:-}" ] || kill "$RX_PID" 2>/dev/null || true
	if [ -n "${CT_FAILED:-}" ] && [ -n "${CT_KEEP_FAILED:-}" ] &&
		mkdir -p "$CT_KEEP_FAILED" && mv "$T" "$CT_KEEP_FAILED/"; then
		echo "kept: $CT_KEEP_FAILED/$(basename "$T")" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup_test EXIT

# The tests' Node.js programs' packages (tests/integration/node, from the
# npm registry by its lock file), installed once.
NODE_DIR=$TOP/tests/integration/node
node_deps() {
	command -v node >/dev/null || fail "node missing (tools/install-deps.sh)"
	command -v npm >/dev/null || fail "npm missing (tools/install-deps.sh)"
	(cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error) \
		>"$T/npm" 2>&1 || fail "npm ci in $NODE_DIR: $(tail -n 5 "$T/npm")"
}

# containerd's own spans (a harness with CT_CONTAINERD_OTLP, tools/
# harness.sh, sends them there) kept in FILE by the tests' OTLP receiver
# (tests/integration/node/otlp_receiver.js), a JSON line per batch;
# RX_PID its pid, to kill when done.
otlp_rx_start() {	# FILE TAG
	[ -d "$NODE_DIR/node_modules" ] || node_deps
	: >"$1"
	OTLP_PORT=$CT_CONTAINERD_OTLP node \
		"$NODE_DIR/otlp_receiver.js" \
		"$T/rxport.$2" "$1" ok 2>"$T/rx.err" &
	RX_PID=$!
	for _ in $(seq 100); do
		[ -s "$T/rxport.$2" ] && return 0
		sleep 0.1
	done
	fail "no OTLP receiver: $(cat "$T/rx.err")"
}

# How many spans whose name ends with SUFFIX, begun at SINCE_NS or
# later, FILE holds (containerd's batches may bring earlier tests'
# spans, held while nothing listened).
spans_named() {	# FILE SUFFIX SINCE_NS
	PYTHONPATH=$TOP/tests/integration python3 - "$@" <<'EOF2'
import sys
from steps_truth import spans
print(sum(s["name"].endswith(sys.argv[2]) and s["start"] >= int(sys.argv[3])
          for s in spans(sys.argv[1])))
EOF2
}

# containerd sends its spans in batches, every 5 s: wait up to 15 s for
# COUNT spans named ...SUFFIX since SINCE_NS.
spans_wait() {	# FILE SUFFIX SINCE_NS COUNT
	for _ in $(seq 75); do
		[ "$(spans_named "$1" "$2" "$3")" -ge "$4" ] && return 0
		sleep 0.2
	done
	fail "containerd sent $(spans_named "$1" "$2" "$3") of $4 $2 spans to port $CT_CONTAINERD_OTLP"
}
