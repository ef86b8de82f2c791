/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The client stage's plug-in API (client.c): what an engine gives it
 * (user/engines/<engine>_client.c), one struct ct_client_ops each, handed
 * to ct_clients_new() by the tracker's owner, and the clients' table the
 * engines read and fill.
 */
#ifndef __CT_CLIENT_API_H
#define __CT_CLIENT_API_H

#include <stdbool.h>
#include <stdint.h>
#include "client.h"
#include "procs.h"
#include "classify.h"
#include "util.h"

#define NCLIENTS	256	/* clients kept, a ring: bounded */
/* a client that exec'ed further back than this did not ask for it */
#define MAX_REQUEST_NS	(60 * 1000000000ull)

struct cl_entry {
	struct ct_client cl;
	enum ct_engine_kind kind;	/* whose client; CT_ENG_UNKNOWN: none */
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

struct ct_client_ops;

struct ct_clients {
	int64_t m2r;
	/* each engine's client knowledge, by enum ct_engine_kind */
	const struct ct_client_ops *ops[CT_ENG_MAX];
	const struct ct_procs *model;	/* a client's parent, from its fork */
	struct cl_entry e[NCLIENTS];
	size_t next;
	struct cl_engine_of engines[NCLIENTS];	/* a ring */
	size_t next_engine;
};

/* One engine's clients. */
struct ct_client_ops {
	/* an exec (argv in v): this engine's client?  Fills x's cid,
	 * target and is_start as it knows them. */
	bool (*is_client)(const struct ct_exec *x, const struct ct_argv *v,
			  struct cl_entry *out);
	/* an exec of another of its programs (cl: its class, with an id):
	 * what it says of the clients (which daemon made a container, the
	 * container a client made) */
	void (*other_exec)(struct ct_clients *t, const struct ct_exec *x,
			   const struct ct_class *cl);
	/* a mkdirat(2) of its daemon's (CT_EV_MKDIR) */
	void (*mkdir)(struct ct_clients *t, const struct ct_mkdir *m);
	/* c's client among t's (client.h has the rule) */
	enum ct_client_match (*match)(const struct ct_clients *t,
				      const struct ct_container *c,
				      struct ct_client *out);
	/* the client that created c, when a later one started it */
	bool (*creator)(const struct ct_clients *t,
			const struct ct_container *c, struct ct_interval *out);
};

/* The newest client of kind k whose cid is c's id, exec'd before c
 * began (within MAX_REQUEST_NS): ctr's and podman's matching. */
enum ct_client_match ct_clients_match_id(const struct ct_clients *t,
					 const struct ct_container *c,
					 enum ct_engine_kind k,
					 struct ct_client *out);
/* The newest entry of pid still alive, or NULL. */
struct cl_entry *ct_clients_live(struct ct_clients *t, uint32_t pid);

#endif /* __CT_CLIENT_API_H */
