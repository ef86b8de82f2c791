#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The initramfs that takes one of Debian's kernels to the guest's root.
#
#   tools/vmtest/initramfs.sh KDIR [BUSYBOX]
#     KDIR: a directory of tools/vmtest/kernels.sh (vmlinuz, lib/modules/
#     <release>/); BUSYBOX: a static busybox of the kernel's architecture
#     (default /bin/busybox); prints the path of KDIR/initrd.cpio.gz,
#     built once per kernel and per version of this script, init.sh and
#     the busybox.
#
# Debian builds virtio, ext4, 9p and overlayfs as modules: the initramfs
# holds them with their dependencies, in the order `modprobe
# --show-depends` gives (decompressed: busybox's insmod takes plain .ko
# files), a static busybox, and tools/vmtest/init.sh as /init, which
# loads them, mounts the root disk and the shared folder and
# switch_roots (runc cannot pivot_root out of an initramfs).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# The root disk (virtio_blk, ext4), the shared folder (9p over virtio),
# dockerd's overlay2 and the pci transport of all of them.
MODULES=(virtio_pci virtio_blk ext4 9pnet_virtio 9p overlay)

die() {
	echo "vmtest-initramfs: $*" >&2
	exit 1
}

# The module files of $MODULES in load order, relative to lib/modules/REL.
# A module that is no file of the package is built in (forky's packages
# have no modules.builtin to say so).
load_order() {
	local kdir=$1 rel=$2 m
	for m in "${MODULES[@]}"; do
		modprobe -d "$kdir" -S "$rel" --show-depends "$m" 2>/dev/null ||
			echo "vmtest-initramfs: $m: built into $rel" >&2
	done | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' |
		sed "s|^$kdir/lib/modules/$rel/||"
}

# Copy module FILE (relative) into the tree at DST, uncompressed.
copy_module() {
	local src=$1 dst=$2
	mkdir -p "$(dirname "$dst")"
	case "$src" in
	*.xz) xz -dc "$src" >"${dst%.xz}" ;;
	*.zst) zstd -qdc "$src" >"${dst%.zst}" ;;
	*.gz) gzip -dc "$src" >"${dst%.gz}" ;;
	*) cp "$src" "$dst" ;;
	esac
}

main() {
	local kdir=${1:?usage: initramfs.sh KDIR [BUSYBOX]} bb=${2:-/bin/busybox}
	local rel key out tmp m order
	kdir=$(cd "$kdir" && pwd)
	rel=$(basename "$(ls -d "$kdir"/lib/modules/*/ | head -n 1)")
	command -v modprobe >/dev/null || die "modprobe missing (kmod; tools/install-deps.sh)"
	command -v cpio >/dev/null || die "cpio missing (tools/install-deps.sh)"
	file -L "$bb" | grep -q 'statically linked' ||
		die "$bb is not static (busybox-static)"
	key=$(cat "$0" "$HERE/init.sh" "$bb" | sha256sum | cut -c1-12)
	out=$kdir/initrd-$key.cpio.gz
	if [ -s "$out" ]; then
		echo "$out"
		return
	fi
	tmp=$(mktemp -d "$kdir/.initrd.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	mkdir -p "$tmp/root/bin" "$tmp/root/proc" "$tmp/root/sys" "$tmp/root/dev" \
		"$tmp/root/newroot"
	cp "$bb" "$tmp/root/bin/busybox"
	ln -s busybox "$tmp/root/bin/sh"
	install -m 0755 "$HERE/init.sh" "$tmp/root/init"
	: >"$tmp/root/modules"
	order=$(load_order "$kdir" "$rel") || die "no module list for $rel"
	for m in $order; do
		copy_module "$kdir/lib/modules/$rel/$m" "$tmp/root/lib/modules/$m"
		m=${m%.xz}
		m=${m%.zst}
		echo "/lib/modules/${m%.gz}" >>"$tmp/root/modules"
	done
	(cd "$tmp/root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$tmp/initrd"
	mv "$tmp/initrd" "$out"
	echo "$out"
}

main "$@"
