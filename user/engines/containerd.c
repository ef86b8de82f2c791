// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * containerd's own client: `ctr run --rm` removes its container itself
 * (its task's delete, then the container's with its snapshot) before it
 * returns, after the container's last process is gone: the record is
 * held for that client, whose exit ends destroy (tk_remover_exit(): the
 * shim table's CT_TR_REMOVER_EXIT) and the record.  Hooks: engine.h.
 */
#include "client.h"
#include "client_api.h"
#include "containerd.h"
#include "engine.h"
#include "tracker_api.h"

/* A removal that never returns (the client stuck) lets the record go:
 * ctr's removal of its container and snapshot took 8-9 ms here. */
#define CTR_REMOVAL_MAX_NS	(10 * 1000000000ull)

/*
 * Its last process is gone: its exact client (matched as at emission)
 * is a `ctr run --rm` still running, which removes it next.
 */
static void ctrd_done(struct ct_tracker *tk, void *es, struct cstate *s)
{
	struct ct_client cl;

	(void)es;
	if (s->c.engine != CT_ENG_CONTAINERD || s->remover_pid ||
	    !tk_exact_client(tk, s, &cl) ||
	    !ct_ctr_run_removes(cl.args, cl.args_len) ||
	    !ct_clients_live(tk->clients, cl.pid))
		return;
	s->remover_pid = cl.pid;
	s->hold_until = tk->now + CTR_REMOVAL_MAX_NS;
}

const struct ct_engine_ops ct_engine_containerd = {
	.done = ctrd_done,
};
