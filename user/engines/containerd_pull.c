// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * containerd's image pulls (pulls.c has the records): each layer is
 * fetched into an ingest file, renamed into blobs/sha256/<digest>, then
 * read back through the decompressor (unpack).  The pull has no end
 * mark: it is over once the daemon has been idle for CT_PULL_IDLE_NS.
 * Pulls at once are told apart by the images its store names
 * (containerd_store.c), each with its manifest's layers; an image whose
 * manifest could not be read takes the blobs the others left.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "engine.h"
#include "pulls_api.h"
#include "util.h"

/*
 * Read-back of a containerd blob after its fetch was over: unpack (2.x
 * unpacks a layer while the next ones are still fetching).  Manifests
 * and configs are read back too, but by content.ReadBlob: one pread64
 * of exactly their size; a layer is streamed through the decompressor,
 * which needs at least one more read to see the end.
 */
static void ctrd_unpack(struct ct_pulls *e, struct ev *ev, size_t n,
			const char *digest, uint64_t fetch_end,
			struct ct_pull_layer *l)
{
	uint64_t start = 0, end = 0;

	for (size_t i = 0; i < n; i++) {
		const struct ev *r = &ev[i];

		if (r->kind != EV_BLOB || r->sub != CT_PULL_F_CTRD_BLOB ||
		    !r->blob.first_read_ns ||
		    r->blob.first_read_ns < fetch_end || r->blob.reads < 2 ||
		    strcmp(r->digest, digest))
			continue;
		if (!start || r->blob.first_read_ns < start)
			start = r->blob.first_read_ns;
		end = pl_max_u64(end, r->blob.last_read_ns);
	}
	if (!start)
		return;
	l->unpack_start_ns = pl_wall(e, start);
	l->unpack_dur_ns = end - start;
}

/* Digest of an ingest file: its rename into blobs/sha256/. */
static const char *ingest_digest(const struct ev *ev, size_t n,
				 const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == EV_RENAME && ev[i].sub == CT_PULL_R_CTRD_BLOB &&
		    !strcmp(ev[i].oldpath, path))
			return ev[i].digest;
	return "";
}

static bool has_connect(const struct ev *ev, size_t n, uint64_t before)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == EV_CONNECT && ev[i].ts <= before)
			return true;
	return false;
}

/* Whether a connect to port may be to the registry reference ref names:
 * its port, 443 or 80 when it names none, any when it cannot be read. */
static bool registry_port(uint16_t port, const char *ref)
{
	uint16_t want = ct_pull_ref_port(ref);

	return !want || port == want || (want == 443 && port == 80);
}

/*
 * A connect of containerd's (a CRI pull's: the daemon fetches) within
 * [from - 10 s, to] (monotonic), to the registry of the image's
 * reference ref.  containerd connects to others too: its own spans'
 * collector when it exports them over OTLP/TCP, every few seconds.
 */
static bool connect_near(const struct ev *ev, size_t n, uint64_t from,
			 uint64_t to, const char *ref)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == EV_CONNECT && ev[i].ts <= to &&
		    ev[i].ts + 10 * CT_PULL_GRACE_NS >= from &&
		    registry_port(ev[i].port, ref))
			return true;
	return false;
}

/*
 * The pull of every blob of ev[0, n), its layers in the order they were
 * fetched: named by unread, the store's record of its image if it came
 * without layers (NULL: none; pl_take_name()).
 */
static int build_ctrd(struct ct_pulls *e, struct ev *ev, size_t n,
		      const struct ct_pull_image *unread)
{
	struct ct_pull p = {
		.engine = ct_engine_name(CT_ENG_CONTAINERD),
		.complete = true,
	};
	uint64_t first_open = UINT64_MAX, first_write = UINT64_MAX;
	uint64_t end = 0, cts, st;
	size_t ni = 0, k = 0;
	bool importing;

	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind == EV_BLOB && ev[i].sub == CT_PULL_F_CTRD_INGEST)
			ni++;
		if (ev[i].kind == EV_BLOB)
			end = pl_max_u64(end, pl_max_u64(ev[i].ts,
						ev[i].blob.last_read_ns));
	}
	if (!ni)
		return unread ? pl_emit_unread_bare(e, CT_ENG_CONTAINERD,
						    unread, ev, n) : 0;
	p.layers = calloc(ni, sizeof(*p.layers));
	if (!p.layers)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct ev *b = &ev[i];
		struct ct_pull_layer *l = &p.layers[k];

		if (b->kind != EV_BLOB || b->sub != CT_PULL_F_CTRD_INGEST)
			continue;
		ct_copy_str(l->digest, sizeof(l->digest),
			    ingest_digest(ev, n, b->blob.path),
			    CT_PULL_DIGEST_LEN);
		l->untraced = b->untraced;
		l->bytes = b->blob.bytes_written;
		l->fetch_start_ns = pl_wall(e, b->blob.open_ns);
		l->fetch_dur_ns = pl_fetch_dur(b);
		ctrd_unpack(e, ev, n, l->digest, b->blob.last_write_ns, l);
		if (b->blob.open_ns < first_open)
			first_open = b->blob.open_ns;
		if (b->blob.first_write_ns &&
		    b->blob.first_write_ns < first_write)
			first_write = b->blob.first_write_ns;
		k++;
	}
	/*
	 * Manifests and configs are fetched too: keep what was unpacked,
	 * and what was never committed (its pull interrupted: the client
	 * killed, the registry gone; then the pull is not complete), if
	 * its file was followed whole: one the hooks came late to may
	 * have been committed unseen.  Nothing of either: dockerd caching
	 * a manifest in containerd's content store (seen in a guest whose
	 * hooks a clientless pull's connect attached 1.4 s late), or `ctr
	 * content fetch`, not an image pull.
	 */
	p.nlayers = 0;
	for (size_t i = 0; i < k; i++) {
		bool lost = !p.layers[i].digest[0] && !p.layers[i].untraced;

		p.complete = p.complete && p.layers[i].digest[0];
		if (p.layers[i].unpack_start_ns || lost)
			p.layers[p.nlayers++] = p.layers[i];
	}
	if (!p.nlayers) {
		free(p.layers);
		return unread ? pl_emit_unread_bare(e, CT_ENG_CONTAINERD,
						    unread, ev, n) : 0;
	}
	cts = pl_take_name(e, &p, unread, -1, first_open, end,
			   pl_pull_port(ev, n, first_open));
	/* `ctr images import` ingests and unpacks too, but connects to no
	 * registry, and commits all it ingests but a blob the store had
	 * already (an import of an image some of whose blobs another
	 * namespace holds: its ingest is dropped uncommitted); with the
	 * store's record of the image, as build_image() tells */
	importing = pl_importing(e, first_open, end);
	if (!cts && (p.complete || importing) &&
	    (unread ? importing &&
		      !connect_near(ev, n, first_open, end, unread->ref) :
		      !has_connect(ev, n, first_open))) {
		free(p.layers);
		return 0;
	}
	p.untraced_files = pl_untraced(ev, n);
	st = pl_pull_start(ev, n, CT_ENG_CONTAINERD, cts, first_open);
	p.start_ns = pl_wall(e, st);
	p.dur_ns = end > st ? end - st : 0;
	pl_finish_layers(&p, st, first_write == UINT64_MAX ? 0 : first_write);
	return pl_emit(e, &p);
}

/* ---- pulls apart: the images containerd's store named ---- */

static bool is_ingest(const struct ev *v)
{
	return v->kind == EV_BLOB && v->sub == CT_PULL_F_CTRD_INGEST;
}

/* The unused ingest file of a blob with digest d (its rename's) of an
 * image stored at `stored`: the last one opened by then (pulls one
 * after the other may be built together, each fetching it once the one
 * before removed its image). */
static struct ev *own_ingest(struct ev *ev, size_t n, const char *d,
			     uint64_t stored)
{
	struct ev *b = NULL;

	for (size_t i = 0; d[0] && i < n; i++)
		if (is_ingest(&ev[i]) && !ev[i].used &&
		    ev[i].blob.open_ns <= stored &&
		    (!b || ev[i].blob.open_ns > b->blob.open_ns) &&
		    !strcmp(ingest_digest(ev, n, ev[i].blob.path), d))
			b = &ev[i];
	return b;
}

/* What a pull did itself, in monotonic time. */
struct own {
	size_t n;		/* layers fetched or unpacked */
	uint64_t first, first_write, end;
};

/* p's layers from im, the ingests of its own fetches (used from now on);
 * im stored at `stored`. */
static void own_fetches(struct ct_pulls *e, struct ev *ev, size_t n,
			const struct ct_pull_image *im, uint64_t stored,
			struct ct_pull *p, struct own *o)
{
	for (size_t i = 0; i < p->nlayers; i++) {
		struct ct_pull_layer *l = &p->layers[i];
		struct ev *b = own_ingest(ev, n, im->layers[i].digest, stored);

		memcpy(l->digest, im->layers[i].digest, sizeof(l->digest));
		l->size = im->layers[i].size;
		l->unpacked = im->layers[i].unpacked;
		if (!b)
			continue;
		b->used = true;
		o->n++;
		l->untraced = b->untraced;
		l->bytes = b->blob.bytes_written;
		l->fetch_start_ns = pl_wall(e, b->blob.open_ns);
		l->fetch_dur_ns = pl_fetch_dur(b);
		if (b->blob.open_ns < o->first)
			o->first = b->blob.open_ns;
		if (b->blob.first_write_ns &&
		    b->blob.first_write_ns < o->first_write)
			o->first_write = b->blob.first_write_ns;
		o->end = pl_max_u64(o->end, b->ts);
	}
}

/* A read-back through the decompressor (ctrd_unpack()'s) of digest d by
 * no pull yet, begun at or after `after`. */
static bool unpack_of(const struct ev *r, const char *d, uint64_t after)
{
	return r->kind == EV_BLOB && r->sub == CT_PULL_F_CTRD_BLOB &&
	       !r->used && r->blob.first_read_ns &&
	       r->blob.first_read_ns >= after && r->blob.reads >= 2 &&
	       !strcmp(r->digest, d);
}

/* Where layer i's unpack may begin: after its own fetch, if it made it. */
static uint64_t unpack_after(const struct ct_pulls *e,
			     const struct ct_pull_layer *l)
{
	return l->fetch_start_ns && l->bytes ?
	       l->fetch_start_ns - (uint64_t)e->m2r + l->fetch_dur_ns : 0;
}

/*
 * Whether containerd stored p's image once it was unpacked (1.7 on),
 * not before (1.6): a read-back of one of its layers ended by the store.
 */
static bool stored_unpacked(const struct ct_pulls *e, const struct ev *ev,
			    size_t n, const struct ct_pull *p, uint64_t stored)
{
	for (size_t i = 0; i < p->nlayers; i++)
		for (size_t j = 0; j < n; j++)
			if (unpack_of(&ev[j], p->layers[i].digest,
				      unpack_after(e, &p->layers[i])) &&
			    ev[j].blob.last_read_ns <= stored)
				return true;
	return false;
}

/*
 * The unpack of layer d by a pull whose image was stored at `stored`:
 * each read-back is one unpack (pulls at once may each unpack a layer
 * they share; containerd keeps one).  Stored once unpacked: the last
 * ended by the store; else the first after it; NULL if none.  Never one
 * that ended after `exit` (0: not known), the pull's client's exit: a
 * client waits for its pull's unpack (1.6 and 1.7), so a read-back still
 * going then is another pull's.
 */
static struct ev *pick_unpack(struct ev *ev, size_t n, const char *d,
			      uint64_t after, uint64_t stored, bool unpacked,
			      uint64_t exit)
{
	struct ev *pick = NULL;

	for (size_t i = 0; i < n; i++) {
		struct ev *r = &ev[i];

		if (!unpack_of(r, d, after) ||
		    (r->blob.last_read_ns <= stored) != unpacked ||
		    (exit && r->blob.last_read_ns > exit))
			continue;
		if (!pick || (unpacked ?
			      r->blob.last_read_ns > pick->blob.last_read_ns :
			      r->blob.first_read_ns < pick->blob.first_read_ns))
			pick = r;
	}
	return pick;
}

/*
 * The manifest (or index) and config it fetched, if it did (used from
 * now on): a pull fetches its manifest first, so that is its start when
 * no client says it; a fetch of its layers by another pull before then
 * was not waited on.
 */
static void own_meta(struct ev *ev, size_t n, const struct ct_pull_image *im,
		     uint64_t stored, struct own *o)
{
	const char *digests[] = { im->manifest, im->image_id };

	for (size_t i = 0; i < 2; i++) {
		struct ev *b = own_ingest(ev, n, digests[i], stored);

		if (!b)
			continue;
		b->used = true;
		if (b->blob.open_ns < o->first)
			o->first = b->blob.open_ns;
	}
}

/* Its layers' unpacks (used from now on); exit: pick_unpack()'s. */
static void own_unpacks(struct ct_pulls *e, struct ev *ev, size_t n,
			struct ct_pull *p, uint64_t stored, uint64_t exit,
			struct own *o)
{
	bool unpacked = stored_unpacked(e, ev, n, p, stored);

	for (size_t i = 0; i < p->nlayers; i++) {
		struct ct_pull_layer *l = &p->layers[i];
		struct ev *r = pick_unpack(ev, n, l->digest,
					   unpack_after(e, l), stored,
					   unpacked, exit);

		if (!r)
			continue;
		r->used = true;
		o->n++;
		l->unpack_start_ns = pl_wall(e, r->blob.first_read_ns);
		l->unpack_dur_ns = r->blob.last_read_ns - r->blob.first_read_ns;
		if (r->blob.first_read_ns < o->first)
			o->first = r->blob.first_read_ns;
		o->end = pl_max_u64(o->end, r->blob.last_read_ns);
	}
}

/* A pull waits at most this long on fetches of other pulls at once. */
#define WAIT_WINDOW_NS	(60 * 1000000000ull)

/*
 * A pull that neither fetched nor unpacked a layer itself, every one
 * fetched (and unpacked) by other pulls at once: since the first of
 * those fetches that ended by its store and within WAIT_WINDOW_NS of it
 * (monotonic); UINT64_MAX: none, its layers were all there.
 */
static uint64_t waited_since(const struct ct_pulls *e, const struct ev *iv,
			     const struct ct_pull *p)
{
	uint64_t first = UINT64_MAX;

	for (size_t i = 0; i < p->nlayers; i++) {
		const struct pl_recent *r = pl_recent_find(e, iv->pid,
							   p->layers[i].digest);
		uint64_t start, end;

		if (!r || !r->l.fetch_start_ns)
			continue;
		start = r->l.fetch_start_ns - (uint64_t)e->m2r;
		end = start + r->l.fetch_dur_ns;
		if (end <= iv->ts && end + WAIT_WINDOW_NS > iv->ts &&
		    start < first)
			first = start;
	}
	return first;
}

/*
 * iv's image's pull, named as containerd stored it.  An image of which
 * containerd fetched nothing, not even its manifest, and whose layers no
 * pull at once fetched (one all there, a tag added), makes none; nor
 * does one it imported (an importer ran, pl_importing(), no client
 * asked for it and containerd connected to no registry).  Its client:
 * one that asked for that reference, of any engine (dockerd pulls
 * through containerd with its containerd image store); the CRI's pulls
 * have none.
 */
static int build_image(struct ct_pulls *e, struct ev *ev, size_t n,
		       const struct ev *iv)
{
	const struct ct_pull_image *im = iv->img;
	struct ct_pull p = {
		.engine = ct_engine_name(CT_ENG_CONTAINERD),
		.complete = true,
		.manifest_src = im->source,
		.layers_total = im->layers_total,
		.nlayers = im->nlayers,
	};
	struct own o = { .first = UINT64_MAX, .first_write = UINT64_MAX };
	uint64_t cts, st;

	p.layers = calloc(im->nlayers ? im->nlayers : 1, sizeof(*p.layers));
	if (!p.layers)
		return -ENOMEM;
	own_fetches(e, ev, n, im, iv->ts, &p, &o);
	own_unpacks(e, ev, n, &p, iv->ts,
		    pl_client_exit_of(e, -1, im->ref,
				      o.first < iv->ts ? o.first : iv->ts),
		    &o);
	own_meta(ev, n, im, iv->ts, &o);
	if (!o.n) {
		uint64_t w = waited_since(e, iv, &p);

		o.first = w < o.first ? w : o.first;
		o.end = pl_max_u64(o.end, iv->ts);
	}
	if (o.first == UINT64_MAX) {
		free(p.layers);
		return 0;
	}
	ct_copy_str(p.image, sizeof(p.image), im->ref, sizeof(im->ref));
	ct_copy_str(p.manifest, sizeof(p.manifest), im->manifest,
		    sizeof(im->manifest));
	cts = pl_take_client_of(e, -1, im->ref, o.first);
	if (!cts && pl_importing(e, o.first, o.end) &&
	    !connect_near(ev, n, o.first, o.end, im->ref)) {
		free(p.layers);
		return 0;
	}
	st = cts ? pl_pull_start(ev, n, CT_ENG_CONTAINERD, cts, o.first) :
		   o.first;
	p.start_ns = pl_wall(e, st);
	p.dur_ns = o.end > st ? o.end - st : 0;
	p.ttfb_ns = o.first_write != UINT64_MAX && o.first_write > st ?
		    o.first_write - st : 0;
	for (size_t i = 0; i < p.nlayers; i++) {
		p.untraced_files += p.layers[i].untraced;
		if (p.layers[i].fetch_start_ns)
			pl_recent_add(e, iv->pid, &p, &p.layers[i]);
	}
	pl_unfetched(e, &p, iv->pid);
	ct_pull_concurrency(p.layers, p.nlayers, &p.conc_max, &p.conc_mean);
	return pl_emit(e, &p);
}

/*
 * Pulls of two or more images at once whose manifests could not be read:
 * which blobs are whose is not known.  Each but the first is a record of
 * its own, named, without layers; the first's name is left out of the
 * one that takes the blobs of all (named by a client if one asked), so
 * that every pull is one record and none has another's layers.  That
 * one's image record, unnamed, into *anon (malloc'd).  -ENOMEM.
 */
static int unread_apart(struct ct_pulls *e, struct ev *ev, size_t n,
			struct ct_pull_image **anon)
{
	bool first = true;
	int rc = 0;

	for (size_t i = 0; !rc && i < n; i++) {
		if (!pl_is_unread(&ev[i]))
			continue;
		if (!first) {
			rc = pl_emit_unread_bare(e, CT_ENG_CONTAINERD,
						 ev[i].img, ev, n);
			continue;
		}
		first = false;
		*anon = malloc(sizeof(**anon));
		if (!*anon)
			return -ENOMEM;
		**anon = *ev[i].img;
		(*anon)->ref[0] = (*anon)->manifest[0] = '\0';
	}
	return rc;
}

/*
 * The pulls of the images named in ev[0, n), apart; then what no image
 * took as one pull of it, as without images, rather than lost: that of
 * the image whose manifest could not be read if there was one (named by
 * it; several such at once: unread_apart()), else one whose read was
 * missed.
 */
static int build_images(struct ct_pulls *e, struct ev *ev, size_t n)
{
	struct ct_pull_image *anon = NULL;
	const struct ct_pull_image *unread = NULL;
	size_t m = 0, nunread = 0;
	struct ev *rest;
	int rc = 0;

	for (size_t i = 0; !rc && i < n; i++) {
		if (pl_is_unread(&ev[i])) {
			unread = ev[i].img;
			nunread++;
		} else if (ev[i].kind == EV_IMAGE) {
			rc = build_image(e, ev, n, &ev[i]);
		}
	}
	if (!rc && nunread > 1)
		rc = unread_apart(e, ev, n, &anon);
	rest = rc ? NULL : calloc(n ? n : 1, sizeof(*rest));
	if (!rest) {
		free(anon);
		return rc ? rc : -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (!ev[i].used && ev[i].kind != EV_IMAGE)
			rest[m++] = ev[i];
	rc = build_ctrd(e, rest, m, anon ? anon : unread);
	free(rest);
	free(anon);
	return rc;
}

/*
 * Its pulls end when its stream goes idle: whatever is there is whole;
 * apart by the images containerd's store named (live, and replays of
 * such sessions), else one pull of it all.
 */
static int finish(struct ct_pulls *e, struct stream *s, bool complete)
{
	int rc;

	(void)complete;
	qsort(s->ev, s->nev, sizeof(*s->ev), pl_cmp_ev);
	rc = pl_has_image(s->ev, s->nev) ?
	     build_images(e, s->ev, s->nev) :
	     build_ctrd(e, s->ev, s->nev, NULL);
	pl_consume(s, s->nev);
	s->mark[CT_ENG_CONTAINERD] = 0;
	return rc;
}

static bool unused(const struct ev *v, const void *arg)
{
	(void)arg;
	return !v->used;
}

/*
 * A container that began at `before` may have waited for a pull whose
 * image containerd had stored by then: those pulls are built now, their
 * own fetches and the image records consumed; the rest waits for the
 * idle end, with the image whose manifest was unread (its blobs are
 * what the others leave).  (containerd 1.6 stores an image before it
 * unpacks it: a pull still unpacking when a container of another image
 * began goes out without its unpack.)
 */
static int settle(struct ct_pulls *e, struct stream *s, uint64_t before)
{
	bool any = false;
	int rc = 0;

	if (!pl_has_image(s->ev, s->nev))
		return 0;	/* every container's claim comes here */
	qsort(s->ev, s->nev, sizeof(*s->ev), pl_cmp_ev);
	for (size_t i = 0; !rc && i < s->nev; i++) {
		if (s->ev[i].kind != EV_IMAGE || pl_is_unread(&s->ev[i]) ||
		    s->ev[i].ts >= before ||
		    !ct_prog_comm_is(s->ev[i].img->hdr.comm,
				     CT_PROG_CONTAINERD))
			continue;
		rc = build_image(e, s->ev, s->nev, &s->ev[i]);
		s->ev[i].used = true;
		any = true;
	}
	if (any)
		pl_consume_if(s, s->nev, unused, NULL);
	return rc;
}

/* No end mark: its last pull activity (an ingest or blob file, a blob's
 * commit); a blob's digest is its file's name. */
static void note(struct stream *s, struct ev *v)
{
	if (v->kind == EV_BLOB && v->sub == CT_PULL_F_CTRD_BLOB)
		pl_digest_of(v->digest, v->blob.path);
	if ((v->kind == EV_BLOB && (v->sub == CT_PULL_F_CTRD_INGEST ||
				    v->sub == CT_PULL_F_CTRD_BLOB)) ||
	    (v->kind == EV_RENAME && v->sub == CT_PULL_R_CTRD_BLOB))
		s->mark[CT_ENG_CONTAINERD] = v->ts;
}

static bool ended(const struct stream *s)
{
	return s->mark[CT_ENG_CONTAINERD];
}

static bool due(const struct stream *s, uint64_t now)
{
	uint64_t last = s->mark[CT_ENG_CONTAINERD];

	return last && now > last + CT_PULL_IDLE_NS;
}

const struct ct_pull_builder ct_containerd_pull_builder = {
	.daemon = CT_PROG_CONTAINERD,
	.client = CT_PROG_CTR,
	.note = note,
	.finish = finish,
	.ended = ended,
	.due = due,
	.holds = ended,
	.settle = settle,
	.store = &ct_containerd_pull_store,
};
