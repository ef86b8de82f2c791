#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Smoke check of tools/bench/bpf-cost --quick (issue 11's table): every
# configuration measured, coldtrace counting all of the container's opens
# (the bench exits 1 otherwise, or when a tracer's programs did not run),
# and a ratio with PASS or MISS in every target cell.  The numbers
# themselves are the bench's business (docs/bench.md), not a test's.
. "$(dirname "$0")/lib.sh"

CONFIGS="none floor-sys floor-openat floor-switch bpftrace ct ct-nopulls
ct-paths ct-runc ct-why"

# A clean environment: the bench starts a private harness of its own,
# which must not inherit this one's DOCKER_HOST, CT_DIR and PATH.
rc=0
timeout -k 5 280 env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME="${HOME:-/root}" COLDTRACE="$COLDTRACE" \
	"$TOP/tools/bench/bpf-cost" --quick --md "$T/out.md" \
	>/dev/null 2>"$T/err" || rc=$?
[ "$rc" -eq 0 ] || fail "bpf-cost --quick: status $rc: $(tail -n 5 "$T/err")"

# Column $2 (1-based, after the config) of config $1's row in the first table.
cell() {
	awk -F' *\\| *' -v c="$1" -v k="$2" '$2 == c { print $(k + 2); exit }' \
		"$T/out.md"
}

for c in $CONFIGS; do
	grep -q "^| $c |" "$T/out.md" || fail "no row for $c"
done
# Empty programs cost something per run, and coldtrace's hooks at least
# as much as the empty pair on the same tracepoints.
floor=$(cell floor-sys 1)
ct=$(cell ct 1)
note "host open+close BPF ns: floor-sys $floor, ct $ct, bpftrace $(cell bpftrace 1)"
[[ "$floor" =~ ^[0-9]+$ ]] && [ "$floor" -gt 0 ] ||
	fail "floor-sys host open+close BPF ns is '$floor'"
[[ "$ct" =~ ^[0-9]+$ ]] && [ "$ct" -ge "$floor" ] ||
	fail "ct host open+close BPF ns '$ct' below the empty pair's $floor"
[ "$(cell ct-runc 5)" = - ] ||
	fail "ct-runc has a sched_switch hook: $(cell ct-runc 5)"
# One verdict per target for each of the five coldtrace configurations.
n=$(grep -cE '^\| ct[a-z-]* \|( ([0-9.]+× (PASS|MISS)|no hook, PASS) \|){6}$' \
	"$T/out.md")
[ "$n" -eq 5 ] || fail "$n of 5 coldtrace rows have all six target verdicts"
