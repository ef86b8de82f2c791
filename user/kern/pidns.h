/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The host's PID namespace, checked at the start of a live session.
 * The BPF programs report pids as the initial PID namespace numbers
 * them, and user space reads them back with kill(pid, 0) and /proc
 * (the session's liveness checks, the arming's holds, the adoption).
 * Run in a PID namespace of its own (a container without --pid=host, a
 * pod without hostPID), none of them would find any process: the hold
 * of every trigger dropped at once, running containers "expired", no
 * adoption, and nothing to say why.  So such a session is refused.
 */
#ifndef __CT_PIDNS_H
#define __CT_PIDNS_H

#include <stddef.h>

/*
 * The initial PID namespace's inode number, a kernel constant
 * (PROC_PID_INIT_INO, include/linux/proc_ns.h, since Linux 3.8).
 */
#define CT_PID_INIT_INO	0xEFFFFFFCUL

/*
 * 0 when proc_dir ("/proc") shows this process in the host's PID
 * namespace; else a negative errno and one line in err that names the
 * fix (docker run --pid=host, Kubernetes hostPID: true).
 */
int ct_pidns_check(const char *proc_dir, char *err, size_t errlen);

#endif /* __CT_PIDNS_H */
