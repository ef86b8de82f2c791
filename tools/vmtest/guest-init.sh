#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# PID 1 of a vmtest guest (after tools/vmtest/init.sh's switch_root): the
# mounts a container host needs, a pure cgroup v2 hierarchy laid out as
# systemd lays it out, then tools/vmtest/guest-tests.sh; its output goes
# to the console and to the shared folder's out/, and the guest powers
# off.  No systemd: under software emulation it would add a minute of
# boot and units to wait for; the hierarchy it makes is what the
# runtimes see, and that is made here directly.
SHARE=/mnt/vmtest
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

mounts
cgroups
mkdir -p "$SHARE/out"
echo "vmtest: kernel $(uname -r), cgroup controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
cd "$SHARE" || exit 1
t0=$(date +%s)
"$SHARE/tools/vmtest/guest-tests.sh" 2>&1 | tee "$SHARE/out/log"
rc=${PIPESTATUS[0]}
echo "$rc $(($(date +%s) - t0))" >"$SHARE/out/rc"
sync
echo "vmtest: guest done, status $rc"
# Power off (with -no-reboot, QEMU exits); if sysrq is off, PID 1's exit
# panics the kernel, and panic=-1 reboots, which QEMU also turns into
# its exit.
echo 1 >/proc/sys/kernel/sysrq
echo o >/proc/sysrq-trigger
sleep 10
exit "$rc"
