/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Readiness marker (docs/design.md "Phases", ready): the first listen that
 * succeeds in a container.  One CT_EV_LISTEN record per listen of a
 * tracked container; userspace keeps the first one after the program's exec.
 *
 * Two objects call ready_listen(), so that a listen is seen whether the
 * syscall hooks are attached or not (--arm=auto detaches them about 30 s
 * after a container's program began; a JVM or a database may listen
 * minutes later):
 *  - bpf/opens.bpf.c, always attached: a TCP socket (v4 or v6) moving to
 *    LISTEN (tp_btf/inet_sock_set_state, fired by inet_csk_listen_start()
 *    in the listening task's context, before the port is hashed: a listen
 *    that then fails on a port conflict also counts; such conflicts are
 *    refused at bind(2) in practice);
 *  - bpf/sys.bpf.c, while the syscall hooks are attached: listen(2)
 *    returning 0, which also sees AF_UNIX listens and runsc's guest
 *    (below).  A TCP listen then comes twice, microseconds apart:
 *    userspace keeps the earliest.
 *
 * Which containers: the open tracer's `tracked` map (cgroup key ->
 * runtime), shared by fd (user/kern/sys_bpf.c), so a container is followed
 * from the moment its program starts, filled in the kernel.  A listen on
 * the host costs one map lookup; listens are rare anyway.
 *
 * runsc (ptrace platform): the guest's listen is emulated by the sentry,
 * but the stub thread's syscall exit still fires with the emulated return
 * value and the saved syscall number (orig_ax, arm64's syscallno) is
 * still the guest's, as for openat (docs/design.md "Facts measured").  The
 * sandbox's own host listens (its control socket) happen before the
 * program starts: userspace drops them by time.
 *
 * The record carries the container's guest open count at that moment
 * (the open tracer's `hists`, also shared): opens before ready.
 */
#ifndef __CT_READY_BPF_H
#define __CT_READY_BPF_H

#include "events.bpf.h"
#include "task.bpf.h"
#include "opens_maps.bpf.h"

static __always_inline void ready_listen(long ret)
{
	struct task_struct *t = ct_current();
	struct ct_opens_key hk = { .kind = CT_OPENS_GUEST };
	struct ct_opens_track *tr;
	struct ct_opens_hist *h;
	struct ct_listen *r;
	__u64 key;

	if (ret != 0)
		return;
	key = task_key(t);
	tr = bpf_map_lookup_elem(&tracked, &key);
	if (!tr)
		return;
	r = reserve(sizeof(*r));
	if (!r)
		return;
	ct_fill_hdr(&r->hdr, CT_EV_LISTEN, sizeof(*r));
	r->cgroup_key = key;
	r->ret = ret;
	hk.cgroup_key = key;
	hk.runtime = tr->runtime;
	h = bpf_map_lookup_elem(&hists, &hk);
	r->opens_count = h ? h->count : 0;
	r->opens_failed = h ? h->failed : 0;
	submit(r);
}

#endif /* __CT_READY_BPF_H */
