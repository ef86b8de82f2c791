// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dockerd's prepare (user/enrich/prepare.h): from the mkdirat of the
 * container's read-write layer `<data-root>/overlay2/<mount id>-init`
 * (CT_EV_MKDIR), attributed by the layer's mount id (CT_EV_MOUNTID).
 */
#include <stdbool.h>
#include <string.h>
#include "prepare_int.h"

/* ".../overlay2/<mount id>-init" -> mount id; false otherwise. */
static bool init_layer(const char *path, const char **id, size_t *len)
{
	static const char sfx[] = "-init", dir[] = "/overlay2";
	const size_t sl = sizeof(sfx) - 1, dl = sizeof(dir) - 1;
	size_t n = strlen(path);
	const char *base = strrchr(path, '/');

	if (!base || n < sl || strcmp(path + n - sl, sfx))
		return false;
	if ((size_t)(base - path) < dl || strncmp(base - dl, dir, dl))
		return false;
	*id = base + 1;
	*len = (size_t)(path + n - sl - *id);
	return *len > 0;
}

void ct_docker_prepare_mkdir(struct ct_prepare *p, const struct ct_mkdir *m)
{
	char buf[CT_PATH_MAX];
	const char *mid;
	size_t mlen;

	memcpy(buf, m->path, sizeof(buf));
	buf[sizeof(buf) - 1] = 0;
	if (m->ret == 0 && init_layer(buf, &mid, &mlen))
		pr_put(&p->layers, mid, mlen, NULL,
		       (m->start_ns ? m->start_ns : m->hdr.ts_ns) + p->m2r);
}

void ct_docker_prepare_mountid(struct ct_prepare *p,
			       const struct ct_name_rec *r)
{
	char id[CT_NAME_ID_LEN], mid[CT_NAME_NAME_LEN];

	memcpy(id, r->id, sizeof(id));
	id[sizeof(id) - 1] = 0;
	memcpy(mid, r->name, sizeof(mid));
	mid[sizeof(mid) - 1] = 0;
	pr_put(&p->ids, id, strlen(id), mid, r->hdr.ts_ns + p->m2r);
}

/* The -init mkdir of the layer mounted for c, at or before first. */
uint64_t ct_docker_prepare_start(const struct ct_prepare *p,
				 const struct ct_container *c, uint64_t first)
{
	const struct pr_mark *m = pr_find(&p->ids, c->id, 0);

	m = m && m->val[0] ? pr_find(&p->layers, m->val, first) : NULL;
	return m ? m->ts : 0;
}
