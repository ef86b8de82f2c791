/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Engine clients (docker, podman, ctr: who asked for a container, docs/
 * phases.md "client"): their tgids, put at a successful exec by comm and
 * taken out by the next exec of a tgid under another comm (a reused pid
 * must not stay a client), LRU for the rest.  Their AF_UNIX connects (the
 * engine's API socket) become CT_EV_CONNECT records (lifecycle_sys.bpf.h):
 * an AF_UNIX connect by anyone pays one lookup more, nothing else does.
 *
 * The lifecycle object owns the map and marks clients at sched_process_exec,
 * which is always attached; the syscall object, whose hooks are detached
 * while the host is idle (user/kern/arm.c), reads it by fd.  A client's exec is
 * what attaches them again, so it cannot be marked from a syscall hook.
 * The syscall object also follows their stdin (lifecycle_sys.bpf.h) in
 * the value.
 */
#ifndef __CT_CLIENTS_BPF_H
#define __CT_CLIENTS_BPF_H

#include "task.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct ct_client_mark);
} clients SEC(".maps");

/* The engine clients' comms, from user space (include/comms.h). */
const volatile struct ct_comm_pat client_pats[CT_CLIENT_PATS];

/* A comm (ct_comm_words()) of an engine client. */
static __always_inline bool client_comm(const __u64 c[2])
{
#pragma unroll
	for (int i = 0; i < CT_CLIENT_PATS; i++)
		if (ct_comm_is(c, &client_pats[i]))
			return true;
	return false;
}

/* The current task just exec'ed: its comm is the new program's. */
static __always_inline void clients_mark(struct task_struct *t)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct ct_client_mark m = {};
	__u64 c[2];

	ct_comm_words(t, c);
	if (client_comm(c))
		bpf_map_update_elem(&clients, &tgid, &m, BPF_ANY);
	else
		bpf_map_delete_elem(&clients, &tgid);
}

static __always_inline bool is_client(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	return bpf_map_lookup_elem(&clients, &tgid) != NULL;
}

#endif /* __CT_CLIENTS_BPF_H */
