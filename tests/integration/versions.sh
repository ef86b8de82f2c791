#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Exact open counts under the harness's version set (run.sh runs it as
# trixie/versions and forky/versions), every engine in one traced session
# of a loop making exactly OPENS opens:
# - docker run under runc (and crun under forky: crun 1.8 refuses
#   Docker 26's containers), runsc (systrap) and runsc-ptrace: complete
#   records with docker's name, every lifecycle phase, exit code 0; each
#   counts exactly OPENS, except systrap, which says "unobservable" with
#   its reason and no count;
# - ctr run: a complete containerd record counting exactly OPENS;
# - forky only (trixie keeps bookworm's Podman and runs no CRI plugin):
#   podman run --rm under runc and crun, and a CRI pod's app container
#   under runc and crun (cri.py --wait-exit: the loop runs to its end
#   before the stop), each counting exactly OPENS;
# - runsc run --platform=ptrace --strace: coldtrace's open count equals
#   the openat exits in gVisor's own strace log of the same run.
. "$(dirname "$0")/lib.sh"

ITER=500
OPENS=$((ITER * 2))	# `cat F >/dev/null`: the redirect and cat's open
LOOP="for i in \$(seq $ITER); do cat /etc/hostname >/dev/null; done"
SLOOP='for i in $(seq 200); do cat /etc/hostname; done'
# A dozen containers of OPENS opens each, one at a time on a loaded host.
# shellcheck disable=SC2034 # read by lib.sh's run_ct
CT_TIMEOUT=240

case "${CT_VERSIONS:-}" in
trixie) major=26 docker_rts="runc runsc runsc-ptrace" more_rts= ;;
forky) major=28 docker_rts="runc crun runsc runsc-ptrace" more_rts="runc crun" ;;
*) fail "versions.sh runs in a trixie or forky harness, not '${CT_VERSIONS:-}'" ;;
esac
docker version --format '{{.Server.Version}}' | grep -q "^$major\." ||
	fail "not Docker $major under $CT_VERSIONS"
if [ -n "$more_rts" ]; then
	[ "${CT_CRI:-0}" = 1 ] || fail "forky: needs a CT_CRI=1 harness (a CRI pod)"
	# shellcheck source=tools/podman-env.sh
	. "$TOP/tools/podman-env.sh"
	trap 'podman_env_cleanup; cleanup_test' EXIT
	podman_env_init "$T/podman" || fail "no private Podman"
fi
"$TOP/tools/harness.sh" bundle "$T/bundle" sh -c "$SLOOP" >/dev/null
mkdir -p "$T/slog" "$T/runsc" "$T/logs"

# The session, one command a line: ids and names go to files under $T
# for the checks below.
session() {
	local rt q
	echo 'r=0'
	for rt in $docker_rts; do
		printf 'docker run --rm --network none --runtime %s --cidfile %q --name ctv-%s-$$ %q sh -c %q || r=1\n' \
			"$rt" "$T/cid.$rt" "$rt" "$CT_IMAGE" "$LOOP"
	done
	printf 'ctr run --rm %q ctr-$$-v sh -c %q || r=1\n' "$CT_CTR_IMAGE" "$LOOP"
	printf 'echo ctr-$$-v >%q\n' "$T/ctr.id"
	for rt in $more_rts; do
		q=$(printf '%q ' "${CT_PODMAN_CMD[@]}")
		printf '%s run --rm --network none --runtime %s --name ctv-pm-%s-$$ %q sh -c %q || r=1\n' \
			"$q" "$rt" "$rt" "$CT_PODMAN_IMAGE" "$LOOP"
		printf 'echo ctv-pm-%s-$$ >%q\n' "$rt" "$T/podman.$rt"
		printf '/usr/bin/python3 %q --sock %q --gen-dir %q pod --runtime %s --containers 1 --cmd %q --hold 0 --wait-exit --name ctv-%s --log-dir %q --rpcs-out %q || r=1\n' \
			"$TOP/tests/integration/cri/cri.py" "$CONTAINERD_ADDRESS" \
			"$CT_DIR/cri-gen" "$rt" "$LOOP" "$rt" "$T/logs" "$T/cri.$rt"
	done
	printf 'runsc --root %q --network=none --platform=ptrace --debug --strace --debug-log=%q run --bundle %q strace-$$ >/dev/null || r=1\n' \
		"$T/runsc" "$T/slog/" "$T/bundle"
	printf 'echo strace-$$ >%q\n' "$T/strace.id"
	echo 'exit $r'
}
session >"$T/session.sh"
# --arm=always: containerd mounts a pod's netns before any exec (cri.sh)
run_ct -j --arm=always -- sh "$T/session.sh"
[ "$CT_RC" -eq 0 ] || { show_output; cat "$T/session.sh" >&2; fail "coldtrace or a container exited $CT_RC"; }

rec_of() {	# JQ-KEY VALUE
	local n
	n=$(records | jq -c --arg v "$2" "select(.$1 == \$v)" | tee "$T/rec" | wc -l)
	[ "$n" -eq 1 ] || { show_output; fail "$1 $2: $n records, expected 1"; }
	cat "$T/rec"
}

# Record $1 (a label) of engine $2, runtime $3: complete, exit code 0,
# exactly OPENS opens.
check_count() {	# LABEL ENGINE RUNTIME RECORD
	local got
	[ "$(jq -r '.engine + " " + .runtime + " " + (.complete|tostring) + " " + (.exit_code|tostring)' <<<"$4")" = "$2 $3 true 0" ] ||
		fail "$1: $(jq -c '{engine, runtime, complete, exit_code}' <<<"$4"), expected $2 $3 true 0"
	got=$(jq -r '.opens.count // 0' <<<"$4")
	[ "$got" -eq "$OPENS" ] || fail "$1: $got opens, the loop makes $OPENS"
	note "$1: $got of $OPENS opens, p50 $(jq -r .opens.p50_ns <<<"$4") ns"
}

for rt in $docker_rts; do
	r=$(rec_of id "$(cat "$T/cid.$rt")")
	jq -r .name <<<"$r" | grep -qx "ctv-$rt-[0-9]*" ||
		fail "$rt: name $(jq -r .name <<<"$r") is not docker's ctv-$rt-PID"
	for p in create start run die destroy; do
		jq -e --arg p "$p" '.phases[$p].dur_ns > 0' <<<"$r" >/dev/null || fail "$rt: no phase $p"
	done
	if [ "$rt" = runsc ]; then
		[ "$(jq -r '.engine + " " + .runtime + " " + (.complete|tostring) + " " + (.exit_code|tostring)' <<<"$r")" = "docker runsc true 0" ] &&
			[ "$(jq -r '.opens.unobservable' <<<"$r")" = true ] &&
			jq -r '.opens.reason' <<<"$r" | grep -q systrap &&
			[ "$(jq -r '.opens.count' <<<"$r")" = null ] ||
			fail "systrap: $(jq -c '{engine, complete, exit_code, opens}' <<<"$r"), expected opens unobservable (systrap)"
		note "docker runsc systrap (Docker $major): $(jq -c .opens <<<"$r")"
	else
		check_count "docker $rt (Docker $major)" docker "${rt%-ptrace}" "$r"
	fi
done

check_count "ctr run ($CT_VERSIONS)" containerd runc "$(rec_of id "$(cat "$T/ctr.id")")"

for rt in $more_rts; do
	check_count "podman $rt" podman "$rt" "$(rec_of name "$(cat "$T/podman.$rt")")"
	cid=$(jq -r '.containers[0]' "$T/cri.$rt")
	check_count "CRI pod's app container, $rt" cri "$rt" "$(rec_of id "$cid")"
done

r=$(rec_of id "$(cat "$T/strace.id")")
got=$(jq -r '.opens.count // 0' <<<"$r")
# Exits of open, openat and openat2 by any guest task.
want=$(cat "$T"/slog/*.boot.txt | grep -cE ' X (open|openat|openat2)\(') || true
[ "$want" -ge 200 ] || fail "gVisor's strace log lists $want openat exits, expected >= 200"
[ "$got" -eq "$want" ] || fail "runsc ptrace: coldtrace $got opens, gVisor's strace $want"
note "runsc run --platform=ptrace: coldtrace $got opens = gVisor --strace $want"
