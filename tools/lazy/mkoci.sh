#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Make an OCI image layout tar of one layer from a directory, offline and
# without docker, for `ctr images import`:
#
#   tools/lazy/mkoci.sh ROOTFS OUT.tar REF [CMD...]
#
# The layer keeps ROOTFS's files in name order, owned by root, mtime 0,
# so the same ROOTFS gives the same digests; REF becomes the image's
# name (index annotation io.containerd.image.name); CMD (default
# /bin/sh) its command.  Prints the layer's "digest size".
set -euo pipefail

die() {
	echo "lazy/mkoci: $*" >&2
	exit 1
}

[ $# -ge 3 ] || die "usage: $0 ROOTFS OUT.tar REF [CMD...]"
ROOTFS=$1 OUT=$2 REF=$3
shift 3
[ -d "$ROOTFS" ] || die "$ROOTFS is not a directory"
[ $# -gt 0 ] || set -- /bin/sh

sha() {
	sha256sum "$1" | cut -d ' ' -f 1
}

# put FILE into the layout as a blob; prints its digest
put_blob() {
	local h
	h=$(sha "$1")
	mv "$1" "$W/blobs/sha256/$h"
	echo "$h"
}

W=$(mktemp -d "${TMPDIR:-/tmp}/ct-mkoci.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/blobs/sha256"
# names without "./", parents before children, as image builders write them
(cd "$ROOTFS" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort) >"$W/list"
tar -C "$ROOTFS" --no-recursion -T "$W/list" --owner=0 --group=0 \
	--numeric-owner --mtime=@0 -cf "$W/layer.tar" || die "cannot tar $ROOTFS"
diff_id=$(sha "$W/layer.tar")
gzip -n -6 "$W/layer.tar"
lsize=$(stat -c %s "$W/layer.tar.gz")
layer=$(put_blob "$W/layer.tar.gz")

jq -nc --arg arch "$(dpkg --print-architecture)" --arg d "sha256:$diff_id" \
	'{architecture: $arch, os: "linux", config: {Cmd: $ARGS.positional},
	  rootfs: {type: "layers", diff_ids: [$d]}}' --args "$@" >"$W/config"
csize=$(stat -c %s "$W/config")
config=$(put_blob "$W/config")

jq -nc --arg c "sha256:$config" --argjson cs "$csize" \
	--arg l "sha256:$layer" --argjson ls "$lsize" \
	'{schemaVersion: 2,
	  mediaType: "application/vnd.oci.image.manifest.v1+json",
	  config: {mediaType: "application/vnd.oci.image.config.v1+json",
		   digest: $c, size: $cs},
	  layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
		    digest: $l, size: $ls}]}' >"$W/manifest"
msize=$(stat -c %s "$W/manifest")
manifest=$(put_blob "$W/manifest")

jq -nc --arg m "sha256:$manifest" --argjson ms "$msize" --arg ref "$REF" \
	'{schemaVersion: 2,
	  manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
		       digest: $m, size: $ms,
		       annotations: {"io.containerd.image.name": $ref,
				     "org.opencontainers.image.ref.name": "latest"}}]}' \
	>"$W/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$W/oci-layout"
tar -C "$W" -cf "$OUT" oci-layout index.json blobs || die "cannot write $OUT"
echo "sha256:$layer $lsize"
