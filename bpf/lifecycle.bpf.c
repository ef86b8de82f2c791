// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process lifecycle: exec (with argv), fork (processes only), exit (last
 * thread, wait status).  Records go to the `events` ring buffer this
 * object owns (events.bpf.h); reservation failures are counted in `lost`.
 * The syscalls of the lifecycle (mount(2), umount2(2), the Kata shim's
 * connect(2)) are handled by the one syscall object, bpf/sys.bpf.c
 * (lifecycle_sys.bpf.h), on this object's ring buffer shared by fd.
 *
 * Everything uses tp_btf (typed arguments, no tracefs needed).  No
 * kprobes or fentry: the target kernel has neither.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "coldtrace.h"
#include "events.bpf.h"
#include "task.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Not in BTF (a #define); stable since 2.6 in include/linux/sched/signal.h. */
#define CT_SIGNAL_GROUP_EXIT	0x00000004
#define CT_CLONE_THREAD		0x00010000

/*
 * Copy the whole argv block (NUL separated) of the current, freshly
 * exec'ed mm in one read.  The pages were just written by the kernel,
 * so they are present and bpf_probe_read_user does not need to fault.
 */
static __always_inline void read_args(struct ct_exec *e, struct task_struct *t)
{
	unsigned long start = BPF_CORE_READ(t, mm, arg_start);
	unsigned long end = BPF_CORE_READ(t, mm, arg_end);
	__u64 len = end > start ? end - start : 0;

	e->args_truncated = 0;
	if (len > CT_ARGS_MAX) {
		len = CT_ARGS_MAX;
		e->args_truncated = 1;
	}
	/* Keep clang from folding the clamp away before the verifier sees it. */
	barrier_var(len);
	if (len > CT_ARGS_MAX)
		len = 0;
	if (len && bpf_probe_read_user(e->args, len, (void *)start) < 0)
		len = 0;
	/* A cut block still ends with a NUL, so readers may use string ops. */
	if (e->args_truncated)
		e->args[CT_ARGS_MAX - 1] = '\0';
	e->args_len = len;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ct_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct ct_exec *e = reserve(sizeof(*e));

	if (!e)
		return 0;
	ct_fill_hdr(&e->hdr, CT_EV_EXEC, sizeof(*e));
	if (bpf_probe_read_kernel_str(e->filename, sizeof(e->filename),
				      BPF_CORE_READ(bprm, filename)) < 0)
		e->filename[0] = '\0';
	read_args(e, p);
	submit(e);
	return 0;
}

/*
 * task_newtask fires in the parent once the child has its pid and tgid,
 * with the clone flags: threads are dropped here, in the kernel.
 */
SEC("tp_btf/task_newtask")
int BPF_PROG(ct_fork, struct task_struct *child, u64 clone_flags)
{
	struct ct_fork *f;
	pid_t pid = BPF_CORE_READ(child, pid);

	if ((clone_flags & CT_CLONE_THREAD) || pid != BPF_CORE_READ(child, tgid))
		return 0;
	f = reserve(sizeof(*f));
	if (!f)
		return 0;
	ct_fill_hdr(&f->hdr, CT_EV_FORK, sizeof(*f));
	f->child_pid = pid;
	f->clone_flags_lo = (__u32)clone_flags;
	BPF_CORE_READ_STR_INTO(&f->child_comm, child, comm);
	submit(f);
	return 0;
}

/*
 * The wait status a parent would see: the group exit code when the
 * process exited as a group (exit_group, fatal signal), otherwise the
 * leader's own exit code (it may have exited before the last thread).
 */
static __always_inline int wait_status(struct task_struct *t)
{
	struct signal_struct *sig = BPF_CORE_READ(t, signal);

	if (BPF_CORE_READ(sig, flags) & CT_SIGNAL_GROUP_EXIT)
		return BPF_CORE_READ(sig, group_exit_code);
	return BPF_CORE_READ(t, group_leader, exit_code);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ct_exit, struct task_struct *p)
{
	struct ct_exit *x;

	/* do_exit() decremented signal->live before this tracepoint. */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	x = reserve(sizeof(*x));
	if (!x)
		return 0;
	ct_fill_hdr(&x->hdr, CT_EV_EXIT, sizeof(*x));
	x->exit_code = wait_status(p);
	x->_pad = 0;
	submit(x);
	return 0;
}
