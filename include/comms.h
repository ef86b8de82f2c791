/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The programs coldtrace knows by process name (comm): the one list of
 * them, each with what it is to coldtrace.  From it come the patterns
 * the BPF programs compare, filled into their rodata before load
 * (user/model/comm_table.c, as retsnoop fills its filters), the number
 * of their slots, the arming's triggers (user/kern/arm.h), and the
 * names user space tests a comm or an argv[0] against (ct_prog_is()).
 * An engine's row names its programs of the list (engine_api.h).
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

enum ct_comm_role {
	CT_COMM_CLIENT	= 1 << 0,	/* engine client: stdin, connects */
	CT_COMM_ASKER	= 1 << 1,	/* exec attaches the hooks, held
					 * while it lives */
	CT_COMM_KEEPER	= 1 << 2,	/* exec attaches, never holds: it
					 * lives as long as its container */
	CT_COMM_SHIM	= 1 << 3,	/* connects followed (Kata's agent) */
	CT_COMM_DAEMON	= 1 << 4,	/* blob files followed (pulls) */
	CT_COMM_RUNTIME	= 1 << 5,	/* an OCI runtime */
	/* whose exec attaches the syscall hooks (arm.h) */
	CT_COMM_TRIGGER	= CT_COMM_ASKER | CT_COMM_KEEPER,
	/* whose exec starts a --why task tree (why.bpf.c) */
	CT_COMM_ROOT	= CT_COMM_RUNTIME | CT_COMM_KEEPER,
};

/*
 * X(id, comm, roles, a) for each program, in the order of the patterns
 * (the daemons' in enum ct_daemon's, below); a is the caller's.
 */
#define CT_PROG_LIST(X, a)						\
	/* engine clients: the first of a start, pull or removal to run */ \
	X(DOCKER, "docker", CT_COMM_CLIENT | CT_COMM_ASKER, a)		\
	/* and Podman's own pulls: first of enum ct_daemon's */	\
	X(PODMAN, "podman", CT_COMM_CLIENT | CT_COMM_ASKER |		\
			    CT_COMM_DAEMON, a)				\
	X(CTR, "ctr", CT_COMM_CLIENT | CT_COMM_ASKER, a)		\
	X(CRICTL, "crictl", CT_COMM_ASKER, a)				\
	X(NERDCTL, "nerdctl", CT_COMM_ASKER, a)			\
	/* Compose creates and starts through dockerd's API, execing no \
	 * docker client: without it an idle host saw none of dockerd's \
	 * creation (Compose v1's script and v2's plugin share this comm) */ \
	X(COMPOSE, "docker-compose", CT_COMM_ASKER, a)			\
	/* runtimes (runc run, or under a shim or conmon) */		\
	X(RUNC, "runc", CT_COMM_ASKER | CT_COMM_RUNTIME, a)		\
	X(CRUN, "crun", CT_COMM_ASKER | CT_COMM_RUNTIME, a)		\
	X(RUNSC, "runsc", CT_COMM_ASKER | CT_COMM_RUNTIME, a)		\
	/* what keeps a running container (containerd-shim-*-v2: the comm \
	 * is cut to 15 bytes) */					\
	X(SHIM, "containerd-shim", CT_COMM_KEEPER | CT_COMM_SHIM, a)	\
	X(CONMON, "conmon", CT_COMM_KEEPER, a)				\
	/* after podman, in enum ct_daemon's order */			\
	X(DOCKERD, "dockerd", CT_COMM_DAEMON, a)			\
	X(CONTAINERD, "containerd", CT_COMM_DAEMON, a)

/* The programs of the list, by name. */
#define CT_PROG_ID(id, comm, roles, a)	CT_PROG_##id,
enum ct_prog {
	CT_PROG_LIST(CT_PROG_ID, 0)
	CT_PROGS
};

/* How many programs of the list have one of roles: a constant. */
#define CT_PROG_COUNT(id, comm, roles, want)	+ !!((roles) & (want))
#define CT_COMMS_WITH(roles)	(0 CT_PROG_LIST(CT_PROG_COUNT, roles))

struct ct_comm_pat {
	__u64 w[2];
	__u64 m[2];
};

/* Engine clients whose stdin and connects are followed (clients.bpf.h). */
#define CT_CLIENT_PATS	CT_COMMS_WITH(CT_COMM_CLIENT)

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
#define CT_ARM_PATS	CT_COMMS_WITH(CT_COMM_TRIGGER)
/* Programs whose exec starts a --why task tree (why.bpf.c). */
#define CT_WHY_PATS	CT_COMMS_WITH(CT_COMM_ROOT)

/*
 * The programs whose image blob files are followed, by index, in the
 * list's order (ct_comm_pats() fills them so; comm_table.c checks the
 * count): Podman pulls in its own process, the others in their daemon.
 */
enum ct_daemon {
	CT_DAEMON_PODMAN,
	CT_DAEMON_DOCKERD,
	CT_DAEMON_CONTAINERD,
	CT_DAEMONS
};

#endif /* __CT_COMMS_H */
