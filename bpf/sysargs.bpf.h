/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Syscalls seen from the raw syscall tracepoints: one tp_btf/sys_enter
 * and one tp_btf/sys_exit program for the whole tool (bpf/sys.bpf.c),
 * dispatching on the syscall number, instead of one perf-event
 * tracepoint (syscalls/sys_enter_X) per syscall.  Why: each perf syscall
 * tracepoint waits for an RCU grace period when it is detached (~80 ms
 * here, serialized under event_mutex: 27 of them made coldtrace take 2 s
 * to exit), a tp_btf link detaches at once (docs/design.md "Facts measured").
 * The price: these programs run on every syscall of every process, so there is
 * one pair only, and a dispatcher must reject an uninteresting syscall number
 * first, before any helper call or map lookup.  On kernels with fentry
 * the same pt_regs come from the fentry/fexit programs on the syscall
 * functions (__x64_sys_*, __arm64_sys_*: include/syscalls.h), and only
 * the syscalls hooked pay.
 *
 * Include after vmlinux.h and the libbpf headers (bpf_tracing.h).
 */
#ifndef __CT_SYSARGS_BPF_H
#define __CT_SYSARGS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "task.bpf.h"

#include "syscalls.h"

#define CT_ENOSYS	38

/*
 * Arguments as the syscall saw them.  x86-64: di, si, dx, r10 (not cx:
 * the syscall instruction clobbers it).  arm64: x0-x3, the first from
 * orig_x0, as x0 holds the result at sys_exit (libbpf's _SYSCALL macros
 * know both).  regs is a BTF pointer, so these are direct CO-RE-relocated
 * loads, not bpf_probe_read calls (but arm64's orig_x0, a CO-RE read).
 */
#define ct_sys_arg0(regs)	((unsigned long)PT_REGS_PARM1_SYSCALL(regs))
#define ct_sys_arg1(regs)	((unsigned long)PT_REGS_PARM2_SYSCALL(regs))
#define ct_sys_arg2(regs)	((unsigned long)PT_REGS_PARM3_SYSCALL(regs))
#define ct_sys_arg3(regs)	((unsigned long)PT_REGS_PARM4_SYSCALL(regs))

#ifdef CT_ARCH_X86
/*
 * The syscall number in a task's saved registers (orig_ax, which the
 * entry saved): sys_exit gets no number, and a ptrace syscall stop of
 * another task is known only by its registers (bpf/opens.bpf.c).
 */
static __always_inline long ct_sys_nr(struct pt_regs *regs)
{
	return (long)regs->orig_ax;
}

/* The same through a probe read: @regs is not a BTF pointer. */
static __always_inline long ct_sys_nr_read(struct pt_regs *regs)
{
	return BPF_CORE_READ(regs, orig_ax);
}

/* arch/x86/include/asm/thread_info.h: a 32-bit syscall is running. */
#define CT_TS_COMPAT	0x0002

/*
 * Is this a native 64-bit syscall of @t, the current task (@regs, its
 * registers: arm64's test)?  A 32-bit (ia32) syscall reaches the raw
 * tracepoints with its i386 number (i386's 3 is read, x86-64's close),
 * while the perf syscall tracepoints ignore compat syscalls
 * (arch_trace_is_compat_syscall()): drop them too.  Call only after the
 * number matched, it costs a helper call.
 */
static __always_inline bool ct_task_native(struct task_struct *t,
					   struct pt_regs *regs)
{
	if (!bpf_core_field_exists(t->thread_info.status))
		return true;
	if (!ct_has_task_btf)
		return !(BPF_CORE_READ(t, thread_info.status) & CT_TS_COMPAT);
	return !(t->thread_info.status & CT_TS_COMPAT);
}

static __always_inline bool ct_sys_native(struct pt_regs *regs)
{
	return ct_task_native(ct_current(), regs);
}

/*
 * Whether a syscall exit shows registers no one set since the entry: a
 * syscall skipped by a tracer (PTRACE_SYSEMU) that did not write its
 * result.  x86-64's entry puts -ENOSYS in rax before the tracer's stop,
 * and every gVisor implements the opens, so no real result is -ENOSYS.
 */
static __always_inline bool ct_sys_skipped(struct pt_regs *regs, long ret)
{
	return ret == -CT_ENOSYS;
}
#endif /* CT_ARCH_X86 */

#ifdef CT_ARCH_ARM64
/*
 * The syscall number in a task's saved registers: syscallno, which
 * el0_svc saved (NO_SYSCALL, -1, for none).
 */
static __always_inline long ct_sys_nr(struct pt_regs *regs)
{
	return (long)regs->syscallno;
}

static __always_inline long ct_sys_nr_read(struct pt_regs *regs)
{
	return (long)BPF_CORE_READ(regs, syscallno);
}

/* PSR_MODE32_BIT (uapi asm/ptrace.h): the task ran in AArch32 state. */
#define CT_PSR_MODE32	0x10

/*
 * Is this a native AArch64 syscall?  A compat (AArch32) task's syscalls
 * reach the raw tracepoints with arm's numbers (its 5 is open, arm64's
 * setxattr).  Told by the saved PSTATE of @regs, the architecture's own
 * word, not by TIF_32BIT, whose bit moves between kernels (22 up to
 * 6.x, 18 with the generic TIF bits).  No helper call: @t is unused.
 */
static __always_inline bool ct_task_native(struct task_struct *t,
					   struct pt_regs *regs)
{
	return !(regs->pstate & CT_PSR_MODE32);
}

static __always_inline bool ct_sys_native(struct pt_regs *regs)
{
	return ct_task_native(NULL, regs);
}

/*
 * The same on arm64: its entry leaves x0 as it was, the first argument
 * (-ENOSYS only for syscall(-1)), so such an exit "returns" orig_x0:
 * openat's AT_FDCWD, -100 (a new fd cannot be the dirfd still open).
 */
static __always_inline bool ct_sys_skipped(struct pt_regs *regs, long ret)
{
	return ret == -CT_ENOSYS || ret == (long)PT_REGS_PARM1_CORE_SYSCALL(regs);
}
#endif /* CT_ARCH_ARM64 */

/*
 * THREAD_SIZE without KASAN (Debian's kernels): 4 pages on x86-64, and
 * on arm64 with 4 KiB pages (THREAD_SHIFT 14).
 */
#define CT_THREAD_SIZE	(4 * 4096)

/*
 * The syscall number in the saved user registers of @prev (stopped or
 * switching out, a BTF pointer), -1 if unknown (shared by the runsc
 * stub's stops, opens_sys.bpf.h, and --why's sleeps, why_sched.bpf.h).  Before 5.15 (!ct_has_task_pt_regs) as
 * task_pt_regs() finds them on x86-64 and arm64 alike: the pt_regs at the
 * top of the task's kernel stack (no TOP_OF_KERNEL_STACK_PADDING on
 * x86-64; none on arm64).
 */
static __always_inline long ct_task_sys_nr(struct task_struct *prev)
{
	struct pt_regs *regs;
	void *stack;

	if (ct_has_task_pt_regs) {
		regs = (struct pt_regs *)bpf_task_pt_regs(prev);
		return regs ? ct_sys_nr(regs) : -1;
	}
	stack = BPF_CORE_READ(prev, stack);
	if (!stack)
		return -1;
	regs = (struct pt_regs *)(stack + CT_THREAD_SIZE) - 1;
	return ct_sys_nr_read(regs);
}

#endif /* __CT_SYSARGS_BPF_H */
