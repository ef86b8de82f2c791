#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Regenerate the vendored vmlinux.h of an architecture from a kernel's
# BTF.  CO-RE relocations make the result portable, so it is committed
# and only needs regenerating when a newer kernel type is used by bpf/.
#
#   tools/gen-vmlinux.sh                the running kernel's, for ARCH
#                                       (default: this machine's)
#   ARCH=arm64 tools/gen-vmlinux.sh     on another architecture: the BTF
#                                       of Debian's kernel KERNEL (6.12)
#                                       of that architecture, fetched by
#                                       tools/vmtest/kernels.sh (root)
#   BTF=FILE tools/gen-vmlinux.sh       that BTF (raw, or an ELF vmlinux)
#
# Debian ships no ELF vmlinux but in the huge -dbg package; its arm64
# vmlinuz is the plain Image, whose .BTF section is found by its header
# (magic 0xeb9f, version 1, types then strings) and cut out whole.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
case "$(uname -m)" in
aarch64) host=arm64 ;;
*) host=x86 ;;
esac
arch=${ARCH:-$host}
kernel=${KERNEL:-6.12}
out="$root/vmlinux/$arch/vmlinux.h"

die() {
	echo "gen-vmlinux: $*" >&2
	exit 1
}

# The BTF blob inside a kernel Image: the one header whose sections fit.
btf_of_image() {	# IMAGE OUT
	python3 - "$1" "$2" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
hits, i = [], d.find(b'\x9f\xeb\x01\x00')
while i >= 0:
    hl, to, tl, so, sl = struct.unpack_from('<IIIII', d, i + 4)
    # types at 0, strings right after them, a kernel's worth of types
    if hl == 24 and to == 0 and so == tl and tl > (1 << 20) and \
            i + hl + so + sl <= len(d):
        hits.append(d[i:i + hl + so + sl])
    i = d.find(b'\x9f\xeb\x01\x00', i + 1)
if len(hits) != 1:
    sys.exit('%d BTF headers in %s, expected 1' % (len(hits), sys.argv[1]))
open(sys.argv[2], 'wb').write(hits[0])
PY
}

command -v bpftool >/dev/null || die "bpftool not found: run tools/install-deps.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
from=$(uname -r)
if [ -n "${BTF:-}" ]; then
	btf=$BTF from=$BTF
elif [ "$arch" = "$host" ]; then
	btf=/sys/kernel/btf/vmlinux
	[ -r "$btf" ] || die "$btf not readable: kernel built without CONFIG_DEBUG_INFO_BTF?"
else
	kdir=$("$root/tools/vmtest/kernels.sh" --arch "$arch" "$kernel") ||
		die "no $arch kernel $kernel"
	btf_of_image "$kdir/vmlinuz" "$tmp/btf" || die "no BTF in $kdir/vmlinuz"
	btf=$tmp/btf from="$(cat "$kdir/MANIFEST")"
fi
mkdir -p "$(dirname "$out")"
bpftool btf dump file "$btf" format c >"$tmp/vmlinux.h"
mv "$tmp/vmlinux.h" "$out"
echo "gen-vmlinux: wrote $out ($(wc -l <"$out") lines) from $from"
