#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Compose (docker-compose 1.29, Debian's): a project of two services, b
# depends_on a, created together (`up --no-start`) and started in
# dependency order (`start`), under one detached default session as
# users run it (detached_lib.sh: continuous, --arm=auto, idle checked
# with bpftool before the project): docker-compose's exec attaches the
# syscall hooks (user/model/comm_table.c), else dockerd's mkdirs of its
# creations were not seen at all.  Compose talks to dockerd's
# API itself: no client, so each record begins at dockerd's own mark of
# its start (docs/phases.md "prepare").  Against docker's events
# (streamed live), for each service:
#  - its creation is apart ("created", by "dockerd"), beginning before
#    its `create` event and ending no later than it + CREATE_SLACK_MS;
#  - its record (prepare) begins after its `create` event, and before
#    its `start` event; its cold start ends no later than that event
#    + SLACK_MS: the wait between create and start is in neither;
#  - its prepare holds no other service's `create` or `start` event
#    (before, b's prepare held a's whole start: 2.9 s, a's start event
#    in it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detached_lib.sh"

WAIT_S=90		# coldtrace up; the records out after `down`
SLACK_MS=100		# start event after the program's exec: runc start's exit
CREATE_SLACK_MS=50	# create event after dockerd's last mkdir of it
PROJECT="ctcompose$$"

command -v docker-compose >/dev/null || fail "docker-compose not installed (tools/install-deps.sh)"
cat >"$T/docker-compose.yml" <<EOF
version: "2.4"
services:
  a:
    image: $CT_IMAGE
    network_mode: none
    command: ["sh", "-c", "sleep 1"]
  b:
    image: $CT_IMAGE
    network_mode: none
    command: ["true"]
    depends_on: [a]
EOF
stream_events --filter type=container

dt_start
trap 'dt_kill; dc down >/dev/null 2>&1; cleanup_test' EXIT

dc() { docker-compose -f "$T/docker-compose.yml" -p "$PROJECT" "$@"; }
dc up --no-start 2>"$T/dc.err" || { cat "$T/dc.err" >&2; fail "docker-compose up --no-start failed"; }
dc start 2>>"$T/dc.err" || { cat "$T/dc.err" >&2; fail "docker-compose start failed"; }
dc ps -q >"$T/ids"
sleep 3	# a's sleep 1, b's true
dc down 2>>"$T/dc.err" || { cat "$T/dc.err" >&2; fail "docker-compose down failed"; }
[ "$(wc -l <"$T/ids")" -eq 2 ] || fail "compose made $(wc -l <"$T/ids") containers, not 2"

deadline=$((SECONDS + WAIT_S))
while [ "$(records | jq -s --rawfile ids "$T/ids" \
	'[.[] | select(.id as $i | $ids | contains($i))] | length')" -lt 2 ]; do
	[ $SECONDS -lt $deadline ] || { show_output; fail "not both records in $WAIT_S s"; }
	sleep 0.2
done
dt_stop

ev() {	# ID ACTION: docker's event, ns
	jq -r --arg id "$1" --arg a "$2" 'select(.id == $id and .Action == $a) |
		.timeNano' "$T/events" | head -1
}

# jq's numbers are doubles: stamps are read one by one, summed in bash
field() { jq -r "$2" <<<"$1"; }

while read -r id; do
	r=$(records | jq -c --arg id "$id" 'select(.id == $id)')
	name=$(field "$r" .name)
	cr_ev=$(ev "$id" create) st_ev=$(ev "$id" start)
	[ -n "$cr_ev" ] && [ -n "$st_ev" ] || fail "$name: no create or start event"
	jq -e '(.client | not) and .phases.prepare.start_ns == .start_ns' \
		<<<"$r" >/dev/null ||
		{ show_output; fail "$name: a client, or no prepare: $(jq -c '{start_ns, client, prepare: .phases.prepare}' <<<"$r")"; }
	ps=$(field "$r" .phases.prepare.start_ns)
	pe=$((ps + $(field "$r" .phases.prepare.dur_ns)))
	cold=$(field "$r" .cold_start_ns)
	# no other service's create or start inside this prepare
	jq -r --arg id "$id" 'select(.id != $id and (.Action == "create" or
		.Action == "start")) | "\(.timeNano) \(.Action) \(.Actor.Attributes.name)"' \
		"$T/events" | while read -r t a n; do
		[ "$t" -lt "$ps" ] || [ "$t" -gt "$pe" ] ||
			fail "$name: its prepare ($(((pe - ps) / 1000000)) ms) holds $n's $a event"
	done
	[ "$ps" -gt "$cr_ev" ] && [ "$ps" -lt "$st_ev" ] ||
		fail "$name: prepare ($(((pe - ps) / 1000000)) ms) begins $(((ps - cr_ev) / 1000000)) ms after its create event, $(((st_ev - ps) / 1000000)) ms before its start event"
	[ $((ps + cold)) -le $((st_ev + SLACK_MS * 1000000)) ] ||
		fail "$name: cold start ends $(((ps + cold - st_ev) / 1000000)) ms after its start event"
	jq -e '.created.by == "dockerd"' <<<"$r" >/dev/null ||
		{ show_output; fail "$name: its creation not apart: $(jq -c .created <<<"$r")"; }
	cs=$(field "$r" .created.start_ns)
	ce=$((cs + $(field "$r" .created.dur_ns)))
	[ "$cs" -le "$cr_ev" ] && [ "$ce" -le $((cr_ev + CREATE_SLACK_MS * 1000000)) ] ||
		fail "$name: creation [$cs, $ce] not before its create event $cr_ev"
	note "$name: created $(((ce - cs) / 1000000)) ms, $(((cr_ev - ce) / 1000000)) ms before its create event;" \
		"gap $(($(field "$r" .created.gap_ns) / 1000000)) ms; prepare $(((pe - ps) / 1000000)) ms" \
		"from $(((ps - cr_ev) / 1000000)) ms after its create event, cold start $((cold / 1000000)) ms," \
		"its start event $(((st_ev - ps) / 1000000)) ms after the record's start"
done <"$T/ids"
$CHECK files --dir "$T/dir" >&2 || fail "the -o files disagree"
