#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Second generations of one container id (docs/phases.md "prepare",
# restarts), under coldtrace -j -o DIR, each client's wall clock stamped
# and docker's events streamed live:
#  - `docker run` of a container that exits, 1 s later `docker start -a`
#    of it;
#  - `docker run -d` of a service, 1 s later `docker restart` of it.
# Each generation's record: its client is the one that started it
# (argv), its prepare begins at or after that client's exec and never
# before the previous generation ended, its first phase after the stamp
# taken before the client's exec, its cold start over before the client
# returned, its runtime's start no later than docker's `start` event of
# it (the program's exec may come a few ms after that event).  restarts.jsonl pairs both ids (same_id): the start's window from
# its request, the restart's from the old pid 1's exit (after the
# `docker restart` stamp, no later than docker's `die` event), both
# over inside the client's call.
. "$(dirname "$0")/lib.sh"

stream_events --filter event=start --filter event=die

# A service that exits at once on SIGTERM (pid 1 has no default action
# for it), so that `docker restart` does not wait for its 10 s timeout.
svc='trap "exit 0" TERM; while :; do sleep 1 & wait $!; done'
# stamp K CMD...: CMD's wall clock in $T/t0.K, $T/t1.K
# shellcheck disable=SC2016 # expanded by the inner sh
CMDS='d=$1 img=$2 svc=$3
stamp() { k=$1; shift; date +%s%N >"$d/t0.$k"; "$@"; r=$?
	date +%s%N >"$d/t1.$k"; return $r; }
stamp run1 docker run --network none --name "ct-gen-s-$$" --cidfile "$d/cid.s" \
	"$img" true || exit 1
sleep 1
stamp start docker start -a "$(cat "$d/cid.s")" || exit 1
stamp run2 docker run -d --network none --name "ct-gen-r-$$" \
	--cidfile "$d/cid.r" "$img" sh -c "$svc" >/dev/null || exit 1
sleep 1
stamp restart docker restart "$(cat "$d/cid.r")" >/dev/null || exit 1
sleep 0.5
docker rm -f "$(cat "$d/cid.s")" "$(cat "$d/cid.r")" >/dev/null'

run_ct -j -o "$T/o" -- sh -c "$CMDS" sh "$T" "$CT_IMAGE" "$svc"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace or the commands failed (status $CT_RC)"; }
sleep 0.3

# docker's N-th event ACTION of ID, ns
event_ns() {
	jq -r --arg id "$1" --arg a "$2" 'select(.id == $id and
		.Action == $a) | .timeNano' "$T/events" | sed -n "$3p"
}

# gen ID N: generation N's record (by start)
gen() {
	records | jq -c --arg id "$1" 'select(.id == $id)' |
		jq -sc 'sort_by(.start_ns) | .['"$(($2 - 1))"']'
}

# check_gen ID N K VERB: generation N of ID was started by `docker VERB`
# stamped K
check_gen() {
	local id=$1 n=$2 k=$3 verb=$4 r t0 t1 ev prev
	r=$(gen "$id" "$n")
	[ "$r" != null ] || { show_output; fail "$id: no record of generation $n"; }
	t0=$(cat "$T/t0.$k")
	t1=$(cat "$T/t1.$k")
	ev=$(event_ns "$id" start "$n")
	[ -n "$ev" ] || fail "$id: docker sent no start event #$n"
	prev=0
	[ "$n" -eq 1 ] || prev=$(gen "$id" $((n - 1)) | jq -r '.start_ns + .total_ns')
	jq -e --arg v "$verb" '.client.argv[0] == "docker" and
		.client.argv[1] == $v' <<<"$r" >/dev/null ||
		fail "$id #$n: client is not docker $verb: $(jq -c .client.argv <<<"$r")"
	# jq computes in doubles: wall-clock ns are exact to ~256 ns only,
	# and $prev is a sum of two of them (docker restart's prepare begins
	# exactly where the previous record ended): 1 us of slack there
	jq -e --argjson t0 "$t0" --argjson t1 "$t1" --argjson ev "$ev" \
		--argjson prev "$prev" '.phases.prepare.dur_ns > 0 and
		.phases.prepare.start_ns >= .client.exec_ns and
		.phases.prepare.start_ns >= $prev - 1000 and
		.start_ns == .phases.prepare.start_ns and
		.start_ns >= $t0 and .start_ns + .cold_start_ns <= $t1 and
		.phases.start.start_ns <= $ev' <<<"$r" >/dev/null ||
		fail "$id #$n (docker $verb): $(jq -c --argjson t0 "$t0" \
			--argjson t1 "$t1" --argjson ev "$ev" '{
			from_stamp_ms: ((.start_ns - $t0) / 1e6),
			cold_end_before_return_ms:
				(($t1 - .start_ns - .cold_start_ns) / 1e6),
			start_before_start_event_ms:
				(($ev - .phases.start.start_ns) / 1e6),
			prepare: .phases.prepare, exec: .client.exec_ns}' <<<"$r")"
	note "docker $verb: prepare $(jq -r '.phases.prepare.dur_ns / 1e6 | floor' <<<"$r") ms," \
		"cold start $(jq -r '.cold_start_ns / 1e6 | floor' <<<"$r") ms" \
		"of the client's $(((t1 - t0) / 1000000)) ms"
}

# check_pair ID K FROM: the restart of ID inside client K's call;
# FROM: "request" (the new client's exec) or "exit" (the old pid 1's)
check_pair() {
	local id=$1 k=$2 from=$3 p t0 t1 die new
	p=$(jq -c --arg id "$id" 'select(.type == "restart" and
		.new_id == $id)' "$T/o/restarts.jsonl")
	if [ -z "$p" ] || [ "$(grep -c . <<<"$p")" -ne 1 ]; then
		cat "$T/o/restarts.jsonl" >&2
		fail "$id: not paired once in restarts.jsonl"
	fi
	t0=$(cat "$T/t0.$k")
	t1=$(cat "$T/t1.$k")
	new=$(gen "$id" 2)
	jq -e --arg id "$id" --argjson t0 "$t0" --argjson t1 "$t1" \
		'.old_id == $id and .same_id and .runtime == "runc" and
		.dur_ns > 0 and .start_ns + .dur_ns <= $t1' <<<"$p" >/dev/null ||
		fail "$id: restart $p not inside its client's call"
	if [ "$from" = request ]; then
		jq -e --argjson s "$(jq '.client.exec_ns' <<<"$new")" \
			'.start_ns == $s' <<<"$p" >/dev/null ||
			fail "$id: restart $p does not start at docker start's exec"
	else
		die=$(event_ns "$id" die 1)
		[ -n "$die" ] || fail "$id: docker sent no die event"
		jq -e --argjson t0 "$t0" --argjson die "$die" \
			'.start_ns >= $t0 and .start_ns <= $die' <<<"$p" >/dev/null ||
			fail "$id: restart $p does not start at the old exit ($t0 .. $die)"
	fi
	note "$id: restart $(jq -r '.dur_ns / 1e6 | floor' <<<"$p") ms from the $from"
}

ids=$(cat "$T/cid.s")
idr=$(cat "$T/cid.r")
check_gen "$ids" 1 run1 run
check_gen "$ids" 2 start start
check_gen "$idr" 1 run2 run
check_gen "$idr" 2 restart restart
check_pair "$ids" start request
check_pair "$idr" restart exit
