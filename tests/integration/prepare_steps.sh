#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# prepare's steps for docker (docs/phases.md "prepare's steps"): the
# client's start-up (client), dockerd's handling of the create request
# (request), the read-write layer (layer), the container's directory and
# files (config), the start's mounts and spec (setup), the request to
# containerd (task) and containerd's bundle (bundle; held to containerd's
# own account in ctrd_steps.sh), each from a record that names it (or its
# client's), held to dockerd's own debug log (each API request it is
# handed, nanosecond times; switched on for this test by a reload of
# daemon.json, SIGHUP, and off again after):
#  - a `docker run` alone, two at once and a `docker create` then
#    `docker start`: the steps a run and a start must have, covering
#    prepare (the run alone its image step: dockerd's entry into
#    containerCreate, by a uprobe); each run's
#    create request inside its request step, before its image step; each container's start
#    request (its id in the URL) before its setup step and after the
#    step before it began; a run without its image step says why, and
#    one said "shared" had another run's window overlap its own
#    (tests/integration/check_steps.py);
#  - under `-- COMMAND` and detached (continuous, default --arm=auto,
#    idle verified first).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detached_lib.sh"

# containerd's image store: a run's layer is containerd's snapshot,
# not told when another run's were made meanwhile (check_steps.py)
CSTORE=()
[ "${CT_DOCKER_STORE:-own}" = containerd ] && CSTORE=(--cstore)

DJ=$CT_DIR/daemon.json
cp "$DJ" "$T/daemon.json.orig"

# dockerd reloads daemon.json at SIGHUP ("debug" is reloadable) and
# says so in its log; wait for the N-th such line.
reload() {	# N
	kill -HUP "$CT_DOCKERD_PID"
	for _ in $(seq 100); do
		[ "$(grep -c 'Reloaded configuration' "$CT_DIR/dockerd.log")" -ge "$1" ] &&
			return 0
		sleep 0.1
	done
	fail "dockerd did not reload its configuration"
}

debug_off() {
	cp "$T/daemon.json.orig" "$DJ" && kill -HUP "$CT_DOCKERD_PID" 2>/dev/null
	return 0
}

reloads=$(grep -c 'Reloaded configuration' "$CT_DIR/dockerd.log" || true)
jq '.debug = true' "$T/daemon.json.orig" >"$DJ"
trap 'debug_off; cleanup_test' EXIT
reload $((reloads + 1))

# A docker run alone (its image step: dockerd's entry into
# containerCreate, the only one in its window), two docker run at once,
# then a docker create and its docker start; each run names its
# container (two unnamed runs at once are each other's possible client:
# ambiguous, neither said, and prepare begins at dockerd's own work,
# without the client's steps).
SCENARIO='set -e
docker run --rm --network none --name "ct-steps-$$-d" --cidfile "$1/cid.d" "$2" true
docker run --rm --network none --name "ct-steps-$$-a" --cidfile "$1/cid.a" "$2" true &
docker run --rm --network none --name "ct-steps-$$-b" --cidfile "$1/cid.b" "$2" true &
wait
docker create --network none "$2" true >"$1/cid.c"
sleep 0.3
docker start -a "$(cat "$1/cid.c")"
docker rm "$(cat "$1/cid.c")" >/dev/null'

check() {	# RECORDS LOG_FROM_LINE WHAT
	local runs started
	runs=$(cat "$T/cid.a"),$(cat "$T/cid.b"),$(cat "$T/cid.d")
	started=$(cat "$T/cid.c")
	tail -n +"$2" "$CT_DIR/dockerd.log" >"$T/dockerd.log"
	python3 "$TOP/tests/integration/check_steps.py" "$1" "$T/dockerd.log" \
		"$runs" "$started" "${CSTORE[@]}" --alone "$(cat "$T/cid.d")" \
		>"$T/steps" || {
		cat "$T/steps" >&2
		fail "$3: prepare's steps against dockerd's log"
	}
	sed "s/^/$3: /" "$T/steps" >&2
	rm -f "$T"/cid.*
}

# ---- under -- COMMAND ----
from=$(($(wc -l <"$CT_DIR/dockerd.log") + 1))
run_ct -j -- sh -c "$SCENARIO" sh "$T" "$CT_IMAGE"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
check "$T/out" "$from" "-- COMMAND"

# ---- detached: continuous, default arming ----
dt_start
trap 'dt_kill; debug_off; cleanup_test' EXIT
from=$(($(wc -l <"$CT_DIR/dockerd.log") + 1))
sh -c "$SCENARIO" sh "$T" "$CT_IMAGE" || fail "the scenario failed"
for id in "$(cat "$T/cid.a")" "$(cat "$T/cid.b")" "$(cat "$T/cid.c")" \
	"$(cat "$T/cid.d")"; do
	dt_record "$id" 60 >/dev/null
done
dt_stop
check "$T/out" "$from" "detached"
