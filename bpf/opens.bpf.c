// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * File-open latency of containerised programs, aggregated in the kernel
 * into log2 histograms (docs/design.md "Architecture").  Nothing crosses to
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
 *    paired in the thread's inflight task storage, cleared at every exit;
 *  - runsc guest (ptrace platform): guest syscalls run under
 *    PTRACE_SYSEMU, which skips the sys_enter tracepoints but not the
 *    sys_exit ones, where the stub thread shows the emulated result.
 *    The open began when the stub stopped for the sentry: sched_switch
 *    out of the stub in TASK_TRACED.  Each stop overwrites the last, so
 *    the latency of an open is measured from its own syscall stop.
 *
 * Cost for the host: an exec compares the comm with "exe".  The
 * syscalls (runc's and crun's registration at execve, open latencies,
 * the runsc guest's open exits) and the stub stops are handled by the
 * one syscall and sched_switch object, bpf/sys.bpf.c (opens_sys.bpf.h),
 * on this object's maps shared by fd (opens_maps.bpf.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "task.bpf.h"
#include "events.bpf.h"
#include "opens_maps.bpf.h"
#include "lazy.bpf.h"
#include "ready.bpf.h"
#include "sysargs.bpf.h"
#include "touch.bpf.h"

#define CT_SIGSYS	31
#define CT_SYS_SECCOMP	1	/* si_code of a seccomp SECCOMP_RET_TRAP */

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
/* Its opens are counted apart; if it cannot be, its container says so. */
static __always_inline void gofer_add(__u32 tgid, __u64 key)
{
	struct ct_opens_track *tr;

	if (!map_insert(&gofers, &tgid, &key, BPF_ANY, CT_MAPFULL_GOFERS))
		return;
	tr = bpf_map_lookup_elem(&tracked, &key);
	if (tr)
		refused_for(tr, CT_OPENS_GOFER);
}

/*
 * --start-files: the program a tracked container's process runs is a
 * file it reads (touch.bpf.h); its name as the exec was given it.  The
 * dynamic loader the kernel maps for it has no open and no name here:
 * userspace reads it from the program (user/enrich/interp.h).
 */
static __always_inline void exec_touch(struct task_struct *t,
				       struct linux_binprm *bprm)
{
	struct inode *ino;
	struct cgroup *cg;
	__u64 key;

	if (!touch_window_ns)
		return;
	cg = task_marked(t);
	if (!cg)
		return;
	key = ct_cgroup_id(cg);
	if (!touch_wanted(key, bpf_ktime_get_ns()))
		return;
	ino = BPF_CORE_READ(bprm, file, f_inode);
	if (ino && on_root_fs(t, ino))
		touch_send(key, BPF_CORE_READ(ino, i_size),
			   BPF_CORE_READ(bprm, filename), false);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ct_opens_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct task_struct *t = ct_current();
	char comm[CT_COMM_LEN], arg0[CT_COMM_LEN] = {};
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 key;

	exec_touch(t, bprm);
	/* runsc re-execs /proc/self/exe: cheap filter before argv. */
	ct_current_comm(comm);
	if (!bytes_eq(comm, comm_exe, CT_COMM_LEN))
		return 0;
	bpf_probe_read_user_str(arg0, sizeof(arg0),
				(void *)BPF_CORE_READ(t, mm, arg_start));
	if (bytes_eq(arg0, arg0_sandbox, sizeof(arg0_sandbox))) {
		track(t, CT_OPENS_RT_RUNSC);
	} else if (bytes_eq(arg0, arg0_gofer, sizeof(arg0_gofer))) {
		key = track(t, CT_OPENS_RT_RUNSC);
		if (key)
			gofer_add(tgid, key);
	}
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ct_opens_exit, struct task_struct *p)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, tgid = id >> 32;

	/* inflight goes with its task, but a hash by tid is cleaned here. */
	if (!ct_has_task_storage)
		bpf_map_delete_elem(&inflight, &tid);
	/* Only a process's last thread matters to gofers. */
	if (tid == tgid)
		bpf_map_delete_elem(&gofers, &tgid);
	return 0;
}

/*
 * runsc guest, ptrace platform: the stub's stops in TASK_TRACED are seen
 * by the tool's one sched_switch program (bpf/sys.bpf.c,
 * opens_sys.bpf.h's opens_stub_stop()), on this object's maps.
 */

/*
 * ---- runsc guest: systrap ----
 *
 * Under systrap (runsc's default platform since 2023) a guest syscall
 * is trapped by the stub's seccomp filter: SIGSYS with si_code
 * SYS_SECCOMP, raised in the trapping thread's own context, instead of
 * a ptrace stop.  Only counted, so that userspace reports the
 * container's opens as unobservable rather than the few ptrace stops
 * systrap also makes.  Signals are rare: the cost is nil.
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
	struct task_struct *t = ct_current();
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

/*
 * --ready=listen: a TCP socket of a tracked container starts listening
 * (bpf/ready.bpf.h).  Here, always attached, not in the syscall object,
 * whose hooks --arm=auto detaches once a container's start has settled:
 * a service that listens later is still seen.  The host pays this
 * program on TCP state changes only, a compare for all but listens.
 * Not loaded without --ready=listen (user/kern/opens_bpf.c).
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ct_opens_listen, struct sock *sk, int oldstate, int newstate)
{
	if (newstate == TCP_LISTEN)
		ready_listen(0);
	return 0;
}

/*
 * FUSE requests of tracked containers (bpf/lazy.bpf.h): not loaded on a
 * kernel without these tracepoints (user/kern/opens_bpf.c).
 */
SEC("tp_btf/fuse_request_send")
int BPF_PROG(ct_opens_fuse_send, const struct fuse_req *req)
{
	lazy_send(req);
	return 0;
}

SEC("tp_btf/fuse_request_end")
int BPF_PROG(ct_opens_fuse_end, const struct fuse_req *req)
{
	lazy_end(req);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

