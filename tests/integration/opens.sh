#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# File-open counts and latency against workloads whose opens we know, all
# in ONE traced session:
# - a busybox loop opening a file ITER times, under runc and under runsc:
#   each reports >= ITER opens, within 5 % of the opens it really makes;
# - a loop over MISSING files that do not exist: >= MISSING failed opens,
#   as many ENOENT;
# - runsc's p50 open latency is above runc's for the same loop;
# - a host process opening files in a loop meanwhile is counted nowhere:
#   each runtime's histogram total (-o DIR/hist/*.json) equals the sum of
#   its containers' counts, and ours stay within 5 %.
. "$(dirname "$0")/lib.sh"

ITER=500
MISSING=100
# Real opens per iteration of `cat F >/dev/null`: the shell opens
# /dev/null for the redirect, cat opens F.  Busybox is static: no library
# opens; the loop's other work (fork, exec) opens nothing.
HIT_PER_ITER=2
HIT_LOOP="for i in \$(seq $ITER); do cat /etc/hostname >/dev/null; done"
# `cat /missing/N 2>/dev/null`: one good open (/dev/null), one ENOENT.
MISS_LOOP="for i in \$(seq $MISSING); do cat /missing/\$i 2>/dev/null; done; true"
MISS_PER_ITER=2

# The traced command: host loop in the background, then the containers
# one after another (so that each has the machine to itself).
session() {
	cat <<'EOF'
d=$1 img=$2 hit=$3 miss=$4
# Host process: opens /etc/hostname until told to stop, counts rounds.
( n=0; while [ ! -e "$d/stop" ]; do
	busybox cat /etc/hostname >/dev/null; n=$((n + 1)); done; echo $n >"$d/host.n" ) &
hp=$!
r=0
for rt in runc runsc; do
	docker run --rm --network none --runtime $rt --cidfile "$d/cid.hit.$rt" \
		"$img" sh -c "$hit" || r=1
	docker run --rm --network none --runtime $rt --cidfile "$d/cid.miss.$rt" \
		"$img" sh -c "$miss" || r=1
done
touch "$d/stop"
wait $hp
exit $r
EOF
}

run_ct -j -r runc,runsc -o "$T/o" -- sh -c "$(session)" sh "$T" "$CT_IMAGE" \
	"$HIT_LOOP" "$MISS_LOOP"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace or a container exited $CT_RC"; }

# The one record of the container whose id is in cid file $1.
rec() {
	local f=$T/cid.$1 n
	[ -s "$f" ] || fail "container $1 did not run (no $f)"
	n=$(records | jq -c --arg id "$(cat "$f")" 'select(.id == $id)' | tee "$T/rec.$1" | wc -l)
	[ "$n" -eq 1 ] || { show_output; fail "container $1: $n records, expected 1"; }
	cat "$T/rec.$1"
}

field() {	# NAME JQ-EXPR
	rec "$1" | jq -r "$2"
}

# COUNT within 5 % of EXPECTED, and at least FLOOR.
check_count() {	# WHAT COUNT EXPECTED FLOOR
	local what=$1 got=$2 exp=$3 floor=$4
	[ "$got" -ge "$floor" ] || fail "$what: $got opens, expected >= $floor"
	[ $((got * 100)) -ge $((exp * 95)) ] && [ $((got * 100)) -le $((exp * 105)) ] ||
		fail "$what: $got opens, not within 5 % of the $exp it makes"
}

for rt in runc runsc; do
	[ "$(field "hit.$rt" .runtime)" = "$rt" ] || fail "hit.$rt: runtime $(field "hit.$rt" .runtime)"
	[ "$(field "hit.$rt" .complete)" = true ] || fail "hit.$rt: not complete"
	got=$(field "hit.$rt" '.opens.count // 0')
	check_count "$rt loop" "$got" $((ITER * HIT_PER_ITER)) "$ITER"
	note "$rt: $got opens for $((ITER * HIT_PER_ITER)) made," \
		"p50 $(field "hit.$rt" '.opens.p50_ns') ns, p99 $(field "hit.$rt" '.opens.p99_ns') ns"

	got=$(field "miss.$rt" '.opens.count // 0')
	check_count "$rt missing-file loop" "$got" $((MISSING * MISS_PER_ITER)) "$MISSING"
	failed=$(field "miss.$rt" '.opens.failed // 0')
	enoent=$(field "miss.$rt" '.opens.failed_enoent // 0')
	[ "$failed" -ge "$MISSING" ] || fail "$rt: $failed failed opens, expected >= $MISSING"
	[ "$enoent" -ge "$MISSING" ] && [ "$enoent" -le "$failed" ] ||
		fail "$rt: $enoent ENOENT of $failed failed, expected $MISSING..$failed"
	note "$rt: missing files: $got opens, $failed failed, $enoent ENOENT"
done

p_runc=$(field hit.runc '.opens.p50_ns')
p_runsc=$(field hit.runsc '.opens.p50_ns')
[ "$p_runsc" -gt "$p_runc" ] ||
	fail "runsc open p50 $p_runsc ns is not above runc's $p_runc ns"
note "runsc/runc p50: $((p_runsc / (p_runc > 0 ? p_runc : 1)))x"

# The host loop must have run during the session, else the next check
# proves nothing.
hn=$(cat "$T/host.n" 2>/dev/null || echo 0)
[ "$hn" -ge 100 ] || fail "host loop made only $hn rounds"
note "host process: $((hn * 2)) opens during the session"

# Per runtime: histogram total == sum over every container record of that
# runtime.  coldtrace builds hist/ from the same records, so this alone
# only proves the files agree; what proves the host loop was counted
# nowhere is what the opens are made of: with no other daemon on the host
# (CT_FOREIGN_OK unset) every open must be one of our containers'; with
# other people's containers about, theirs together must stay below what
# the host loop made, which a leak of that loop would exceed.
ours=0
for f in "$T"/rec.*; do
	ours=$((ours + $(jq -r '.opens.count' "$f")))
done
all=0
for rt in runc runsc; do
	h=$T/o/hist/$rt-open.json
	[ -s "$h" ] || fail "no $h"
	total=$(jq -r '.opens.count' "$h")
	sum=$(records | jq -s --arg rt "$rt" \
		'map(select(.runtime == $rt) | .opens.count // 0) | add // 0')
	[ "$total" -eq "$sum" ] ||
		fail "$rt: histogram holds $total opens, its containers $sum"
	all=$((all + total))
	note "$rt: histogram total $total = sum of its containers"
done
if [ -z "${CT_FOREIGN_OK:-}" ]; then
	[ "$all" -eq "$ours" ] ||
		fail "histograms hold $all opens, our containers made $ours"
else
	[ $((all - ours)) -lt $((hn * 2)) ] ||
		fail "$((all - ours)) opens outside our containers, host loop made $((hn * 2))"
	note "other people's containers: $((all - ours)) opens (host loop: $((hn * 2)))"
fi
