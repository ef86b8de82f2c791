/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who asked for each container (docs/phases.md "client"): the
 * docker, podman or ctr process whose request made the engine create it.
 * Kept from exec (argv), fork (the parent's comm), exit (lifetime),
 * connect (the request to the engine's socket) and stdin (the first data
 * it read there, chain.h) records; matched at
 * emission:
 *  - ctr: `ctr run ... IMAGE ID` names the container: exact;
 *  - podman: the client that execs the container's conmon (`-c ID`, its
 *    child): exact;
 *  - docker: the `docker run/create/start/restart` clients alive at the
 *    first phase's start (the shim's exec), started and connected before
 *    it, to the container's dockerd (the connect's peer vs the pid in the
 *    path of the network hook dockerd runs as itself, when both are
 *    known); one whose argv names another container (`--name`, `start
 *    NAME|ID`, `restart NAME|ID`) is not a candidate, one that names
 *    this one wins.  More
 *    than one candidate and nothing in argv decides: ambiguous, left out.
 * Pure C: a bounded table (continuous mode runs for days).
 */
#ifndef __CT_CLIENT_H
#define __CT_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include "container.h"
#include "procs.h"

struct ct_clients;

enum ct_client_match {
	CT_CLIENT_NONE,		/* no client known for it */
	CT_CLIENT_EXACT,	/* *out is its client */
	CT_CLIENT_AMBIGUOUS,	/* several could be: none is said */
};

struct ct_client_ops;

/* model: the process model, fed each record before the clients are;
 * ops: each engine's clients by enum ct_engine_kind (client_api.h). */
struct ct_clients *ct_clients_new(int64_t mono_to_real_ns,
				  const struct ct_procs *model,
				  const struct ct_client_ops *const *ops);
void ct_clients_free(struct ct_clients *t);
/* Any (checked) record; keeps exec, exit, connect and stdin ones. */
void ct_clients_feed(struct ct_clients *t, const void *rec, size_t len);
/* c's client, once c->first_ns is set (at emission). */
enum ct_client_match ct_clients_match(const struct ct_clients *t,
				      const struct ct_container *c,
				      struct ct_client *out);

/*
 * docker: the client that created c (`docker create`, `docker run`),
 * alive when dockerd made c's directory containers/<id>, argv deciding as
 * for ct_clients_match(): its exec and exit (0 while alive) into *out.
 * False unless exactly one.
 */
bool ct_clients_creator(const struct ct_clients *t,
			const struct ct_container *c, struct ct_interval *out);

/* The client's request: its exec, the anchor of prepare (docs/phases.md). */
static inline uint64_t ct_client_request_ns(const struct ct_client *cl)
{
	return cl->exec_ns;
}

#endif /* __CT_CLIENT_H */
