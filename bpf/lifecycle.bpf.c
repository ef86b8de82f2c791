// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process and mount lifecycle: exec (with argv), fork (processes only),
 * exit (last thread, wait status), mount(2) and umount2(2), and the
 * connect(2) calls by which a Kata shim reaches its guest agent.  Records
 * go to one ring buffer; reservation failures are counted in `lost`.
 *
 * Everything uses tp_btf (typed arguments, no tracefs needed): the
 * sched and task events, and for the syscalls one raw sys_enter and one
 * raw sys_exit program that dispatch on the syscall number (why:
 * sysargs.bpf.h).  No kprobes or fentry: the target kernel has neither.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "coldtrace.h"
#include "task.bpf.h"
#include "sysargs.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Not in BTF (a #define); stable since 2.6 in include/linux/sched/signal.h. */
#define CT_SIGNAL_GROUP_EXIT	0x00000004
#define CT_CLONE_THREAD		0x00010000

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);	/* resized by the loader before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* mount/umount2 arguments saved at syscall enter, keyed by tid. */
struct mount_args {
	__u64 start_ns;
	__u64 flags;
	const char *source;
	const char *target;
};

struct {
	/* LRU: an entry whose exit never came (task killed) must not leak. */
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct mount_args);
} mount_start SEC(".maps");

/*
 * Waking the reader costs an irq_work (a self-IPI: a VM exit here) per
 * record: 13-17 us per event against 2-3 us without it, measured with
 * kernel.bpf_stats_enabled on the target VM.  So records are submitted
 * without a wakeup; the loader polls on a short timer instead, and a
 * backlog above wakeup_bytes (set by the loader) still wakes it at once.
 */
const volatile __u64 wakeup_bytes = 1 << 20;

static __always_inline void submit(void *rec)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(rec, flags);
}

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &zero);

	if (n)
		*n += 1;	/* per-CPU slot: no atomics needed */
}

static __always_inline void *reserve(__u32 size)
{
	void *rec = bpf_ringbuf_reserve(&events, size, 0);

	if (!rec)
		count_lost();
	return rec;
}

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

static __always_inline void mount_enter(const char *source, const char *target,
					__u64 flags)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mount_args a = {
		.start_ns = bpf_ktime_get_ns(),
		.flags = flags,
		.source = source,
		.target = target,
	};

	bpf_map_update_elem(&mount_start, &tid, &a, BPF_ANY);
}

/*
 * Strings are read at exit, not enter: by then the kernel has copied
 * them, so the user pages are resident and the reads cannot miss.
 */
static __always_inline void mount_exit(__u32 type, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mount_args *a = bpf_map_lookup_elem(&mount_start, &tid);
	struct ct_mount *m;

	if (!a)
		return;
	m = reserve(sizeof(*m));
	if (m) {
		ct_fill_hdr(&m->hdr, type, sizeof(*m));
		m->start_ns = a->start_ns;
		m->ret = ret;
		m->flags = a->flags;
		m->source[0] = '\0';
		m->target[0] = '\0';
		if (a->source)
			bpf_probe_read_user_str(m->source, sizeof(m->source),
						a->source);
		if (a->target)
			bpf_probe_read_user_str(m->target, sizeof(m->target),
						a->target);
		submit(m);
	}
	bpf_map_delete_elem(&mount_start, &tid);
}

/*
 * connect(2), for Kata (design §3: create ends when the guest agent is
 * reachable).  The shim reaches the agent over AF_VSOCK (qemu,
 * vhost-vsock) or over a hybrid vsock: a unix socket served by the VMM
 * (firecracker: ".../kata.hvsock", cloud-hypervisor: ".../clh.sock").
 * Every process on the host connects all the time, so the filter at
 * enter costs one 2-byte user read (the family) for anything else, and
 * one more read of the path (up to 108 bytes) for other AF_UNIX
 * connects; nothing is stored or sent for them.  The exit pays one hash
 * lookup that misses.
 */
#define CT_AF_UNIX		1
#define CT_AF_VSOCK		40
#define CT_SOCKADDR_UN_LEN	110	/* sizeof(struct sockaddr_un) */
#define CT_SUN_PATH_OFF		2	/* offsetof(struct sockaddr_un, sun_path) */
#define CT_SUN_PATH_LEN		(CT_SOCKADDR_UN_LEN - CT_SUN_PATH_OFF)
#define CT_PATH_BUF		128	/* > CT_SUN_PATH_LEN, a power of 2 */

struct connect_args {
	__u64 start_ns;
	const char *addr;
	__u32 addrlen;
	__u32 family;
};

struct {
	/* LRU: an entry whose exit never came (task killed) must not leak. */
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct connect_args);
} connect_start SEC(".maps");

/* Does p[0..len) end with suf[0..n)? (masks: for the verifier) */
static __always_inline bool ends_with(const char *p, __u32 len,
				      const char *suf, __u32 n)
{
	if (len < n)
		return false;
	for (__u32 i = 0; i < n; i++)
		if (p[(len - n + i) & (CT_PATH_BUF - 1)] != suf[i])
			return false;
	return true;
}

/*
 * A hybrid vsock path?  sun_path is addr[2..addrlen), NUL-terminated or
 * not, and addrlen may be sizeof(struct sockaddr_un) with a shorter
 * path (C programs) or exactly the path (Go): read it up to its NUL.
 */
static __always_inline bool hvsock_path(const char *addr, __u32 addrlen)
{
	char p[CT_PATH_BUF];
	__u32 size;
	long n;

	if (addrlen <= CT_SUN_PATH_OFF || addrlen > CT_SOCKADDR_UN_LEN)
		return false;
	size = addrlen - CT_SUN_PATH_OFF + 1;	/* room for a NUL */
	size &= CT_PATH_BUF - 1;	/* already <= 109: for the verifier */
	n = bpf_probe_read_user_str(p, size, addr + CT_SUN_PATH_OFF);
	if (n <= 1)
		return false;
	return ends_with(p, n - 1, ".hvsock", 7) ||
	       ends_with(p, n - 1, "/clh.sock", 9);
}

/* connect(fd, uservaddr, addrlen) */
static __always_inline void connect_enter(const char *addr, __u32 addrlen)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct connect_args a = { 0 };
	__u16 family = 0;

	if (addrlen < sizeof(family) ||
	    bpf_probe_read_user(&family, sizeof(family), addr))
		return;
	if (family != CT_AF_VSOCK &&
	    (family != CT_AF_UNIX || !hvsock_path(addr, addrlen)))
		return;
	a.start_ns = bpf_ktime_get_ns();
	a.addr = addr;
	a.addrlen = addrlen;
	a.family = family;
	bpf_map_update_elem(&connect_start, &tid, &a, BPF_ANY);
}

/* struct sockaddr_vm: family, reserved1, port, cid, flags, zero[3]. */
static __always_inline void read_vsock(struct ct_connect *c, const char *addr,
				       __u32 addrlen)
{
	__u32 pc[2] = { 0, 0 };

	if (addrlen >= 12 && bpf_probe_read_user(pc, sizeof(pc), addr + 4))
		pc[0] = pc[1] = 0;
	c->vsock_port = pc[0];
	c->vsock_cid = pc[1];
}

/* sun_path need not be NUL-terminated: copy addrlen - 2 bytes, add one. */
static __always_inline void read_sun_path(struct ct_connect *c,
					  const char *addr, __u32 addrlen)
{
	__u32 n = addrlen - CT_SUN_PATH_OFF;

	if (n > CT_SOCKADDR_UN_LEN - CT_SUN_PATH_OFF)
		n = CT_SOCKADDR_UN_LEN - CT_SUN_PATH_OFF;
	barrier_var(n);
	n &= 127;	/* < CT_PATH_MAX, for the verifier */
	if (n && bpf_probe_read_user(c->path, n, addr + CT_SUN_PATH_OFF))
		n = 0;
	c->path[n] = '\0';
}

/* Read at exit: the kernel has copied the address, its page is resident. */
static __always_inline void connect_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct connect_args *a = bpf_map_lookup_elem(&connect_start, &tid);
	struct ct_connect *c;

	if (!a)
		return;
	c = reserve(sizeof(*c));
	if (c) {
		ct_fill_hdr(&c->hdr, CT_EV_CONNECT, sizeof(*c));
		c->start_ns = a->start_ns;
		c->ret = ret;
		c->family = a->family;
		c->vsock_cid = 0;
		c->vsock_port = 0;
		c->_pad = 0;
		c->path[0] = '\0';
		if (a->family == CT_AF_VSOCK)
			read_vsock(c, a->addr, a->addrlen);
		else
			read_sun_path(c, a->addr, a->addrlen);
		submit(c);
	}
	bpf_map_delete_elem(&connect_start, &tid);
}

/* ---- syscalls: every syscall of every process comes here ---- */

SEC("tp_btf/sys_enter")
int BPF_PROG(ct_sys_enter, struct pt_regs *regs, long id)
{
	switch (id) {
	case __NR_mount:	/* mount(dev_name, dir_name, type, flags, data) */
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
	case __NR_connect:
		if (ct_sys_native())
			connect_enter((const char *)ct_sys_arg1(regs),
				      (__u32)ct_sys_arg2(regs));
		break;
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ct_sys_exit, struct pt_regs *regs, long ret)
{
	switch (ct_sys_exit_nr(regs)) {
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
	}
	return 0;
}
