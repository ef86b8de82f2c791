#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# --paths: the slowest opens of each container with their paths.
# - under runc and runsc, a container that creates and opens a file with
#   a recognizable name and one whose name holds a quote and a newline
#   shows both in "slowest_opens" (it makes fewer opens than the kernel
#   keeps, so every one of them is there), the odd name decoded exactly
#   by jq from the JSON and written \x0a in the text table;
# - --record then --replay --paths gives the same paths; --replay
#   without --paths, none;
# - --paths changes no count: a loop of ITER `cat /etc/hostname` makes
#   exactly 2*ITER opens with and without it, and without it no record
#   has "slowest_opens".
. "$(dirname "$0")/lib.sh"

ITER=500
MARK=/tmp/coldtrace-paths-marker-$$
# printf in the container: a quote, a newline, then a tail.
ODD_FMT='/tmp/ct"q\nx-'$$
ODD=$(printf '/tmp/ct"q\nx-%s' $$)
ODD_TEXT='/tmp/ct"q\x0ax-'$$
# 6 opens: two creating redirects, two cats, two >/dev/null (busybox is
# static, sh -c opens nothing else).
OPENER="echo x >$MARK; cat $MARK >/dev/null; f=\$(printf '$ODD_FMT'); echo y >\"\$f\"; cat \"\$f\" >/dev/null"
OPENER_OPENS=6
LOOP="for i in \$(seq $ITER); do cat /etc/hostname >/dev/null; done"

# Runs one container per runtime with command $2, cid files tagged $1.
session() {
	cat <<'EOF2'
d=$1 img=$2 tag=$3 cmd=$4
for rt in runc runsc; do
	docker run --rm --network none --runtime $rt --cidfile "$d/cid.$tag.$rt" \
		"$img" sh -c "$cmd" || exit 1
done
EOF2
}

traced() {	# TAG COMMAND CT_ARGS...
	local tag=$1 cmd=$2
	shift 2
	rm -f "$T"/cid."$tag".*
	run_ct "$@" -r runc,runsc -- sh -c "$(session)" sh "$T" "$CT_IMAGE" \
		"$tag" "$cmd"
	[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace $* exited $CT_RC"; }
}

# The record of container TAG.RT in JSON Lines file $3 (default stdout).
rec() {	# TAG RT [FILE]
	local f=$T/cid.$1.$2 n
	[ -s "$f" ] || fail "container $1.$2 did not run"
	n=$(jq -c --arg id "$(cat "$f")" 'select(.type == "container" and .id == $id)' \
		"${3:-$T/out}" | tee "$T/rec" | wc -l)
	[ "$n" -eq 1 ] || { show_output; fail "$1.$2: $n records, expected 1"; }
	cat "$T/rec"
}

has_path() {	# JSON-RECORD PATH
	jq -e --arg p "$2" '[.slowest_opens[]?.path] | index($p) != null' \
		<<<"$1" >/dev/null
}

check_paths() {	# TAG RT FILE WHAT
	local r
	r=$(rec "$1" "$2" "$3")
	for p in "$MARK" "$ODD" /dev/null; do
		has_path "$r" "$p" || { echo "$r" >&2; fail "$4 $2: no $(printf %q "$p") in slowest_opens"; }
	done
	n=$(jq '.slowest_opens | length' <<<"$r")
	[ "$n" -eq "$OPENER_OPENS" ] || fail "$4 $2: $n slow opens, it made $OPENER_OPENS"
	jq -e '.slowest_opens | (map(.ns) | . == (sort | reverse)) and all(.ret >= 0 and .ns > 0)' \
		<<<"$r" >/dev/null || fail "$4 $2: slowest_opens not sorted or bad: $r"
}

# 1. JSON, recorded, exported
traced open "$OPENER" -j --paths=16 --record "$T/s.ctrec" -o "$T/o"
for rt in runc runsc; do
	check_paths open $rt "$T/out" "-j"
	check_paths open $rt "$T/o/containers.jsonl" "containers.jsonl"
	note "$rt: $(rec open $rt | jq -c '[.slowest_opens[] | [.path, .ns]]')"
done

# 2. replay
run_ct --replay "$T/s.ctrec" -j --paths=16
[ "$CT_RC" -eq 0 ] || { show_output; fail "replay exited $CT_RC"; }
for rt in runc runsc; do
	check_paths open $rt "$T/out" "replay"
done
run_ct --replay "$T/s.ctrec" -j
[ "$CT_RC" -eq 0 ] || { show_output; fail "replay exited $CT_RC"; }
! grep -q slowest_opens "$T/out" || fail "replay without --paths shows slow opens"
note "replay: same paths with --paths, none without"

# 3. text: one escaped line per slow open under the container's row
traced text "$OPENER" --paths
grep -qF -- "$MARK" "$T/out" || { show_output; fail "text: no $MARK"; }
[ "$(grep -cF -- "  $ODD_TEXT" "$T/out")" -ge 2 ] ||
	{ show_output; fail "text: $ODD_TEXT not shown escaped for both runtimes"; }
if LC_ALL=C grep -q '[^[:print:]]' "$T/out"; then
	show_output
	fail "text output holds a non-printable byte"
fi
# Lines under our rows only: other people's containers may be traced too.
# The row's notes ("  prepare: ...") come before its slow opens.
for rt in runc runsc; do
	id=$(cut -c1-12 "$T/cid.text.$rt")
	n=$(awk -v id="$id" 'index($0, id) == 1 { on = 1; next }
		on && /^    slow open / { n++; next }
		on && /^  [a-z]/ { next } { on = 0 } END { print n + 0 }' "$T/out")
	[ "$n" -eq 5 ] || { show_output; fail "text $rt: $n slow-open lines, expected 5 (--paths default)"; }
done
note "text: $ODD_TEXT shown escaped"

# 4. counts exact with and without --paths
for p in --paths ""; do
	traced loop "$LOOP" -j ${p:+"$p"}
	for rt in runc runsc; do
		c=$(rec loop $rt | jq -r '.opens.count')
		[ "$c" -eq $((2 * ITER)) ] || { rec loop $rt | jq -c .opens >&2
			fail "$rt ${p:-without --paths}: $c opens, expected $((2 * ITER))"; }
	done
	if [ -z "$p" ]; then
		! grep -q slowest_opens "$T/out" || fail "slowest_opens without --paths"
	else
		rec loop runsc | jq -e '.slowest_opens | length == 5' >/dev/null ||
			fail "runsc loop: not 5 slow opens with --paths"
	fi
	note "${p:-no --paths}: exactly $((2 * ITER)) opens under runc and runsc"
done
