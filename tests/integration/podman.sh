#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# `podman run --rm` (Podman 4.3, rootful, private state: tools/podman-env.sh)
# under runtime $1, whose program exits with status $2 (default 0); or,
# with $2 = detach, `podman run -d` of a sleep and `podman rm -f -t 0` of
# it 0.3 s later (the runtime's kill: exit code 137).  Checks
# (check_podman.py): exactly one complete record with the id of
# --cidfile, podman's --name, runtime $1, engine podman, the exit code,
# the phases prepare, attach, create, start, run, die, destroy in order,
# total_ns within the command's wall clock and at least 90 % of it, and
# consistent with `podman events` streamed live.  Every podman process
# and state dir of the test is gone at the end.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tools/podman-env.sh
. "$TOP/tools/podman-env.sh"

rt=${1:?usage: podman.sh RUNTIME [EXIT|detach]}
mode=${2:-0}
name=ct-podman-$rt-$mode-$$
evpid=

finish() {
	[ -n "$evpid" ] && kill "$evpid" 2>/dev/null
	podman_env_cleanup
	cleanup_test
}
trap finish EXIT

podman_env_init "$T/podman" || fail "no private Podman"
pmdir=$CT_PODMAN_DIR
# Events as they happen (the file backend's log is ours alone).
ct_podman events --format json >"$T/events" 2>"$T/events.err" &
evpid=$!
sleep 0.5

# run -d, then rm -f: the sh runs both podman commands; its status is 0.
# rm may return while conmon (the container's monitor: its last process)
# still runs its cleanup: the sh waits for conmon's exit too (a zombie
# counts as gone: conmon's parent is pid 1, which may reap it late).
# shellcheck disable=SC2016 # expanded by that sh
DETACH_SH='c=$1 n=$2 img=$3 rt=$4; shift 4
"$@" run -d --network none --runtime "$rt" --name "$n" --cidfile "$c" \
	"$img" sleep 60 >/dev/null || exit 1
sleep 0.3
mon=$("$@" inspect --format "{{.State.ConmonPid}}" "$(cat "$c")") || exit 1
"$@" rm -f -t 0 "$(cat "$c")" >/dev/null || exit 1
while s=$(cut -d " " -f 3 "/proc/$mon/stat" 2>/dev/null) && [ "$s" != Z ]; do
	sleep 0.005
done'
if [ "$mode" = detach ]; then
	code=137 want_rc=0
	run_timed -j -- sh -c "$DETACH_SH" sh "$T/cid" "$name" \
		"$CT_PODMAN_IMAGE" "$rt" "${CT_PODMAN_CMD[@]}"
else
	code=$mode want_rc=$mode cmd=(true)
	[ "$code" -eq 0 ] || cmd=(sh -c "exit $code")
	run_timed -j -- "${CT_PODMAN_CMD[@]}" run --rm --network none \
		--runtime "$rt" --name "$name" --cidfile "$T/cid" \
		"$CT_PODMAN_IMAGE" "${cmd[@]}"
fi
[ "$CT_RC" -eq "$want_rc" ] || { show_output; fail "coldtrace exited $CT_RC, want $want_rc"; }
foreign_daemons
sleep 0.5
kill "$evpid" 2>/dev/null
wait "$evpid" 2>/dev/null || true
evpid=
id=$(podman_id_of "$name" "$T/cid")
[ -n "$id" ] || fail "podman wrote no --cidfile and no create event of $name"
wall=$((CMD_END_NS - CMD_START_NS))
records | jq -c --arg id "$id" 'select(.id == $id)' >"$T/mine"
note "$rt ($mode): podman took $((wall / 1000000)) ms," \
	"$(jq -r --argjson w "$wall" '"coldtrace total \(.total_ns / 1e6 |
		floor) ms (\(.total_ns * 100 / $w | floor) %), prepare \(
		.phases.prepare.dur_ns / 1e6 | floor) ms"' "$T/mine")"
# forky: podman is an nsenter wrapper into the forky root, whose start
# (before podman's exec, where the record begins) the wall clock counts
share=()
[ "${CT_VERSIONS:-}" = forky ] && share=(--min-share 0.80)
python3 "$TOP/tests/integration/check_podman.py" --out "$T/out" --id "$id" \
	--runtime "$rt" --exit-code "$code" --name "$name" "${share[@]}" \
	--t0 "$CMD_START_NS" --t1 "$CMD_END_NS" --events "$T/events" ||
	{ show_output; cat "$T/events" >&2; fail "podman --runtime $rt ($mode)"; }
[ -z "$(ct_podman ps -aq)" ] || fail "podman left a container"

# Nothing of ours may outlive the test: no process naming the state dir.
podman_env_cleanup
podman_env_gone "$pmdir" || fail "the private Podman was not cleaned up"
