#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# prepare's steps from containerd's own marks (docs/phases.md "prepare's
# steps"): its mkdir of a task's bundle (a docker run's last step,
# bundle, after dockerd's task) and of a new snapshot (a ctr run's
# layer), held to containerd's account of the same requests
# (tests/integration/check_ctrd_steps.py):
#  - its events (`ctr events`, every version), each stamped as containerd
#    publishes it;
#  - its spans, where containerd makes them for these requests (2.x:
#    tools/harness.sh CT_CONTAINERD_OTLP names the port; run.sh sets it
#    for the forky set, and there they must come): each step's mark
#    inside the request that does its work;
#  - a docker run and a ctr run, under `-- COMMAND` and detached
#    (continuous, default --arm=auto, idle verified first).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detached_lib.sh"

EV_PID='' RX_PID=''
stop_bg() {
	[ -z "$EV_PID" ] || kill "$EV_PID" 2>/dev/null || true
	[ -z "$RX_PID" ] || kill "$RX_PID" 2>/dev/null || true
	wait 2>/dev/null || true
	EV_PID='' RX_PID=''
}
trap 'stop_bg; cleanup_test' EXIT

if [ "${CT_VERSIONS:-bookworm}" = forky ] && [ -z "${CT_CONTAINERD_OTLP:-}" ]; then
	fail "forky: containerd's spans are wanted (CT_CONTAINERD_OTLP, run.sh)"
fi

# containerd's events, and its spans when it sends them.
watch_containerd() {	# TAG
	ctr --address "$CONTAINERD_ADDRESS" events >"$T/events.$1" 2>&1 &
	EV_PID=$!
	SPANS=-
	if [ -n "${CT_CONTAINERD_OTLP:-}" ]; then
		SPANS=$T/spans.$1
		otlp_rx_start "$SPANS" "$1"
	fi
	sleep 0.5	# ctr events subscribed
	SCENE_NS=$(date +%s%N)
}

# containerd sends its spans in batches: wait for the scenario's two
# Tasks/Create (the ctr run's is the last).
wait_spans() {
	[ "$SPANS" = - ] || spans_wait "$SPANS" Tasks/Create "$SCENE_NS" 2
}

check() {	# WHAT
	local did
	wait_spans
	stop_bg
	did=$(cat "$T/cid")
	python3 "$TOP/tests/integration/check_ctrd_steps.py" "$T/out" \
		"$T/events.$1" "$SPANS" "$did" "$CID" >"$T/steps" || {
		cat "$T/steps" >&2
		tail -n 20 "$T/events.$1" >&2
		fail "$1: prepare's steps against containerd's own account"
	}
	sed "s/^/$1: /" "$T/steps" >&2
	rm -f "$T/cid"
}

SCENARIO='set -e
docker run --rm --network none --name "ct-cs-$3" --cidfile "$1/cid" "$2" true
ctr --address "$CONTAINERD_ADDRESS" -n default run --rm "$4" "$3" true'

# ---- under -- COMMAND ----
CID=ct-cs-$$-cmd
watch_containerd cmd
run_ct -j -- sh -c "$SCENARIO" sh "$T" "$CT_IMAGE" "$CID" "$CT_CTR_IMAGE"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
check cmd

# ---- detached: continuous, default arming ----
CID=ct-cs-$$-dt
dt_start
trap 'dt_kill; stop_bg; cleanup_test' EXIT
watch_containerd dt
sh -c "$SCENARIO" sh "$T" "$CT_IMAGE" "$CID" "$CT_CTR_IMAGE" ||
	fail "the scenario failed"
dt_record "$(cat "$T/cid")" 60 >/dev/null
dt_record "$CID" 60 >/dev/null
dt_stop
check dt
