// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Items per cgroup key: see keyed.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "keyed.h"
#include "util.h"

int ct_keyed_init(struct ct_keyed *k, size_t size, size_t max_keys,
		  size_t per_key, size_t total, void (*release)(void *item))
{
	*k = (struct ct_keyed){ .size = size, .max_keys = max_keys,
				.per_key = per_key, .total = total,
				.release = release };
	k->g = calloc(max_keys, sizeof(*k->g));
	return k->g ? 0 : -ENOMEM;
}

static void group_empty(struct ct_keyed *k, struct ct_keyed_group *g)
{
	for (uint32_t i = 0; k->release && i < g->n; i++)
		k->release(ct_keyed_item(k, g, i));
	free(g->items);
	k->items -= g->n;
}

void ct_keyed_free(struct ct_keyed *k)
{
	for (size_t i = 0; k->g && i < k->ng; i++)
		group_empty(k, &k->g[i]);
	free(k->g);
	k->g = NULL;
	k->ng = 0;
}

struct ct_keyed_group *ct_keyed_find(struct ct_keyed *k, uint64_t key)
{
	for (size_t i = 0; i < k->ng; i++)
		if (k->g[i].key == key)
			return &k->g[i];
	return NULL;
}

static void take(struct ct_keyed *k, size_t i)
{
	group_empty(k, &k->g[i]);
	ct_fifo_take(k->g, &k->ng, sizeof(*k->g), i);
}

struct ct_keyed_group *ct_keyed_get(struct ct_keyed *k, uint64_t key)
{
	struct ct_keyed_group *g = ct_keyed_find(k, key);

	if (g)
		return g;
	if (k->ng == k->max_keys)
		take(k, 0);	/* the oldest key's */
	g = &k->g[k->ng++];
	*g = (struct ct_keyed_group){ .key = key };
	return g;
}

void *ct_keyed_add(struct ct_keyed *k, struct ct_keyed_group *g)
{
	void *p;

	if (g->n >= k->per_key || k->items >= k->total)
		goto drop;
	if (g->n == g->cap) {
		uint32_t cap = g->cap ? 2 * g->cap : 64;

		p = reallocarray(g->items, cap, k->size);
		if (!p)
			goto drop;
		g->items = p;
		g->cap = cap;
	}
	p = ct_keyed_item(k, g, g->n++);
	k->items++;
	memset(p, 0, k->size);
	return p;
drop:
	g->dropped++;
	return NULL;
}

void ct_keyed_forget(struct ct_keyed *k, uint64_t key)
{
	struct ct_keyed_group *g = ct_keyed_find(k, key);

	if (g)
		take(k, (size_t)(g - k->g));
}
