#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Runs every integration test against one private harness (containerd +
# dockerd under /tmp/ct.XXXXXX, stopped on exit whatever happens) and
# prints "N passed, N failed" as its last line (a test never skips: a
# missing input is a failure; a test that fails runs once more and, if it
# then passes, is named FLAKY at the end with its first run's output).
# Exits non-zero if any test failed.  Needs root and a built ./coldtrace.
#
#   tests/integration/run.sh            all tests
#   tests/integration/run.sh PATTERN    tests whose name contains PATTERN
#                                       (e.g. "trixie/": the second version set,
#                                       "forky/": the third)
#   CT_KEEP_FAILED=DIR tests/integration/run.sh ...
#                                       a failed test's files (its outputs
#                                       and recordings) kept under DIR
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
DIR=$TOP/tests/integration
HARNESS=$TOP/tools/harness.sh
export COLDTRACE=$TOP/coldtrace
# Per test: generous, so a hang fails one test instead of the whole CI.
TEST_TIMEOUT=${TEST_TIMEOUT:-300}

# name | script and arguments
TESTS=(
	"docker-runc|docker_single.sh runc"
	"docker-crun|docker_single.sh crun"
	"docker-runsc|docker_single.sh runsc"
	"docker-concurrent-10|docker_concurrent.sh"
	"docker-exit-3|docker_exit.sh"
	"docker-restart-20|restart.sh"
	"docker-start-restart|start_restart.sh"
	"docker-adopt|adopt.sh"
	"docker-pull|pull.sh"
	"docker-pull-far|pull.sh far"
	"docker-pull-apart|pull_apart.sh command"
	"docker-pull-apart-detached|pull_apart.sh detached"
	"docker-pull-apart-tls|pull_apart.sh tls"
	"docker-pull-apart-far|pull_apart.sh far"
	"ctr-pull-apart|pull_apart.sh ctr"
	"opens|opens.sh"
	"opens-full|opens_full.sh"
	"arm|arm.sh"
	"arm-hold|arm_hold.sh"
	"detached|detached.sh run-d restart crash-loop"
	"detached-late-listen|detached.sh late-listen"
	"arm-stale|arm_stale.sh"
	"paths|paths.sh"
	"start-files|start_files.sh"
	"fuse|fuse.sh"
	"lazy-stargz|lazy.sh"
	"lazy-stargz-far|lazy.sh far"
	"kata-standin|kata_standin.sh qemu"
	"kata-standin-daemonize|kata_standin.sh qemu-daemonize"
	"kata-standin-clh|kata_standin.sh clh"
	"ctr-run|ctr_run.sh"
	"runc-run|direct_run.sh runc"
	"wait|wait.sh"
	"kernel-variants|kernel_variants.sh"
	"runsc-run|direct_run.sh runsc"
	"bad-input|bad_input.sh"
	"session-end|session_end.sh"
	"record-kill|record_kill.sh"
	"non-root|non_root.sh"
	"pidns|pidns.sh"
	"bench-bpf-cost|bench_bpf_cost.sh"
	"bench-steady|bench_steady.sh"
	"ready-runc|ready.sh runc"
	"ready-crun|ready.sh crun"
	"ready-runsc|ready.sh runsc"
	"gosym|gosym.sh"
	"why|why.sh"
	"why-waits|why_waits.sh"
	"why-user|why_user.sh"
	"why-gopark|why_gopark.sh"
	"why-coverage|why_coverage.sh"
	"compare|compare.sh"
	"prepare|prepare.sh"
	"prepare-steps|prepare_steps.sh"
	"destroy-steps|destroy_steps.sh"
	"ctrd-steps|ctrd_steps.sh"
	"create-start|create_start.sh detached"
	"create-start-command|create_start.sh command"
	"compose|compose.sh"
	"listen|listen.sh"
	"prometheus|prometheus.sh"
	"podman-runc|podman.sh runc"
	"podman-steps|podman_steps.sh"
	"podman-crun|podman.sh crun"
	"podman-exit-3|podman.sh runc 3"
	"podman-detach|podman.sh crun detach"
	"podman-concurrent-5|podman_concurrent.sh crun 5"
	"podman-service|podman_service.sh"
	"podman-pull-apart|pull_apart.sh podman"
	"buildah-run-runc|buildah.sh run runc"
	"podman-build-crun|buildah.sh build crun"
	"buildah-detached|buildah.sh detached runc"
	"chain|chain.sh"
	"trace-parser|trace_parser.sh"
	"otlp|otlp.sh"
	"caps|caps.sh"
	"distclean-state|distclean_state.sh"
	"readme|readme.sh"
)

# The core lifecycle tests once more against the second version set
# (CT_VERSIONS=trixie: Docker 26, containerd 1.7, runsc 20240729 whose
# docker runtime "runsc" is systrap), in a harness of their own started
# after the tests above, with containerd 1.7's CRI plugin (a pod, its
# prepare's steps from containerd's functions).  Named "trixie/NAME".
# versions.sh: exact open counts of every engine and runtime the set runs.
TRIXIE_TESTS=(
	"docker-runc|docker_single.sh runc"
	"docker-runsc|docker_single.sh runsc"
	"docker-concurrent-10|docker_concurrent.sh"
	"docker-exit-3|docker_exit.sh"
	"ctr-run|ctr_run.sh"
	"runsc-run|direct_run.sh runsc"
	"docker-pull|pull.sh"
	"docker-pull-apart|pull_apart.sh command"
	"ctr-pull-apart|pull_apart.sh ctr"
	"prepare|prepare.sh"
	"prepare-steps|prepare_steps.sh"
	"destroy-steps|destroy_steps.sh"
	"ctrd-steps|ctrd_steps.sh"
	"daemonset|daemonset.sh"
	"versions|versions.sh"
	"why-coverage|why_coverage.sh"
	"cri-runc|cri.sh runc"
)

# The core tests, Podman and CRI once more against the third version set
# (CT_VERSIONS=forky: Docker 28, containerd 2.1, runc 1.3, crun 1.28,
# Podman 5.8, trixie's runsc; daemons in a private root of Debian forky,
# coldtrace on the host), in a harness of their own with the CRI plugin.
# Named "forky/NAME".  TRIXIE_TESTS and more, but not prepare.sh: its
# share of the client's wall clock counts the clients' nsenter wrappers,
# which run before the exec where prepare begins (docs/versions.md).
# docker-runc/-crun/-runsc and -concurrent-10 also check that Docker 28's
# phases cover each total within 1 % (check.py --engine-connect).
FORKY_TESTS=(
	"docker-runc|docker_single.sh runc"
	"docker-crun|docker_single.sh crun"
	"docker-runsc|docker_single.sh runsc"
	"docker-concurrent-10|docker_concurrent.sh"
	"prepare-steps|prepare_steps.sh"
	"destroy-steps|destroy_steps.sh"
	"docker-exit-3|docker_exit.sh"
	"ctr-run|ctr_run.sh"
	"runsc-run|direct_run.sh runsc"
	"docker-pull|pull.sh"
	"docker-pull-far|pull.sh far"
	"docker-pull-apart|pull_apart.sh command"
	"ctr-pull-apart|pull_apart.sh ctr"
	"cri-pull-apart|pull_apart.sh cri"
	"daemonset|daemonset.sh"
	"versions|versions.sh"
	"ctr-runc-binary|ctr_run.sh runc space"
	"ctr-crun-binary|ctr_run.sh crun space"
	"ctr-crun-binary-equals|ctr_run.sh crun equals"
	"podman-runc|podman.sh runc"
	"podman-steps|podman_steps.sh"
	"podman-crun|podman.sh crun"
	"podman-exit-3|podman.sh runc 3"
	"podman-detach|podman.sh crun detach"
	"podman-concurrent-5|podman_concurrent.sh crun 5"
	"podman-build-crun|buildah.sh build crun"
	"podman-restore|restore.sh"
	"podman-pull-apart|pull_apart.sh podman"
	"cri-runc|cri.sh runc"
	"cri-crun|cri.sh crun"
	"cri-concurrent-3|cri.sh runc 3"
	"cri-ready|cri.sh runc 1 listen"
	"why-coverage|why_coverage.sh"
	"why-gopark|why_gopark.sh"
)

# The core tests in a cgroup-v2-only view (CT_CGROUP=v2: a private mount
# namespace with cgroup2 at /sys/fs/cgroup, daemons and coldtrace inside;
# tools/harness.sh), in a harness of their own.  Named "v2/NAME".  Only
# runc runs there on this cgroup v1 host; cgroup_v2.sh checks its exact
# open count and that crun's and runsc's failed creates are reported as
# failed, and that coldtrace in the host's v1 view reports those
# containers' keys as not theirs.  Not here: opens.sh (runsc).
V2_TESTS=(
	"docker-runc|docker_single.sh runc"
	"docker-concurrent-10|docker_concurrent.sh"
	"docker-exit-3|docker_exit.sh"
	"ctr-run|ctr_run.sh"
	"cgroup-v2|cgroup_v2.sh"
	"podman-runc|podman.sh runc"
	"podman-exit-3|podman.sh runc 3"
	"why-coverage|why_coverage.sh"
)

# Docker 26 (trixie) and 28 (forky) with containerd's image store
# (CT_DOCKER_STORE=containerd: tools/harness.sh), a harness each: its
# cold starts and its pulls, which containerd makes.  Named
# "cstore-trixie/NAME" and "cstore-forky/NAME".
CSTORE_TESTS=(
	"docker-runc|docker_single.sh runc"
	"docker-concurrent-10|docker_concurrent.sh"
	"prepare|prepare.sh"
	"prepare-steps|prepare_steps.sh"
	"destroy-steps|destroy_steps.sh"
	"docker-pull-apart|pull_apart.sh command"
)
# Detached pulls on containerd's image store: Docker 28's only (each
# pull_apart.sh detached takes a minute; Docker 20.10's own store has
# its own, bookworm's list).
CSTORE_FORKY_TESTS=(
	"docker-pull-apart-detached|pull_apart.sh detached"
)

# containerd 2.1's own spans (ctrd_steps.sh), on forky with dockerd's
# image store and with containerd's: a harness of their own whose
# containerd exports them over TCP, apart from the other tests (its
# exporter's connects would be registry connects to their pulls:
# docs/pull.md).  Named "otlp-forky-own/NAME", "otlp-forky-containerd/NAME".
OTLP_TESTS=(
	"ctrd-steps|ctrd_steps.sh"
)
# ... and with its own store, its CRI plugin: a pod's request and task
# steps against containerd's spans of CreateContainer and StartContainer.
OTLP_OWN_TESTS=(
	"cri-runc|cri.sh runc"
)

# Kubernetes pods through containerd's CRI plugin, in a harness of their
# own (CT_CRI=1: the plugin, CNI with a bridge of the harness's own, the
# pause image; tools/harness.sh).  Named "cri/NAME".
CRI_TESTS=(
	"runc|cri.sh runc"
	"crun|cri.sh crun"
	"concurrent-3|cri.sh runc 3"
	"ready|cri.sh runc 1 listen"
	"detached|cri.sh runc 3 listen detached"
	"slow-cni|cri.sh runc 1 listen detached slowcni"
	"slow-cni-command|cri.sh runc 1 listen command slowcni"
	"pull-apart|pull_apart.sh cri"
)

die() {
	echo "integration: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (private dockerd, BPF)"
[ -x "$COLDTRACE" ] || die "$COLDTRACE not built (run make)"
command -v jq >/dev/null || die "jq missing (tools/install-deps.sh)"

# Our own harness, never another one: a private state file.
export CT_HARNESS_STATE
CT_HARNESS_STATE=$(mktemp /tmp/ct-integration.XXXXXX)
cleanup() {
	"$HARNESS" stop >/dev/null 2>&1 || "$HARNESS" stop
	rm -f "$CT_HARNESS_STATE"
	rm -rf "${LOGS:-}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Start a harness of the version set $1 (cgroup view $2, default v1;
# dockerd's image store $3, default its own) and snapshot the binary
# into it.
# start_harness VERSIONS [CGROUP [STORE [CRI [OTLP_PORT]]]]: every
# setting given, none inherited from the env file of the set before.
start_harness() {
	local envf
	envf=$(CT_VERSIONS=$1 CT_CGROUP=${2:-v1} CT_DOCKER_STORE=${3:-own} \
		CT_CRI=${4:-0} CT_CONTAINERD_OTLP=${5:-} \
		"$HARNESS" start) || die "$1 ${2:-v1} ${3:-own} harness did not start"
	# shellcheck disable=SC1090
	. "$envf"
	# Test a snapshot: a rebuild during the run must not swap the binary.
	# $CT_DIR/bin is world-readable so the non-root test can exec it too.
	cp "$COLDTRACE_BUILT" "$CT_DIR/bin/coldtrace"
	COLDTRACE=$CT_DIR/bin/coldtrace
	"$HARNESS" image || die "could not build the $1 test image"
}

# A loopback TCP port nothing listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pass=0 failed=0 failures=() flaky=()
# Each test's output, to print again at the end when it failed: CI
# shows only the tail of a long run, so the reason must be near the end.
LOGS=$(mktemp -d /tmp/ct-integration-logs.XXXXXX)

# Where test NAME's output goes ("trixie/x" -> trixie_x.log); SUFFIX:
# ".first" for the first run of a test that was run again.
log_of() {	# NAME [SUFFIX]
	echo "$LOGS/${1//\//_}${2:-}.log"
}

# One run of a test, its output to log_of NAME then to ours: to a
# file, not through tee, since a daemon a test leaves behind (conmon)
# would hold a pipe open.  Returns the test's status.
run_one() {	# NAME CMD
	local log rc

	log=$(log_of "$1")
	# shellcheck disable=SC2086
	timeout -k 10 "$TEST_TIMEOUT" bash "$DIR"/$2 >"$log" 2>&1
	rc=$?
	cat "$log"
	[ $rc -eq 124 ] && echo "  timed out after ${TEST_TIMEOUT}s"
	return $rc
}

# A test that fails is run once more, so that one timing accident on a
# loaded machine does not hide the rest of the run; it still fails if
# the second run fails, and a pass on the second run is reported as
# FLAKY, with the first run's output, at the end of the run.
# run_tests PREFIX PATTERN "name|cmd"...
run_tests() {
	local prefix=$1 pat=$2 t name cmd rc t0 flog
	shift 2
	for t in "$@"; do
		name=$prefix${t%%|*}
		cmd=${t#*|}
		[ -n "$pat" ] && [[ "$name" != *"$pat"* ]] && continue
		t0=$SECONDS
		run_one "$name" "$cmd"
		rc=$?
		if [ $rc -ne 0 ]; then
			flog=$(log_of "$name" .first)
			mv "$(log_of "$name")" "$flog"
			echo "RETRY: $name failed (status $rc), once more"
			run_one "$name" "$cmd"
			rc=$?
			[ $rc -eq 0 ] && flaky+=("$name")
		fi
		if [ $rc -eq 0 ]; then
			echo "PASS: $name ($((SECONDS - t0))s)"
			pass=$((pass + 1))
		else
			echo "FAIL: $name (status $rc, $((SECONDS - t0))s)"
			failed=$((failed + 1))
			failures+=("$name")
		fi
	done
}

# Whether any test of a list matches the pattern (else skip its harness).
any_match() {	# PREFIX PATTERN "name|cmd"...
	local prefix=$1 pat=$2 t
	shift 2
	[ -z "$pat" ] && return 0
	for t in "$@"; do
		[[ "$prefix${t%%|*}" == *"$pat"* ]] && return 0
	done
	return 1
}

COLDTRACE_BUILT=$COLDTRACE
if any_match "" "${1:-}" "${TESTS[@]}"; then
	start_harness bookworm
	run_tests "" "${1:-}" "${TESTS[@]}"
	"$HARNESS" stop >/dev/null
fi
if any_match trixie/ "${1:-}" "${TRIXIE_TESTS[@]}"; then
	start_harness trixie v1 own 1
	run_tests trixie/ "${1:-}" "${TRIXIE_TESTS[@]}"
	"$HARNESS" stop >/dev/null
fi
if any_match forky/ "${1:-}" "${FORKY_TESTS[@]}"; then
	start_harness forky v1 own 1
	run_tests forky/ "${1:-}" "${FORKY_TESTS[@]}"
	"$HARNESS" stop >/dev/null
fi
for set in trixie forky; do
	tests=("${CSTORE_TESTS[@]}")
	[ "$set" = forky ] && tests+=("${CSTORE_FORKY_TESTS[@]}")
	any_match "cstore-$set/" "${1:-}" "${tests[@]}" || continue
	start_harness "$set" v1 containerd
	run_tests "cstore-$set/" "${1:-}" "${tests[@]}"
	"$HARNESS" stop >/dev/null
done
for store in own containerd; do
	prefix=otlp-forky-$store/
	tests=("${OTLP_TESTS[@]}") cri=0
	[ "$store" = own ] && tests+=("${OTLP_OWN_TESTS[@]}") cri=1
	any_match "$prefix" "${1:-}" "${tests[@]}" || continue
	# containerd sends its spans there (ctrd_steps.sh, cri.sh listen)
	start_harness forky v1 "$store" "$cri" "$(free_port)"
	run_tests "$prefix" "${1:-}" "${tests[@]}"
	"$HARNESS" stop >/dev/null
done
if any_match v2/ "${1:-}" "${V2_TESTS[@]}"; then
	start_harness bookworm v2
	run_tests v2/ "${1:-}" "${V2_TESTS[@]}"
	"$HARNESS" stop >/dev/null
fi
if any_match cri/ "${1:-}" "${CRI_TESTS[@]}"; then
	start_harness bookworm v1 own 1
	run_tests cri/ "${1:-}" "${CRI_TESTS[@]}"
fi

# The flaky and failed tests' own words last, where a truncated CI log
# still has them.
for name in "${flaky[@]}"; do
	echo "=== FLAKY $name (passed on its second run): the last 25 lines of its first"
	tail -n 25 "$(log_of "$name" .first)"
done
for name in "${failures[@]}"; do
	echo "=== FAILED $name: the last 25 lines of its output"
	tail -n 25 "$(log_of "$name")"
done
[ ${#flaky[@]} -gt 0 ] && echo "flaky (passed on a second run): ${flaky[*]}"
[ $failed -gt 0 ] && echo "failed: ${failures[*]}"
echo "$pass passed, $failed failed"
[ $failed -eq 0 ]
