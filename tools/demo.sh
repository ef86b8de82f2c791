#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# `make demo`: start private daemons, build the local busybox image, trace
# a few cold starts under runc, crun and runsc with coldtrace, print its
# per-phase table, stop the daemons.  Safe to re-run; cleans up on error
# or Ctrl-C.  Needs root and a built ./coldtrace.
#
#   tools/demo.sh [RUNS_PER_RUNTIME]     (default 2)
#   DEMO_OUT=DIR tools/demo.sh           also keep coldtrace's export files
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=$TOP/tools/harness.sh
COLDTRACE=$TOP/coldtrace
RUNS=${1:-2}

[ "$(id -u)" -eq 0 ] || { echo "demo: must run as root" >&2; exit 1; }
[ -x "$COLDTRACE" ] || { echo "demo: build first (make)" >&2; exit 1; }
case "$RUNS" in '' | *[!0-9]*) echo "demo: RUNS must be a number" >&2; exit 1 ;; esac

export CT_HARNESS_STATE
CT_HARNESS_STATE=$(mktemp /tmp/ct-demo.XXXXXX)
cleanup() {
	"$HARNESS" stop 2>/dev/null || true
	rm -f "$CT_HARNESS_STATE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== starting private containerd + dockerd"
envf=$("$HARNESS" start)
# shellcheck disable=SC1090
. "$envf"
echo "== building $CT_IMAGE from busybox-static (no network)"
"$HARNESS" image

out_args=()
[ -n "${DEMO_OUT:-}" ] && out_args=(-o "$DEMO_OUT")

echo "== tracing $RUNS cold start(s) each under runc, crun, runsc"
echo "   sudo coldtrace -- docker run --rm --network none --runtime=R $CT_IMAGE true"
"$COLDTRACE" "${out_args[@]}" -- sh -c '
	n=$1 img=$2
	for rt in runc crun runsc; do
		i=0
		while [ $i -lt "$n" ]; do
			i=$((i + 1))
			docker run --rm --network none --runtime=$rt "$img" true ||
				exit 1
		done
	done' demo "$RUNS" "$CT_IMAGE"
[ -n "${DEMO_OUT:-}" ] && echo "== export files in $DEMO_OUT: $(ls "$DEMO_OUT" | tr '\n' ' ')"
echo "== stopping the daemons"
