#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Builds the chain experiment's image (no registry, no network): the
# harness's busybox rootfs plus /step, step.c built static here, by
# `docker import`, as tools/images.sh does.  Used by
# tools/experiments/chain and tests/integration/chain.sh.
#   tools/experiments/chain.d/image.sh     (root, a harness running)
# Prints the image's name.
set -euo pipefail

D=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$D/../../.." && pwd)
HARNESS=$TOP/tools/harness.sh
STEP_IMAGE=${STEP_IMAGE:-coldtrace/step:latest}

die() {
	echo "chain image: $*" >&2
	exit 1
}

# shellcheck source=tools/harness-env.sh
. "$TOP/tools/harness-env.sh"
load_env
command -v gcc >/dev/null || die "gcc missing"
w=$(mktemp -d "${TMPDIR:-/tmp}/ct-step.XXXXXX")
# shellcheck disable=SC2064 # expand $w now
trap "rm -rf '$w'" EXIT
"$HARNESS" bundle "$w" >/dev/null 2>&1 || die "harness could not make a busybox rootfs"
gcc -O2 -static -Wall -o "$w/rootfs/step" "$D/step.c" || die "step.c did not build"
tar --numeric-owner -C "$w/rootfs" -cf "$w/rootfs.tar" .
docker import -c 'CMD ["/step", "0"]' "$w/rootfs.tar" "$STEP_IMAGE" >/dev/null ||
	die "docker import of $STEP_IMAGE failed"
out=$(echo go | docker run -i --rm --network none "$STEP_IMAGE" /step 0) ||
	die "$STEP_IMAGE built but /step does not run in it"
[ "$out" = "$(printf 'ready\ndone')" ] || die "/step said '$out'"
echo "$STEP_IMAGE"
