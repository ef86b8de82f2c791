# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# shellcheck shell=bash
#
# Sourced by the image builders: load the environment of the running
# private harness (tools/harness.sh), unless the caller already has it.
# Needs $HARNESS and a die() function.

load_env() {
	[ -n "${DOCKER_HOST:-}" ] && return 0
	local envf
	envf=$("$HARNESS" env) || die "no harness running (tools/harness.sh start)"
	# shellcheck disable=SC1090
	. "$envf"
}
