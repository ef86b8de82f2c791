#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# docs/output.md's table of the per-container figures and its table of
# their OTLP attributes, and docs/lazy.md's of the FUSE use's, are the
# ones tests/figures_doc.c prints from
# user/model/figures.h's rows (the lines between their markers); --write
# puts them there.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tests/doc_table.sh
. tests/doc_table.sh
page=docs/output.md
begin='<!-- figures.h: begin (tests/figures.sh --write) -->'
end='<!-- figures.h: end -->'
obegin='<!-- figures.h otlp: begin (tests/figures.sh --write) -->'
oend='<!-- figures.h otlp: end -->'
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

"${CC:-cc}" -std=gnu11 -Wall -Werror -Iuser/model -Iinclude -Iuser/lib \
	-o "$t/doc" tests/figures_doc.c user/model/figures.c \
	user/model/container.c user/model/engines.c
"$t/doc" >"$t/table"
"$t/doc" otlp >"$t/otlp"
"$t/doc" fuse >"$t/fuse"
# doc_table exits after a --write: each in a subshell of its own
(doc_table figures "$page" "$begin" "$end" "$t/table" "${1:-}")
(doc_table figures "$page" "$obegin" "$oend" "$t/otlp" "${1:-}")
(doc_table figures docs/lazy.md '<!-- figures.h fuse: begin (tests/figures.sh --write) -->' \
	'<!-- figures.h fuse: end -->' "$t/fuse" "${1:-}")
echo "figures: ok ($(($(wc -l <"$t/table") - 2)) rows, FUSE $(($(wc -l <"$t/fuse") - 2)))"
