// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor of tools/bench/bpf-cost: empty programs on the hooks that
 * coldtrace and bpftrace use.  What one of them costs per run is what
 * any program pays there before doing anything (the cost targets' "floor").
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* coldtrace's hook: every syscall of every process (bpf/sys.bpf.c) */
SEC("tp_btf/sys_enter")
int floor_enter(void *ctx)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int floor_exit(void *ctx)
{
	return 0;
}

/* cost target 1's first floor and bpftrace's hook (docs/bench.md "Cost
 * targets"): openat only */
SEC("tracepoint/syscalls/sys_enter_openat")
int floor_openat_in(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int floor_openat_out(void *ctx)
{
	return 0;
}

/*
 * The fentry path's floor (kernels with fentry: the QEMU guests' bench,
 * tools/vmtest/guest-tests.sh): a trampoline on each of the two syscalls
 * of the bench's loops that coldtrace still hooks with --no-pulls and
 * without runsc (openat, connect), entry and exit as coldtrace's.
 */
SEC("fentry/__x64_sys_openat")
int floor_fe_openat(void *ctx)
{
	return 0;
}

SEC("fexit/__x64_sys_openat")
int floor_fx_openat(void *ctx)
{
	return 0;
}

SEC("fentry/__x64_sys_connect")
int floor_fe_connect(void *ctx)
{
	return 0;
}

SEC("fexit/__x64_sys_connect")
int floor_fx_connect(void *ctx)
{
	return 0;
}

/*
 * The rest of what coldtrace hooks on the bench's loops by default
 * (floor-pulls): the pull tracer's fd syscalls, and read's exit for an
 * engine client's stdin.
 */
SEC("fentry/__x64_sys_read")
int floor_fe_read(void *ctx)
{
	return 0;
}

SEC("fexit/__x64_sys_read")
int floor_fx_read(void *ctx)
{
	return 0;
}

SEC("fentry/__x64_sys_pread64")
int floor_fe_pread64(void *ctx)
{
	return 0;
}

SEC("fentry/__x64_sys_write")
int floor_fe_write(void *ctx)
{
	return 0;
}

SEC("fentry/__x64_sys_close")
int floor_fe_close(void *ctx)
{
	return 0;
}

/* the context switch hook of --why and of runsc's open timing */
SEC("tp_btf/sched_switch")
int floor_switch(void *ctx)
{
	return 0;
}

/* a uprobe's floor (tools/bench/uprobe-cost): attached by floor -u */
SEC("uprobe")
int floor_uprobe(void *ctx)
{
	return 0;
}
