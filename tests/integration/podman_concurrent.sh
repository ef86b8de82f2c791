#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# $2 (default 5) `podman run --rm` at once under runtime $1 (default
# crun), in a private Podman (tools/podman-env.sh): each reported exactly
# once, complete, engine podman, the phases prepare..destroy in order and
# inside the command's span (check.py many), with its own --name, and a
# prepare of its own (each podman client's exec, found through the
# conmon it execs: no two records share a prepare start).
. "$(dirname "$0")/lib.sh"
# shellcheck source=tools/podman-env.sh
. "$TOP/tools/podman-env.sh"

rt=${1:-crun}
n=${2:-5}
trap 'podman_env_cleanup; cleanup_test' EXIT
podman_env_init "$T/podman" || fail "no private Podman"
pmdir=$CT_PODMAN_DIR

# shellcheck disable=SC2016 # expanded by that sh
MANY_SH='d=$1 n=$2 img=$3 rt=$4; shift 4; i=0
while [ $i -lt "$n" ]; do
	i=$((i + 1))
	"$@" run --rm --network none --runtime "$rt" --name "ctc-$i" \
		--cidfile "$d/cid$i" "$img" true &
done
wait'
run_timed -j -- sh -c "$MANY_SH" sh "$T" "$n" "$CT_PODMAN_IMAGE" "$rt" \
	"${CT_PODMAN_CMD[@]}"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
foreign_daemons
: >"$T/ids"
for i in $(seq "$n"); do
	id=$(podman_id_of "ctc-$i" "$T/cid$i")
	[ -n "$id" ] || fail "podman run $i wrote no --cidfile and no create event"
	echo "$id ctc-$i" >>"$T/names"
	echo "$id" >>"$T/ids"
done
note "$n at once under $rt: command took $(((CMD_END_NS - CMD_START_NS) / 1000000)) ms"
$CHECK many --out "$T/out" --ids "$T/ids" --runtime "$rt" --engine podman \
	--phases prepare,attach,create,start,run,die,destroy \
	--t0 "$CMD_START_NS" --t1 "$CMD_END_NS" ||
	{ show_output; fail "$n podman runs under $rt"; }
records | jq -r 'select(.engine == "podman") | "\(.id) \(.name)"' |
	sort >"$T/got"
sort "$T/names" | diff - "$T/got" >&2 || fail "names and ids differ"
starts=$(records | jq -r 'select(.engine == "podman") |
	.phases.prepare.start_ns' | sort -u | wc -l)
[ "$starts" -eq "$n" ] || fail "$starts distinct prepare starts for $n containers"
[ -z "$(ct_podman ps -aq)" ] || fail "podman left a container"

podman_env_cleanup
podman_env_gone "$pmdir" || fail "the private Podman was not cleaned up"
