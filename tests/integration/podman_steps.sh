#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Podman's prepare in steps (docs/phases.md "prepare's steps"): client,
# layer, setup, by the podman client's own mounts, held to Podman's own
# account of the same run (tests/integration/check_podman_steps.py): its
# events log (the file backend, each event stamped in nanoseconds as
# podman writes it, once the work is done) puts its image lookup (`image
# pull`) and the container's creation (`container create`) in layer, and
# its `container init` (the runtime's create done) after prepare's end;
# destroy's steps, delete and unmount, by podman's umounts: its
# `container remove` in unmount.
# A `podman run --rm` under `-- COMMAND` and one detached (continuous,
# default --arm=auto, idle verified first).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detached_lib.sh"
. "$TOP/tools/podman-env.sh"

finish() {
	podman_env_cleanup
	cleanup_test
}
trap finish EXIT
podman_env_init "$T/podman" || fail "no private Podman"

check() {	# WHAT ID
	python3 "$TOP/tests/integration/check_podman_steps.py" "$T/out" \
		"$CT_PODMAN_DIR/events/events.log" "$2" >"$T/steps" || {
		cat "$T/steps" >&2
		fail "$1: prepare's steps against Podman's own events"
	}
	sed "s/^/$1: /" "$T/steps" >&2
}

run_one() {	# NAME
	"${CT_PODMAN_CMD[@]}" run --rm --network none --name "$1" \
		--cidfile "$T/cid.$1" "$CT_PODMAN_IMAGE" true
}

# ---- under -- COMMAND ----
run_ct -j -- "${CT_PODMAN_CMD[@]}" run --rm --network none \
	--name "ct-ps-$$-cmd" --cidfile "$T/cid.cmd" "$CT_PODMAN_IMAGE" true
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
check cmd "$(podman_id_of "ct-ps-$$-cmd" "$T/cid.cmd")"

# ---- detached: continuous, default arming ----
dt_start
trap 'dt_kill; finish' EXIT
run_one "ct-ps-$$-dt" >/dev/null || fail "podman run failed"
id=$(podman_id_of "ct-ps-$$-dt" "$T/cid.ct-ps-$$-dt")
dt_record "$id" 60 >/dev/null
dt_stop
check dt "$id"
