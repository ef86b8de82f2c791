#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tools/plot's figures, by their data rather than their pixels
# (CT_PLOT_KEEP keeps each figure's gnuplot script and data): from
# replayed fixtures, a DIR of runsc and a DIR of runc + crun,
# - phase-median: gnuplot's own x range (GPVAL_X_MIN/MAX, the script
#   re-run on the "unknown" terminal) holds all 10 phases, and the data
#   has points for disconnect and destroy;
# - phase-share: 10 stacked columns, each of its own colour;
# - cdf-total: one curve per (DIR, runtime): 3;
# - a CRI DIR (cri-runc: a pod's sandbox, its two app containers, a
#   docker container): the pod is a series of its own ("cri/runc-pods")
#   in cdf-total and phase-median, whose points are the sandbox's own
#   record's, and the containers' series holds no sandbox (their run
#   median recomputed from containers.jsonl's container records);
# - compare: a panel's curve is the values compare compared (as many as
#   the recording's creates, rising to 1), the shift figure's row its
#   shift and interval.
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

# pods apart: the sandbox's curve and series are its record's alone
./coldtrace --replay tests/fixtures/cri-runc.ctrec -o "$t/cri" >/dev/null 2>&1
CT_PLOT_KEEP=$t/kcri tools/plot "$t/pcri" "$t/cri" >"$t/out" 2>&1 ||
	fail "tools/plot (cri): $(cat "$t/out")"
recs=$t/cri/containers.jsonl
npods=$(jq -s '[.[] | select(.type == "pod")] | length' "$recs")
[ "$npods" -ge 1 ] || fail "cri-runc: no pod record"
grep -q 'title "cri/runc-pods"' "$t/kcri/cdf-total.gp" ||
	fail "no cri/runc-pods curve: $(grep plot "$t/kcri/cdf-total.gp")"
f=$(grep -o '"[^"]*cdf-total-[0-9]*.dat" using 1:2 with steps lw 2 title "cri/runc-pods"' \
	"$t/kcri/cdf-total.gp" | cut -d'"' -f2)
[ "$(($(wc -l <"$f") - 1))" -eq "$npods" ] ||
	fail "cri/runc-pods curve: $(($(wc -l <"$f") - 1)) points, $npods pods"
n=$(awk '$4 == "cri/runc-pods" { print NR }' "$t/kcri/series")
[ -n "$n" ] || fail "no cri/runc-pods series: $(cat "$t/kcri/series")"
# run (index 5 in the median file's first column: the phases in their
# order, prepare 0): the sandbox's own duration, in ms
want=$(jq -r 'select(.type == "pod") | .phases.run.dur_ns / 1e6' "$recs")
got=$(awk '$1 == 5 { print $2 }' "$t/kcri/median-$n.dat")
awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }' ||
	fail "cri/runc-pods run median $got ms, the sandbox's run $want ms"
# the containers' run median: nearest rank over container records only
n=$(awk '$4 == "cri/runc" { print NR }' "$t/kcri/series")
want=$(jq -s '[.[] | select(.type == "container" and .runtime == "runc")
	| .phases.run.dur_ns // empty] | sort | .[((length + 1) / 2 | floor) - 1]
	/ 1e6' "$recs")
got=$(awk '$1 == 5 { print $2 }' "$t/kcri/median-$n.dat")
awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }' ||
	fail "cri/runc run median $got ms, its container records' $want ms"
# coldtrace-plot compare: each metric's panel draws the very values
# compare compared (their count, the replayed records' own), rising to
# 1; the shift figure's rows are compare's shifts and intervals
CT_PLOT_KEEP=$t/kcmp COLDTRACE=./coldtrace tools/plot compare "$t/cmp" \
	tests/fixtures/docker-start.ctrec tests/fixtures/docker-restart.ctrec \
	>/dev/null 2>"$t/cmp.err" || fail "plot compare: $(cat "$t/cmp.err")"
g=runc_docker_container
for f in "compare-cdf-$g" "compare-shift-$g"; do
	[ -s "$t/cmp/$f.png" ] || fail "plot compare drew no $f.png"
done
j=$t/kcmp/compare.jsonl
n=$(awk '{ print $NF }' "$t/kcmp/compare-shift-$g.dat" | grep -nx create | cut -d: -f1)
[ -n "$n" ] || fail "no create row in compare-shift-$g.dat"
want=$(jq -r 'select(.type == "compare" and .group == "runc docker container"
	and .metric == "create") | .b_ns | sort | map(. / 1e6) | .[]' "$j" |
	awk '{ printf "%.6f\n", $1 }')
got=$(awk 'NR > 1 { print $1 }' "$t/kcmp/compare-cdf-$g-$n-b.dat")
[ "$got" = "$want" ] || fail "create's B curve is not compare's values"
recs=$(./coldtrace --replay tests/fixtures/docker-restart.ctrec -j 2>/dev/null |
	jq -s '[.[] | select(.type == "container" and .runtime == "runc"
		and .engine == "docker" and .phases.create.dur_ns != null)] | length')
[ "$(echo "$got" | wc -l)" -eq "$recs" ] ||
	fail "create's B curve has $(echo "$got" | wc -l) points, the recording $recs creates"
[ "$(tail -1 "$t/kcmp/compare-cdf-$g-$n-b.dat" | awk '{ print $2 }')" = 1.000000 ] ||
	fail "create's B curve does not reach 1"
read -r _ sh lo hi _ _ < <(sed -n "${n}p" "$t/kcmp/compare-shift-$g.dat")
ok=$(jq --argjson s "$sh" --argjson l "$lo" --argjson h "$hi" 'select(.type ==
	"compare" and .group == "runc docker container" and .metric == "create")
	| [.shift_ns - $s * 1e6, .ci_lo_ns - $l * 1e6, .ci_hi_ns - $h * 1e6]
	| map(fabs < 1) | all' "$j")
[ "$ok" = true ] || fail "the shift figure's create row ($sh $lo $hi) is not compare's"
echo "plot: ok"
