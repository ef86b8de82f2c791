// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Image pull tracker (see pulls.h): pull records in, struct ct_pull out.
 * What is common to every daemon is here (a pull's start, layers'
 * concurrency, emission, the streams' advance), in pulls_in.c (the
 * records in) and in pulls_clients.c (the clients); each daemon's part is
 * its builder's (user/engines/docker_pull.c, containerd_pull.c, through
 * pulls_api.h): whose records are its (its daemon, client and helper by
 * name), what it notes of each, and how its events make a pull.  No
 * daemon is named here.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "coldtrace.h"
#include "container.h"
#include "pulls.h"
#include "pulls_api.h"
#include "pulls_int.h"
#include "util.h"

/* ---- building a pull ---- */
int pl_cmp_ev(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int cmp_layer(const void *a, const void *b)
{
	const struct ct_pull_layer *x = a, *y = b;

	return x->fetch_start_ns < y->fetch_start_ns ? -1 :
	       x->fetch_start_ns > y->fetch_start_ns;
}

struct span {
	uint64_t t;
	int d;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->d - y->d;	/* ends (-1) before starts (+1) */
}

void ct_pull_concurrency(const struct ct_pull_layer *l, size_t n,
			 uint32_t *max, double *mean)
{
	struct span *s = calloc(2 * n + 1, sizeof(*s));
	uint64_t first = 0, last = 0, prev = 0;
	double area = 0;
	size_t k = 0;
	int cur = 0;

	*max = 0;
	*mean = 0;
	if (!s)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!l[i].fetch_start_ns)
			continue;
		s[k++] = (struct span){ l[i].fetch_start_ns, 1 };
		s[k++] = (struct span){ l[i].fetch_start_ns + l[i].fetch_dur_ns,
					-1 };
		*max = 1;	/* even a zero-length fetch was one in flight */
	}
	qsort(s, k, sizeof(*s), cmp_span);
	for (size_t i = 0; i < k; i++) {
		if (i)
			area += (double)cur * (s[i].t - prev);
		else
			first = s[i].t;
		cur += s[i].d;
		if (cur > 0 && (uint32_t)cur > *max)
			*max = cur;
		prev = last = s[i].t;
	}
	if (last > first)
		*mean = area / (double)(last - first);
	else if (k)
		*mean = 1;
	free(s);
}

/*
 * Unsigned, as the tracker's clock (tk_wall()): ts_ns and mono_to_real
 * come from a recording, untrusted, and their signed sum may overflow
 * (undefined); the sum modulo 2^64 is defined, exact whenever the wall
 * time fits, and the same number the tracker gives a container's phases,
 * so ct_pulls_claim() compares like with like.
 */
uint64_t pl_wall(const struct ct_pulls *e, uint64_t mono)
{
	return mono ? mono + (uint64_t)e->m2r : 0;
}

uint64_t pl_max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

uint64_t pl_fetch_dur(const struct ev *b)
{
	const struct ct_pull_blob_file *f = &b->blob;

	return f->last_write_ns > f->open_ns ?
	       f->last_write_ns - f->open_ns : 0;
}

int pl_emit_unread_bare(struct ct_pulls *e, int engine,
			const struct ct_pull_image *unread,
			struct ev *ev, size_t n)
{
	struct ct_pull p = { .engine = ct_engine_name(engine) };
	uint64_t end = unread->hdr.ts_ns, cts, st;

	cts = pl_take_name(e, &p, unread, -1, end, end,
			   pl_pull_port(ev, n, end));
	st = cts ? pl_pull_start(ev, n, (uint32_t)engine, cts, end) : end;
	p.complete = cts != 0;
	p.start_ns = pl_wall(e, st);
	p.dur_ns = end > st ? end - st : 0;
	return pl_emit(e, &p);
}

/*
 * Start: the first registry connect of the daemon (or client) after the
 * client started and before the first layer; else the client's exec;
 * else the first blob open.
 */
uint64_t pl_pull_start(struct ev *ev, size_t n, uint32_t who,
		       uint64_t client_ts, uint64_t first_open)
{
	uint64_t from = client_ts ? client_ts : 0;

	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == EV_CONNECT && ev[i].sub == who &&
		    ev[i].ts >= from && ev[i].ts <= first_open)
			return ev[i].ts;
	return client_ts ? client_ts : first_open;
}

size_t pl_untraced(const struct ev *ev, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += ev[i].kind == EV_BLOB && ev[i].untraced;
	return k;
}

void pl_finish_layers(struct ct_pull *p, uint64_t start_mono,
		      uint64_t first_write_mono)
{
	qsort(p->layers, p->nlayers, sizeof(*p->layers), cmp_layer);
	ct_pull_concurrency(p->layers, p->nlayers, &p->conc_max,
			    &p->conc_mean);
	p->ttfb_ns = first_write_mono > start_mono ?
		     first_write_mono - start_mono : 0;
}

/* Continuous mode: the oldest pull goes (claimed long ago, if ever). */
static void drop_oldest(struct ct_pulls *e)
{
	free(e->pulls[0].layers);
	ct_fifo_take(e->pulls, &e->npulls, sizeof(*e->pulls), 0);
}

/* An attach or a detach of the syscall hooks, made by the live session. */
/*
 * When the hooks were attached (wall clock), if they were off when a pull
 * began at @start (wall clock): struct ct_pull's traced_from_ns.  A pull
 * before the first attach known was before the session's own, unless
 * older turns were forgotten.
 */
static uint64_t traced_from(const struct ct_pulls *e, uint64_t start)
{
	enum ct_arm_state st = ct_arm_log_at(&e->arms, start);

	if (st == CT_ARM_ON || st == CT_ARM_FORGOTTEN)
		return 0;
	return ct_arm_log_next(&e->arms, start, true);
}

/* Did the pull ring lose records from the pull's start (wall) on? It is
 * emitted a grace after its end: a loss until now may be its own. */
static bool lost_since(const struct ct_pulls *e, uint64_t start)
{
	for (size_t i = 0; i < e->nlosses; i++)
		if (pl_wall(e, e->losses[i].to) >= start)
			return true;
	return false;
}

const uint64_t ct_pull_le_ns[CT_PULL_NLE] = {
	10000000, 25000000, 50000000, 100000000, 250000000, 500000000,
	1000000000, 2500000000, 5000000000, 10000000000, 30000000000,
	60000000000, 120000000000, 300000000000, 600000000000,
};

static void hist_add(struct ct_pull_hist *h, uint64_t ns)
{
	ct_le_count(h->le, ct_pull_le_ns, CT_PULL_NLE, ns);
	h->n++;
	h->sum_ns += ns;
}

/* What /metrics counts of p, under its engine (unknown if none). */
static void add_totals(struct ct_pulls *e, const struct ct_pull *p)
{
	int k = p->engine ? ct_engine_from_name(p->engine) : -1;
	struct ct_pull_totals *t = &e->totals[k > 0 ? k : CT_ENG_UNKNOWN];

	t->pulls++;
	t->complete += p->complete;
	for (size_t i = 0; i < p->nlayers; i++) {
		const struct ct_pull_layer *l = &p->layers[i];
		bool fetched = !l->cached && !l->fetched_by[0];

		t->layers += fetched;
		t->bytes += l->bytes;
		t->cached_layers += l->cached;
		t->cached_bytes += l->cached ? l->size : 0;
	}
	t->manifest_unread += p->manifest_src == CT_PULL_M_UNREAD;
	t->untraced_files += p->untraced_files;
	if (p->complete)
		hist_add(&t->dur, p->dur_ns);
	if (p->ttfb_ns)
		hist_add(&t->ttfb, p->ttfb_ns);
}

const struct ct_pull_totals *ct_pulls_totals(const struct ct_pulls *e,
					     int engine)
{
	if (!e || engine < 0 || engine >= CT_ENG_MAX ||
	    !e->totals[engine].pulls)
		return NULL;
	return &e->totals[engine];
}

static int cmp_u64_pair(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* The time covered by the layers' fetches, unpacks or both. */
static uint64_t union_ns(const struct ct_pull_layer *l, size_t n, bool fetch,
			 bool unpack)
{
	uint64_t (*iv)[2] = calloc(2 * n + 1, sizeof(*iv));
	uint64_t sum = 0, s = 0, e = 0;
	size_t k = 0;

	if (!iv)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (fetch && l[i].fetch_start_ns) {
			iv[k][0] = l[i].fetch_start_ns;
			iv[k++][1] = l[i].fetch_start_ns + l[i].fetch_dur_ns;
		}
		if (unpack && l[i].unpack_start_ns) {
			iv[k][0] = l[i].unpack_start_ns;
			iv[k++][1] = l[i].unpack_start_ns + l[i].unpack_dur_ns;
		}
	}
	qsort(iv, k, sizeof(*iv), cmp_u64_pair);
	for (size_t i = 0; i < k; i++) {
		if (e && iv[i][0] <= e) {
			e = pl_max_u64(e, iv[i][1]);
			continue;
		}
		sum += e - s;
		s = iv[i][0];
		e = iv[i][1];
	}
	free(iv);
	return sum + (e - s);
}

/* The start of the pull's first fetch (one it waited on too), or its end. */
static uint64_t first_fetch(const struct ct_pull *p)
{
	uint64_t t = p->start_ns + p->dur_ns;

	for (size_t i = 0; i < p->nlayers; i++)
		if (p->layers[i].fetch_start_ns && p->layers[i].fetch_start_ns < t)
			t = p->layers[i].fetch_start_ns;
	return t;
}

/* What held the pull up: time before its first fetch, time fetching (any
 * layer), and time unpacking while no fetch ran. */
static void critical_path(struct ct_pull *p)
{
	uint64_t both = union_ns(p->layers, p->nlayers, true, true);
	uint64_t f = first_fetch(p);

	p->before_fetch_ns = f > p->start_ns ? f - p->start_ns : 0;
	p->fetch_busy_ns = union_ns(p->layers, p->nlayers, true, false);
	p->unpack_only_ns = both > p->fetch_busy_ns ? both - p->fetch_busy_ns : 0;
}

int pl_emit(struct ct_pulls *e, struct ct_pull *p)
{
	critical_path(p);
	p->traced_from_ns = traced_from(e, p->start_ns);
	p->records_lost = lost_since(e, p->start_ns);
	p->complete = p->complete && !p->records_lost;
	add_totals(e, p);
	if (e->keep && e->npulls == e->keep)
		drop_oldest(e);
	if (ct_room((void **)&e->pulls, &e->pcap, e->npulls + 1,
		    sizeof(*e->pulls))) {
		free(p->layers);
		return -ENOMEM;
	}
	e->pulls[e->npulls++] = *p;
	if (e->on_pull)
		e->on_pull(p, e->ctx);
	return 0;
}

/* Drop events [0, k) of the (sorted) list. */
void pl_consume(struct stream *s, size_t k)
{
	for (size_t i = 0; i < k; i++)
		free(s->ev[i].img);
	memmove(s->ev, s->ev + k, (s->nev - k) * sizeof(*s->ev));
	s->nev -= k;
}

void pl_consume_if(struct stream *s, size_t k,
		   bool (*keep)(const struct ev *v, const void *arg),
		   const void *arg)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nev; i++) {
		if (i < k && !keep(&s->ev[i], arg)) {
			free(s->ev[i].img);
			continue;
		}
		s->ev[n++] = s->ev[i];
	}
	s->nev = n;
}

bool pl_has_image(const struct ev *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == EV_IMAGE)
			return true;
	return false;
}

bool pl_is_unread(const struct ev *v)
{
	return v->kind == EV_IMAGE && v->img->source == CT_PULL_M_UNREAD;
}

void pl_unfetched(struct ct_pulls *e, struct ct_pull *p, uint32_t pid)
{
	for (size_t i = 0; i < p->nlayers; i++) {
		struct ct_pull_layer *l = &p->layers[i];
		const struct pl_recent *r;

		if (l->fetch_start_ns || l->untraced)
			continue;
		r = pl_recent_find(e, pid, l->digest);
		if (!r || r->l.fetch_start_ns + r->l.fetch_dur_ns <= p->start_ns) {
			l->cached = true;
			continue;
		}
		memcpy(l->fetched_by, r->image, sizeof(l->fetched_by));
		l->fetch_start_ns = r->l.fetch_start_ns;
		l->fetch_dur_ns = r->l.fetch_dur_ns;
		if (!l->unpack_start_ns) {
			l->unpack_start_ns = r->l.unpack_start_ns;
			l->unpack_dur_ns = r->l.unpack_dur_ns;
		}
	}
}

void pl_recent_add(struct ct_pulls *e, uint32_t pid, const struct ct_pull *p,
		   const struct ct_pull_layer *l)
{
	struct pl_recent *r;

	ct_fifo_make_room(e->recent, &e->nrecent, PL_RECENT, sizeof(*r));
	r = &e->recent[e->nrecent++];
	r->pid = pid;
	memcpy(r->digest, l->digest, sizeof(r->digest));
	memcpy(r->image, p->image, sizeof(r->image));
	r->l = *l;
}

const struct pl_recent *pl_recent_find(const struct ct_pulls *e, uint32_t pid,
				       const char *digest)
{
	for (size_t i = e->nrecent; i-- > 0;)
		if (e->recent[i].pid == pid && digest[0] &&
		    !strcmp(e->recent[i].digest, digest))
			return &e->recent[i];
	return NULL;
}

/* A stream's events all go. */
static void drop_all(struct stream *s)
{
	pl_consume(s, s->nev);
}

/* Events that belong to a pull ending at @end come first once sorted. */
size_t pl_split_at(struct stream *s, uint64_t end)
{
	size_t k = 0;

	qsort(s->ev, s->nev, sizeof(*s->ev), pl_cmp_ev);
	/* a blob closed after the end but opened before belongs here */
	for (size_t i = 0; i < s->nev; i++) {
		struct ev *v = &s->ev[i];
		uint64_t t = v->kind == EV_BLOB ? v->blob.open_ns : v->ts;

		if (t <= end) {
			struct ev tmp = *v;

			memmove(&s->ev[k + 1], &s->ev[k], (i - k) * sizeof(*v));
			s->ev[k++] = tmp;
		}
	}
	return k;
}

/* Events that no pull can claim any more: old connects, lone untars. */
static void prune(struct stream *s, uint64_t now)
{
	size_t k = 0;

	if (s->nev < 4096)
		return;
	for (size_t i = 0; i < s->nev; i++) {
		if (s->ev[i].kind == EV_BLOB || s->ev[i].kind == EV_RENAME ||
		    s->ev[i].ts + 60 * CT_PULL_GRACE_NS >= now)
			s->ev[k++] = s->ev[i];
		else
			free(s->ev[i].img);
	}
	s->nev = k;
}

/* daemon k's pull of s, finished by its builder (0 if it has none). */
static int finish(struct ct_pulls *e, struct stream *s, enum ct_engine_kind k,
		  bool complete)
{
	return e->b[k] ? e->b[k]->finish(e, s, complete) : 0;
}

static bool pending(const struct ct_pulls *e, const struct stream *s,
		    enum ct_engine_kind k)
{
	return e->b[k] && e->b[k]->pending && e->b[k]->pending(s);
}

/* A blob file sent at its open, the hooks on its writes off then
 * (include/pull.h): it may still be open, holding nothing. */
static bool sent_at_open(const struct ev *v)
{
	return v->kind == EV_BLOB && v->untraced && !v->blob.first_write_ns &&
	       !v->blob.first_read_ns;
}

/*
 * A pull whose end never came (its client killed, its registry gone) is
 * over once its daemon's pull files are all closed: the syscall hooks
 * were detached after s's last event (open blob files hold them,
 * user/kern/arm.h; not one sent at its open, which may be open still,
 * its pull going on), or, with the hooks held otherwise, nothing of s
 * came for CT_PULL_ABANDON_NS.
 */
static bool abandoned(const struct ct_pulls *e, const struct stream *s)
{
	uint64_t last = 0;
	bool held = true;

	for (size_t i = 0; i < s->nev; i++) {
		last = pl_max_u64(last, s->ev[i].ts);
		held &= !sent_at_open(&s->ev[i]);
	}
	if (held && ct_arm_log_next(&e->arms, pl_wall(e, last), false))
		return true;
	return e->now > last + CT_PULL_ABANDON_NS;
}

/* The first builder, in the table's order, whose pull is due finishes
 * it; one that still holds something of s makes the later ones wait,
 * unless what it holds was abandoned (finished, not complete). */
static int advance_stream(struct ct_pulls *e, struct stream *s)
{
	int rc = 0;

	for (int k = 0; k < CT_ENG_MAX; k++) {
		if (!e->b[k])
			continue;
		if (e->b[k]->due(s, e->now)) {
			rc = finish(e, s, k, true);
			break;
		}
		if (!e->b[k]->holds(s))
			continue;
		if (!e->b[k]->ended(s) && pending(e, s, k) && abandoned(e, s))
			rc = finish(e, s, k, false);
		break;
	}
	prune(s, e->now);
	return rc;
}

int pl_advance(struct ct_pulls *e, uint64_t now)
{
	int rc = 0;

	if (now > e->now)
		e->now = now;
	for (size_t i = 0; i < e->nst; i++) {
		int r = advance_stream(e, &e->st[i]);

		if (!rc)
			rc = r;
	}
	return rc;
}

void ct_pulls_tick(struct ct_pulls *e, uint64_t now_mono_ns)
{
	if (e)
		pl_advance(e, now_mono_ns);
}

void ct_pulls_flush(struct ct_pulls *e)
{
	if (!e)
		return;
	e->flushing = true;
	for (size_t i = 0; i < e->nst; i++) {
		struct stream *s = &e->st[i];

		for (int k = 0; k < CT_ENG_MAX; k++) {
			if (!e->b[k])
				continue;
			if (e->b[k]->ended(s))
				finish(e, s, k, true);
			if (pending(e, s, k))
				finish(e, s, k, false);
		}
		drop_all(s);
	}
}

struct ct_pulls *ct_pulls_new(int64_t mono_to_real_ns,
			      const struct ct_procs *model,
			      const struct ct_pull_builder *const *builders,
			      ct_pull_cb on_pull, void *ctx)
{
	struct ct_pulls *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	for (int k = 0; builders && k < CT_ENG_MAX; k++)
		e->b[k] = builders[k];
	e->m2r = mono_to_real_ns;
	e->model = model;
	e->on_pull = on_pull;
	e->ctx = ctx;
	return e;
}

void ct_pulls_keep(struct ct_pulls *e, size_t max)
{
	e->keep = max;
}

void ct_pulls_free(struct ct_pulls *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->npulls; i++)
		free(e->pulls[i].layers);
	free(e->pulls);
	for (size_t i = 0; i < e->nst; i++) {
		drop_all(&e->st[i]);
		free(e->st[i].ev);
	}
	free(e->st);
	free(e);
}

size_t ct_pulls_count(const struct ct_pulls *e)
{
	return e ? e->npulls : 0;
}

const struct ct_pull *ct_pulls_get(const struct ct_pulls *e, size_t i)
{
	return e && i < e->npulls ? &e->pulls[i] : NULL;
}

const struct ct_pull *ct_pulls_before(const struct ct_pulls *e,
				      uint64_t wall_ns, uint64_t max_gap_ns)
{
	for (size_t i = e ? e->npulls : 0; i-- > 0;) {
		const struct ct_pull *p = &e->pulls[i];
		uint64_t end = p->start_ns + p->dur_ns;

		if (end <= wall_ns && wall_ns - end <= max_gap_ns)
			return p;
	}
	return NULL;
}

void ct_pulls_settle(struct ct_pulls *e, uint64_t wall_ns)
{
	uint64_t before = e && wall_ns > (uint64_t)e->m2r ?
			  wall_ns - (uint64_t)e->m2r : 0;

	for (size_t i = 0; e && i < e->nst; i++)
		for (int k = 0; k < CT_ENG_MAX; k++)
			if (e->b[k] && e->b[k]->settle)
				e->b[k]->settle(e, &e->st[i], before);
}

/* A container of image (as its engine keeps it, "" unknown) may have
 * waited for p: p is of that image, or either is not named. */
static bool image_fits(const char *image, const struct ct_pull *p)
{
	return !image[0] || !p->image[0] || !strcmp(image, p->image) ||
	       pl_same_ref(image, p->image);
}

/* The latest pull of process pid that ended by wall_ns, or NULL. */
static struct ct_pull *pulled_by(struct ct_pulls *e, uint32_t pid,
				 uint64_t wall_ns, uint64_t max_gap_ns)
{
	for (size_t i = e && pid ? e->npulls : 0; i-- > 0;) {
		struct ct_pull *p = &e->pulls[i];
		uint64_t end = p->start_ns + p->dur_ns;

		if (p->puller == pid && end <= wall_ns &&
		    wall_ns - end <= max_gap_ns && !p->claimed)
			return p->complete ? p : NULL;
	}
	return NULL;
}

const struct ct_pull *ct_pulls_claim(struct ct_pulls *e, uint64_t wall_ns,
				     uint64_t max_gap_ns, const char *image,
				     uint32_t client_pid)
{
	struct ct_pull *p;

	image = image ? image : "";
	ct_pulls_settle(e, wall_ns);
	p = pulled_by(e, client_pid, wall_ns, max_gap_ns);
	if (p) {
		p->claimed = true;
		return p;
	}
	/* pulls at once end in any order: the latest of this image first */
	for (size_t i = e ? e->npulls : 0; image[0] && i-- > 0;) {
		uint64_t end;

		p = &e->pulls[i];
		end = p->start_ns + p->dur_ns;
		if (end <= wall_ns && wall_ns - end <= max_gap_ns &&
		    p->complete && !p->claimed && p->image[0] &&
		    image_fits(image, p)) {
			p->claimed = true;
			return p;
		}
	}
	p = (struct ct_pull *)ct_pulls_before(e, wall_ns, max_gap_ns);
	if (!p || !p->complete || p->claimed || !image_fits(image, p))
		return NULL;
	p->claimed = true;
	return p;
}
