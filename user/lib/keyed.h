/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Items kept per cgroup key until their container is emitted: the
 * enrich stages that gather a record stream per container (startfiles.c,
 * fuse.c).  Bounded three ways: at most max_keys keys (the oldest key's
 * items go when a new one comes), per_key items per key and total items
 * in all; an item past either is counted in its key (dropped).
 */
#ifndef __CT_KEYED_H
#define __CT_KEYED_H

#include <stddef.h>
#include <stdint.h>

struct ct_keyed_group {
	uint64_t key;
	void *items;		/* n items of the store's size */
	uint32_t n, cap;
	uint64_t dropped;	/* items refused for the bounds */
};

struct ct_keyed {
	size_t size;		/* of an item */
	size_t max_keys, per_key, total;
	/* an item's own memory, when it goes; may be NULL */
	void (*release)(void *item);
	struct ct_keyed_group *g;
	size_t ng, items;
};

/* 0 or -ENOMEM. */
int ct_keyed_init(struct ct_keyed *k, size_t size, size_t max_keys,
		  size_t per_key, size_t total, void (*release)(void *item));
void ct_keyed_free(struct ct_keyed *k);

/* key's group, or NULL. */
struct ct_keyed_group *ct_keyed_find(struct ct_keyed *k, uint64_t key);
/*
 * key's group, made if missing (the oldest key's goes when all are
 * used): valid until the next ct_keyed_get() or ct_keyed_forget().
 */
struct ct_keyed_group *ct_keyed_get(struct ct_keyed *k, uint64_t key);
/* Room for one more item in g (zeroed), or NULL: counted as dropped. */
void *ct_keyed_add(struct ct_keyed *k, struct ct_keyed_group *g);
/* key's items go. */
void ct_keyed_forget(struct ct_keyed *k, uint64_t key);

static inline void *ct_keyed_item(const struct ct_keyed *k,
				  const struct ct_keyed_group *g, size_t i)
{
	return (char *)g->items + i * k->size;
}

#endif /* __CT_KEYED_H */
