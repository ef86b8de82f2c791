/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The process names (comms) BPF programs compare, filled into their
 * rodata before load from the one table of them (user/model/comm_table.c),
 * as retsnoop fills its filters: a name is written once.
 *
 * A pattern is the comm's 16 bytes as two little-endian words, and the
 * mask of the name and its NUL: the bytes after the NUL are not
 * compared.  A zero mask is an unused slot and matches nothing.
 */
#ifndef __CT_COMMS_H
#define __CT_COMMS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

struct ct_comm_pat {
	__u64 w[2];
	__u64 m[2];
};

/* Engine clients whose stdin and connects are followed (clients.bpf.h). */
#define CT_CLIENT_PATS	4

/*
 * The clients map's value: when the client first tried to read its
 * stdin, and whether its first data there was told (CT_EV_STDIN).  One
 * that tried and has had none holds the syscall hooks (user/kern/arm.h).
 */
struct ct_client_mark {
	__u64 stdin_ns;
	__u32 stdin_told;
	__u32 _pad;
};
/* Programs whose exec attaches the syscall hooks (lifecycle.bpf.c). */
#define CT_ARM_PATS	12

/*
 * The programs whose image blob files are followed, by index, in the
 * comm table's order (ct_comm_pats() fills them so): Podman pulls in
 * its own process, the others in their daemon.
 */
enum ct_daemon {
	CT_DAEMON_PODMAN,
	CT_DAEMON_DOCKERD,
	CT_DAEMON_CONTAINERD,
	CT_DAEMONS
};

#endif /* __CT_COMMS_H */
