#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# A container created by one request and started by a later one
# (docs/phases.md "prepare", "Created by one request, started by
# another"): `docker create`, GAP_S of nothing, `docker start -a`,
# `docker rm`, each client's wall clock stamped around it and docker's
# events streamed live.  The record of the container must:
#  - begin at the start's request: its client is the `docker start`,
#    prepare begins at that client's exec, after the stamp taken before
#    it; cold_start_ns within the start client's wall clock (+ SLACK_MS),
#    never the GAP_S wait; total_ns within docker rm's return;
#  - keep the creation apart ("created"): from the create client's exec
#    (after its stamp) to its exit, no later than docker's `create` event
#    + CREATE_SLACK_MS, by "client", and the wait (gap_ns) up to the start;
#  - say the same in phases.csv, trace.json and otlp-traces.jsonl.
# Modes, as users run coldtrace:
#  - detached (default): `coldtrace -j -o DIR &` in continuous mode with
#    the default --arm=auto, up once its syscall hooks were attached,
#    then (if the host lets them go within IDLE_WAIT_S) from hooks
#    detached: `docker create` attaches them, `docker start` again;
#  - command: `coldtrace -j -o DIR -- sh -c '...'`.
# Before the fix the record began at dockerd's `-init` mkdir: prepare
# 20.1 s, cold start 20.4 s.
. "$(dirname "$0")/lib.sh"

MODE=${1:-detached}
GAP_S=20
SLACK_MS=50		# stamps around each client: a sh's exec and date
CREATE_SLACK_MS=500	# create event -> the create client's exit
WAIT_S=90		# coldtrace up; the record out after docker rm
IDLE_WAIT_S=60		# hooks detached before the create, if the host lets

NAME="ct-cs-$$"
stream_events --filter event=create --filter event=start --filter event=destroy

# create, wait, start -a, rm; $1: the scratch dir, $2: name, $3: image.
# Each client's stamps: t0.X just before its exec (the sh execs it),
# t1.X after it returned.
SCRIPT='d=$1 name=$2 img=$3
stamp() { sh -c '\''date +%s%N >"$0"; exec "$@"'\'' "$@"; }
stamp "$d/t0.c" docker create --network none --name "$name" \
	--cidfile "$d/cid" "$img" true >/dev/null || exit 1
date +%s%N >"$d/t1.c"
sleep '"$GAP_S"'
stamp "$d/t0.s" docker start -a "$name" || exit 1
date +%s%N >"$d/t1.s"
docker rm "$name" >/dev/null || exit 1
date +%s%N >"$d/t1.r"'

# The program id of coldtrace's hook on tracepoint $2 of pid $1, if any.
prog_of() {
	bpftool perf list -j |
		jq -r --argjson p "$1" --arg tp "$2" \
			'[.[] | select(.pid == $p and .tracepoint == $tp)][0].prog_id // empty'
}

# Detached: up once sys_enter was attached (the session's own attach),
# then from an idle state if the host gives one (other sessions'
# containers are triggers too).
run_detached() {
	local deadline=$((SECONDS + WAIT_S)) up= idle= id
	"$COLDTRACE" -j -o "$T/o" >"$T/out" 2>"$T/err" &
	ct=$!
	trap 'kill -INT $ct 2>/dev/null; wait $ct 2>/dev/null; cleanup_test' EXIT
	while [ $SECONDS -lt $deadline ]; do
		kill -0 "$ct" 2>/dev/null || { show_output; fail "coldtrace exited"; }
		[ -n "$(prog_of "$ct" sys_enter)" ] && { up=1; break; }
		sleep 0.1
	done
	[ -n "$up" ] || { show_output; fail "coldtrace's sys_enter never attached in $WAIT_S s"; }
	deadline=$((SECONDS + IDLE_WAIT_S))
	while [ $SECONDS -lt $deadline ]; do
		[ -z "$(prog_of "$ct" sys_enter)" ] && { idle=1; break; }
		sleep 0.2
	done
	if [ -n "$idle" ]; then
		note "detached, its syscall hooks detached before docker create"
	else
		note "detached, its syscall hooks still attached (a busy host)"
	fi
	bash -c "$SCRIPT" sh "$T" "$NAME" "$CT_IMAGE" ||
		fail "the create/start script failed"
	id=$(cat "$T/cid")
	# the record is out once dockerd removed the container (+ grace)
	deadline=$((SECONDS + WAIT_S))
	until records | jq -e --arg id "$id" 'select(.id == $id)' >/dev/null; do
		[ $SECONDS -lt $deadline ] || { show_output; fail "no record of $id in $WAIT_S s"; }
		kill -0 "$ct" 2>/dev/null || { show_output; fail "coldtrace exited"; }
		sleep 0.2
	done
	kill -INT "$ct"
	wait "$ct" || { show_output; fail "coldtrace exited $?"; }
	trap cleanup_test EXIT
}

run_command() {
	run_ct -j -o "$T/o" -- bash -c "$SCRIPT" sh "$T" "$NAME" "$CT_IMAGE"
	[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
}

# docker's own event $2 of container $1, ns
event_ns() {
	jq -r --arg id "$1" --arg a "$2" 'select(.id == $id and .Action == $a) |
		.timeNano' "$T/events" | head -1
}

case $MODE in
detached) run_detached ;;
command) run_command ;;
*) fail "unknown mode $MODE" ;;
esac

id=$(cat "$T/cid")
r=$(records | jq -c --arg id "$id" 'select(.id == $id)')
[ "$(wc -l <<<"$r")" -eq 1 ] && [ -n "$r" ] ||
	{ show_output; fail "not one record of $id"; }
t0c=$(cat "$T/t0.c") t1c=$(cat "$T/t1.c") t0s=$(cat "$T/t0.s") t1s=$(cat "$T/t1.s")
t1r=$(cat "$T/t1.r")
created_ev=$(event_ns "$id" create)
[ -n "$created_ev" ] || fail "docker sent no create event"

# the start side: its client, prepare from its exec
jq -e --arg n "$NAME" '.client.argv == ["docker", "start", "-a", $n] and
	.phases.prepare.start_ns == .client.exec_ns and
	.start_ns == .client.exec_ns and .complete' <<<"$r" >/dev/null ||
	{ show_output; fail "the record does not begin at docker start's exec: $(jq -c '{start_ns, client: .client.argv, prepare: .phases.prepare}' <<<"$r")"; }
first=$(jq -r '.start_ns' <<<"$r")
cold=$(jq -r '.cold_start_ns' <<<"$r")
total=$(jq -r '.total_ns' <<<"$r")
prep=$(jq -r '.phases.prepare.dur_ns' <<<"$r")
[ "$first" -ge "$t0s" ] ||
	fail "record begins $(((t0s - first) / 1000000)) ms before docker start's stamp"
[ "$cold" -le $((t1s - t0s + SLACK_MS * 1000000)) ] ||
	fail "cold start $((cold / 1000000)) ms > docker start's wall clock $(((t1s - t0s) / 1000000)) ms"
[ "$total" -le $((t1r - first)) ] ||
	fail "total $((total / 1000000)) ms beyond docker rm's return"

# the creation apart: the create client's exec to its exit
jq -e '.created.by == "client"' <<<"$r" >/dev/null ||
	{ show_output; fail "no creation by its client: $(jq -c .created <<<"$r")"; }
# (jq's numbers are doubles: sums of ns in bash)
cs=$(jq -r '.created.start_ns' <<<"$r")
ce=$((cs + $(jq -r '.created.dur_ns' <<<"$r")))
gap=$(jq -r '.created.gap_ns' <<<"$r")
[ "$cs" -ge "$t0c" ] ||
	fail "creation begins $(((t0c - cs) / 1000000)) ms before docker create's stamp"
[ "$ce" -ge "$created_ev" ] && [ "$ce" -le $((created_ev + CREATE_SLACK_MS * 1000000)) ] ||
	fail "creation ends $(((ce - created_ev) / 1000000)) ms after docker's create event"
[ "$ce" -le "$t1c" ] || fail "creation ends after docker create returned"
d=$((ce + gap - first))	# jq's doubles: 17 digits of a ns stamp
[ "${d#-}" -le 1000 ] || fail "gap_ns $gap does not reach the record's start"
[ "$gap" -ge $(((GAP_S - 1) * 1000000000)) ] ||
	fail "gap $((gap / 1000000)) ms: not the $GAP_S s wait"

$CHECK files --dir "$T/o" >&2 || fail "the -o files disagree"
note "$MODE: created $(jq -r '.created.dur_ns / 1e6 | floor' <<<"$r") ms" \
	"(ends $(((ce - created_ev) / 1000000)) ms after docker's create event)," \
	"gap $((gap / 1000000)) ms; prepare $((prep / 1000000)) ms," \
	"cold start $((cold / 1000000)) ms, total $((total / 1000000)) ms" \
	"of docker start's $(((t1s - t0s) / 1000000)) ms"
