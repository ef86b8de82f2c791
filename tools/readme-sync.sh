#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The example outputs of the README and of the docs pages that took
# its longer examples (PAGES) are real: each block between
#   <!-- generated: NAME -->  and  <!-- end generated -->
# is what a command prints now (coldtrace's --usage, the replay of a
# recorded session in tests/fixtures/), so that no page can go stale.
# Rewrite them, or check them (the `readme` integration test).
#   tools/readme-sync.sh [--check] [COLDTRACE]   (default ./coldtrace)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
CT=${1:-$TOP/coldtrace}
[ -x "$CT" ] || { echo "readme-sync: build first (make), or name the binary" >&2; exit 1; }
command -v jq >/dev/null || { echo "readme-sync: needs jq" >&2; exit 1; }
FIX=$TOP/tests/fixtures
PAGES=(README.md docs/compare.md docs/why.md)

# Each block: a fenced command's output, run from the top directory.
block_usage() {
	"$CT" --usage
}
block_demo() {
	"$CT" --replay "$FIX/demo.ctrec"
}
# --why's split and wait sites of a runc run whose hook sleeps 0.3 s.
block_why() {
	"$CT" --replay "$FIX/runc-hook-waits.ctrec" --why |
		sed -n '/^ID /,/^  run /p; /^look at: /p'
}
# One record of `-j`, its main keys (the full record: docs/output.md).
block_json() {
	"$CT" --replay "$FIX/docker-exit3.ctrec" -j | jq -c 'select(.type ==
		"container") | {id: .id[0:12], runtime, engine, complete,
		exit_code, total_ns, cold_start_ns,
		phases: (.phases | map_values(.dur_ns)),
		opens: (.opens | {count, failed, p50_ns, p99_ns}),
		client: (.client | {comm, pid})}'
}

# `coldtrace compare`: runc's docker cold starts against runsc's (the
# restart experiment's no-load runs, kept in tests/fixtures/compare/),
# the verdict's first lines.
block_compare() {
	"$CT" compare --by runtime "$FIX/compare/runc-none.jsonl" \
		"$FIX/compare/runsc-none.jsonl" | sed -n '4,10p'
	echo "  ..."
}
# Print page $1 with every generated block replaced.
render() {
	local line name out
	while IFS= read -r line; do
		case "$line" in
		'<!-- generated: '*' -->')
			printf '%s\n' "$line"
			name=${line#'<!-- generated: '}
			name=${name%' -->'}
			declare -F "block_$name" >/dev/null ||
				{ echo "readme-sync: no block named $name" >&2; return 1; }
			out=$(cd "$TOP" && "block_$name")
			printf '```\n%s\n```\n' "$out"
			while IFS= read -r line && [ "$line" != '<!-- end generated -->' ]; do :; done
			[ "$line" = '<!-- end generated -->' ] ||
				{ echo "readme-sync: block $name has no end" >&2; return 1; }
			printf '%s\n' "$line"
			;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$TOP/$1"
}

new=$(mktemp)
trap 'rm -f "$new"' EXIT
stale=0
for page in "${PAGES[@]}"; do
	render "$page" >"$new"
	if [ $check = 0 ]; then
		cat "$new" >"$TOP/$page"
	elif ! diff -u "$TOP/$page" "$new"; then
		echo "readme-sync: $page's generated blocks are stale: run tools/readme-sync.sh" >&2
		stale=1
	fi
done
[ $check = 1 ] || exit 0
[ $stale = 0 ] || exit 1
echo "readme-sync: the generated blocks of ${PAGES[*]} are current"
