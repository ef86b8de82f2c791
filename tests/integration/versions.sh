#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The second version set (CT_VERSIONS=trixie: Docker 26, containerd 1.7,
# runsc 20240729) in a harness of its own, beside run.sh's, in one
# traced session:
# - docker run under runc, runsc (systrap) and runsc-ptrace of a loop
#   making exactly OPENS opens: complete records with docker's name, every
#   lifecycle phase, exit code 0; runc and runsc-ptrace count exactly OPENS;
#   systrap says "unobservable" with its reason and no count;
# - ctr run (containerd 1.7): a complete containerd record;
# - runsc run --platform=ptrace --strace: coldtrace's open count equals
#   the openat exits in gVisor's own strace log of the same run.
. "$(dirname "$0")/lib.sh"

ITER=500
OPENS=$((ITER * 2))	# `cat F >/dev/null`: the redirect and cat's open
LOOP="for i in \$(seq $ITER); do cat /etc/hostname >/dev/null; done"
SLOOP='for i in $(seq 200); do cat /etc/hostname; done'

export CT_HARNESS_STATE=$T/harness.state
tstop() {
	CT_VERSIONS=trixie "$TOP/tools/harness.sh" stop >/dev/null 2>&1 || true
	cleanup_test
}
trap tstop EXIT
envf=$(CT_VERSIONS=trixie "$TOP/tools/harness.sh" start) || fail "trixie harness did not start"
# shellcheck disable=SC1090
. "$envf"
"$TOP/tools/harness.sh" image >/dev/null || fail "trixie image"
docker version --format '{{.Server.Version}}' | grep -q '^26\.' || fail "not Docker 26"
"$TOP/tools/harness.sh" bundle "$T/bundle" sh -c "$SLOOP" >/dev/null

session() {
	cat <<'EOS'
d=$1 img=$2 loop=$3 r=0
for rt in runc runsc runsc-ptrace; do
	docker run --rm --network none --runtime $rt --cidfile "$d/cid.$rt" \
		--name "ctv-$rt-$$" \
		"$img" sh -c "$loop" || r=1
done
ctr run --rm docker.io/coldtrace/busybox:latest "ctr-$$-trixie" true || r=1
echo "ctr-$$-trixie" >"$d/ctr.id"
runsc --root "$d/runsc" --network=none --platform=ptrace --debug --strace \
	--debug-log="$d/slog/" run --bundle "$d/bundle" "strace-$$" >/dev/null || r=1
echo "strace-$$" >"$d/strace.id"
exit $r
EOS
}
mkdir -p "$T/slog" "$T/runsc"
run_ct -j -- sh -c "$(session)" sh "$T" "$CT_IMAGE" "$LOOP"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace or a container exited $CT_RC"; }

rec_of() {	# ID
	local n
	n=$(records | jq -c --arg id "$1" 'select(.id == $id)' | tee "$T/rec" | wc -l)
	[ "$n" -eq 1 ] || { show_output; fail "$1: $n records, expected 1"; }
	cat "$T/rec"
}

for rt in runc runsc runsc-ptrace; do
	r=$(rec_of "$(cat "$T/cid.$rt")")
	want=${rt%-ptrace}
	jq -r .name <<<"$r" | grep -qx "ctv-$rt-[0-9]*" ||
		fail "$rt: name $(jq -r .name <<<"$r") is not docker's ctv-$rt-PID"
	[ "$(jq -r .runtime <<<"$r")" = "$want" ] || fail "$rt: runtime $(jq -r .runtime <<<"$r")"
	[ "$(jq -r '.engine + " " + (.complete|tostring) + " " + (.exit_code|tostring)' <<<"$r")" = "docker true 0" ] ||
		fail "$rt: $(jq -c '{engine, complete, exit_code}' <<<"$r")"
	for p in create start run die destroy; do
		jq -e --arg p "$p" '.phases[$p].dur_ns > 0' <<<"$r" >/dev/null || fail "$rt: no phase $p"
	done
	if [ "$rt" = runsc ]; then
		[ "$(jq -r '.opens.unobservable' <<<"$r")" = true ] &&
			jq -r '.opens.reason' <<<"$r" | grep -q systrap &&
			[ "$(jq -r '.opens.count' <<<"$r")" = null ] ||
			fail "systrap: opens $(jq -c .opens <<<"$r"), expected unobservable (systrap)"
		note "runsc systrap: $(jq -c .opens <<<"$r")"
	else
		got=$(jq -r '.opens.count // 0' <<<"$r")
		[ "$got" -eq "$OPENS" ] || fail "$rt: $got opens, the loop makes $OPENS"
		note "$rt (Docker 26): $got of $OPENS opens, p50 $(jq -r .opens.p50_ns <<<"$r") ns"
	fi
done

r=$(rec_of "$(cat "$T/ctr.id")")
[ "$(jq -r '.engine + " " + .runtime + " " + (.complete|tostring)' <<<"$r")" = "containerd runc true" ] ||
	fail "ctr run (containerd 1.7): $(jq -c '{engine, runtime, complete}' <<<"$r")"

r=$(rec_of "$(cat "$T/strace.id")")
got=$(jq -r '.opens.count // 0' <<<"$r")
# Exits of open, openat and openat2 by any guest task.
want=$(cat "$T"/slog/*.boot.txt | grep -cE ' X (open|openat|openat2)\(') || true
[ "$want" -ge 200 ] || fail "gVisor's strace log lists $want openat exits, expected >= 200"
[ "$got" -eq "$want" ] || fail "runsc ptrace: coldtrace $got opens, gVisor's strace $want"
note "runsc run --platform=ptrace: coldtrace $got opens = gVisor --strace $want"
