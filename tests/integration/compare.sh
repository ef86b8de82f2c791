#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# `coldtrace compare` on two live sets with a known difference, under
# `-- COMMAND` and detached (continuous, default --arm=auto, idle
# verified before the scenario): 20 `runc run`s of a bundle whose
# createRuntime hook is `sleep 0.05` (A) interleaved with 20 whose hook
# is `sleep 0.13` (B), A, B, A, B.  The truth is the 80 ms more the hook
# sleeps in create only (A's hook sleeps too: runc init's own setup runs
# beside the hook, and a hook shorter than it would hide part of the
# difference: with `sleep 0` against `sleep 0.08`, create grew 73 ms):
#  - compare finds create moved (q < 0.001) with 80 ms inside its 99.9 %
#    interval, cold_start and total moved with it, and no other phase
#    moved by 1 ms or more at that level (its own work is the same by
#    construction; its ripples are real and small: run, the container's
#    `true`, ran 30 us slower after B's longer sleep, q 7e-6);
#  - the gate: `create.p50 > +40ms` exits 1, the same gate and
#    `cold_start.p50 > +5%` on A against A (A's odd and even runs) exit 0;
#  - the recording of the COMMAND run compares with itself to nothing
#    moved (a recording as an input, replayed by coldtrace itself).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detached_lib.sh"

N=20
DELAY_NS=80000000

bundle() {	# DIR SECONDS
	"$TOP/tools/harness.sh" bundle "$1" true >/dev/null
	jq --arg s "$2" '.hooks = {createRuntime: [{path: "/bin/sleep",
		args: ["sleep", $s]}]}' "$1/config.json" >"$1/c" &&
		mv "$1/c" "$1/config.json"
}
bundle "$T/b-a" 0.05
bundle "$T/b-b" 0.13

scenario() {	# SUFFIX
	local i
	for ((i = 1; i <= N; i++)); do
		runc --root "$CT_RUNC_ROOT" run --bundle "$T/b-a" "ctc-a$i-$1" </dev/null
		runc --root "$CT_RUNC_ROOT" run --bundle "$T/b-b" "ctc-b$i-$1" </dev/null
	done
}

# split FILE SUFFIX: A.jsonl, B.jsonl, A1 (odd runs) and A2 (even) of it
split_sides() {
	local s
	for s in a b; do
		jq -c --arg p "ctc-$s" --arg sfx "-$2" 'select(.type == "container"
			and (.id | startswith($p) and endswith($sfx)))' "$1" \
			>"$T/$s-$2.jsonl"
		[ "$(wc -l <"$T/$s-$2.jsonl")" -eq $N ] ||
			fail "$2: $(wc -l <"$T/$s-$2.jsonl") records of side $s, not $N"
	done
	awk 'NR % 2' "$T/a-$2.jsonl" >"$T/a1-$2.jsonl"
	awk '!(NR % 2)' "$T/a-$2.jsonl" >"$T/a2-$2.jsonl"
}

check_compare() {	# SUFFIX MODE
	local a=$T/a-$1.jsonl b=$T/b-$1.jsonl rc row
	"$COLDTRACE" compare -j --conf 0.999 "$a" "$b" >"$T/cmp-$1" 2>"$T/cmp-err" ||
		fail "$2: compare exited $?: $(cat "$T/cmp-err")"
	row=$(jq -c 'select(.type == "compare" and .metric == "create")' "$T/cmp-$1")
	note "$2: create $(jq -c '{n_a, n_b, median_a_ns, median_b_ns, shift_ns, ci_lo_ns, ci_hi_ns, p, q, method}' <<<"$row")"
	note "$2: $(jq -r 'select(.type == "compare" and .tested) | "\(.metric) \(.median_a_ns / 1e6 | floor)->\(.median_b_ns / 1e6 | floor) ms q \(.q)"' "$T/cmp-$1" | paste -sd';')"
	jq -e --argjson d "$DELAY_NS" '.group == "runc direct container" and
		.q < 0.001 and .ci_lo_ns <= $d and $d <= .ci_hi_ns' <<<"$row" \
		>/dev/null || fail "$2: create's shift does not hold the hook's 80 ms"
	jq -e -s 'map(select(.type == "compare" and (.metric | IN("cold_start", "total"))))
		| length == 2 and all(.q < 0.001)' "$T/cmp-$1" >/dev/null ||
		fail "$2: cold_start and total did not move with create"
	jq -e -s 'map(select(.type == "compare" and .tested and
		(.metric | IN("cold_start", "total", "create") | not)
		and .q < 0.001 and (.shift_ns | fabs) >= 1e6)) | length == 0' \
		"$T/cmp-$1" >/dev/null ||
		fail "$2: another phase moved: $(jq -c 'select(.type == "compare" and .tested and .q < 0.001) | {metric, shift_ns, q}' "$T/cmp-$1")"
	rc=0
	"$COLDTRACE" compare --fail-if 'create.p50 > +40ms' "$a" "$b" \
		>/dev/null 2>"$T/gate" || rc=$?
	[ "$rc" -eq 1 ] || fail "$2: the gate on an 80 ms shift exited $rc: $(cat "$T/gate")"
	"$COLDTRACE" compare --fail-if 'create.p50 > +40ms' \
		--fail-if 'cold_start.p50 > +5%' "$T/a1-$1.jsonl" "$T/a2-$1.jsonl" \
		>/dev/null 2>"$T/gate" || fail "$2: A against A failed its gates: $(cat "$T/gate")"
}

# ---- under -- COMMAND ----
export -f scenario
export CT_RUNC_ROOT T N
run_ct -j --record "$T/rec.ctrec" -- bash -c 'scenario c'
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
split_sides "$T/out" c
check_compare c command
"$COLDTRACE" compare --fail-if 'create.p50 > +1%' "$T/rec.ctrec" "$T/rec.ctrec" \
	>"$T/self" 2>"$T/gate" || fail "the recording against itself: exit $?: $(cat "$T/gate")"
grep -q '^verdict: 0 moved of' "$T/self" || fail "the recording moved against itself"
grep -q "^A: $T/rec.ctrec: $((2 * N)) records" "$T/self" ||
	fail "the recording's records: $(head -1 "$T/self")"

# ---- detached: continuous, default arming ----
dt_start
scenario d
for ((i = 1; i <= N; i++)); do
	dt_record "ctc-a$i-d" 60 >/dev/null
	dt_record "ctc-b$i-d" 60 >/dev/null
done
dt_stop
split_sides "$T/out" d
check_compare d detached
