/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The programs coldtrace knows by process name (comm), each written once
 * with what it is to coldtrace: from this table come the patterns the
 * BPF programs compare (include/comms.h, rodata set before load) and
 * the arming's triggers (user/kern/arm.h).
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

/* Whether comm (CT_COMM_LEN bytes at most) has one of the roles. */
bool ct_comm_has(const char *comm, unsigned int roles);
/*
 * The patterns of the comms with one of roles, in the table's order,
 * into out[max] (the rest zeroed: unused).  The count, or -1 if max is
 * too small.
 */
int ct_comm_pats(unsigned int roles, struct ct_comm_pat *out, size_t max);

#endif /* __CT_COMM_TABLE_H */
