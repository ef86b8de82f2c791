#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# `ctr run` (containerd without dockerd): engine "containerd", runtime
# runc, the id given on the command line.
. "$(dirname "$0")/lib.sh"

id=ct-ctr-$$-$RANDOM
# CT_CGROUP=v2 harness: ctr's default 1024 cpu shares make runc write
# cpu.weight, and that view's cgroup tree has no cpu controller.
opts=()
[ "${CT_CGROUP:-v1}" = v2 ] && opts=(--cpu-shares 0)
run_timed -j -- ctr --address "$CONTAINERD_ADDRESS" -n default run --rm \
	"${opts[@]}" "$CT_CTR_IMAGE" "$id" true
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
$CHECK single --out "$T/out" --id "$id" --runtime runc --engine containerd \
	--t0 "$CMD_START_NS" --t1 "$CMD_END_NS" ||
	{ show_output; fail "ctr run"; }
