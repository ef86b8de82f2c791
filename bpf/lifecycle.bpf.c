// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process lifecycle: exec (with argv; a CNI plugin's also with its
 * environment), fork (processes only), exit (last thread, wait status).
 * Records go to the `events` ring buffer this
 * object owns (events.bpf.h); reservation failures are counted in `lost`.
 * The syscalls of the lifecycle (mount(2), umount2(2), the Kata shim's
 * connect(2)) are handled by the one syscall object, bpf/sys.bpf.c
 * (lifecycle_sys.bpf.h), on this object's ring buffer shared by fd.
 *
 * With the pull tracer, a daemon's TCP connect too (ct_tcp_connect).
 *
 * Everything uses tp_btf (typed arguments, no tracefs needed).  No
 * kprobes or fentry: the target kernel has neither.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "coldtrace.h"
#include "events.bpf.h"
#include "cni.bpf.h"
#include "task.bpf.h"
#include "clients.bpf.h"
#include "daemons.bpf.h"
#include "pull.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Not in BTF (a #define); stable since 2.6 in include/linux/sched/signal.h. */
#define CT_SIGNAL_GROUP_EXIT	0x00000004
#define CT_CLONE_THREAD		0x00010000
#define CT_AF_INET		2

/*
 * Copy [start, end) of the current, freshly exec'ed mm into dst (max
 * bytes): its head, or with @tail its last max bytes; *cut says whether
 * it was longer.  The kernel just wrote these pages, so they are present
 * and bpf_probe_read_user does not need to fault.  Returns the bytes read.
 */
static __always_inline __u32 read_area(char *dst, __u32 max,
				       unsigned long start, unsigned long end,
				       bool tail, __u32 *cut)
{
	__u64 len = end > start ? end - start : 0;

	*cut = 0;
	if (len > max) {
		if (tail)
			start = end - max;
		len = max;
		*cut = 1;
	}
	/* Keep clang from folding the clamp away before the verifier sees it. */
	barrier_var(len);
	if (len > max)
		len = 0;
	if (len && bpf_probe_read_user(dst, len, (void *)start) < 0)
		len = 0;
	return len;
}

/* The whole argv block (NUL separated), in one read. */
static __always_inline void read_args(struct ct_exec *e, struct task_struct *t)
{
	e->args_len = read_area(e->args, CT_ARGS_MAX,
				BPF_CORE_READ(t, mm, arg_start),
				BPF_CORE_READ(t, mm, arg_end), false,
				&e->args_truncated);
	/* A cut block still ends with a NUL, so readers may use string ops. */
	if (e->args_truncated)
		e->args[CT_ARGS_MAX - 1] = '\0';
}

/* A CNI plugin's environment: the whole area when it fits, else its
 * tail (the CNI_* variables may be anywhere in it). */
static __always_inline void read_env(struct ct_cni_env *v,
				     struct task_struct *t)
{
	v->env_len = read_area(v->env, CT_ENV_MAX,
			       BPF_CORE_READ(t, mm, env_start),
			       BPF_CORE_READ(t, mm, env_end), true,
			       &v->env_cut);
}

/*
 * While the host is idle the syscall hooks are detached (user/kern/arm.c sets
 * hooks_off): the exec of a program that starts containers must then
 * reach userspace at once, which attaches them again before that program
 * gets far (records are otherwise read on a timer: events.bpf.h).
 */
bool hooks_off;

/* The triggers' comms (clients, runtimes, shims, monitors), from user
 * space (include/comms.h); CNI plugins go by their directory. */
const volatile struct ct_comm_pat arm_pats[CT_ARM_PATS];

static __always_inline bool arm_trigger(struct task_struct *t, bool cni)
{
	__u64 c[2];

	if (cni)
		return true;
	ct_comm_words(t, c);
	for (unsigned int i = 0; i < CT_ARM_PATS; i++)
		if (ct_comm_is(c, &arm_pats[i]))
			return true;
	return false;
}

/* The exec record is built here, then copied into the ring buffer with
 * only the argv bytes it uses (most use a few dozen of CT_ARGS_MAX). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ct_exec);
} exec_scratch SEC(".maps");

/*
 * A CNI plugin's environment record is reserved before the exec is
 * copied in, so that it precedes the exec in the ring buffer, and
 * carries the exec's header: userspace pairs them by ts_ns and pid.  The
 * two go together or not at all (a lost one is counted in `lost`): a
 * plugin's exec without its environment is then one of a recording made
 * before CT_EV_CNI_ENV.  Other execs pay one short read of the
 * filename's head.
 *
 * The reservation lives in this one function, from reserve to submit or
 * discard on straight paths: the 6.1 verifier loses a reservation carried
 * across a merge of paths (a pointer that may be NULL tested again later:
 * "Unreleased reference").
 */
static __always_inline int exec_cni(struct ct_exec *e, __u64 size,
				    struct task_struct *p, bool wake)
{
	struct ct_cni_env *v = reserve(sizeof(*v));
	int err;

	if (!v)
		return 0;
	v->hdr = e->hdr;
	v->hdr.type = CT_EV_CNI_ENV;
	v->hdr.size = sizeof(*v);
	read_env(v, p);
	err = wake ? output_wake(e, size) : output(e, size);
	if (err) {
		bpf_ringbuf_discard(v, BPF_RB_NO_WAKEUP);
		return 0;
	}
	submit(v);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ct_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	const char *filename = BPF_CORE_READ(bprm, filename);
	__u32 zero = 0;
	struct ct_exec *e = bpf_map_lookup_elem(&exec_scratch, &zero);
	bool cni, wake;
	__u64 size;

	if (!e)
		return 0;
	cni = is_cni_plugin(filename);
	ct_fill_hdr(&e->hdr, CT_EV_EXEC, sizeof(*e));
	if (bpf_probe_read_kernel_str(e->filename, sizeof(e->filename),
				      filename) < 0)
		e->filename[0] = '\0';
	read_args(e, p);
	size = offsetof(struct ct_exec, args) + e->args_len;
	barrier_var(size);
	if (size > sizeof(*e))
		size = sizeof(*e);
	e->hdr.size = size;
	clients_mark(p);
	wake = hooks_off && arm_trigger(p, cni);
	if (cni)
		return exec_cni(e, size, p, wake);
	if (wake)
		output_wake(e, size);
	else
		output(e, size);
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

/*
 * A daemon's TCP connect (dockerd, containerd): a registry's, a pull's
 * first step, hundreds of milliseconds before its first layer byte
 * (docs/results/steady-state.md).  Here, always attached, not in the
 * syscall object: its hooks are off while the host is idle, and a pull
 * that no client waits for (kubelet's, through CRI) must attach them
 * (user/kern/arm.h), so the reader is woken at once.  The host pays this
 * program on TCP state changes only, never on a syscall.  SYN_SENT is
 * set by the connecting task itself (tcp_v4_connect(),
 * tcp_v6_connect()), once the peer's address and port are in the
 * socket.  Loaded with the pull
 * tracer only (user/kern/loader.c).
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ct_tcp_connect, struct sock *sk, int oldstate, int newstate)
{
	struct ct_pull_connect *r;
	__u16 family;

	if (newstate != TCP_SYN_SENT || !daemon_comm(ct_current()))
		return 0;
	r = reserve(sizeof(*r));
	if (!r)
		return 0;
	ct_fill_hdr(&r->hdr, CT_EV_PULL_CONNECT, sizeof(*r));
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	r->family = family;
	r->port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	r->_pad = 0;
	__builtin_memset(r->addr, 0, sizeof(r->addr));
	if (family == CT_AF_INET)
		bpf_core_read(r->addr, 4, &sk->__sk_common.skc_daddr);
	else
		bpf_core_read(r->addr, 16, &sk->__sk_common.skc_v6_daddr);
	submit_wake(r);
	return 0;
}
