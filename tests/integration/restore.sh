#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# A container checkpointed and restored by Podman 5 (forky set, CRIU
# 4.2.1): the restore's record (docs/restore.md), with runc under
# -- COMMAND and crun detached (one test: one private Podman for both).  The program counts in a loop; Podman's
# checkpoint stops it (CRIU dumps and kills it), its restore brings it
# back, and `podman stop -t 0` kills it (exit code 137).  Truth:
# Podman's own --print-stats (its timings of the runtime's checkpoint
# and restore, CRIU's restore_time), Podman's events (file backend,
# streamed live), the client's wall clock, the known counts.
# - under -- COMMAND (runc): exactly one record marked "restore", id and
#   runtime of the container, engine podman, complete, asked for by the
#   `podman container restore` client (no prepare_missing), exit code
#   137 as Podman's died event says; prepare, attach, create, run, die,
#   destroy and no start (nothing execs the program); CRIU's restore
#   (criu_ns, from its clone of pid 1 to its exit), its setup before it
#   (criu_setup_ns, from its exec to that clone) and CRIU's own
#   restore_time all within create, and attach + create within Podman's
#   runtime_restore_duration, which times conmon and the runtime's
#   restore from outside; run begins before Podman's restore event;
#   paired with the checkpoint: its runc/crun checkpoint within Podman's
#   runtime_checkpoint_duration, begun before Podman's checkpoint
#   event; the checkpointed container's record says "checkpointed";
#   the summary counts it under "restores" with its cold start, and no
#   cold start under "runtimes";
# - detached (crun; continuous, default --arm=auto, idle verified first):
#   the run -d, checkpoint, restore and stop of a container started in
#   the session: its first record checkpointed with a cold start of
#   its own, its restore's record the same as above, and /metrics'
#   coldtrace_restores_total and coldtrace_containers_total say 1 each;
# - through a file, under -- COMMAND (crun) and detached (runc): a
#   checkpoint exported (--export), the container removed, and restored
#   from that file (--import, same id): the same as above, paired with
#   the exported checkpoint, and /metrics counting runc's restore apart.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detached_lib.sh"
# shellcheck source=tools/podman-env.sh
. "$TOP/tools/podman-env.sh"

evpid=

finish() {
	[ -z "$evpid" ] || kill "$evpid" 2>/dev/null || true
	dt_kill
	podman_env_cleanup
	cleanup_test
}
trap finish EXIT

[ "${CT_VERSIONS:-}" = forky ] || fail "restore.sh runs in the forky set (CRIU 4.2.1)"
podman_env_init "$T/podman" || fail "no private Podman"
pmdir=$CT_PODMAN_DIR
ct_podman events --format json >"$T/events" 2>"$T/events.err" &
evpid=$!
sleep 0.5

LOOP='i=0; while true; do i=$((i+1)); echo $i >/tmp/count; sleep 0.2; done'
# checkpoint, restore (each with Podman's statistics in $0/NAME.json),
# then stop -t 0 and rm: the sh's status is theirs
# shellcheck disable=SC2016 # expanded by that sh
CR_SH='d=$1 c=$2; shift 2
"$@" container checkpoint --print-stats "$c" >"$d/ck.json" || exit 1
"$@" container restore --print-stats "$c" >"$d/rs.json" || exit 1
sleep 1
"$@" stop -t 0 "$c" >/dev/null && "$@" rm "$c" >/dev/null'

# the same through a file: checkpoint --export, rm, restore --import
# shellcheck disable=SC2016 # expanded by that sh
CR_FILE_SH='d=$1 c=$2; shift 2
"$@" container checkpoint --print-stats --export "$d/$c.tar" "$c" >"$d/ck.json" || exit 1
"$@" rm "$c" >/dev/null || exit 1
"$@" container restore --print-stats --import "$d/$c.tar" >"$d/rs.json" || exit 1
sleep 1
"$@" stop -t 0 "$c" >/dev/null && "$@" rm "$c" >/dev/null'

start_loop() {	# NAME RUNTIME
	ct_podman run -d --network none --runtime "$2" --name "$1" \
		--cidfile "$T/cid.$1" "$CT_PODMAN_IMAGE" sh -c "$LOOP" >/dev/null ||
		fail "podman run -d $1"
	sleep 1
}

# Podman's event $2 of container $1: its time (ns), the K-th ($3, 1).
ev_ns() {	# ID STATUS [K]
	jq -r --arg id "$1" --arg s "$2" \
		'select(.ID == $id and .Status == $s) | .timeNano' "$T/events" |
		sed -n "${3:-1}p"
}

# The restore's record $1 against Podman's truth for container $2.
check_restore() {	# RECORD ID RUNTIME WHAT
	local r=$1 id=$2 rt=$3 w=$4 rs=$T/rs.json ck=$T/ck.json died

	jq -e --arg id "$id" --arg rt "$rt" '.id == $id and .runtime == $rt and
		.engine == "podman" and .complete and .restore != null and
		(has("prepare_missing") | not) and .exit_code == 137 and
		(.client.argv | index("restore")) != null' <<<"$r" >/dev/null ||
		fail "$w: record is $r"
	# nothing exec'd its program: its opens were not followed, and it says so
	jq -e '.opens.unobservable and (.opens.reason | test("restored"))' \
		<<<"$r" >/dev/null || fail "$w: opens $(jq -c .opens <<<"$r")"
	jq -e '.phases | (keys - ["prepare","attach","create","run","die","destroy"]) == []
		and (has("start") | not) and has("prepare") and has("run")' \
		<<<"$r" >/dev/null || fail "$w: phases $(jq -c '.phases | keys' <<<"$r")"
	died=$(jq -r --arg id "$id" 'select(.ID == $id and .Status == "died") |
		.containerExitCode // .ContainerExitCode' "$T/events" | tail -n 1)
	[ "$died" = 137 ] || fail "$w: Podman's died event says $died"
	# Podman times conmon and the runtime from outside; CRIU's restore
	# runs inside the runtime's (create)
	jq -e --slurpfile s "$rs" '.phases as $p | ($s[0].container_statistics[0]) as $c |
		($p.attach.dur_ns + $p.create.dur_ns) <= $c.runtime_restore_duration * 1000 and
		$c.criu_statistics.restore_time * 1000 < $p.create.dur_ns and
		.restore.criu_ns > 0 and .restore.criu_setup_ns > 0 and
		.restore.criu_setup_ns + .restore.criu_ns < $p.create.dur_ns' \
		<<<"$r" >/dev/null ||
		fail "$w: against Podman's statistics $(jq -c . "$rs"): $(jq -c '[.phases, .restore]' <<<"$r")"
	jq -e --argjson e "$(ev_ns "$id" restore)" '.phases.run.start_ns < $e' \
		<<<"$r" >/dev/null || fail "$w: run began after Podman's restore event"
	jq -e --slurpfile s "$ck" --argjson e "$(ev_ns "$id" checkpoint)" \
		'.restore.checkpoint_dur_ns > 0 and .restore.checkpoint_start_ns < $e and
		 .restore.checkpoint_dur_ns <=
			$s[0].container_statistics[0].runtime_checkpoint_duration * 1000' \
		<<<"$r" >/dev/null ||
		fail "$w: checkpoint $(jq -c .restore <<<"$r") against $(jq -c . "$ck")"
	note "$w: create $(jq '.phases.create.dur_ns / 1e6 | floor' <<<"$r") ms" \
		"(Podman's runtime restore $(jq '.container_statistics[0].runtime_restore_duration / 1e3 | floor' "$rs") ms)," \
		"CRIU setting up $(jq '.restore.criu_setup_ns / 1e6 | floor' <<<"$r") ms," \
		"restoring $(jq '.restore.criu_ns / 1e6 | floor' <<<"$r") ms" \
		"(its restore_time $(jq '.container_statistics[0].criu_statistics.restore_time / 1e3 | floor' "$rs") ms)," \
		"cold start $(jq '.cold_start_ns / 1e6 | floor' <<<"$r") ms"
}

# Under -- COMMAND: container NAME started before the session, then
# SCRIPT through coldtrace: its one restore record, checked, into r.
command_restore() {	# NAME RUNTIME SCRIPT WHAT
	start_loop "$1" "$2"
	id=$(cat "$T/cid.$1")
	run_timed -j -- sh -c "$3" sh "$T" "$1" "${CT_PODMAN_CMD[@]}"
	[ "$CT_RC" -eq 0 ] || { show_output; fail "$4: coldtrace exited $CT_RC"; }
	sleep 0.5
	r=$(records | jq -c --arg id "$id" 'select(.id == $id and .restore != null)')
	[ "$(wc -l <<<"$r")" -eq 1 ] && [ -n "$r" ] ||
		{ show_output; fail "$4: not one restore record of $id"; }
	check_restore "$r" "$id" "$2" "$4"
}

# 1. -- COMMAND: a container started before the session
command_restore cr1 runc "$CR_SH" "-- COMMAND runc"
jq -e --argjson t0 "$CMD_START_NS" --argjson t1 "$CMD_END_NS" \
	'.start_ns >= $t0 and .start_ns + .total_ns <= $t1' <<<"$r" >/dev/null ||
	fail "the record is not within the command's wall clock"
records | jq -se --arg id "$id" 'map(select(.id == $id and .restore == null)) |
	length == 1 and .[0].checkpointed == true' >/dev/null ||
	{ show_output; fail "the checkpointed record does not say so"; }
jq -se --arg rt runc 'map(select(.type == "summary"))[-1] |
	.restores[$rt].restores == 1 and .restores[$rt].cold_start.n == 1 and
	(.runtimes[$rt].cold_start // {n: 0}).n == 0' "$T/out" >/dev/null ||
	{ show_output; fail "the summary does not count one restore apart"; }

# 1b. -- COMMAND through a file (crun): exported, removed, imported
command_restore cr4 crun "$CR_FILE_SH" "-- COMMAND crun, --import"

# The detached session's restore record of container $1, waited for:
# into r.
dt_restore() {	# ID
	for _ in $(seq 150); do
		r=$(jq -c --arg id "$1" 'select(.type == "container" and .id == $id and
			.restore != null)' "$T/out")
		[ -n "$r" ] && break
		dt_alive
		sleep 0.2
	done
	[ -n "$r" ] || { show_output; fail "detached: no restore record of $1"; }
}

# Container $1's record before its restore: a checkpointed cold start.
dt_checkpointed() {	# ID WHAT
	jq -se --arg id "$1" 'map(select(.type == "container" and .id == $id and
		.restore == null)) | length == 1 and .[0].checkpointed == true and
		.[0].cold_start_ns > 0' "$T/out" >/dev/null ||
		{ show_output; fail "$2: the first record is not a checkpointed cold start"; }
}

# 2. detached: a container of the session, checkpointed and restored
dt_start
start_loop cr2 crun
id=$(cat "$T/cid.cr2")
sh -c "$CR_SH" sh "$T" cr2 "${CT_PODMAN_CMD[@]}" || fail "checkpoint/restore of cr2"
dt_restore "$id"
check_restore "$r" "$id" crun "detached crun"
dt_checkpointed "$id" "detached crun"

# 3. the same session: exported, removed, imported (runc)
start_loop cr3 runc
id=$(cat "$T/cid.cr3")
sh -c "$CR_FILE_SH" sh "$T" cr3 "${CT_PODMAN_CMD[@]}" ||
	fail "checkpoint --export / restore --import of cr3"
dt_restore "$id"
check_restore "$r" "$id" runc "detached runc, --import"
dt_checkpointed "$id" "detached runc, --export"
m=$(curl -sf "$DT_URL/metrics") || fail "no /metrics"
grep -Eq "^coldtrace_restores_total\{.*container_runtime=\"crun\".*\} 1$" <<<"$m" ||
	{ grep restore <<<"$m" >&2 || true; fail "detached: coldtrace_restores_total is not 1"; }
grep -Eq "^coldtrace_containers_total\{.*container_runtime=\"crun\".*engine=\"podman\".*\} 1$" <<<"$m" ||
	fail "detached: coldtrace_containers_total of podman is not 1"
grep -Eq "^coldtrace_restores_total\{.*container_runtime=\"runc\".*\} 1$" <<<"$m" ||
	fail "detached: coldtrace_restores_total of runc (the import) is not 1"
grep -Eq "^coldtrace_containers_total\{.*container_runtime=\"runc\".*engine=\"podman\".*\} 1$" <<<"$m" ||
	fail "detached: coldtrace_containers_total of runc is not 1"
dt_stop

kill "$evpid" 2>/dev/null || true
wait "$evpid" 2>/dev/null || true
evpid=
podman_env_cleanup
podman_env_gone "$pmdir" || fail "the private Podman was not cleaned up"
