#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Under a CT_CGROUP=v2 harness (run.sh's V2_TESTS), in one traced session:
# - dockerd says "Cgroup Version: 2" and coldtrace keys containers by v2
#   cgroup id (summary "cgroup_key": "v2");
# - docker run under runc of a loop making exactly OPENS opens: complete,
#   exit code 0, exactly OPENS opens;
# - docker run under crun and runsc, which cannot create a container in
#   this view (crun: no CAP_SYS_RESOURCE for RLIMIT_MEMLOCK; runsc: no
#   controller in the v2 tree): each reported failed ("create"), with no
#   exit code, never as a container that ran;
# - runsc --ignore-cgroups (docker runtime "runsc-nocg") runs there: a
#   complete record, exit code 0, every phase; its sandbox stays in the
#   root cgroup, so its opens are reported unobservable (root cgroup).
# Then coldtrace in the host's view (v1 memory keys, no CT_NSENTER) with
# a runc container of the v2 view: its key is not its own (runc never
# moves it in a v1 memory cgroup), so it is reported, opens unobservable
# with the reason, and counted in "unkeyed_containers"; never a count.
. "$(dirname "$0")/lib.sh"

[ "${CT_CGROUP:-v1}" = v2 ] || fail "needs a CT_CGROUP=v2 harness (run.sh runs it under one)"
info=$(docker info 2>/dev/null) || fail "docker info"
grep -q 'Cgroup Version: 2' <<<"$info" ||
	fail "dockerd does not report Cgroup Version: 2"

ITER=500
OPENS=$((ITER * 2))	# `cat F >/dev/null`: the redirect and cat's open
LOOP="for i in \$(seq $ITER); do cat /etc/hostname >/dev/null; done"

session() {
	cat <<'EOS'
d=$1 img=$2 loop=$3 r=0
docker run --rm --network none --runtime runc --cidfile "$d/cid.runc" \
	"$img" sh -c "$loop" || r=1
# Expected to fail in this view: their ids come from --cidfile.
for rt in crun runsc; do
	docker run --rm --network none --runtime $rt --cidfile "$d/cid.$rt" \
		"$img" true 2>"$d/err.$rt" && r=1
done
docker run --rm --network none --runtime runsc-nocg --cidfile "$d/cid.nocg" \
	"$img" sh -c "$loop" || r=1
exit $r
EOS
}
run_ct -j -- sh -c "$(session)" sh "$T" "$CT_IMAGE" "$LOOP"
[ "$CT_RC" -eq 0 ] || { show_output; fail "runc failed or crun/runsc ran ($CT_RC)"; }

rec_of() {	# RUNTIME
	local f=$T/cid.$1 n
	[ -s "$f" ] || fail "$1: docker wrote no --cidfile"
	n=$(records | jq -c --arg id "$(cat "$f")" 'select(.id == $id)' | tee "$T/rec" | wc -l)
	[ "$n" -eq 1 ] || { show_output; fail "$1: $n records, expected 1"; }
	cat "$T/rec"
}

r=$(rec_of runc)
[ "$(jq -r '.runtime + " " + (.complete|tostring) + " " + (.exit_code|tostring) + " " + (.failed|tostring)' <<<"$r")" = "runc true 0 null" ] ||
	fail "runc: $(jq -c '{runtime, complete, exit_code, failed}' <<<"$r")"
got=$(jq -r '.opens.count // 0' <<<"$r")
[ "$got" -eq "$OPENS" ] || fail "runc: $got opens, the loop makes $OPENS"
note "runc (cgroup v2): $got of $OPENS opens"

for rt in crun runsc; do
	r=$(rec_of $rt)
	[ "$(jq -r '.runtime + " " + (.failed|tostring) + " " + (.exit_code|tostring)' <<<"$r")" = "$rt create null" ] ||
		fail "$rt: $(jq -c '{runtime, complete, failed, exit_code}' <<<"$r"), expected failed create"
	note "$rt: failed create ($(grep -o 'OCI runtime create failed: [^:]*' "$T/err.$rt" | head -1))"
done

summary() {
	jq -c 'select(.type == "summary")' "$T/out"
}
r=$(rec_of nocg)
[ "$(jq -r '.runtime + " " + (.complete|tostring) + " " + (.exit_code|tostring)' <<<"$r")" = "runsc true 0" ] ||
	fail "runsc-nocg: $(jq -c '{runtime, complete, exit_code, failed}' <<<"$r")"
for p in create start run die destroy; do
	jq -e --arg p "$p" '.phases[$p].dur_ns > 0' <<<"$r" >/dev/null ||
		fail "runsc-nocg: no phase $p"
done
jq -r '.opens.reason // ""' <<<"$r" | grep -q 'not per-container (the root cgroup)' ||
	fail "runsc-nocg: opens $(jq -c .opens <<<"$r"), expected unobservable (root cgroup)"
note "runsc --ignore-cgroups: complete, opens unobservable (root cgroup)"

key=$(summary | jq -r .cgroup_key)
[ "$key" = v2 ] || fail "summary cgroup_key $key, expected v2"
[ "$(summary | jq -r .unkeyed_containers)" -ge 1 ] ||
	fail "$(summary | jq -r .unkeyed_containers) unkeyed containers in the v2 view, expected runsc-nocg"

# The mismatch: coldtrace outside the namespace.
CT_NSENTER='' run_ct -j -- docker run --rm --network none --runtime runc \
	--cidfile "$T/cid.mis" "$CT_IMAGE" sh -c "$LOOP"
[ "$CT_RC" -eq 0 ] || { show_output; fail "mismatch run exited $CT_RC"; }
r=$(rec_of mis)
[ "$(jq -r '.complete' <<<"$r")" = true ] || fail "mismatch: incomplete"
jq -r '.opens.reason // ""' <<<"$r" | grep -q 'not per-container' &&
	[ "$(jq -r '.opens.unobservable' <<<"$r")" = true ] &&
	[ "$(jq -r '.opens.count' <<<"$r")" = null ] ||
	fail "mismatch: opens $(jq -c .opens <<<"$r"), expected unobservable (key)"
[ "$(summary | jq -r .cgroup_key)" = v1-memory ] ||
	fail "host view: cgroup_key $(summary | jq -r .cgroup_key)"
[ "$(summary | jq -r .unkeyed_containers)" -ge 1 ] ||
	fail "host view: unkeyed_containers $(summary | jq -r .unkeyed_containers)"
note "v1 coldtrace, v2 runc: $(jq -r .opens.reason <<<"$r" | cut -d: -f1)"
