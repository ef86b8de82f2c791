// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A value per (process, id): see pairs.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pairs.h"
#include "util.h"

#define BUCKETS	1024

struct pair {
	uint32_t id, val;
};

/* A process's pairs, sorted by id. */
struct pproc {
	uint32_t tgid;
	struct pair *v;
	size_t n, cap;
	struct pproc *next;
};

struct ct_pairs {
	struct pproc *b[BUCKETS];
	size_t n, max;
};

struct ct_pairs *ct_pairs_new(size_t max)
{
	struct ct_pairs *p = calloc(1, sizeof(*p));

	if (p)
		p->max = max;
	return p;
}

void ct_pairs_free(struct ct_pairs *p)
{
	if (!p)
		return;
	ct_pairs_clear(p);
	free(p);
}

static struct pproc **slot(const struct ct_pairs *p, uint32_t tgid)
{
	struct pproc *const *pp = &p->b[tgid % BUCKETS];

	while (*pp && (*pp)->tgid != tgid)
		pp = &(*pp)->next;
	return (struct pproc **)pp;
}

/* The index of the first pair of pr not below id. */
static size_t lower(const struct pproc *pr, uint32_t id)
{
	size_t lo = 0, hi = pr->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pr->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool ct_pairs_get(const struct ct_pairs *p, uint32_t tgid, uint32_t id,
		  uint32_t *val)
{
	const struct pproc *pr = *slot(p, tgid);
	size_t i;

	if (!pr || (i = lower(pr, id)) == pr->n || pr->v[i].id != id)
		return false;
	if (val)
		*val = pr->v[i].val;
	return true;
}

int ct_pairs_put(struct ct_pairs *p, uint32_t tgid, uint32_t id, uint32_t val)
{
	struct pproc **pp = slot(p, tgid), *pr = *pp;
	size_t i;

	if (pr && (i = lower(pr, id)) < pr->n && pr->v[i].id == id) {
		pr->v[i].val = val;
		return 0;
	}
	if (p->n >= p->max)
		return -ENOSPC;
	if (!pr) {
		pr = calloc(1, sizeof(*pr));
		if (!pr)
			return -ENOMEM;
		pr->tgid = tgid;
		*pp = pr;
	}
	if (ct_room((void **)&pr->v, &pr->cap, pr->n + 1, sizeof(*pr->v)))
		return -ENOMEM;
	i = lower(pr, id);
	memmove(pr->v + i + 1, pr->v + i, (pr->n - i) * sizeof(*pr->v));
	pr->v[i] = (struct pair){ id, val };
	pr->n++;
	p->n++;
	return 0;
}

void ct_pairs_forget(struct ct_pairs *p, uint32_t tgid)
{
	struct pproc **pp = slot(p, tgid), *pr = *pp;

	if (!pr)
		return;
	*pp = pr->next;
	p->n -= pr->n;
	free(pr->v);
	free(pr);
}

void ct_pairs_clear(struct ct_pairs *p)
{
	for (size_t i = 0; i < BUCKETS; i++)
		while (p->b[i])
			ct_pairs_forget(p, p->b[i]->tgid);
}

size_t ct_pairs_count(const struct ct_pairs *p)
{
	return p->n;
}
