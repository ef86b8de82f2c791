/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --why's tracked tasks and its context-switch handler.  bpf/why.bpf.c
 * marks the tasks (exec of a shim or runtime, and every task a marked
 * one creates) and follows their wakeups and exits; the one sched_switch
 * program of the tool (bpf/sys.bpf.c) calls why_switch(), on this map
 * shared by fd (ct_why_share_maps()).
 *
 * Why task storage, not a hash of tids: every context switch and wakeup
 * on the host asks whether its tasks are tracked.  A task that carries
 * no BPF task storage at all (every task coldtrace does not follow) is
 * told by one load from the task_struct the scheduler just handed us, no helper call
 * and no hash; a tracked one by a storage lookup.  The mark goes with
 * the task: nothing leaks, nothing fills up.
 *
 * Include after vmlinux.h, the libbpf headers and events.bpf.h.
 */
#ifndef __CT_WHY_SCHED_BPF_H
#define __CT_WHY_SCHED_BPF_H

#include "coldtrace.h"
#include "task.bpf.h"
#include "sysargs.bpf.h"

/* prev_state bits (include/linux/sched.h; #defines, not in BTF) */
#define CT_TASK_INTERRUPTIBLE	0x0001
#define CT_TASK_UNINTERRUPTIBLE	0x0002
#define CT_TASK_STOPPED_BITS	0x000c	/* __TASK_STOPPED, __TASK_TRACED */
#define CT_EXIT_DEAD		0x0010
#define CT_EXIT_ZOMBIE		0x0020
#define CT_TASK_DEAD		0x0080
#define CT_TASK_NOLOAD		0x0400

/*
 * A shim, a runtime, or a descendant of one: the entry is the mark, and
 * keeps what sched_waking reads of the wait the task is in (why.bpf.c):
 * its site when a syscall names it (why_sleep_site(); a timer's wake of
 * a nanosleep is not recorded) and since when it waits (a waker's stack
 * is taken only for long waits); both 0 while it is on a CPU.
 */
struct why_task {
	__u64 slept_ns;
	__u32 site;
	/*
	 * --why=user: the user stack of the goroutine that parked on this
	 * thread since it last ran (why.bpf.c's ct_why_gopark), 0: none;
	 * cleared when the thread is switched in, so that a park before
	 * the thread's last run is never another wait's.
	 */
	__u32 gstack;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct why_task);
} why_tasks SEC(".maps");

/*
 * The kernel stacks of the tracked tasks' waits (at a switch out to
 * sleep) and of their wakers (at sched_waking): why.bpf.c's, shared by
 * fd with sys.bpf.c.  Without BPF_F_REUSE_STACKID: a stack whose bucket
 * holds another one is refused, so an id, once named by userspace, never
 * names another stack.
 */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, CT_STACKS_MAX);
	__type(key, __u32);
	__uint(value_size, CT_STACK_DEPTH * sizeof(__u64));
} why_stacks SEC(".maps");

/*
 * The user stacks of the tracked tasks' waits (--why=user): frame-pointer
 * walks (Go's code keeps frame pointers; C code built without them gives
 * its leaf frames only).  Ids are per map, names per process: userspace
 * names an id for each process that uses it (CT_EV_USTACK).
 */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, CT_USTACKS_MAX);
	__type(key, __u32);
	__uint(value_size, CT_STACK_DEPTH * sizeof(__u64));
} why_ustacks SEC(".maps");

#define CT_EEXIST	17

/*
 * Wait sites on (--why, --why=sites): the stacks and the wakers.  Set by
 * userspace in both objects; --why=states leaves them out (and the
 * sched_waking program unloaded, the stack map one entry).
 */
const volatile bool why_stacks_on = true;
/* --why=user: each wait's user stack too (userspace sets it). */
const volatile bool why_ustacks_on = false;

/*
 * The current task's kernel stack as a record says it (coldtrace.h).
 * A bucket taken by another stack (-EEXIST: 300 stacks in 8,192 buckets
 * collide a few times a session) is tried again without the innermost
 * frame, then the next: they are this program's and the tracepoint's
 * (userspace leaves them out of the names anyway), and the stack without
 * them hashes elsewhere.  Lost (CT_STACK_LOST) after three tries, or
 * when no stack could be taken.
 */
static __always_inline __u32 why_stack(void *ctx)
{
	long id = bpf_get_stackid(ctx, &why_stacks, 0);

	if (id == -CT_EEXIST)
		id = bpf_get_stackid(ctx, &why_stacks, 1);
	if (id == -CT_EEXIST)
		id = bpf_get_stackid(ctx, &why_stacks, 2);
	return id < 0 ? CT_STACK_LOST : (__u32)id + 1;
}

/* The current task's user stack as a record says it, as why_stack(). */
static __always_inline __u32 why_ustack(void *ctx)
{
	long id = bpf_get_stackid(ctx, &why_ustacks, BPF_F_USER_STACK);

	return id < 0 ? CT_STACK_LOST : (__u32)id + 1;
}

/*
 * Without task storage for tracing programs (!ct_has_task_storage),
 * userspace makes why_tasks a hash keyed by tid: marked at exec and
 * fork, deleted at the task's exit (why.bpf.c).
 */
static __always_inline struct why_task *why_task(struct task_struct *p)
{
	__u32 tid;

	if (!ct_task_has_storage(p))
		return NULL;	/* the common case: one load */
	if (!ct_has_task_storage) {
		tid = ct_task_tid(p);
		return bpf_map_lookup_elem(&why_tasks, &tid);
	}
	return bpf_task_storage_get(&why_tasks, p, 0, 0);
}

static __always_inline bool why_tracked(struct task_struct *p)
{
	return why_task(p) != NULL;
}

/*
 * A CT_EV_TSTATE record: @p is in scheduler state @state from now; @stack
 * its wait site when it goes to sleep (it is the current task then), and
 * @ustack its user stack, @gstack the parked goroutine's (why_switch()).
 * Its time, or 0 when the ring buffer had no room.
 */
static __always_inline __u64 why_emit(struct task_struct *p, __u32 state,
				      __u32 stack, __u32 ustack, __u32 gstack)
{
	struct ct_tstate *r = reserve(sizeof(*r));
	__u64 ts;

	if (!r)
		return 0;
	__builtin_memset(r, 0, sizeof(*r));
	r->hdr.ts_ns = bpf_ktime_get_ns();
	r->hdr.type = CT_EV_TSTATE;
	r->hdr.size = sizeof(*r);
	r->hdr.pid = p->tgid;
	r->hdr.tid = p->pid;
	r->hdr.cpu = bpf_get_smp_processor_id();
	r->state = state;
	r->stack = stack;
	r->ustack = ustack;
	r->gstack = gstack;
	ts = r->hdr.ts_ns;
	submit(r);
	return ts;
}

/*
 * A sleep's site without a walk, where its syscall says it
 * (coldtrace.h's CT_STACK_WAIT_SYSCALL()), else 0.  Only a plain
 * interruptible sleep (TASK_FREEZABLE may be with it): a ptrace stop in
 * such a syscall (runsc's stubs stop at the guest's) waits elsewhere.
 */
static __always_inline __u32 why_sleep_site(struct task_struct *prev,
					    unsigned int prev_state)
{
	long nr;

	if ((prev_state & (CT_TASK_INTERRUPTIBLE | CT_TASK_UNINTERRUPTIBLE |
			   CT_TASK_STOPPED_BITS)) != CT_TASK_INTERRUPTIBLE)
		return 0;
	nr = ct_task_sys_nr(prev);
	switch (nr) {	/* arm64's missing epoll_wait, < 0, matches none */
#define CT_WAIT_CASE(name, func, x86, arm64)				\
	case CT_NR_##name:						\
		return CT_STACK_WAIT_SYSCALL(CT_WAIT_ROW_##name);
	CT_WAIT_SYSCALLS(CT_WAIT_CASE)
#undef CT_WAIT_CASE
	}
	return 0;
}

static __always_inline __u32 why_out_state(bool preempt, unsigned int st)
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

/*
 * @prev leaves the CPU in a state, @next runs.  A dead task's mark is
 * gone already (why.bpf.c's exit, which also said so).  At the
 * tracepoint @prev is still the current task: a sleep's stack is its
 * wait site.  A preemption or a runnable switch out waits on nothing.
 * A sleep also carries the stack of the goroutine that parked on the
 * thread since it was switched in (t->gstack, runc only: why.bpf.c's
 * ct_why_gopark): a Go thread sleeps in the runtime's futex once it
 * finds no other goroutine to run, so the last one parked is what it
 * waits for.  Not so when another goroutine ran between the park and
 * the sleep and did not park (it exited, or it is the one whose
 * blocking syscall sleeps now: then the thread's own frames name the
 * program, and userspace keeps those).
 */
static __always_inline void why_switch(void *ctx, bool preempt,
				       struct task_struct *prev,
				       struct task_struct *next,
				       unsigned int prev_state)
{
	__u32 st, stack = CT_STACK_NONE, ustack = CT_STACK_NONE;
	__u32 gstack = CT_STACK_NONE;
	struct why_task *t = why_task(prev);
	__u64 ts;

	if (t) {
		st = why_out_state(preempt, prev_state);
		if (why_stacks_on && st == CT_TS_SLEEP)
			stack = why_sleep_site(prev, prev_state);
		t->site = stack;
		if (why_stacks_on && !stack &&
		    (st == CT_TS_IO || st == CT_TS_SLEEP))
			stack = why_stack(ctx);
		if (why_ustacks_on && (st == CT_TS_IO || st == CT_TS_SLEEP)) {
			ustack = why_ustack(ctx);
			gstack = t->gstack;
			t->gstack = CT_STACK_NONE;
		}
		ts = why_emit(prev, st, stack, ustack, gstack);
		t->slept_ns = st == CT_TS_IO || st == CT_TS_SLEEP ? ts : 0;
	}
	t = why_task(next);
	if (t) {
		t->site = 0;
		t->slept_ns = 0;
		t->gstack = CT_STACK_NONE;
		why_emit(next, CT_TS_RUN, CT_STACK_NONE, CT_STACK_NONE,
			 CT_STACK_NONE);
	}
}

#endif /* __CT_WHY_SCHED_BPF_H */
