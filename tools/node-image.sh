#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Build coldtrace/node:latest by `docker import` of a local rootfs (no
# registry): the busybox rootfs of tools/harness.sh, plus the host's
# /usr/bin/node (Debian package nodejs), every shared library ldd finds
# for it, and the few /etc files node reads at start-up.
#
# Usage (as root, with a harness running, see tools/harness.sh):
#   tools/node-image.sh [IMAGE]        (default coldtrace/node:latest)
# Uses the harness of $CT_HARNESS_STATE unless DOCKER_HOST is set.
# Installs nodejs with apt-get if /usr/bin/node is missing.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=$TOP/tools/harness.sh
IMAGE=${1:-coldtrace/node:latest}
NODE=/usr/bin/node
# Read by node (OpenSSL config) or by glibc (user and host lookups) when
# present; none is required, so missing ones are skipped.
ETC_FILES=(/etc/ssl/openssl.cnf /usr/lib/ssl/openssl.cnf /etc/nsswitch.conf
	/etc/host.conf /etc/localtime)

die() {
	echo "node-image: $*" >&2
	exit 1
}

log() {
	echo "node-image: $*" >&2
}

# shellcheck source=tools/harness-env.sh
. "$TOP/tools/harness-env.sh"

ensure_node() {
	[ -x "$NODE" ] && return 0
	log "$NODE missing, installing nodejs from Debian"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends nodejs >&2 ||
		die "apt-get install nodejs failed"
	[ -x "$NODE" ] || die "nodejs installed but $NODE is still missing"
}

# Copy FILE into ROOT at the same path; -L so that a symlinked library
# name (what the loader asks for) becomes a real file.
copy_in() {
	local root=$1 f=$2
	mkdir -p "$root/$(dirname "$f")"
	cp -L "$f" "$root/$f"
}

# ldd prints "name => /path (addr)" and "/lib64/ld-linux... (addr)".
node_libs() {
	ldd "$NODE" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
			   $1 ~ /^\// { print $1 }'
}

make_rootfs() {
	local w=$1 root=$1/rootfs f
	"$HARNESS" bundle "$w" >/dev/null 2>&1 ||
		die "harness could not make a busybox rootfs"
	rm -f "$w/config.json"
	copy_in "$root" "$NODE"
	for f in $(node_libs); do
		copy_in "$root" "$f"
	done
	for f in "${ETC_FILES[@]}"; do
		[ -f "$f" ] && copy_in "$root" "$f"
	done
	return 0
}

main() {
	case "${1:-}" in -h|--help)
		echo "usage: tools/node-image.sh [IMAGE]  (root, harness running)" >&2
		exit 2 ;;
	esac
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	load_env
	ensure_node
	local w t0=$SECONDS v
	w=$(mktemp -d "${TMPDIR:-/tmp}/ct-node-image.XXXXXX")
	# shellcheck disable=SC2064 # expand $w now
	trap "rm -rf '$w'" EXIT
	make_rootfs "$w"
	tar --numeric-owner -C "$w/rootfs" -cf "$w/rootfs.tar" .
	docker import -c 'CMD ["/usr/bin/node", "--version"]' \
		"$w/rootfs.tar" "$IMAGE" >/dev/null || die "docker import of $IMAGE failed"
	v=$(docker run --rm --network none "$IMAGE" 2>&1) ||
		die "$IMAGE built but node does not run in it: $v"
	log "$IMAGE ready (node $v) in $((SECONDS - t0))s"
}

main "$@"
