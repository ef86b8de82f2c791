# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# Sourced by tests/counters.sh and tests/figures.sh: a page's table made
# from a header's rows, between two marker lines of the page.
#
# doc_table NAME PAGE BEGIN END TABLE [--write]: with --write, puts
# TABLE's lines between PAGE's lines BEGIN and END and exits; else fails
# (exit 1) unless they are there already.
doc_table() {
	local name=$1 page=$2 b=$3 e=$4 table=$5 new
	new=$(mktemp)
	grep -qxF -- "$b" "$page" || { echo "FAIL: $name: $page has no '$b'"; exit 1; }
	grep -qxF -- "$e" "$page" || { echo "FAIL: $name: $page has no '$e'"; exit 1; }
	# the page with the table between the markers replaced by the rows'
	# (through the environment: awk -v would read a roff marker's '\"')
	DT_B=$b DT_E=$e DT_F=$table awk '
		$0 == ENVIRON["DT_B"] {
			print
			while ((getline l < ENVIRON["DT_F"]) > 0) print l
			skip = 1
			next
		}
		$0 == ENVIRON["DT_E"] { skip = 0 }
		!skip' "$page" >"$new"
	if [ "${6:-}" = --write ]; then
		cp "$new" "$page"
		rm -f "$new"
		exit 0
	fi
	if ! cmp -s "$new" "$page"; then
		echo "FAIL: $name: $page's table is not the rows': tests/$name.sh --write; $(diff "$page" "$new" | head -5)"
		rm -f "$new"
		exit 1
	fi
	rm -f "$new"
}
