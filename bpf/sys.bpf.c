// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every syscall coldtrace follows, from ONE tp_btf/sys_enter and ONE
 * tp_btf/sys_exit program for the whole tool (why tp_btf: sysargs.bpf.h).
 * Why one pair: these programs run on every syscall of every process on
 * the host, and each attached program costs ~21 ns per syscall before
 * its first instruction (the tracepoint's call into BPF), whatever it
 * does; one pair per BPF object made it 9 programs, ~190 ns on every
 * syscall (docs/bench.md).
 *
 * The handlers live with their feature, in headers (lifecycle_sys,
 * opens_sys, pull_sys, prepare_sys, ready_sys .bpf.h); the maps they
 * share with another object (the lifecycle ring buffer, the open
 * tracer's maps) are reused by fd, the others are this object's own
 * (user/sys_bpf.c).  A feature that is off is a false flag below: the
 * verifier knows read-only data at load and drops its code, and
 * userspace shrinks its maps.
 *
 * Each dispatcher first switches on the syscall number, before any
 * helper call or map lookup: any other syscall costs a few compares.
 * ct_sys_native() comes after the number matched (it costs a helper).
 *
 * The tool's one tp_btf/sched_switch program is here too, for the same
 * reason: the runsc stub's stops (opens_sys.bpf.h) and --why's scheduler
 * states (why_sched.bpf.h) were two programs, and every context switch
 * on the host paid both.  It is loaded only when one of them is on.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "coldtrace.h"
#include "sysargs.bpf.h"
#include "events.bpf.h"
#include "lifecycle_sys.bpf.h"
#include "opens_sys.bpf.h"
#include "pull_sys.bpf.h"
#include "prepare_sys.bpf.h"
#include "ready_sys.bpf.h"
#include "why_sched.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by userspace from the tracers it started; the lifecycle is always on. */
const volatile bool opens_on;	/* open tracer: its maps are ours by fd */
const volatile bool pull_on;
const volatile bool prepare_on;
const volatile bool ready_on;	/* --ready=listen; needs opens_on */
const volatile bool stubs_on;	/* runsc traced: its stub stops; opens_on */
const volatile bool why_on;	/* --why: why_tasks is why.bpf.c's by fd */

/*
 * open, openat, openat2: every process opens files all the time, so the
 * task pointer (a helper call) is fetched once for every test after the
 * number; the pull tracer follows openat only.
 */
static __always_inline bool open_wanted(long nr)
{
	return opens_on || (pull_on && nr == __NR_openat);
}

/* The task of an open some tracer follows, or NULL. */
static __always_inline struct task_struct *open_task(long nr)
{
	struct task_struct *t;

	if (!open_wanted(nr))
		return NULL;
	t = ct_current();
	return ct_task_native(t) ? t : NULL;
}

static __always_inline void open_enter(struct pt_regs *regs, long nr,
				       const bool loop)
{
	struct task_struct *t = open_task(nr);

	if (!t)
		return;
	if (opens_on)
		opens_open_enter(t, regs, nr != __NR_open);
	if (pull_on && nr == __NR_openat)
		pull_openat(t, regs, loop);
}

static __always_inline void open_exit(struct pt_regs *regs, long nr, long ret)
{
	struct task_struct *t = open_task(nr);

	if (!t)
		return;
	if (opens_on)
		opens_open_exit(t, regs, ret, nr != __NR_open);
	if (pull_on && nr == __NR_openat)
		pull_open_exit(ret);
}

/*
 * read, pread64, write, close: every process, all the time, so pull's
 * global counter of open blob files comes first.
 */
static __always_inline void fd_enter(struct pt_regs *regs, long nr)
{
	struct task_struct *t;

	if (!pull_on || !nr_open)
		return;
	t = ct_current();
	if (ct_task_native(t))
		pull_fd_syscall(t, regs, nr);
}

/*
 * @loop: whether the program may use bpf_loop (5.17): two programs,
 * ct_sys_enter and ct_sys_enter_noloop, of which userspace loads one
 * (user/kfeatures.c).
 */
static __always_inline int sys_enter(struct pt_regs *regs, long id,
				     const bool loop)
{
	switch (id) {
	case __NR_read:
		if (prepare_on && ct_sys_arg0(regs) == 0)
			stdin_enter();
		fd_enter(regs, id);
		break;
	case __NR_pread64:
	case __NR_write:
	case __NR_close:
		fd_enter(regs, id);
		break;
	case __NR_open:
	case __NR_openat:
	case __NR_openat2:
		open_enter(regs, id, loop);
		break;
	case __NR_execve:
	case __NR_execveat:
		if (opens_on && ct_sys_native())
			opens_execve();
		break;
	case __NR_mount:	/* mount(dev, dir, type, flags, data) */
		if (ct_sys_native())
			mount_enter((const char *)ct_sys_arg0(regs),
				    (const char *)ct_sys_arg1(regs),
				    ct_sys_arg3(regs));
		break;
	case __NR_umount2:	/* umount2(target, flags) */
		if (ct_sys_native())
			mount_enter(NULL, (const char *)ct_sys_arg0(regs),
				    ct_sys_arg1(regs));
		break;
	case __NR_connect:	/* connect(fd, uservaddr, addrlen) */
		if (!ct_sys_native())
			break;
		connect_enter((int)ct_sys_arg0(regs),
			      (const char *)ct_sys_arg1(regs),
			      (__u32)ct_sys_arg2(regs), prepare_on);
		if (pull_on)
			pull_name_syscall(regs, id, loop);
		break;
	case __NR_rename:
	case __NR_renameat:
	case __NR_renameat2:
		if (pull_on && ct_sys_native())
			pull_name_syscall(regs, id, loop);
		break;
	case __NR_mkdirat:	/* mkdirat(dfd, pathname, mode) */
		if (prepare_on && ct_sys_native())
			mkdir_enter((const char *)ct_sys_arg1(regs));
		break;
	}
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(ct_sys_enter, struct pt_regs *regs, long id)
{
	return sys_enter(regs, id, true);
}

/* The same without bpf_loop, for kernels before 5.17. */
SEC("tp_btf/sys_enter")
int BPF_PROG(ct_sys_enter_noloop, struct pt_regs *regs, long id)
{
	return sys_enter(regs, id, false);
}

/*
 * The runsc guest's opens and listens come here too: no sys_enter, but
 * this exit, on the stub thread, with the emulated result and the
 * guest's syscall number.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(ct_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = ct_sys_nr(regs);

	switch (nr) {
	case __NR_open:
	case __NR_openat:
	case __NR_openat2:
		open_exit(regs, nr, ret);
		break;
	case __NR_mount:
		if (ct_sys_native())
			mount_exit(CT_EV_MOUNT, ret);
		break;
	case __NR_umount2:
		if (ct_sys_native())
			mount_exit(CT_EV_UMOUNT, ret);
		break;
	case __NR_connect:
		if (ct_sys_native())
			connect_exit(ret);
		break;
	case __NR_mkdirat:
		if (prepare_on && ct_sys_native())
			mkdir_exit(ret);
		break;
	case __NR_unlinkat:	/* dockerd removing a container's directory */
		if (prepare_on && ret == 0 &&
		    (ct_sys_arg2(regs) & CT_AT_REMOVEDIR) && ct_sys_native())
			rmdir_exit(regs);
		break;
	case __NR_listen:
		if (ready_on && ct_sys_native())
			listen_exit(ret);
		break;
	case __NR_read:		/* an engine client's stdin */
		if (prepare_on && ct_sys_arg0(regs) == 0)
			stdin_exit(ret);
		break;
	}
	return 0;
}

/*
 * prev_state as the scheduler saw it: sched_switch's fourth argument
 * since 5.18; before (!ct_has_switch_state) the state field it was read
 * from (__state since 5.14, state before).
 */
struct task_struct___o {
	long state;
} __attribute__((preserve_access_index));

static __always_inline unsigned int switch_state(__u64 *ctx,
						 struct task_struct *prev)
{
	struct task_struct___o *o = (void *)prev;

	if (ct_has_switch_state)
		return (unsigned int)ctx[3];
	if (bpf_core_field_exists(prev->__state))
		return BPF_CORE_READ(prev, __state);
	return BPF_CORE_READ(o, state);
}

/*
 * An untracked switch pays one bit test (runsc's stops are TASK_TRACED)
 * and one load per task (why_tracked()).  Not BPF_PROG(): its fourth
 * argument is read only where the kernel has it.
 */
SEC("tp_btf/sched_switch")
int ct_sched_switch(__u64 *ctx)
{
	bool preempt = (bool)ctx[0];
	struct task_struct *prev = (void *)ctx[1];
	struct task_struct *next = (void *)ctx[2];
	unsigned int prev_state = switch_state(ctx, prev);

	if (stubs_on && (prev_state & CT_TASK_TRACED))
		opens_stub_stop(prev);
	if (why_on)
		why_switch(preempt, prev, next, prev_state);
	return 0;
}
