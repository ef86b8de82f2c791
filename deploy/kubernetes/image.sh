#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The DaemonSet's image, built offline (no registry, no base image): a
# root filesystem of the stripped coldtrace, the shared libraries it
# needs and their loader.
#
#   deploy/kubernetes/image.sh [BINARY]      (default ./coldtrace)
#     imported with `docker import` as coldtrace:VERSION (and
#     coldtrace:latest) for this machine's architecture; a binary of
#     another one (make ARCH=arm64: .output-arm64/coldtrace) as
#     coldtrace:VERSION-ARCH, with that platform.  Prints the image name.
#     DOCKER_HOST as for docker; load it into a node's containerd with
#     `docker save coldtrace:VERSION | ctr -n k8s.io images import -`.
#   deploy/kubernetes/image.sh --oci FILE BINARY...
#     no docker at all: an OCI image layout (tar) holding one image per
#     BINARY (x86-64 and arm64 builds) under one multi-platform index
#     named coldtrace:VERSION, which a node of either architecture
#     imports with `ctr -n k8s.io images import --all-platforms FILE`
#     and runs the image of its own.  Prints FILE.
#
# A foreign binary's libraries come from the cross build's: Debian's
# arm64 sysroot (tools/install-deps.sh) and the cross C library; its
# VERSION is the tree's (user/core/version.h), as it cannot run here.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
HOST_ARCH=$(uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')

die() {
	echo "image.sh: $*" >&2
	exit 1
}

# x86 or arm64, from the ELF header's e_machine (62, 183)
elf_arch() {	# FILE
	case "$(od -An -tu2 -j18 -N2 "$1" | tr -d ' ')" in
	62) echo x86 ;; 183) echo arm64 ;; *) die "$1: neither x86-64 nor arm64" ;;
	esac
}

triple_of() {	# ARCH
	case "$1" in x86) echo x86_64-linux-gnu ;; arm64) echo aarch64-linux-gnu ;; esac
}

platform_of() {	# ARCH
	case "$1" in x86) echo amd64 ;; arm64) echo arm64 ;; esac
}

version_of() {	# BINARY ARCH
	if [ "$2" = "$HOST_ARCH" ]; then
		"$1" --version | awk 'NR == 1 { print $2 }'
	else
		sed -n 's/^#define COLDTRACE_VERSION "\(.*\)"/\1/p' \
			"$TOP/user/core/version.h"
	fi
}

# The shared libraries BINARY loads (its loader first), as "PATH-IN-IMAGE
# FILE-HERE" lines: ldd's for this machine's; for another architecture
# each DT_NEEDED, recursively, from the sysroot and the cross C library,
# put where Debian has them (the loader's default paths: no ld.so.cache).
libs_of() {	# BINARY ARCH
	local b=$1 a=$2 t dirs n f todo seen=" "
	if [ "$a" = "$HOST_ARCH" ]; then
		ldd "$b" | awk '/=> \// { print $3, $3 } /^\t\// { print $1, $1 }'
		return
	fi
	t=$(triple_of "$a")
	dirs=("${SYSROOT:-/opt/coldtrace/sysroot-$a}/usr/lib/$t"
		"${SYSROOT:-/opt/coldtrace/sysroot-$a}/lib/$t" "/usr/$t/lib")
	n=$(readelf -l "$b" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	f=$(find "${dirs[@]}" -maxdepth 1 -name "$(basename "$n")" 2>/dev/null | head -n 1)
	[ -n "$f" ] || die "no $n for $a (tools/install-deps.sh)"
	echo "$n $f"
	todo=$b
	while [ -n "$todo" ]; do
		# shellcheck disable=SC2086 # a list of paths, none with a space
		set -- $todo
		todo=${*:2}
		for n in $(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case "$seen" in *" $n "*) continue ;; esac
			seen="$seen$n "
			f=$(find "${dirs[@]}" -maxdepth 1 -name "$n" 2>/dev/null | head -n 1)
			[ -n "$f" ] || die "no $n for $a (tools/install-deps.sh)"
			echo "/lib/$t/$n $f"
			todo="$todo $f"
		done
	done
}

# The image's root filesystem for BINARY in DIR.
rootfs() {	# BINARY ARCH DIR
	local root=$3 strip=strip path file
	[ "$2" = "$HOST_ARCH" ] || strip=$(triple_of "$2")-strip
	install -D -m 0755 "$1" "$root/usr/sbin/coldtrace"
	"$strip" "$root/usr/sbin/coldtrace"
	libs_of "$1" "$2" | while read -r path file; do
		install -D -m 0755 "$(readlink -f "$file")" "$root$path"
	done
	# mount points of the manifest's volumes, and the usual top-level dirs
	mkdir -p "$root"/{proc,sys,dev,tmp,var/lib,run,etc}
	echo 'root:x:0:0:root:/:/usr/sbin/coldtrace' >"$root/etc/passwd"
}

layer_tar() {	# DIR
	tar -C "$1" --numeric-owner --owner=0 --group=0 --sort=name \
		--mtime=@0 -cf - .
}

docker_image() {	# BINARY
	local bin=$1 a version tag root plat=
	a=$(elf_arch "$bin")
	version=$(version_of "$bin" "$a")
	tag=coldtrace:$version
	[ "$a" = "$HOST_ARCH" ] || tag=$tag-$a plat=linux/$(platform_of "$a")
	root=$(mktemp -d)
	# shellcheck disable=SC2064
	trap "rm -rf '$root'" EXIT
	rootfs "$bin" "$a" "$root"
	# --platform only for another architecture's (older daemons refuse
	# it unless experimental)
	layer_tar "$root" | docker import ${plat:+--platform "$plat"} \
		--change 'ENTRYPOINT ["/usr/sbin/coldtrace"]' \
		--change "LABEL org.opencontainers.image.version=$version" \
		- "$tag" >/dev/null
	[ "$a" = "$HOST_ARCH" ] && docker tag "$tag" coldtrace:latest
	echo "$tag"
}

# An OCI image layout in FILE (a tar): per binary a layer, a config and
# a manifest; an image index of them all, named by index.json.
oci_image() {	# FILE BINARY...
	local out=$1 work b a version=
	shift
	[ $# -gt 0 ] || die "--oci FILE BINARY..."
	work=$(mktemp -d)
	# shellcheck disable=SC2064
	trap "rm -rf '$work'" EXIT
	mkdir -p "$work/layout/blobs/sha256"
	for b in "$@"; do
		[ -x "$b" ] || die "$b not built (make, make ARCH=arm64)"
		a=$(elf_arch "$b")
		[ ! -e "$work/$a" ] || die "two binaries for $a"
		[ -n "$version" ] || version=$(version_of "$b" "$a")
		rootfs "$b" "$a" "$work/$a"
		layer_tar "$work/$a" >"$work/$a.tar"
		echo "$(platform_of "$a") $work/$a.tar" >>"$work/images"
	done
	python3 - "$work/layout" "$version" "$work/images" <<'PY'
import hashlib, json, os, shutil, sys

layout, version, images = sys.argv[1:]
MT = 'application/vnd.oci.image.'

def blob(data, media):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, 'blobs/sha256', d), 'wb') as f:
        f.write(data)
    return {'mediaType': media, 'digest': 'sha256:' + d, 'size': len(data)}

def js(o):
    return json.dumps(o, sort_keys=True, separators=(',', ':')).encode()

manifests = []
for line in open(images):
    arch, tar = line.split()
    data = open(tar, 'rb').read()
    layer = blob(data, MT + 'layer.v1.tar')
    config = blob(js({
        'architecture': arch, 'os': 'linux',
        'config': {'Entrypoint': ['/usr/sbin/coldtrace'],
                   'Labels': {'org.opencontainers.image.version': version}},
        'rootfs': {'type': 'layers', 'diff_ids': [layer['digest']]},
    }), MT + 'config.v1+json')
    m = blob(js({'schemaVersion': 2, 'mediaType': MT + 'manifest.v1+json',
                 'config': config, 'layers': [layer]}),
             MT + 'manifest.v1+json')
    m['platform'] = {'architecture': arch, 'os': 'linux'}
    manifests.append(m)
index = blob(js({'schemaVersion': 2, 'mediaType': MT + 'index.v1+json',
                 'manifests': manifests}), MT + 'index.v1+json')
index['annotations'] = {
    'io.containerd.image.name': 'docker.io/library/coldtrace:' + version,
    'org.opencontainers.image.ref.name': version}
with open(os.path.join(layout, 'index.json'), 'wb') as f:
    f.write(js({'schemaVersion': 2, 'mediaType': MT + 'index.v1+json',
                'manifests': [index]}))
with open(os.path.join(layout, 'oci-layout'), 'wb') as f:
    f.write(js({'imageLayoutVersion': '1.0.0'}))
PY
	tar -C "$work/layout" --numeric-owner --owner=0 --group=0 -cf "$out" .
	echo "$out"
}

main() {
	if [ "${1:-}" = --oci ]; then
		shift
		oci_image "${1:?--oci FILE BINARY...}" "${@:2}"
		return
	fi
	local bin=${1:-$TOP/coldtrace}
	[ -x "$bin" ] || die "$bin not built (make)"
	docker_image "$bin"
}

main "$@"
