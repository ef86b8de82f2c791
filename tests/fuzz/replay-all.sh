#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Replay recordings through a sanitized coldtrace (make test-san): each
# one three ways, -j, --dump and -o DIR (text report and every file).
# A malformed recording may be rejected (exit status 1), one without its
# end mark reported as cut (3); anything else,
# a signal (the sanitizers abort: SAN_ENV in the Makefile) or a
# sanitizer report on stderr, fails.
#
#   tests/fuzz/replay-all.sh BIN DIR|FILE...   (*.ctrec, *.ctrec.gz)
set -uo pipefail
shopt -s nullglob

bin=$1
shift
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ct-replay-san.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
runs=0
bad=0

# A sanitizer's first line; UBSan's has no "ERROR:".
SAN_RE='ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:'

# replay FILE ARG...: one run, judged.
replay() {
	local f=$1 rc
	shift
	"$bin" --replay "$f" "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	runs=$((runs + 1))
	if { [ "$rc" -gt 1 ] && [ "$rc" -ne 3 ]; } || grep -Eq "$SAN_RE" "$tmp/err"; then
		echo "replay-san: FAIL (exit $rc): $bin --replay $f $*" >&2
		grep -E -A30 "$SAN_RE" "$tmp/err" | head -n 40 >&2
		bad=$((bad + 1))
	fi
}

# check FILE: a .gz is uncompressed first (the reader wants a file).
check() {
	local f=$1

	case $f in
	*.gz)
		gzip -dc "$f" >"$tmp/in.ctrec" || { bad=$((bad + 1)); return; }
		f=$tmp/in.ctrec ;;
	esac
	replay "$f" -j --why --paths
	replay "$f" --dump
	rm -rf "$tmp/out"
	replay "$f" -o "$tmp/out" --why --paths=16 --ready=exec
}

for arg in "$@"; do
	if [ -d "$arg" ]; then
		for f in "$arg"/*.ctrec "$arg"/*.ctrec.gz; do
			check "$f"
		done
	else
		check "$arg"
	fi
done
echo "replay-san: $runs replays, $((runs - bad)) passed, $bad failed"
[ "$runs" -gt 0 ] && [ "$bad" -eq 0 ]
