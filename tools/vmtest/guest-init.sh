#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# PID 1 of a vmtest guest (after tools/vmtest/init.sh's switch_root): the
# mounts a container host needs, a pure cgroup v2 hierarchy laid out as
# systemd lays it out, then tools/vmtest/guest-tests.sh, within a
# deadline; its output goes to the shared folder's out/log, and the guest
# powers off.  No systemd: under software emulation it would add a
# minute of boot and units to wait for; the hierarchy it makes is what
# the runtimes see, and that is made here directly.
SHARE=/mnt/vmtest
# shellcheck source=tools/vmtest/lib.sh
. "$SHARE/tools/vmtest/lib.sh"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8

mounts() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	# Pure v2: the kernel was booted with cgroup_no_v1=all.
	mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
	mount -t tracefs tracefs /sys/kernel/tracing
	mount -t debugfs debugfs /sys/kernel/debug
	mount -t bpf bpf /sys/fs/bpf
	mkdir -p /dev/pts /dev/shm /dev/mqueue
	mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	mount -t mqueue mqueue /dev/mqueue
	mount -t tmpfs -o mode=0755 tmpfs /run
	mount -o remount,rw /
	ln -sf /proc/self/fd /dev/fd
	hostname vmtest
	ip link set lo up
}

# systemd's layout: PID 1 in /init.scope, services under /system.slice
# with every controller delegated down to them.  Only leaves hold
# processes (the v2 rule for cgroups with controllers enabled).
cgroups() {
	local cg=/sys/fs/cgroup c
	mkdir -p "$cg/init.scope" "$cg/system.slice"
	echo $$ >"$cg/init.scope/cgroup.procs"
	for c in $(cat "$cg/cgroup.controllers"); do
		echo "+$c" >"$cg/cgroup.subtree_control"
		echo "+$c" >"$cg/system.slice/cgroup.subtree_control"
	done
}

# The tests' own deadline, SECONDS (run.sh sets it below QEMU's timeout):
# then the test it was in, the processes and where each coldtrace waits
# are said, and the tests' session is stopped, so that a hang still
# leaves its log, its files and where it hung.
deadline() {	# PID SECONDS
	local i p
	for ((i = 0; i < $2; i++)); do
		alive "$1" || return 0
		sleep 1
	done
	echo "vmtest: FAIL out of time: the tests still ran after $2 s, in: $(cat "$SHARE/out/current" 2>/dev/null)"
	# the processes, not the kernel's threads
	ps --ppid 2 -p 2 --deselect -o pid,ppid,stat,etimes,args | cut -c 1-200 |
		sed 's/^/  ps: /'
	for p in $(pgrep -x coldtrace); do
		stacks "$p"
	done
	kill -TERM -- "-$1"
	sleep 10
	kill -KILL -- "-$1" 2>/dev/null
}

GUEST_TIMEOUT=1080
# shellcheck disable=SC1091 # written by run.sh for this boot
[ -r "$SHARE/config" ] && . "$SHARE/config"
mounts
cgroups
mkdir -p "$SHARE/out"
: >"$SHARE/out/log"
while :; do date +%s >"$SHARE/out/heartbeat"; sleep "$HEARTBEAT_S"; done &
echo "vmtest: kernel $(uname -r), cgroup controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
cd "$SHARE" || exit 1
t0=$(date +%s)
VMTEST_W=$(mktemp -d /tmp/vmtest.XXXXXX)
export VMTEST_W
setsid "$SHARE/tools/vmtest/guest-tests.sh" >>"$SHARE/out/log" 2>&1 &
tests=$!
deadline "$tests" "$GUEST_TIMEOUT" >>"$SHARE/out/log" 2>&1 &
watch=$!
wait "$tests"
rc=$?
kill "$watch" 2>/dev/null
echo "$rc $(($(date +%s) - t0))" >"$SHARE/out/rc"
# coldtrace's outputs and stderr of every test, kept with the log
mkdir -p "$SHARE/out/files" && cp "$VMTEST_W"/*.out "$VMTEST_W"/*.err "$SHARE/out/files/" 2>/dev/null
sync
echo "vmtest: guest done, status $rc"
# Power off (with -no-reboot, QEMU exits); if sysrq is off, PID 1's exit
# panics the kernel, and panic=-1 reboots, which QEMU also turns into
# its exit.
echo 1 >/proc/sys/kernel/sysrq
echo o >/proc/sysrq-trigger
sleep 10
exit "$rc"
