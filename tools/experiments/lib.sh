# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# shellcheck shell=bash
# shellcheck disable=SC2034 # TOP, PLOT, ...: used by the sourcing scripts
#
# Helpers sourced by the experiments in tools/experiments/.  The sourcing
# script sets EXP (its name, for messages) first.  Each experiment runs
# its own private harness (tools/harness.sh with a private state file) so
# that it never touches daemons someone else started; exp_harness_start
# installs the traps that stop it on exit, error or Ctrl-C.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HARNESS=$TOP/tools/harness.sh
IMAGES=$TOP/tools/images.sh
PLOT=$TOP/tools/plot
COLDTRACE=${COLDTRACE:-$TOP/coldtrace}

die() {
	echo "${EXP:-experiment}: $*" >&2
	exit 1
}

log() {
	echo "${EXP:-experiment}: $*" >&2
}

exp_check_host() {
	local t
	[ "$(id -u)" -eq 0 ] || die "must run as root (private dockerd, BPF)"
	[ -x "$COLDTRACE" ] || die "$COLDTRACE not built (run make)"
	for t in jq gnuplot python3; do
		command -v "$t" >/dev/null || die "$t missing (tools/install-deps.sh)"
	done
}

# Extra cleanup the experiment registers (stress containers, ...), run
# before the daemons stop.
EXP_CLEANUP=()

exp_cleanup() {
	local f
	for f in "${EXP_CLEANUP[@]}"; do
		"$f" || true
	done
	"$HARNESS" stop >/dev/null 2>&1 || "$HARNESS" stop || true
	rm -f "$CT_HARNESS_STATE"
}

# Start containerd + dockerd, build coldtrace/busybox and the images named
# in the arguments (tools/images.sh), export the harness environment.
exp_harness_start() {
	local envf
	export CT_HARNESS_STATE
	CT_HARNESS_STATE=$(mktemp /tmp/ct-exp.XXXXXX)
	trap exp_cleanup EXIT
	trap 'exit 130' INT TERM
	envf=$("$HARNESS" start) || die "harness did not start"
	# shellcheck disable=SC1090
	. "$envf"
	"$HARNESS" image || die "could not build $CT_IMAGE"
	[ $# -eq 0 ] || "$IMAGES" "$@" || die "could not build images: $*"
}
