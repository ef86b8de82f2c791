#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# coldtrace(8) against the program: its OPTIONS are the ones
# tools/cli-doc.sh prints from the option table (the lines between its
# markers; --write puts them there), and every metric family of
# metrics.prom, of the self-metrics (user/stats/selfstat.c) and of the
# live session's own (user/sinks/prom*.c) is in the page; the page
# renders without troff warnings.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tests/doc_table.sh
. tests/doc_table.sh
page=docs/man/coldtrace.8
begin=".\\\" cli.c's rows: begin (tests/man.sh --write)"
end=".\\\" cli.c's rows: end"
fail() { echo "FAIL: man: $*"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

tools/cli-doc.sh man >"$t/options"
doc_table man "$page" "$begin" "$end" "$t/options" "${1:-}"
n=$(sed -n '/^\.TP/{n;p}' "$t/options" | grep -o -- '\\-\\-[a-z]' | wc -l)
[ "$n" -ge 25 ] || fail "only $n options"

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
