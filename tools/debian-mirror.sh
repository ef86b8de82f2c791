# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# shellcheck shell=bash
#
# Sourced by tools/install-deps.sh and tools/vmtest/kernels.sh, which
# fetch packages of other Debian suites through source lists of their
# own: the archive to name in them.

# The archive host of the system's own Debian sources (deb822 or
# one-line), the only package source this machine may reach.
debian_mirror() {
	local u
	u=$(grep -hoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/*.sources \
		/etc/apt/sources.list.d/*.list /etc/apt/sources.list 2>/dev/null |
		head -n 1 | tr -d ' ') || true
	echo "${u:-http://deb.debian.org/debian}"
}
