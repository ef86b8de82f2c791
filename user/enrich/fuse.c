// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A container's FUSE requests: see fuse.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "coldtrace.h"
#include "fuse.h"
#include "keyed.h"

#define FUSE_READ	15

struct req {
	uint64_t start, end;	/* wall clock */
	uint32_t dev;
	uint32_t opcode;
	uint32_t bytes;
	int32_t error;
};

/* A connection's layer as a container's request found it (CT_EV_LAYER). */
struct named {
	uint64_t key;
	uint32_t dev;
	char digest[CT_LAYER_DIGEST_LEN];
};

/* A layer's fetched bytes at ts (CT_EV_FETCHED). */
struct sample {
	uint64_t ts;		/* wall clock */
	uint64_t fetched;
	uint64_t claimed;	/* the first container that took its growth */
	uint32_t dev;
	bool shared;		/* two containers' requests ended before it */
};

/* The containers with requests on a connection since its last sample. */
struct readers {
	uint32_t dev;
	uint64_t key;		/* the first of them */
	bool more;		/* and another */
};

struct ct_fuse_reqs {
	int64_t mono_to_real;
	struct ct_keyed reqs;	/* struct req, per cgroup key */
	struct named names[CT_FUSE_NAMED];	/* a ring */
	size_t next_name;
	struct sample samples[CT_FUSE_SAMPLES];	/* a ring, oldest first */
	size_t next_sample;
	struct readers readers[CT_FUSE_READERS];	/* a ring */
	size_t next_readers;
};

struct ct_fuse_reqs *ct_fuse_new(int64_t mono_to_real_ns)
{
	struct ct_fuse_reqs *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->mono_to_real = mono_to_real_ns;
	if (ct_keyed_init(&f->reqs, sizeof(struct req), CT_FUSE_GROUPS,
			  CT_FUSE_KEEP, CT_FUSE_PENDING, NULL)) {
		free(f);
		return NULL;
	}
	return f;
}

void ct_fuse_free(struct ct_fuse_reqs *f)
{
	if (!f)
		return;
	ct_keyed_free(&f->reqs);
	free(f);
}

static int keep_name(struct ct_fuse_reqs *f, const void *rec, size_t len)
{
	const struct ct_layer_rec *l = rec;
	struct named *n = &f->names[f->next_name];

	if (len < sizeof(*l) || l->hdr.size < sizeof(*l))
		return -EINVAL;
	n->key = l->cgroup_key;
	n->dev = l->dev;
	memcpy(n->digest, l->digest, sizeof(n->digest));
	n->digest[sizeof(n->digest) - 1] = '\0';
	f->next_name = (f->next_name + 1) % CT_FUSE_NAMED;
	return 0;
}

/* Layer l's digest as container key's request found it, the newest. */
static void name_layer(const struct ct_fuse_reqs *f, uint64_t key,
		       struct ct_fuse_layer *l)
{
	for (size_t i = 1; i <= CT_FUSE_NAMED; i++) {
		const struct named *n = &f->names[(f->next_name +
						   CT_FUSE_NAMED - i) %
						  CT_FUSE_NAMED];

		if (n->key == key && n->dev == l->dev) {
			memcpy(l->digest, n->digest, sizeof(l->digest));
			return;
		}
	}
}

/* dev's readers since its last sample; a new one takes the oldest slot. */
static struct readers *readers(struct ct_fuse_reqs *f, uint32_t dev)
{
	struct readers *r;

	for (size_t i = 0; i < CT_FUSE_READERS; i++)
		if (f->readers[i].dev == dev)
			return &f->readers[i];
	r = &f->readers[f->next_readers];
	f->next_readers = (f->next_readers + 1) % CT_FUSE_READERS;
	*r = (struct readers){ .dev = dev };
	return r;
}

static void note_reader(struct ct_fuse_reqs *f, uint32_t dev, uint64_t key)
{
	struct readers *r = readers(f, dev);

	if (!r->key)
		r->key = key;
	else if (r->key != key)
		r->more = true;
}

static int keep_sample(struct ct_fuse_reqs *f, const void *rec, size_t len)
{
	const struct ct_fetched_rec *l = rec;
	struct readers *r;

	if (len < sizeof(*l) || l->hdr.size < sizeof(*l))
		return -EINVAL;
	r = readers(f, l->dev);
	f->samples[f->next_sample] = (struct sample){
		.ts = l->hdr.ts_ns + (uint64_t)f->mono_to_real,
		.fetched = l->fetched,
		.dev = l->dev,
		.shared = r->more,
	};
	f->next_sample = (f->next_sample + 1) % CT_FUSE_SAMPLES;
	*r = (struct readers){ .dev = l->dev };
	return 0;
}

int ct_fuse_feed(struct ct_fuse_reqs *f, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;
	const struct ct_fuse *r = rec;
	struct ct_keyed_group *g;
	struct req *q;

	if (!f || !rec || len < sizeof(*h))
		return -EINVAL;
	if (h->type == CT_EV_LAYER)
		return keep_name(f, rec, len);
	if (h->type == CT_EV_FETCHED)
		return keep_sample(f, rec, len);
	if (h->type != CT_EV_FUSE)
		return 0;
	if (len < sizeof(*r) || h->size < sizeof(*r))
		return -EINVAL;
	if (r->cgroup_key <= 1 || r->start_ns > h->ts_ns)
		return 0;
	g = ct_keyed_get(&f->reqs, r->cgroup_key);
	if (!r->start_ns) {	/* the kernel could not keep it */
		g->dropped++;
		return 0;
	}
	q = ct_keyed_add(&f->reqs, g);
	if (!q)
		return 0;	/* counted in its key */
	note_reader(f, r->dev, r->cgroup_key);
	*q = (struct req){
		.start = r->start_ns + (uint64_t)f->mono_to_real,
		.end = h->ts_ns + (uint64_t)f->mono_to_real,
		.dev = r->dev,
		.opcode = r->opcode,
		.bytes = r->bytes,
		.error = r->error,
	};
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct req *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Each interval [s, e) of a union of requests, to a collector. */
typedef void (*span_fn)(void *ctx, uint64_t s, uint64_t e);

/*
 * The union of the intervals of q's requests (sorted by start) of
 * connection *dev (NULL: of every one), span by span.
 */
static void union_spans(const struct req *q, size_t n, const uint32_t *dev,
			span_fn span, void *ctx)
{
	uint64_t s = 0, e = 0;
	bool open = false;

	for (size_t i = 0; i < n; i++) {
		if (dev && q[i].dev != *dev)
			continue;
		if (open && q[i].start <= e) {
			if (q[i].end > e)
				e = q[i].end;
			continue;
		}
		if (open)
			span(ctx, s, e);
		s = q[i].start;
		e = q[i].end;
		open = true;
	}
	if (open)
		span(ctx, s, e);
}

struct split {
	struct ct_fuse_use *u;
	uint64_t cut;		/* the end of ready, 0: no split */
};

/* [s, e) of the union, split at the end of ready */
static void add_span(void *ctx, uint64_t s, uint64_t e)
{
	struct split *x = ctx;
	struct ct_fuse_use *u = x->u;
	uint64_t cut = x->cut;

	u->wait_ns += e - s;
	if (!cut)
		return;
	if (e <= cut) {
		u->wait_before_ready_ns += e - s;
	} else if (s >= cut) {
		u->wait_after_ready_ns += e - s;
	} else {
		u->wait_before_ready_ns += cut - s;
		u->wait_after_ready_ns += e - cut;
	}
}

static void add_len(void *ctx, uint64_t s, uint64_t e)
{
	*(uint64_t *)ctx += e - s;
}

/*
 * Each connection's counts in all[], the distinct connections up to
 * CT_FUSE_CONNS (then: at least that many, and the others' requests in
 * none of them).
 */
static uint32_t connections(const struct req *q, size_t n,
			    struct ct_fuse_layer *all)
{
	uint32_t nd = 0, d;

	for (size_t i = 0; i < n; i++) {
		for (d = 0; d < nd && all[d].dev != q[i].dev; d++)
			;
		if (d == nd && nd == CT_FUSE_CONNS)
			continue;
		if (d == nd)
			all[nd++].dev = q[i].dev;
		all[d].requests++;
		if (q[i].opcode == FUSE_READ) {
			all[d].reads++;
			all[d].read_bytes += q[i].bytes;
		}
	}
	return nd;
}

/* Longer waits first; on a tie, the lower dev. */
static int by_wait(const void *a, const void *b)
{
	const struct ct_fuse_layer *x = a, *y = b;

	if (x->wait_ns != y->wait_ns)
		return x->wait_ns > y->wait_ns ? -1 : 1;
	return x->dev < y->dev ? -1 : x->dev > y->dev;
}

/* The nd connections' waits (q sorted by start), the longest kept. */
static void layers(struct ct_fuse_use *u, const struct req *q, size_t n,
		   struct ct_fuse_layer *all, uint32_t nd)
{
	for (uint32_t d = 0; d < nd; d++)
		union_spans(q, n, &all[d].dev, add_len, &all[d].wait_ns);
	qsort(all, nd, sizeof(all[0]), by_wait);
	u->nlayers = nd < CT_FUSE_LAYERS ? nd : CT_FUSE_LAYERS;
	u->layers_more = nd - u->nlayers;
	memcpy(u->layers, all, u->nlayers * sizeof(all[0]));
}

/* Where an interval between samples lies against the end of ready. */
enum side {
	SIDE_NONE,	/* no request of its in it: not its growth */
	SIDE_BEFORE,	/* its reads all began before the end of ready */
	SIDE_AFTER,	/* all at it or after */
	SIDE_ACROSS,	/* some before, some after; or no ready */
};

/*
 * The side of (a, b] for the requests of q (sorted by start) on dev in
 * flight in it: by their reads, or with no read, by all of them.
 * Reads, because they are what fetch, and when they begin: the daemon
 * fetches for a read it was sent.
 */
static enum side side_of(const struct req *q, size_t n, uint32_t dev,
			 uint64_t a, uint64_t b, uint64_t cut)
{
	unsigned int reads[2] = { 0 }, all[2] = { 0 };
	const unsigned int *by;

	for (size_t i = 0; i < n && q[i].start < b; i++) {
		if (q[i].dev != dev || q[i].end <= a)
			continue;
		all[q[i].start >= cut]++;
		if (q[i].opcode == FUSE_READ)
			reads[q[i].start >= cut]++;
	}
	if (!all[0] && !all[1])
		return SIDE_NONE;
	by = reads[0] || reads[1] ? reads : all;
	if (!cut || (by[0] && by[1]))
		return SIDE_ACROSS;
	return by[0] ? SIDE_BEFORE : SIDE_AFTER;
}

/* The growth from sample a to s, on side w, taken by container key's
 * layer l. */
static void take(struct ct_fuse_layer *l, uint64_t key, const struct sample *a,
		 struct sample *s, enum side w)
{
	uint64_t grew = s->fetched - a->fetched;

	l->fetched_bytes += grew;
	if (w == SIDE_BEFORE)
		l->fetched_by_ready_bytes += grew;
	else if (w == SIDE_AFTER)
		l->fetched_after_ready_bytes += grew;
	l->fetched_shared |= s->shared || (s->claimed && s->claimed != key);
	if (!s->claimed)
		s->claimed = key;
}

/* Layer l's fetched bytes while container key's requests (q) read it. */
static void fetched(struct ct_fuse_reqs *f, uint64_t key, const struct req *q,
		    size_t n, uint64_t cut, struct ct_fuse_layer *l)
{
	uint64_t first = UINT64_MAX, last = 0;
	const struct sample *a = NULL;
	enum side w;

	for (size_t i = 0; i < n; i++) {
		if (q[i].dev != l->dev)
			continue;
		first = q[i].start < first ? q[i].start : first;
		last = q[i].end > last ? q[i].end : last;
	}
	l->fetched = CT_FETCHED_NONE;
	for (size_t i = 0; i < CT_FUSE_SAMPLES; i++) {
		struct sample *s = &f->samples[(f->next_sample + i) %
					       CT_FUSE_SAMPLES];

		if (!s->ts || s->dev != l->dev)
			continue;
		l->fetched = CT_FETCHED_UNKNOWN;
		if (s->ts <= first) {
			a = s;
			continue;
		}
		if (!a || s->fetched < a->fetched)	/* none, a remount */
			break;
		w = side_of(q, n, l->dev, a->ts, s->ts, cut);
		if (w != SIDE_NONE)
			take(l, key, a, s, w);
		if (s->ts >= last) {
			l->fetched = CT_FETCHED_KNOWN;
			return;
		}
		a = s;
	}
	l->fetched_bytes = l->fetched_by_ready_bytes = 0;
	l->fetched_after_ready_bytes = 0;
	l->fetched_shared = false;
}

/* Each connection's fetched bytes, and their sums in u. */
static void fetched_all(struct ct_fuse_reqs *f, struct ct_fuse_use *u,
			const struct req *q, size_t n, uint64_t key,
			uint64_t cut, struct ct_fuse_layer *all, uint32_t nd)
{
	for (uint32_t d = 0; d < nd; d++) {
		fetched(f, key, q, n, cut, &all[d]);
		u->fetched_unknown += all[d].fetched == CT_FETCHED_UNKNOWN;
		if (all[d].fetched != CT_FETCHED_KNOWN)
			continue;
		u->fetched_layers++;
		u->fetched_shared |= all[d].fetched_shared;
		u->fetched_bytes += all[d].fetched_bytes;
		u->fetched_by_ready_bytes += all[d].fetched_by_ready_bytes;
		u->fetched_after_ready_bytes += all[d].fetched_after_ready_bytes;
	}
}

static void sum(struct ct_fuse_reqs *f, struct ct_fuse_use *u, struct req *q,
		size_t n, const struct ct_container *c)
{
	uint64_t exec_ns = c->phases[CT_PH_RUN].start_ns, last = 0;
	struct split x = { .u = u };
	struct ct_fuse_layer all[CT_FUSE_CONNS] = { 0 };

	if (ct_has_phase(c, CT_PH_READY)) {
		u->has_ready = true;
		x.cut = c->phases[CT_PH_READY].end_ns;
	}
	for (size_t i = 0; i < n; i++) {
		u->requests++;
		u->errors += q[i].error != 0;
		if (q[i].opcode == FUSE_READ) {
			u->reads++;
			u->read_bytes += q[i].bytes;
		}
		if (q[i].end > last)
			last = q[i].end;
	}
	u->last_ns = exec_ns && last > exec_ns ? last - exec_ns : 0;
	u->connections = connections(q, n, all);
	if (n)	/* a key of dropped sends alone has no items (NULL) */
		qsort(q, n, sizeof(*q), by_start);
	union_spans(q, n, NULL, add_span, &x);
	fetched_all(f, u, q, n, c->cgroup_key, x.cut, all, u->connections);
	layers(u, q, n, all, u->connections);
}

void ct_fuse_apply(struct ct_fuse_reqs *f, struct ct_container *c)
{
	struct ct_keyed_group *g;

	if (!f || !c->cgroup_key)
		return;
	g = ct_keyed_find(&f->reqs, c->cgroup_key);
	if (!g)
		return;
	c->fuse = (struct ct_fuse_use){
		.valid = true,
		.dropped = g->dropped,
	};
	sum(f, &c->fuse, g->items, g->n, c);
	for (uint32_t i = 0; i < c->fuse.nlayers; i++)
		name_layer(f, c->cgroup_key, &c->fuse.layers[i]);
	ct_fuse_forget(f, c->cgroup_key);
}

void ct_fuse_forget(struct ct_fuse_reqs *f, uint64_t cgroup_key)
{
	if (f)
		ct_keyed_forget(&f->reqs, cgroup_key);
}
