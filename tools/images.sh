#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Extra local images for experiments, built by `docker import` of a rootfs
# tarball (no registry, no network):
#   coldtrace/stress:latest   busybox + Debian's stress-ng and the shared
#                             libraries ldd finds for it (load generator)
#   coldtrace/service:latest  busybox whose default command is a tiny
#                             service: it sleeps and exits 0 at once on
#                             SIGTERM, so `docker restart` does not wait
#                             for the 10 s stop timeout
#
# Usage (as root, with a harness running, see tools/harness.sh):
#   tools/images.sh [stress|service|all]...     (default: all)
# Uses the harness of $CT_HARNESS_STATE unless DOCKER_HOST is set.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=$TOP/tools/harness.sh
STRESS_IMAGE=coldtrace/stress:latest
SERVICE_IMAGE=coldtrace/service:latest
# The trap interrupts `wait` at once (a plain `sleep` as pid 1 would ignore
# SIGTERM: pid 1 gets no default signal actions).
SERVICE_CMD='trap "exit 0" TERM; while :; do sleep 1 & wait $!; done'

die() {
	echo "images: $*" >&2
	exit 1
}

log() {
	echo "images: $*" >&2
}

usage() {
	echo "usage: tools/images.sh [stress|service|all]...  (root, harness running)" >&2
	exit 2
}

# shellcheck source=tools/harness-env.sh
. "$TOP/tools/harness-env.sh"

# A busybox rootfs in $1/rootfs, made by the harness (one recipe for all).
busybox_rootfs() {
	"$HARNESS" bundle "$1" >/dev/null 2>&1 || die "harness could not make a busybox rootfs"
	rm -f "$1/config.json"
}

# Copy FILE into ROOT at the same path, following symlinks so that both
# the link name the loader asks for and its target exist.
copy_in() {
	local root=$1 f=$2
	mkdir -p "$root/$(dirname "$f")"
	cp -L "$f" "$root/$f"
}

add_stress_ng() {
	local root=$1 bin lib
	bin=$(command -v stress-ng) || die "stress-ng not installed (tools/install-deps.sh)"
	copy_in "$root" "$bin"
	# ldd prints "name => /path (addr)" and "/lib64/ld-linux... (addr)".
	for lib in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
				       $1 ~ /^\// { print $1 }'); do
		copy_in "$root" "$lib"
	done
	# stress-ng checks its temp dir is writable for -i / --hdd.
	mkdir -p "$root/tmp"
	chmod 1777 "$root/tmp"
}

import_rootfs() {	# ROOT IMAGE CMD-JSON
	tar --numeric-owner -C "$1" -cf "$1.tar" .
	docker import -c "CMD $3" "$1.tar" "$2" >/dev/null ||
		die "docker import of $2 failed"
	rm -f "$1.tar"
}

build_stress() {
	local w=$1 t0=$SECONDS
	busybox_rootfs "$w/stress"
	add_stress_ng "$w/stress/rootfs"
	import_rootfs "$w/stress/rootfs" "$STRESS_IMAGE" '["/usr/bin/stress-ng", "--version"]'
	docker run --rm --network none "$STRESS_IMAGE" >/dev/null 2>&1 ||
		die "$STRESS_IMAGE built but stress-ng does not run in it"
	log "$STRESS_IMAGE ready in $((SECONDS - t0))s"
}

build_service() {
	local w=$1 cmd
	busybox_rootfs "$w/service"
	cmd=$(jq -cn --arg c "$SERVICE_CMD" '["/bin/sh", "-c", $c]')
	import_rootfs "$w/service/rootfs" "$SERVICE_IMAGE" "$cmd"
	log "$SERVICE_IMAGE ready"
}

main() {
	local what=() w a
	[ $# -gt 0 ] || set -- all
	for a in "$@"; do
		case "$a" in
		stress|service) what+=("$a") ;;
		all) what+=(stress service) ;;
		-h|--help) usage ;;
		*) echo "images: unknown image '$a'" >&2; usage ;;
		esac
	done
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	command -v jq >/dev/null || die "jq missing (tools/install-deps.sh)"
	load_env
	w=$(mktemp -d "${TMPDIR:-/tmp}/ct-images.XXXXXX")
	# shellcheck disable=SC2064 # expand $w now
	trap "rm -rf '$w'" EXIT
	for a in "${what[@]}"; do
		"build_$a" "$w"
	done
}

main "$@"
