#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# `ctr run` (containerd without dockerd): engine "containerd", runtime
# runc, the id given on the command line.
#
#   ctr_run.sh [RUNTIME space|equals]   with --runc-binary /usr/bin/RUNTIME
#                                       (its value as the next argument or
#                                       after "="): the id is still read
#                                       (the prepare phase and the client)
. "$(dirname "$0")/lib.sh"

rt=${1:-runc}
id=ct-ctr-$$-$RANDOM
# CT_CGROUP=v2 harness: ctr's default 1024 cpu shares make runc write
# cpu.weight, and that view's cgroup tree has no cpu controller.
opts=()
[ "${CT_CGROUP:-v1}" = v2 ] && opts=(--cpu-shares 0)
case "${2:-}" in
space) opts+=(--runc-binary "/usr/bin/$rt") ;;
equals) opts+=("--runc-binary=/usr/bin/$rt") ;;
"") ;;
*) fail "usage: ctr_run.sh [RUNTIME space|equals]" ;;
esac
run_timed -j -- ctr --address "$CONTAINERD_ADDRESS" -n default run --rm \
	"${opts[@]}" "$CT_CTR_IMAGE" "$id" true
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
$CHECK single --out "$T/out" --id "$id" --runtime "$rt" --engine containerd \
	--t0 "$CMD_START_NS" --t1 "$CMD_END_NS" ||
	{ show_output; fail "ctr run"; }
# ctr names the container: its exec is the client and begins prepare
if [ -n "${2:-}" ]; then
	records | jq -s -e --arg id "$id" 'map(select(.id == $id)) |
		length == 1 and .[0].phases.prepare != null and
		.[0].client.comm == "ctr"' >/dev/null ||
		{ show_output; fail "no prepare or no client for ctr run $*"; }
fi
