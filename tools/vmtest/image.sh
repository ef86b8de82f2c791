#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The guests' root disk: a Debian 12 userspace with every runtime and
# daemon the tests use, as an ext4 image.
#
#   tools/vmtest/image.sh [x86|arm64]   prints the image's path (the
#     guests' architecture, default x86), built once: the
#     debootstrap'd tree is tools/debian-rootfs.sh's tar (cached under a
#     hash of the package list, so a changed list builds a new one), the
#     image sits beside it with the same name.  QEMU opens it with
#     snapshot=on: no guest ever changes it.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${CT_VMTEST_CACHE:-/var/cache/coldtrace-vmtest}
# The runtimes and daemons under test, coldtrace's libraries, and what
# tools/harness.sh and guest-tests.sh run (file, jq; kmod for dockerd's
# modprobe; bpftool to look at what is attached; docker-registry and curl
# for tools/registry.sh).
PKGS=runc,crun,runsc,busybox-static,docker.io,containerd,libbpf1,libelf1,zlib1g,libjansson4,jq,file,kmod,iproute2,procps,util-linux,bpftool,docker-registry,curl
# Room for dockerd's data root and the tests' bundles.
FREE_MB=2048

die() {
	echo "vmtest-image: $*" >&2
	exit 1
}

main() {
	local tar img tmp mb name=vmtest-bookworm deb=amd64
	case "${1:-x86}" in
	x86) ;;
	arm64) name=$name-arm64 deb=arm64 ;;
	*) die "usage: $0 [x86|arm64]" ;;
	esac
	tar=$(CT_ROOTFS_CACHE=$CACHE/rootfs CT_ROOTFS_ARCH=$deb \
		"$TOP/tools/debian-rootfs.sh" "$name" "$PKGS") ||
		die "no root file system"
	img=${tar%.tar}.img
	if [ -s "$img" ]; then
		echo "$img"
		return
	fi
	command -v mke2fs >/dev/null || die "mke2fs missing (e2fsprogs)"
	tmp=$(mktemp -d "$CACHE/rootfs/.img.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	mkdir "$tmp/root"
	tar --numeric-owner -C "$tmp/root" -xf "$tar"
	mkdir -p "$tmp/root/mnt/vmtest"
	mb=$(($(du -sm "$tmp/root" | cut -f1) * 5 / 4 + FREE_MB))
	mke2fs -q -t ext4 -L vmtest-root -d "$tmp/root" "$tmp/img" "${mb}M" >&2 ||
		die "mke2fs failed"
	mv "$tmp/img" "$img"
	echo "vmtest-image: $img: ${mb} MB" >&2
	echo "$img"
}

main "$@"
