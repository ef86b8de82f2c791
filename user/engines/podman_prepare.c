// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Podman's prepare (user/enrich/prepare.h).  A podman client does not
 * name its container (the id is made inside it): its run is kept (its
 * pid and its exec's time) until it execs the container's conmon, whose
 * -c names it, as its child: the process model says which program the
 * conmon's parent ran then.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "classify.h"
#include "engine.h"
#include "prepare_api.h"

/* A podman client's run until its conmon names the container. */
struct podman_prepare {
	struct pr_ring podman;	/* key: a podman client's run, "pid@exec" */
	struct pr_ring conmon;	/* key: container id, ts: its podman's exec */
};

/* A program's run as a ring key: its pid and its exec (monotonic). */
static size_t run_key(char *buf, size_t len, uint32_t pid, uint64_t exec)
{
	return (size_t)snprintf(buf, len, "%u@%llu", pid,
				(unsigned long long)exec);
}

static bool feed(void *es, const struct ct_prepare_env *env,
		 const struct ct_hdr *h, uint64_t t)
{
	const struct ct_exec *x = (const struct ct_exec *)h;
	struct podman_prepare *p = es;
	const struct pr_mark *m;
	struct ct_class cl;
	uint64_t run;
	char key[48];

	if (h->type != CT_EV_EXEC || ct_classify("", x->args, x->args_len, &cl))
		return false;
	if (cl.role == CT_ROLE_ENGINE_CMD && cl.engine == CT_ENG_PODMAN &&
	    (cl.cmd == CT_CMD_RUN || cl.cmd == CT_CMD_START)) {
		size_t klen = run_key(key, sizeof(key), h->pid, h->ts_ns);

		pr_put(&p->podman, key, klen, NULL, t);
		return true;
	}
	if (cl.role != CT_ROLE_MONITOR || !cl.creates)
		return false;
	run = ct_procs_exec_before(env->model, h->ppid, h->ts_ns);
	if (!run)
		return false;
	run_key(key, sizeof(key), h->ppid, run);
	m = pr_find(&p->podman, key, t);
	if (m)
		pr_put(&p->conmon, cl.id, strlen(cl.id), NULL, m->ts);
	return m != NULL;
}

/* The exec of the podman client whose conmon named c, at or before first. */
static uint64_t start(const void *es, const struct ct_container *c,
		      uint64_t first)
{
	const struct podman_prepare *p = es;
	const struct pr_mark *m = pr_find(&p->conmon, c->id, first);

	return m ? m->ts : 0;
}

const struct ct_prepare_ops ct_podman_prepare = {
	.state_size = sizeof(struct podman_prepare),
	.feed = feed,
	.start = start,
	/* podman run, podman start: the exec is seen whether the syscall
	 * hooks are attached or not */
	.client_only = true,
};
