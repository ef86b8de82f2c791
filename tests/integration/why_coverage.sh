#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# --why's wait sites explain each phase's off-CPU time (docs/why.md,
# "How a phase's off-CPU time is attributed") in every runtime x engine
# cell of the harness's version set that docs/versions.md's engines table
# validates, three starts each:
# - bookworm: docker with runc, crun and runsc, `ctr run`, Podman with
#   runc and crun, `runc run` and `runsc run`;
# - trixie (run.sh's trixie/why-coverage): docker with runc and runsc
#   (systrap, and ptrace as runtime runsc-ptrace), `ctr run`
#   (containerd 1.7), `runsc run`; its runc, crun and Podman are
#   bookworm's, checked above;
# - bookworm's cgroup-v2-only view (v2/why-coverage, under -- COMMAND
#   only): docker, `ctr run` and Podman with runc (the other runtimes
#   cannot run there; a direct `runc run` would be the host's view);
# - forky (forky/why-coverage): docker with runc, crun and runsc,
#   `ctr run` (containerd 2.1), Podman 5.8 with runc and crun, `runsc
#   run`; a direct `runc run` would be the host's runc.
# Per cell and phase (summed over its starts, phases with 1 ms or more of
# the carriers' own off-CPU time): at least 90 % of it given to a named
# site with a named waker (not unattributed, not a wait no wakeup
# ended); every phase's lines add up to its split exactly; no stack was
# lost; the table names the largest phase's site in its `look at:` line.
# Under `-- COMMAND`, then detached (continuous, default arming, idle
# before the starts).  CRI pods are checked by cri.sh (the CRI harness,
# bookworm's and forky's), with the same functions (why_lib.sh).
. "$(dirname "$0")/lib.sh"
# shellcheck source=tools/podman-env.sh
. "$TOP/tools/podman-env.sh"
. "$(dirname "$0")/detached_lib.sh"
. "$(dirname "$0")/why_lib.sh"

"$TOP/tools/harness.sh" bundle "$T/bundle" true >/dev/null

# The cells of this version set: docker's and Podman's runtimes, and the
# runtimes run directly.  In the cgroup-v2-only view only runc runs, ctr
# with no cpu shares (that view has no cpu controller: ctr_run.sh).
ctr_opts=()
case "${CT_VERSIONS:-bookworm}/${CT_CGROUP:-v1}" in
bookworm/v2) docker_rts=runc podman_rts=runc direct="" ctr_opts=(--cpu-shares 0) ;;
bookworm/*) docker_rts="runc crun runsc" podman_rts="runc crun" direct="runc runsc" ;;
trixie/*) docker_rts="runc runsc runsc-ptrace" podman_rts="" direct=runsc ;;
forky/*) docker_rts="runc crun runsc" podman_rts="runc crun" direct=runsc ;;
*) fail "no cells for version set '$CT_VERSIONS' (cgroup ${CT_CGROUP:-v1})" ;;
esac
# each cell's starts: three a runtime (docker's runsc-ptrace is runsc)
declare -A WANT=([runc/containerd]=3)
for rt in $docker_rts; do ((WANT[${rt%-ptrace}/docker] += 3)); done
for rt in $podman_rts; do ((WANT[$rt/podman] += 3)); done
for rt in $direct; do ((WANT[$rt/direct] += 3)); done
STARTS=0
for c in "${!WANT[@]}"; do ((STARTS += WANT[$c])); done
trap 'podman_env_cleanup; cleanup_test' EXIT
if [ -n "$podman_rts" ]; then
	podman_env_init "$T/podman" || fail "no private Podman"
fi

# The starts, as one script coldtrace runs (Podman's command is an array).
{
	echo 'set -e'
	for i in 1 2 3; do
		for rt in $docker_rts; do
			printf 'docker run --rm --network none --runtime %q %q true\n' \
				"$rt" "$CT_IMAGE"
		done
		printf 'ctr --address %q -n default run --rm %s %q %q true\n' \
			"$CONTAINERD_ADDRESS" "${ctr_opts[*]}" "$CT_CTR_IMAGE" "ctw-ctr-$i-$$"
		for rt in $podman_rts; do
			printf '%q ' "${CT_PODMAN_CMD[@]}"
			printf 'run --rm --network none --runtime %q %q true\n' \
				"$rt" "$CT_PODMAN_IMAGE"
		done
		if [[ " $direct " == *" runc "* ]]; then
			printf 'runc --root %q run --bundle %q %q </dev/null\n' \
				"$CT_RUNC_ROOT" "$T/bundle" "ctw-runc-$i-$$"
		fi
		if [[ " $direct " == *" runsc "* ]]; then
			printf 'runsc --root %q --network=none run --bundle %q %q </dev/null\n' \
				"$CT_RUNSC_ROOT" "$T/bundle" "ctw-runsc-$i-$$"
		fi
	done
} >"$T/starts.sh"
# The checks of one mode's records ($T/out), $1 naming the mode.
check_coverage() {	# MODE
	local cells c

	# every cell ran its complete starts
	cells=$(records | jq -r 'select(.complete) | .runtime + "/" + .engine' |
		sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')
	note "$1 cells: $cells"
	for c in "${!WANT[@]}"; do
		[[ " $cells" == *" $c=${WANT[$c]} "* ]] ||
			fail "$1: cell $c: not ${WANT[$c]} complete starts ($cells)"
	done

	records >"$T/records"
	why_waits_add_up "$T/records" "$1"
	# ~30 a run of bookworm's 8 cells: phases near 1 ms come and go (a
	# floor of 30 failed here at 29); 3 a cell still says that most
	# cells' phases were checked
	why_coverage "$T/records" "$1" "$STARTS"
}

CT_TIMEOUT=300 run_ct -j --why --record "$T/rec.ctrec" -- bash "$T/starts.sh"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
check_coverage command

# the summary's look at: line names a site
"$COLDTRACE" --replay "$T/rec.ctrec" --why >"$T/table" 2>&1 ||
	fail "replay failed"
# (prepare and disconnect, the engine's own work, have no sites: a
# loaded host can make one of them the largest)
grep '^look at: ' "$T/table" >"$T/lookat" || fail "no look at: line"
while read -r line; do
	ph=$(grep -oE ' [a-z]+, ' <<<"$line" | head -n 1 | tr -d ' ,')
	case $ph in prepare | disconnect) continue ;; esac
	grep -qE '; waiting most in [^ ]+, woken by ' <<<"$line" ||
		fail "a look at: line names no wait site: $line"
done <"$T/lookat"
cat "$T/lookat" >&2

# ---- detached: continuous, default arming, idle before the starts ----
# (not in the cgroup-v2-only view: a detached session runs in the host's
# view, whose cgroup keys are not that view's containers': cgroup_v2.sh)
[ "${CT_CGROUP:-v1}" != v2 ] || exit 0
dt_start --why
trap 'dt_kill; podman_env_cleanup; cleanup_test' EXIT	# dt_start's, and ours
bash "$T/starts.sh" >/dev/null
for _ in $(seq 600); do	# every start's record, at most 120 s
	[ "$(records | jq -s 'map(select(.complete)) | length')" -ge "$STARTS" ] && break
	dt_alive
	sleep 0.2
done
dt_stop
check_coverage detached
