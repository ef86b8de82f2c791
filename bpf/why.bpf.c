// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Why a phase took its time (--why, docs/design.md "Phases"): scheduler state
 * changes of the container machinery's threads, as CT_EV_TSTATE records in the
 * lifecycle ring buffer (shared by fd).  Userspace (user/enrich/why.c) turns them into
 * running / runnable / uninterruptible / other sleep time of each phase's
 * carrier process.
 *
 * Which tasks: a thread is tracked when it execs a shim or a runtime
 * (include/comms.h's CT_COMM_ROOT: containerd-shim*, runc, crun, runsc,
 * conmon) or a CNI
 * plugin (a file in CT_CNI_DIRS: a pod's connect), and every
 * task it or its descendants create is tracked from its creation, so
 * runtime commands, runc init, hooks, sandboxes and the container's own
 * processes are followed from their first instant.  Tracked tasks carry
 * a mark in task storage (why_sched.bpf.h, where the context switches
 * are handled: the one sched_switch program is bpf/sys.bpf.c's); an
 * untracked task pays one load per wakeup.  The object is loaded only
 * for --why.
 *
 * On what each wait waited (docs/why.md "Wait sites"): the kernel stack
 * of a tracked thread's switch out to sleep, and at sched_waking the
 * waker (the current task), its kernel stack and whether it is a kernel
 * thread, as CT_EV_WAKE records; the stacks are ids in why_stacks, whose
 * frames userspace names (user/kern/stacks.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "events.bpf.h"
#include "why_sched.bpf.h"
#include "cni.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The roots' comms (runtimes, shims, monitors), from user space
 * (include/comms.h's list). */
const volatile struct ct_comm_pat why_pats[CT_WHY_PATS];

static __always_inline bool root_comm(struct task_struct *p)
{
	__u64 c[2];

	ct_comm_words(p, c);
	for (unsigned int i = 0; i < CT_WHY_PATS; i++)
		if (ct_comm_is(c, &why_pats[i]))
			return true;
	return false;
}

static __always_inline void mark(struct task_struct *p)
{
	const struct why_task fresh = {};
	__u32 tid;

	if (!ct_has_task_storage) {
		tid = ct_task_tid(p);
		if (bpf_map_update_elem(&why_tasks, &tid, &fresh, BPF_ANY))
			count_loss(CT_LOSS_WHY);	/* the hash is full */
		return;
	}
	/* no memory: a split will be missing; not a ring buffer loss */
	if (!bpf_task_storage_get(&why_tasks, p, 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE))
		count_loss(CT_LOSS_WHY);
}

/* @p exits: its mark goes (task storage goes with the task by itself). */
static __always_inline void unmark(struct task_struct *p)
{
	__u32 tid;

	if (!ct_has_task_storage) {
		tid = ct_task_tid(p);
		bpf_map_delete_elem(&why_tasks, &tid);
		return;
	}
	bpf_task_storage_delete(&why_tasks, p);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ct_why_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	if (why_tracked(p))
		return 0;
	if (!root_comm(p) &&
	    !is_cni_plugin(BPF_CORE_READ(bprm, filename)))
		return 0;
	mark(p);
	why_emit(p, CT_TS_RUN, CT_STACK_NONE, CT_STACK_NONE, CT_STACK_NONE);
	return 0;
}

/* In the parent: the child exists, it runs only after wakeup_new. */
SEC("tp_btf/task_newtask")
int BPF_PROG(ct_why_newtask, struct task_struct *child, u64 clone_flags)
{
	if (why_tracked(ct_current()))
		mark(child);
	return 0;
}

static __always_inline void woken(struct task_struct *p)
{
	if (why_tracked(p))
		why_emit(p, CT_TS_RUNQ, CT_STACK_NONE, CT_STACK_NONE,
			 CT_STACK_NONE);
}

#define PF_KTHREAD	0x00200000	/* include/linux/sched.h */

/*
 * In an interrupt: a hard interrupt or NMI, or serving a softirq
 * (include/linux/preempt.h: SOFTIRQ_OFFSET, HARDIRQ_MASK, NMI_MASK; a
 * softirq merely disabled, 2 * SOFTIRQ_OFFSET, is not one).
 */
#define CT_SOFTIRQ_OFFSET	0x00000100
#define CT_HARDIRQ_NMI_MASK	0x00ff0000

/*
 * The preempt count, where each kernel keeps it: x86-64 in the per-CPU
 * __preempt_count (to 6.1, and from 6.15) or pcpu_hot.preempt_count
 * (6.2 to 6.14), arm64 in the task's thread_info.  A weak ksym the
 * kernel lacks is 0, its branch dead code for the verifier.  -1: none
 * could be read (the waker's stack tells instead, userspace's tables).
 */
#if defined(__TARGET_ARCH_x86)
extern const int __preempt_count __ksym __weak;
struct pcpu_hot {
	int preempt_count;
} __attribute__((preserve_access_index));
extern const struct pcpu_hot pcpu_hot __ksym __weak;
#endif

/*
 * x86 keeps need-resched in the count's top bit, inverted (set: no
 * reschedule needed), so that a read count is negative as an int most of
 * the time: the bit is not the count's.
 */
#define CT_PREEMPT_NEED_RESCHED	0x80000000u

static __always_inline int preempt_count(struct task_struct *cur)
{
#if defined(__TARGET_ARCH_x86)
	if (&__preempt_count)
		return *(const int *)bpf_this_cpu_ptr(&__preempt_count) &
		       ~CT_PREEMPT_NEED_RESCHED;
	if (&pcpu_hot)
		return ((const struct pcpu_hot *)bpf_this_cpu_ptr(&pcpu_hot))
			->preempt_count & ~CT_PREEMPT_NEED_RESCHED;
#elif defined(__TARGET_ARCH_arm64)
	return (int)BPF_CORE_READ(cur, thread_info.preempt_count);
#endif
	return -1;
}

/*
 * x86-64's preempt count where the kernel gives its per-CPU variable no
 * address (no CONFIG_KALLSYMS_ALL: the ksyms above fail to load): it is
 * read at a fixed distance from this CPU's run queue, which the current
 * task's CFS run queue points to (CONFIG_FAIR_GROUP_SCHED).  Both are
 * per-CPU variables of one section, so the distance is the difference of
 * their offsets there, which the kernel's BTF gives (DATASEC
 * .data..percpu): userspace sets it (user/kern/why_bpf.c).  -1: not
 * read.
 */
const volatile __s64 rq_to_preempt;

static __always_inline int preempt_count_by_rq(struct task_struct *cur)
{
	const char *rq = (const char *)BPF_CORE_READ(cur, se.cfs_rq, rq);
	int pc;

	if (!rq || bpf_probe_read_kernel(&pc, sizeof(pc), rq + rq_to_preempt))
		return -1;
	return pc & ~CT_PREEMPT_NEED_RESCHED;
}

/*
 * Where neither way above reads the preempt count (x86-64 whose BTF
 * names neither the variable with an address nor its per-CPU offset:
 * Debian 11's 5.10), the contexts that wake tasks from interrupts are
 * followed by their own
 * tracepoints: a per-CPU depth, up when a device interrupt's handler, a
 * softirq, or one of x86's system vectors (the local timer, whose
 * hrtimers end sleeps and timeouts; irq_work; the IPIs) begins, down
 * when it ends.  Each pair runs where it cannot nest in itself (hard
 * interrupts do not nest, softirqs neither, and a hard interrupt never
 * runs softirqs when it interrupted one): a BPF program is skipped when
 * it fires inside its own run on the same CPU, and a skipped exit would
 * leave the depth up for good (hrtimer_expire_exit does nest, a soft
 * hrtimer's under a hard one: not used).  The exits come first in the
 * object, attached first; userspace zeroes the depth once all are
 * attached (why_bpf.c), and an exit whose entry it did not see leaves it
 * at 0.  An NMI's wake reads as the task it interrupted.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} why_irq_depth SEC(".maps");

static __always_inline __u32 *irq_depth(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&why_irq_depth, &zero);
}

static __always_inline void irq_in(void)
{
	__u32 *d = irq_depth();

	if (d)
		(*d)++;
}

static __always_inline void irq_out(void)
{
	__u32 *d = irq_depth();

	if (d && *d)
		(*d)--;
}

/* A program at tracepoint tp that moves the depth by step (irq_in/out). */
#define IRQ_DEPTH_PROG(name, tp, step)		\
	SEC("tp_btf/" tp)				\
	int BPF_PROG(name)				\
	{						\
		step();					\
		return 0;				\
	}

/* the exits first: attached before their entries (see above) */
IRQ_DEPTH_PROG(ct_why_irq_hardirq_out, "irq_handler_exit", irq_out)
IRQ_DEPTH_PROG(ct_why_irq_softirq_out, "softirq_exit", irq_out)
IRQ_DEPTH_PROG(ct_why_irq_timer_out, "local_timer_exit", irq_out)
IRQ_DEPTH_PROG(ct_why_irq_irqwork_out, "irq_work_exit", irq_out)
IRQ_DEPTH_PROG(ct_why_irq_ipi_out, "call_function_exit", irq_out)
IRQ_DEPTH_PROG(ct_why_irq_ipi1_out, "call_function_single_exit", irq_out)
IRQ_DEPTH_PROG(ct_why_irq_resched_out, "reschedule_exit", irq_out)
IRQ_DEPTH_PROG(ct_why_irq_hardirq_in, "irq_handler_entry", irq_in)
IRQ_DEPTH_PROG(ct_why_irq_softirq_in, "softirq_entry", irq_in)
IRQ_DEPTH_PROG(ct_why_irq_timer_in, "local_timer_entry", irq_in)
IRQ_DEPTH_PROG(ct_why_irq_irqwork_in, "irq_work_entry", irq_in)
IRQ_DEPTH_PROG(ct_why_irq_ipi_in, "call_function_entry", irq_in)
IRQ_DEPTH_PROG(ct_why_irq_ipi1_in, "call_function_single_entry", irq_in)
IRQ_DEPTH_PROG(ct_why_irq_resched_in, "reschedule_entry", irq_in)

/* How waking() reads the preempt count: one program each. */
enum count_how {
	COUNT_KSYM,		/* the kernel's, by its ksym or thread_info */
	COUNT_RQ,		/* the kernel's, beside the run queue */
	COUNT_DEPTH,		/* one made of the interrupt depth */
};

/*
 * A preempt count as waking() reads it; -1: none to read (then the
 * waker's stack tells, userspace's tables: recordings of earlier
 * sessions).
 */
static __always_inline int irq_count(struct task_struct *cur,
				     enum count_how how)
{
	__u32 *d;

	if (how == COUNT_KSYM)
		return preempt_count(cur);
	if (how == COUNT_RQ)
		return preempt_count_by_rq(cur);
	d = irq_depth();
	return d ? (*d ? CT_SOFTIRQ_OFFSET : 0) : -1;
}

/*
 * A timer ends a nanosleep from an interrupt: a record for each would
 * be half of all the wakes (Go's sysmon sleeps 20 us to 10 ms at a time
 * in every runtime and shim), saying what the site already does.  So
 * none is made, and userspace takes a nanosleep that ends with no wake
 * recorded as the timer's (user/enrich/why_waits.c).  A wake that may
 * come before the thread's switch out finds the site 0 (why_switch()
 * clears it at the switch in) and is recorded; so is ksoftirqd's, a
 * thread that userspace names as itself.
 */
static __always_inline bool timer_sleep(const struct why_task *t)
{
	return CT_TIMER_SLEEP_SITE(t->site);
}

/* A wait of CT_WAKER_STACK_MIN_NS or more ends at now (0: not asleep). */
static __always_inline bool long_wait(const struct why_task *t, __u64 now)
{
	return t->slept_ns && now - t->slept_ns >= CT_WAKER_STACK_MIN_NS;
}

/*
 * Who ends a tracked thread's wait: sched_waking runs in the waker's
 * context, on its CPU (sched_wakeup may run on the wakee's, from the
 * wake list); an interrupt's wake shows the interrupted task here and
 * the interrupt's frames in the stack (user/enrich/waitsite.c).
 */
static __always_inline int waking(void *ctx, struct task_struct *p,
				  enum count_how how)
{
	struct why_task *t = why_task(p);
	__u64 id = bpf_get_current_pid_tgid();
	struct task_struct *cur;
	struct ct_wake *r;
	__u32 flags = 0;
	int pc;

	if (!t)
		return 0;
	cur = ct_current();
	if (BPF_CORE_READ(cur, flags) & PF_KTHREAD)
		flags |= CT_WAKE_KTHREAD;
	pc = irq_count(cur, how);
	if (!(id >> 32) ||
	    (pc >= 0 && (pc & (CT_HARDIRQ_NMI_MASK | CT_SOFTIRQ_OFFSET))))
		flags |= CT_WAKE_IRQ;
	/* an interrupt's over a task or the idle task, not ksoftirqd's */
	if ((flags & CT_WAKE_IRQ) &&
	    (!(id >> 32) || !(flags & CT_WAKE_KTHREAD)) && timer_sleep(t))
		return 0;
	r = reserve(sizeof(*r));
	if (!r)
		return 0;
	__builtin_memset(r, 0, sizeof(*r));
	r->hdr.ts_ns = bpf_ktime_get_ns();
	r->hdr.type = CT_EV_WAKE;
	r->hdr.size = sizeof(*r);
	r->hdr.pid = id >> 32;
	r->hdr.tid = (__u32)id;
	r->hdr.cpu = bpf_get_smp_processor_id();
	ct_current_comm(r->hdr.comm);	/* zeroed first: 6.1 leaves garbage */
	r->wakee_pid = p->tgid;
	r->wakee_tid = p->pid;
	r->flags = flags;
	/*
	 * The waker's stack costs a walk (~10 us for its 20 to 40 frames
	 * here): where the preempt count says whether it is an
	 * interrupt's, only the wakes by other processes than the start's
	 * own take it (dockerd, a kworker, a writer: where they woke it
	 * from), and only when they end a wait of CT_WAKER_STACK_MIN_NS or
	 * more (two thirds of them end shorter ones, which name little
	 * time); a tracked waker's own wait is what userspace follows.
	 * Where no count could be read (pc < 0: neither the kernel's nor
	 * the depth), every one but the idle task's (only an interrupt
	 * wakes from there), for the interrupt's frames.
	 */
	if (r->hdr.pid &&
	    (pc < 0 || (!(flags & CT_WAKE_IRQ) && long_wait(t, r->hdr.ts_ns) &&
			!why_tracked(cur))))
		r->stack = why_stack(ctx);
	submit(r);
	return 0;
}

/*
 * Three programs, one loaded (user/kern/why_bpf.c): with the preempt
 * count by its ksym, where BTF names the variable; where the kernel
 * cannot give its address (per-CPU variables are in kallsyms only with
 * CONFIG_KALLSYMS_ALL: the load fails), by the run queue, where BTF
 * gives the distance; else with the interrupt depth and its programs
 * above.  --why=states loads none.
 */
SEC("tp_btf/sched_waking")
int BPF_PROG(ct_why_waking, struct task_struct *p)
{
	return waking(ctx, p, COUNT_KSYM);
}

SEC("tp_btf/sched_waking")
int BPF_PROG(ct_why_waking_rq, struct task_struct *p)
{
	return waking(ctx, p, COUNT_RQ);
}

SEC("tp_btf/sched_waking")
int BPF_PROG(ct_why_waking_depth, struct task_struct *p)
{
	return waking(ctx, p, COUNT_DEPTH);
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

/*
 * The thread is done (what is left is the kernel's exit path): say it is
 * dead here and drop its mark, whatever its last switch says.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(ct_why_exit, struct task_struct *p)
{
	if (!why_tracked(p))
		return 0;
	why_emit(p, CT_TS_DEAD, CT_STACK_NONE, CT_STACK_NONE, CT_STACK_NONE);
	unmark(p);
	return 0;
}

/*
 * --why=user, at runtime.gopark's entry in runc's binary (user/kern/
 * gopark_bpf.c places it, only there: docs/why.md "A parked goroutine's
 * frames"): a goroutine parks on a channel, a lock, a timer or the
 * netpoller.  The uprobe fires on the goroutine's own stack, before
 * gopark's mcall moves to the thread's scheduler stack, so the walk is
 * the goroutine's: gopark, then its callers up to the program's own
 * function.  The walk starts from the entry's frame pointer, which is
 * still the caller's: gopark's direct caller (chanrecv, netpollblock,
 * time.Sleep) is not in it, its caller is.  Kept in the thread's mark
 * until its next switch: a sleep then carries it (why_switch()), a
 * switch in forgets it.
 */
SEC("uprobe")
int ct_why_gopark(struct pt_regs *ctx)
{
	struct why_task *t = why_task(ct_current());

	if (t)
		t->gstack = why_ustack(ctx);
	return 0;
}
