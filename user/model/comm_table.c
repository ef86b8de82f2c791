// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The one list of process names (include/comms.h): see comm_table.h. */
#include <string.h>
#include "coldtrace.h"
#include "comm_table.h"
#include "util.h"

#define CT_PROG_ROW(id, name, r, a)	\
	[CT_PROG_##id] = { .comm = name, .roles = (r) },

static const struct {
	char comm[CT_COMM_LEN];
	unsigned int roles;
} comms[CT_PROGS] = {
	CT_PROG_LIST(CT_PROG_ROW, 0)
};

/* The BPF side's single slots are what the list has. */
_Static_assert(CT_COMMS_WITH(CT_COMM_DAEMON) == CT_DAEMONS,
	       "include/comms.h: a daemon's program is a value of ct_daemon");
_Static_assert(CT_COMMS_WITH(CT_COMM_SHIM) == 1,
	       "include/comms.h: the BPF side has one shim pattern");

#define N_COMMS	(sizeof(comms) / sizeof(comms[0]))

bool ct_comm_has(const char *comm, unsigned int roles)
{
	for (size_t i = 0; i < N_COMMS; i++)
		if ((comms[i].roles & roles) &&
		    !strncmp(comm, comms[i].comm, CT_COMM_LEN))
			return true;
	return false;
}

/* Little-endian words of the comm, and of the mask of its name + NUL. */
static void pat_of(const char *comm, struct ct_comm_pat *p)
{
	size_t len = strnlen(comm, CT_COMM_LEN - 1) + 1;

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < len; i++) {
		p->w[i / 8] |= (__u64)(unsigned char)comm[i] << (i % 8 * 8);
		p->m[i / 8] |= (__u64)0xff << (i % 8 * 8);
	}
}

int ct_comm_pats(unsigned int roles, struct ct_comm_pat *out, size_t max)
{
	size_t n = 0;

	memset(out, 0, max * sizeof(*out));
	for (size_t i = 0; i < N_COMMS; i++) {
		if (!(comms[i].roles & roles))
			continue;
		if (n == max)
			return -1;
		pat_of(comms[i].comm, &out[n++]);
	}
	return (int)n;
}

void ct_prog_pat(enum ct_prog id, struct ct_comm_pat *out)
{
	pat_of(ct_prog_name(id), out);
}

const char *ct_prog_name(enum ct_prog id)
{
	return (unsigned int)id < CT_PROGS ? comms[id].comm : "?";
}

bool ct_prog_comm_is(const char *comm, enum ct_prog id)
{
	return !strncmp(comm, ct_prog_name(id), CT_COMM_LEN);
}

bool ct_prog_is(const char *arg0, enum ct_prog id)
{
	return !strcmp(ct_basename(arg0), ct_prog_name(id));
}
