#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Proof that a change left behaviour alone: every recording of
# tests/fixtures replayed by two coldtrace binaries in each output mode
# (the table with -T, --why and --paths; -j with them; --dump; --dump
# -j; -o DIR with --why and the id and name labels), and the two trees
# of outputs, stderr and exit codes compared.  A refactor that must be
# byte-identical (HACKING.md "Rules") shows "identical" here.
#
# Usage: tools/replay-cmp.sh OLD_BINARY NEW_BINARY [OUTDIR]
#   OUTDIR (default: a new /tmp/ct-replay-cmp.XXXXXX) keeps both trees.
# Exit: 0 identical, 1 different (the diff is printed), 2 bad usage, the
# same binary twice, or a mode the old binary refused (exit other than 0
# or 3, a cut recording).
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)

die() {
	echo "replay-cmp: $*" >&2
	exit 2
}

[ $# -ge 2 ] && [ $# -le 3 ] || die "usage: $0 OLD_BINARY NEW_BINARY [OUTDIR]"
for b in "$1" "$2"; do
	[ -x "$b" ] || die "$b: not an executable"
done
# the same file twice proves nothing (a failed build leaves the old one)
! cmp -s "$1" "$2" || die "$1 and $2 are the same binary"
out=${3:-$(mktemp -d /tmp/ct-replay-cmp.XXXXXX)} || die "mktemp failed"
mkdir -p "$out" || die "$out: cannot create"
[ -z "$(ls -A "$out")" ] || die "$out: not empty"

# name|options: one run of each binary per recording
MODES=(
	"table|-T --why --paths=3"
	"json|-j --why --paths=3"
	"dump|--dump"
	"dumpjson|--dump -j"
	"files|--why --metrics-labels=id,name -o @DIR@"
)

# One binary's outputs of one recording in one mode, under dir.
run_one() {	# BIN REC DIR OPTS
	local bin=$1 rec=$2 dir=$3 opts=${4//@DIR@/$3/o}

	mkdir -p "$dir"
	# shellcheck disable=SC2086 # opts are words
	"$bin" --replay "$rec" $opts >"$dir/out" 2>"$dir/err"
	echo $? >"$dir/rc"
	sed -i "s|$dir|DIR|g" "$dir/out" "$dir/err"
}

n=0
bad=0
for rec in "$TOP"/tests/fixtures/*.ctrec; do
	name=$(basename "$rec" .ctrec)
	for m in "${MODES[@]}"; do
		run_one "$1" "$rec" "$out/old/$name/${m%%|*}" "${m#*|}"
		run_one "$2" "$rec" "$out/new/$name/${m%%|*}" "${m#*|}"
		# a mode the old binary refused compares nothing: say so
		rc=$(cat "$out/old/$name/${m%%|*}/rc")
		if [ "$rc" != 0 ] && [ "$rc" != 3 ]; then
			echo "replay-cmp: $name ${m%%|*}: old binary exit $rc:" \
				"$(head -1 "$out/old/$name/${m%%|*}/err")" >&2
			bad=$((bad + 1))
		fi
	done
	n=$((n + 1))
done
[ "$n" -gt 0 ] || die "no recording in $TOP/tests/fixtures"
[ "$bad" = 0 ] || die "$bad runs failed with the old binary: nothing compared"
if diff -r "$out/old" "$out/new"; then
	echo "replay-cmp: $n recordings x ${#MODES[@]} modes: identical ($out)"
	exit 0
fi
echo "replay-cmp: $n recordings x ${#MODES[@]} modes: DIFFERENT ($out)" >&2
exit 1
