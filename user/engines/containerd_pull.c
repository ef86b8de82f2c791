// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * containerd's image pulls (pulls.c has the records): each layer is
 * fetched into an ingest file, renamed into blobs/sha256/<digest>, then
 * read back through the decompressor (unpack).  The pull has no end
 * mark: it is over once the daemon has been idle for CT_PULL_IDLE_NS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "engine.h"
#include "pulls_api.h"
#include "util.h"

/*
 * Read-back of a containerd blob after every fetch was over: unpack.
 * Manifests and configs are read back too, but by content.ReadBlob: one
 * pread64 of exactly their size; a layer is streamed through the
 * decompressor, which needs at least one more read to see the end.
 */
static void ctrd_unpack(struct ct_pulls *e, struct ev *ev, size_t n,
			const char *digest, uint64_t fetch_end,
			struct ct_pull_layer *l)
{
	uint64_t start = 0, end = 0;

	for (size_t i = 0; i < n; i++) {
		const struct ev *r = &ev[i];

		if (r->kind != EV_BLOB || r->sub != CT_PULL_F_CTRD_BLOB ||
		    !r->fr || r->fr < fetch_end || r->reads < 2 ||
		    strcmp(r->digest, digest))
			continue;
		if (!start || r->fr < start)
			start = r->fr;
		end = pl_max_u64(end, r->lr);
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
		    !strcmp(ev[i].path, path))
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

static int build_ctrd(struct ct_pulls *e, struct ev *ev, size_t n)
{
	struct ct_pull p = {
		.engine = ct_engine_name(CT_ENG_CONTAINERD),
		.complete = true,
	};
	uint64_t first_open = UINT64_MAX, first_write = UINT64_MAX;
	uint64_t fetch_end = 0, end = 0, cts, st;
	size_t ni = 0, k = 0;

	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind == EV_BLOB && ev[i].sub == CT_PULL_F_CTRD_INGEST) {
			ni++;
			fetch_end = pl_max_u64(fetch_end, ev[i].lw);
		}
		if (ev[i].kind == EV_BLOB)
			end = pl_max_u64(end, pl_max_u64(ev[i].ts, ev[i].lr));
	}
	if (!ni)
		return 0;
	p.layers = calloc(ni, sizeof(*p.layers));
	if (!p.layers)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct ev *b = &ev[i];
		struct ct_pull_layer *l = &p.layers[k];

		if (b->kind != EV_BLOB || b->sub != CT_PULL_F_CTRD_INGEST)
			continue;
		ct_copy_str(l->digest, sizeof(l->digest),
			 ingest_digest(ev, n, b->path), CT_PULL_DIGEST_LEN);
		l->untraced = b->untraced;
		l->bytes = b->bw;
		l->fetch_start_ns = pl_wall(e, b->open_ns);
		l->fetch_dur_ns = b->lw > b->open_ns ? b->lw - b->open_ns : 0;
		ctrd_unpack(e, ev, n, l->digest, fetch_end, l);
		if (b->open_ns < first_open)
			first_open = b->open_ns;
		if (b->fw && b->fw < first_write)
			first_write = b->fw;
		k++;
	}
	/*
	 * Manifests and configs are fetched too: keep what was unpacked.
	 * Nothing unpacked: dockerd caching a manifest in containerd's
	 * content store, or `ctr content fetch`, not an image pull.
	 */
	p.nlayers = 0;
	for (size_t i = 0; i < k; i++)
		if (p.layers[i].unpack_start_ns)
			p.layers[p.nlayers++] = p.layers[i];
	if (!p.nlayers) {
		free(p.layers);
		return 0;
	}
	pl_take_client(e, &p, first_open, end,
		       pl_pull_port(ev, n, first_open), &cts);
	/* `ctr images import` ingests and unpacks too, but connects to no one */
	if (!cts && !has_connect(ev, n, first_open)) {
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

/* Its pulls end when its stream goes idle: whatever is there is whole. */
static int finish(struct ct_pulls *e, struct stream *s, bool complete)
{
	int rc;

	(void)complete;
	qsort(s->ev, s->nev, sizeof(*s->ev), pl_cmp_ev);
	rc = build_ctrd(e, s->ev, s->nev);
	pl_consume(s, s->nev);
	s->mark[CT_ENG_CONTAINERD] = 0;
	return rc;
}

/* No end mark: its last pull activity (an ingest or blob file, a blob's
 * commit); a blob's digest is its file's name. */
static void note(struct stream *s, struct ev *v)
{
	if (v->kind == EV_BLOB && v->sub == CT_PULL_F_CTRD_BLOB)
		pl_digest_of(v->digest, v->path);
	if ((v->kind == EV_BLOB && v->sub != CT_PULL_F_DOCKER_BLOB) ||
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
};
