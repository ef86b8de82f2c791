#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Bad input: a clear one-line error and a non-zero status, never a crash
# (a status >= 128 means a signal such as SIGSEGV or SIGABRT).
. "$(dirname "$0")/lib.sh"

bad=0
expect_error() {
	local what=$1
	shift
	CT_RC=0
	timeout -k 5 60 "$COLDTRACE" "$@" >"$T/out" 2>"$T/err" </dev/null ||
		CT_RC=$?
	local lines
	lines=$(grep -c . "$T/err" || true)
	if [ "$CT_RC" -eq 0 ] || [ "$CT_RC" -ge 128 ]; then
		note "$what: exit status $CT_RC (want 1..127; >= 128 is a crash)"
		bad=1
	elif [ "$lines" -ne 1 ]; then
		note "$what: $lines lines on stderr (want one):"
		head -n 5 "$T/err" >&2
		bad=1
	else
		note "$what: status $CT_RC: $(cat "$T/err")"
	fi
}

# A real recording to damage: live, so the truncation hits real records.
run_ct --record "$T/good.ctrec" -- docker run --rm --network none \
	--cidfile "$T/cid" "$CT_IMAGE" true
if [ "$CT_RC" -ne 0 ] || ! [ -s "$T/good.ctrec" ]; then
	fail "could not record a session (status $CT_RC)"
fi
size=$(stat -c %s "$T/good.ctrec")
head -c $((size / 2 + 3)) "$T/good.ctrec" >"$T/trunc.ctrec"
head -c 10 "$T/good.ctrec" >"$T/header.ctrec"
head -c 4096 /dev/urandom >"$T/garbage.ctrec"
: >"$T/empty.ctrec"
# A valid header (128 bytes, struct ct_rec_file_hdr) then garbage records.
{ head -c 128 "$T/good.ctrec"; head -c 4096 /dev/urandom; } >"$T/badbody.ctrec"

expect_error "--bogus" --bogus
expect_error "--replay missing" --replay /nonexistent
expect_error "--replay truncated" --replay "$T/trunc.ctrec"
expect_error "--replay short header" --replay "$T/header.ctrec"
expect_error "--replay garbage" --replay "$T/garbage.ctrec"
expect_error "--replay empty" --replay "$T/empty.ctrec"
expect_error "--replay bad body" --replay "$T/badbody.ctrec"
expect_error "--replay directory" --replay "$T"
expect_error "--duration -1" --duration -1
expect_error "--duration abc" --duration abc
expect_error "--runtime bogus" --runtime bogus -d 1
expect_error "--output unwritable" -o /proc/nonexistent/x --replay "$T/good.ctrec"

# The intact recording replays fine (so the failures above are the damage);
# -c: other people's containers on a shared host may be recorded too.
run_ct -j -c "$(cat "$T/cid")" --replay "$T/good.ctrec"
if [ "$CT_RC" -ne 0 ] || [ "$(records | wc -l)" -ne 1 ]; then
	note "replay of the intact recording: status $CT_RC, $(records | wc -l) records"
	show_output
	bad=1
fi
[ $bad -eq 0 ] || fail "bad input handling"
