#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# docs/output.md's table of the session's counters and losses, and the
# man page's entries of their metrics.prom families, are the ones
# tests/counters_doc.c prints from user/model/counters.h's rows (the
# lines between their markers); --write puts them there.  Every row is in
# a replay's summary.json, and every row metrics.prom says is in its
# metrics.prom and in docs/metrics.md's table of families.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tests/doc_table.sh
. tests/doc_table.sh
page=docs/output.md
begin='<!-- counters.h: begin (tests/counters.sh --write) -->'
end='<!-- counters.h: end -->'
fail() { echo "FAIL: counters: $*"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

"${CC:-cc}" -std=gnu11 -Wall -Werror -Iuser/model -Iinclude -o "$t/doc" \
	tests/counters_doc.c
"$t/doc" >"$t/table"
"$t/doc" man >"$t/man"
# the man page's entries of the rows' families (a subshell: --write
# goes on to the next)
(doc_table counters docs/man/coldtrace.8 \
	".\\\" counters.h: begin (tests/counters.sh --write)" \
	".\\\" counters.h: end" "$t/man" "${1:-}")
doc_table counters "$page" "$begin" "$end" "$t/table" "${1:-}"
# the rows' families, "`coldtrace_..._total`" in the table's 4th column
awk -F' [|] ' 'NR > 2 { print $4 }' "$t/table" | grep -o 'coldtrace_[a-z_]*' >"$t/families"
while read -r m; do
	grep -qF -- "\`$m\`" docs/metrics.md || fail "$m is not in docs/metrics.md"
done <"$t/families"
./coldtrace --replay tests/fixtures/docker-runc.ctrec -o "$t/o" >/dev/null 2>&1
awk -F' [|] ' 'NR > 2 { print $1 }' "$t/table" | tr -d '|` ' >"$t/keys"
while read -r k; do
	grep -qF -- "\"$k\":" "$t/o/summary.json" || fail "summary.json lacks $k"
done <"$t/keys"
while read -r m; do
	grep -qx -- "# TYPE $m [a-z]*" "$t/o/metrics.prom" ||
		fail "metrics.prom lacks $m"
done <"$t/families"
echo "counters: ok ($(($(wc -l <"$t/table") - 2)) rows)"
