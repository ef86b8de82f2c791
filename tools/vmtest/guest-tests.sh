#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The tests a vmtest guest runs (tools/vmtest/guest-init.sh starts it),
# with the coldtrace under test at $SHARE/coldtrace:
# - load: coldtrace under every option set that changes the programs it
#   loads attaches and exits 0 after 2 s, with no load error; without
#   kernel BTF it stops with one line naming it;
# - direct: `runc run` and `runsc --platform=ptrace run` of a busybox
#   bundle whose shell makes exactly OPENS opens and exits 3: coldtrace
#   exits 3 (its command's status), one complete record, engine direct,
#   exit code 3, exactly OPENS opens, every phase of the direct table;
#   both with the syscall hooks of the variant (fentry where the kernel
#   has it) and runc again with CT_FEATURES_OFF=fentry (tp_btf); -v's
#   "syscall hooks:" line says which path each used (HOOKS: expected);
# - steady: coldtrace --arm=auto, a runc service (busybox nc -l) started
#   under it and left running, its cold start over and the hooks
#   detached (bpftool lists none of them: the steady state); then from
#   that state a trigger's exec (runc --version, as an engine client's)
#   attaches them and the exact-count runc container with STEADY_ITER
#   rounds starts: every open counted; then, on the fentry path, a
#   runc's exec attaches them without runsc's stub sys_exit (bpftool
#   lists no sys_exit of coldtrace's), and from the next steady state a
#   runsc's exec with it, and the exact-count runsc container counts
#   every open (steady runsc);
# - docker (when $SHARE/config says VMTEST_DOCKER=1): dockerd and
#   containerd (tools/harness.sh, cgroupfs driver, containers under
#   /system.slice) and `docker run` of the same loop with runc, crun and
#   runsc (ptrace): the same checks, every phase of the shim table;
#   and `docker pull` from a registry in the guest: one pull record whose
#   layers, bytes and times agree with the registry's manifest and the
#   command's wall clock; a `docker run -i` whose stdin data comes late,
#   its client's read seen (on the fentry path read(2)'s hooks joining
#   at the client's exec);
# - bench (only when asked: VMTEST_GROUPS="bench"): the host loops of
#   tools/bench/steady-state (sysbench open, read, sysread, write,
#   connect, and stat, which no program hooks) with no coldtrace, with
#   --arm=always (its hooks attached, as during a start or a removal)
#   on the fentry path, the same without runsc (no stub sys_exit),
#   and also without pulls (no fentry on write, close, pread64),
#   the same on the tp_btf path (CT_FEATURES_OFF=fentry), the hooks as a
#   runc start holds them under --arm=auto (auto-runc: a process named
#   runc alive, exec'ed anew every 20 s; not by default), the floor of
#   the no-pulls set (floor-fentry: empty fentry and fexit programs on
#   openat and connect, tools/bench/floor.bpf.c; not by default), the floor
#   of the default set (floor-pulls: the same plus fentry on read, pread64,
#   write and close and fexit on read; not by default), the steady
#   state (--arm=auto, BENCH_SERVICES runc services running, the hooks
#   detached by bpftool's word), in
#   BENCH_ROUNDS rotated rounds; prints the ratios of the medians to
#   none, never a verdict on them (absolute times under emulation mean
#   nothing); fails only if a configuration could not be measured.
# One "vmtest: PASS|FAIL NAME" line per check, then "N passed, N failed";
# the status is the number of failures (0: all passed).  A test that
# fails runs once more: "RETRY", then "FLAKY" if it passed (run()).
# shellcheck disable=SC2317 # the tests are called through run()
set -uo pipefail

SHARE=${SHARE:-/mnt/vmtest}
# The bench's links per configuration, as round 0 measured them.
declare -A BENCH_LINKS=()
CT=$SHARE/coldtrace
HARNESS=$SHARE/tools/harness.sh
# shellcheck source=tools/vmtest/lib.sh
. "$SHARE/tools/vmtest/lib.sh"
# The tests' files (coldtrace's outputs and stderr): guest-init.sh makes
# the folder and keeps them, also when the tests run out of time.
W=${VMTEST_W:?the folder guest-init.sh makes}
VMTEST_DOCKER=0
# The test groups to run (run.sh's VMTEST_GROUPS), in this order.
VMTEST_GROUPS="load direct steady docker"
ITER=50
STEADY_ITER=500
# The steady tests' loop: two opens a round by the shell's own
# redirects, no exec, 1,000 in 1-6 s.  Started from the steady state,
# a container with no ready phase holds the hooks 30 s after its
# program began (docs/steady-state.md "The policy"); the loop of 500 cats
# took up to 30 s under runc and 104-125 s under runsc in these guests.
STEADY_LOOP="i=0; while [ \$i -lt $STEADY_ITER ]; do read x </etc/hostname; read x </etc/hostname; i=\$((i + 1)); done; exit 3"
# steady runsc's rounds: its loop must end within that hold, and on the
# arm64 guests runsc's ptrace stops are slower: 604 and 796 of 1,000
# opens came before the hooks left (the record's traced_until_ns).
STEADY_RUNSC_ITER=$STEADY_ITER
[ "$(uname -m)" = aarch64 ] && STEADY_RUNSC_ITER=100
# The syscall hooks' path -v must name: every x86-64 kernel vmtest boots
# has fentry, but 5.10's verifier refuses to read __x64_sys_connect's
# pt_regs (a forward declaration in its BTF), so the probe keeps it on
# tp_btf; arm64 attaches fentry to kernel functions from 6.4 on (ftrace
# direct calls), so 5.10 and 6.1 stay on tp_btf there (docs/kernels.md).
HOOKS=fentry
case "$(uname -m) $(uname -r)" in
*" 5.10."*) HOOKS=tp_btf ;;
"aarch64 6."[0-3].*) HOOKS=tp_btf ;;
esac
# shellcheck disable=SC1091 # written by run.sh for this boot
[ -r "$SHARE/config" ] && . "$SHARE/config"
# The bundles' and the image's busybox rootfs, made by run.sh.
export CT_BUSYBOX_TAR=$SHARE/busybox-rootfs.tar
# `cat F >/dev/null`: the shell's open of /dev/null for the redirect and
# cat's of F; busybox is static, so nothing else opens (as the
# integration tests count).
OPENS=$((ITER * 2))
LOOP="for i in \$(seq $ITER); do cat /etc/hostname >/dev/null; done; exit 3"
# Every phase of docs/phases.md's direct table (runtime run: no start),
# and of its shim table (dockerd 20.10 runs its libnetwork-setkey hook
# and unmounts the netns also for --network none: connect, disconnect).
DIRECT_PHASES="create run destroy"
DOCKER_PHASES="prepare attach create connect start run die disconnect destroy"
# test_stdin's data comes this late: after the client's start under
# emulation (docker run's create and attach take seconds)
STDIN_S=15
# The docker group's pull: 1 MB in this many layers.
PULL_LAYERS=4
PULL_REGISTRY=
# The option sets that change which programs load or what they do (the
# runtime filter is rodata of the programs).  Each load takes 15-20 s
# under software emulation: the list is kept to these.
LOAD_SETS=("" "--no-opens" "--no-pulls" "--why" "--paths --start-files" "--arm=always"
	"--arm=auto" "-r runc" "-r runsc" "--ready=none")
# The bench's rounds and configurations (run.sh may set both).
BENCH_ROUNDS=${BENCH_ROUNDS:-5}
BENCH_CONFIGS=${BENCH_CONFIGS:-fentry fentry-norunsc fentry-nopulls tp_btf steady}
BENCH_N=20000
BENCH_SERVICES=3
# floor.bpf.c's empty programs on the no-pulls set's hooks (openat, connect)
FLOOR_NOPULLS="floor_fe_openat floor_fx_openat floor_fe_connect floor_fx_connect"
passed=0
failed=0

pass() {
	echo "vmtest: PASS $*"
	passed=$((passed + 1))
}

fail() {
	echo "vmtest: FAIL $*"
	failed=$((failed + 1))
	FIRST_FAIL=${FIRST_FAIL:-$*}
}

show() {	# FILE...: the end of each, for a failure's context
	local f
	for f in "$@"; do
		echo "---- $f"
		tail -n 15 "$f" 2>/dev/null
	done
}

# Stop coldtrace PID as a user's ^C does, and wait for it.  Still running
# 60 s later, it hangs: a failure of NAME with where its threads wait,
# then SIGKILL, so that a hang costs a minute and not the guest.
ct_stop() {	# PID NAME
	kill -INT "$1" 2>/dev/null
	if ! gone_within 60 "$1"; then
		fail "$2: coldtrace still ran 60 s after SIGINT"
		stacks "$1"
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
}

# A helper process of a test (not coldtrace: ct_stop), stopped and reaped.
bg_stop() {	# PID
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# What stops a load: a verifier rejection, a missing helper or hook.  Not
# -v's CO-RE relocation lines, which name fields (fuse_req.out.h.error).
load_errors() {
	grep -iE 'libbpf: .*(fail|error)|failed to (load|attach|open)|verifier|invalid func|Unreleased reference' "$1" |
		grep -vE "libbpf: prog '[a-z_0-9]+': relo #[0-9]+: "
}

# The bound is for a stuck load, not a slow one: 6.1's verifier took over
# 120 s for --paths on a busy host under emulation.
test_load() {	# OPTIONS (one word list)
	local name="load ${1:-(defaults)}" rc=0
	# shellcheck disable=SC2086 # the option set is a word list
	timeout -k 5 300 "$CT" -v $1 -d 2 >"$W/load.out" 2>"$W/load.err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "$name: exit $rc"
		load_errors "$W/load.err" | head -n 5
		show "$W/load.err"
	elif load_errors "$W/load.err" >"$W/load.bad"; then
		fail "$name: load errors: $(head -n 3 "$W/load.bad")"
	elif ! grep -q 'attached' "$W/load.err"; then
		fail "$name: -v never says it attached"
		show "$W/load.err"
	else
		pass "$name"
	fi
}

# Which path hooks the syscalls (kfeatures.c's "syscall hooks:" line),
# by default and with CT_FEATURES_OFF=fentry.
test_hooks() {
	local got
	timeout -k 5 300 "$CT" -v -d 1 >/dev/null 2>"$W/hooks.err"
	got=$(grep -m1 '^syscall hooks:' "$W/hooks.err")
	echo "vmtest: $got; $(grep -m1 '^sys: attached' "$W/hooks.err")"
	if [[ "$got" == "syscall hooks: $HOOKS"* ]]; then
		pass "hooks: $HOOKS path by default"
	else
		fail "hooks: '$got', expected $HOOKS"; show "$W/hooks.err"
	fi
	CT_FEATURES_OFF=fentry timeout -k 5 300 "$CT" -v -d 1 >/dev/null 2>"$W/hooks.err"
	got=$(grep -m1 '^syscall hooks:' "$W/hooks.err")
	if [[ "$got" == "syscall hooks: tp_btf"* ]]; then
		pass "hooks: tp_btf path with CT_FEATURES_OFF=fentry"
	else
		fail "hooks: CT_FEATURES_OFF=fentry gave '$got'"; show "$W/hooks.err"
	fi
}

# Without kernel BTF (a tmpfs over /sys/kernel/btf, in a mount namespace
# of its own) coldtrace stops at once with one line naming it and the
# first kernel that has it.
test_floor() {
	local rc=0
	# shellcheck disable=SC2016 # $1 is the inner shell's
	timeout -k 5 60 unshare -m sh -c \
		'mount -t tmpfs none /sys/kernel/btf && exec "$1" -d 1' sh "$CT" \
		>"$W/floor.out" 2>"$W/floor.err" </dev/null || rc=$?
	if [ "$rc" -eq 1 ] && [ "$(grep -c . "$W/floor.err")" -eq 1 ] &&
		grep -q 'lacks kernel BTF.*Linux 5.4 and newer' "$W/floor.err"; then
		pass "floor: without BTF, one line: $(cat "$W/floor.err")"
	else
		fail "floor: without BTF, status $rc (expected 1 and one line)"
		show "$W/floor.err"
	fi
}

# The one container record of ID in FILE (JSON Lines), or nothing.
record_of() {	# FILE ID
	jq -c --arg id "$2" 'select(.type == "container" and .id == $id)' "$1"
}

# Check record REC of NAME: runtime, engine, complete, exit code 3,
# exactly OPENS opens, every phase in PHASES with a duration.
check_record() {	# NAME REC RUNTIME ENGINE PHASES
	local name=$1 r=$2 rt=$3 eng=$4 phases=$5 got p missing=
	[ "$(jq -s length <<<"$r")" -eq 1 ] ||
		{ fail "$name: $(jq -s length <<<"$r") records, expected 1"; return 1; }
	got=$(jq -r '[.runtime, .engine, (.complete|tostring), (.exit_code|tostring)] | join(" ")' <<<"$r")
	[ "$got" = "$rt $eng true 3" ] ||
		{ fail "$name: runtime engine complete exit_code = $got, expected $rt $eng true 3"; return 1; }
	got=$(jq -r '.opens.count // "none"' <<<"$r")
	[ "$got" = "$OPENS" ] ||
		{ fail "$name: $got opens, the loop makes exactly $OPENS ($(jq -c .opens <<<"$r"))"; return 1; }
	for p in $phases; do
		jq -e --arg p "$p" '.phases[$p].dur_ns > 0' <<<"$r" >/dev/null ||
			missing="$missing $p"
	done
	[ -z "$missing" ] ||
		{ fail "$name: phases missing:$missing (has $(jq -c '.phases | keys' <<<"$r"))"; return 1; }
	pass "$name: exit 3, $OPENS opens, phases $(jq -r '.phases | keys_unsorted | join(",")' <<<"$r")"
}

test_direct() {	# RUNTIME [PATH: fentry (the variant's), tp_btf]
	local rt=$1 path=${2:-$HOOKS} id=vm-$1-$$ b=$W/bundle-$1-${2:-v} cmd rc=0 t0
	local mask='' name="direct $1"
	if [ "$path" = tp_btf ]; then
		mask=fentry name="direct $1 (tp_btf)" id=$id-tp
	fi
	"$HARNESS" bundle "$b" sh -c "$LOOP" >/dev/null ||
		{ fail "direct $rt: no bundle"; return; }
	case "$rt" in
	runc) cmd=(runc --root "$W/runc" run --bundle "$b" "$id") ;;
	runsc) cmd=(runsc --root "$W/runsc" --network=none --platform=ptrace
		run --bundle "$b" "$id") ;;
	esac
	t0=$(date +%s)
	CT_FEATURES_OFF=$mask timeout -k 5 600 "$CT" -v -j -- "${cmd[@]}" \
		</dev/null >"$W/$rt.out" 2>"$W/$rt.err" || rc=$?
	echo "vmtest: $name took $(($(date +%s) - t0)) s, $(grep -m1 '^syscall hooks:' "$W/$rt.err")"
	[ "$rc" -eq 3 ] || { fail "$name: coldtrace exited $rc, expected the command's 3"; show "$W/$rt.err"; return; }
	grep -q "^syscall hooks: $path" "$W/$rt.err" ||
		{ fail "$name: not on the $path path"; show "$W/$rt.err"; return; }
	check_record "$name" "$(record_of "$W/$rt.out" "$id")" "$rt" direct "$DIRECT_PHASES" ||
		show "$W/$rt.out" "$W/$rt.err"
}

# --why's wait sites on this kernel (docs/why.md): `runc run` of a bundle
# whose createRuntime hook sleeps 0.3 s: create has a site of the hook's
# of 150 ms or more (runc under emulation beside other guests was seen
# to block on it 115 ms after the hook began): its do_nanosleep (named
# from this kernel's stacks: __x64_sys_* or __arm64_sys_* entries),
# followed from runc's wait and woken from an interrupt, or runc's own
# wait for the hook's exit (do_wait, woken by sleep: which of its
# threads blocks is Go's scheduler's choice), no stack lost, at most 10 %
# of create's off-CPU time unattributed, no site a frame of the tracing
# itself (5.10 lists no JIT images: they fell to the nearest module
# symbol, cleanup_module); and the wakers' interrupts told
# by the preempt count (Debian's kernels have CONFIG_KALLSYMS_ALL), or
# where the kernel's BTF names no such variable (Debian 11's 5.10) by the
# interrupts' own tracepoints: told so, runc's wakes (a task of the
# start) carry no stack in the session's recording, but for its
# processes' exits (their wake of the parent comes after their mark is
# gone): at most one in four (x86's inverted top bit, and 5.10's
# unresolved ksym, once made every waker's stack walked).
test_why_waits() {
	local id=vm-waits-$$ b=$W/bundle-waits rc=0 t0 c
	"$HARNESS" bundle "$b" true >/dev/null || { fail "why waits: no bundle"; return; }
	jq '.hooks = {createRuntime: [{path: "/bin/sleep", args: ["sleep", "0.3"]}]}' \
		"$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
	t0=$(date +%s)
	timeout -k 5 600 "$CT" -v -j --why --record "$W/waits.rec" -- \
		runc --root "$W/runc" run --bundle "$b" "$id" </dev/null \
		>"$W/waits.out" 2>"$W/waits.err" || rc=$?
	echo "vmtest: why waits took $(($(date +%s) - t0)) s"
	[ "$rc" -eq 0 ] || { fail "why waits: coldtrace exited $rc"; show "$W/waits.err"; return; }
	c=$(record_of "$W/waits.out" "$id" | jq -c '.phases.create')
	if ! jq -e '.waits and .waits.lost_stacks == 0 and
		.waits.unattributed_ns <= 0.1 * .waits.offcpu_ns and
		all(.waits.sites[]; .site |
		    test("^(bpf_|__bpf_|__traceiter_|cleanup_module$|init_module$)") | not) and
		any(.waits.sites[]; .ns + .runq_ns >= 150000000 and
		    ((.site == "do_nanosleep" and
		      (.hop.kind == "interrupt" or .waker.kind == "interrupt")) or
		     (.site == "do_wait" and .waker.comm == "sleep")))' \
		<<<"${c:-null}" >/dev/null; then
		fail "why waits: create's sites $(jq -c '.waits' <<<"${c:-null}")"
		show "$W/waits.err"
		return
	fi
	if ! grep -qE 'wakers \((preempt count|preempt count beside the run queue|interrupt tracepoints)\)' \
		"$W/waits.err"; then
		fail "why waits: interrupts told by neither the preempt count nor their tracepoints: $(grep '^why:' "$W/waits.err" | head -n 2)"
		return
	fi
	"$CT" --replay "$W/waits.rec" --dump >"$W/waits.dump" 2>&1 ||
		{ fail "why waits: the recording does not replay"; return; }
	wk=$(grep -c ' WAKE .*comm="runc' "$W/waits.dump")
	st=$(grep -c ' WAKE .*comm="runc.*stack=' "$W/waits.dump")
	if [ "$wk" -eq 0 ] || [ $((st * 4)) -gt "$wk" ]; then
		fail "why waits: $st of runc's $wk wakes carry a stack: the preempt count was not read as one"
		return
	fi
	pass "why waits: $(jq -r '[.waits.sites[] | "\(.site) \(((.ns + .runq_ns) / 1e6) | floor) ms"] | join(", ")' <<<"$c")"
}

# coldtrace's syscall hooks that bpftool lists now: fentry/fexit links
# (only the sys object has them) and the perf events of PID on sys_enter,
# sys_exit, sched_switch (the tp_btf path; the lifecycle's stay).
sys_hooks() {	# PID
	local f t
	f=$(bpftool -j link show 2>/dev/null |
		jq '[.[] | select(.attach_type == "trace_fentry" or .attach_type == "trace_fexit")] | length')
	t=$(perf_events "$1" sys_enter sys_exit sched_switch)
	echo $((${f:-0} + ${t:-0}))
}

# How many perf events (bpftool) PID holds on the tracepoints TP...
perf_events() {	# PID TP...
	local p=$1 tp cond=false
	shift
	for tp in "$@"; do
		cond="$cond or .tracepoint == \"$tp\""
	done
	bpftool -j perf list 2>/dev/null | jq --argjson p "$p" \
		"[.[] | select(.pid == \$p and ($cond))] | length"
}

# Wait, up to SECONDS, for the steady state: coldtrace (pid PID, -v in
# ERR) said more than N "hooks detached", its last word was a detach, and
# bpftool lists none of its syscall hooks (released fentry links leave
# seconds later under emulation).  Prints how long it waited.
wait_steady() {	# PID ERR N SECONDS
	local t0=$SECONDS
	until_s "$4" steady_now "$1" "$2" "$3" || return 1
	echo $((SECONDS - t0))
}
steady_now() {	# PID ERR N
	[ "$(grep -c 'sys: hooks detached' "$2")" -gt "$3" ] &&
		grep -E 'sys: hooks (attached|detached)' "$2" | tail -n 1 |
		grep -q detached && [ "$(sys_hooks "$1")" = 0 ]
}

# Start N services (busybox nc -l, its listen ends its ready phase) in the
# background with runc; ids PREFIX-1 .. PREFIX-N.
services_start() {	# PREFIX N
	local i
	[ -d "$W/bundle-svc" ] ||
		"$HARNESS" bundle "$W/bundle-svc" nc -l -p 8080 >/dev/null || return 1
	for ((i = 1; i <= $2; i++)); do
		runc --root "$W/runc" run -d --bundle "$W/bundle-svc" "$1-$i" \
			</dev/null >/dev/null 2>>"$W/services.err" || return 1
	done
}

services_stop() {	# PREFIX N
	local i
	for ((i = 1; i <= $2; i++)); do
		runc --root "$W/runc" delete -f "$1-$i" >/dev/null 2>&1
	done
}

# The steady state: coldtrace --arm=auto, a service started under it and
# left running, its cold start over, the hooks detached (bpftool's word);
# then the exact-count loop with STEADY_ITER rounds in a second container,
# started from that state: every open counted.
test_steady() {
	local id=vm-steady-$$ svc=vm-svc-$$ b=$W/bundle-steady rc=0 ct t0 waited
	local opens=$((STEADY_ITER * 2)) name="steady runc"
	"$HARNESS" bundle "$b" sh -c "$STEADY_LOOP" >/dev/null ||
		{ fail "$name: no bundle"; return; }
	"$CT" -v -j --arm=auto -d 3600 </dev/null >"$W/steady.out" 2>"$W/steady.err" &
	ct=$!
	# its own first detach (nothing busy), then the service
	wait_detached "$W/steady.err"
	services_start "$svc" 1 ||
		{ fail "$name: the service did not start"; show "$W/services.err"; }
	if waited=$(wait_steady "$ct" "$W/steady.err" 1 300); then
		echo "vmtest: $name: steady $waited s after the service's start, bpftool lists no syscall hook of coldtrace"
	else
		fail "$name: no steady state in 300 s (hooks bpftool lists: $(sys_hooks "$ct"))"
		show "$W/steady.err"
	fi
	# Under emulation the fentry path's attach takes 3-5 s (one trampoline
	# update per program), longer than `runc run` takes to its first
	# open; in real use an engine client's exec asks well before its
	# runtime.  So a trigger's exec (runc --version, as a client's) asks
	# first, and the container starts once the hooks are attached.
	t0=$(grep -c 'sys: hooks attached' "$W/steady.err")
	runc --version >/dev/null 2>&1
	said_n "$W/steady.err" 'sys: hooks attached' $((t0 + 1))
	echo "vmtest: $name: attached for the container: $(grep 'sys: hooks attached' "$W/steady.err" | tail -n 1)"
	t0=$(date +%s)
	timeout -k 5 900 runc --root "$W/runc" run --bundle "$b" "$id" </dev/null \
		>/dev/null 2>&1 || rc=$?
	echo "vmtest: $name: $opens opens took $(($(date +%s) - t0)) s beside a running service, $(grep -m1 '^syscall hooks:' "$W/steady.err")"
	if waited=$(record_said "$W/steady.out" "$id"); then
		echo "vmtest: $name: the record came $waited s after runc run exited"
	else
		fail "$name: no record 60 s after runc run exited"
	fi
	ct_stop "$ct" "$name"
	services_stop "$svc" 1
	[ "$rc" -eq 3 ] || { fail "$name: runc run exited $rc, expected 3"; return; }
	OPENS=$opens check_record "$name" "$(record_of "$W/steady.out" "$id")" runc direct "$DIRECT_PHASES" ||
		show "$W/steady.out" "$W/steady.err"
	# Under emulation the fentry attach can come after the service's
	# listen: its record then says unarmed (what it is), with no ready.
	echo "vmtest: $name: the service's record: $(jq -c --arg id "$svc-1" \
		'select(.type == "container" and .id == $id) |
		{unarmed: (.unarmed // false), ready: (.phases.ready != null)}' "$W/steady.out"), $(grep -m1 'hooks attached' "$W/steady.err")"
}

# A container whose opens outlast its hold: bursts of 12 opens (10 of
# /etc/hostname, /proc/uptime, the append of "UPTIME OPENS" to its log),
# 0.1 s apart, for CUT_S s, then exit 3.  Its log is the truth of how
# many opens it had made by each CLOCK_BOOTTIME instant.
CUT_S=45
CUT_LOOP="n=1; read u _ </proc/uptime; end=\$((\${u%.*} + $CUT_S)); while :; do i=0; while [ \$i -lt 10 ]; do read x </etc/hostname; i=\$((i + 1)); done; n=\$((n + 12)); read u _ </proc/uptime; echo \"\$u \$n\" >>/tmp/cut.log; [ \${u%.*} -ge \$end ] && exit 3; sleep 0.1; done"

# Opens cut at the detach: started from the steady state (a trigger's
# exec asks first), the container holds the hooks 30 s after its program
# began (no ready), then they are detached, which takes seconds on the
# fentry path under emulation.  Its record's opens are those made by its
# opens.traced_until_ns (its log, the guest's boottime mapped to the
# wall clock), within a burst either way, not those made while the
# programs were leaving.
test_steady_cut() {
	local id=vm-cut-$$ b=$W/bundle-cut rc=0 ct t0 r until up w0 w1 off
	local name="steady cut" su lo hi got
	"$HARNESS" bundle "$b" sh -c "$CUT_LOOP" >/dev/null ||
		{ fail "$name: no bundle"; return; }
	"$CT" -v -j --arm=auto -d 3600 </dev/null >"$W/cut.out" 2>"$W/cut.err" &
	ct=$!
	wait_detached "$W/cut.err" || { fail_stop "$ct" "$W/cut.err" "$name: no first detach"; return; }
	t0=$(grep -c 'sys: hooks attached' "$W/cut.err")
	runc --version >/dev/null 2>&1
	said_n "$W/cut.err" 'sys: hooks attached' $((t0 + 1))
	timeout -k 5 300 runc --root "$W/runc" run --bundle "$b" "$id" </dev/null \
		>/dev/null 2>&1 || rc=$?
	record_said "$W/cut.out" "$id" >/dev/null || fail "$name: no record 60 s after runc run exited"
	ct_stop "$ct" "$name"
	[ "$rc" -eq 3 ] || { fail "$name: runc run exited $rc, expected 3"; return; }
	r=$(record_of "$W/cut.out" "$id")
	until=$(jq -r '.opens.traced_until_ns // 0' <<<"$r")
	[ "$until" -gt 0 ] ||
		{ fail "$name: no opens.traced_until_ns: the hooks stayed attached"; show "$W/cut.err"; return; }
	# wall - boottime: builtins only, a fork between the two reads takes
	# tens of ms under emulation (the offset too large, the cut early);
	# /proc/uptime is floored to 10 ms, so its reading + 5 ms, +- 5 ms
	w0=${EPOCHREALTIME/./}
	read -r up _ </proc/uptime
	w1=${EPOCHREALTIME/./}
	off=$(((w0 + w1) * 500 - ${up/./}0000000 - 5000000))
	su=$(((until - off) / 1000000))	# the stamp, boottime ms
	# opens made by su - 20 ms (less a burst in flight), by su + 20 ms
	lo=$(awk -v t=$((su - 20)) '{ ms = $1 * 1000 } ms <= t { n = $2 } END { print n + 0 - 12 }' "$b/rootfs/tmp/cut.log")
	hi=$(awk -v t=$((su + 20)) '{ ms = $1 * 1000 } ms >= t { print $2; exit }' "$b/rootfs/tmp/cut.log")
	got=$(jq -r '.opens.count' <<<"$r")
	echo "vmtest: $name: $got opens counted, $lo..$hi made by traced_until_ns, $(tail -n 1 "$b/rootfs/tmp/cut.log" | cut -d ' ' -f 2) in all; $(grep -m1 'programs detached' "$W/cut.err")"
	[ -n "$hi" ] && [ "$got" -ge "$lo" ] && [ "$got" -le "$hi" ] ||
		{ fail "$name: $got opens counted, $lo..$hi made by its traced_until_ns"; return; }
	pass "$name: the opens made by traced_until_ns, none of the detach's"
}

# A test's steps' times, said as "WHAT N s, ..." in LAPS: lap_start, then
# lap WHAT after each step (where a group's time goes, docs/vmtest.md).
lap_start() {
	LAP=$SECONDS LAPS=
}
lap() {	# WHAT
	LAPS+="${LAPS:+, }$1 $((SECONDS - LAP)) s"
	LAP=$SECONDS
}

# Run CMD every 0.1 s until it succeeds: true, or false after N s of
# the wall clock.  Bounds are in seconds, not tries: under emulation a
# try's fork and exec take ~0.4 s, and 600 tries of "60 s" took 289 s.
# (Reading the file as it grows, tail -F into bash's read, was tried:
# its waits took twice as long in the guest.)
until_s() {	# N CMD...
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# Wait, up to S s, for PID to end (tail's check every 0.2 s, no fork).
gone_within() {	# S PID
	timeout "$1" tail --pid="$2" -s 0.2 -f /dev/null
}

# Wait, up to 300 s, for a session's first detach, said in its -v ERR.
wait_detached() {	# ERR
	until_s 300 grep -q 'sys: hooks detached' "$1"
}

# Wait, up to 60 s, for the Nth line of ERR matching WORD; false if none.
said_n() {	# ERR WORD N
	until_s 60 said_now "$@"
}
said_now() {	# ERR WORD N
	[ "$(grep -c "$2" "$1")" -ge "$3" ]
}

# Wait, up to 60 s, for coldtrace's record of container ID in OUT (each
# record is flushed as it is made); prints the seconds waited.  It comes
# once every process of the container has exited, under emulation
# seconds after the runtime's own exit: a SIGINT before it ends the
# session with the record incomplete.
record_said() {	# OUT ID
	local t0=$SECONDS
	said_n "$1" "\"id\":\"$2\"" 1 || return 1
	echo $((SECONDS - t0))
}

# A failure, MSG: ERR shown, coldtrace PID stopped.
fail_stop() {	# PID ERR MSG
	fail "$3"
	show "$2"
	ct_stop "$1" "$3"
}

# The fentry path attaches runsc's stub sys_exit, which puts every
# syscall of the host on the slow path, only at a runsc's exec: a runc's
# attaches the hooks without it; from the next steady state a runsc's
# exec attaches both, and a runsc container from that state is counted
# whole (gVisor's listen never reaches the host: no ready phase).
test_steady_runsc() {
	local id=vm-steady-runsc-$$ b=$W/bundle-steady-runsc rc=0 ct n said waited
	local opens=$((STEADY_RUNSC_ITER * 2)) name="steady runsc" e=$W/steady-runsc.err
	[ "$HOOKS" = fentry ] || return 0	# tp_btf: one sys_exit for all
	"$HARNESS" bundle "$b" sh -c "${STEADY_LOOP/-lt $STEADY_ITER/-lt $STEADY_RUNSC_ITER}" >/dev/null ||
		{ fail "$name: no bundle"; return; }
	"$CT" -v -j --arm=auto -d 3600 </dev/null >"$W/steady-runsc.out" 2>"$e" &
	ct=$!
	wait_steady "$ct" "$e" 0 300 >/dev/null ||
		{ fail_stop "$ct" "$e" "$name: no steady state in 300 s"; return; }
	runc --version >/dev/null 2>&1
	said_n "$e" 'sys: hooks attached' 1 ||
		{ fail_stop "$ct" "$e" "$name: runc's exec attached nothing"; return; }
	n=$(perf_events "$ct" sys_exit)
	if [ "$n" != 0 ] || grep -q "runsc's stub" "$e"; then
		fail_stop "$ct" "$e" "$name: runc's exec attached runsc's stub ($n sys_exit)"
		return
	fi
	pass "$name: runc's exec attached the hooks, bpftool lists no sys_exit of coldtrace"
	wait_steady "$ct" "$e" 1 300 >/dev/null ||
		{ fail_stop "$ct" "$e" "$name: no second steady state in 300 s"; return; }
	runsc --version >/dev/null 2>&1
	said_n "$e" "sys: runsc's stub sys_exit attached" 1
	said=$?
	n=$(perf_events "$ct" sys_exit)
	if [ "$said" != 0 ] || [ "$n" != 1 ]; then
		fail_stop "$ct" "$e" "$name: runsc's exec did not attach its stub ($n sys_exit)"
		return
	fi
	echo "vmtest: $name: $(grep 'sys: hooks attached' "$e" | tail -n 1), runsc's stub with them"
	timeout -k 5 900 runsc --root "$W/runsc" --network=none --platform=ptrace \
		run --bundle "$b" "$id" </dev/null >/dev/null 2>&1 || rc=$?
	if waited=$(record_said "$W/steady-runsc.out" "$id"); then
		echo "vmtest: $name: the record came $waited s after runsc run exited"
	else
		fail "$name: no record 60 s after runsc run exited"
	fi
	ct_stop "$ct" "$name"
	[ "$rc" -eq 3 ] || { fail "$name: runsc run exited $rc, expected 3"; return; }
	OPENS=$opens check_record "$name" "$(record_of "$W/steady-runsc.out" "$id")" runsc direct "$DIRECT_PHASES" ||
		show "$W/steady-runsc.out" "$e"
}

# The traced docker session: one `docker run` per runtime, each of the
# loop (status 3, as expected: anything else is a failure).
docker_session() {
	cat <<'EOS'
d=$1 img=$2 loop=$3 r=0
for rt in runc crun runsc; do
	docker run --rm --network none --runtime $rt --cidfile "$d/cid.$rt" \
		--name "vm-$rt-$$" "$img" sh -c "$loop"
	s=$?
	echo "$s" >"$d/status.$rt"
	[ $s -eq 3 ] || r=1
done
exit $r
EOS
}

# dockerd and containerd for the docker group's tests, in a service
# cgroup of their own as under systemd; on cgroup v2.  Run once more
# after a failure, it first stops what the first run started.
docker_up() {
	local env t0 cgv cg=/sys/fs/cgroup/system.slice/coldtrace-harness.service
	# Daemons start in tens of seconds under emulation: wait longer.
	export CT_HARNESS_STATE=$W/harness.current CT_CGROUP_PARENT=/system.slice \
		CT_HARNESS_WAIT=300
	[ ! -e "$CT_HARNESS_STATE" ] || "$HARNESS" stop >/dev/null 2>&1
	unset DOCKER_HOST
	mkdir -p "$cg"
	t0=$(date +%s)
	env=$(sh -c 'echo $$ >"$1/cgroup.procs"; shift; exec "$@"' sh "$cg" \
		"$HARNESS" start 2>"$W/harness.err") &&
		"$HARNESS" image >/dev/null 2>>"$W/harness.err" ||
		{ fail "docker: harness did not start"; show "$W/harness.err"; return; }
	# shellcheck disable=SC1090
	. "$env"
	cgv=$(timeout 60 docker info --format '{{.CgroupVersion}} {{.CgroupDriver}}')
	echo "vmtest: dockerd $(timeout 60 docker version --format '{{.Server.Version}}'), cgroup $cgv, up in $(($(date +%s) - t0)) s"
	if [ "${cgv%% *}" = 2 ]; then
		pass "docker: dockerd on cgroup v2"
	else
		fail "docker: dockerd says cgroup '$cgv'"
	fi
}

test_docker() {
	local rc=0 rt t0
	t0=$(date +%s)
	timeout -k 5 900 "$CT" -j -- sh -c "$(docker_session)" sh "$W" "$CT_IMAGE" "$LOOP" \
		</dev/null >"$W/docker.out" 2>"$W/docker.err" || rc=$?
	echo "vmtest: docker session (runc, crun, runsc) took $(($(date +%s) - t0)) s, status $rc"
	for rt in runc crun runsc; do
		[ "$(cat "$W/status.$rt" 2>/dev/null)" = 3 ] ||
			{ fail "docker $rt: docker run exited $(cat "$W/status.$rt" 2>/dev/null), expected 3"; show "$W/docker.err"; continue; }
		check_record "docker $rt" "$(record_of "$W/docker.out" "$(cat "$W/cid.$rt")")" \
			"$rt" docker "$DOCKER_PHASES" || show "$W/docker.err"
	done
	[ "$rc" -eq 0 ] || fail "docker: coldtrace exited $rc"
}

# The pull checks: one complete docker pull record of REF in PULLS, every
# blob file followed whole, its layers the registry manifest's (digests,
# bytes within 1%), each fetched before unpacked, within T0..T1 (ns, the
# command's wall clock; registry.sh check).
pull_checked() {	# NAME PULLS T0 T1 STATUS ERR
	local ref=127.0.0.1:5000/ctpull got
	got=$(jq -r '"\(.layers | length) layers, \(.dur_ns / 1e6 | floor) ms, first byte after \(.ttfb_ns / 1e6 | floor) ms, \(.untraced_files) untraced"' "$2" | head -n 1)
	echo "vmtest: $1: ${got:-no pull record} (command $((($4 - $3) / 1000000)) ms, status $5)"
	if [ "$5" -ne 0 ]; then
		fail "$1: docker pull exited $5"
		show "$6"
	# named as dockerd stored it: the tag the client left out
	elif ! jq -se --arg ref "$ref:latest" 'length == 1 and (.[0] | .image == $ref and
			.engine == "docker" and .complete)' "$2" >/dev/null; then
		fail "$1: not one complete docker pull record of $ref"
		show "$2" "$6"
	elif ! jq -e '.untraced_files == 0' "$2" >/dev/null; then
		fail "$1: blob files not followed whole: the pull hooks came late"
		show "$2" "$6"
	elif ! "$SHARE/tools/registry.sh" check ctpull "$2" "$3" "$4" \
			2>>"$W/registry.err"; then
		fail "$1: the record differs from the registry or the clock"
		show "$W/registry.err" "$2"
	else
		pass "$1: docker pull, $PULL_LAYERS layers as the registry's"
	fi
}

# The pull tests' registry (tools/registry.sh) with their image pushed,
# once for the three: under emulation a start, a build and a push take
# tens of seconds.  PULL_REGISTRY says it is up.
pulls_up() {
	local reg=$SHARE/tools/registry.sh
	export CT_REGISTRY_STATE=$W/registry.current
	PULL_REGISTRY=
	if "$reg" start >/dev/null 2>"$W/registry.err" &&
		"$reg" push ctpull 1 "$PULL_LAYERS" 2>>"$W/registry.err"; then
		PULL_REGISTRY=1
	else
		fail "pull: no registry with the image"
		show "$W/registry.err"
		"$reg" stop >/dev/null 2>&1
	fi
}

# `docker pull` of PULL_LAYERS random layers (FROM scratch) from a
# registry in the guest (tools/registry.sh), traced by this kernel's
# path (pull_checked()).  MODE start: `coldtrace -- docker pull`, every
# hook attached by the session's start.  MODE steady: from a session
# whose hooks are detached; on the fentry path the pull hooks (write,
# pread64, close) must then join at dockerd's registry connect, within
# the half second before its first layer byte (docs/results/steady-state.md).
test_pull() {	# MODE
	local reg=$SHARE/tools/registry.sh ref=127.0.0.1:5000/ctpull rc=0 t0 t1
	local name="pull $1" o=$W/pull-$1
	[ -n "$PULL_REGISTRY" ] || { fail "$name: no registry with the image"; return; }
	# the image is not in dockerd: this pull fetches every layer
	"$reg" forget ctpull
	if [ "$1" = clientless ]; then
		pull_clientless "$name" "$o" || rc=$?
		jq -c 'select(.type == "pull")' "$o.out" >"$o.pulls" 2>/dev/null
		clientless_checked "$name" "$o.pulls" "$rc" "$o.err"
		return 0
	elif [ "$1" = start ]; then
		t0=$(date +%s%N)
		# shellcheck disable=SC2016 # $0 is the inner shell's
		timeout -k 5 600 "$CT" -j -- sh -c 'exec docker pull -q "$0" >/dev/null' "$ref" \
			</dev/null >"$o.out" 2>"$o.err" || rc=$?
		t1=$(date +%s%N)
	else
		pull_steady "$name" "$o" || rc=$?
		t0=$(cat "$o.t0") t1=$(cat "$o.t1")
	fi
	jq -c 'select(.type == "pull")' "$o.out" >"$o.pulls" 2>/dev/null
	pull_checked "$name" "$o.pulls" "$t0" "$t1" "$rc" "$o.err"
	[ "$1" = steady ] && grep -q '^syscall hooks: fentry' "$o.err" &&
		! grep -q 'sys: pull hooks attached .* after the registry connect' "$o.err" &&
		fail "$name: the pull hooks did not join at dockerd's connect"
	return 0
}

# A docker pull from a session whose hooks are detached: stamps its span
# in O.t0 and O.t1, says when the pull hooks joined; docker's status.
pull_steady() {	# NAME O
	local ref=127.0.0.1:5000/ctpull ct n rc=0
	date +%s%N >"$2.t0"
	date +%s%N >"$2.t1"
	"$CT" -v -j --arm=auto -d 3600 </dev/null >"$2.out" 2>"$2.err" &
	ct=$!
	wait_detached "$2.err"
	# Under emulation the fentry set attaches in 0.3-0.9 s, after
	# dockerd's connect: as in test_steady, a trigger's exec first.
	n=$(grep -c 'sys: hooks attached' "$2.err")
	docker --version >/dev/null 2>&1
	said_n "$2.err" 'sys: hooks attached' $((n + 1)) ||
		{ fail_stop "$ct" "$2.err" "$1: the hooks did not attach"; return 1; }
	date +%s%N >"$2.t0"
	timeout -k 5 600 docker pull -q "$ref" </dev/null >/dev/null 2>>"$2.err" || rc=$?
	date +%s%N >"$2.t1"
	said_n "$2.out" '"type":"pull"' 1
	ct_stop "$ct" "$1"
	echo "vmtest: $1: $(grep -m1 'sys: pull hooks attached' "$2.err" || echo 'the pull hooks never joined'), $(grep -m1 '^syscall hooks:' "$2.err")"
	return "$rc"
}

# A pull that no client waits for (kubelet's through CRI; here dockerd's
# API through curl, no engine client), from a session whose hooks are
# detached: dockerd's registry connect, seen by a tracepoint that is
# always attached, must attach them.  The pull begins on the "hooks
# detached" line of a runc's attach, which comes before the detach: the
# connect comes during it (seconds of fentry removals under emulation)
# and stops it: the test's line says whether it did ("asked for again
# meanwhile"), which a faster guest, done detaching first, would not.  Under emulation the attach and the first layer are a few
# hundred milliseconds apart, and a blob file opened before the hooks
# is not seen.  So a record, if any, must say from when it was traced
# (after its start), and every layer it lists must be the registry's,
# or be said untraced; the host's pull.sh, where the hooks come in
# milliseconds, checks every layer.  Stamps O.t0, O.t1.
pull_clientless() {	# NAME O
	local ref=127.0.0.1:5000/ctpull ct rc=0
	lap_start
	"$CT" -v -j --arm=auto -d 3600 </dev/null >"$2.out" 2>"$2.err" &
	ct=$!
	wait_detached "$2.err" ||
		{ fail_stop "$ct" "$2.err" "$1: the hooks never detached"; return 1; }
	lap "first detach"
	runc --version >/dev/null 2>&1
	said_n "$2.err" 'sys: hooks detached' 2 ||
		{ fail_stop "$ct" "$2.err" "$1: runc's attach never ended"; return 1; }
	lap "runc's attach"
	date +%s%N >"$2.t0"
	timeout -k 5 600 curl -sf --unix-socket "${DOCKER_HOST#unix://}" -X POST \
		"http://docker/images/create?fromImage=$ref&tag=latest" \
		>/dev/null 2>>"$2.err" || rc=$?
	date +%s%N >"$2.t1"
	lap pull
	# a complete pull's record comes 1 s (event time) after its end; one
	# whose hooks came after its blob files opened, at the stop alone
	until_s 20 said_now "$2.out" '"type":"pull"' 1 || true
	lap "its record"
	ct_stop "$ct" "$1"
	lap stop
	echo "vmtest: $1: $(grep -m1 'sys: hooks attached .* registry connect' "$2.err" || echo 'no attach at the connect'); $(grep -m1 'sys: pull hooks attached' "$2.err" || echo 'no pull group said'); $(grep 'programs detached' "$2.err" | sed -n 2p)"
	echo "vmtest: $1: took $LAPS"
	return "$rc"
}

clientless_checked() {	# NAME PULLS STATUS ERR
	local seen
	if [ "$3" -ne 0 ]; then
		fail "$1: curl's pull exited $3"
		show "$4"
	elif ! grep -q 'sys: hooks attached .* after the registry connect that asked' "$4"; then
		fail "$1: dockerd's registry connect attached no hook"
		show "$4"
	elif [ "$(jq -s length "$2")" -eq 0 ]; then
		pass "$1: the connect attached the hooks ($(grep -m1 -o 'attached [0-9.]* ms after the registry' "$4")); no record: every blob file opened before"
	elif ! jq -se 'length == 1 and (.[0] | .engine == "docker" and
			.traced_from_ns > .start_ns)' "$2" >/dev/null; then
		fail "$1: not one docker pull saying from when it was traced"
		show "$2" "$4"
	elif jq -se '.[0] | .complete | not' "$2" >/dev/null; then
		# Its end, dockerd's rename of repositories.json, comes after its
		# last blob file: a pull whose end was not seen can only be
		# one whose hooks came after every blob file had opened.
		if jq -se '.[0] | (.layers | length) > 0 and
				.untraced_files == (.layers | length) and
				all(.layers[]; .untraced)' "$2" >/dev/null; then
			pass "$1: the connect attached the hooks; they came after every blob file opened, and the record says so: $(jq -r '"not complete, \(.untraced_files) untraced, traced from \((.traced_from_ns - .start_ns) / 1e6 | floor) ms"' "$2")"
		else
			fail "$1: a layer seen but not the pull's end"
			show "$2" "$4"
		fi
	elif ! seen=$("$SHARE/tools/registry.sh" check-traced ctpull "$2" \
			2>>"$W/registry.err"); then
		fail "$1: layers unlike the registry's (${seen:-?} seen whole)"
		show "$W/registry.err" "$2"
	else
		pass "$1: the connect attached the hooks; $seen of $PULL_LAYERS layers seen whole, as the registry's, $(jq -r '"traced from \((.traced_from_ns - .start_ns) / 1e6 | floor) ms, \(.untraced_files) untraced"' "$2")"
	fi
}

# The names of the fentry and fexit programs attached (bpftool).
fentry_progs() {
	# two bpftools and a jq: a bpftool and a jq for each program took
	# a minute under emulation
	bpftool -j link show 2>/dev/null | jq -r --slurpfile p \
		<(bpftool -j prog show 2>/dev/null) '.[] |
		select(.attach_type == "trace_fentry" or
			.attach_type == "trace_fexit") | .prog_id as $id |
		$p[0][] | select(.id == $id) | .name'
}

# test_stdin's other client (PID) and its container gone.
stdin_hold_stop() {	# PID
	docker rm -f vm-stdin-hold >/dev/null 2>&1
	bg_stop "$1"
}

# A `docker run -i` whose stdin data comes STDIN_S s after its start,
# from a session whose hooks a runc's exec attached: on the fentry path
# read(2)'s hooks (prepare's stdin) are then off, and must join at a
# client's exec.  That client is a `docker run` of another container
# left running (a client that starts one holds the hooks 30 s; a
# `docker events` only reads and asks for nothing): the trampolines take
# 0.7-1.5 s to attach under emulation, about when docker run's client
# first reads its stdin, and a read under way at the attach is never
# seen.  The record's client read its data no
# sooner than the sleep allows (less 0.5 s for the two processes'
# start) and waited for it no longer than it had lived.
test_stdin() {
	local name="docker stdin" o=$W/stdin e=$W/stdin.err ct ev rc=0 t0 t1 got
	lap_start
	"$CT" -v -j --arm=auto -d 3600 </dev/null >"$o.out" 2>"$e" &
	ct=$!
	wait_detached "$e" ||
		{ fail_stop "$ct" "$e" "$name: the hooks never detached"; return; }
	lap "first detach"
	runc --version >/dev/null 2>&1
	said_n "$e" 'sys: hooks attached' 1 ||
		{ fail_stop "$ct" "$e" "$name: runc's exec attached nothing"; return; }
	lap "runc's attach"
	# runc's exec came during the session's first detach, which it
	# stops: no program of a group that is off may stay (pulls' and
	# stdin's; the stub's sys_exit is not fentry)
	if [ "$HOOKS" = fentry ] &&
		got=$(fentry_progs | grep -E '^ct_f[ex]_(read|pread64|write|close)'); then
		fail_stop "$ct" "$e" "$name: after runc's exec, programs of groups that are off: $(tr "\n" " " <<<"$got")"
		return
	fi
	docker run --rm --network none --name vm-stdin-hold "$CT_IMAGE" \
		sleep 120 >/dev/null 2>&1 &
	ev=$!
	if [ "$HOOKS" = fentry ] && ! { said_n "$e" "sys: stdin hooks attached .* after the client's exec" 1 &&
			[ "$(fentry_progs | grep -c '^ct_f[ex]_read')" = 2 ]; }; then
		stdin_hold_stop "$ev"
		fail_stop "$ct" "$e" "$name: read(2)'s hooks did not join at the client's exec"
		return
	fi
	lap "the other client's"
	rm -f "$W/cid.stdin"
	t0=$(date +%s%N)
	# shellcheck disable=SC2016 # the container's shell reads it
	{ sleep "$STDIN_S"; echo go; } | timeout -k 5 600 docker run -i --rm \
		--network none --cidfile "$W/cid.stdin" "$CT_IMAGE" \
		sh -c 'read x && [ "$x" = go ] && exit 3' 2>>"$e" || rc=$?
	t1=$(date +%s%N)
	lap "docker run -i"
	stdin_hold_stop "$ev"
	lap "the other's stop"
	record_said "$o.out" "$(cat "$W/cid.stdin" 2>/dev/null)" >/dev/null
	lap "its record"
	ct_stop "$ct" "$name"
	lap stop
	echo "vmtest: $name: took $LAPS"
	# "NS_AFTER_EXEC NS_WAITED", or empty: no record, or no data read
	got=$(record_of "$o.out" "$(cat "$W/cid.stdin" 2>/dev/null)" |
		jq -r '.client | select(.stdin_ns) |
			"\(.stdin_ns - .exec_ns) \(.stdin_wait_ns)"')
	echo "vmtest: $name: $(grep -m1 'sys: stdin hooks attached' "$e" || echo 'no stdin hooks joined'); $(
		[ -n "$got" ] && echo "data $((${got%% *} / 1000000)) ms after the client's exec, waited $((${got##* } / 1000000)) ms" ||
		echo "no stdin data in a record") (command $(((t1 - t0) / 1000000)) ms)"
	got=${got:-0 0}
	if [ "$rc" -ne 3 ]; then
		fail "$name: docker run -i exited $rc, expected 3"
		show "$e"
	elif ! awk -v d="${got%% *}" -v w="${got##* }" -v s="$STDIN_S" -v t=$((t1 - t0)) \
			'BEGIN { exit !(d >= (s - 0.5) * 1e9 && d <= t && w > 0 && w <= d) }'; then
		fail "$name: stdin data $got ns (after exec, waited) against a ${STDIN_S} s sleep and a $((t1 - t0)) ns command"
		show "$o.out" "$e"
	else
		pass "$name: the client's stdin data, ${STDIN_S} s late, seen"
	fi
}

# ---- bench: steady-state ratios ----

# Background coldtrace with OPTIONS, its -v on $W/bench.err; returns once
# it says WORD (attached, detached), false after 300 s.
bench_ct() {	# WORD OPTIONS...
	local word=$1
	shift
	CT_FEATURES_OFF=${BENCH_MASK:-} "$CT" -v "$@" >/dev/null 2>"$W/bench.err" &
	BENCH_CT=$!
	bench_said "$word"
}

# tools/bench/floor's empty PROGS of floor.bpf.c in the background, as
# BENCH_CT; returns once they are attached, false after 300 s.
bench_floor() {	# PROGS...
	"$SHARE/floor" "$SHARE/floor.bpf.o" "$@" >"$W/bench.err" 2>&1 &
	BENCH_CT=$!
	bench_said "^attached $#"
}

# Wait until BENCH_CT's output says WORD; false if it died or after 300 s.
bench_said() {	# WORD
	until_s 300 bench_now "$1" && grep -q "$1" "$W/bench.err"
}
bench_now() {	# WORD: said, or BENCH_CT gone
	grep -q "$1" "$W/bench.err" || ! alive "$BENCH_CT"
}

bench_ct_stop() {
	[ -n "${BENCH_CT:-}" ] || return 0
	ct_stop "$BENCH_CT" bench
	BENCH_CT=
}

# One measurement of CONFIG in ROUND: "round config op ns" lines.
bench_one() {	# ROUND CONFIG
	local ok=0 links
	BENCH_MASK=
	case "$2" in
	none) ok=1 ;;
	fentry) bench_ct 'sys: attached' --arm=always -d 3600 && ok=1 ;;
	fentry-norunsc) bench_ct 'sys: attached' --arm=always -r runc,crun,kata \
		-d 3600 && ok=1 ;;
	fentry-nopulls) bench_ct 'sys: attached' --arm=always -r runc,crun,kata \
		--no-pulls -d 3600 && ok=1 ;;
	floor-fentry) bench_floor $FLOOR_NOPULLS && ok=1 ;;
	floor-pulls) bench_floor $FLOOR_NOPULLS floor_fe_read floor_fx_read \
		floor_fe_pread64 floor_fe_write floor_fe_close && ok=1 ;;
	tp_btf) BENCH_MASK=fentry
		bench_ct 'sys: attached' --arm=always -d 3600 && ok=1 ;;
	auto-runc) bench_ct 'sys: hooks detached' --arm=auto -d 3600 &&
		bench_hold runc && ok=1 ;;
	steady) bench_ct 'sys: hooks detached' --arm=auto -d 3600 &&
		services_start "vm-bench-$1" "$BENCH_SERVICES" &&
		bench_steady "$1" && ok=1 ;;
	esac
	if [ "$ok" = 1 ]; then
		sleep 1
		links=$(bench_links)
		"$SHARE/sysbench" -f /etc/hostname open "$BENCH_N" read "$BENCH_N" \
			sysread "$BENCH_N" write "$BENCH_N" connect "$BENCH_N" \
			stat "$BENCH_N" |
			awk -v r="$1" -v c="$2" '{ print r, c, $1, $3 }' >"$W/bench.one"
		# a measurement of other hooks than meant is not kept
		if bench_check "$1" "$2" "$links"; then
			cat "$W/bench.one" >>"$W/bench.raw"
		else
			echo "$2/round$1" >>"$W/bench.dropped"
		fi
		[ "$1" = 0 ] && [ "$2" != none ] && bench_prog_cost "$2"
	fi
	bench_ct_stop
	# each tracer's stderr stays (guest-init.sh copies *.err out)
	[ "$2" = none ] || cp "$W/bench.err" "$W/bench.$1.$2.err"
	[ "$2" = steady ] && services_stop "vm-bench-$1" "$BENCH_SERVICES"
	if [ -n "${BENCH_HOLD:-}" ]; then
		bg_stop "$BENCH_HOLD"
		BENCH_HOLD=
	fi
}

# The hooks as a start of runtime NAME holds them under --arm=auto: a
# process of that comm (sleep, copied) alive, exec'ed anew every 20 s (a
# runtime holds them 30 s after its exec, CT_ARM_HOLD_NS), as
# BENCH_HOLD, once coldtrace (already detached) says it attached them
# again.  Stopping BENCH_HOLD stops its current one too.
bench_hold() {	# NAME
	cp "$(command -v sleep)" "$W/$1" || return 1
	(
		trap 'kill "$c" 2>/dev/null; exit 0' TERM
		while :; do
			"$W/$1" 20 &
			c=$!
			wait "$c"
		done
	) &
	BENCH_HOLD=$!
	bench_said 'sys: hooks attached'
}

# What is attached, from bpftool (not coldtrace): the links' attach
# types (trace_fentry, trace_fexit; trace_raw_tp are the tp_btf
# programs, the lifecycle's included), counted.
bench_links() {
	bpftool -j link show 2>/dev/null |
		jq -r '.[] | .attach_type // ((.type // "?") + ":" + (.tp_name // "?"))' |
		sort | uniq -c | awk '{ printf "%s%s %s", s, $1, $2; s = ", " }'
}

# Whether CONFIG's ROUND measured what it meant to: the same links just
# before and just after the loops, the same as in round 0 (said then),
# and its tracer still alive; else says why and returns false.
bench_check() {	# ROUND CONFIG LINKS_BEFORE
	local after first
	after=$(bench_links)
	if [ "$1" = 0 ]; then
		echo "vmtest: bench $2: bpftool links: $3"
		echo "vmtest: bench $2: $(grep -m1 '^sys: attached' "$W/bench.err")"
		BENCH_LINKS[$2]=$3
	fi
	first=${BENCH_LINKS[$2]-}
	if [ "$after" != "$3" ] || [ "$3" != "$first" ]; then
		echo "vmtest: bench $2, round $1: links before the loops [$3], after [$after], round 0 [$first]"
		return 1
	fi
	if [ -n "${BENCH_CT:-}" ] && ! alive "$BENCH_CT"; then
		echo "vmtest: bench $2, round $1: its tracer had exited"
		return 1
	fi
}

# What each BPF program that runs on an open+close loop costs per run,
# by the kernel's own statistics (kernel.bpf_stats_enabled: the time
# between the trampoline's enter and exit of the program, the program
# alone): a loop of its own after the measured ones, which the
# statistics would slow.  Under -icount shift=0 a nanosecond is an
# instruction, so a handler's cost is parted from its trampoline's.
bench_prog_cost() {	# CONFIG
	local n=20000
	if ! sysctl -qw kernel.bpf_stats_enabled=1; then
		echo "vmtest: bench $1: no BPF ns per run: kernel.bpf_stats_enabled could not be set"
		return 0
	fi
	bpftool -j prog show >"$W/bench.prog0" 2>/dev/null
	"$SHARE/sysbench" -f /etc/hostname open "$n" >/dev/null
	bpftool -j prog show >"$W/bench.prog1" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled=0
	# programs that ran at least once per 10 ops of the loop
	echo "vmtest: bench $1: BPF ns per run on an open+close loop of $n: $(jq -nr \
		--slurpfile a "$W/bench.prog0" --slurpfile b "$W/bench.prog1" --argjson n "$n" '
		($a[0] | map({(.id | tostring): .}) | add) as $was |
		[$b[0][] | . as $p | ($was[$p.id | tostring] // {}) as $o |
		 (($p.run_cnt // 0) - ($o.run_cnt // 0)) as $runs |
		 select($runs * 10 >= $n) |
		 "\($p.name) \((($p.run_time_ns // 0) - ($o.run_time_ns // 0)) / $runs | floor) (\($runs) runs)"] |
		if length == 0 then "none ran" else join(", ") end')"
}

# The steady state after coldtrace's first detach (bench_ct) and the
# start of BENCH_SERVICES services: said in round 0.
bench_steady() {	# ROUND
	local waited
	waited=$(wait_steady "$BENCH_CT" "$W/bench.err" 1 300) || return 1
	[ "$1" = 0 ] && echo "vmtest: bench steady: $BENCH_SERVICES services running, steady $waited s after their start, bpftool lists no syscall hook of coldtrace"
	return 0
}

bench_median() {	# CONFIG OP
	awk -v c="$1" -v o="$2" '$2 == c && $3 == o { print $4 }' "$W/bench.raw" |
		sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# The median of CONFIG's per-round ratios to the same round's none, with
# their range: "median (min-max)".
bench_paired() {	# CONFIG OP
	awk -v c="$1" -v o="$2" '$3 != o { next }
		$2 == "none" { b[$1] = $4 } $2 == c { v[$1] = $4 }
		END { for (r in v) if (b[r] > 0) print v[r] / b[r] }' "$W/bench.raw" |
		sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%.3f (%.3f-%.3f)",
			(NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR] }'
}

test_bench() {
	# shellcheck disable=SC2206 # a list of words
	local cfgs=(none $BENCH_CONFIGS) r i c op b v line paired missing=
	local n=${#cfgs[@]}
	[ -x "$SHARE/sysbench" ] || { fail "bench: no sysbench in the share"; return; }
	: >"$W/bench.raw"
	BENCH_LINKS=()
	: >"$W/bench.dropped"
	for ((r = 0; r < BENCH_ROUNDS; r++)); do
		for ((i = 0; i < n; i++)); do
			bench_one "$r" "${cfgs[(r + i) % n]}"
		done
	done
	for op in open read sysread write connect stat; do
		b=$(bench_median none "$op")
		line="bench $op: none ${b:-?} ns"
		paired="bench $op, median of the rounds' own ratios:"
		for c in "${cfgs[@]:1}"; do
			v=$(bench_median "$c" "$op")
			if [ -z "$v" ] || [ -z "$b" ]; then
				missing="$missing $c/$op"
				continue
			fi
			line="$line, $c/none $(awk -v a="$v" -v b="$b" 'BEGIN { printf "%.3f", a / b }')"
			paired="$paired $c $(bench_paired "$c" "$op");"
		done
		echo "vmtest: $line (medians over $BENCH_ROUNDS rounds of sysbench's best batch, $BENCH_N each)"
		echo "vmtest: ${paired%;}"
	done
	if [ -n "$missing" ]; then
		fail "bench: not measured:$missing"
		show "$W/bench.err"
	elif [ -s "$W/bench.dropped" ]; then
		fail "bench: measured other hooks than meant, dropped: $(tr '\n' ' ' <"$W/bench.dropped")"
	else
		pass "bench: ${cfgs[*]} measured $BENCH_ROUNDS times each"
	fi
}

# One test, its name first in out/current: where a guest that ran out of
# time was (guest-init.sh says it).  A test that failed runs once more,
# as tests/integration/run.sh retries one; passing then, it is FLAKY,
# said with its first failure (run.sh's summary repeats it), and its
# second run's lines count.
run() {	# FUNCTION ARGS...
	local f0=$failed p0=$passed s0=$SECONDS why
	echo "$*" >"$SHARE/out/current"
	FIRST_FAIL=
	"$@"
	if [ "$failed" -ne "$f0" ]; then
		why=$FIRST_FAIL
		failed=$f0 passed=$p0
		echo "vmtest: RETRY $*, once more after: $why"
		"$@"
		[ "$failed" -eq "$f0" ] && echo "vmtest: FLAKY $*: passed once more after: $why"
	fi
	# each test's time, for where a group's goes (docs/vmtest.md)
	echo "vmtest: $* took $((SECONDS - s0)) s"
}

echo "vmtest: coldtrace $("$CT" -V 2>&1 | head -n 1) on $(uname -r) ($(uname -m)), up $(cut -d' ' -f1 /proc/uptime) s"
for g in $VMTEST_GROUPS; do
	g0=$SECONDS
	case "$g" in
	load) run test_floor; run test_hooks
		for s in "${LOAD_SETS[@]}"; do run test_load "$s"; done ;;
	direct) run test_direct runc; run test_direct runsc
		run test_direct runc tp_btf; run test_why_waits ;;
	steady) run test_steady; run test_steady_runsc; run test_steady_cut ;;
	docker) [ "$VMTEST_DOCKER" = 1 ] || continue
		run docker_up
		if [ -n "${DOCKER_HOST:-}" ]; then
			run test_docker
			run pulls_up
			run test_pull start
			run test_pull steady
			run test_pull clientless
			"$SHARE/tools/registry.sh" stop >/dev/null 2>&1
			run test_stdin
		fi
		"$HARNESS" stop >/dev/null 2>&1 ;;
	bench) run test_bench ;;
	*) fail "unknown test group $g" ;;
	esac
	# each group's time, for the CI's schedule (docs/vmtest.md)
	echo "vmtest: group $g took $((SECONDS - g0)) s"
done
echo "vmtest: $(uname -r): $passed passed, $failed failed"
exit $((failed > 0))
