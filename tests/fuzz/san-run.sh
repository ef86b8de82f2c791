#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Run a sanitized program (make test-san's unit tests) and fail on any
# sanitizer report, not only on its exit status: Criterion counts a test
# whose worker LeakSanitizer stopped at exit as passed, with a warning.
#
#   tests/fuzz/san-run.sh COMMAND [ARG...]
set -uo pipefail

log=$(mktemp "${TMPDIR:-/tmp}/ct-san-run.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT

"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
if grep -Eq 'ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:|(crashed|exited) during its setup or teardown' "$log"; then
	echo "san-run: a sanitizer report above: failing" >&2
	[ "$rc" -ne 0 ] || rc=1
fi
exit "$rc"
