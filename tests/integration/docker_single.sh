#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# One `docker run --rm` under runtime $1: exactly one complete record with
# the container's full id (from --cidfile), runtime $1, engine docker, the
# create/start/run/destroy phases in docs/design.md "Phases" order, times consistent
# with the command's wall clock and with `docker events`.
. "$(dirname "$0")/lib.sh"

rt=${1:?usage: docker_single.sh RUNTIME}
run_timed -j -- docker run --rm --network none --runtime="$rt" \
	--cidfile "$T/cid" "$CT_IMAGE" true
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
[ -s "$T/cid" ] || fail "docker wrote no --cidfile"
id=$(cat "$T/cid")
docker_events "$id" "$CMD_START_NS" "$CMD_END_NS" >"$T/events"
note "$rt: command took $(((CMD_END_NS - CMD_START_NS) / 1000000)) ms," \
	"coldtrace total $(records | jq -r '.total_ns / 1e6 | floor') ms"
# Docker 28 (forky): the engine connects between create and start; its
# network "connect" event names the container only in its attributes
more=()
if [ "${CT_VERSIONS:-}" = forky ]; then
	more=(--engine-connect)
	docker events --filter type=network --filter event=connect \
		--since "$((CMD_START_NS / 1000000000 - 1))" \
		--until "$((CMD_END_NS / 1000000000 + 2))" --format '{{json .}}' |
		grep -F "\"container\":\"$id\"" >>"$T/events" ||
		fail "docker events has no network connect of $id"
fi
$CHECK single --out "$T/out" --id "$id" --runtime "$rt" --engine docker \
	--t0 "$CMD_START_NS" --t1 "$CMD_END_NS" --events "$T/events" \
	"${more[@]}" ||
	{ show_output; fail "docker run --runtime=$rt"; }
