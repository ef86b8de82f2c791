// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dockerd's image pulls (pulls.c has the records).  dockerd 20.10, as
 * traced on this machine, per layer: GetImageBlob* opened, written
 * (fetch, several layers at once up to max-concurrent-downloads), read
 * back through gzip while one docker-untar runs (unpack, one layer after
 * the other), closed; then the layer commit (rename into layerdb/sha256/)
 * and the blob digest (rename into diffid-by-digest/sha256/<digest>).
 * The pull ends with the rename of repositories.json.  Blob file names
 * are random, so a blob gets its digest from the diffid-by-digest
 * renames, taken in unpack order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "engine.h"
#include "pulls_api.h"

/*
 * The docker-untar that ran while this blob was read back (dockerd reads
 * the gzip header first, then starts it and streams into it).
 */
static struct ev *find_untar(struct ev *ev, size_t n, const struct ev *b)
{
	for (size_t i = 0; i < n; i++) {
		struct ev *u = &ev[i];

		if (u->kind == EV_HELPER && !u->used &&
		    u->ts >= b->blob.first_read_ns &&
		    u->ts <= b->blob.last_read_ns)
			return u;
	}
	return NULL;
}

static bool is_blob(const struct ev *v)
{
	return v->kind == EV_BLOB && v->sub == CT_PULL_F_DOCKER_BLOB;
}

static void docker_unpack(struct ct_pulls *e, struct ev *ev, size_t n,
			  struct ev *b, struct ct_pull_layer *l)
{
	struct ev *u;
	uint64_t start = b->blob.first_read_ns, end = b->blob.last_read_ns;

	if (!b->blob.first_read_ns)
		return;
	u = find_untar(ev, n, b);
	if (u) {
		u->used = true;
		if (u->ts < start)
			start = u->ts;
		end = pl_max_u64(end, pl_exit(e, u->pid, u->ts));
	}
	l->unpack_start_ns = pl_wall(e, start);
	l->unpack_dur_ns = end - start;
}

/* Blob files open at once (a layer is fetched once at a time). */
static bool overlap(const struct ev *a, const struct ev *b)
{
	return a->blob.open_ns <= b->ts && b->blob.open_ns <= a->ts;
}

/* Another of the nl blobs that overlaps b has digest d already. */
static bool taken(struct ev **blobs, char (*digests)[CT_PULL_DIGEST_LEN],
		  size_t nl, const struct ev *b, const char *d)
{
	for (size_t j = 0; j < nl; j++)
		if (blobs[j] != b && !strcmp(digests[j], d) &&
		    overlap(blobs[j], b))
			return true;
	return false;
}

/*
 * Digests: the diffid-by-digest renames come in unpack order; each goes
 * to the blob whose read-back ended first among those without one.
 * dockerd also rewrites the map for the layers a pull finds present, at
 * its start, and once per pull for a layer fetched once for several:
 * fits(), if given (pulls apart), turns a blob down for a digest whose
 * compressed size is known to differ from its bytes or that a blob has
 * already (one fetch of a layer at a time).
 */
static void docker_digests(struct ev *ev, size_t n, struct ev **blobs,
			   char (*digests)[CT_PULL_DIGEST_LEN], size_t nl,
			   bool (*fits)(const struct ev *b, const char *digest,
					const struct ev *ev, size_t n))
{
	for (size_t i = 0; i < n; i++) {
		size_t best = nl;

		if (ev[i].kind != EV_RENAME || ev[i].sub != CT_PULL_R_DIFFID ||
		    !ev[i].digest[0])
			continue;
		for (size_t j = 0; j < nl; j++) {
			if (digests[j][0] || !blobs[j]->blob.last_read_ns ||
			    blobs[j]->blob.last_read_ns > ev[i].ts ||
			    (fits && (!fits(blobs[j], ev[i].digest, ev, n) ||
				      taken(blobs, digests, nl, blobs[j],
					    ev[i].digest))))
				continue;
			if (best == nl || blobs[j]->blob.last_read_ns <
					  blobs[best]->blob.last_read_ns)
				best = j;
		}
		if (best < nl)
			memcpy(digests[best], ev[i].digest, CT_PULL_DIGEST_LEN);
	}
}

/* A fetched layer of blob b's: bytes, fetch and unpack. */
static void fetched_layer(struct ct_pulls *e, struct ev *ev, size_t n,
			  struct ev *b, struct ct_pull_layer *l)
{
	l->untraced = b->untraced;
	l->bytes = b->blob.bytes_written;
	l->fetch_start_ns = pl_wall(e, b->blob.open_ns);
	l->fetch_dur_ns = pl_fetch_dur(b);
	docker_unpack(e, ev, n, b, l);
}

/* Events [0, n) form one docker pull ending at @end (monotonic), named
 * by unread, the store's record of its image if it came without layers
 * (NULL: none; pl_take_name()). */
static int build_docker(struct ct_pulls *e, struct ev *ev, size_t n,
			uint64_t end, bool complete,
			const struct ct_pull_image *unread)
{
	struct ct_pull p = {
		.engine = ct_engine_name(CT_ENG_DOCKER),
		.complete = complete,
	};
	uint64_t first_open = UINT64_MAX, first_write = UINT64_MAX, cts, st;
	char (*digests)[CT_PULL_DIGEST_LEN];
	struct ev **blobs;
	size_t nb = 0;

	for (size_t i = 0; i < n; i++)
		nb += is_blob(&ev[i]);
	if (!nb && unread)
		return pl_emit_unread_bare(e, CT_ENG_DOCKER, unread, ev, n);
	if (!nb)
		return 0;	/* `docker tag` and friends also rewrite it */
	blobs = calloc(nb, sizeof(*blobs));
	digests = calloc(nb, sizeof(*digests));
	p.layers = calloc(nb, sizeof(*p.layers));
	if (!blobs || !digests || !p.layers) {
		free(blobs);
		free(digests);
		free(p.layers);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct ev *b = &ev[i];

		if (!is_blob(b))
			continue;
		blobs[p.nlayers] = b;
		fetched_layer(e, ev, n, b, &p.layers[p.nlayers++]);
		if (b->blob.open_ns < first_open)
			first_open = b->blob.open_ns;
		if (b->blob.first_write_ns &&
		    b->blob.first_write_ns < first_write)
			first_write = b->blob.first_write_ns;
		end = pl_max_u64(end, complete ? 0 :
				 pl_max_u64(b->ts, b->blob.last_read_ns));
	}
	docker_digests(ev, n, blobs, digests, p.nlayers, NULL);
	for (size_t j = 0; j < p.nlayers; j++)	/* blob_digests()' first */
		memcpy(p.layers[j].digest, blobs[j]->digest[0] ?
		       blobs[j]->digest : digests[j], CT_PULL_DIGEST_LEN);
	free(digests);
	free(blobs);
	p.untraced_files = pl_untraced(ev, n);
	cts = pl_take_name(e, &p, unread, CT_ENG_DOCKER, first_open, end,
			   pl_pull_port(ev, n, first_open));
	st = pl_pull_start(ev, n, CT_ENG_DOCKER, cts, first_open);
	p.start_ns = pl_wall(e, st);
	p.dur_ns = end > st ? end - st : 0;
	pl_finish_layers(&p, st, first_write == UINT64_MAX ? 0 : first_write);
	return pl_emit(e, &p);
}

/* ---- pulls apart: the images dockerd's store named ---- */

/* im's layer whose digest is d, or NULL. */
static const struct ct_pull_image_layer *
image_layer(const struct ct_pull_image *im, const char *d)
{
	for (uint32_t i = 0; d[0] && i < im->nlayers; i++)
		if (!strcmp(im->layers[i].digest, d))
			return &im->layers[i];
	return NULL;
}

/* A blob followed whole is as long as the manifest says its layer is,
 * and no blob open at the same time has its digest already. */
static bool size_fits(const struct ev *b, const char *digest,
		      const struct ev *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (is_blob(&ev[i]) && &ev[i] != b &&
		    !strcmp(ev[i].digest, digest) && overlap(&ev[i], b))
			return false;
	for (size_t i = 0; !b->untraced && i < n; i++) {
		const struct ct_pull_image_layer *l;

		if (ev[i].kind != EV_IMAGE)
			continue;
		l = image_layer(ev[i].img, digest);
		if (l && l->size)
			return l->size == b->blob.bytes_written;
	}
	return true;
}

/* The blobs of [0, n) without a digest get theirs (their ev->digest). */
static int blob_digests(struct ev *ev, size_t n)
{
	char (*digests)[CT_PULL_DIGEST_LEN];
	struct ev **blobs;
	size_t nb = 0;

	for (size_t i = 0; i < n; i++)
		nb += is_blob(&ev[i]) && !ev[i].digest[0];
	if (!nb)
		return 0;
	blobs = calloc(nb, sizeof(*blobs));
	digests = calloc(nb, sizeof(*digests));
	if (!blobs || !digests) {
		free(blobs);
		free(digests);
		return -ENOMEM;
	}
	nb = 0;
	for (size_t i = 0; i < n; i++)
		if (is_blob(&ev[i]) && !ev[i].digest[0])
			blobs[nb++] = &ev[i];
	docker_digests(ev, n, blobs, digests, nb, size_fits);
	for (size_t j = 0; j < nb; j++)
		memcpy(blobs[j]->digest, digests[j], CT_PULL_DIGEST_LEN);
	free(digests);
	free(blobs);
	return 0;
}

/* The blob of layer digest of a pull that ended at end: the last one
 * opened by then (pulls one after the other may be built together,
 * each fetching it once the one before removed its image). */
static struct ev *own_blob(struct ev *ev, size_t n, const char *digest,
			   uint64_t end)
{
	struct ev *b = NULL;

	for (size_t i = 0; digest[0] && i < n; i++)
		if (is_blob(&ev[i]) && !ev[i].used &&
		    ev[i].blob.open_ns <= end &&
		    !strcmp(ev[i].digest, digest) &&
		    (!b || ev[i].blob.open_ns > b->blob.open_ns))
			b = &ev[i];
	return b;
}

/* Connects in the minute before a pull's first act may be its own. */
#define CONNECT_WINDOW_NS	(60 * CT_PULL_GRACE_NS)

/*
 * A pull no client asked for (as far as seen) began at the daemon's
 * first registry connect after its pull before ended (if that one ended
 * before this one's first act; else within the minute before it), or at
 * its first act.  Overlapping pulls' connects are not told apart.
 */
static uint64_t unasked_start(const struct stream *s, const struct ev *ev,
			      size_t n, uint64_t first)
{
	uint64_t after = s->done && s->done < first ? s->done :
			 first > CONNECT_WINDOW_NS ? first - CONNECT_WINDOW_NS : 0;

	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == EV_CONNECT && ev[i].sub == CT_ENG_DOCKER &&
		    ev[i].ts > after && ev[i].ts <= first)
			return ev[i].ts;
	return first;
}

/* How many image records ev[0, n) holds. */
static size_t images_in(const struct ev *ev, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += ev[i].kind == EV_IMAGE;
	return k;
}

/*
 * The blob files of iv's pull that the hooks came too late to follow
 * (a clientless pull's connect attached them after dockerd opened its
 * blobs): no read-back seen, so no digest, so no layer of its own.  With
 * iv the one image the batch names they can be no other pull's: taken
 * (used), and the layers no blob was found for are said untraced, not
 * cached, since which of them these files were is not known.  Returns
 * the first one's open, or UINT64_MAX.
 */
static uint64_t late_blobs(struct ev *ev, size_t n, const struct ev *iv,
			   struct ct_pull *p)
{
	uint64_t first = UINT64_MAX;
	size_t late = 0;

	if (images_in(ev, n) != 1)
		return first;
	for (size_t i = 0; i < n; i++) {
		struct ev *b = &ev[i];

		if (is_blob(b) && b->untraced && !b->used && !b->digest[0] &&
		    b->blob.open_ns <= iv->ts) {
			b->used = true;
			late++;
			first = b->blob.open_ns < first ? b->blob.open_ns :
							  first;
		}
	}
	for (size_t i = 0; late && i < p->nlayers; i++)
		p->layers[i].untraced |= !p->layers[i].fetch_start_ns;
	p->untraced_files += late;
	return first;
}

/* iv's image's pull: its own blobs of ev[0, n) (used from now on). */
static int build_image(struct ct_pulls *e, struct stream *s, struct ev *ev,
		       size_t n, struct ev *iv, bool complete)
{
	const struct ct_pull_image *im = iv->img;
	struct ct_pull p = {
		.engine = ct_engine_name(CT_ENG_DOCKER),
		.complete = complete,
		.manifest_src = im->source,
		.layers_total = im->layers_total,
		.nlayers = im->nlayers,
	};
	uint64_t first = iv->ts, first_write = UINT64_MAX, first_late, cts, st;

	p.layers = calloc(im->nlayers ? im->nlayers : 1, sizeof(*p.layers));
	if (!p.layers)
		return -ENOMEM;
	for (size_t i = 0; i < p.nlayers; i++) {
		struct ct_pull_layer *l = &p.layers[i];
		struct ev *b = own_blob(ev, n, im->layers[i].digest, iv->ts);

		memcpy(l->digest, im->layers[i].digest, sizeof(l->digest));
		l->size = im->layers[i].size;
		l->unpacked = im->layers[i].unpacked;
		if (!b)
			continue;
		b->used = true;
		fetched_layer(e, ev, n, b, l);
		first = b->blob.open_ns < first ? b->blob.open_ns : first;
		if (b->blob.first_write_ns &&
		    b->blob.first_write_ns < first_write)
			first_write = b->blob.first_write_ns;
	}
	for (size_t i = 0; i < p.nlayers; i++)
		p.untraced_files += p.layers[i].untraced;
	first_late = late_blobs(ev, n, iv, &p);
	first = first_late < first ? first_late : first;
	ct_copy_str(p.manifest, sizeof(p.manifest), im->manifest,
		    sizeof(im->manifest));
	cts = pl_take_client_of(e, CT_ENG_DOCKER, im->ref, first);
	if (!cts)	/* `docker run REF`'s implicit pull begins after it */
		cts = pl_take_starter_of(e, CT_ENG_DOCKER, im->ref, first);
	st = cts ? pl_pull_start(ev, n, CT_ENG_DOCKER, cts, first) :
		   unasked_start(s, ev, n, first);
	ct_copy_str(p.image, sizeof(p.image), im->ref, sizeof(im->ref));
	p.start_ns = pl_wall(e, st);
	p.dur_ns = iv->ts > st ? iv->ts - st : 0;
	p.ttfb_ns = first_write != UINT64_MAX && first_write > st ?
		    first_write - st : 0;
	for (size_t i = 0; i < p.nlayers; i++)
		if (p.layers[i].fetch_start_ns)
			pl_recent_add(e, iv->pid, &p, &p.layers[i]);
	pl_unfetched(e, &p, iv->pid);
	/* the fetches it waited on were in flight for it too */
	ct_pull_concurrency(p.layers, p.nlayers, &p.conc_max, &p.conc_mean);
	s->done = pl_max_u64(s->done, iv->ts);
	return pl_emit(e, &p);
}

/* A blob unpacked this long before a pull's end that no image named
 * has lost its image record. */
#define ORPHAN_NS	(600 * CT_PULL_GRACE_NS)

struct kept {
	uint64_t first_kept;	/* the earliest open of a blob kept */
	uint64_t end;
};

static bool orphan(const struct ev *v, uint64_t end)
{
	return is_blob(v) && !v->used && v->digest[0] && v->ts + ORPHAN_NS < end;
}

/*
 * What stays for the pulls still under way: their blobs (unpacked or
 * not: a pull's layers are unpacked before its end), the helpers that
 * may be unpacking them, the connects of the last minute (their start).
 */
static bool keep_ev(const struct ev *v, const void *arg)
{
	const struct kept *k = arg;

	switch (v->kind) {
	case EV_BLOB:
		return is_blob(v) && !v->used && !orphan(v, k->end);
	case EV_HELPER:
		return !v->used && v->ts >= k->first_kept;
	case EV_CONNECT:
		return v->ts + CONNECT_WINDOW_NS >= k->end;
	default:
		return false;
	}
}

/*
 * Blobs unpacked long ago that no image named: a pull whose image record
 * is missing (a read that failed, a manifest cut): one pull of them, not
 * complete, rather than lost.  (The session's end builds the rest so.)
 */
static int orphans(struct ct_pulls *e, struct ev *ev, size_t n, uint64_t end)
{
	struct ev *o;
	size_t m = 0;
	int rc;

	for (size_t i = 0; i < n; i++)
		m += orphan(&ev[i], end);
	if (!m)
		return 0;
	o = calloc(n, sizeof(*o));
	if (!o)
		return -ENOMEM;
	m = 0;
	for (size_t i = 0; i < n; i++)
		if (orphan(&ev[i], end) ||
		    (ev[i].kind == EV_HELPER && !ev[i].used) ||
		    ev[i].kind == EV_CONNECT) {
			o[m] = ev[i];
			o[m++].img = NULL;
		}
	rc = build_docker(e, o, m, 0, false, NULL);
	free(o);
	return rc;
}

/* A blob no image took, unpacked by t (a pull's end: dockerd closes it
 * after), or opened by then and not followed whole. */
static bool left_by(const struct ev *v, uint64_t t)
{
	return is_blob(v) && !v->used && v->blob.open_ns <= t &&
	       (v->untraced ||
		(v->blob.first_read_ns && v->blob.last_read_ns <= t));
}

/*
 * iv's pull, of an image whose config dockerd's store could not read
 * (its layers unknown): the blobs the pulls built before it left that
 * were unpacked by its end (left_by()), and the helpers and connects
 * around them (used from now on).  A pull at once that ends after it
 * may lose a blob to it.
 */
static int build_unread(struct ct_pulls *e, struct stream *s, struct ev *ev,
			size_t n, struct ev *iv, bool complete)
{
	struct ev *o = calloc(n ? n : 1, sizeof(*o));
	size_t *at = calloc(n ? n : 1, sizeof(*at)), m = 0;
	int rc = -ENOMEM;

	for (size_t i = 0; o && at && i < n; i++) {
		if (left_by(&ev[i], iv->ts) ||
		    (ev[i].kind == EV_HELPER && !ev[i].used) ||
		    ev[i].kind == EV_CONNECT) {
			o[m] = ev[i];
			o[m].img = NULL;
			at[m++] = i;
		}
	}
	if (o && at)
		rc = build_docker(e, o, m, iv->ts, complete, iv->img);
	for (size_t j = 0; !rc && j < m; j++)	/* its blobs, its untars */
		ev[at[j]].used |= o[j].used || is_blob(&o[j]);
	free(at);
	free(o);
	s->done = pl_max_u64(s->done, iv->ts);
	return rc;
}

/* The pulls of the images named in ev[0, k), apart: those whose layers
 * the store listed, then those it could not read, of what is left. */
static int finish_images(struct ct_pulls *e, struct stream *s, size_t k,
			 bool complete)
{
	struct kept kp = { .first_kept = UINT64_MAX };
	struct ev *ev = s->ev;
	int rc = blob_digests(ev, k);

	for (size_t i = 0; !rc && i < k; i++) {
		if (ev[i].kind != EV_IMAGE || pl_is_unread(&ev[i]))
			continue;
		rc = build_image(e, s, ev, k, &ev[i], complete);
		kp.end = pl_max_u64(kp.end, ev[i].ts);
	}
	for (size_t i = 0; !rc && i < k; i++) {
		if (!pl_is_unread(&ev[i]))
			continue;
		rc = build_unread(e, s, ev, k, &ev[i], complete);
		kp.end = pl_max_u64(kp.end, ev[i].ts);
	}
	if (!rc)
		rc = orphans(e, ev, k, kp.end);
	for (size_t i = 0; i < k; i++)
		if (keep_ev(&ev[i], &kp) && is_blob(&ev[i]) &&
		    ev[i].blob.open_ns < kp.first_kept)
			kp.first_kept = ev[i].blob.open_ns;
	pl_consume_if(s, k, keep_ev, &kp);
	return rc;
}

/*
 * The pulls that ended by the end mark: apart by the images dockerd's
 * store named (live, and replays of such sessions); else, without those
 * records, as one pull of every blob before the mark.
 */
static int finish(struct ct_pulls *e, struct stream *s, bool complete)
{
	uint64_t end = complete ? s->mark[CT_ENG_DOCKER] : UINT64_MAX;
	size_t k = pl_split_at(s, end);
	int rc;

	if (pl_has_image(s->ev, k)) {
		rc = finish_images(e, s, k, complete);
	} else {
		rc = build_docker(e, s->ev, k, complete ? end : 0, complete,
				  NULL);
		pl_consume(s, k);
	}
	/* what dockerd wrote through containerd went with it */
	memset(s->mark, 0, sizeof(s->mark));
	return rc;
}

static bool pending(const struct stream *s)
{
	for (size_t i = 0; i < s->nev; i++)
		if (s->ev[i].kind == EV_BLOB &&
		    s->ev[i].sub == CT_PULL_F_DOCKER_BLOB)
			return true;
	return false;
}

/*
 * Its end mark: the last repositories.json rename, or an image record
 * (stamped with its rename) that came after its rename's pulls were
 * finished: a container that settled them while the store still waited
 * for this one's tag (docker_store.c) must not leave it to the
 * session's end, unfinished.
 */
static void note(struct stream *s, struct ev *v)
{
	bool end = (v->kind == EV_RENAME && v->sub == CT_PULL_R_REPOS) ||
		   (v->kind == EV_IMAGE &&
		    ct_prog_comm_is(v->img->hdr.comm, CT_PROG_DOCKERD));

	if (end && v->ts > s->mark[CT_ENG_DOCKER])
		s->mark[CT_ENG_DOCKER] = v->ts;
}

static bool ended(const struct stream *s)
{
	return s->mark[CT_ENG_DOCKER];
}

/* A grace after the mark, for the late closes of its blob files. */
static bool due(const struct stream *s, uint64_t now)
{
	uint64_t end = s->mark[CT_ENG_DOCKER];

	return end && now > end + CT_PULL_GRACE_NS;
}

static bool holds(const struct stream *s)
{
	return s->mark[CT_ENG_DOCKER] || pending(s);
}

/* Its end mark is its end: a pull that has one is whole. */
static int settle(struct ct_pulls *e, struct stream *s, uint64_t before)
{
	(void)before;
	return ended(s) ? finish(e, s, true) : 0;
}

const struct ct_pull_builder ct_docker_pull_builder = {
	.daemon = CT_PROG_DOCKERD,
	.client = CT_PROG_DOCKER,
	/* dockerd re-execs itself to unpack each layer */
	.helper = "docker-untar",
	.note = note,
	.finish = finish,
	.pending = pending,
	.ended = ended,
	.due = due,
	.holds = holds,
	.settle = settle,
	.store = &ct_docker_pull_store,
};
