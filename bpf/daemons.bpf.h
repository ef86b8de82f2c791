/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemons' comms (dockerd, containerd) by enum ct_daemon, filled by
 * user space before load (include/comms.h): the pull tracer follows
 * their blob files, the prepare tracer dockerd's mkdir and rmdir.
 */
#ifndef __CT_DAEMONS_BPF_H
#define __CT_DAEMONS_BPF_H

#include "task.bpf.h"

const volatile struct ct_comm_pat daemon_pats[CT_DAEMONS];

/* Whether @t runs daemon @d. */
static __always_inline bool ct_daemon_is(struct task_struct *t,
					 enum ct_daemon d)
{
	__u64 c[2];

	ct_comm_words(t, c);
	return ct_comm_is(c, &daemon_pats[d]);
}

#endif /* __CT_DAEMONS_BPF_H */
