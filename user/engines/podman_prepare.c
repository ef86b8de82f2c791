// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Podman's prepare (user/enrich/prepare.h).  A podman client does not
 * name its container (the id is made inside it): its exec is kept by pid
 * until it execs the container's conmon, whose -c names it, as its child
 * (the exec's ppid).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "classify.h"
#include "prepare_int.h"

/* A pid as a ring key. */
static size_t pid_key(char *buf, size_t len, uint32_t pid)
{
	return (size_t)snprintf(buf, len, "%u", pid);
}

bool ct_podman_prepare_exec(struct ct_prepare *p, const struct ct_exec *x,
			    size_t alen, uint64_t t)
{
	const struct ct_hdr *h = &x->hdr;
	const struct pr_mark *m;
	struct ct_class cl;
	char key[16];

	if (ct_classify("", x->args, alen, &cl))
		return false;
	if (cl.role == CT_ROLE_ENGINE_CMD && cl.engine == CT_ENG_PODMAN &&
	    (cl.cmd == CT_CMD_RUN || cl.cmd == CT_CMD_START)) {
		size_t klen = pid_key(key, sizeof(key), h->pid);

		pr_put(&p->podman, key, klen, NULL, t);
		return true;
	}
	if (cl.role != CT_ROLE_MONITOR || !cl.creates)
		return false;
	pid_key(key, sizeof(key), h->ppid);
	m = pr_find(&p->podman, key, t);
	if (m)
		pr_put(&p->conmon, cl.id, strlen(cl.id), NULL, m->ts);
	return m != NULL;
}

/* The exec of the podman client whose conmon named c, at or before first. */
uint64_t ct_podman_prepare_start(const struct ct_prepare *p,
				 const struct ct_container *c, uint64_t first)
{
	const struct pr_mark *m = pr_find(&p->conmon, c->id, first);

	return m ? m->ts : 0;
}
