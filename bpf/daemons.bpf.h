/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The pulling programs' comms (podman, dockerd, containerd) by enum
 * ct_daemon, filled by user space before load (include/comms.h): the
 * pull tracer follows their blob files, the prepare tracer dockerd's
 * mkdir and rmdir.
 */
#ifndef __CT_DAEMONS_BPF_H
#define __CT_DAEMONS_BPF_H

#include "task.bpf.h"

const volatile struct ct_comm_pat daemon_pats[CT_DAEMONS];

/*
 * The pulling program @t runs, as enum ct_daemon + 1; 0 none.  (ctr
 * fetches through containerd, which writes the files; podman itself.)
 * Whole-word compares: byte loops branch too much for the verifier.
 */
static __always_inline int daemon_comm(struct task_struct *t)
{
	__u64 c[2];

	ct_comm_words(t, c);	/* every host openat runs this */
	if (ct_comm_is(c, &daemon_pats[CT_DAEMON_DOCKERD]))
		return 1 + CT_DAEMON_DOCKERD;
	if (ct_comm_is(c, &daemon_pats[CT_DAEMON_CONTAINERD]))
		return 1 + CT_DAEMON_CONTAINERD;
	if (ct_comm_is(c, &daemon_pats[CT_DAEMON_PODMAN]))
		return 1 + CT_DAEMON_PODMAN;
	return 0;
}

#endif /* __CT_DAEMONS_BPF_H */
