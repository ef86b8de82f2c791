#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Live tracing needs root: as nobody, a clear error that says so.
. "$(dirname "$0")/lib.sh"

CT_RC=0
timeout -k 5 30 setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$COLDTRACE" -d 1 >"$T/out" 2>"$T/err" || CT_RC=$?
note "status $CT_RC: $(head -n 2 "$T/err")"
[ "$CT_RC" -ne 126 ] || fail "nobody cannot execute $COLDTRACE (permissions)"
[ "$CT_RC" -ne 0 ] && [ "$CT_RC" -lt 124 ] || fail "status $CT_RC (want 1..123)"
grep -qi 'root' "$T/err" || fail "error does not mention root: $(cat "$T/err")"
[ "$(grep -c . "$T/err")" -le 2 ] || fail "error is not short: $(cat "$T/err")"
