// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The ready phase from CT_EV_LISTEN records (ready.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "coldtrace.h"
#include "ready.h"
#include "util.h"

/* Listens of containers not emitted yet; a bounded ring. */
#define READY_MAX	4096

struct listen_ent {
	uint64_t key;
	uint64_t ts;		/* wall clock */
	uint64_t opens;		/* guest opens before it */
};

/*
 * CRI pods: the latest ready end of each pod's app containers emitted so
 * far, taken by the pod's own record, which comes after them (its
 * sandbox is removed last).  A bounded ring too.
 */
#define READY_PODS	256

struct pod_ent {
	char pod[CT_ID_LEN];
	uint64_t end;		/* wall clock */
};

struct ct_ready {
	enum ct_ready_mode mode;
	int64_t mono_to_real;
	struct listen_ent ent[READY_MAX];
	size_t n;
	uint64_t dropped;
	struct pod_ent pods[READY_PODS];
	size_t npods;
};

static const char *const mode_names[] = {
	[CT_READY_LISTEN] = "listen",
	[CT_READY_EXEC] = "exec",
	[CT_READY_NONE] = "none",
};

int ct_ready_mode_from_name(const char *name)
{
	for (size_t m = 0; name && m < sizeof(mode_names) / sizeof(*mode_names);
	     m++)
		if (!strcmp(name, mode_names[m]))
			return (int)m;
	return -1;
}

const char *ct_ready_mode_name(enum ct_ready_mode m)
{
	return (unsigned)m <= CT_READY_NONE ? mode_names[m] : "?";
}

struct ct_ready *ct_ready_new(enum ct_ready_mode m, int64_t mono_to_real_ns)
{
	struct ct_ready *r;

	if ((unsigned)m > CT_READY_NONE)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->mode = m;
	r->mono_to_real = mono_to_real_ns;
	return r;
}

void ct_ready_free(struct ct_ready *r)
{
	free(r);
}

int ct_ready_feed(struct ct_ready *r, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;
	const struct ct_listen *l = rec;

	if (!r || !rec || len < sizeof(*h))
		return -EINVAL;
	if (h->type != CT_EV_LISTEN)
		return 0;
	if (len < sizeof(*l) || h->size < sizeof(*l))
		return -EINVAL;
	if (r->mode != CT_READY_LISTEN || l->ret != 0 || l->cgroup_key <= 1)
		return 0;
	if (ct_fifo_make_room(r->ent, &r->n, READY_MAX, sizeof(*r->ent)))
		r->dropped++;
	r->ent[r->n++] = (struct listen_ent){
		.key = l->cgroup_key,
		.ts = h->ts_ns + (uint64_t)r->mono_to_real,
		.opens = l->opens_count,
	};
	return 0;
}

/* Earliest listen of key in [from, to) (to 0: open end); -1 if none. */
static long first_listen(const struct ct_ready *r, uint64_t key,
			 uint64_t from, uint64_t to)
{
	long best = -1;

	for (size_t i = 0; i < r->n; i++) {
		const struct listen_ent *e = &r->ent[i];

		if (e->key != key || e->ts < from || (to && e->ts >= to))
			continue;
		if (best < 0 || e->ts < r->ent[best].ts)
			best = (long)i;
	}
	return best;
}

static void forget(struct ct_ready *r, uint64_t key)
{
	size_t o = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->ent[i].key != key)
			r->ent[o++] = r->ent[i];
	r->n = o;
}

static void set_ready(struct ct_container *c, uint64_t start, uint64_t end)
{
	c->phase_mask |= 1u << CT_PH_READY;
	c->phases[CT_PH_READY].start_ns = start;
	c->phases[CT_PH_READY].end_ns = end;
}

static struct pod_ent *find_pod(struct ct_ready *r, const char *pod)
{
	for (size_t i = 0; i < r->npods; i++)
		if (!strncmp(r->pods[i].pod, pod, CT_ID_LEN))
			return &r->pods[i];
	return NULL;
}

/* An app container's ready end, for its pod's cold start. */
static void note_pod_app(struct ct_ready *r, const struct ct_container *c)
{
	const struct ct_interval *rd = &c->phases[CT_PH_READY];
	struct pod_ent *p;

	if (c->is_pod || !c->pod[0] || !ct_has_phase(c, CT_PH_READY))
		return;
	p = find_pod(r, c->pod);
	if (!p) {
		if (ct_fifo_make_room(r->pods, &r->npods, READY_PODS,
				      sizeof(*r->pods)))
			r->dropped++;
		p = &r->pods[r->npods++];
		memcpy(p->pod, c->pod, CT_ID_LEN);
		p->end = 0;
	}
	if (rd->end_ns > p->end)
		p->end = rd->end_ns;
}

/* A pod's record: its cold start lasts until its last app is ready. */
static void apply_pod(struct ct_ready *r, struct ct_container *c)
{
	struct pod_ent *p = c->is_pod ? find_pod(r, c->id) : NULL;

	if (!p)
		return;
	if (p->end > c->pod_ready_ns)
		c->pod_ready_ns = p->end;
	*p = r->pods[--r->npods];
}

static void apply_listen(struct ct_ready *r, struct ct_container *c)
{
	const struct ct_interval *run = &c->phases[CT_PH_RUN];
	long i;

	if (!ct_has_phase(c, CT_PH_RUN) || !run->start_ns)
		return;
	if (r->mode == CT_READY_EXEC) {
		set_ready(c, run->start_ns, run->start_ns);
		return;
	}
	if (r->mode != CT_READY_LISTEN || !c->cgroup_key)
		return;
	i = first_listen(r, c->cgroup_key, run->start_ns, run->end_ns);
	if (i >= 0) {
		set_ready(c, run->start_ns, r->ent[i].ts);
		if (c->opens.valid) {
			c->opens.has_before_ready = true;
			c->opens.before_ready = r->ent[i].opens;
		}
	}
	forget(r, c->cgroup_key);
}

void ct_ready_apply(struct ct_ready *r, struct ct_container *c)
{
	if (!r)
		return;
	apply_listen(r, c);
	note_pod_app(r, c);
	apply_pod(r, c);
}

bool ct_ready_reached(const struct ct_ready *r, const struct ct_container *c)
{
	const struct ct_interval *run = &c->phases[CT_PH_RUN];

	if (!r || !ct_has_phase(c, CT_PH_RUN) || !run->start_ns)
		return false;
	if (r->mode == CT_READY_EXEC)
		return true;
	return r->mode == CT_READY_LISTEN && c->cgroup_key &&
	       first_listen(r, c->cgroup_key, run->start_ns, run->end_ns) >= 0;
}

uint64_t ct_ready_dropped(const struct ct_ready *r)
{
	return r ? r->dropped : 0;
}
