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
 * Cost for the host: sched_switch tests one bit of prev_state; an exec
 * compares the comm with "exe".  The syscalls (runc's and crun's
 * registration at execve, open latencies, the runsc guest's open exits)
 * are handled by the one syscall object, bpf/sys.bpf.c (opens_sys.bpf.h),
 * on this object's maps shared by fd (opens_maps.bpf.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "task.bpf.h"
#include "opens_maps.bpf.h"
#include "sysargs.bpf.h"

#define CT_TASK_TRACED	0x8	/* __TASK_TRACED in prev_state */
#define CT_SIGSYS	31
#define CT_SYS_SECCOMP	1	/* si_code of a seccomp SECCOMP_RET_TRAP */
#define CT_EVENTMSG_SYSCALL_ENTRY	1	/* ptrace_message of such a stop */

/*
 * Names compared in the kernel.  Globals, not static locals: clang 14
 * gives static locals a wrong .rodata offset in BTF, which the kernel
 * rejects.
 */
const char comm_exe[CT_COMM_LEN] = "exe";
const char arg0_sandbox[] = "runsc-sandbox";
const char arg0_gofer[] = "runsc-gofer";

/*
 * tp_btf rather than the perf tracepoints here too: a perf tracepoint
 * waits for an RCU grace period at detach (~80 ms here), a tp_btf link
 * does not.  Same tracepoints, so the same events.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(ct_opens_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct task_struct *t = bpf_get_current_task_btf();
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
		track(t, CT_OPENS_RT_RUNSC);
	} else if (bytes_eq(arg0, arg0_gofer, sizeof(arg0_gofer))) {
		key = track(t, CT_OPENS_RT_RUNSC);
		if (key)
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

/* ---- runsc guest: stub stops in TASK_TRACED ---- */

/*
 * Whether @prev stops at the syscall-entry stop of an open: the kernel
 * marks such a stop with ptrace_message PTRACE_EVENTMSG_SYSCALL_ENTRY
 * (set before the stop schedules, left alone by the tracer; exit_code
 * is not usable: the sentry's wait4 on the other CPU may clear it before
 * the stub switches out), and the stub's saved registers hold the
 * guest's syscall number.  Each guest open makes exactly one such stop,
 * whichever stub thread later shows its result: it is counted here
 * (opens_sys.bpf.h).
 */
static __always_inline bool stub_open_entry(struct task_struct *prev)
{
	struct pt_regs *regs;
	long nr;

	if (prev->ptrace_message != CT_EVENTMSG_SYSCALL_ENTRY)
		return false;
	regs = (struct pt_regs *)bpf_task_pt_regs(prev);
	if (!regs)
		return false;
	nr = ct_sys_nr(regs);
	return nr == __NR_open || nr == __NR_openat || nr == __NR_openat2;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(ct_opens_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	struct ct_opens_start s = {};
	struct ct_opens_track *tr;
	struct cgroup *cg;
	__u32 tid;

	if (!(prev_state & CT_TASK_TRACED))
		return 0;
	cg = task_marked(prev);
	if (!cg)
		return 0;
	s.cgroup_key = ct_cgroup_id(cg);
	tr = bpf_map_lookup_elem(&tracked, &s.cgroup_key);
	if (!tr || tr->runtime != CT_OPENS_RT_RUNSC)
		return 0;
	__sync_fetch_and_add(&tr->stub_stops, 1);
	s.runtime = CT_OPENS_RT_RUNSC;
	s.kind = CT_OPENS_GUEST;
	s.counted = stub_open_entry(prev);
	if (s.counted)
		hist_count(&s);
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
	struct task_struct *t = bpf_get_current_task_btf();
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

