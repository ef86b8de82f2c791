#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Containers already running when coldtrace starts (user/kern/adopt.h): three
# `docker run -d ... sleep` (runc, crun, runsc) started first, then
# coldtrace -j -o DIR runs `docker rm -f` of the three (stamped), with
# docker's events streamed live.  Each has exactly one record: its id,
# runtime, engine docker, exit code 137 (SIGKILL), "partial": "started
# before the session", not complete, no phase of its start (prepare,
# attach, create, start), run from the adoption, die beginning inside
# rm's call and no later than docker's `die` event, destroy ending no
# later than docker's `destroy` event.  summary.json's
# partial_containers and metrics.prom's counter count them (at least:
# other people's containers on this host may stop meanwhile); that no
# statistic does is the unit tests' (test_adopt.c).  A fourth (runc),
# still running at the end by `docker inspect`, has no record and is
# counted in partial_running_containers and its gauge (at least 1).
. "$(dirname "$0")/lib.sh"

RTS="runc crun runsc"
for rt in $RTS; do
	docker run -d --network none --runtime "$rt" --name "ct-adopt-$$-$rt" \
		--cidfile "$T/cid.$rt" "$CT_IMAGE" sleep 600 >/dev/null ||
		fail "docker run -d --runtime $rt failed"
done
docker run -d --network none --runtime runc --name "ct-adopt-$$-kept" \
	--cidfile "$T/cid.kept" "$CT_IMAGE" sleep 600 >/dev/null ||
	fail "docker run -d (kept) failed"
stream_events --filter event=die --filter event=destroy
cleanup_containers() {
	for rt in $RTS kept; do
		[ -s "$T/cid.$rt" ] && docker rm -f "$(cat "$T/cid.$rt")" >/dev/null 2>&1
	done
	cleanup_test
}
trap cleanup_containers EXIT
# their shims and pid 1 began well before the session's tracers
sleep 1

ids=()
for rt in $RTS; do
	ids+=("$(cat "$T/cid.$rt")")
done
run_timed -j -o "$T/o" -- docker rm -f "${ids[@]}"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace or docker rm -f failed (status $CT_RC)"; }
sleep 0.3

# docker's event ACTION of ID, ns
event_ns() {
	jq -r --arg id "$1" --arg a "$2" 'select(.id == $id and
		.Action == $a) | .timeNano' "$T/events" | head -1
}

for rt in $RTS; do
	id=$(cat "$T/cid.$rt")
	n=$(records | jq -c --arg id "$id" 'select(.id == $id)' | grep -c .) || true
	[ "$n" -eq 1 ] || { show_output; fail "$rt: $n records of $id, expected 1"; }
	r=$(records | jq -c --arg id "$id" 'select(.id == $id)')
	died=$(event_ns "$id" die)
	gone=$(event_ns "$id" destroy)
	if [ -z "$died" ] || [ -z "$gone" ]; then
		fail "$rt: docker sent no die or destroy event"
	fi
	# jq computes in doubles: wall-clock ns are exact to ~256 ns only
	jq -e --arg rt "$rt" --argjson t0 "$CMD_START_NS" \
		--argjson t1 "$CMD_END_NS" --argjson died "$died" \
		--argjson gone "$gone" '.runtime == $rt and
		.engine == "docker" and .exit_code == 137 and
		.partial == "started before the session" and
		(.complete | not) and .cold_start_ns == null and
		([.phases | keys[] | select(. == "prepare" or . == "attach" or
			. == "create" or . == "start")] | length) == 0 and
		.phases.run.start_ns < $t0 and
		.phases.die.start_ns >= $t0 and .phases.die.start_ns <= $died and
		.phases.destroy.start_ns + .phases.destroy.dur_ns <= $gone and
		.phases.destroy.start_ns + .phases.destroy.dur_ns <= $t1' \
		<<<"$r" >/dev/null ||
		fail "$rt: $(jq -c --argjson t0 "$CMD_START_NS" '{runtime, engine,
			exit_code, partial, complete, cold_start_ns,
			phases: (.phases | map_values(.start_ns - $t0))}' <<<"$r")" \
			"(ns after docker rm's stamp; die event $((died - CMD_START_NS)), destroy $((gone - CMD_START_NS)))"
	note "$rt: partial record, die $(jq -r '.phases.die.dur_ns / 1e6 | floor' <<<"$r") ms," \
		"destroy $(jq -r '.phases.destroy.dur_ns / 1e6 | floor' <<<"$r") ms"
done
got=$(jq -r '.partial_containers' "$T/o/summary.json")
[ "$got" -ge 3 ] || fail "summary.json partial_containers is $got, expected >= 3"
grep -Eq '^coldtrace_partial_containers_total ([3-9]|[1-9][0-9]+)$' "$T/o/metrics.prom" ||
	fail "metrics.prom: $(grep partial "$T/o/metrics.prom")"
kept=$(cat "$T/cid.kept")
[ "$(docker inspect -f '{{.State.Running}}' "$kept")" = true ] ||
	fail "the kept container is not running"
n=$(records | jq -c --arg id "$kept" 'select(.id == $id)' | grep -c .) || true
[ "$n" -eq 0 ] || fail "the kept container, still running, has $n records"
got=$(jq -r '.partial_running_containers' "$T/o/summary.json")
[ "$got" -ge 1 ] || fail "summary.json partial_running_containers is $got, expected >= 1"
grep -Eq '^coldtrace_containers_partial_running [1-9][0-9]*$' "$T/o/metrics.prom" ||
	fail "metrics.prom: $(grep partial_running "$T/o/metrics.prom")"
note "still running at the end: $got counted, no record"
