// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every syscall coldtrace follows, from ONE tp_btf/sys_enter and ONE
 * tp_btf/sys_exit program for the whole tool (why tp_btf: sysargs.bpf.h).
 * Why one pair: these programs run on every syscall of every process on
 * the host, and each attached program costs ~21 ns per syscall before
 * its first instruction (the tracepoint's call into BPF), whatever it
 * does; one pair per BPF object made it 9 programs, ~190 ns on every
 * syscall (docs/results/bench.md "syscall-overhead").
 *
 * The handlers live with their feature, in headers (lifecycle_sys,
 * opens_sys, pull_sys, prepare_sys .bpf.h, ready.bpf.h); the maps they
 * share with another object (the lifecycle ring buffer, the open
 * tracer's maps) are reused by fd, the others are this object's own
 * (user/kern/sys_bpf.c).  A feature that is off is a false flag below: the
 * verifier knows read-only data at load and drops its code, and
 * userspace shrinks its maps.
 *
 * Each dispatcher first switches on the syscall number, before any
 * helper call or map lookup: any other syscall costs a few compares.
 * ct_sys_native() comes after the number matched (on x86-64 it costs a
 * helper).
 *
 * On kernels with fentry (user/kern/kfeatures.c probes it) the same handlers
 * run from fentry/fexit programs on the followed syscalls' functions
 * instead (the fentry path, below): any attached raw syscall tracepoint
 * puts every syscall of every process on the kernel's slow syscall path,
 * a trampoline only the syscalls it hooks.  One path is loaded, never
 * both; only runsc's stubs keep a sys_exit there (ct_fx_stub).
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
#include "gate.bpf.h"
#include "lifecycle_sys.bpf.h"
#include "opens_sys.bpf.h"
#include "pull_sys.bpf.h"
#include "prepare_sys.bpf.h"
#include "ready.bpf.h"
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
 * Whether runsc's stub stops are followed now (entry 0, non-zero: yes):
 * set by userspace with the stub's sys_exit on the fentry path
 * (ct_fx_stub, attached only while a runsc start needs it), always on
 * the tp_btf path.  A stop counted while its exit cannot be seen would
 * leave a count without a time.
 */
CT_GATE(stub_gate);

/*
 * Each syscall's work, shared by the two paths (user/kern/kfeatures.c picks
 * one at start): the tp_btf dispatchers below, and the fentry/fexit
 * programs on the kernel's syscall functions (__x64_sys_<name>(),
 * __arm64_sys_<name>(): include/syscalls.h) further down.  @fe: called
 * from the fentry path, where the function is the syscall's by
 * construction (x86-64's ia32 syscalls run __ia32_sys_*; arm64's compat
 * table reaches __arm64_sys_<name> only where the arguments are the
 * same), so ct_sys_native()'s test is skipped.
 */
static __always_inline bool sys_native(struct pt_regs *regs, const bool fe)
{
	return fe || ct_sys_native(regs);
}

/*
 * open, openat, openat2: every process opens files all the time, so the
 * task pointer (a helper call) is fetched once for every test after the
 * number; the pull tracer follows openat only.
 */
static __always_inline bool open_wanted(long nr)
{
	return opens_on || (pull_on && nr == CT_NR_openat);
}

/* The task of an open some tracer follows, or NULL. */
static __always_inline struct task_struct *open_task(struct pt_regs *regs,
						     long nr, const bool fe)
{
	struct task_struct *t;

	if (!open_wanted(nr))
		return NULL;
	t = ct_current();
	return fe || ct_task_native(t, regs) ? t : NULL;
}

static __always_inline void open_enter(struct pt_regs *regs, long nr,
				       const bool loop, const bool fe)
{
	struct task_struct *t = open_task(regs, nr, fe);

	if (!t)
		return;
	if (opens_on)
		opens_open_enter(t, regs, nr != CT_NR_open);
	if (pull_on && nr == CT_NR_openat)
		pull_openat(t, regs, loop);
}

static __always_inline void open_exit(struct pt_regs *regs, long nr, long ret,
				      const bool fe)
{
	struct task_struct *t = open_task(regs, nr, fe);

	if (!t)
		return;
	if (opens_on)
		opens_open_exit(t, regs, ret, nr != CT_NR_open);
	if (pull_on && nr == CT_NR_openat)
		pull_open_exit(ret);
}

/*
 * read, pread64, write, close: every process, all the time, so pull's
 * global counter of open blob files comes first.
 */
static __always_inline void fd_enter(struct pt_regs *regs, long nr,
				     const bool fe)
{
	struct task_struct *t;

	if (!pull_on || !nr_open)
		return;
	t = ct_current();
	if (fe || ct_task_native(t, regs))
		pull_fd_syscall(t, regs, nr);
}

static __always_inline void read_enter(struct pt_regs *regs, const bool fe)
{
	if (prepare_on && ct_sys_arg0(regs) == 0)
		stdin_enter();
	fd_enter(regs, CT_NR_read, fe);
}

/* an engine client's stdin */
static __always_inline void read_exit(struct pt_regs *regs, long ret)
{
	if (prepare_on && ct_sys_arg0(regs) == 0)
		stdin_exit(ret);
}

static __always_inline void execve_enter(struct pt_regs *regs, const bool fe)
{
	if (opens_on && sys_native(regs, fe))
		opens_execve();
}

/* mount(dev, dir, type, flags, data) */
static __always_inline void mount_sys_enter(struct pt_regs *regs, const bool fe)
{
	if (sys_native(regs, fe))
		mount_enter((const char *)ct_sys_arg0(regs),
			    (const char *)ct_sys_arg1(regs), ct_sys_arg3(regs));
}

/* umount2(target, flags) */
static __always_inline void umount_sys_enter(struct pt_regs *regs,
					     const bool fe)
{
	if (sys_native(regs, fe))
		mount_enter(NULL, (const char *)ct_sys_arg0(regs),
			    ct_sys_arg1(regs));
}

static __always_inline void mount_sys_exit(struct pt_regs *regs, __u32 type,
					  long ret, const bool fe)
{
	if (sys_native(regs, fe))
		mount_exit(type, ret);
}

/*
 * connect(fd, uservaddr, addrlen): engine clients' and the Kata shim's.
 * A daemon's registry connect is the lifecycle object's (ct_tcp_connect):
 * it must be seen while these hooks are off.
 */
static __always_inline void connect_sys_enter(struct pt_regs *regs,
					      const bool fe)
{
	if (!sys_native(regs, fe))
		return;
	connect_enter((int)ct_sys_arg0(regs), (const char *)ct_sys_arg1(regs),
		      (__u32)ct_sys_arg2(regs), prepare_on);
}

static __always_inline void connect_sys_exit(struct pt_regs *regs, long ret,
					    const bool fe)
{
	if (sys_native(regs, fe))
		connect_exit(ret);
}

/* rename, renameat, renameat2: the pull tracer's blobs */
static __always_inline void rename_enter(struct pt_regs *regs, long nr,
					 const bool loop, const bool fe)
{
	if (pull_on && sys_native(regs, fe))
		pull_name_syscall(regs, nr, loop);
}

/* mkdirat(dfd, pathname, mode) */
static __always_inline void mkdirat_enter(struct pt_regs *regs, const bool fe)
{
	if (prepare_on && sys_native(regs, fe))
		mkdir_enter((const char *)ct_sys_arg1(regs),
			    ct_sys_arg2(regs));
}

static __always_inline void mkdirat_exit(struct pt_regs *regs, long ret,
					const bool fe)
{
	if (prepare_on && sys_native(regs, fe))
		mkdir_exit(ret);
}

/* dockerd removing a container's directory: unlinkat(dfd, name, flags) */
static __always_inline void unlinkat_exit(struct pt_regs *regs, long ret,
					  const bool fe)
{
	if (prepare_on && ret == 0 && (ct_sys_arg2(regs) & CT_AT_REMOVEDIR) &&
	    sys_native(regs, fe))
		rmdir_exit(regs);
}

static __always_inline void listen_sys_exit(struct pt_regs *regs, long ret,
					   const bool fe)
{
	if (ready_on && sys_native(regs, fe))
		ready_listen(ret);
}

/* ---- the tp_btf path: one sys_enter, one sys_exit for every syscall ---- */

/*
 * @loop: whether the program may use bpf_loop (5.17): two programs,
 * ct_sys_enter and ct_sys_enter_noloop, of which userspace loads one
 * (user/kern/kfeatures.c).
 */
static __always_inline int sys_enter(struct pt_regs *regs, long id,
				     const bool loop)
{
	switch (id) {
	case CT_NR_read:
		read_enter(regs, false);
		break;
	case CT_NR_pread64:
	case CT_NR_write:
	case CT_NR_close:
		fd_enter(regs, id, false);
		break;
	case CT_NR_open:
	case CT_NR_openat:
	case CT_NR_openat2:
		open_enter(regs, id, loop, false);
		break;
	case CT_NR_execve:
	case CT_NR_execveat:
		execve_enter(regs, false);
		break;
	case CT_NR_mount:
		mount_sys_enter(regs, false);
		break;
	case CT_NR_umount2:
		umount_sys_enter(regs, false);
		break;
	case CT_NR_connect:
		connect_sys_enter(regs, false);
		break;
	case CT_NR_rename:
	case CT_NR_renameat:
	case CT_NR_renameat2:
		rename_enter(regs, id, loop, false);
		break;
	case CT_NR_mkdirat:
		mkdirat_enter(regs, false);
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
	case CT_NR_open:
	case CT_NR_openat:
	case CT_NR_openat2:
		open_exit(regs, nr, ret, false);
		break;
	case CT_NR_mount:
		mount_sys_exit(regs, CT_EV_MOUNT, ret, false);
		break;
	case CT_NR_umount2:
		mount_sys_exit(regs, CT_EV_UMOUNT, ret, false);
		break;
	case CT_NR_connect:
		connect_sys_exit(regs, ret, false);
		break;
	case CT_NR_mkdirat:
		mkdirat_exit(regs, ret, false);
		break;
	case CT_NR_unlinkat:
		unlinkat_exit(regs, ret, false);
		break;
	case CT_NR_listen:
		listen_sys_exit(regs, ret, false);
		break;
	case CT_NR_read:
		read_exit(regs, ret);
		break;
	}
	return 0;
}

/*
 * ---- the fentry path: programs on the syscalls followed, nothing else ----
 *
 * The kernel's syscall functions (__x64_sys_*, __arm64_sys_*: each
 * architecture's syscall wrapper) take the same pt_regs the raw
 * tracepoints give.  No other syscall enters BPF or the kernel's slow
 * syscall path.  ct_fe_* are fentry, ct_fx_* fexit (and the runsc stubs'
 * exit): user/kern/kfeatures.c loads them on kernels with fentry, the tp_btf
 * programs above elsewhere; user/kern/sys_bpf.c leaves out those of features
 * that are off (an attached program costs its syscall a trampoline,
 * whatever it does).  Twins ending in _noloop as for sys_enter.
 */
#define CT_FENTRY(name, sys, call)					\
	SEC("fentry/" CT_SYSCALL_FN_PREFIX #sys)			\
	int BPF_PROG(ct_fe_##name, struct pt_regs *regs)		\
	{								\
		call;							\
		return 0;						\
	}

#define CT_FEXIT(name, sys, call)					\
	SEC("fexit/" CT_SYSCALL_FN_PREFIX #sys)				\
	int BPF_PROG(ct_fx_##name, struct pt_regs *regs, long ret)	\
	{								\
		call;							\
		return 0;						\
	}

CT_FENTRY(read, read, read_enter(regs, true))
CT_FEXIT(read, read, read_exit(regs, ret))
CT_FENTRY(pread64, pread64, fd_enter(regs, CT_NR_pread64, true))
CT_FENTRY(write, write, fd_enter(regs, CT_NR_write, true))
CT_FENTRY(close, close, fd_enter(regs, CT_NR_close, true))
CT_FENTRY(openat, openat, open_enter(regs, CT_NR_openat, true, true))
CT_FENTRY(openat_noloop, openat, open_enter(regs, CT_NR_openat, false, true))
CT_FENTRY(openat2, openat2, open_enter(regs, CT_NR_openat2, false, true))
CT_FEXIT(openat, openat, open_exit(regs, CT_NR_openat, ret, true))
CT_FEXIT(openat2, openat2, open_exit(regs, CT_NR_openat2, ret, true))

/* open(2) and rename(2): x86-64's; arm64 has only openat and renameat */
#if CT_HAS_OLD_SYSCALLS
CT_FENTRY(open, open, open_enter(regs, CT_NR_open, false, true))
CT_FEXIT(open, open, open_exit(regs, CT_NR_open, ret, true))
CT_FENTRY(rename, rename, rename_enter(regs, CT_NR_rename, true, true))
CT_FENTRY(rename_noloop, rename, rename_enter(regs, CT_NR_rename, false, true))
#endif

/* A successful execve returns to the new program, not here: entry only. */
CT_FENTRY(execve, execve, execve_enter(regs, true))
CT_FENTRY(execveat, execveat, execve_enter(regs, true))
CT_FENTRY(mount, mount, mount_sys_enter(regs, true))
CT_FEXIT(mount, mount, mount_sys_exit(regs, CT_EV_MOUNT, ret, true))

/* umount2(2) is the kernel's SYSCALL_DEFINE2(umount, ...) */
CT_FENTRY(umount2, umount, umount_sys_enter(regs, true))
CT_FEXIT(umount2, umount, mount_sys_exit(regs, CT_EV_UMOUNT, ret, true))
CT_FENTRY(connect, connect, connect_sys_enter(regs, true))
CT_FEXIT(connect, connect, connect_sys_exit(regs, ret, true))
CT_FENTRY(renameat, renameat, rename_enter(regs, CT_NR_renameat, true, true))
CT_FENTRY(renameat_noloop, renameat,
	  rename_enter(regs, CT_NR_renameat, false, true))
CT_FENTRY(renameat2, renameat2, rename_enter(regs, CT_NR_renameat2, true, true))
CT_FENTRY(renameat2_noloop, renameat2,
	  rename_enter(regs, CT_NR_renameat2, false, true))
CT_FENTRY(mkdirat, mkdirat, mkdirat_enter(regs, true))
CT_FEXIT(mkdirat, mkdirat, mkdirat_exit(regs, ret, true))
CT_FEXIT(unlinkat, unlinkat, unlinkat_exit(regs, ret, true))
CT_FEXIT(listen, listen, listen_sys_exit(regs, ret, true))

/* Traced by ptrace: runsc's stubs are, by their sentry. */
static __always_inline bool task_ptraced(struct task_struct *t)
{
	if (!ct_has_task_btf)
		return BPF_CORE_READ(t, ptrace) != 0;
	return t->ptrace != 0;
}

/*
 * runsc's ptrace platform: the guest's syscalls stop its stub thread
 * (PTRACE_SYSEMU) and never run the syscall functions; the sentry's
 * result shows
 * at the stub's syscall exit only.  So with runsc traced (stubs_on) the
 * fentry path keeps this one tp_btf/sys_exit (user/kern/sys_bpf.c loads it
 * then only), and every syscall on the host pays the raw tracepoint
 * again (docs/kernels.md).  Only ptraced tasks get past the number:
 * a native open or listen was done by its fexit; an open seen twice
 * (a ptraced runc, e.g. under strace) finds its inflight entry gone.
 * Userspace attaches it only while a runsc start needs it
 * (user/kern/arm.h), with stub_gate.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(ct_fx_stub, struct pt_regs *regs, long ret)
{
	long nr = ct_sys_nr(regs);
	struct task_struct *t;

	if (nr != CT_NR_open && nr != CT_NR_openat && nr != CT_NR_openat2 &&
	    nr != CT_NR_listen)
		return 0;
	t = ct_current();
	if (!task_ptraced(t))
		return 0;
	if (nr == CT_NR_listen)
		listen_sys_exit(regs, ret, false);
	else if (opens_on && ct_task_native(t, regs))
		opens_open_exit(t, regs, ret, nr != CT_NR_open);
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

	/*
	 * A stop's own switch, not a preemption: a stub preempted between
	 * setting TASK_TRACED and its schedule() in ptrace_stop() (kernels
	 * with full or lazy preemption, 7.2's default) switches out in that
	 * state twice for one stop, and the tracer cannot resume it before
	 * the second (wait_task_inactive()): counting the first made 1,001
	 * opens of 1,000 in a 7.2 guest.
	 */
	if (stubs_on && !preempt && (prev_state & CT_TASK_TRACED) &&
	    gate_value(&stub_gate))
		opens_stub_stop(prev);
	if (why_on)
		why_switch(ctx, preempt, prev, next, prev_state);
	return 0;
}
