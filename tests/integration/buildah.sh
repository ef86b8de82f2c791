#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# An image build's container (engine "buildah"), in the private Podman's
# storage (tools/podman-env.sh):
#   buildah.sh run RUNTIME       `buildah run` of a working container
#                                whose program exits 3, under -- COMMAND
#   buildah.sh build RUNTIME     `podman build` of one RUN step (Buildah's
#                                code in podman), under -- COMMAND
#   buildah.sh detached RUNTIME  `buildah run` seen by a detached coldtrace
#                                (default arming, idle before it)
# Buildah names the runtime's container itself ("buildah-buildah" and
# digits): the program prints its own cgroup, whose last component is
# that id (the kernel's truth, not coldtrace's).  Checks (check.py
# single): exactly one record of that id, the runtime asked for, engine
# buildah, the exit code, phases create, start, run, destroy in order
# and inside the command's wall clock (not a share of it: Buildah's own
# work, before the runtime's create and after its delete, is in no
# record: its processes are not followed); detached, that the hooks saw
# it (runc is judged at runc init, after its own exec attached them).
# With --why in every mode: the record's waits add up and at least 90 %
# of each phase of 1 ms or more is given to a named site and waker.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/why_lib.sh"
# shellcheck source=tools/podman-env.sh
. "$TOP/tools/podman-env.sh"

mode=${1:?usage: buildah.sh run|build|detached RUNTIME}
rt=${2:?usage: buildah.sh run|build|detached RUNTIME}
wc=ct-bah-$$
[ "$mode" = build ] || command -v buildah >/dev/null ||
	fail "no buildah (tools/install-deps.sh)"

finish() {
	[ "$mode" != detached ] || dt_kill
	[ "$mode" = build ] || "${BAH[@]}" rm -a >/dev/null 2>&1 || true
	podman_env_cleanup
	cleanup_test
}
trap finish EXIT

podman_env_init "$T/podman" || fail "no private Podman"
pmdir=$CT_PODMAN_DIR
# buildah on the same storage as the private podman's
BAH=(env "CONTAINERS_CONF=$pmdir/containers.conf"
	"CONTAINERS_STORAGE_CONF=$pmdir/storage.conf"
	buildah --root "$pmdir/root" --runroot "$pmdir/runroot")
mkdir -p "$T/vol"
# shellcheck disable=SC2016 # the container's sh expands it
PROG='grep -m1 pids: /proc/self/cgroup >/vol/cgroup; exit $0'

case $mode in
run | detached)
	"${BAH[@]}" from --pull-never --name "$wc" "$CT_PODMAN_IMAGE" \
		>/dev/null || fail "buildah from"
	cmd=("${BAH[@]}" run --runtime "$rt" --isolation oci --network none
		-v "$T/vol:/vol" "$wc" -- sh -c "$PROG" 3)
	code=3
	;;
build)
	mkdir -p "$T/ctx"
	printf 'FROM %s\nRUN sh -c %q 0\n' "$CT_PODMAN_IMAGE" "$PROG" \
		>"$T/ctx/Containerfile"
	cmd=("${CT_PODMAN_CMD[@]}" build --runtime "$rt" --network none
		--pull=never --no-cache -v "$T/vol:/vol" -t localhost/ct-bah-$$
		"$T/ctx")
	code=0
	;;
*) fail "unknown mode $mode" ;;
esac

# The id the kernel put the program's processes under.
id_of_cgroup() {
	[ -s "$T/vol/cgroup" ] || fail "the program printed no cgroup"
	basename "$(cut -d: -f3 "$T/vol/cgroup")"
}

if [ "$mode" = detached ]; then
	# shellcheck source=tests/integration/detached_lib.sh
	. "$TOP/tests/integration/detached_lib.sh"
	dt_start --why
	t0=$(date +%s%N)
	rc=0
	"${cmd[@]}" >"$T/cmd.out" 2>&1 || rc=$?
	t1=$(date +%s%N)
	[ "$rc" -eq "$code" ] || fail "buildah run: status $rc: $(tail -3 "$T/cmd.out")"
	id=$(id_of_cgroup)
	dt_record "$id" 30 >/dev/null
	dt_stop
else
	run_timed -j --why -- "${cmd[@]}"
	t0=$CMD_START_NS t1=$CMD_END_NS
	[ "$CT_RC" -eq "$code" ] || { show_output; fail "status $CT_RC"; }
	id=$(id_of_cgroup)
fi
[[ $id == buildah-buildah* ]] || fail "the runtime's id is $id"
armed=()
[ "$mode" != detached ] || armed=(--unarmed no)
$CHECK single --out "$T/out" --id "$id" --runtime "$rt" --engine buildah \
	--exit-code "$code" --phases create,start,run,destroy \
	--t0 "$t0" --t1 "$t1" --min-share 0 "${armed[@]}" ||
	{ show_output; fail "$mode $rt"; }
# --why: the build container's waits, as why_coverage.sh checks the
# other engines' (why_lib.sh)
why_waits_add_up "$T/out" "buildah $mode $rt"
why_coverage "$T/out" "buildah $mode $rt" 1
note "$mode $rt: $id, $(jq -r --arg id "$id" \
	'select(.id == $id) | .total_ns / 1e6 | floor' "$T/out") ms" \
	"of $(((t1 - t0) / 1000000)) ms"
[ "$mode" = build ] || "${BAH[@]}" rm -a >/dev/null
[ -z "$(ct_podman ps -aq)" ] || fail "a container was left"
podman_env_cleanup
podman_env_gone "$pmdir" || fail "the private Podman was not cleaned up"
