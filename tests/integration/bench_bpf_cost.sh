#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Smoke check of tools/bench/bpf-cost --quick (the cost targets' table):
# every configuration measured, coldtrace counting all of the container's
# opens (the bench exits 1 otherwise, or when a tracer's programs did not
# run), and a ratio with PASS or MISS in every target cell, cost target
# 4's idle host included (docs/bench.md "Cost targets"): coldtrace with no
# container measured with its syscall hooks detached (no BPF time on a
# host syscall).  The numbers themselves are the bench's business
# (docs/bench.md), not a test's.
. "$(dirname "$0")/lib.sh"

CONFIGS="none floor-sys floor-openat floor-switch bpftrace ct ct-nopulls
ct-paths ct-runc ct-why ct-idle ct-always-idle"

run_bench_quick bpf-cost 280

# Config $1's cell under the column headed $2 in the first table (by
# name: the bench adds columns).
cell() {
	awk -F' *\\| *' -v c="$1" -v h="$2" '
		!k && $2 == "config" { for (i = 3; i < NF; i++) if ($i == h) k = i; next }
		k && $2 == c { print $k; exit }' "$T/out.md"
}

for c in $CONFIGS; do
	grep -q "^| $c |" "$T/out.md" || fail "no row for $c"
done
# Empty programs cost something per run, and coldtrace's hooks ran on
# the host's opens, for at least half the empty pair's time on the same
# tracepoints: in the full bench coldtrace's is 1.14-1.19x the pair's
# (docs/results/bench.md), but one quick round is one sample: the empty
# pair alone measured 180 and 204 ns in CI beside its guests, and 124
# and 190 ns in two runs alone on an idle host (2026-11-29), coldtrace's
# 159-249: a ratio near 1 is the bench's to measure, over rounds; half
# the pair, or none, is a tracer that did not run.
half_floor() {	# NS
	[[ "$1" =~ ^[0-9]+$ ]] && [ $(($1 * 2)) -ge "$floor" ]
}
OPEN="host open+close BPF ns"
floor=$(cell floor-sys "$OPEN")
ct=$(cell ct "$OPEN")
note "host open+close BPF ns: floor-sys $floor, ct $ct, bpftrace $(cell bpftrace "$OPEN")"
[[ "$floor" =~ ^[0-9]+$ ]] && [ "$floor" -gt 0 ] ||
	fail "floor-sys host open+close BPF ns is '$floor'"
half_floor "$ct" ||
	fail "ct host open+close BPF ns '$ct' below half the empty pair's $floor"
SW="BPF ns per sched_switch"
[ "$(cell ct-runc "$SW")" = - ] ||
	fail "ct-runc has a sched_switch hook: $(cell ct-runc "$SW")"
# The targets table whose header starts "| config | $1. " has $2 target
# columns (one "≤" each), and $3 rows matching $4 with a verdict matching
# $5 in every one of them.
verdicts() {
	local k n
	k=$(grep -m 1 "^| config | $1\\. " "$T/out.md" | grep -o '≤' | wc -l)
	[ "$k" -eq "$2" ] || fail "targets table $1: $k target columns, not $2"
	n=$(grep -cE "^\| $4 \|( ($5) \|){$k}\$" "$T/out.md")
	[ "$n" -eq "$3" ] ||
		fail "targets table $1: $n of $3 rows ($4) have all $k verdicts"
}
# One verdict per target column for each of the five coldtrace
# configurations.
verdicts 1 7 5 'ct[a-z-]*' '[0-9.]+× (PASS|MISS)|no hook, PASS'
# Cost target 4, the idle host: the default arming leaves no syscall
# hook to run on a host open, --arm=always its pair, as before.
idle=$(cell ct-idle "$OPEN")
always=$(cell ct-always-idle "$OPEN")
note "idle host open+close BPF ns: ct-idle $idle, ct-always-idle $always"
[ "$idle" = - ] || fail "ct-idle host open+close BPF ns is '$idle', not '-'"
half_floor "$always" ||
	fail "ct-always-idle host open+close BPF ns '$always' below half the empty pair's $floor"
E2E="end to end: host open+close ns"
[[ "$(cell ct-idle "$E2E")" =~ ^[0-9]+(†)?$ ]] ||
	fail "ct-idle end-to-end host open+close is '$(cell ct-idle "$E2E")'"
# "n/a ‡": the baseline and ct-idle measured, one with another tracer's
# syscall hook attached and the other without (the bench says which).
verdicts 4 4 2 'ct(-always)?-idle' '[0-9.]+× (PASS|MISS)( ‡)?|n/a ‡'
note "cost target 4, idle host: $(grep -E '^\| ct-idle \| [0-9.]+×' "$T/out.md")"
