#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The prepare phase (issue 10, docs/phases.md): dockerd's creation of a
# container before the shim, and ctr's container record + snapshot.
#  - docker: prepare present and > 0; the first phase starts no later
#    than docker's own `create` event (streamed live: `docker events`
#    replays only its last 256 events); total_ns against the wall clock
#    of `docker run`, one container and six at once;
#  - ctr run: prepare present and > 0, before attach.
. "$(dirname "$0")/lib.sh"

docker events --filter event=create --format '{{json .}}' >"$T/events" &
evpid=$!
cleanup_events() { kill "$evpid" 2>/dev/null || true; cleanup_test; }
trap cleanup_events EXIT
sleep 0.3

# one `docker run` per index, each stamped with its own wall clock
RUNS='for i in $(seq "$1"); do
	( t0=$(date +%s%N)
	  docker run --rm --network none --cidfile "$2/cid.$i" "$3" true
	  echo "$i $t0 $(date +%s%N)" >>"$2/wall" ) &
done; wait'

check_runs() {	# N MIN_PERCENT
	local n=$1 min=$2 i t0 t1 id r first created total pct
	for i in $(seq "$n"); do
		read -r _ t0 t1 < <(awk -v i="$i" '$1 == i' "$T/wall")
		id=$(cat "$T/cid.$i")
		r=$(records | jq -c --arg id "$id" 'select(.id == $id)')
		[ -n "$r" ] || { show_output; fail "no record for $id"; }
		jq -e '.phases.prepare.dur_ns > 0' <<<"$r" >/dev/null ||
			fail "$id: no prepare phase"
		first=$(jq -r '.start_ns' <<<"$r")
		created=$(jq -r --arg id "$id" 'select(.id == $id) | .timeNano' \
			"$T/events" | head -1)
		[ -n "$created" ] || fail "$id: docker sent no create event"
		[ "$first" -le "$created" ] ||
			fail "$id: first phase $(((first - created) / 1000)) us after docker's create event"
		total=$(jq -r '.total_ns' <<<"$r")
		pct=$((total * 100 / (t1 - t0)))
		note "$n at once: #$i prepare $(jq -r '.phases.prepare.dur_ns / 1e6 | floor' <<<"$r") ms," \
			"$(((created - first) / 1000000)) ms before docker's create event," \
			"total $((total / 1000000)) of $(((t1 - t0) / 1000000)) ms ($pct %)"
		[ "$pct" -ge "$min" ] || fail "$id: total_ns is $pct % of the wall clock"
	done
}

run_ct -j -- sh -c "$RUNS" sh 1 "$T" "$CT_IMAGE"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
check_runs 1 85
rm -f "$T"/cid.* "$T/wall"
run_ct -j -- sh -c "$RUNS" sh 6 "$T" "$CT_IMAGE"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
check_runs 6 80

run_ct -j -- ctr --address "$CONTAINERD_ADDRESS" -n default run --rm \
	"$CT_CTR_IMAGE" ct-prepare-$$ true
[ "$CT_RC" -eq 0 ] || { show_output; fail "ctr run: coldtrace exited $CT_RC"; }
r=$(records | jq -c --arg id "ct-prepare-$$" 'select(.id == $id)')
note "ctr run: $(jq -c '{prepare: .phases.prepare.dur_ns, total_ns}' <<<"$r")"
# jq computes in doubles: wall-clock ns are exact to ~256 ns only
jq -e '.phases.prepare.dur_ns > 0 and
	(.phases.prepare.start_ns + .phases.prepare.dur_ns
	 - .phases.attach.start_ns | fabs) < 1000' \
	<<<"$r" >/dev/null || fail "ctr run: no prepare phase before attach"
