#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# coldtrace with only the systemd unit's capabilities (its
# CapabilityBoundingSet line, read from deploy/systemd/coldtrace.service,
# as setpriv's bounding set, no new privileges): a `docker run --name`
# whose program opens a file gives one complete record with its name, its
# docker client and its opens; and the bounding set coldtrace ran with was
# that one (its /proc/PID/status CapBnd).
. "$(dirname "$0")/lib.sh"

unit=$TOP/deploy/systemd/coldtrace.service
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
[ -n "$caps" ] || fail "no CapabilityBoundingSet in $unit"
set_arg=-all
mask=0
for c in $caps; do
	c=${c#CAP_}
	set_arg+=",+${c,,}"
	n=$(grep -E "^#define CAP_$c[[:space:]]" /usr/include/linux/capability.h |
		awk '{ print $3 }')
	[ -n "$n" ] || fail "unknown capability CAP_$c"
	mask=$((mask | (1 << n)))
done
note "unit's capabilities: $caps (setpriv --bounding-set=$set_arg)"

name=ct-caps-$$
CT_RC=0
timeout -k 5 "$CT_TIMEOUT" setpriv --bounding-set="$set_arg" --no-new-privs \
	"$COLDTRACE" -j -- sh -c 'grep CapBnd /proc/$PPID/status >"$0/capbnd"
		exec docker run --rm --network none --name "$1" "$2" \
		sh -c "cat /etc/passwd /etc/group >/dev/null"' \
	"$T" "$name" "$CT_IMAGE" >"$T/out" 2>"$T/err" || CT_RC=$?
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }

got=$(awk '{ print $2 }' "$T/capbnd")
[ $((16#$got)) -eq "$mask" ] ||
	fail "coldtrace's CapBnd $got, want $(printf '%016x' "$mask")"
note "coldtrace ran with CapBnd $got"

rec=$(jq -c --arg n "$name" 'select(.type == "container" and .name == $n)' "$T/out")
[ -n "$rec" ] || { show_output; fail "no record named $name"; }
[ "$(jq -r .complete <<<"$rec")" = true ] || fail "record not complete: $rec"
[ "$(jq -r .client.comm <<<"$rec")" = docker ] || fail "no docker client: $rec"
opens=$(jq -r .opens.count <<<"$rec")
[ "$opens" -gt 0 ] 2>/dev/null || fail "no opens: $rec"
note "record: name $name, client $(jq -r '.client.argv[0:2] | join(" ")' <<<"$rec"), $opens opens, phases $(jq -r '.phases | keys | join(",")' <<<"$rec")"
for p in create start run destroy; do
	[ "$(jq -r --arg p "$p" '.phases[$p].dur_ns' <<<"$rec")" != null ] ||
		fail "no $p phase: $rec"
done
