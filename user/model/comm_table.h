/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The programs coldtrace knows by process name (comm), each written once
 * with what it is to coldtrace: from this table come the patterns the
 * BPF programs compare (include/comms.h, rodata set before load), the
 * arming's triggers (user/kern/arm.h), and the names user space tests
 * a comm or an argv[0] against (ct_prog_is()).
 */
#ifndef __CT_COMM_TABLE_H
#define __CT_COMM_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include "comms.h"

enum ct_comm_role {
	CT_COMM_CLIENT	= 1 << 0,	/* engine client: stdin, connects */
	CT_COMM_ASKER	= 1 << 1,	/* exec attaches the hooks, held
					 * while it lives */
	CT_COMM_KEEPER	= 1 << 2,	/* exec attaches, never holds: it
					 * lives as long as its container */
	CT_COMM_SHIM	= 1 << 3,	/* connects followed (Kata's agent) */
	CT_COMM_DAEMON	= 1 << 4,	/* blob files followed (pulls) */
	/* whose exec attaches the syscall hooks (arm.h) */
	CT_COMM_TRIGGER	= CT_COMM_ASKER | CT_COMM_KEEPER,
};

/* The programs of the table, by name. */
enum ct_prog {
	CT_PROG_DOCKER,
	CT_PROG_PODMAN,
	CT_PROG_CTR,
	CT_PROG_CRICTL,
	CT_PROG_NERDCTL,
	CT_PROG_COMPOSE,
	CT_PROG_RUNC,
	CT_PROG_CRUN,
	CT_PROG_RUNSC,
	CT_PROG_SHIM,
	CT_PROG_CONMON,
	CT_PROG_DOCKERD,
	CT_PROG_CONTAINERD,
	CT_PROGS
};

/* Its comm ("?" for no program of the table). */
const char *ct_prog_name(enum ct_prog id);
/* Whether a comm (CT_COMM_LEN bytes at most) is the program's. */
bool ct_prog_comm_is(const char *comm, enum ct_prog id);
/* Whether an argv[0] runs the program (its base name is the comm). */
bool ct_prog_is(const char *arg0, enum ct_prog id);

/* Whether comm (CT_COMM_LEN bytes at most) has one of the roles. */
bool ct_comm_has(const char *comm, unsigned int roles);
/*
 * The patterns of the comms with one of roles, in the table's order,
 * into out[max] (the rest zeroed: unused).  The count, or -1 if max is
 * too small.
 */
int ct_comm_pats(unsigned int roles, struct ct_comm_pat *out, size_t max);

#endif /* __CT_COMM_TABLE_H */
