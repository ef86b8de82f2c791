/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The clients' table (client.c), shared with the engines' client
 * knowledge: docker's argv, which dockerd made a container, and the
 * matching (user/engines/docker_client.c).
 * Only those two include it.
 */
#ifndef __CT_CLIENT_INT_H
#define __CT_CLIENT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "client.h"
#include "procs.h"
#include "util.h"

#define NCLIENTS	256	/* clients kept, a ring: bounded */
/* a client that exec'ed further back than this did not ask for it */
#define MAX_REQUEST_NS	(60 * 1000000000ull)

enum cl_kind { CL_NONE, CL_DOCKER, CL_PODMAN, CL_CTR };

struct cl_entry {
	struct ct_client cl;
	enum cl_kind kind;
	uint64_t exit_ns;	/* 0 while alive */
	/* ctr: its argv's id; podman: its conmon's -c (container id) */
	char cid[CT_ID_LEN];
	/* docker: run/create --name, or start's, restart's first container */
	char target[CT_ID_LEN];
	bool is_start;		/* start, restart: target is a name or id prefix */
	uint32_t engine_pid;	/* who listens on the socket it asked, or 0 */
};

/* A docker container's dockerd, from its network hook's exec or its
 * containers/<id> mkdir (ts: the mkdir's, wall clock; 0 for the hook) */
struct cl_engine_of {
	char id[CT_ID_LEN];
	uint32_t pid;
	uint64_t ts;
};

struct ct_clients {
	int64_t m2r;
	const struct ct_procs *model;	/* a client's parent, from its fork */
	struct cl_entry e[NCLIENTS];
	size_t next;
	struct cl_engine_of engines[NCLIENTS];	/* a ring */
	size_t next_engine;
};

/*
 * docker: is argv `docker [global flags] [container]
 * run|create|start|restart ...`?  Fills x's target and is_start.
 */
bool ct_docker_client(const struct ct_argv *v, struct cl_entry *x);
/* dockerd's own evidence of which dockerd made a container: its
 * network hook's exec (id: the hook's), its containers/<id> directory */
void ct_docker_client_setkey(struct ct_clients *t, const struct ct_exec *x,
			     const char *id);
void ct_docker_client_mkdir(struct ct_clients *t, const struct ct_mkdir *m);
/* docker: c's client among t's (client.h has the rule). */
enum ct_client_match ct_docker_client_match(const struct ct_clients *t,
					    const struct ct_container *c,
					    struct ct_client *out);
/* docker: the client that created c (client.h). */
bool ct_docker_client_creator(const struct ct_clients *t,
			      const struct ct_container *c,
			      struct ct_interval *out);

#endif /* __CT_CLIENT_INT_H */
