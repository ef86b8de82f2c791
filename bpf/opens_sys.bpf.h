/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The open tracer's syscalls, for the one syscall object (bpf/sys.bpf.c),
 * on the open tracer's maps shared by fd (opens_maps.bpf.h; the rest of
 * the tracer, and why, is bpf/opens.bpf.c):
 *  - execve/execveat: runc's and crun's container process enters
 *    tracked here, at the moment its user program starts;
 *  - open/openat/openat2 of runc, crun and runsc gofer threads: sys_enter
 *    -> sys_exit, paired in the thread's inflight storage;
 *  - the runsc guest's opens (ptrace platform): no sys_enter, but the
 *    stub thread's sys_exit, with the emulated result and the guest's
 *    syscall number, closes the inflight entry its ptrace stop opened
 *    (opens_stub_stop(), from the tool's one sched_switch program).
 * Cost for the host: an open, one load from its cgroup at sys_enter
 * (task_marked(): no hash lookup unless the cgroup was ever tracked) and
 * one from its task at sys_exit (ct_task_has_storage()).
 *
 * --paths (paths_enabled): per container, the CT_OPENS_SLOW_K slowest
 * guest opens with their paths.  The path pointer is saved at sys_enter
 * (runc, crun) or taken from the stub's registers at the exit (runsc:
 * the second argument for openat/openat2 (rsi, x1), the first for open
 * (rdi; x86-64 only), in the guest's address space, which is the
 * stub's).  The string is read only for an open slower than
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
#ifndef __CT_OPENS_SYS_BPF_H
#define __CT_OPENS_SYS_BPF_H

#include "bits.bpf.h"
#include "events.bpf.h"
#include "gate.bpf.h"
#include "opens_maps.bpf.h"
#include "sysargs.bpf.h"
#include "touch.bpf.h"

#define CT_ENOENT	2
#define CT_TASK_TRACED	0x8	/* __TASK_TRACED in prev_state */
#define CT_EVENTMSG_SYSCALL_ENTRY	1	/* ptrace_message of such a stop */

const volatile bool paths_enabled;	/* --paths */

/*
 * The hooks' generation, a new value set by userspace before each attach
 * (user/kern/sys_bpf.c, ct_sys_bpf_arm()), 0 from the detach's start
 * (ct_sys_bpf_disarm_begin()): the programs leave one at a time, seconds
 * for fentry trampolines under load, and an open counted meanwhile would
 * fall after the containers' opens.traced_until_ns, stamped then.  While
 * 0 no open starts (nor is counted at a stub's stop), and none in flight
 * is timed.  A start is stamped with it
 * and its exit times it only under the same value: once the hooks were
 * detached, a thread's start may have lost its exit, and its next open,
 * whose entry came while they were off, would end on that old start
 * (minutes later, a "latency" of minutes).  Such an exit is not timed
 * (nor counted, but for a runsc guest's, counted at its stop): the
 * container's opens are cut there anyway (opens.traced_until_ns).
 */
CT_GATE(opens_gate);

const struct ct_opens_slow zero_slow;

/* Globals, not static locals: clang 14 mislabels those in BTF. */
const char comm_runc_init[CT_COMM_LEN] = "runc:[2:INIT]";
/* crun's comm, from user space (include/comms.h's list) */
const volatile struct ct_comm_pat crun_pat;

_Static_assert((CT_HIST_SLOTS & (CT_HIST_SLOTS - 1)) == 0,
	       "CT_HIST_SLOTS: a power of 2 (hist_time())");

/* One open's end in @h; @count: also count it (its stop did not). */
static __always_inline void hist_time(struct ct_opens_hist *h, __u32 slot,
				      long ret, bool count)
{
	if (!h)
		return;
	if (count)
		__sync_fetch_and_add(&h->count, 1);
	if (ret < 0)
		__sync_fetch_and_add(&h->failed, 1);
	if (ret == -CT_ENOENT)
		__sync_fetch_and_add(&h->failed_enoent, 1);
	if (slot >= CT_HIST_SLOTS)
		return;
	/*
	 * The 6.1 verifier loses the bound above on the 32-bit copy clang
	 * compares ("R0 unbounded memory access"): a mask it keeps, which
	 * clang must not fold away.
	 */
	barrier_var(slot);
	slot &= CT_HIST_SLOTS - 1;
	__sync_fetch_and_add(&h->slots[slot], 1);
}

/*
 * Time one open in its container's and in its runtime's histogram (and
 * count it, unless its stub's entry stop did): one lookup of each, every
 * traced open pays them.
 */
static __always_inline void account(const struct ct_opens_start *s,
				    __u64 now, long ret)
{
	__u32 slot = ct_hist_slot(now - s->ts_ns, CT_HIST_SLOTS);

	hist_time(hist_get(s->cgroup_key, s->runtime, s->kind), slot, ret,
		  !s->counted);
	hist_time(hist_get(0, s->runtime, s->kind), slot, ret, !s->counted);
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
	map_insert(&slowpaths, &key, &zero_slow, BPF_NOEXIST,
		   CT_MAPFULL_SLOWPATHS);
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

/* ---- --start-files: the files a container opens at its start ---- */

#define CT_S_IFMT	0170000
#define CT_S_IFREG	0100000
#define CT_FMODE_READ	0x1	/* not O_WRONLY, not O_PATH */

/* The file behind @t's descriptor @fd, NULL if there is none. */
static __always_inline struct file *fd_file(struct task_struct *t, long fd)
{
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **fds, *f = NULL;

	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
		return NULL;
	return f;
}

/*
 * A runc or crun container's open of a regular file of its root file
 * system for reading, inside the window after its exec: one CT_EV_TOUCH,
 * with the file's size (a file opened only to write, or O_PATH, is read
 * from no image).  Each open is sent (userspace keeps a path's first): a
 * set of paths per container in the kernel would cost a hash of the path
 * and a map per open.  The window bounds the stream; a full ring buffer
 * counts as a lost record.
 */
static __always_inline void note_touch(struct task_struct *t,
				       const struct ct_opens_start *s,
				       __u64 now, long ret)
{
	struct inode *ino;
	struct file *f;

	if (s->kind != CT_OPENS_GUEST || ret < 0 || !s->path_ptr ||
	    !touch_wanted(s->cgroup_key, now))
		return;
	f = fd_file(t, ret);
	if (!f || !(BPF_CORE_READ(f, f_mode) & CT_FMODE_READ))
		return;
	ino = BPF_CORE_READ(f, f_inode);
	if (!ino || (BPF_CORE_READ(ino, i_mode) & CT_S_IFMT) != CT_S_IFREG ||
	    !on_root_fs(t, ino))
		return;
	touch_send(s->cgroup_key, BPF_CORE_READ(ino, i_size),
		   (const void *)s->path_ptr, true);
}

/* ---- registration: runc's and crun's container process, at execve ---- */

static __always_inline void opens_execve(void)
{
	struct task_struct *t = ct_current();
	char comm[CT_COMM_LEN];
	__u64 c[2];

	ct_current_comm(comm);
	if (bytes_eq(comm, comm_runc_init, CT_COMM_LEN)) {
		track(t, CT_OPENS_RT_RUNC);
		return;
	}
	__builtin_memcpy(c, comm, sizeof(c));
	if (!ct_comm_is(c, &crun_pat))
		return;
	if (task_key(t) != task_key(ct_task_parent(t)))
		track(t, CT_OPENS_RT_CRUN);
}

/* ---- runc, crun, gofer: sys_enter -> sys_exit ---- */

/* @t: the current task; path_arg: which argument is the path (0 or 1). */
static __always_inline void opens_open_enter(struct task_struct *t,
					     struct pt_regs *regs, int path_arg)
{
	struct cgroup *cg = task_marked(t);
	struct ct_opens_start s = {};
	struct ct_opens_track *tr;
	__u32 tgid;

	if (!cg)
		return;		/* every untracked process: one load */
	s.cgroup_key = ct_cgroup_id(cg);
	tr = bpf_map_lookup_elem(&tracked, &s.cgroup_key);
	if (!tr)
		return;
	tgid = bpf_get_current_pid_tgid() >> 32;
	s.runtime = tr->runtime;
	s.kind = CT_OPENS_GUEST;
	if (s.runtime == CT_OPENS_RT_RUNSC) {
		/* Sandbox and runsc CLI opens are runsc's, not the guest's. */
		if (!bpf_map_lookup_elem(&gofers, &tgid))
			return;
		s.kind = CT_OPENS_GOFER;
	}
	s.gen = gate_value(&opens_gate);
	if (!s.gen)
		return;		/* being detached */
	if ((paths_enabled || touch_window_ns) && s.kind == CT_OPENS_GUEST)
		s.path_ptr = path_arg ? ct_sys_arg1(regs) : ct_sys_arg0(regs);
	s.ts_ns = bpf_ktime_get_ns();
	if (!inflight_set(t, &s))
		count_loss(CT_LOSS_OPENS);
}

/*
 * A runsc guest's open is counted at its stub's syscall-entry stop
 * (opens_stub_stop()); the exit only times it, and only when it is that
 * open's own: the stub's last stop was an open's entry stop (counted) and the
 * exit carries a result the sentry set.  Measured (docs/runsc.md): the
 * sentry may finish the open on another stub thread, whose exit follows
 * some other syscall's stop, and the first stub may later leave its stop
 * with registers the sentry did not set (ct_sys_skipped()): x86-64's
 * -ENOSYS, arm64's own first argument (openat's AT_FDCWD: every stub exit
 * of runsc 20221219 on arm64); or the result reaches the guest on a
 * signal stop's resume, which passes no syscall exit at all.  Such opens
 * count once and stay untimed.
 */
static __always_inline bool stub_untimed_exit(const struct ct_opens_start *s,
					      struct pt_regs *regs, long ret)
{
	return s->runtime == CT_OPENS_RT_RUNSC && s->kind == CT_OPENS_GUEST &&
	       (!s->counted || ct_sys_skipped(regs, ret));
}

/*
 * Also the runsc guest's opens, whose inflight entry its stub's ptrace
 * stop made (opens_stub_stop()).  @t: the current task; in_si: the path
 * is the second argument (openat, openat2).
 */
static __always_inline void opens_open_exit(struct task_struct *t,
					    struct pt_regs *regs, long ret,
					    bool in_si)
{
	struct ct_opens_start *s;
	__u64 now;

	/* inflight is task storage, on tasks of tracked cgroups only */
	if (!ct_task_has_storage(t))
		return;
	s = inflight_get(t);
	if (!s || !s->ts_ns)
		return;
	if (s->gen == gate_value(&opens_gate) &&
	    !stub_untimed_exit(s, regs, ret)) {
		now = bpf_ktime_get_ns();
		account(s, now, ret);
		note_slow(s, now - s->ts_ns, ret, regs, in_si);
		note_touch(t, s, now, ret);
	}
	inflight_done(t, s);
}

/* ---- runsc guest: stub stops in TASK_TRACED (sched_switch) ---- */

/*
 * Whether @prev stops at the syscall-entry stop of an open: the kernel
 * marks such a stop with ptrace_message PTRACE_EVENTMSG_SYSCALL_ENTRY
 * (set before the stop schedules, left alone by the tracer; exit_code
 * is not usable: the sentry's wait4 on the other CPU may clear it before
 * the stub switches out), and the stub's saved registers hold the
 * guest's syscall number.  Each guest open makes exactly one such stop,
 * whichever stub thread later shows its result: it is counted here.
 */
static __always_inline bool stub_open_entry(struct task_struct *prev)
{
	long nr;

	if (prev->ptrace_message != CT_EVENTMSG_SYSCALL_ENTRY)
		return false;
	nr = ct_task_sys_nr(prev);
	return nr == CT_NR_open || nr == CT_NR_openat || nr == CT_NR_openat2;
}

/*
 * @prev switches out in TASK_TRACED (the caller tested the bit): if it is
 * a tracked runsc container's stub, its stop starts the guest syscall
 * whose exit opens_open_exit() may time.
 */
static __always_inline void opens_stub_stop(struct task_struct *prev)
{
	struct ct_opens_start s = {};
	struct ct_opens_track *tr;
	struct cgroup *cg;

	cg = task_marked(prev);
	if (!cg)
		return;
	s.cgroup_key = ct_cgroup_id(cg);
	tr = bpf_map_lookup_elem(&tracked, &s.cgroup_key);
	if (!tr || tr->runtime != CT_OPENS_RT_RUNSC)
		return;
	s.gen = gate_value(&opens_gate);
	if (!s.gen)
		return;		/* being detached */
	__sync_fetch_and_add(&tr->stub_stops, 1);
	s.runtime = CT_OPENS_RT_RUNSC;
	s.kind = CT_OPENS_GUEST;
	s.counted = stub_open_entry(prev);
	if (s.counted)
		hist_count(&s);
	s.ts_ns = bpf_ktime_get_ns();
	if (!inflight_set(prev, &s))
		count_loss(CT_LOSS_OPENS);
}

#endif /* __CT_OPENS_SYS_BPF_H */
