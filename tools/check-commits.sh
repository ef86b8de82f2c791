#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Kernel-style commit messages, from the first commit that kept the rule
# on: a subject of at most 72 characters, then an empty line before any
# body.  The earlier commits are left as they are (tools/README.md
# "Commits").  Run by .ci/run; needs the history since BASE (a shallow
# clone does not have it: `git fetch --unshallow`).
#
# Usage: tools/check-commits.sh [REV]   (default HEAD)
# Exit: 0 all kept the rule, 1 some did not (listed), 2 no such history.
set -uo pipefail

# the last commit whose subject was longer than 72 characters
BASE=ab4136f
MAX=72

cd "$(dirname "$0")/.." || exit 2
rev=${1:-HEAD}
git rev-parse -q --verify "$BASE^{commit}" >/dev/null || {
	echo "check-commits: $BASE is not in this clone's history" >&2
	exit 2
}
git merge-base --is-ancestor "$BASE" "$rev" || {
	echo "check-commits: $BASE is not an ancestor of $rev" >&2
	exit 2
}
bad=0
n=0
while read -r c; do
	n=$((n + 1))
	subject=$(git log -1 --format=%s "$c")
	second=$(git log -1 --format=%B "$c" | sed -n 2p)
	if [ ${#subject} -gt $MAX ]; then
		echo "check-commits: $c: subject of ${#subject} characters: $subject"
		bad=$((bad + 1))
	elif [ -n "$second" ]; then
		echo "check-commits: $c: no empty line after the subject"
		bad=$((bad + 1))
	fi
done < <(git rev-list "$BASE..$rev")
if [ "$bad" -gt 0 ]; then
	echo "check-commits: $bad of $n commits after $BASE break the rule" >&2
	exit 1
fi
echo "check-commits: $n commits after $BASE: subjects <= $MAX characters"
