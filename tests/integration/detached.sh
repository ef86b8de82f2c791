#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Scenarios a node meets, under one detached coldtrace as the systemd
# unit and the DaemonSet run it (detached_lib.sh: continuous, default
# --arm=auto, --listen, -o DIR, idle verified by bpftool before each
# scenario).  Usage: detached.sh SCENARIO...  Each record is checked
# against docker's own events (streamed live) and the wall clock:
#
# run-d        `docker run -d` of a service that listens at once, removed
#              later by `docker rm -f`: named by its --name, not by its
#              label called Name; every phase from create to destroy,
#              inside docker's create..destroy events, ready after
#              start, not unarmed;
# late-listen  a service that listens 45 s after its program began, when
#              the hooks have long been detached (idle seen by bpftool
#              before the listen): its ready is that listen, between
#              run's start + 45 s and the first connect that succeeded
#              from the host (polled every 50 ms in its netns); its
#              opens say they were cut before it (no before_ready).
# restart      `docker run -d --restart on-failure:2` of a program that
#              fails after 2 s, nobody's client after the first: three
#              generations, each once, each die at docker's die event.
# crash-loop   `docker run -d --restart on-failure:4` of a program that
#              exits 3 at once: five generations a back-off apart, each
#              once, exit code 3, complete, none expired.
# At the end /metrics passes promtool, and the final -o DIR's
# metrics.prom counts every container of containers.jsonl once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detached_lib.sh"

# ns since the epoch -> ms, for notes
ms() { echo $((($1) / 1000000)); }

# Whether $2 (ns) lies within [$1 - $4, $3 + $4] (slack $4 ns).
within() {	# LO X HI SLACK
	[ "$2" -ge $(($1 - $4)) ] && [ "$2" -le $(($3 + $4)) ]
}

# Phase $2's start and end (wall ns) of record $1: "START END".
phase() {	# JSON PHASE
	jq -r --arg p "$2" '.phases[$p] | "\(.start_ns) \(.start_ns + .dur_ns)"' <<<"$1"
}

sc_run_d() {
	local id r t_create t_start t_destroy rs re
	# a label called Name is no name (config.v2.json has Labels first)
	docker run -d --network none --cidfile "$T/cid.rund" \
		--name "ct-rund-$$" --label Name=not-the-name "$CT_IMAGE" \
		httpd -f -p 8080 >/dev/null || fail "run-d: docker run -d failed"
	id=$(cat "$T/cid.rund")
	sleep 3
	docker rm -f "$id" >/dev/null || fail "run-d: docker rm -f failed"
	r=$(dt_record "$id")
	t_create=$(dt_event_ns "$id" create)
	t_start=$(dt_event_ns "$id" start)
	t_destroy=$(dt_event_ns "$id" destroy)
	[ -n "$t_create" ] && [ -n "$t_destroy" ] ||
		fail "run-d: docker events lack create or destroy of $id"
	note "run-d: $(jq -c '{complete, unarmed, phases: (.phases | keys)}' <<<"$r")"
	jq -e '.complete == true and (.unarmed // false) == false' <<<"$r" >/dev/null ||
		fail "run-d: incomplete or unarmed: $r"
	jq -e --arg n "ct-rund-$$" '.name == $n' <<<"$r" >/dev/null ||
		fail "run-d: named $(jq .name <<<"$r"), not its --name ct-rund-$$"
	for p in prepare create start run ready die disconnect destroy; do
		jq -e --arg p "$p" '.phases[$p]' <<<"$r" >/dev/null ||
			fail "run-d: no $p phase: $(jq -c '.phases | keys' <<<"$r")"
	done
	# docker's create event comes after prepare (its creation) began,
	# its destroy event ends destroy (dockerd's removal); 50 ms slack
	read -r rs re <<<"$(phase "$r" prepare)"
	[ "$rs" -le "$t_create" ] || fail "run-d: prepare began $(ms $((rs - t_create))) ms after docker's create event"
	read -r rs re <<<"$(phase "$r" destroy)"
	within "$t_create" "$re" "$t_destroy" 50000000 ||
		fail "run-d: destroy ended $(ms $((re - t_destroy))) ms from docker's destroy event"
	read -r rs re <<<"$(phase "$r" ready)"
	[ "$rs" -ge "$t_create" ] && [ "$re" -le $((t_start + 3000000000)) ] ||
		fail "run-d: ready [$rs, $re] not between create and start + 3 s"
}

sc_late_listen() {
	local id pid r t_idle t_up rs re run_s
	docker run -d --network none --cidfile "$T/cid.late" "$CT_IMAGE" \
		sh -c 'sleep 45; exec httpd -f -p 8080' >/dev/null ||
		fail "late-listen: docker run -d failed"
	id=$(cat "$T/cid.late")
	pid=$(docker inspect -f '{{.State.Pid}}' "$id")
	dt_wait_idle
	t_idle=$(date +%s%N)
	# the first connect that succeeds from inside its netns
	while :; do
		kill -0 "$pid" 2>/dev/null || fail "late-listen: the service died"
		nsenter -t "$pid" -n bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080' \
			2>/dev/null && break
		sleep 0.05
	done
	t_up=$(date +%s%N)
	docker rm -f "$id" >/dev/null || fail "late-listen: docker rm -f failed"
	r=$(dt_record "$id")
	note "late-listen: $(jq -c '{complete, opens: {traced_until_ns: .opens.traced_until_ns, before_ready: .opens.before_ready}, phases: (.phases | keys)}' <<<"$r")"
	read -r run_s _ <<<"$(phase "$r" run)"
	[ "$t_idle" -lt $((run_s + 45000000000)) ] ||
		fail "late-listen: idle only $(ms $((t_idle - run_s))) ms after its program began: not a detached listen"
	jq -e '.phases.ready' <<<"$r" >/dev/null ||
		fail "late-listen: no ready phase (its listen came $(ms $((t_up - run_s))) ms after its program began)"
	read -r rs re <<<"$(phase "$r" ready)"
	[ "$re" -ge $((run_s + 45000000000)) ] ||
		fail "late-listen: ready ended $(ms $((re - run_s))) ms after run began, before its 45 s sleep"
	[ "$re" -le $((t_up + 5000000)) ] ||
		fail "late-listen: ready ended $(ms $((re - t_up))) ms after a connect succeeded"
	jq -e '.opens.traced_until_ns < (.phases.ready.start_ns + .phases.ready.dur_ns)
		and (.opens | has("before_ready") | not)' <<<"$r" >/dev/null ||
		fail "late-listen: opens not said to be cut before the ready"
	note "late-listen: ready $(ms $((re - run_s))) ms after its program began, $(ms $((t_up - re))) ms before the host's first connect; idle $(ms $((t_idle - run_s))) ms after it began"
}

# `docker run -d --restart on-failure:$2` of `sh -c $3` (its cidfile
# $T/cid.$1) until docker gave up (exited after $2 restarts), then
# removed and its last record out; its id into $T/cid.$1.
policy_run() {	# NAME RESTARTS CMD
	local id
	docker run -d --network none --restart "on-failure:$2" \
		--cidfile "$T/cid.$1" "$CT_IMAGE" sh -c "$3" >/dev/null ||
		fail "$1: docker run -d failed"
	id=$(cat "$T/cid.$1")
	for _ in $(seq 300); do
		[ "$(docker inspect -f '{{.State.Status}} {{.RestartCount}}' "$id")" = "exited $2" ] && break
		sleep 0.2
	done
	[ "$(docker inspect -f '{{.State.Status}} {{.RestartCount}}' "$id")" = "exited $2" ] ||
		fail "$1: docker did not restart it $2 times"
	docker rm "$id" >/dev/null || fail "$1: docker rm failed"
	dt_record "$id" >/dev/null
	sleep 2
}

sc_restart() {
	local id n k r rs re t_start t_die
	policy_run restart 2 'sleep 2; exit 1'
	id=$(cat "$T/cid.restart")
	n=$(jq -c --arg id "$id" 'select(.type == "container" and .id == $id)' "$T/out" | wc -l)
	[ "$n" = 3 ] || fail "restart: $n records of its 3 generations"
	for k in 1 2 3; do
		r=$(jq -c --arg id "$id" 'select(.type == "container" and .id == $id)' "$T/out" | sed -n "${k}p")
		t_start=$(dt_event_ns "$id" start "$k")
		t_die=$(dt_event_ns "$id" die "$k")
		note "restart $k: $(jq -c '{complete, unarmed, exit_code, phases: (.phases | keys)}' <<<"$r")"
		jq -e '.exit_code == 1 and .phases.run and .phases.die' <<<"$r" >/dev/null ||
			fail "restart $k: no run, no die, or exit code not 1: $r"
		# pid 1's exit ends run: after docker's start event of this
		# generation (sent once the runtime's start returned, after
		# the program's exec), before its die event (sent once dockerd
		# heard of the exit), and not more than 1 s before it
		read -r rs re <<<"$(phase "$r" run)"
		within "$t_start" "$re" "$t_die" 0 &&
			[ "$re" -ge $((t_die - 1000000000)) ] ||
			fail "restart $k: run ended $(ms $((re - t_start))) ms after docker's start event, $(ms $((t_die - re))) ms before its die event"
		note "restart $k: run ended $(ms $((t_die - re))) ms before docker's die event"
	done
}

sc_crash_loop() {
	local id n
	policy_run crash 4 'exit 3'
	id=$(cat "$T/cid.crash")
	n=$(jq -c --arg id "$id" 'select(.type == "container" and .id == $id)' "$T/out" | wc -l)
	[ "$n" = "$(dt_event_count "$id" start)" ] && [ "$n" = 5 ] ||
		fail "crash-loop: $n records, docker started it $(dt_event_count "$id" start) times"
	jq -s -e --arg id "$id" '[.[] | select(.type == "container" and .id == $id)] |
		all(.complete and .exit_code == 3 and .phases.run and .phases.die)' \
		"$T/out" >/dev/null ||
		fail "crash-loop: a generation incomplete, or not exit code 3"
	note "crash-loop: 5 generations, 5 records, complete"
}

[ $# -gt 0 ] || fail "usage: detached.sh SCENARIO..."
stream_events
dt_start
for sc in "$@"; do
	dt_wait_idle
	note "idle; scenario $sc"
	"sc_${sc//-/_}"
done
curl -s "$DT_URL/metrics" >"$T/scrape"
promtool check metrics <"$T/scrape" || fail "/metrics: promtool check metrics"
dt_stop
# The final -o DIR: every container of the session (other people's too,
# on a shared host) counted once by metrics.prom as in containers.jsonl.
jq -e . "$T/dir/summary.json" >/dev/null || fail "summary.json is not JSON"
[ "$(jq .final "$T/dir/summary.json")" = true ] || fail "summary.json not final"
n=$(jq -c 'select(.type == "container")' "$T/dir/containers.jsonl" | wc -l)
m=$(awk '/^coldtrace_containers_total[{ ]/ { s += $NF } END { print s + 0 }' "$T/dir/metrics.prom")
[ "$n" = "$m" ] || fail "containers.jsonl has $n containers, metrics.prom counts $m"
note "$n containers in containers.jsonl and metrics.prom"
