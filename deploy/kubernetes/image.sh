#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The DaemonSet's image, built offline (no registry, no base image): a
# root filesystem of the stripped ./coldtrace, the shared libraries ldd
# names and their loader, imported with `docker import` as
# coldtrace:VERSION (and coldtrace:latest).  Prints the image name.
#
#   deploy/kubernetes/image.sh [BINARY]      (default ./coldtrace)
# DOCKER_HOST as for docker; load it into a node's containerd with
# `docker save coldtrace:VERSION | ctr -n k8s.io images import -`.
set -euo pipefail
bin=${1:-$(dirname "$0")/../../coldtrace}
[ -x "$bin" ] || { echo "image.sh: $bin not built (make)" >&2; exit 1; }
version=$("$bin" --version | awk 'NR == 1 { print $2 }')
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

install -D -m 0755 -s "$bin" "$root/usr/sbin/coldtrace"
# the libraries and the loader, at the paths the binary asks for
ldd "$bin" | awk '/=> \// { print $3 } /^\t\// { print $1 }' |
	while read -r lib; do
		install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
# mount points of the manifest's volumes, and the usual top-level dirs
mkdir -p "$root"/{proc,sys,dev,tmp,var/lib,run,etc}
echo 'root:x:0:0:root:/:/usr/sbin/coldtrace' >"$root/etc/passwd"
tar -C "$root" --numeric-owner --owner=0 --group=0 -cf - . |
	docker import \
		--change 'ENTRYPOINT ["/usr/sbin/coldtrace"]' \
		--change "LABEL org.opencontainers.image.version=$version" \
		- "coldtrace:$version" >/dev/null
docker tag "coldtrace:$version" coldtrace:latest
echo "coldtrace:$version"
