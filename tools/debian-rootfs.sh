#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# A Debian 12 root file system as a tar file, built offline-friendly with
# debootstrap from the host's Debian mirror (the only package source this
# machine reaches), for images made by `docker import` (real
# Python function images instead of random layers).
#
#   tools/debian-rootfs.sh NAME [PKG,PKG,...]
#     prints the path of NAME's tar (minbase + the packages), built once
#     and kept in $CT_ROOTFS_CACHE (default /var/cache/coldtrace/rootfs)
#     under a name that includes a hash of the package list, so that a
#     changed list builds a new one; the .deb files are kept in
#     $CT_ROOTFS_CACHE/debs and shared between builds.
# apt's lists and downloaded .deb files are left out of the tar, as a
# Dockerfile's `apt-get clean && rm -rf /var/lib/apt/lists/*` would.
set -euo pipefail

CACHE=${CT_ROOTFS_CACHE:-/var/cache/coldtrace/rootfs}
SUITE=bookworm

die() {
	echo "debian-rootfs: $*" >&2
	exit 1
}

log() {
	echo "debian-rootfs: $*" >&2
}

# The mirror apt uses here: the first "URIs:" (deb822) or "deb" line.
mirror() {
	local m
	m=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
		awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }
		     /^deb / && $2 !~ /security/ { print $2; exit }')
	[ -n "$m" ] || die "no Debian mirror in /etc/apt (sources.list[.d])"
	echo "$m"
}

main() {
	local name=${1:-} pkgs=${2:-} key tar tmp
	[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap)"
	[[ "$name" =~ ^[a-z0-9][a-z0-9._-]{0,63}$ ]] ||
		die "usage: $0 NAME [PKG,PKG,...] (NAME: lowercase letters, digits, . _ -)"
	[[ "$pkgs" =~ ^[a-z0-9.+,-]*$ ]] || die "bad package list '$pkgs'"
	command -v debootstrap >/dev/null ||
		die "debootstrap missing (tools/install-deps.sh)"
	key=$(printf '%s %s' "$SUITE" "$pkgs" | sha256sum | cut -c1-12)
	tar=$CACHE/$name-$key.tar
	if [ -s "$tar" ]; then
		echo "$tar"
		return
	fi
	mkdir -p "$CACHE/debs"
	tmp=$(mktemp -d "$CACHE/$name.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	log "debootstrap $SUITE minbase${pkgs:+ + $pkgs} into $tmp (a few minutes)"
	debootstrap --variant=minbase ${pkgs:+--include="$pkgs"} \
		--cache-dir="$CACHE/debs" "$SUITE" "$tmp/root" "$(mirror)" \
		>"$tmp/log" 2>&1 || { tail -5 "$tmp/log" >&2; die "debootstrap failed"; }
	rm -rf "$tmp/root/var/cache/apt/archives/"*.deb "$tmp/root/var/lib/apt/lists/"*
	tar --numeric-owner -C "$tmp/root" -cf "$tmp/rootfs.tar" . ||
		die "tar of $tmp/root failed"
	mv "$tmp/rootfs.tar" "$tar"
	log "$tar: $(du -m "$tar" | cut -f1) MB"
	echo "$tar"
}

main "$@"
