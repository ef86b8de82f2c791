#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Run the replay fuzzer (make fuzz-run): seeds are the recordings (*.ctrec,
# *.ctrec.gz) of the SEED dirs, new inputs go to OUT/corpus, a crashing
# input to tests/fuzz/crashes/.  Exits non-zero on any crash, leak,
# timeout or out-of-memory.
#
#   tests/fuzz/run.sh FUZZER OUT SEED_DIR... -- LIBFUZZER_ARG...
set -euo pipefail
shopt -s nullglob

fuzzer=$1
out=$2
shift 2
seeds=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	seeds+=("$1")
	shift
done
[ $# -gt 0 ] && shift
crashes=$(cd "$(dirname "$0")" && pwd)/crashes

# Seeds are copied afresh: a recording removed from the tree leaves.
rm -rf "$out/seeds"
mkdir -p "$out/seeds" "$out/corpus" "$crashes"
for d in "${seeds[@]}"; do
	for f in "$d"/*.ctrec "$d"/*.ctrec.gz; do
		case $f in
		*.gz) gzip -dc "$f" >"$out/seeds/$(basename "$f" .gz)" ;;
		*) install -m 0644 "$f" "$out/seeds/" ;;
		esac
	done
done

# The session speaks on stdout and stderr for every input (rows, errors
# of a bad recording): -close_fd_mask=3 silences it; libFuzzer and the
# sanitizers keep a stderr of their own for their reports.
rc=0
"$fuzzer" -artifact_prefix="$crashes/" -timeout=10 -print_final_stats=1 \
	-close_fd_mask=3 "$@" "$out/corpus" "$out/seeds" || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "fuzz: failed (exit $rc); the input is in $crashes/," \
		"reproduce with: $fuzzer FILE" >&2
fi
exit "$rc"
