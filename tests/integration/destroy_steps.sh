#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# destroy's steps (docs/phases.md "destroy's steps"): delete, unmount,
# layer, config, by dockerd's own acts, held to the engines' account of
# the same container (tests/integration/check_destroy_steps.py):
#  - containerd's events (`ctr events`): its /tasks/delete in delete;
#    on containerd's image store its /snapshot/remove of the container's
#    snapshots in unmount, before config;
#  - docker's events: its `destroy` (a removal's end) at or after
#    destroy's end, and only for the container removed, whose steps are
#    then all four (own store) or delete, unmount, config (containerd's
#    image store); the one not removed has delete and unmount only;
#  - a `docker run --rm` and a `docker run`, under `-- COMMAND` and
#    detached (continuous, default --arm=auto, idle verified first).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detached_lib.sh"

EV_PID='' DEV_PID=''
stop_bg() {
	[ -z "$EV_PID" ] || kill "$EV_PID" 2>/dev/null || true
	[ -z "$DEV_PID" ] || kill "$DEV_PID" 2>/dev/null || true
	wait 2>/dev/null || true
	EV_PID='' DEV_PID=''
}
remove_kept() {
	docker rm -f "ct-ds-$$-cmd-kept" "ct-ds-$$-dt-kept" >/dev/null 2>&1 ||
		true
}
trap 'stop_bg; remove_kept; cleanup_test' EXIT

watch_engines() {	# TAG
	ctr --address "$CONTAINERD_ADDRESS" events >"$T/cevents.$1" 2>&1 &
	EV_PID=$!
	docker events --format '{{.TimeNano}} {{.Action}} {{.Actor.ID}}' \
		>"$T/devents.$1" 2>&1 &
	DEV_PID=$!
	sleep 0.5	# both subscribed
}

check() {	# WHAT
	local rm kept
	sleep 0.5	# the last events published
	stop_bg
	rm=$(cat "$T/cid.rm") kept=$(cat "$T/cid.kept")
	python3 "$TOP/tests/integration/check_destroy_steps.py" "$T/out" \
		"$T/cevents.$1" "$T/devents.$1" "$CT_DOCKER_STORE" "$rm" \
		"$kept" >"$T/steps" || {
		cat "$T/steps" >&2
		tail -n 20 "$T/cevents.$1" "$T/devents.$1" >&2
		fail "$1: destroy's steps against the engines' own account"
	}
	sed "s/^/$1: /" "$T/steps" >&2
	rm -f "$T/cid.rm" "$T/cid.kept"
}

SCENARIO='set -e
docker run --rm --network none --cidfile "$1/cid.rm" "$2" true
docker run --network none --name "$3-kept" --cidfile "$1/cid.kept" "$2" true'

# ---- under -- COMMAND ----
watch_engines cmd
run_ct -j -- sh -c "$SCENARIO" sh "$T" "$CT_IMAGE" "ct-ds-$$-cmd"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
check cmd
remove_kept

# ---- detached: continuous, default arming ----
dt_start
trap 'dt_kill; stop_bg; remove_kept; cleanup_test' EXIT
watch_engines dt
sh -c "$SCENARIO" sh "$T" "$CT_IMAGE" "ct-ds-$$-dt" ||
	fail "the scenario failed"
dt_record "$(cat "$T/cid.rm")" 60 >/dev/null
dt_record "$(cat "$T/cid.kept")" 60 >/dev/null
dt_stop
check dt
