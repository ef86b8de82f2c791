// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * File-open latency of containerised programs, aggregated in the kernel
 * into log2 histograms (design §2, issue 3).  Nothing crosses to
 * userspace per open: userspace reads the hists map when it emits a
 * container.
 *
 * Which containers: a container's cgroup enters the tracked map in the
 * kernel, at the moment its user program starts, so that not one of its
 * opens is missed and none of the runtime's own set-up opens counts:
 *  - runc: execve by the task whose comm is still "runc:[2:INIT]";
 *  - crun: execve by a task whose comm is still "crun" (crun re-execs
 *    itself from a memfd, then forks the container process, which keeps
 *    that comm until it execs the user program) and that is in another
 *    cgroup than its parent: the crun CLI and its hooks share their
 *    parent's (the shim's) cgroup, the container process has its own;
 *  - runsc: exec of "runsc-sandbox" or "runsc-gofer" (argv[0]; runsc
 *    re-execs /proc/self/exe), which are already in the container's v1
 *    memory cgroup.  The gofer's pid is remembered to count its opens.
 *
 * Latency:
 *  - runc, crun, runsc gofer: open/openat/openat2 sys_enter -> sys_exit,
 *    paired by thread id in the inflight map, deleted at every exit;
 *  - runsc guest (ptrace platform): guest syscalls run under
 *    PTRACE_SYSEMU, which skips the sys_enter tracepoints but not the
 *    sys_exit ones, where the stub thread shows the emulated result.
 *    The open began when the stub stopped for the sentry: sched_switch
 *    out of the stub in TASK_TRACED.  Each stop overwrites the last, so
 *    the latency of an open is measured from its own syscall stop.
 *
 * Syscalls come from one raw sys_enter and one raw sys_exit program
 * (sysargs.bpf.h), which run for every syscall of every process.
 * Cost for the host: any syscall, one compare of its number at enter and
 * at exit; an open, one tracked lookup at sys_enter and one inflight
 * lookup at sys_exit; sched_switch tests one bit of prev_state.
 *
 * --paths (paths_enabled): per container, the CT_OPENS_SLOW_K slowest
 * guest opens with their paths.  The path pointer is saved at sys_enter
 * (runc, crun) or taken from the stub's registers at the exit (runsc:
 * rsi for openat/openat2, rdi for open, in the guest's address space,
 * which is the stub's).  The string is read only for an open slower than
 * the K-th kept one, so once the slots are full the common open costs one
 * more lookup and a compare.  The K slots are per CPU (a per-CPU hash
 * entry per container), merged by userspace: the verifier refuses
 * bpf_spin_lock in tracepoint programs ("tracing progs cannot use
 * bpf_spin_lock yet", 6.18), and a CPU's own value needs neither lock
 * nor atomics, since the syscall programs do not nest on a CPU.
 * The price is memory: 4.3 KiB per possible CPU for each live container
 * that opened a file (allocated on its first open, dropped when it is
 * emitted; at most CT_OPENS_MAX_CONTAINERS entries).  Without --paths
 * the verifier drops all of this as dead code and the map is shrunk to
 * one entry.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "task.bpf.h"
#include "bits.bpf.h"
#include "opens_maps.bpf.h"
#include "sysargs.bpf.h"

#define CT_ENOENT	2
#define CT_TASK_TRACED	0x8	/* __TASK_TRACED in prev_state */
#define CT_SIGSYS	31
#define CT_SYS_SECCOMP	1	/* si_code of a seccomp SECCOMP_RET_TRAP */

/* Set by userspace between open and load. */
const volatile __u32 cgroup_mode = CT_CGROUP_V1_MEMORY;
const volatile __u32 runtime_mask;	/* bit per CT_OPENS_RT_*; 0 = all */
const volatile bool paths_enabled;	/* --paths */

const struct ct_opens_hist zero_hist;
const struct ct_opens_slow zero_slow;

/*
 * Names compared in the kernel.  Globals, not static locals: clang 14
 * gives static locals a wrong .rodata offset in BTF, which the kernel
 * rejects.
 */
const char comm_runc_init[CT_COMM_LEN] = "runc:[2:INIT]";
const char comm_crun[CT_COMM_LEN] = "crun";
const char comm_exe[CT_COMM_LEN] = "exe";
const char arg0_sandbox[] = "runsc-sandbox";
const char arg0_gofer[] = "runsc-gofer";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CT_OPENS_MAX_INFLIGHT);
	__type(key, __u32);
	__type(value, struct ct_opens_start);
} inflight SEC(".maps");

/* runsc gofer tgid -> its container's cgroup key */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CT_OPENS_MAX_GOFERS);
	__type(key, __u32);
	__type(value, __u64);
} gofers SEC(".maps");

/* --paths: cgroup key -> per CPU, its K slowest opens (first use). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, CT_OPENS_MAX_CONTAINERS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct ct_opens_slow);
} slowpaths SEC(".maps");

static __always_inline __u64 task_key(struct task_struct *t)
{
	return ct_task_key(t, cgroup_mode);
}

static __always_inline bool bytes_eq(const char *a, const char *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static __always_inline bool runtime_wanted(__u32 rt)
{
	return !runtime_mask || (runtime_mask & (1u << rt));
}

/* Start tracking @key; keys 0 and 1 are "none" and the root cgroup. */
static __always_inline void track(__u64 key, __u32 rt)
{
	struct ct_opens_track v = {
		.runtime = rt,
		.since_ns = bpf_ktime_get_ns(),
	};

	if (key <= 1 || !runtime_wanted(rt))
		return;
	bpf_map_update_elem(&tracked, &key, &v, BPF_NOEXIST);
}

static __always_inline struct ct_opens_hist *hist_get(__u64 key, __u32 rt,
						       __u32 kind)
{
	struct ct_opens_key k = { .cgroup_key = key, .runtime = rt,
				  .kind = kind };
	struct ct_opens_hist *h;

	h = bpf_map_lookup_elem(&hists, &k);
	if (h)
		return h;
	bpf_map_update_elem(&hists, &k, &zero_hist, BPF_NOEXIST);
	return bpf_map_lookup_elem(&hists, &k);
}

static __always_inline void hist_add(struct ct_opens_hist *h, __u32 slot,
				     long ret)
{
	if (!h)
		return;
	__sync_fetch_and_add(&h->count, 1);
	if (ret < 0)
		__sync_fetch_and_add(&h->failed, 1);
	if (ret == -CT_ENOENT)
		__sync_fetch_and_add(&h->failed_enoent, 1);
	if (slot < CT_HIST_SLOTS)
		__sync_fetch_and_add(&h->slots[slot], 1);
}

/* Count one open in its container's and in its runtime's histogram. */
static __always_inline void account(const struct ct_opens_start *s,
				    __u64 now, long ret)
{
	__u32 slot = ct_hist_slot(now - s->ts_ns, CT_HIST_SLOTS);

	hist_add(hist_get(s->cgroup_key, s->runtime, s->kind), slot, ret);
	hist_add(hist_get(0, s->runtime, s->kind), slot, ret);
}

/* ---- --paths: the K slowest opens ---- */

/*
 * This CPU's slots of a container, created only while it is tracked, so
 * that a late exit after ct_opens_forget() leaves nothing behind.
 */
static __always_inline struct ct_opens_slow *slow_get(__u64 key)
{
	struct ct_opens_slow *sl;

	sl = bpf_map_lookup_elem(&slowpaths, &key);
	if (sl || !bpf_map_lookup_elem(&tracked, &key))
		return sl;
	bpf_map_update_elem(&slowpaths, &key, &zero_slow, BPF_NOEXIST);
	return bpf_map_lookup_elem(&slowpaths, &key);
}

/* Remember the fastest kept open: the next one to go. */
static __always_inline void slow_find_min(struct ct_opens_slow *sl)
{
	__u64 min = sl->ent[0].ns;
	__u32 idx = 0;

	for (__u32 i = 1; i < CT_OPENS_SLOW_K; i++) {
		if (sl->ent[i].ns < min) {
			min = sl->ent[i].ns;
			idx = i;
		}
	}
	sl->min_ns = min;
	sl->min_idx = idx;
}

/*
 * runsc guest: the path argument in the stub's registers at its syscall
 * exit (@regs: the raw sys_exit's, the stub's saved user registers).
 * Probe reads, not plain loads: clang would merge a load from @regs with
 * the load of path_ptr from the inflight entry into one instruction on
 * two kinds of pointer, which the verifier refuses.
 */
static __always_inline __u64 stub_path_ptr(struct pt_regs *regs, bool in_si)
{
	return in_si ? PT_REGS_PARM2_CORE_SYSCALL(regs)
		     : PT_REGS_PARM1_CORE_SYSCALL(regs);
}

/* Into a free slot, or over the fastest kept one if this one is slower. */
static __always_inline void note_slow(const struct ct_opens_start *s,
				      __u64 ns, long ret, struct pt_regs *regs,
				      bool in_si)
{
	struct ct_opens_slow_ent *e;
	struct ct_opens_slow *sl;
	__u32 idx;
	__u64 ptr;

	if (!paths_enabled || s->kind != CT_OPENS_GUEST)
		return;
	sl = slow_get(s->cgroup_key);
	if (!sl)
		return;
	if (sl->n < CT_OPENS_SLOW_K)
		idx = sl->n;
	else if (ns > sl->min_ns)
		idx = sl->min_idx;
	else
		return;		/* the common case once full */
	if (idx >= CT_OPENS_SLOW_K)
		return;
	e = &sl->ent[idx];
	ptr = s->runtime == CT_OPENS_RT_RUNSC ? stub_path_ptr(regs, in_si)
					      : s->path_ptr;
	e->ns = ns;
	e->ret = ret;
	if (!ptr || bpf_probe_read_user_str(e->path, sizeof(e->path),
					    (const void *)ptr) < 0)
		e->path[0] = 0;
	if (sl->n < CT_OPENS_SLOW_K)
		sl->n++;
	if (sl->n == CT_OPENS_SLOW_K)
		slow_find_min(sl);
}

/* ---- registration ---- */

static __always_inline int on_execve(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	char comm[CT_COMM_LEN];
	__u64 key;

	bpf_get_current_comm(comm, sizeof(comm));
	if (bytes_eq(comm, comm_runc_init, CT_COMM_LEN)) {
		track(task_key(t), CT_OPENS_RT_RUNC);
		return 0;
	}
	if (!bytes_eq(comm, comm_crun, CT_COMM_LEN))
		return 0;
	key = task_key(t);
	if (key != task_key(BPF_CORE_READ(t, real_parent)))
		track(key, CT_OPENS_RT_CRUN);
	return 0;
}

/*
 * tp_btf rather than the perf tracepoints here too: a perf tracepoint
 * waits for an RCU grace period at detach (~80 ms here), a tp_btf link
 * does not.  Same tracepoints, so the same events.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(ct_opens_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	char comm[CT_COMM_LEN], arg0[CT_COMM_LEN] = {};
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 key;

	/* runsc re-execs /proc/self/exe: cheap filter before argv. */
	bpf_get_current_comm(comm, sizeof(comm));
	if (!bytes_eq(comm, comm_exe, CT_COMM_LEN))
		return 0;
	bpf_probe_read_user_str(arg0, sizeof(arg0),
				(void *)BPF_CORE_READ(t, mm, arg_start));
	if (bytes_eq(arg0, arg0_sandbox, sizeof(arg0_sandbox))) {
		track(task_key(t), CT_OPENS_RT_RUNSC);
	} else if (bytes_eq(arg0, arg0_gofer, sizeof(arg0_gofer))) {
		key = task_key(t);
		track(key, CT_OPENS_RT_RUNSC);
		if (key > 1 && runtime_wanted(CT_OPENS_RT_RUNSC))
			bpf_map_update_elem(&gofers, &tgid, &key, BPF_ANY);
	}
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ct_opens_exit, struct task_struct *p)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, tgid = id >> 32;

	/* Only a process's last thread matters for gofers; cheap anyway. */
	if (tid == tgid)
		bpf_map_delete_elem(&gofers, &tgid);
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}

/* ---- runc, crun, gofer: sys_enter -> sys_exit ---- */

/* path_arg: which syscall argument is the path (0 or 1). */
static __always_inline int on_open_enter(struct pt_regs *regs, int path_arg)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, tgid = id >> 32;
	struct ct_opens_start s = {};
	struct ct_opens_track *tr;

	s.cgroup_key = task_key(t);
	tr = bpf_map_lookup_elem(&tracked, &s.cgroup_key);
	if (!tr)
		return 0;
	s.runtime = tr->runtime;
	s.kind = CT_OPENS_GUEST;
	if (s.runtime == CT_OPENS_RT_RUNSC) {
		/* Sandbox and runsc CLI opens are runsc's, not the guest's. */
		if (!bpf_map_lookup_elem(&gofers, &tgid))
			return 0;
		s.kind = CT_OPENS_GOFER;
	}
	if (paths_enabled && s.kind == CT_OPENS_GUEST)
		s.path_ptr = path_arg ? ct_sys_arg1(regs) : ct_sys_arg0(regs);
	s.ts_ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&inflight, &tid, &s, BPF_ANY);
	return 0;
}

/* in_si: the path is the second argument (openat, openat2). */
static __always_inline int on_open_exit(struct pt_regs *regs, long ret,
					bool in_si)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ct_opens_start *s;
	__u64 now;

	s = bpf_map_lookup_elem(&inflight, &tid);
	if (!s)
		return 0;
	now = bpf_ktime_get_ns();
	account(s, now, ret);
	note_slow(s, now - s->ts_ns, ret, regs, in_si);
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}

/* ---- syscalls: every syscall of every process comes here ---- */

SEC("tp_btf/sys_enter")
int BPF_PROG(ct_opens_sys_enter, struct pt_regs *regs, long id)
{
	switch (id) {
	case __NR_execve:
	case __NR_execveat:
		return ct_sys_native() ? on_execve() : 0;
	case __NR_open:
		return ct_sys_native() ? on_open_enter(regs, 0) : 0;
	case __NR_openat:
	case __NR_openat2:
		return ct_sys_native() ? on_open_enter(regs, 1) : 0;
	}
	return 0;
}

/*
 * Also the runsc guest's opens: no sys_enter, but this exit, on the stub
 * thread, with the emulated result and the guest's syscall number.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(ct_opens_sys_exit, struct pt_regs *regs, long ret)
{
	switch (ct_sys_exit_nr(regs)) {
	case __NR_open:
		return ct_sys_native() ? on_open_exit(regs, ret, false) : 0;
	case __NR_openat:
	case __NR_openat2:
		return ct_sys_native() ? on_open_exit(regs, ret, true) : 0;
	}
	return 0;
}

/* ---- runsc guest: stub stops in TASK_TRACED ---- */

SEC("tp_btf/sched_switch")
int BPF_PROG(ct_opens_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	struct ct_opens_start s = {};
	struct ct_opens_track *tr;
	__u32 tid;

	if (!(prev_state & CT_TASK_TRACED))
		return 0;
	s.cgroup_key = task_key(prev);
	tr = bpf_map_lookup_elem(&tracked, &s.cgroup_key);
	if (!tr || tr->runtime != CT_OPENS_RT_RUNSC)
		return 0;
	__sync_fetch_and_add(&tr->stub_stops, 1);
	s.runtime = CT_OPENS_RT_RUNSC;
	s.kind = CT_OPENS_GUEST;
	s.ts_ns = bpf_ktime_get_ns();
	tid = BPF_CORE_READ(prev, pid);
	bpf_map_update_elem(&inflight, &tid, &s, BPF_ANY);
	return 0;
}

/*
 * ---- runsc guest: systrap ----
 *
 * Under systrap (runsc's default platform since 2023) a guest syscall
 * is trapped by the stub's seccomp filter: SIGSYS with si_code
 * SYS_SECCOMP, raised in the trapping thread's own context, instead of
 * a ptrace stop.  Only counted, so that userspace reports the
 * container's opens as unobservable rather than the few ptrace stops
 * systrap also makes (issue 17).  Signals are rare: the cost is nil.
 */

/*
 * The signal_generate event's si_code: SEND_SIG_NOINFO and SEND_SIG_PRIV
 * (0 and 1) are not siginfo pointers but SI_USER and SI_KERNEL, neither
 * of which is SYS_SECCOMP.
 */
static __always_inline bool sigsys_seccomp(struct kernel_siginfo *info)
{
	if ((unsigned long)info <= 1)
		return false;
	return BPF_CORE_READ(info, si_code) == CT_SYS_SECCOMP;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(ct_opens_sigsys, int sig, struct kernel_siginfo *info,
	     struct task_struct *task, int group, int result)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct ct_opens_track *tr;
	__u64 key;

	if (sig != CT_SIGSYS || !sigsys_seccomp(info))
		return 0;
	key = task_key(t);
	tr = bpf_map_lookup_elem(&tracked, &key);
	if (tr && tr->runtime == CT_OPENS_RT_RUNSC)
		__sync_fetch_and_add(&tr->seccomp_traps, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
