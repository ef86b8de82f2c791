#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Smoke check of tools/bench/steady-state --quick: the table of medians
# and ratios has a row per configuration with a number in every cell, and
# the hook evidence (read by the bench from bpftool, not from coldtrace)
# is what each configuration means: with containers started under it and
# their cold starts over, coldtrace's default --arm=auto holds none of its
# syscall hooks during a measurement, --arm=always holds sys_enter and
# sys_exit throughout.
# The numbers themselves are the bench's business
# (docs/results/steady-state.md),
# never a test's.
. "$(dirname "$0")/lib.sh"

CONFIGS="none ct ct-always"
KINDS="open read write connect"

run_bench_quick steady-state 170

# The medians table: header, then one row per configuration with a
# median (min-max) and a ratio per kind, and the rounds it used.
hdr=$(grep -m 1 '^| config | open ns' "$T/out.md") ||
	fail "no medians table in: $(head -n 20 "$T/out.md")"
for k in $KINDS; do
	grep -q "| $k ns (min-max) | /none |" <<<"$hdr" || fail "no $k columns: $hdr"
done
cell='[0-9]+ \([0-9]+-[0-9]+\) \| [0-9]+\.[0-9]{3} \|'
for c in $CONFIGS; do
	grep -qE "^\| $c \|( $cell){4} [1-9][0-9]* \|\$" "$T/out.md" ||
		fail "row $c malformed: $(grep "^| $c |" "$T/out.md" | head -n 1)"
done
grep -qE '^\| none \|( [0-9]+ \([0-9]+-[0-9]+\) \| 1\.000 \|){4}' "$T/out.md" ||
	fail "none's ratios are not 1.000"

# The hook evidence: "| config | before -> after | kept|aside | n | m |".
kept() {	# CONFIG: the distinct "before -> after" of its kept measurements
	awk -F' *\\| *' -v c="$1" '$2 == c && $4 == "kept" { print $3 }' "$T/out.md" | sort -u
}
[ "$(kept none)" = "- -> -" ] || fail "none: coldtrace hooks '$(kept none)'"
[ "$(kept ct)" = "- -> -" ] ||
	fail "ct (steady state) kept a measurement with hooks '$(kept ct)'"
for c in ct-always; do
	[ -n "$(kept "$c")" ] || fail "$c: no kept measurement"
	while read -r line; do
		[[ "$line" =~ ^[a-z_,]*sys_enter,sys_exit[a-z_,]*\ -\>\ [a-z_,]*sys_enter,sys_exit ]] ||
			fail "$c kept a measurement with hooks '$line'"
	done <<<"$(kept "$c")"
done
note "$(grep -E '^\| (ct|ct-always) \|' "$T/out.md" | head -n 2 | cut -c1-160)"
