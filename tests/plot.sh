#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tools/plot's figures, by their data rather than their pixels
# (CT_PLOT_KEEP keeps each figure's gnuplot script and data): from
# replayed fixtures, a DIR of runsc and a DIR of runc + crun,
# - phase-median: gnuplot's own x range (GPVAL_X_MIN/MAX, the script
#   re-run on the "unknown" terminal) holds all 10 phases, and the data
#   has points for disconnect and destroy;
# - phase-share: 10 stacked columns, each of its own colour;
# - cdf-total: one curve per (DIR, runtime): 3.
set -euo pipefail
cd "$(dirname "$0")/.."
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: plot: $*"; exit 1; }
for tool in jq gnuplot; do
	command -v $tool >/dev/null || fail "$tool missing (tools/install-deps.sh)"
done

./coldtrace --replay tests/fixtures/docker-runsc.ctrec -o "$t/runsc" >/dev/null 2>&1
./coldtrace --replay tests/fixtures/docker-runc.ctrec -o "$t/mixed" >/dev/null 2>&1
./coldtrace --replay tests/fixtures/docker-crun.ctrec -o "$t/crun" >/dev/null 2>&1
# a DIR of two runtimes: crun's records beside runc's, in both files
grep '"type":"container"' "$t/crun/containers.jsonl" >>"$t/mixed/containers.jsonl"
jq -s '.[0].runtimes += .[1].runtimes | .[0]' "$t/mixed/summary.json" \
	"$t/crun/summary.json" >"$t/s" && mv "$t/s" "$t/mixed/summary.json"

CT_PLOT_KEEP=$t/keep tools/plot "$t/png" "$t/runsc" "$t/mixed" >"$t/out" 2>&1 ||
	fail "tools/plot: $(cat "$t/out")"
for f in phase-median phase-share cdf-total; do
	[ -s "$t/png/$f.png" ] || fail "no $f.png"
done

# phase-median: the figure's x range, as gnuplot drew it
sed 's/^set terminal .*/set terminal unknown/; /^set output/d' \
	"$t/keep/median.gp" >"$t/median-unknown.gp"
echo 'print GPVAL_X_MIN, GPVAL_X_MAX' >>"$t/median-unknown.gp"
read -r xmin xmax < <(gnuplot "$t/median-unknown.gp" 2>&1 | tail -n 1)
awk -v a="$xmin" -v b="$xmax" 'BEGIN { exit !(a <= 0 && b >= 9) }' ||
	fail "phase-median x range [$xmin:$xmax] does not hold phases 0..9"
ntics=$(grep -o '"[a-z]*" [0-9]*' "$t/keep/median.gp" | wc -l)
[ "$ntics" -eq 10 ] || fail "phase-median has $ntics phase tics, want 10"
for i in 8 9; do
	cat "$t"/keep/median-*.dat | awk -v i=$i '$1 == i { f = 1 } END { exit !f }' ||
		fail "phase-median has no point for phase $i"
done

# phase-share: each stacked column's colour, as gnuplot evaluates it
cols=$(head -n 1 "$t/keep/share.dat" | wc -w)
[ "$cols" -eq 11 ] || fail "share.dat has $((cols - 1)) phase columns, want 10"
{
	grep '^colors = ' "$t/keep/share.gp"
	echo 'do for [i=2:11] { print word(colors, i - 1) }'
} >"$t/colors.gp"
grep -q 'lc rgb word(colors, i - 1)' "$t/keep/share.gp" ||
	fail "phase-share columns are not coloured from the palette"
n=$(gnuplot "$t/colors.gp" 2>&1 | grep -c '^#')
d=$(gnuplot "$t/colors.gp" 2>&1 | grep '^#' | sort -u | wc -l)
[ "$n" -eq 10 ] && [ "$d" -eq 10 ] ||
	fail "phase-share colours: $d distinct of $n, want 10 of 10"

# cdf-total: one curve per (DIR, runtime)
curves=$(grep -o 'with steps' "$t/keep/cdf-total.gp" | wc -l)
[ "$curves" -eq 3 ] || fail "cdf-total has $curves curves, want 3 (runsc, mixed/runc, mixed/crun)"
grep -q 'title "mixed/crun"' "$t/keep/cdf-total.gp" ||
	fail "no mixed/crun curve: $(grep plot "$t/keep/cdf-total.gp")"
echo "plot: ok"
