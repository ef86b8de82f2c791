// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Podman's image pulls (pulls.c has the records).  Podman pulls in its
 * own process (`podman pull`, `podman run`'s implicit pull, the API
 * service), so each podman process is its own stream and pulls at once
 * are apart by process.  Podman 4.3 and 5.8, as traced on this machine,
 * per blob (layers and the image's config): written to
 * <tmp>/storage<random>/<n> (fetch, several at once), closed; opened
 * again and read back while a storage-untar child (podman re-executed)
 * unpacks it, one layer after the other in the manifest's order; the
 * image is stored by renames, that of overlay-images/<id>/manifest
 * among them: the end of the pull (its mark).  The store reader
 * (podman_store.c) reads the image that rename names; a blob gets its
 * layer by that manifest, by its size and the order blobs were read
 * back in (assign()).
 *
 * A stream without a registry connect stored an image it did not pull
 * (`podman import`, `load`, `build`, `commit`): no record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "engine.h"
#include "pulls_api.h"
#include "util.h"

/*
 * The image record waits for the store reader (podman_store.c: up to
 * 2 s after the mark); without it, the blobs make an unnamed pull.
 */
#define IMAGE_WAIT_NS	CT_PULL_IDLE_NS

static bool is_blob(const struct ev *v)
{
	return v->kind == EV_BLOB && v->sub == CT_PULL_F_PODMAN_BLOB;
}

/* Written (a fetch), not opened again to be read back. */
static bool is_fetch(const struct ev *v)
{
	return is_blob(v) && !v->blob.reads;
}

/* A blob's fetch and, if it came, its read-back (opened after that
 * fetch's close, by path: the numbered file names are the process's). */
struct pair {
	struct ev *f, *r;
	int layer;		/* the image's layer it is, -1 none */
};

static struct ev *read_back(struct ev *ev, size_t n, const struct ev *f)
{
	for (size_t i = 0; i < n; i++)
		if (is_blob(&ev[i]) && ev[i].blob.reads &&
		    ev[i].blob.open_ns >= f->ts &&
		    !strcmp(ev[i].blob.path, f->blob.path))
			return &ev[i];
	return NULL;
}

/* The storage-untar that ran while r was read back. */
static struct ev *find_untar(struct ev *ev, size_t n, const struct ev *r)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == EV_HELPER && !ev[i].used &&
		    ev[i].ts >= r->blob.first_read_ns &&
		    ev[i].ts <= r->blob.last_read_ns)
			return &ev[i];
	return NULL;
}

/* A fetched layer of pair pr's: bytes, fetch and unpack. */
static void fetched_layer(struct ct_pulls *e, struct ev *ev, size_t n,
			  const struct pair *pr, struct ct_pull_layer *l)
{
	const struct ev *f = pr->f, *r = pr->r;
	uint64_t start, end;
	struct ev *u;

	l->untraced = f->untraced || (r && r->untraced);
	l->bytes = f->blob.bytes_written;
	l->fetch_start_ns = pl_wall(e, f->blob.open_ns);
	l->fetch_dur_ns = pl_fetch_dur(f);
	if (!r || !r->blob.first_read_ns)
		return;
	start = r->blob.first_read_ns;
	end = r->blob.last_read_ns;
	u = find_untar(ev, n, r);
	if (u) {
		u->used = true;
		end = pl_max_u64(end, pl_exit(e, u->pid, u->ts));
	}
	l->unpack_start_ns = pl_wall(e, start);
	l->unpack_dur_ns = end - start;
}

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	uint64_t tx = x->r ? x->r->blob.first_read_ns : UINT64_MAX;
	uint64_t ty = y->r ? y->r->blob.first_read_ns : UINT64_MAX;

	if (tx != ty)
		return tx < ty ? -1 : 1;
	return x->f->blob.open_ns < y->f->blob.open_ns ? -1 :
	       x->f->blob.open_ns > y->f->blob.open_ns;
}

/* ev[0, n)'s fetches, in the order they were read back (the rest after,
 * in the order they were opened); NULL with *np 0 if none; -ENOMEM. */
static int pairs_of(struct ev *ev, size_t n, struct pair **out, size_t *np)
{
	struct pair *p;
	size_t m = 0;

	*out = NULL;
	*np = 0;
	for (size_t i = 0; i < n; i++)
		m += is_fetch(&ev[i]) && !ev[i].used;
	if (!m)
		return 0;
	p = calloc(m, sizeof(*p));
	if (!p)
		return -ENOMEM;
	m = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_fetch(&ev[i]) || ev[i].used)
			continue;
		p[m].f = &ev[i];
		p[m].r = read_back(ev, n, &ev[i]);
		p[m++].layer = -1;
	}
	qsort(p, m, sizeof(*p), cmp_pair);
	*out = p;
	*np = m;
	return 0;
}

/* The last layer of im's under `below`, not taken, that is b bytes. */
static int layer_fits(const struct ct_pull_image *im, const bool *taken,
		      uint32_t below, uint64_t b)
{
	for (uint32_t j = below; j-- > 0;)
		if (!taken[j] && im->layers[j].size == b)
			return (int)j;
	return -1;
}

/*
 * Each blob its layer.  Layers are read back in the manifest's order,
 * and Podman stores a layer by its chain (it and every layer under
 * it), so the layers a pull found stored are under every one it
 * fetched: from the last blob read back down, each takes the highest
 * layer below the one above it whose size it has (layers of one size
 * are told apart so); a blob never read back (an interrupted commit)
 * the highest one of its size left.  The config and any blob no layer
 * is as long as stay without one.
 */
static void assign(struct pair *p, size_t np, const struct ct_pull_image *im)
{
	bool taken[CT_PULL_IMAGE_LAYERS] = { false };
	uint32_t cur = im->nlayers;

	for (size_t i = np; i-- > 0;) {
		int j;

		if (!p[i].r || p[i].f->untraced)
			continue;
		j = layer_fits(im, taken, cur, p[i].f->blob.bytes_written);
		if (j < 0)
			continue;
		p[i].layer = j;
		taken[j] = true;
		cur = (uint32_t)j;
	}
	for (size_t i = 0; i < np; i++) {
		int j;

		if (p[i].r || p[i].f->untraced)
			continue;
		j = layer_fits(im, taken, im->nlayers,
			       p[i].f->blob.bytes_written);
		if (j >= 0) {
			p[i].layer = j;
			taken[j] = true;
		}
	}
}

static bool has_connect(const struct ev *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == EV_CONNECT && ev[i].sub == CT_ENG_PODMAN)
			return true;
	return false;
}

/* The start of a pull no `podman pull` asked for (`podman run`'s, the
 * service's): its first registry connect, else its first blob. */
static uint64_t unasked_start(const struct ev *ev, size_t n, uint64_t first)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == EV_CONNECT && ev[i].sub == CT_ENG_PODMAN &&
		    ev[i].ts <= first)
			return ev[i].ts;
	return first;
}

/* p's start, its client's or its own, its span up to end and its time
 * to first byte (its layers stay in the manifest's order). */
static void pull_span(struct ct_pulls *e, struct ct_pull *p, struct ev *ev,
		      size_t n, uint64_t cts, uint64_t first, uint64_t end)
{
	uint64_t st = cts ? pl_pull_start(ev, n, CT_ENG_PODMAN, cts, first) :
			    unasked_start(ev, n, first);
	uint64_t fw = UINT64_MAX;

	for (size_t i = 0; i < n; i++)
		if (is_fetch(&ev[i]) && ev[i].used &&
		    ev[i].blob.first_write_ns && ev[i].blob.first_write_ns < fw)
			fw = ev[i].blob.first_write_ns;
	p->start_ns = pl_wall(e, st);
	p->dur_ns = end > st ? end - st : 0;
	p->ttfb_ns = fw != UINT64_MAX && fw > st ? fw - st : 0;
}

/*
 * The blobs of ev[0, n), podman process pid's, as one pull into *p,
 * without the store's layers (its image unread: unread, the store's
 * record of it; NULL: never stored): every blob file, the config among
 * them, in the order they were fetched, named by that record, else by
 * its client if one asked (pl_take_name()).
 */
static int blobs_pull(struct ct_pulls *e, uint32_t pid, struct ev *ev,
		      size_t n, uint64_t end, bool complete,
		      const struct ct_pull_image *unread, struct ct_pull *p)
{
	uint64_t first = UINT64_MAX, cts;
	struct pair *pr;
	size_t np;
	int rc;

	memset(p, 0, sizeof(*p));
	p->engine = ct_engine_name(CT_ENG_PODMAN);
	p->complete = complete;
	p->puller = pid;
	rc = pairs_of(ev, n, &pr, &np);
	if (rc || (!np && !unread))
		return rc;
	p->layers = calloc(np ? np : 1, sizeof(*p->layers));
	if (!p->layers) {
		free(pr);
		return -ENOMEM;
	}
	for (size_t i = 0; i < np; i++) {
		pr[i].f->used = true;
		if (pr[i].r)
			pr[i].r->used = true;
		first = pr[i].f->blob.open_ns < first ?
			pr[i].f->blob.open_ns : first;
		fetched_layer(e, ev, n, &pr[i], &p->layers[p->nlayers++]);
		if (!complete)
			end = pl_max_u64(end, pl_max_u64(pr[i].f->ts,
					 pr[i].r ? pr[i].r->ts : 0));
	}
	free(pr);
	first = np ? first : end;	/* unread, its layers all there */
	p->untraced_files = pl_untraced(ev, n);
	cts = pl_take_name(e, p, unread, CT_ENG_PODMAN, first, end,
			   pl_pull_port(ev, n, first));
	pl_finish_layers(p, 0, 0);	/* in fetch order: no manifest */
	pull_span(e, p, ev, n, cts, first, end);
	return 0;
}

/*
 * iv's image's pull, of the blobs of ev[0, n), into *p: its own
 * fetches and unpacks, each given to the pulls built after it (those
 * of its group, finish_group(), among them).
 */
static int build_image(struct ct_pulls *e, struct ev *ev, size_t n,
		       const struct ev *iv, bool complete, struct ct_pull *p)
{
	const struct ct_pull_image *im = iv->img;
	uint64_t first = iv->ts, cts;
	struct pair *pr;
	size_t np;

	if (im->source == CT_PULL_M_UNREAD)
		return blobs_pull(e, iv->pid, ev, n, iv->ts, complete, im, p);
	memset(p, 0, sizeof(*p));
	p->puller = iv->pid;
	p->engine = ct_engine_name(CT_ENG_PODMAN);
	p->complete = complete;
	p->manifest_src = im->source;
	p->layers_total = im->layers_total;
	p->nlayers = im->nlayers;
	if (pairs_of(ev, n, &pr, &np))
		return -ENOMEM;
	p->layers = calloc(im->nlayers ? im->nlayers : 1, sizeof(*p->layers));
	if (!p->layers) {
		free(pr);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->nlayers; i++) {
		memcpy(p->layers[i].digest, im->layers[i].digest,
		       sizeof(p->layers[i].digest));
		p->layers[i].size = im->layers[i].size;
		p->layers[i].unpacked = im->layers[i].unpacked;
	}
	assign(pr, np, im);
	for (size_t i = 0; i < np; i++) {
		pr[i].f->used = true;
		if (pr[i].r)
			pr[i].r->used = true;
		first = pr[i].f->blob.open_ns < first ?
			pr[i].f->blob.open_ns : first;
		if (pr[i].layer >= 0)
			fetched_layer(e, ev, n, &pr[i], &p->layers[pr[i].layer]);
	}
	free(pr);
	p->untraced_files = pl_untraced(ev, n);
	ct_copy_str(p->manifest, sizeof(p->manifest), im->manifest,
		    sizeof(im->manifest));
	ct_copy_str(p->image, sizeof(p->image), im->ref, sizeof(im->ref));
	cts = pl_take_client_of(e, CT_ENG_PODMAN, im->ref, first);
	pull_span(e, p, ev, n, cts, first, iv->ts);
	for (size_t i = 0; i < p->nlayers; i++)
		if (p->layers[i].fetch_start_ns)
			pl_recent_add(e, 0, p, &p->layers[i]);
	return 0;
}

/*
 * p out, with the layers it did not fetch: podman processes share no
 * fetch, so a layer another one fetched while this one ran was stored
 * when this one asked for it (fetched_by that pull), else cached.
 */
static int emit_image(struct ct_pulls *e, struct ct_pull *p)
{
	pl_unfetched(e, p, 0);
	ct_pull_concurrency(p->layers, p->nlayers, &p->conc_max,
			    &p->conc_mean);
	return pl_emit(e, p);
}

/* The blobs of ev[0, n) as one pull, out. */
static int build_blobs(struct ct_pulls *e, uint32_t pid, struct ev *ev,
		       size_t n, uint64_t end, bool complete)
{
	struct ct_pull p;
	int rc = blobs_pull(e, pid, ev, n, end, complete, NULL, &p);

	return rc || !p.layers ? rc : pl_emit(e, &p);
}

/* Pulls of podman processes built together (finish_group()). */
#define GROUP	32

/* Another podman process whose pull ended (its mark) and whose image
 * record the store reader may still send. */
static bool image_awaited(const struct ct_pulls *e, const struct stream *s)
{
	for (size_t i = 0; i < e->nst; i++) {
		const struct stream *t = &e->st[i];
		uint64_t end = t->mark[CT_ENG_PODMAN];

		if (t != s && end && !e->flushing &&
		    e->now <= end + IMAGE_WAIT_NS &&
		    !pl_has_image(t->ev, t->nev))
			return true;
	}
	return false;
}

/*
 * s's pull and those of every other podman process whose image is
 * stored too: a pull at once may have found stored a layer another
 * fetched, and that one's fetch must be known before it goes out (the
 * one that ended first is built first).  Each stream's events up to
 * its mark consumed.  Unless a container waits for it (!wait), not
 * while another one's image record is awaited: that pull belongs in
 * the group (advance_stream() tries again).
 */
static int finish_group(struct ct_pulls *e, struct stream *s, bool wait)
{
	struct stream *g[GROUP];
	size_t ng = 0, np = 0, nimg = 0, k[GROUP];
	struct ct_pull *p;
	int rc = 0;

	if (wait && image_awaited(e, s))
		return 0;
	g[ng++] = s;
	for (size_t i = 0; i < e->nst && ng < GROUP; i++)
		if (&e->st[i] != s && e->st[i].mark[CT_ENG_PODMAN] &&
		    pl_has_image(e->st[i].ev, e->st[i].nev))
			g[ng++] = &e->st[i];
	for (size_t j = 0; j < ng; j++)
		for (size_t i = 0; i < g[j]->nev; i++)
			nimg += g[j]->ev[i].kind == EV_IMAGE;
	p = calloc(nimg, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (size_t j = 0; j < ng; j++) {
		struct ev *ev = g[j]->ev;
		bool pulled;

		k[j] = pl_split_at(g[j], g[j]->mark[CT_ENG_PODMAN]);
		pulled = has_connect(ev, k[j]);
		for (size_t i = 0; !rc && pulled && i < k[j]; i++)
			if (ev[i].kind == EV_IMAGE)
				rc = build_image(e, ev, k[j], &ev[i], true,
						 &p[np++]);
	}
	/* built whole or not at all; emitted, each is the tracker's */
	for (size_t i = 0; i < np; i++)
		if (rc)
			free(p[i].layers);
		else
			rc = emit_image(e, &p[i]);
	free(p);
	for (size_t j = 0; j < ng; j++) {
		pl_consume(g[j], k[j]);
		g[j]->mark[CT_ENG_PODMAN] = 0;
	}
	return rc;
}

/*
 * The pulls of s's events up to its mark: with its image record as a
 * group (complete), else its blobs as one pull; without a mark (its
 * process ended, killed), every event of s as one pull, not complete.
 */
static int finish(struct ct_pulls *e, struct stream *s, bool complete)
{
	uint64_t end = complete ? s->mark[CT_ENG_PODMAN] : UINT64_MAX;
	size_t k;
	int rc = 0;

	if (complete && pl_has_image(s->ev, s->nev))
		return finish_group(e, s, true);
	k = pl_split_at(s, end);
	if (has_connect(s->ev, k))
		rc = build_blobs(e, s->pid, s->ev, k, complete ? end : 0,
				 complete);
	pl_consume(s, k);
	s->mark[CT_ENG_PODMAN] = 0;
	return rc;
}

static bool pending(const struct stream *s)
{
	for (size_t i = 0; i < s->nev; i++)
		if (is_blob(&s->ev[i]))
			return true;
	return false;
}

/* Its end mark: the rename of an image's manifest. */
static void note(struct stream *s, struct ev *v)
{
	if (v->kind == EV_RENAME && v->sub == CT_PULL_R_PODMAN_MANIFEST &&
	    v->ts > s->mark[CT_ENG_PODMAN])
		s->mark[CT_ENG_PODMAN] = v->ts;
}

static bool ended(const struct stream *s)
{
	return s->mark[CT_ENG_PODMAN];
}

/* A grace after the mark once the image record came; without it, the
 * store reader's last try. */
static bool due(const struct stream *s, uint64_t now)
{
	uint64_t end = s->mark[CT_ENG_PODMAN];

	if (!end)
		return false;
	if (pl_has_image(s->ev, s->nev))
		return now > end + CT_PULL_GRACE_NS;
	return now > end + IMAGE_WAIT_NS;
}

static bool holds(const struct stream *s)
{
	return s->mark[CT_ENG_PODMAN] || pending(s);
}

/* A container waits: its pull is whole once its image record came. */
static int settle(struct ct_pulls *e, struct stream *s, uint64_t before)
{
	(void)before;
	return ended(s) && pl_has_image(s->ev, s->nev) ?
	       finish_group(e, s, false) : 0;
}

const struct ct_pull_builder ct_podman_pull_builder = {
	.daemon = CT_PROG_PODMAN,
	.client = CT_PROG_PODMAN,
	/* podman re-execs itself to unpack each layer */
	.helper = "storage-untar",
	.note = note,
	.finish = finish,
	.pending = pending,
	.ended = ended,
	.due = due,
	.holds = holds,
	.settle = settle,
	.store = &ct_podman_pull_store,
};
