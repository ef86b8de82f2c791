#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# trace.json as a real parser reads it: every recording of tests/fixtures
# replayed with --why into -o DIR, then loaded by @tracerbench/trace-model
# (installed from the npm registry by `npm ci` in tests/integration/node)
# and checked against the same DIR's containers, chains and pulls
# (node/check_trace.js: names of processes and tracks, one track per
# container with its phases, nesting, each phase's missing steps as its
# record says them).  The same DIR's phases.csv, trace.json and
# otlp-traces.jsonl (check.py files): a row per record with its phases'
# durations; a trace per container and pod record, a span per phase with
# its exact start and duration, OTLP/JSON's hex ids.
. "$(dirname "$0")/lib.sh"

node_deps

n=0
for f in "$TOP"/tests/fixtures/*.ctrec; do
	name=$(basename "$f" .ctrec)
	rm -rf "$T/o"
	run_ct --replay "$f" --why -o "$T/o"
	# 3: a recording cut before its end mark (the fuzzers' reproducers
	# are cut to their valid records), reported as such; still traced
	[ "$CT_RC" -eq 0 ] ||
		{ [ "$CT_RC" -eq 3 ] && grep -q "recording cut" "$T/err"; } ||
		fail "$name: replay status $CT_RC: $(head -n 3 "$T/err")"
	node "$NODE_DIR/check_trace.js" "$T/o" >"$T/check" 2>&1 ||
		fail "$name: $(cat "$T/check")"
	$CHECK files --dir "$T/o" >>"$T/check" 2>&1 ||
		fail "$name: $(cat "$T/check")"
	note "$name: $(tr '\n' ' ' <"$T/check")"
	n=$((n + 1))
done
[ "$n" -ge 30 ] || fail "only $n recordings in tests/fixtures"
