// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Readiness marker (design §3, ready): the first listen(2) that succeeds
 * in a container.  One CT_EV_LISTEN record per successful listen of a
 * tracked container; userspace keeps the first one after the program's
 * exec.
 *
 * Which containers: the open tracer's `tracked` map (cgroup key ->
 * runtime), shared by fd (user/ready_bpf.c), so a container is followed
 * from the moment its program starts, filled in the kernel.  A listen on
 * the host costs one map lookup; listen(2) is rare anyway.  The raw
 * sys_exit (sysargs.bpf.h) also runs for every other syscall, which
 * costs one compare of its number.
 *
 * runsc (ptrace platform): the guest's listen is emulated by the sentry,
 * but the stub thread's syscall exit still fires with the emulated return
 * value and orig_ax still holds the guest's syscall number, as for
 * openat (design §5).  The sandbox's own host listens (its control
 * socket) happen before the program starts: userspace drops them by
 * time.
 *
 * The record carries the container's guest open count at that moment
 * (the open tracer's `hists`, also shared): opens before ready.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "events.bpf.h"
#include "task.bpf.h"
#include "opens_maps.bpf.h"
#include "sysargs.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 cgroup_mode = CT_CGROUP_V1_MEMORY;

static __always_inline void on_listen(long ret)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct ct_opens_key hk = { .kind = CT_OPENS_GUEST };
	struct ct_opens_track *tr;
	struct ct_opens_hist *h;
	struct ct_listen *r;
	__u64 key;

	if (ret != 0)
		return;
	key = ct_task_key(t, cgroup_mode);
	tr = bpf_map_lookup_elem(&tracked, &key);
	if (!tr)
		return;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_lost();
		return;
	}
	ct_fill_hdr(&r->hdr, CT_EV_LISTEN, sizeof(*r));
	r->cgroup_key = key;
	r->ret = ret;
	hk.cgroup_key = key;
	hk.runtime = tr->runtime;
	h = bpf_map_lookup_elem(&hists, &hk);
	r->opens_count = h ? h->count : 0;
	r->opens_failed = h ? h->failed : 0;
	bpf_ringbuf_submit(r, 0);
}

/* Every syscall of every process comes here: the number goes first. */
SEC("tp_btf/sys_exit")
int BPF_PROG(ct_ready_sys_exit, struct pt_regs *regs, long ret)
{
	if (ct_sys_exit_nr(regs) != __NR_listen || !ct_sys_native())
		return 0;
	on_listen(ret);
	return 0;
}
