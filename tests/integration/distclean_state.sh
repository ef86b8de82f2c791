#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# tools/distclean-state.sh (make distclean-state) on a harness of its own,
# left as an interrupted run leaves one: its daemons up, a docker
# container, a `ctr run` task and a `runc run -d` container running, each
# with its process.  Scoped to that harness's state file:
# - -n removes nothing (dockerd still answers);
# - then nothing of it remains: no dir, no state file, none of the pids
#   seen before (daemons, shims, the containers' processes), no process
#   whose argv names its dir, no mount under it;
# - the harness this test runs under is untouched (its dockerd answers);
# - run again with nothing there, it succeeds.
. "$(dirname "$0")/lib.sh"

DC=$TOP/tools/distclean-state.sh
state=$T/harness.state
id=ct-dc-$$
export CT_HARNESS_STATE=$state
trap '"$TOP/tools/harness.sh" stop >/dev/null 2>&1; cleanup_test' EXIT

envf=$(CT_CRI=0 CT_CGROUP=v1 CT_VERSIONS=bookworm "$TOP/tools/harness.sh" start) ||
	fail "second harness did not start"
d=$(cat "$state")
[ "$d" != "$CT_DIR" ] || fail "the second harness is ours: $d"
# its containers, in a subshell (its env, not ours)
(
	# shellcheck disable=SC1090
	. "$envf"
	"$TOP/tools/harness.sh" image >/dev/null 2>&1 || fail "image"
	docker run -d --network none --name "$id" "$CT_IMAGE" sleep 600 \
		>/dev/null || fail "docker run -d"
	ctr --address "$CONTAINERD_ADDRESS" -n default run -d "$CT_CTR_IMAGE" \
		"$id" sleep 600 >/dev/null || fail "ctr run -d"
	"$TOP/tools/harness.sh" bundle "$d/bundle" sleep 600 >/dev/null ||
		fail "bundle"
	runc --root "$CT_RUNC_ROOT" run -d --bundle "$d/bundle" "$id" \
		</dev/null >/dev/null 2>&1 || fail "runc run -d"
	docker inspect -f '{{.State.Pid}}' "$id" >"$T/pids"
	ctr --address "$CONTAINERD_ADDRESS" -n default tasks list |
		awk -v id="$id" '$1 == id { print $2 }' >>"$T/pids"
	runc --root "$CT_RUNC_ROOT" state "$id" | jq -r .pid >>"$T/pids"
	# (dockerd writes its pid file without a newline)
	printf '%s\n' "$(cat "$d/docker.pid")" "$(cat "$d/containerd.pid")" >>"$T/pids"
	docker info >/dev/null || fail "its dockerd does not answer"
) || exit 1

# Pids whose argv names the harness's dir.
naming() {
	local p
	for p in /proc/[0-9]*; do
		{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF "$d/" &&
			echo "${p#/proc/}"
	done
	return 0
}
naming >>"$T/pids"
[ "$(grep -c . "$T/pids")" -ge 8 ] ||
	fail "expected 3 containers, 2 daemons and shims: $(tr '\n' ' ' <"$T/pids")"
for p in $(cat "$T/pids"); do
	kill -0 "$p" 2>/dev/null || fail "pid $p not running before the cleanup"
done

"$DC" -n "$state" 2>"$T/dry" || { cat "$T/dry"; fail "distclean-state -n failed"; }
kill -0 "$(cat "$d/docker.pid")" || fail "-n stopped dockerd"
[ -d "$d" ] || fail "-n removed $d"

"$DC" "$state" 2>"$T/log" || { cat "$T/log"; fail "distclean-state failed"; }
[ ! -e "$d" ] || fail "$d left"
[ ! -e "$state" ] || fail "state file $state left"
for p in $(cat "$T/pids"); do
	if kill -0 "$p" 2>/dev/null; then
		fail "pid $p left: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
	fi
done
left=$(naming)
[ -z "$left" ] || fail "processes naming $d left: $left"
! grep -qF " $d/" /proc/self/mountinfo || fail "mounts under $d left"
docker info >/dev/null 2>&1 || fail "our own harness's dockerd was stopped"
[ -d "$CT_DIR" ] || fail "our own harness's dir was removed"

"$DC" "$state" 2>"$T/again" || { cat "$T/again"; fail "a second run failed"; }
grep -q "nothing at $state" "$T/again" || fail "second run: $(cat "$T/again")"
note "$(grep -c . "$T/pids") processes, 3 containers and $d gone; $(tail -n 1 "$T/log")"
