#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Ten containers (or $1) started at once in one traced session: each
# reported exactly once, with its own id, complete, inside the command's
# span.
. "$(dirname "$0")/lib.sh"

n=${1:-10}
run_timed -j -- sh -c '
	d=$1 img=$2 n=$3
	i=0
	while [ $i -lt $n ]; do
		i=$((i + 1))
		docker run --rm --network none --cidfile "$d/cid.$i" "$img" true &
	done
	wait' sh "$T" "$CT_IMAGE" "$n"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
# --cidfile has no trailing newline: one id per line for the checker.
for f in "$T"/cid.*; do
	[ -s "$f" ] && { cat "$f"; echo; }
done >"$T/ids"
[ "$(grep -c . "$T/ids")" -eq "$n" ] || fail "only $(grep -c . "$T/ids") of $n containers ran"
note "$n containers in $(((CMD_END_NS - CMD_START_NS) / 1000000)) ms," \
	"$(records | wc -l) records"
more=()
[ "${CT_VERSIONS:-}" = forky ] && more=(--engine-connect)
$CHECK many --out "$T/out" --ids "$T/ids" --runtime runc --engine docker \
	--t0 "$CMD_START_NS" --t1 "$CMD_END_NS" "${more[@]}" ||
	{ show_output; fail "concurrent containers"; }
