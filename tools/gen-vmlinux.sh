#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Regenerate the vendored vmlinux.h from the running kernel's BTF.  CO-RE
# relocations make the result portable, so it is committed and only needs
# regenerating when a newer kernel type is used by bpf/.
set -euo pipefail

arch=${ARCH:-x86}
btf=${BTF:-/sys/kernel/btf/vmlinux}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/vmlinux/$arch/vmlinux.h"

if [ ! -r "$btf" ]; then
	echo "gen-vmlinux: $btf not readable: kernel built without CONFIG_DEBUG_INFO_BTF?" >&2
	exit 1
fi
command -v bpftool >/dev/null || {
	echo "gen-vmlinux: bpftool not found: run tools/install-deps.sh" >&2
	exit 1
}
mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
bpftool btf dump file "$btf" format c >"$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "gen-vmlinux: wrote $out ($(wc -l <"$out") lines) from $(uname -r)"
