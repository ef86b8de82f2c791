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
#   CT_ROOTFS_ARCH=arm64 tools/debian-rootfs.sh NAME [PKGS]
#     the same tree for another architecture (Debian's name: arm64), for
#     the vmtest guests of that architecture: debootstrap --foreign, its
#     second stage run in the tree by qemu-user-static through binfmt_misc
#     (registered here if it is not).  The arch is part of the cache key.
# apt's lists and downloaded .deb files are left out of the tar, as a
# Dockerfile's `apt-get clean && rm -rf /var/lib/apt/lists/*` would.
set -euo pipefail

CACHE=${CT_ROOTFS_CACHE:-/var/cache/coldtrace/rootfs}
SUITE=bookworm
HOST_ARCH=$(dpkg --print-architecture)
ARCH=${CT_ROOTFS_ARCH:-$HOST_ARCH}

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

# A foreign tree's programs run through qemu-user-static: its binfmt_misc
# entry (the F flag: the interpreter is opened once, at registration, so
# the chroot needs no copy of it) must be registered and enabled.
foreign_ready() {
	local q
	case "$ARCH" in
	arm64) q=qemu-aarch64 ;;
	*) die "no qemu-user for $ARCH" ;;
	esac
	command -v update-binfmts >/dev/null ||
		die "update-binfmts missing (qemu-user-static, binfmt-support: tools/install-deps.sh)"
	[ -e /proc/sys/fs/binfmt_misc/status ] ||
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
		die "cannot mount binfmt_misc"
	grep -qx enabled "/proc/sys/fs/binfmt_misc/$q" 2>/dev/null ||
		update-binfmts --enable "$q" >&2 || die "cannot enable $q's binfmt entry"
	grep -q '^flags: .*F' "/proc/sys/fs/binfmt_misc/$q" ||
		die "$q's binfmt entry lacks the F flag (qemu-user-static's has it)"
}

# debootstrap NAME's tree into ROOT: on a foreign ARCH in two stages, the
# second inside the tree under qemu-user.
bootstrap() {	# ROOT PKGS LOG
	local root=$1 pkgs=$2 log=$3
	if [ "$ARCH" = "$HOST_ARCH" ]; then
		debootstrap --variant=minbase ${pkgs:+--include="$pkgs"} \
			--cache-dir="$CACHE/debs" "$SUITE" "$root" "$(mirror)" >"$log" 2>&1
		return
	fi
	foreign_ready
	debootstrap --arch="$ARCH" --foreign --variant=minbase \
		${pkgs:+--include="$pkgs"} --cache-dir="$CACHE/debs-$ARCH" \
		"$SUITE" "$root" "$(mirror)" >"$log" 2>&1 &&
		chroot "$root" /debootstrap/debootstrap --second-stage >>"$log" 2>&1
}

main() {
	local name=${1:-} pkgs=${2:-} key tar tmp tag=
	[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap)"
	[[ "$name" =~ ^[a-z0-9][a-z0-9._-]{0,63}$ ]] ||
		die "usage: $0 NAME [PKG,PKG,...] (NAME: lowercase letters, digits, . _ -)"
	[[ "$pkgs" =~ ^[a-z0-9.+,-]*$ ]] || die "bad package list '$pkgs'"
	command -v debootstrap >/dev/null ||
		die "debootstrap missing (tools/install-deps.sh)"
	# the host's arch keeps the key it had: its tars stay valid
	[ "$ARCH" = "$HOST_ARCH" ] || tag=" $ARCH"
	key=$(printf '%s %s%s' "$SUITE" "$pkgs" "$tag" | sha256sum | cut -c1-12)
	tar=$CACHE/$name-$key.tar
	if [ -s "$tar" ]; then
		echo "$tar"
		return
	fi
	mkdir -p "$CACHE/debs${tag:+-$ARCH}"
	tmp=$(mktemp -d "$CACHE/$name.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	log "debootstrap $SUITE ($ARCH) minbase${pkgs:+ + $pkgs} into $tmp (a few minutes)"
	bootstrap "$tmp/root" "$pkgs" "$tmp/log" ||
		{ tail -5 "$tmp/log" >&2; die "debootstrap failed"; }
	rm -rf "$tmp/root/var/cache/apt/archives/"*.deb "$tmp/root/var/lib/apt/lists/"*
	tar --numeric-owner -C "$tmp/root" -cf "$tmp/rootfs.tar" . ||
		die "tar of $tmp/root failed"
	mv "$tmp/rootfs.tar" "$tar"
	log "$tar: $(du -m "$tar" | cut -f1) MB"
	echo "$tar"
}

main "$@"
