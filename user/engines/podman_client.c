// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Podman's clients (user/enrich/client.h): `podman run` and `podman
 * start`, which name no container (its id is made inside the client):
 * the conmon a client execs, its child, names it (-c ID).
 */
#include "classify.h"
#include "client_api.h"
#include "engine.h"

static bool is_client(const struct ct_exec *x, const struct ct_argv *v,
		      struct cl_entry *out)
{
	struct ct_class cl;

	(void)v;
	(void)out;
	return !ct_classify("", x->args, x->args_len, &cl) &&
	       cl.role == CT_ROLE_ENGINE_CMD && cl.engine == CT_ENG_PODMAN &&
	       (cl.cmd == CT_CMD_RUN || cl.cmd == CT_CMD_START);
}

/* A client's conmon names the container it made. */
static void other_exec(struct ct_clients *t, const struct ct_exec *x,
		       const struct ct_class *cl)
{
	struct cl_entry *p;

	if (cl->role != CT_ROLE_MONITOR || !cl->creates)
		return;
	p = ct_clients_live(t, x->hdr.ppid);
	if (p && p->kind == CT_ENG_PODMAN)
		ct_copy_str(p->cid, sizeof(p->cid), cl->id, sizeof(cl->id));
}

static enum ct_client_match match(const struct ct_clients *t,
				  const struct ct_container *c,
				  struct ct_client *out)
{
	return ct_clients_match_id(t, c, CT_ENG_PODMAN, out);
}

const struct ct_client_ops ct_podman_client = {
	.is_client = is_client,
	.other_exec = other_exec,
	.match = match,
};
