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

		if (u->kind == EV_HELPER && !u->used && u->ts >= b->fr &&
		    u->ts <= b->lr)
			return u;
	}
	return NULL;
}

static void docker_unpack(struct ct_pulls *e, struct ev *ev, size_t n,
			  struct ev *b, struct ct_pull_layer *l)
{
	struct ev *u;
	uint64_t start = b->fr, end = b->lr;

	if (!b->fr)
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

/*
 * Digests: the diffid-by-digest renames come in unpack order; each goes
 * to the blob whose read-back ended first among those without one.
 */
static void docker_digests(struct ev *ev, size_t n, struct ev **blobs,
			   struct ct_pull_layer *layers, size_t nl)
{
	for (size_t i = 0; i < n; i++) {
		size_t best = nl;

		if (ev[i].kind != EV_RENAME || ev[i].sub != CT_PULL_R_DIFFID ||
		    !ev[i].digest[0])
			continue;
		for (size_t j = 0; j < nl; j++) {
			if (layers[j].digest[0] || !blobs[j]->lr ||
			    blobs[j]->lr > ev[i].ts)
				continue;
			if (best == nl || blobs[j]->lr < blobs[best]->lr)
				best = j;
		}
		if (best < nl)
			memcpy(layers[best].digest, ev[i].digest,
			       CT_PULL_DIGEST_LEN);
	}
}

/* Events [0, n) form one docker pull ending at @end (monotonic). */
static int build_docker(struct ct_pulls *e, struct ev *ev, size_t n,
			uint64_t end, bool complete)
{
	struct ct_pull p = {
		.engine = ct_engine_name(CT_ENG_DOCKER),
		.complete = complete,
	};
	uint64_t first_open = UINT64_MAX, first_write = UINT64_MAX, cts, st;
	struct ev **blobs;
	size_t nb = 0;

	for (size_t i = 0; i < n; i++)
		nb += ev[i].kind == EV_BLOB && ev[i].sub == CT_PULL_F_DOCKER_BLOB;
	if (!nb)
		return 0;	/* `docker tag` and friends also rewrite it */
	blobs = calloc(nb, sizeof(*blobs));
	p.layers = calloc(nb, sizeof(*p.layers));
	if (!blobs || !p.layers) {
		free(blobs);
		free(p.layers);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct ev *b = &ev[i];
		struct ct_pull_layer *l = &p.layers[p.nlayers];

		if (b->kind != EV_BLOB || b->sub != CT_PULL_F_DOCKER_BLOB)
			continue;
		blobs[p.nlayers++] = b;
		l->untraced = b->untraced;
		l->bytes = b->bw;
		l->fetch_start_ns = pl_wall(e, b->open_ns);
		l->fetch_dur_ns = b->lw > b->open_ns ? b->lw - b->open_ns : 0;
		docker_unpack(e, ev, n, b, l);
		if (b->open_ns < first_open)
			first_open = b->open_ns;
		if (b->fw && b->fw < first_write)
			first_write = b->fw;
		end = pl_max_u64(end, complete ? 0 : pl_max_u64(b->ts, b->lr));
	}
	docker_digests(ev, n, blobs, p.layers, p.nlayers);
	free(blobs);
	p.untraced_files = pl_untraced(ev, n);
	pl_take_client(e, &p, first_open, end,
		       pl_pull_port(ev, n, first_open), &cts);
	st = pl_pull_start(ev, n, CT_ENG_DOCKER, cts, first_open);
	p.start_ns = pl_wall(e, st);
	p.dur_ns = end > st ? end - st : 0;
	pl_finish_layers(&p, st, first_write == UINT64_MAX ? 0 : first_write);
	return pl_emit(e, &p);
}

static int finish(struct ct_pulls *e, struct stream *s, bool complete)
{
	uint64_t end = complete ? s->mark[CT_ENG_DOCKER] : UINT64_MAX;
	size_t k = pl_split_at(s, end);
	int rc;

	rc = build_docker(e, s->ev, k, complete ? end : 0, complete);
	pl_consume(s, k);
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

/* Its end mark: the last repositories.json rename. */
static void note(struct stream *s, struct ev *v)
{
	if (v->kind == EV_RENAME && v->sub == CT_PULL_R_REPOS &&
	    v->ts > s->mark[CT_ENG_DOCKER])
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
	.settles = true,
};
