#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# What holds the syscall hooks under --arm=auto, and for how long
# (user/kern/arm.h), each against bpftool and the wall clock:
# - commands that only read attach nothing: with a service running its
#   healthcheck every second (a `runc exec` each, as Kubernetes' exec
#   probes), a `docker exec`, `docker ps`, `docker logs` and `docker
#   inspect`, over 6 s, -v says no attach and bpftool lists no syscall
#   hook of coldtrace's, while docker's health log shows the checks ran;
# - a client that lives on (a foreground `docker run` of a service, as a
#   systemd unit runs one) attaches them at its exec and holds them
#   CT_ARM_HOLD_NS (30 s), no longer (its container, ready at its
#   listen, let go of them long before): the hooks detach while it runs,
#   no sooner than 30 s after its start and within 30 s + the idle
#   grace (2 s) + a slack, and bpftool then lists no syscall hook of
#   coldtrace's;
# - a client waiting for its stdin data holds them however late the data
#   comes: a `docker run -i` whose data comes 40 s after its start, when
#   its own hold and its container's (30 s after its program's exec,
#   no ready phase) are both over, has that data in its record, no
#   sooner than the sleep allows and within the command's span;
# - COMMAND holds them while it runs: `coldtrace -- sleep 8` with
#   nothing else to trace never detaches (2 s idle would), and says so.
# A host whose hooks are held by other people's triggers cannot run
# this: it fails, saying so (as arm.sh).
. "$(dirname "$0")/lib.sh"

HOLD_S=30	# CT_ARM_HOLD_NS
IDLE_S=2	# CT_ARM_IDLE_NS
SLACK_S=8	# poll turns, bpftool and docker under load
DATA_S=40	# > HOLD_S + the container's start + IDLE_S

"$COLDTRACE" -v -j -d 600 >"$T/out" 2>"$T/err" &
ct=$!
ev=
svc=
stop_all() {
	[ -z "$svc" ] || docker rm -f "$svc" >/dev/null 2>&1
	[ -z "$ev" ] || docker rm -f "$(cat "$T/cid.fg" 2>/dev/null)" >/dev/null 2>&1
	[ -z "$ev" ] || kill "$ev" 2>/dev/null
	kill -INT "$ct" 2>/dev/null
	wait "$ct" 2>/dev/null
	cleanup_test
}
trap stop_all EXIT

detaches() {
	grep -c 'sys: hooks detached' "$T/err" || true
}

# Waits until -v has said N detaches; prints the wall-clock ns it saw
# the last one at, false after S seconds.
wait_detaches() {	# N S
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt "$end" ]; do
		kill -0 "$ct" 2>/dev/null || { show_output; fail "coldtrace exited"; }
		if [ "$(detaches)" -ge "$1" ]; then
			date +%s%N
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# coldtrace's syscall hooks attached now, by bpftool's word.
sys_links() {
	bpftool perf list -j | jq --argjson p "$ct" \
		'[.[] | select(.pid == $p and (.tracepoint == "sys_enter" or .tracepoint == "sys_exit"))] | length'
}

attaches() {
	grep -c 'sys: hooks attached' "$T/err" || true
}

wait_detaches 1 120 >/dev/null ||
	{ show_output; fail "the hooks never detached after the start (a busy host?)"; }

# 0. Healthchecks, an exec, listings.
docker run -d --network none --health-cmd true --health-interval 1s \
	--cidfile "$T/cid.svc" "$CT_IMAGE" sh -c 'exec nc -l -p 8080' >/dev/null ||
	fail "docker run -d of the service failed"
svc=$(cat "$T/cid.svc")
wait_detaches 2 60 >/dev/null ||
	{ show_output; fail "the hooks never detached after the service's start"; }
a=$(attaches)
d=$(detaches)
t0=$(date +%s)
sleep 1
docker exec "$svc" true || fail "docker exec failed"
docker ps >/dev/null && docker logs "$svc" >/dev/null &&
	docker inspect "$svc" >/dev/null || fail "docker ps, logs or inspect failed"
sleep 5
checks=$(docker inspect -f '{{range .State.Health.Log}}{{.Start.Unix}} {{end}}' "$svc" |
	tr ' ' '\n' | awk -v t="$t0" '$1 >= t' | wc -l)
[ "$checks" -ge 3 ] || fail "docker ran $checks healthchecks in 6 s, expected >= 3"
[ "$(attaches)" = "$a" ] && [ "$(detaches)" = "$d" ] ||
	{ show_output; fail "healthchecks, docker exec, ps, logs, inspect: the hooks were attached ($(attaches) attaches, $a before)"; }
n=$(sys_links)
[ "$n" = 0 ] || fail "after healthchecks and docker exec: bpftool lists $n sys_enter/sys_exit hooks of coldtrace's"
note "$checks healthchecks, a docker exec, ps, logs, inspect in 6 s: no attach, bpftool lists no hook"
docker rm -f "$svc" >/dev/null || fail "docker rm -f of the service failed"
svc=
wait_detaches $((d + 1)) 60 >/dev/null || fail "the hooks never detached after the service's removal"

# 1. A foreground `docker run` lives on.
d=$(detaches)
t_ev=$(date +%s%N)
docker run --rm --network none --cidfile "$T/cid.fg" "$CT_IMAGE" \
	sh -c 'exec nc -l -p 8080' >/dev/null 2>&1 &
ev=$!
t_det=$(wait_detaches $((d + 1)) $((HOLD_S + IDLE_S + SLACK_S + 30))) ||
	{ show_output; fail "a foreground docker run (alive) held the hooks over $((HOLD_S + IDLE_S + SLACK_S + 30)) s"; }
kill -0 "$ev" 2>/dev/null || fail "the foreground docker run exited: $(wait "$ev"; echo "status $?")"
held=$(((t_det - t_ev) / 1000000))
[ "$held" -ge $((HOLD_S * 1000)) ] ||
	fail "the hooks detached $held ms after the foreground docker run's start: its hold is $HOLD_S s"
[ "$held" -le $(((HOLD_S + IDLE_S + SLACK_S) * 1000)) ] ||
	fail "the hooks detached $held ms after the foreground docker run's start, over $HOLD_S + $IDLE_S + $SLACK_S s"
n=$(sys_links)
[ "$n" = 0 ] || fail "detached, the foreground docker run alive: bpftool lists $n sys_enter/sys_exit hooks of coldtrace's"
note "a foreground docker run alive: hooks detached $held ms after its start, bpftool lists none"
docker rm -f "$(cat "$T/cid.fg")" >/dev/null || fail "docker rm -f of the foreground service failed"
wait "$ev" 2>/dev/null || true
ev=
wait_detaches $((d + 2)) 60 >/dev/null || fail "the hooks never detached after the foreground service's removal"
d=$(detaches)

# 2. A client waits DATA_S for its stdin data.
rc=0
t0=$(date +%s%N)
{ sleep "$DATA_S"; echo go; } | timeout -k 5 120 docker run -i --rm \
	--network none --cidfile "$T/cid" "$CT_IMAGE" \
	sh -c 'read x && [ "$x" = go ] && exit 3' || rc=$?
t1=$(date +%s%N)
[ "$rc" = 3 ] || fail "docker run -i exited $rc, expected 3"
wait_detaches $((d + 1)) 60 >/dev/null || fail "the hooks never detached after docker run -i"

# 3. COMMAND holds them while it runs.
kill -INT $ct
wait $ct || fail "coldtrace exited $?"
trap cleanup_test EXIT
id=$(cat "$T/cid")
r=$(records | jq -c --arg id "$id" 'select(.id == $id)')
[ -n "$r" ] || { show_output; fail "no record of the docker run -i container $id"; }
got=$(jq -r '.client | select(.stdin_ns) | "\(.stdin_ns - .exec_ns) \(.stdin_wait_ns)"' <<<"$r")
[ -n "$got" ] || fail "no stdin data in the record: its client's wait did not hold the hooks ($(jq -c .client <<<"$r"))"
awk -v d="${got%% *}" -v w="${got##* }" -v s="$DATA_S" -v t=$((t1 - t0)) \
	'BEGIN { exit !(d >= (s - 0.5) * 1e9 && d <= t && w > 0 && w <= d) }' ||
	fail "stdin data $got ns (after exec, waited) against a $DATA_S s sleep and a $((t1 - t0)) ns command"
note "docker run -i: its data seen $((${got%% *} / 1000000)) ms after its client's exec, waited $((${got##* } / 1000000)) ms"

run_ct -v --arm=auto -- sleep 8
[ "$CT_RC" = 0 ] || { show_output; fail "coldtrace -- sleep 8 exited $CT_RC"; }
n=$(detaches)
[ "$n" = 0 ] || fail "COMMAND running, the hooks detached $n times"
note "coldtrace -- sleep 8: the hooks stayed attached"
