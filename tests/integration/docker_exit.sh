#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# A container whose pid 1 exits 3: the record says exit_code 3 and
# coldtrace, in `-- COMMAND` mode, exits with the command's status 3.
. "$(dirname "$0")/lib.sh"

run_timed -j -- docker run --rm --network none --cidfile "$T/cid" \
	"$CT_IMAGE" sh -c 'exit 3'
[ "$CT_RC" -eq 3 ] || { show_output; fail "coldtrace exited $CT_RC, want 3"; }
id=$(cat "$T/cid")
$CHECK single --out "$T/out" --id "$id" --runtime runc --engine docker \
	--exit-code 3 --t0 "$CMD_START_NS" --t1 "$CMD_END_NS" ||
	{ show_output; fail "exit code 3"; }
