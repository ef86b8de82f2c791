#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# A full map refuses, and says so.  With tracked holding one container
# (CT_TEST_TRACKED_MAX=1, a knob for tests only: user/kern/opens_bpf.c),
# a container started while another runs finds it full: its insert is
# refused and counted (map_full_inserts, coldtrace_map_full_inserts_total
# {map="tracked"}: the same number), and its record says its opens are
# unobservable because a BPF map was full, not a count of 0, while it
# made ITER opens.  The one that held the entry (ours, unless another
# harness's container took it first: then ours is refused too) keeps
# its exact count: a hash does not evict it as the LRU did.
. "$(dirname "$0")/lib.sh"

ITER=200
LOOP="for i in \$(seq $ITER); do cat /etc/hostname >/dev/null; done"

CT_RC=0
# shellcheck disable=SC2016 # expanded by the traced shell
CT_TEST_TRACKED_MAX=1 timeout -k 5 "$CT_TIMEOUT" "$COLDTRACE" -j -o "$T/o" -- \
	sh -c 'docker run -d --network none --cidfile "$1/cid.a" "$2" \
			sh -c "$3; exec sleep 60" >/dev/null &&
		sleep 2 &&
		docker run --rm --network none --cidfile "$1/cid.b" "$2" \
			sh -c "$3" &&
		docker rm -f "$(cat "$1/cid.a")" >/dev/null' \
	sh "$T" "$CT_IMAGE" "$LOOP" >"$T/out" 2>"$T/err" || CT_RC=$?
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }

rec() { records | jq -c --arg id "$(cat "$T/$1")" 'select(.id == $id)'; }
a=$(rec cid.a)
b=$(rec cid.b)
[ -n "$a" ] && [ -n "$b" ] || { show_output; fail "records of a and b missing"; }
note "a: $(jq -c .opens <<<"$a" | cut -c1-120)"
note "b: $(jq -c .opens <<<"$b" | cut -c1-120)"
jq -e '.opens.unobservable == true and
	(.opens.reason | startswith("a BPF map was full")) and
	(.opens | has("count") | not)' <<<"$b" >/dev/null ||
	fail "b: opens not said unobservable for a full map"
# a: its opens whole (2 per iteration, and its shell's), or refused too
jq -e --argjson n $((2 * ITER)) '.opens.count >= $n and .opens.count <= $n + 10
	or (.opens.reason // "" | startswith("a BPF map was full"))' <<<"$a" \
	>/dev/null || fail "a: neither its opens nor a refusal"

full=$(jq -r 'select(.type == "summary") | .map_full_inserts' "$T/out")
prom=$(sed -n 's/^coldtrace_map_full_inserts_total{map="tracked"} //p' \
	"$T/o/metrics.prom")
note "map_full_inserts $full, /metrics tracked $prom"
[ "$full" -ge 1 ] 2>/dev/null || fail "map_full_inserts: '$full' (want >= 1)"
[ "$prom" = "$full" ] || fail "metrics.prom's tracked $prom, the summary's $full"
