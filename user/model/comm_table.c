// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The one table of process names: see comm_table.h. */
#include <string.h>
#include "coldtrace.h"
#include "comm_table.h"
#include "util.h"

#define CLIENT	CT_COMM_CLIENT
#define ASKER	CT_COMM_ASKER
#define KEEPER	CT_COMM_KEEPER
#define SHIM	CT_COMM_SHIM
#define DAEMON	CT_COMM_DAEMON

static const struct {
	char comm[CT_COMM_LEN];
	unsigned int roles;
} comms[CT_PROGS] = {
	/* engine clients: the first of a start, pull or removal to run */
	[CT_PROG_DOCKER] = { "docker", CLIENT | ASKER },
	/* and Podman's own pulls: first of enum ct_daemon's (comms.h) */
	[CT_PROG_PODMAN] = { "podman", CLIENT | ASKER | DAEMON },
	[CT_PROG_CTR] = { "ctr", CLIENT | ASKER },
	[CT_PROG_CRICTL] = { "crictl", ASKER },
	[CT_PROG_NERDCTL] = { "nerdctl", ASKER },
	/* Compose creates and starts through dockerd's API, execing no
	 * docker client: without it an idle host saw none of dockerd's
	 * creation (Compose v1's script and v2's plugin share this comm) */
	[CT_PROG_COMPOSE] = { "docker-compose", ASKER },
	/* runtimes (runc run, or under a shim or conmon) */
	[CT_PROG_RUNC] = { "runc", ASKER },
	[CT_PROG_CRUN] = { "crun", ASKER },
	[CT_PROG_RUNSC] = { "runsc", ASKER },
	/* what keeps a running container (containerd-shim-*-v2: the comm
	 * is cut to 15 bytes) */
	[CT_PROG_SHIM] = { "containerd-shim", KEEPER | SHIM },
	[CT_PROG_CONMON] = { "conmon", KEEPER },
	/* after podman, in enum ct_daemon's order (include/comms.h) */
	[CT_PROG_DOCKERD] = { "dockerd", DAEMON },
	[CT_PROG_CONTAINERD] = { "containerd", DAEMON },
};

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
