#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The BPF programs' fallbacks for older kernels (docs/kernels.md), run on
# this kernel by masking its features (CT_FEATURES_OFF):
# - every mask of the kernels users run, and each feature alone, loads
#   with every program on (--why --paths --start-files) and -v names
#   what it replaced, plus fentry where bpftrace --info finds no kfunc
#   (this kernel: the tp_btf pair instead);
# - with every fallback (5.10's variant), with 6.1's (no cgroup storage)
#   and with none, `runc run` of a shell that opens /etc/hostname 200
#   times and exits 3: coldtrace exits 3, one complete record, exactly
#   200 opens;
# - below the floor it stops at start with one line naming what is
#   missing and the first kernel that has it: without BTF (a tmpfs over
#   /sys/kernel/btf in a mount namespace of its own) and without ring
#   buffers (masked: CT_FEATURES_OFF=ringbuf);
# - what no mask can show here: 6.1's bpf_get_current_comm() leaves the
#   bytes after the comm's NUL unwritten (this kernel pads them), so the
#   BPF code reads the comm only through ct_current_comm(), which zeroes
#   the buffer first (bpf/task.bpf.h; tools/vmtest runs the real 6.1).
. "$(dirname "$0")/lib.sh"

calls=$(cd "$TOP" && grep -n 'bpf_get_current_comm(' bpf/*.c bpf/*.h |
	grep -v '^[^:]*:[0-9]*:[[:space:]]*/\?\*')	# not in comments
[ "$calls" = "$(cd "$TOP" && grep -n 'bpf_get_current_comm(comm, CT_COMM_LEN);' bpf/task.bpf.h | sed 's|^|bpf/task.bpf.h:|')" ] ||
	fail "bpf_get_current_comm() called elsewhere than in ct_current_comm() (6.1 leaves garbage after the NUL):
$calls"

# One line on stderr matching $2, and status 1.
expect_floor() {	# WHAT PATTERN COMMAND...
	local what=$1 pat=$2 rc=0
	shift 2
	timeout -k 5 60 "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
	[ "$rc" -eq 1 ] || { show_output; fail "$what: status $rc, expected 1"; }
	if [ "$(grep -c . "$T/err")" -ne 1 ] || ! grep -q "$pat" "$T/err"; then
		show_output
		fail "$what: expected one line matching '$pat'"
	fi
	note "$what: $(cat "$T/err")"
}
# shellcheck disable=SC2016 # $1 is the inner shell's
expect_floor "no BTF" 'lacks kernel BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF=y), Linux 5.4 and newer: coldtrace needs Linux 5.10 or newer with BTF$' \
	unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$1" -d 1' sh "$COLDTRACE"
CT_FEATURES_OFF=ringbuf expect_floor "no ring buffers" \
	'lacks BPF ring buffers, Linux 5.8 and newer: coldtrace needs Linux 5.10' "$COLDTRACE" -d 1

# What this kernel lacks, from another tool's probe: bpftrace --info says
# whether fentry (its "kfunc") attaches; every other feature coldtrace
# probes is here (6.18).
if bpftrace --info 2>&1 | grep -q '^ *kfunc: yes'; then
	LACKS=0
elif bpftrace --info 2>&1 | grep -q '^ *kfunc: no'; then
	LACKS=1
else
	fail "bpftrace --info says nothing of kfunc (fentry): $(bpftrace --info 2>&1 | grep -m1 version)"
fi

ITER=200
MASKS=(
	""					# this kernel
	"cgrp_storage"				# 6.1
	"cgrp_storage,loop,switch_state"		# 5.15
	"cgrp_storage,loop,switch_state,task_pt_regs"	# 5.14
	"all"					# 5.10
	task_btf task_storage loop task_pt_regs switch_state
)

for m in "${MASKS[@]}"; do
	CT_FEATURES_OFF=$m run_ct -v --why --paths --start-files -d 1
	[ "$CT_RC" -eq 0 ] || { show_output; fail "mask '$m': coldtrace exited $CT_RC"; }
	grep -q '^sys: attached' "$T/err" || { show_output; fail "mask '$m': sys not attached"; }
	n=$(grep -c '^kernel feature .*: missing, instead ' "$T/err" || true)
	case "$m" in
	"") want=$LACKS ;;
	all) want=7 ;;
	*) want=$(($(tr ',' '\n' <<<"$m" | wc -l) + LACKS)) ;;
	esac
	[ "$n" -eq "$want" ] || { show_output; fail "mask '$m': $n features said missing, expected $want"; }
	if [ "$LACKS" = 1 ]; then
		grep -q '^kernel feature fentry/fexit .*: missing, instead ' "$T/err" ||
			{ show_output; fail "mask '$m': bpftrace finds no kfunc, coldtrace did not say fentry is missing"; }
	fi
done

"$TOP/tools/harness.sh" bundle "$T/bundle" sh -c \
	"i=0; while [ \$i -lt $ITER ]; do read x </etc/hostname; i=\$((i + 1)); done; exit 3" >/dev/null
for m in all "" cgrp_storage; do
	id=ct-variant-$$-$RANDOM
	CT_FEATURES_OFF=$m run_ct -j -- runc --root "$CT_RUNC_ROOT" run \
		--bundle "$T/bundle" "$id" </dev/null
	[ "$CT_RC" -eq 3 ] || { show_output; fail "mask '$m': coldtrace exited $CT_RC, not 3"; }
	rec=$(records | jq -c --arg id "$id" 'select(.id == $id)')
	[ "$(jq -r .complete <<<"$rec")" = true ] || { show_output; fail "mask '$m': not complete"; }
	[ "$(jq -r .exit_code <<<"$rec")" = 3 ] || { show_output; fail "mask '$m': exit code"; }
	got=$(jq -r '.opens.count // 0' <<<"$rec")
	[ "$got" -eq "$ITER" ] || { show_output; fail "mask '$m': $got opens, expected $ITER"; }
	note "mask '${m:-none}': exit 3, $got of $ITER opens"
done
