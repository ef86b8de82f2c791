#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Kata Containers, modeled (docs/design.md "Phases" Kata column), checked with stand-in
# processes: real execs, forks and exits in Kata's process tree and argv
# (tests/integration/kata-standin/, docs/kata.md), no guest.
#
#   kata_standin.sh [qemu|qemu-daemonize|clh]
#
# qemu            Kata 2.x/3.x: qemu is a direct child of the shim.
# qemu-daemonize  Kata 1.x/early 2.x: qemu -daemonize (double fork).
# clh             cloud-hypervisor, hybrid vsock at <sandbox>/clh.sock.
#
# The shim reaches the agent through the hypervisor's hybrid vsock
# (<sandbox>/kata.hvsock, or clh.sock), retrying until the connect
# succeeds, as Kata does.  Checks one record: runtime kata, the id,
# engine containerd, complete; attach = shim start -> hypervisor exec;
# create = hypervisor exec -> the shim's successful connect; destroy =
# hypervisor exit -> shim exit; no start/run/die phase; with --why, the
# phases' waits add up and at least 90 % of each phase of 1 ms or more
# is given to a named site and waker (why_lib.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/why_lib.sh"

mode=${1:-qemu}
hyp=qemu-system-x86_64 daemonize=0
case $mode in
qemu) ;;
qemu-daemonize) daemonize=1 ;;
clh) hyp=cloud-hypervisor ;;
*) fail "unknown mode '$mode' (qemu, qemu-daemonize, clh)" ;;
esac

SRC=$TOP/tests/integration/kata-standin
SETUP_MS=80 BOOT_MS=400 RUN_MS=1200 TEARDOWN_MS=150
TOL_NS=25000000		# 25 ms: stamps are taken in user space
id=kata-standin-$$-$RANDOM

# The stand-ins under Kata's names, in a directory of our own (Kata's
# configuration.toml gives absolute paths: /usr/bin/qemu-system-x86_64).
bin=$T/bin
mkdir -p "$bin" "$T/run"
cc -O2 -Wall -Wextra -Werror -o "$bin/containerd-shim-kata-v2" \
	"$SRC/kata-standin.c" || fail "cannot build the stand-ins"
for n in "$hyp" virtiofsd; do
	ln "$bin/containerd-shim-kata-v2" "$bin/$n"
done

export KATA_STANDIN_LOG=$T/stamps KATA_STANDIN_DIR=$T/run
export KATA_STANDIN_SETUP_MS=$SETUP_MS KATA_STANDIN_BOOT_MS=$BOOT_MS
export KATA_STANDIN_TEARDOWN_MS=$TEARDOWN_MS
export KATA_STANDIN_DAEMONIZE=$daemonize KATA_STANDIN_HYPERVISOR=$hyp

# Whatever happens, no stand-in outlives the test.
kill_standins() {
	local pid
	for pid in $(awk '$3 > 0 { print $3 }' "$KATA_STANDIN_LOG" 2>/dev/null); do
		# same inode as our stand-ins: never someone else's pid
		[ "/proc/$pid/exe" -ef "$bin/virtiofsd" ] &&
			kill -KILL "$pid" 2>/dev/null
	done
	return 0
}
trap 'kill_standins; cleanup_test' EXIT

# --no-opens: a guest's opens never reach the host, nothing to check;
# --why: the shim's and hypervisor's waits (why_lib.sh)
run_ct -j --no-opens --why -c "$id" -- "$SRC/lifecycle.sh" "$bin" "$id" "$RUN_MS"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }

# --- what the stand-ins did --------------------------------------------

stamp() {
	local v
	v=$(awk -v e="$1" '$1 == e { print $2; exit }' "$KATA_STANDIN_LOG")
	[ -n "$v" ] || { cat "$KATA_STANDIN_LOG" >&2; fail "no '$1' stamp"; }
	echo "$v"
}
t_start=$(stamp start_main)
t_hyp=$(stamp hyp_exec)
t_listen=$(stamp agent_listen)
t_agent=$(stamp agent_connect)
t_stop=$(stamp stop)
t_gone=$(stamp hyp_gone)
t_exit=$(stamp shim_exit)

# --- what coldtrace saw ------------------------------------------------

recs=$(records | jq -c --arg id "$id" 'select(.id == $id)')
n=$(printf '%s\n' "$recs" | grep -c . || true)
[ "$n" -eq 1 ] || { show_output; fail "$n records for $id, want 1"; }
rec=$recs
field() { jq -r "$1" <<<"$rec"; }

[ "$(field .runtime)" = kata ] || fail "runtime $(field .runtime), want kata"
[ "$(field .engine)" = containerd ] ||
	fail "engine $(field .engine), want containerd (-namespace default)"
[ "$(field .complete)" = true ] || fail "record not complete"
extra=$(field '.phases | keys - ["attach", "create", "destroy"] | join(",")')
[ -z "$extra" ] || fail "phases a Kata host cannot show: $extra"

ph() {		# ph PHASE start|end
	local s d
	s=$(field ".phases.$1.start_ns // empty")
	d=$(field ".phases.$1.dur_ns // empty")
	if [ -z "$s" ] || [ -z "$d" ]; then
		echo "$rec" >&2
		fail "no $1 phase"
	fi
	if [ "$2" = start ]; then echo "$s"; else echo $((s + d)); fi
}

ms() { awk -v n="$1" 'BEGIN { printf "%.1f ms", n / 1e6 }'; }

# near GOT WANT [TOL]: |GOT - WANT| <= TOL (default TOL_NS)
near() {
	local d=$(($1 - $2))
	[ "${d#-}" -le "${3:-$TOL_NS}" ]
}

# between GOT LO HI: LO - TOL <= GOT <= HI + TOL
between() {
	[ "$1" -ge $(($2 - TOL_NS)) ] && [ "$1" -le $(($3 + TOL_NS)) ]
}

check() {	# check WHAT CMD...
	local what=$1
	shift
	if "$@"; then
		note "ok: $what"
	else
		echo "$rec" >&2
		cat "$KATA_STANDIN_LOG" >&2
		fail "$what"
	fi
}

a0=$(ph attach start) a1=$(ph attach end)
c0=$(ph create start) c1=$(ph create end)
d0=$(ph destroy start) d1=$(ph destroy end)

check "attach starts at shim start ($(ms $((a0 - t_start))) off)" \
	near "$a0" "$t_start"
check "attach ends at the hypervisor exec ($(ms $((a1 - t_hyp))) off)" \
	near "$a1" "$t_hyp"
# jq reads numbers as doubles: ~256 ns of rounding at today's epoch
check "create starts where attach ends" near "$c0" "$a1" 1000
check "attach lasts about SETUP_MS=$SETUP_MS ms ($(ms $((a1 - a0))))" \
	near $((a1 - a0)) $((t_hyp - t_start))
check "create ends at the shim's successful connect to the agent ($(ms $((c1 - t_agent))) off; create $(ms $((c1 - c0))), stamps $(ms $((t_agent - t_hyp))))" \
	near "$c1" "$t_agent"
check "the connect came once the guest listened, BOOT_MS=$BOOT_MS ($(ms $((t_agent - t_listen))) after)" \
	between "$t_agent" "$t_listen" $((t_listen + 50000000))
check "destroy starts at the hypervisor exit (got $(ms $((d0 - t_stop))) after stop, $(ms $((d1 - d0))) long; teardown $TEARDOWN_MS ms)" \
	between "$d0" "$t_stop" "$t_gone"
check "destroy ends at the shim exit ($(ms $((d1 - t_exit))) off)" \
	near "$d1" "$t_exit"

# --why: the stand-ins' waits add up and explain each phase of 1 ms or
# more, as the real engines' do (why_coverage.sh)
records >"$T/records"
why_waits_add_up "$T/records" "kata $mode"
why_coverage "$T/records" "kata $mode" 1

note "record: $(jq -c '{id, runtime, engine, complete, phases}' <<<"$rec")"
exit 0
