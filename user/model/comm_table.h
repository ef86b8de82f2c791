/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The programs coldtrace knows by process name (comm): include/comms.h
 * lists them, each written once with what it is to coldtrace; here the
 * questions user space asks of the list, and the patterns the BPF
 * programs compare (rodata set before load).
 */
#ifndef __CT_COMM_TABLE_H
#define __CT_COMM_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include "comms.h"

/* Its comm ("?" for no program of the list). */
const char *ct_prog_name(enum ct_prog id);
/* Whether a comm (CT_COMM_LEN bytes at most) is the program's. */
bool ct_prog_comm_is(const char *comm, enum ct_prog id);
/* Whether an argv[0] runs the program (its base name is the comm). */
bool ct_prog_is(const char *arg0, enum ct_prog id);

/* Whether comm (CT_COMM_LEN bytes at most) has one of the roles. */
bool ct_comm_has(const char *comm, unsigned int roles);
/*
 * The patterns of the comms with one of roles, in the list's order,
 * into out[max] (the rest zeroed: unused).  The count, or -1 if max is
 * too small (CT_COMMS_WITH(roles) is enough).
 */
int ct_comm_pats(unsigned int roles, struct ct_comm_pat *out, size_t max);
/* The pattern of one program's comm. */
void ct_prog_pat(enum ct_prog id, struct ct_comm_pat *out);

#endif /* __CT_COMM_TABLE_H */
