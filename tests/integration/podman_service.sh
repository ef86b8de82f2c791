#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Podman's API service (`podman system service`, Podman 4.3, rootful,
# private state: tools/podman-env.sh) driven over its socket with curl,
# as Compose, Quadlet tools and CI runners drive it, under one detached
# default coldtrace (detached_lib.sh: continuous, --arm=auto, idle
# verified by bpftool before the requests): create, start, 1.5 s, then
# DELETE with force.  Nobody's podman client runs: the hooks attach at
# the conmon the service execs.  Checks, against the requests' wall
# clock and podman's own events: exactly one record of the id, engine
# podman, the runtime podman inspect names, complete and armed; attach
# after the start request was sent, podman's start event within start's
# interval; ready (the program listens 0.5 s after its exec) after that
# wait and before the DELETE; destroy ended by the DELETE's reply or
# conmon's exit, whichever came later (conmon's cleanup may outlive the
# reply: docs/phases.md), and not before conmon's exit, the container's
# last process (its exit is stamped by a 5 ms poll of its state: a
# zombie has exited, and the service reaps it late); no
# prepare, and the record says why ("prepare_missing"), counted in
# /metrics and left out of the cold start statistics.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tools/podman-env.sh
. "$TOP/tools/podman-env.sh"
. "$(dirname "$0")/detached_lib.sh"

name=ct-podman-api-$$
svc=

finish() {
	dt_kill
	[ -z "$svc" ] || kill "$svc" 2>/dev/null || true
	podman_env_cleanup
	cleanup_test
}

trap finish EXIT
podman_env_init "$T/podman" || fail "no private Podman"
pmdir=$CT_PODMAN_DIR
sock=$pmdir/api.sock
setsid "${CT_PODMAN_CMD[@]}" system service --time=0 "unix://$sock" \
	>"$T/service.log" 2>&1 &
svc=$!
for _ in $(seq 100); do
	[ -S "$sock" ] && break
	sleep 0.1
done
[ -S "$sock" ] || { cat "$T/service.log" >&2; fail "podman system service made no socket"; }

dt_start
trap finish EXIT	# after dt_start's own trap: ours also stops the service

# One request: its JSON reply on stdout, "SENT REPLIED" (wall ns) on fd 3.
api() {	# METHOD PATH [BODY]
	local t0 out
	t0=$(date +%s%N)
	out=$(curl -sS --fail-with-body --unix-socket "$sock" -X "$1" \
		-H 'Content-Type: application/json' ${3:+-d "$3"} \
		"http://d/v4.0.0/libpod$2") || fail "API $1 $2: $out"
	echo "$t0 $(date +%s%N)" >&3
	echo "$out"
}

body=$(jq -nc --arg img "$CT_PODMAN_IMAGE" --arg n "$name" '{image: $img,
	name: $n, command: ["sh", "-c", "sleep 0.5; exec httpd -f -p 8080"],
	netns: {nsmode: "none"}}')
id=$(api POST /containers/create "$body" 3>"$T/t.create" | jq -r .Id)
[ -n "$id" ] && [ "$id" != null ] || fail "the create request gave no id"
api POST "/containers/$id/start" 3>"$T/t.start" >/dev/null
sleep 1.5
info=$(api GET "/containers/$id/json" 3>/dev/null)
rt=$(jq -r .OCIRuntime <<<"$info")
conmon=$(jq -r .State.ConmonPid <<<"$info")
[ "$conmon" -gt 1 ] 2>/dev/null || fail "no conmon pid in $(jq -c .State <<<"$info")"
# when conmon exits: within a 5 ms poll of its state.  Not kill -0,
# which a zombie passes: its parent reaped it up to 1.7 s after the
# reply here, long after the exit the kernel (and coldtrace) saw.
exited() {	# PID
	local st
	st=$(cut -d ' ' -f 3 "/proc/$1/stat" 2>/dev/null) || return 0
	[ "$st" = Z ] || [ "$st" = X ] || [ -z "$st" ]
}
{
	until exited "$conmon"; do sleep 0.005; done
	date +%s%N >"$T/t.conmon"
} &
gone=$!
api DELETE "/containers/$id?force=true&timeout=0" 3>"$T/t.delete" >/dev/null
read -r start_sent _ <"$T/t.start"
read -r _ delete_done <"$T/t.delete"
wait "$gone"
conmon_gone=$(cat "$T/t.conmon")

r=$(dt_record "$id")
note "record: $(jq -c '{runtime, engine, complete, unarmed, prepare_missing, phases: (.phases | keys)}' <<<"$r")"
n=$(jq -c --arg id "$id" 'select(.type == "container" and .id == $id)' "$T/out" | wc -l)
[ "$n" = 1 ] || fail "$n records of $id"
jq -e --arg rt "$rt" '.engine == "podman" and .runtime == $rt and
	.complete == true and (.unarmed // false) == false' <<<"$r" >/dev/null ||
	fail "not a complete, armed podman record with runtime $rt"
for p in attach create start run ready die destroy; do
	jq -e --arg p "$p" '.phases[$p].dur_ns >= 0' <<<"$r" >/dev/null ||
		fail "no $p phase"
done
jq -e '(.phases | has("prepare") | not) and
	(.prepare_missing // "" | test("no client"))' <<<"$r" >/dev/null ||
	fail "a prepare, or no prepare_missing saying why: $(jq -c '{prepare_missing, p: .phases.prepare}' <<<"$r")"

# podman's own events, from its file backend (wall-clock RFC 3339)
ct_podman events --stream=false --format json --filter "container=$id" \
	>"$T/events" 2>/dev/null || fail "podman events failed"
ev_ns() {	# STATUS
	date -d "$(jq -r --arg s "$1" 'select(.Status == $s) | .Time' "$T/events" |
		head -n 1)" +%s%N
}
t_start=$(ev_ns start) && t_remove=$(ev_ns remove) ||
	fail "podman's events lack start or remove of $id"
a=$(jq '.phases.attach.start_ns' <<<"$r")
[ "$a" -ge "$start_sent" ] ||
	fail "attach began $(((start_sent - a) / 1000000)) ms before the start request"
jq -e --argjson t "$t_start" '.phases.start.start_ns - 5e6 <= $t and
	$t <= .phases.start.start_ns + .phases.start.dur_ns + 50e6' <<<"$r" >/dev/null ||
	fail "podman's start event ($t_start) outside start: $(jq -c .phases.start <<<"$r")"
jq -e '.phases.ready.start_ns + .phases.ready.dur_ns >=
	.phases.run.start_ns + 5e8' <<<"$r" >/dev/null ||
	fail "ready ended before the program's 0.5 s wait"
last=$((conmon_gone > delete_done ? conmon_gone : delete_done))
destroyed=$(jq '.phases.destroy.start_ns + .phases.destroy.dur_ns' <<<"$r")
[ "$destroyed" -le $((last + 10000000)) ] ||
	fail "destroy ended $((destroyed - delete_done)) ns after the DELETE's reply, conmon was seen gone $((conmon_gone - delete_done)) ns after it"
# the poll sees the exit late by its period and a sleep's fork, at most
# 50 ms on a loaded host
[ "$destroyed" -ge $((conmon_gone - 50000000)) ] ||
	fail "destroy ended $(((conmon_gone - destroyed) / 1000000)) ms before conmon's exit was seen"
note "start request to attach $(((a - start_sent) / 1000000)) ms;" \
	"podman's remove event $(((delete_done - t_remove) / 1000000)) ms before the reply;" \
	"conmon seen gone $(((conmon_gone - delete_done) / 1000000)) ms after it," \
	"destroy ended $(((destroyed - delete_done) / 1000000)) ms after it"

dt_stop
grep -qx 'coldtrace_prepare_missing_containers_total 1' "$T/dir/metrics.prom" ||
	fail "metrics.prom: $(grep prepare_missing "$T/dir/metrics.prom")"
jq -e --arg rt "$rt" '(.runtimes[$rt].cold_start.n // 0) == 0 and
	.prepare_missing_containers == 1' "$T/dir/summary.json" >/dev/null ||
	fail "summary.json: $(jq -c --arg rt "$rt" '{prepare_missing_containers, cs: .runtimes[$rt].cold_start}' "$T/dir/summary.json")"
podman_env_cleanup
podman_env_gone "$pmdir" || fail "the private Podman was not cleaned up"
