#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# coldtrace(8) against the program: every option of --usage (generated
# from the option table) is in --help and in the page, every option the
# page documents exists, and every metric family of metrics.prom, of
# the self-metrics (user/stats/selfstat.c) and of the live session's own
# (user/sinks/prom*.c) is in the page; the page renders
# without troff warnings.
set -euo pipefail
cd "$(dirname "$0")/.."
page=docs/man/coldtrace.8
fail() { echo "FAIL: man: $*"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

./coldtrace --usage >"$t/usage"
./coldtrace --help >"$t/help"
# --help's option lines: "  -x, --name..." or "      --name..."
grep -E '^  -[A-Za-z], |^      --' "$t/help" |
	sed -E 's/^ +(-[A-Za-z?], )*(--[a-z][a-z-]*).*/\2/' | sort -u >"$t/long"
grep -E '^  -[A-Za-z], ' "$t/help" | cut -c4 | sort -u >"$t/short"
# --usage is made from the option table: a letter per short option in
# "[-jTvhV]" or "[-r LIST]", a --name per long-only one
{
	grep -o -- '\[-[A-Za-z]*\]' "$t/usage" | tr -d '[]-' | fold -w1
	grep -o -- '\[-[A-Za-z] ' "$t/usage" | tr -d '[ -'
} | sort -u >"$t/ushort"
grep -o -- '\[--[a-z][a-z-]*' "$t/usage" | tr -d '[' | sort -u >"$t/ulong"
cmp -s "$t/short" "$t/ushort" ||
	fail "short options: --help has $(tr '\n' ' ' <"$t/short"), the table $(tr '\n' ' ' <"$t/ushort")"
n=$(($(wc -l <"$t/ushort") + $(wc -l <"$t/ulong")))
[ "$(wc -l <"$t/long")" -eq "$n" ] ||
	fail "--help has $(wc -l <"$t/long") options, the table $n"
while read -r o; do
	grep -qx -- "$o" "$t/long" || fail "$o is in the table, not in --help"
done <"$t/ulong"
[ "$n" -ge 25 ] || fail "only $n options"
while read -r o; do
	grep -qF -- "${o//-/\\-}" "$page" || fail "$o is not in $page"
done <"$t/long"
while read -r c; do
	grep -qF -- "\\-$c \"" "$page" || fail "-$c is not in $page"
done <"$t/short"
# each option's tag in OPTIONS (the line after .TP) as its row takes it:
# its letter beside it, "=VALUE" (required), "[=VALUE]" (optional) or
# nothing (none), as --help's column shows them
sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$page" | sed -n '/^\.TP/{n;p}' >"$t/tags"
./coldtrace --help | grep -E '^  -[A-Za-z], |^      --' |
	sed -E 's/^  (-([A-Za-z]), )?(-\?, )?--([a-z][a-z-]*)(\[?=?)?.*/\2 \4 \5/;
		s/^      --([a-z][a-z-]*)(\[?=?)?.*/- \1 \2/' >"$t/forms"
while read -r letter name arg; do
	esc=${name//-/\\-}
	case $arg in
	=) form="\\-\\-$esc =" ;;
	"[=") form="\\-\\-$esc [=" ;;
	*) form="\\-\\-$esc" ;;
	esac
	grep -qF -- "$form" "$t/tags" || fail "--$name: no tag '$form' in OPTIONS"
	[ -n "$arg" ] || ! grep -qF -- "\\-\\-$esc =" "$t/tags" ||
		fail "--$name takes no value, OPTIONS gives it one"
	[ "$letter" = - ] || grep -F -- "\\-\\-$esc" "$t/tags" |
		grep -qF -- "\\-$letter \", \"" ||
		fail "--$name: its letter -$letter is not in its tag"
done <"$t/forms"
[ "$(wc -l <"$t/forms")" -eq "$n" ] || fail "--help's forms: $(wc -l <"$t/forms") of $n"

# the page's own options (".B"/".BR" lines of OPTIONS) all exist
sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$page" | grep -E '^\.BR? ' |
	grep -o -- '\\-\\-[a-z][a-z\\-]*' | sed 's/\\//g' | sort -u >"$t/page"
while read -r o; do
	grep -qx -- "$o" "$t/long" || fail "$page documents $o, which --help lacks"
done <"$t/page"

# `coldtrace compare`: each option of its --help is in the page's COMPARE
sed -n '/^\.SH COMPARE/,/^\.SH /p' "$page" >"$t/compare"
./coldtrace compare --help | grep -E '^  -[A-Za-z?], |^  --' |
	sed -E 's/^ +(-[A-Za-z?], )*(--[a-z][a-z-]*).*/\2/' | sort -u >"$t/clong"
[ "$(wc -l <"$t/clong")" -ge 7 ] || fail "compare --help lists $(wc -l <"$t/clong") options"
while read -r o; do
	grep -qF -- "${o//-/\\-}" "$t/compare" || fail "compare's $o is not in COMPARE"
done <"$t/clong"

# metric families: of containers, of pods (a CRI fixture), of pulls;
# --otlp's only with it (-c that keeps nothing: nothing is sent, nothing
# waited for)
./coldtrace --replay tests/fixtures/docker-runc.ctrec -o "$t/o" >/dev/null 2>&1
./coldtrace --replay tests/fixtures/cri-runc.ctrec -o "$t/cri" >/dev/null 2>&1
./coldtrace --replay tests/fixtures/docker-pull.ctrec -o "$t/pull" >/dev/null 2>&1
./coldtrace --replay tests/fixtures/docker-runc.ctrec -c none -o "$t/p" \
	--otlp=http://127.0.0.1:9 >/dev/null 2>&1
grep -q '^# TYPE coldtrace_otlp_' "$t/p/metrics.prom" ||
	fail "--otlp's families are not in metrics.prom"
{
	sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' "$t/o/metrics.prom" \
		"$t/cri/metrics.prom" "$t/pull/metrics.prom" "$t/p/metrics.prom"
	grep -o '"\(process\|coldtrace_bpf\|coldtrace_wall\)_[a-z_]*' user/stats/selfstat.c | tr -d '"'
	# and every one the writer names, a live session's only ones too
	grep -ho '"coldtrace_[a-z_]*' user/sinks/prom*.c | tr -d '"'
} | sort -u >"$t/families"
[ "$(wc -l <"$t/families")" -ge 25 ] || fail "only $(wc -l <"$t/families") metric families"
while read -r m; do
	grep -qF -- "${m//_/\\_}" "$page" || grep -qF -- "$m" "$page" ||
		fail "metric family $m is not in $page"
done <"$t/families"

warn=$(MANWIDTH=80 man -l "$page" 2>&1 >/dev/null || true)
[ -z "$warn" ] || fail "troff: $warn"
# Prose inside a font-alternating macro (.BR "x" ).  A sentence) renders
# with its words run together: "x).Asentence".
glued=$(MANWIDTH=200 man -l "$page" 2>/dev/null | grep -E '[a-z)]\.[A-Z][a-z]{2,}' || true)
[ -z "$glued" ] || fail "words run together (a sentence inside .BR?): $glued"
echo "man: ok ($n options, $(wc -l <"$t/families") metric families)"
