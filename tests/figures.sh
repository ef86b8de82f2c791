#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# docs/output.md's table of the per-container figures is the one
# tests/figures_doc.c prints from user/model/figures.h's rows (the lines
# between its markers); --write puts it there.
set -euo pipefail
cd "$(dirname "$0")/.."
page=docs/output.md
begin='<!-- figures.h: begin (tests/figures.sh --write) -->'
end='<!-- figures.h: end -->'
fail() { echo "FAIL: figures: $*"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

"${CC:-cc}" -std=gnu11 -Wall -Werror -Iuser/model -Iinclude -Iuser/lib \
	-o "$t/doc" tests/figures_doc.c user/model/figures.c \
	user/model/container.c user/model/engines.c
"$t/doc" >"$t/table"
grep -qxF -- "$begin" "$page" || fail "$page has no '$begin'"
grep -qxF -- "$end" "$page" || fail "$page has no '$end'"
awk -v b="$begin" -v e="$end" -v f="$t/table" '
	$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
	$0 == e { skip = 0 }
	!skip' "$page" >"$t/page"
if [ "${1:-}" = --write ]; then
	cp "$t/page" "$page"
	exit 0
fi
cmp -s "$t/page" "$page" ||
	fail "$page's table is not figures.h's: tests/figures.sh --write; $(diff "$page" "$t/page" | head -5)"
echo "figures: ok ($(($(wc -l <"$t/table") - 2)) rows)"
