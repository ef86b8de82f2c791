#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# `coldtrace compare` as a user meets it, on this repository's
# recordings (no root): --help; every bad input refused with exit 2 and
# one line (a bad gate before any input is read); --by's split; a known
# shift added to one phase found, and its gate failing with exit 1;
# A against A passing its gate; -j's lines JSON, --markdown's tables.
# Usage: tests/compare_cli.sh [COLDTRACE]   (make test; make test-san
# runs it on the sanitized build)
set -euo pipefail
cd "$(dirname "$0")/.."
CT=${1:-./coldtrace}
F=tests/fixtures
fail() { echo "FAIL: compare_cli: $*"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

# refused: RC ARGS... -> exit 2, one line on stderr, nothing on stdout
refused() {
	local rc=0
	"$CT" compare "$@" >"$t/o" 2>"$t/e" || rc=$?
	[ "$rc" -eq 2 ] || fail "compare $*: exit $rc, not 2"
	[ "$(wc -l <"$t/e")" -eq 1 ] || fail "compare $*: stderr $(cat "$t/e")"
	[ ! -s "$t/o" ] || fail "compare $*: printed $(head -2 "$t/o")"
}

"$CT" compare --help >"$t/help" || fail "--help exit $?"
grep -q '^Examples:' "$t/help" || fail "--help has no examples"
refused --fail-if 'create.p50 < 5%' /nonexistent/a /nonexistent/b
grep -q -- "--fail-if 'create.p50 < 5%'" "$t/e" ||
	fail "a bad gate is not said before the inputs: $(cat "$t/e")"
refused --fail-if 'create.p95 > 5%' a b
refused --fail-if 'create.p50 > 5 parsecs' a b
refused --frobnicate a b
refused "$F/demo.ctrec"
refused --by colour "$F/demo.ctrec"
refused -j --markdown "$F/demo.ctrec" "$F/demo.ctrec"
refused --fdr 2 "$F/demo.ctrec" "$F/demo.ctrec"
refused /nonexistent/a "$F/demo.ctrec"
grep -q '/nonexistent/a: No such file' "$t/e" || fail "missing input: $(cat "$t/e")"
refused "$F/demo.ctrec" /etc/hostname
grep -q '/etc/hostname:1: not a JSON object' "$t/e" || fail "not JSON: $(cat "$t/e")"
refused --by runtime "$F/docker-restart.ctrec"
grep -q 'has one value (runc)' "$t/e" || fail "--by of one value: $(cat "$t/e")"
# a gate no group can judge: two starts a side are too few
# (the report is printed: the inputs were read)
rc=0
"$CT" compare --fail-if 'cold_start.p50 > +5%' "$F/docker-crun.ctrec" \
	"$F/docker-crun.ctrec" >/dev/null 2>"$t/e" || rc=$?
[ "$rc" -eq 2 ] && grep -q 'no group has enough' "$t/e" ||
	fail "unjudged gate: exit $rc: $(cat "$t/e")"

# --by runtime: runc against crun of one recording, each side's count
"$CT" compare -j --by runtime "$F/demo.ctrec" >"$t/by" || fail "--by runtime exit $?"
jq -e -s '[.[] | select(.type == "compare_input") | .runtime] == ["runc", "crun"]' \
	"$t/by" >/dev/null || fail "--by runtime's sides: $(head -2 "$t/by")"
jq -e -s 'all(.[]; .type == "compare_input" or .type == "compare") and
	any(.[]; .type == "compare" and .group == "docker container")' "$t/by" \
	>/dev/null || fail "--by runtime's rows: $(head -4 "$t/by")"

# --by runtime of two inputs: the runtime left out of the group
"$CT" compare -j --by runtime "$F/docker-runc.ctrec" "$F/docker-runsc.ctrec" \
	>"$t/by2" || fail "--by runtime A B exit $?"
jq -e -s '[.[] | select(.type == "compare_input") | .runtime] == ["runc", "runsc"]
	and any(.[]; .type == "compare" and .group == "docker container")' \
	"$t/by2" >/dev/null || fail "--by runtime A B: $(head -3 "$t/by2")"
# --by image of one input: each record's image says its side (records
# of the restart experiment, every other one given another image)
jq -c 'if .type == "container" and (.id[0:1] | test("[0-7]")) then
	.image = "slim" else . end' "$F/compare/runc-none.jsonl" >"$t/img.jsonl"
"$CT" compare -j --by image "$t/img.jsonl" >"$t/img" || fail "--by image exit $?"
want=$(jq -s '[.[] | select(.type == "container" and .image == "slim")] | length' "$t/img.jsonl")
jq -e -s --argjson n "$want" '(map(select(.type == "compare_input")) | .[0].image
	== "coldtrace/node:latest" and .[1].image == "slim" and .[1].records == $n)
	and any(.[]; .type == "compare" and .group == "runc docker container"
	and .metric == "create" and .tested)' "$t/img" >/dev/null ||
	fail "--by image: $(head -2 "$t/img")"
# --by kind: a cold start against a restore, by their cold starts only
"$CT" compare -j --by kind "$F/ctr2-restore.ctrec" >"$t/kind" ||
	fail "--by kind exit $?"
jq -e -s '([.[] | select(.type == "compare_input") | .kind] == ["container", "restore"])
	and ([.[] | select(.type == "compare") | .metric] | unique == ["cold_start"])' \
	"$t/kind" >/dev/null || fail "--by kind: $(cat "$t/kind")"

# --why's sites: a site a record does not list counts 0 there, in every
# record with the phase's split (six copies of a record, three without
# synchronize_rcu in create, one without the split at all)
"$CT" --replay "$F/runc-hook-waits.ctrec" --why -j 2>/dev/null |
	jq -c 'select(.type == "container")' >"$t/w1"
for i in 1 2 3 4 5 6 7; do
	jq -c --argjson i "$i" 'if $i == 7 then .phases.create |= {start_ns, dur_ns}
		elif $i % 2 == 0 then .phases.create.waits.sites |=
		map(select(.site != "synchronize_rcu")) else . end' "$t/w1"
done >"$t/w.jsonl"
"$CT" compare -j --samples "$t/w.jsonl" "$t/w.jsonl" >"$t/w" || fail "sites: exit $?"
jq -e -s 'map(select(.type == "compare")) as $r
	| ($r | map(select(.metric == "create.cpu"))[0].n_a == 6)
	and ($r | map(select(.metric == "create:synchronize_rcu"))[0]
	     | .n_a == 6 and ([.a_ns[] | select(. == 0)] | length) == 3)
	and ($r | map(select(.metric == "create:do_nanosleep"))[0]
	     | .n_a == 6 and all(.a_ns[]; . > 0))' "$t/w" >/dev/null ||
	fail "sites' zeros: $(grep -E 'create(.cpu|:)' "$t/w" | cut -c1-200)"

# A against A: nothing moves, the gate passes
"$CT" compare --fail-if 'cold_start.p50 > +5%' "$F/docker-restart.ctrec" \
	"$F/docker-restart.ctrec" >"$t/aa" 2>"$t/e" || fail "A vs A: exit $?: $(cat "$t/e")"
grep -q '^verdict: 0 moved of' "$t/aa" || fail "A vs A moved: $(sed -n 4,6p "$t/aa")"

# B: A's records with create 5 s longer (and the phases after it, the
# total and the cold start with it): create found, inside its interval,
# the gates fail; the phases around it do not move
"$CT" --replay "$F/docker-restart.ctrec" -j >"$t/a.jsonl" 2>/dev/null || true
jq -c 'if .type == "container" and .phases.create.dur_ns != null then
	.phases.create.dur_ns += 5000000000 | .total_ns += 5000000000
	| .phases |= with_entries(if (.key | IN("start", "run", "die",
		"disconnect", "destroy")) then .value.start_ns += 5000000000
		else . end)
	else . end' "$t/a.jsonl" >"$t/b.jsonl"
rc=0
"$CT" compare -j --fail-if 'create.p50 > +10%' --fail-if 'attach.p50 > +10%' \
	"$t/a.jsonl" "$t/b.jsonl" >"$t/shift" 2>"$t/e" || rc=$?
[ "$rc" -eq 1 ] || fail "a 5 s shift in create: exit $rc, not 1: $(cat "$t/e")"
grep -q "create.p50 > +10%: FAILED on runc docker container" "$t/e" ||
	fail "the failed gate is not named: $(cat "$t/e")"
! grep -q "attach.p50" "$t/e" || fail "attach's gate failed: $(cat "$t/e")"
jq -e -s 'map(select(.type == "compare" and .group == "runc docker container"))
	| (map(select(.metric == "create"))[0] | .moved and .ci_lo_ns <= 5e9
	   and 5e9 <= .ci_hi_ns and .method == "exact")
	and all(.[] | select(.metric | IN("prepare", "attach", "connect"));
		.moved | not)' "$t/shift" >/dev/null ||
	fail "create's shift not found or other phases moved: $(grep -E 'create|attach' "$t/shift")"
# a container's pull (docker run's implicit one) is a metric of its own:
# the records that have one, and no other
jq -c 'if .type == "container" and (.name | length) % 2 == 0 then
	.pull = {image: null, start_ns: (.start_ns - 2e9), dur_ns: 1500000000}
	else . end' "$t/a.jsonl" >"$t/pa.jsonl"
want=$(jq -s '[.[] | select(.type == "container" and .pull != null)] | length' "$t/pa.jsonl")
"$CT" compare -j "$t/pa.jsonl" "$t/a.jsonl" >"$t/pull" || fail "pull: exit $?"
jq -e -s --argjson n "$want" 'map(select(.type == "compare" and .metric == "pull"))
	| length == 1 and .[0].n_a == $n and .[0].n_b == 0' "$t/pull" >/dev/null ||
	fail "the pull metric: $(grep pull "$t/pull"), $want records with a pull"
"$CT" compare --markdown "$t/a.jsonl" "$t/b.jsonl" >"$t/md" || fail "--markdown exit $?"
grep -q '^- runc docker container: create +5.00 s' "$t/md" ||
	fail "--markdown's verdict: $(sed -n 4,6p "$t/md")"
grep -q '^| metric | n A | n B |' "$t/md" || fail "--markdown has no table"
echo "compare_cli: ok"
