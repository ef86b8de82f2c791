// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Why a phase took its time (--why, design §3): scheduler state changes
 * of the container machinery's threads, as CT_EV_TSTATE records in the
 * lifecycle ring buffer (shared by fd).  Userspace (user/why.c) turns
 * them into running / runnable / uninterruptible / other sleep time of
 * each phase's carrier process.
 *
 * Which tasks: a thread is tracked when it execs a shim or a runtime
 * (comm "containerd-shim*", "runc", "crun", "runsc", "conmon") and every
 * task it or its descendants create is tracked from its creation, so
 * runtime commands, runc init, hooks, sandboxes and the container's own
 * processes are followed from their first instant.  Tracked threads are
 * keys of `thr` (tid -> tgid); an untracked task pays one hash lookup
 * per switch in or out, per wakeup.  The object is loaded only for
 * --why.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "events.bpf.h"
#include "coldtrace.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* prev_state bits (include/linux/sched.h; #defines, not in BTF) */
#define CT_TASK_UNINTERRUPTIBLE	0x0002
#define CT_EXIT_DEAD		0x0010
#define CT_EXIT_ZOMBIE		0x0020
#define CT_TASK_DEAD		0x0080
#define CT_TASK_NOLOAD		0x0400

#define CT_WHY_MAX_THREADS	65536

/* tracked thread id -> its tgid */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CT_WHY_MAX_THREADS);
	__type(key, __u32);
	__type(value, __u32);
} thr SEC(".maps");

const char comm_shim[] = "containerd-shim";
const char comm_runc[] = "runc";
const char comm_crun[] = "crun";
const char comm_runsc[] = "runsc";
const char comm_conmon[] = "conmon";

static __always_inline void emit(__u32 tid, __u32 tgid, __u32 state)
{
	struct ct_tstate *r = reserve(sizeof(*r));

	if (!r)
		return;
	__builtin_memset(r, 0, sizeof(*r));
	r->hdr.ts_ns = bpf_ktime_get_ns();
	r->hdr.type = CT_EV_TSTATE;
	r->hdr.size = sizeof(*r);
	r->hdr.pid = tgid;
	r->hdr.tid = tid;
	r->hdr.cpu = bpf_get_smp_processor_id();
	r->state = state;
	submit(r);
}

/* Whole name (with its NUL), or a prefix when n excludes the NUL. */
static __always_inline bool starts(const char *comm, const char *name, int n)
{
	for (int i = 0; i < n; i++)
		if (comm[i] != name[i])
			return false;
	return true;
}

static __always_inline bool root_comm(const char *c)
{
	return starts(c, comm_shim, sizeof(comm_shim) - 1) ||
	       starts(c, comm_runc, sizeof(comm_runc)) ||
	       starts(c, comm_crun, sizeof(comm_crun)) ||
	       starts(c, comm_runsc, sizeof(comm_runsc)) ||
	       starts(c, comm_conmon, sizeof(comm_conmon));
}

static __always_inline void track(__u32 tid, __u32 tgid)
{
	if (bpf_map_update_elem(&thr, &tid, &tgid, BPF_ANY))
		count_lost();	/* full: a split will be missing */
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ct_why_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	__u32 tid = BPF_CORE_READ(p, pid), tgid = BPF_CORE_READ(p, tgid);
	char comm[CT_COMM_LEN];

	if (bpf_map_lookup_elem(&thr, &tid))
		return 0;
	BPF_CORE_READ_STR_INTO(&comm, p, comm);
	if (!root_comm(comm))
		return 0;
	track(tid, tgid);
	emit(tid, tgid, CT_TS_RUN);
	return 0;
}

/* In the parent: the child exists, it runs only after wakeup_new. */
SEC("tp_btf/task_newtask")
int BPF_PROG(ct_why_newtask, struct task_struct *child, u64 clone_flags)
{
	__u32 me = (__u32)bpf_get_current_pid_tgid();

	if (!bpf_map_lookup_elem(&thr, &me))
		return 0;
	track(BPF_CORE_READ(child, pid), BPF_CORE_READ(child, tgid));
	return 0;
}

static __always_inline void woken(struct task_struct *p)
{
	__u32 tid = BPF_CORE_READ(p, pid);
	__u32 *tgid = bpf_map_lookup_elem(&thr, &tid);

	if (tgid)
		emit(tid, *tgid, CT_TS_RUNQ);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(ct_why_wakeup, struct task_struct *p)
{
	woken(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(ct_why_wakeup_new, struct task_struct *p)
{
	woken(p);
	return 0;
}

static __always_inline __u32 out_state(bool preempt, unsigned int st)
{
	if (preempt || !st)
		return CT_TS_RUNQ;
	if (st & (CT_TASK_DEAD | CT_EXIT_DEAD | CT_EXIT_ZOMBIE))
		return CT_TS_DEAD;
	/* TASK_IDLE (D + NOLOAD) is a wait, not I/O */
	if ((st & CT_TASK_UNINTERRUPTIBLE) && !(st & CT_TASK_NOLOAD))
		return CT_TS_IO;
	return CT_TS_SLEEP;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(ct_why_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	__u32 tid = BPF_CORE_READ(prev, pid), *tgid, st;

	tgid = bpf_map_lookup_elem(&thr, &tid);
	if (tgid) {
		st = out_state(preempt, prev_state);
		emit(tid, *tgid, st);
		if (st == CT_TS_DEAD)
			bpf_map_delete_elem(&thr, &tid);
	}
	tid = BPF_CORE_READ(next, pid);
	tgid = bpf_map_lookup_elem(&thr, &tid);
	if (tgid)
		emit(tid, *tgid, CT_TS_RUN);
	return 0;
}

/*
 * The thread is done (what is left is the kernel's exit path): mark it
 * dead here, so that its key never leaks, whatever its last switch says.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(ct_why_exit, struct task_struct *p)
{
	__u32 tid = BPF_CORE_READ(p, pid), *tgid;

	tgid = bpf_map_lookup_elem(&thr, &tid);
	if (!tgid)
		return 0;
	emit(tid, *tgid, CT_TS_DEAD);
	bpf_map_delete_elem(&thr, &tid);
	return 0;
}
