// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process table: chained hash on pid.  The bucket array doubles when the
 * chains get long, so thousands of live containers cost no more per event
 * than a few; the entry count stays bounded (max) and every entry refused
 * is counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proc.h"

#define MIN_BUCKETS	1024
#define DEFAULT_MAX	CT_PROC_MAX_DEFAULT

struct ct_proc_table {
	struct ct_proc **bucket;
	size_t nbuckets;	/* a power of two */
	size_t count;
	size_t max;
	uint64_t dropped;
};

static size_t slot(const struct ct_proc_table *t, uint32_t pid)
{
	return (pid * 2654435761u) & (t->nbuckets - 1);
}

struct ct_proc_table *ct_proc_table_new(size_t max_entries)
{
	struct ct_proc_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->nbuckets = MIN_BUCKETS;
	t->bucket = calloc(t->nbuckets, sizeof(*t->bucket));
	if (!t->bucket) {
		free(t);
		return NULL;
	}
	t->max = max_entries ? max_entries : DEFAULT_MAX;
	return t;
}

void ct_proc_table_free(struct ct_proc_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct ct_proc *p = t->bucket[i], *n;

		for (; p; p = n) {
			n = p->next;
			free(p);
		}
	}
	free(t->bucket);
	free(t);
}

/* Double the buckets; on allocation failure keep the old ones (slower,
 * still correct). */
static void grow(struct ct_proc_table *t)
{
	size_t n = t->nbuckets * 2;
	struct ct_proc **b = calloc(n, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct ct_proc *p = t->bucket[i], *next;

		for (; p; p = next) {
			size_t k = (p->pid * 2654435761u) & (n - 1);

			next = p->next;
			p->next = b[k];
			b[k] = p;
		}
	}
	free(t->bucket);
	t->bucket = b;
	t->nbuckets = n;
}

struct ct_proc *ct_proc_get(const struct ct_proc_table *t, uint32_t pid)
{
	struct ct_proc *p = t->bucket[slot(t, pid)];

	while (p && p->pid != pid)
		p = p->next;
	return p;
}

struct ct_proc *ct_proc_add(struct ct_proc_table *t, uint32_t pid)
{
	struct ct_proc *p = ct_proc_get(t, pid);
	size_t s;

	if (p)
		return p;
	if (t->count >= t->max) {
		t->dropped++;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		t->dropped++;
		return NULL;
	}
	if (t->count >= 2 * t->nbuckets)
		grow(t);
	s = slot(t, pid);
	p->pid = pid;
	p->next = t->bucket[s];
	t->bucket[s] = p;
	t->count++;
	return p;
}

void ct_proc_del(struct ct_proc_table *t, uint32_t pid)
{
	struct ct_proc **pp = &t->bucket[slot(t, pid)];

	for (; *pp; pp = &(*pp)->next) {
		struct ct_proc *p = *pp;

		if (p->pid == pid) {
			*pp = p->next;
			free(p);
			t->count--;
			return;
		}
	}
}

/* Daemons and engine clients fork helpers of their own (docker-untar,
 * set-ipv6, podman's conmon --version): those are classified by their
 * exec, never inherited. */
static bool inheritable(const struct ct_proc *p)
{
	switch (p->role) {
	case CT_ROLE_NONE:
	case CT_ROLE_CONTAINERD:
	case CT_ROLE_DOCKERD:
	case CT_ROLE_CNI:
	case CT_ROLE_ENGINE_CMD:
		return p->id[0] != '\0';
	default:
		return true;
	}
}

bool ct_proc_below(const struct ct_proc_table *t, uint32_t pid,
		   uint32_t anc)
{
	const struct ct_proc *p;

	for (int depth = 0; pid && depth < 64; depth++) {
		if (pid == anc)
			return true;
		p = ct_proc_get(t, pid);
		if (!p)
			return false;
		pid = p->ppid;
	}
	return false;
}

struct ct_proc *ct_proc_fork(struct ct_proc_table *t, uint32_t parent,
			     uint32_t child)
{
	struct ct_proc *pp = ct_proc_get(t, parent), *c;

	if (!pp || !inheritable(pp) || parent == child)
		return NULL;
	c = ct_proc_add(t, child);
	if (!c)
		return NULL;
	c->ppid = parent;
	c->role = pp->role;
	c->own = false;
	c->runtime = pp->runtime;
	c->cmd = pp->cmd;
	c->depth = pp->depth < 255 ? pp->depth + 1 : 255;
	memcpy(c->id, pp->id, sizeof(c->id));
	memcpy(c->exe, pp->exe, sizeof(c->exe));
	c->gen = 0;
	c->acct = 0;
	return c;
}

void ct_proc_set_class(struct ct_proc *p, const struct ct_class *c)
{
	p->role = c->role;
	p->own = true;
	p->depth = 0;
	p->cmd = c->cmd;
	if (c->runtime != CT_RT_UNKNOWN)
		p->runtime = c->runtime;
	if (c->id[0])
		memcpy(p->id, c->id, sizeof(p->id));
}

size_t ct_proc_count(const struct ct_proc_table *t)
{
	return t->count;
}

uint64_t ct_proc_dropped(const struct ct_proc_table *t)
{
	return t->dropped;
}

size_t ct_proc_sweep(struct ct_proc_table *t, ct_proc_sweep_fn fn, void *ctx)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nbuckets; i++) {
		struct ct_proc **pp = &t->bucket[i];

		while (*pp) {
			struct ct_proc *p = *pp;

			if (fn(p, ctx)) {
				*pp = p->next;
				free(p);
				t->count--;
				n++;
			} else {
				pp = &p->next;
			}
		}
	}
	return n;
}
