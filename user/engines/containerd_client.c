// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * containerd's clients (user/enrich/client.h): `ctr run`, whose argv
 * names the container it makes (ctr [global flags] run [flags] IMAGE ID).
 */
#include "client_api.h"
#include "containerd.h"
#include "engine.h"

static bool is_client(const struct ct_exec *x, const struct ct_argv *v,
		      struct cl_entry *out)
{
	(void)v;
	return !ct_ctr_run_id(x->args, x->args_len, out->cid,
			      sizeof(out->cid));
}

static enum ct_client_match match(const struct ct_clients *t,
				  const struct ct_container *c,
				  struct ct_client *out)
{
	return ct_clients_match_id(t, c, CT_ENG_CONTAINERD, out);
}

const struct ct_client_ops ct_containerd_client = {
	.is_client = is_client,
	.match = match,
};
