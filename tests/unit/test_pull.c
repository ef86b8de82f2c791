// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Image pull engine and output: a recorded real `docker pull`
 * (tests/fixtures/docker-pull.ctrec, truth from the registry's manifest
 * in docker-pull.layers.json) and synthetic record sequences modelled
 * on it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "fixture.h"
#include "pull_output.h"
#include "recfile.h"
#include "tjson.h"
#include "jsonl.h"

#define MS	1000000ull
#define M2R	1000000000000ull	/* mono -> wall offset in the tests */

/* ---- collecting pulls ---- */

struct got {
	int n;
	struct ct_pull last;
	struct ct_pull_layer layers[16];
};

/* A record to the model, then to the pulls, as the pipeline does. */
static int feed(struct ct_pulls *e, const void *rec, size_t len)
{
	ct_procs_feed(fx_model(), rec, len);
	return ct_pulls_feed(e, rec, len);
}

static void on_pull(const struct ct_pull *p, void *ctx)
{
	struct got *g = ctx;
	size_t n = p->nlayers < 16 ? p->nlayers : 16;

	g->n++;
	g->last = *p;
	if (n)	/* a pull of no layer may have none */
		memcpy(g->layers, p->layers, n * sizeof(*p->layers));
}

/* ---- the recorded pull ---- */

static const char *fixture(const char *name, char *buf, size_t n)
{
	const char *dir = getenv("CT_FIXTURES");

	snprintf(buf, n, "%s/%s", dir ? dir : "tests/fixtures", name);
	return buf;
}

/* Which image records of a recording to make unread: the skip + 1st of
 * image refs[0]'s, the first of refs[1]'s (NULL: none). */
struct unread {
	const char *refs[2];
	size_t skip;
	struct ct_pull_image buf;
};

/*
 * Record rec as the store would have written it had it not read the
 * layers of an image u names (CT_PULL_M_UNREAD): into u->buf, if it is
 * that image's record.
 */
static const void *unread_of(const void *rec, size_t len, struct unread *u)
{
	const struct ct_hdr *h = rec;

	if (h->type != CT_EV_PULL_IMAGE || len != sizeof(u->buf))
		return rec;
	memcpy(&u->buf, rec, len);
	for (int k = 0; k < 2; k++) {
		if (!u->refs[k] || strcmp(u->buf.ref, u->refs[k]))
			continue;
		if (!k && u->skip) {
			u->skip--;
			return rec;
		}
		u->refs[k] = NULL;
		u->buf.source = CT_PULL_M_UNREAD;
		u->buf.nlayers = u->buf.layers_total = 0;
		memset(u->buf.layers, 0, sizeof(u->buf.layers));
		return &u->buf;
	}
	return rec;
}

/* Replay path, the image record u names unread (u->ref NULL: none). */
static struct ct_pulls *replay_unread(const char *path, struct got *g,
				      struct unread *u)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;
	struct ct_pulls *e;
	char err[256];
	const void *rec;
	size_t len;
	int rc;

	cr_assert_eq(ct_rec_reader_open(&r, path, &h, err, sizeof(err)), 0,
		     "%s", err);
	e = ct_pulls_new(h.mono_to_real_ns, fx_model(), fx_engines()->pull,
			 on_pull, g);
	cr_assert_not_null(e);
	while ((rc = ct_rec_next(r, &rec, &len, err, sizeof(err))) > 0)
		cr_assert_eq(feed(e, unread_of(rec, len, u), len), 0);
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert(!u->refs[0] && !u->refs[1], "the image records to make "
		  "unread");
	ct_pulls_flush(e);
	ct_rec_reader_close(r);
	return e;
}

static struct ct_pulls *replay(const char *path, struct got *g)
{
	struct unread none = { .refs = { NULL, NULL } };

	return replay_unread(path, g, &none);
}

static void check_layer(const struct got *g, const struct tj *truth,
			size_t i)
{
	const struct ct_pull_layer *l = NULL;
	const char *digest;
	char path[64];
	uint64_t size;

	snprintf(path, sizeof(path), "layers.%zu.size", i);
	cr_assert(tj_u64(truth, path, &size));
	snprintf(path, sizeof(path), "layers.%zu.digest", i);
	digest = tj_str(truth, path);
	for (size_t j = 0; j < g->last.nlayers; j++)
		if (!strcmp(g->layers[j].digest, digest))
			l = &g->layers[j];
	cr_assert_not_null(l, "layer %s not reported", digest);
	cr_assert_eq(l->bytes, size, "%s: %llu bytes, registry %llu", digest,
		     (unsigned long long)l->bytes, (unsigned long long)size);
	cr_assert(l->fetch_start_ns >= g->last.start_ns);
	cr_assert(l->unpack_start_ns >= l->fetch_start_ns + l->fetch_dur_ns,
		  "fetch before unpack");
	cr_assert(l->unpack_start_ns + l->unpack_dur_ns <=
		  g->last.start_ns + g->last.dur_ns);
}

/*
 * Replay NAME.ctrec; check against NAME.layers.json: one complete pull of
 * that image by that engine, every registry layer once with its exact
 * compressed size, fetch before unpack, everything inside the pull.
 */
static void check_recorded(const char *name)
{
	char p1[512], p2[512], f1[128], f2[128];
	struct got g = { 0 };
	struct ct_pulls *e;
	const struct tj *tl;
	struct tj *truth;
	uint64_t nmcd;
	size_t len;
	char *txt;

	snprintf(f1, sizeof(f1), "%s.ctrec", name);
	snprintf(f2, sizeof(f2), "%s.layers.json", name);
	e = replay(fixture(f1, p1, sizeof(p1)), &g);
	txt = tj_slurp(fixture(f2, p2, sizeof(p2)), &len);
	cr_assert_not_null(txt, "%s", p2);
	truth = tj_parse(txt, len, NULL, 0);
	cr_assert_not_null(truth);
	tl = tj_get(truth, "layers");
	cr_assert_eq(g.n, 1, "one pull, got %d", g.n);
	cr_assert_eq(ct_pulls_count(e), 1);
	cr_assert(g.last.complete);
	cr_assert_str_eq(g.last.engine, tj_str(truth, "engine"));
	cr_assert_str_eq(g.last.image, tj_str(truth, "image"));
	cr_assert_eq(g.last.nlayers, tl->n);
	for (size_t i = 0; i < tl->n; i++)
		check_layer(&g, truth, i);
	cr_assert(tj_u64(truth, "max_concurrent_downloads", &nmcd));
	cr_assert(g.last.conc_max >= 1 && g.last.conc_max <= nmcd);
	cr_assert(g.last.conc_mean > 0 && g.last.conc_mean <= g.last.conc_max);
	cr_assert(g.last.ttfb_ns > 0 && g.last.ttfb_ns < g.last.dur_ns);
	tj_free(truth);
	free(txt);
	ct_pulls_free(e);
}

Test(pull_replay, docker_pull_matches_registry)
{
	check_recorded("docker-pull");
}

Test(pull_replay, ctr_pull_matches_registry)
{
	check_recorded("docker-pull.ctr");
}

/* ---- concurrent pulls, apart ---- */

/* The truth's manifest layers of image ref (an object keyed by refs). */
static const struct tj *truth_layers(const struct tj *images, const char *ref)
{
	for (size_t i = 0; i < images->n; i++)
		if (!strcmp(images->keys[i], ref))
			return images->items[i];
	return NULL;
}

static bool in_step(const struct tj *pulls, const char *ref)
{
	for (size_t i = 0; i < pulls->n; i++)
		if (!strcmp(pulls->items[i]->text, ref))
			return true;
	return false;
}

/* Which pull of [from, to) fetched digest (bytes written), or -1. */
static int fetcher(const struct ct_pulls *e, size_t from, size_t to,
		   const char *digest)
{
	int who = -1;

	for (size_t i = from; i < to; i++) {
		const struct ct_pull *p = ct_pulls_get(e, i);

		for (size_t j = 0; j < p->nlayers; j++)
			if (!strcmp(p->layers[j].digest, digest) &&
			    p->layers[j].bytes) {
				cr_assert_eq(who, -1, "%s fetched twice", digest);
				who = (int)i;
			}
	}
	return who;
}

/*
 * One layer of pull i of a step [from, to), against the manifest: its
 * digest and size in the manifest's order; fetched with exactly its
 * size, else cached (present before the step) or fetched by the one
 * pull of the step that has its bytes.
 */
static void check_listed(const struct ct_pulls *e, size_t from, size_t to,
			 size_t i, const struct tj *ml, const struct tj *before)
{
	const struct ct_pull *p = ct_pulls_get(e, i);

	cr_assert_eq(p->manifest_src, CT_PULL_M_CONTENT);
	cr_assert_eq(p->nlayers, ml->n, "%s: %zu layers, manifest %zu",
		     p->image, p->nlayers, ml->n);
	cr_assert_eq(p->layers_total, ml->n);
	for (size_t j = 0; j < ml->n; j++) {
		const struct ct_pull_layer *l = &p->layers[j];
		const char *d = tj_str(ml->items[j], "digest");
		uint64_t size;
		int who;

		cr_assert(tj_u64(ml->items[j], "size", &size));
		cr_assert_str_eq(l->digest, d);
		cr_assert_eq(l->size, size);
		if (in_step(before, d)) {
			cr_assert(l->cached && !l->bytes && !l->fetched_by[0],
				  "%s of %s was present: cached", d, p->image);
			continue;
		}
		cr_assert_not(l->cached, "%s of %s was not present", d, p->image);
		who = fetcher(e, from, to, d);
		cr_assert_geq(who, 0, "%s fetched by no pull", d);
		if (who == (int)i) {
			cr_assert_eq(l->bytes, size, "%s: %llu bytes, registry %llu",
				     d, (unsigned long long)l->bytes,
				     (unsigned long long)size);
			cr_assert_not(l->fetched_by[0]);
		} else {
			cr_assert_str_eq(l->fetched_by, ct_pulls_get(e, who)->image);
			cr_assert(l->fetch_start_ns, "the fetch it waited on");
		}
	}
}

/*
 * Recording NAME.ctrec against NAME.layers.json (from the registry's
 * manifests): each step's pulls apart, complete, named as the daemon
 * stored them, every manifest layer listed, each fetched once.
 */
static void check_steps(const char *name)
{
	char p1[512], p2[512], f[128];
	const struct tj *images, *steps;
	struct got g = { 0 };
	struct ct_pulls *e;
	struct tj *truth;
	size_t len, at = 0;
	char *txt;

	snprintf(f, sizeof(f), "%s.ctrec", name);
	e = replay(fixture(f, p1, sizeof(p1)), &g);
	snprintf(f, sizeof(f), "%s.layers.json", name);
	txt = tj_slurp(fixture(f, p2, sizeof(p2)), &len);
	cr_assert_not_null(txt, "%s", p2);
	truth = tj_parse(txt, len, NULL, 0);
	cr_assert_not_null(truth);
	images = tj_get(truth, "images");
	steps = tj_get(truth, "steps");
	for (size_t s = 0; s < steps->n; s++) {
		const struct tj *pulls = tj_get(steps->items[s], "pulls");
		const struct tj *before = tj_get(steps->items[s],
						 "present_before");

		cr_assert_leq(at + pulls->n, ct_pulls_count(e));
		for (size_t i = at; i < at + pulls->n; i++) {
			const struct ct_pull *p = ct_pulls_get(e, i);

			cr_assert(p->complete);
			cr_assert(in_step(pulls, p->image), "step %zu: %s", s,
				  p->image);
			check_listed(e, at, at + pulls->n, i,
				     truth_layers(images, p->image), before);
		}
		at += pulls->n;
	}
	cr_assert_eq(ct_pulls_count(e), at, "%zu pulls, %zu asked",
		     ct_pulls_count(e), at);
	tj_free(truth);
	free(txt);
	ct_pulls_free(e);
}

/*
 * Three pulls at once of images sharing layers, then one whose shared
 * layers were present, then one by digest: dockerd named them in its
 * own store.
 */
Test(pull_replay, concurrent_pulls_apart_with_cached_layers)
{
	check_steps("docker-pulls5");
}

/* The same through `ctr images pull` (containerd 1.7): containerd named
 * them in its metadata database. */
Test(pull_replay, containerd_pulls_apart_named_by_its_store)
{
	check_steps("ctr-pulls5");
}

/* The same through `podman pull` (Podman 4.3), each its own process:
 * Podman named them in its own store (images.json), and its blobs took
 * their layers by the manifest it stored. */
Test(pull_replay, podman_pulls_apart_named_by_its_store)
{
	check_steps("podman-pulls4");
}

/*
 * Three `docker pull`s at once through Docker 28's containerd image store
 * (containerd 2.1 unpacks a layer two pulls share twice, and stores each
 * image once it is unpacked): each pull inside its client's wall clock
 * (docker-cstore-pulls3.spans.json), none taking the other's unpack.
 */
Test(pull_replay, containerd_store_pulls_inside_their_clients)
{
	char p1[512], p2[512];
	const struct tj *spans;
	struct got g = { 0 };
	struct ct_pulls *e;
	struct tj *truth;
	size_t len;
	char *txt;

	e = replay(fixture("docker-cstore-pulls3.ctrec", p1, sizeof(p1)), &g);
	txt = tj_slurp(fixture("docker-cstore-pulls3.spans.json", p2,
			       sizeof(p2)), &len);
	cr_assert_not_null(txt, "%s", p2);
	truth = tj_parse(txt, len, NULL, 0);
	cr_assert_not_null(truth);
	spans = tj_get(truth, "spans");
	cr_assert_eq(ct_pulls_count(e), spans->n);
	for (size_t i = 0; i < ct_pulls_count(e); i++) {
		const struct ct_pull *p = ct_pulls_get(e, i);
		const struct tj *span = NULL;
		uint64_t t0 = 0, t1 = 0;

		for (size_t k = 0; k < spans->n; k++)
			if (!strcmp(spans->keys[k], p->image))
				span = spans->items[k];
		cr_assert_not_null(span, "%s: no client", p->image);
		cr_assert(tj_u64(span, "0", &t0) && tj_u64(span, "1", &t1));
		cr_assert(p->complete);
		cr_assert(p->start_ns >= t0 && p->start_ns + p->dur_ns <= t1,
			  "%s: [%llu, +%llu] outside its client's [%llu, %llu]",
			  p->image, (unsigned long long)p->start_ns,
			  (unsigned long long)p->dur_ns,
			  (unsigned long long)t0, (unsigned long long)t1);
	}
	tj_free(truth);
	free(txt);
	ct_pulls_free(e);
}

/* ---- a pull whose manifest was unread ---- */

/*
 * p, built of its blobs alone, against its manifest's layers ml: each
 * one not present before the pull among its blobs with exactly its
 * size, and nothing else but a config's few KB.
 */
static void check_unread(const struct ct_pull *p, const struct tj *ml,
			 const struct tj *before)
{
	bool taken[16] = { false };
	uint64_t want = 0, got = 0;

	cr_assert_eq(p->manifest_src, CT_PULL_M_UNREAD);
	cr_assert(p->complete);
	cr_assert_eq(p->layers_total, 0);
	cr_assert_leq(p->nlayers, 16);
	for (size_t j = 0; j < p->nlayers; j++) {
		cr_assert_not(p->layers[j].cached || p->layers[j].fetched_by[0],
			      "no layer said cached: none is known");
		got += p->layers[j].bytes;
	}
	for (size_t i = 0; i < ml->n; i++) {
		uint64_t size;
		size_t j;

		cr_assert(tj_u64(ml->items[i], "size", &size));
		if (in_step(before, tj_str(ml->items[i], "digest")))
			continue;
		want += size;
		for (j = 0; j < p->nlayers; j++)
			if (!taken[j] && p->layers[j].bytes == size)
				break;
		cr_assert_lt(j, p->nlayers, "%s: its layer of %llu bytes",
			     p->image, (unsigned long long)size);
		taken[j] = true;
	}
	cr_assert_geq(got, want);
	cr_assert_leq(got - want, 16384, "%s: %llu bytes more than its "
		      "layers", p->image, (unsigned long long)(got - want));
}

/* Its JSON says what is unknown (null), never 0. */
static void check_unread_json(const struct ct_pull *p)
{
	char *buf = NULL;
	size_t len = 0;
	struct tj *v;
	uint64_t u;
	FILE *f;

	f = open_memstream(&buf, &len);
	cr_assert_eq(ct_jsonl_write(f, &ct_jsonl_pull, p), 0);
	fclose(f);
	v = tj_parse(buf, len, NULL, 0);
	cr_assert_not_null(v, "%s", buf);
	cr_assert(tj_is(v, "manifest.unread", TJ_BOOL) &&
		  tj_get(v, "manifest.unread")->b);
	cr_assert(tj_is(v, "manifest.layers_from", TJ_NULL));
	cr_assert(tj_is(v, "manifest.layers", TJ_NULL));
	cr_assert(tj_is(v, "manifest.cached", TJ_NULL));
	cr_assert(tj_is(v, "manifest.cached_bytes", TJ_NULL));
	cr_assert(tj_u64(v, "manifest.fetched", &u) && u == p->nlayers);
	cr_assert_str_eq(tj_str(v, "image"), p->image);
	tj_free(v);
	free(buf);
}

/* NAME's truth (NAME.layers.json), its text in *txt to free. */
static struct tj *truth_of(const char *name, char **txt)
{
	char p[512], f[128];
	struct tj *truth;
	size_t len;

	snprintf(f, sizeof(f), "%s.layers.json", name);
	*txt = tj_slurp(fixture(f, p, sizeof(p)), &len);
	truth = *txt ? tj_parse(*txt, len, NULL, 0) : NULL;
	cr_assert_not_null(truth, "%s", p);
	return truth;
}

/*
 * NAME.ctrec replayed with the skip + 1st image record of ref unread:
 * as many pulls as truth's steps asked, one of them unread and named
 * ref, which is returned (*ep: the pulls, to free).
 */
static const struct ct_pull *one_unread(const char *name,
					const struct tj *truth,
					const char *ref, size_t skip,
					struct ct_pulls **ep)
{
	const struct tj *steps = tj_get(truth, "steps");
	const struct ct_pull *unread = NULL;
	struct unread *u = calloc(1, sizeof(*u));
	struct got g = { 0 };
	char p[512], f[128];
	size_t n = 0;

	cr_assert_not_null(u);
	for (size_t s = 0; s < steps->n; s++)
		n += tj_get(steps->items[s], "pulls")->n;
	u->refs[0] = ref;
	u->skip = skip;
	snprintf(f, sizeof(f), "%s.ctrec", name);
	*ep = replay_unread(fixture(f, p, sizeof(p)), &g, u);
	free(u);
	cr_assert_eq(ct_pulls_count(*ep), n, "%zu pulls, %zu asked",
		     ct_pulls_count(*ep), n);
	for (size_t i = 0; i < n; i++) {
		const struct ct_pull *pl = ct_pulls_get(*ep, i);

		if (pl->manifest_src != CT_PULL_M_UNREAD)
			continue;
		cr_assert_null(unread, "%s: one pull unread", ref);
		cr_assert_str_eq(pl->image, ref);
		unread = pl;
	}
	cr_assert_not_null(unread, "%s: no pull unread", ref);
	return unread;
}

/*
 * NAME.ctrec replayed with the manifest of step's pull unread: the same
 * pulls, that one still named and complete, its blobs its layers as
 * NAME.layers.json has them, counted by /metrics.
 */
static void check_step_unread(const char *name, size_t step)
{
	const struct tj *steps, *st;
	const struct ct_pull_totals *t;
	const struct ct_pull *p;
	struct ct_pulls *e;
	struct tj *truth;
	const char *ref;
	size_t skip = 0;
	char *txt;

	truth = truth_of(name, &txt);
	steps = tj_get(truth, "steps");
	st = steps->items[step];
	cr_assert_eq(tj_get(st, "pulls")->n, 1, "a pull alone in its step");
	ref = tj_get(st, "pulls")->items[0]->text;
	for (size_t s = 0; s < step; s++)	/* pulled before too */
		skip += in_step(tj_get(steps->items[s], "pulls"), ref);
	p = one_unread(name, truth, ref, skip, &e);
	check_unread(p, truth_layers(tj_get(truth, "images"), ref),
		     tj_get(st, "present_before"));
	check_unread_json(p);
	t = ct_pulls_totals(e, ct_engine_from_name(tj_str(truth, "engine")));
	cr_assert_not_null(t);
	cr_assert_eq(t->manifest_unread, 1);
	tj_free(truth);
	free(txt);
	ct_pulls_free(e);
}

/*
 * The same, ref pulled at once with others (the first step): no pull
 * lost, that one unread and named, each of its blobs one of its
 * manifest's layers (by digest, else by size: Podman's blob files have
 * none) or a config's few KB, and none said cached.
 */
static void check_conc_unread(const char *name, const char *ref)
{
	const struct ct_pull *p;
	const struct tj *ml;
	struct ct_pulls *e;
	struct tj *truth;
	char *txt;

	truth = truth_of(name, &txt);
	cr_assert(in_step(tj_get(tj_get(truth, "steps")->items[0], "pulls"),
			  ref));
	ml = truth_layers(tj_get(truth, "images"), ref);
	p = one_unread(name, truth, ref, 0, &e);
	cr_assert(p->complete, "%s: its client's span", ref);
	for (size_t j = 0; j < p->nlayers; j++) {
		const struct ct_pull_layer *l = &p->layers[j];
		bool mine = l->bytes <= 16384;
		uint64_t size;

		cr_assert_not(l->cached || l->fetched_by[0]);
		for (size_t k = 0; k < ml->n; k++) {
			cr_assert(tj_u64(ml->items[k], "size", &size));
			mine = mine || (l->digest[0] ?
					!strcmp(l->digest, tj_str(ml->items[k],
								  "digest")) :
					l->bytes == size);
		}
		cr_assert(mine, "%s: a blob of %llu bytes not its own", ref,
			  (unsigned long long)l->bytes);
	}
	tj_free(truth);
	free(txt);
	ct_pulls_free(e);
}

/*
 * Two of containerd's pulls at once unread (ctr-pulls5's cta and ctc):
 * which blob is whose is not known, so neither takes the other's by
 * name: as many records as pulls, both unread, one named as its image
 * record was and without layers, the other with the blobs the named
 * pulls left and neither's name or manifest (ctr's clients gone to the
 * named pulls).
 */
Test(pull_unread, two_at_once)
{
	const char *a = "127.0.0.1:5000/cta:latest";
	const char *c = "127.0.0.1:5000/ctc:latest";
	struct unread *u = calloc(1, sizeof(*u));
	const struct ct_pull_totals *t;
	size_t n = 0, bare = 0, with = 0;
	struct got g = { 0 };
	struct ct_pulls *e;
	struct tj *truth;
	char p[512], *txt;

	cr_assert_not_null(u);
	truth = truth_of("ctr-pulls5", &txt);
	for (size_t s = 0; s < tj_get(truth, "steps")->n; s++)
		n += tj_get(tj_get(truth, "steps")->items[s], "pulls")->n;
	u->refs[0] = a;
	u->refs[1] = c;
	e = replay_unread(fixture("ctr-pulls5.ctrec", p, sizeof(p)), &g, u);
	free(u);
	cr_assert_eq(ct_pulls_count(e), n, "%zu pulls, %zu asked",
		     ct_pulls_count(e), n);
	for (size_t i = 0; i < n; i++) {
		const struct ct_pull *pl = ct_pulls_get(e, i);

		if (pl->manifest_src != CT_PULL_M_UNREAD)
			continue;
		if (!pl->nlayers) {
			bare++;
			cr_assert(!strcmp(pl->image, a) || !strcmp(pl->image, c),
				  "%s", pl->image);
		} else {
			with++;
			cr_assert(strcmp(pl->image, a) && strcmp(pl->image, c),
				  "%s: the blobs of two pulls", pl->image);
			cr_assert_not(pl->manifest[0], "no manifest its own");
		}
	}
	cr_assert_eq(bare, 1);
	cr_assert_eq(with, 1);
	t = ct_pulls_totals(e, CT_ENG_CONTAINERD);
	cr_assert(t && t->manifest_unread == 2);
	tj_free(truth);
	free(txt);
	ct_pulls_free(e);
}

Test(pull_unread, concurrent)
{
	check_conc_unread("docker-pulls5", "127.0.0.1:5000/cta:latest");
	check_conc_unread("docker-pulls5", "127.0.0.1:5000/ctc:latest");
	check_conc_unread("ctr-pulls5", "127.0.0.1:5000/cta:latest");
	check_conc_unread("ctr-pulls5", "127.0.0.1:5000/ctc:latest");
	check_conc_unread("podman-pulls4", "127.0.0.1:5000/pma:latest");
	check_conc_unread("podman-pulls4", "127.0.0.1:5000/pmc:latest");
}

/* dockerd: a pull whose layers were partly there, one by digest. */
Test(pull_unread, docker)
{
	check_step_unread("docker-pulls5", 1);
	check_step_unread("docker-pulls5", 2);
}

/* containerd (1.7, `ctr images pull`) */
Test(pull_unread, containerd)
{
	check_step_unread("ctr-pulls5", 1);
	check_step_unread("ctr-pulls5", 2);
}

/* Podman 4.3: its blobs in fetch order, the config among them. */
Test(pull_unread, podman)
{
	check_step_unread("podman-pulls4", 1);
	check_step_unread("podman-pulls4", 2);
}

/*
 * Containers of the images pulled at once claim their own pull, in
 * whatever order they ended; one of another image claims none of them.
 */
Test(pull_replay, a_container_claims_the_pull_of_its_image)
{
	const char *order[] = { "127.0.0.1:5000/ctb", "127.0.0.1:5000/cta",
				"127.0.0.1:5000/ctc:latest" };
	char path[512];
	struct got g = { 0 };
	struct ct_pulls *e;
	uint64_t after = 0;

	e = replay(fixture("docker-pulls5.ctrec", path, sizeof(path)), &g);
	for (size_t i = 0; i < 3; i++) {
		const struct ct_pull *p = ct_pulls_get(e, i);

		if (p->start_ns + p->dur_ns > after)
			after = p->start_ns + p->dur_ns;
	}
	/* the three of the first step are over by after: 10 s of gap */
	cr_assert_null(ct_pulls_claim(e, after + 1, 10000 * MS,
				      "127.0.0.1:5000/other", 0));
	for (size_t i = 0; i < 3; i++) {
		const struct ct_pull *p = ct_pulls_claim(e, after + 1,
							 10000 * MS, order[i], 0);
		char want[64];

		snprintf(want, sizeof(want), "%s%s", order[i],
			 strchr(order[i] + 15, ':') ? "" : ":latest");
		cr_assert_not_null(p, "%s", order[i]);
		cr_assert_str_eq(p->image, want);
	}
	ct_pulls_free(e);
}

/* ---- synthetic records ---- */

struct seq {
	struct ct_pulls *e;
	struct got g;
};

static void hdr(struct ct_hdr *h, uint32_t type, uint32_t size,
		uint64_t ts, const char *comm)
{
	h->ts_ns = ts;
	h->type = type;
	h->size = size;
	h->pid = 100;
	h->tid = 101;
	snprintf(h->comm, sizeof(h->comm), "%s", comm);
}

static void blob(struct seq *s, const char *name, uint64_t open,
		 uint64_t fw, uint64_t lw, uint64_t fr, uint64_t lr,
		 uint64_t bytes)
{
	struct ct_pull_blob b = { 0 };

	hdr(&b.hdr, CT_EV_PULL_BLOB, sizeof(b), (lr ? lr : lw) + MS,
	    "dockerd");
	b.open_ns = open;
	b.first_write_ns = fw;
	b.last_write_ns = lw;
	b.first_read_ns = fr;
	b.last_read_ns = lr;
	b.bytes_written = bytes;
	b.bytes_read = fr ? bytes : 0;
	b.kind = CT_PULL_F_DOCKER_BLOB;
	snprintf(b.path, sizeof(b.path), "/var/lib/docker/tmp/%s", name);
	cr_assert_eq(feed(s->e, &b, sizeof(b)), 0);
}

static void ren(struct seq *s, uint32_t kind, uint64_t ts, const char *to)
{
	struct ct_pull_rename r = { 0 };

	hdr(&r.hdr, CT_EV_PULL_RENAME, sizeof(r), ts, "dockerd");
	r.kind = kind;
	snprintf(r.oldpath, sizeof(r.oldpath), "%s.tmp", to);
	snprintf(r.newpath, sizeof(r.newpath), "%s", to);
	cr_assert_eq(feed(s->e, &r, sizeof(r)), 0);
}

static void digest_ren(struct seq *s, uint64_t ts, char c)
{
	char p[200], hex[65];

	memset(hex, c, 64);
	hex[64] = '\0';
	snprintf(p, sizeof(p),
		 "/var/lib/docker/image/overlay2/distribution/diffid-by-digest/sha256/%s",
		 hex);
	ren(s, CT_PULL_R_DIFFID, ts, p);
}

static void end_pull(struct seq *s, uint64_t ts)
{
	ren(s, CT_PULL_R_REPOS, ts,
	    "/var/lib/docker/image/overlay2/repositories.json");
}

static void feed_exec(struct seq *s, uint64_t ts, uint32_t pid, int argc,
		  const char **argv)
{
	struct ct_exec x;
	size_t off = 0;

	memset(&x, 0, sizeof(x));
	hdr(&x.hdr, CT_EV_EXEC, sizeof(x), ts, "exe");
	x.hdr.pid = pid;
	x.hdr.ppid = 100;	/* dockerd, whose records use pid 100 */
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;

		memcpy(x.args + off, argv[i], n);
		off += n;
	}
	x.args_len = off;
	cr_assert_eq(feed(s->e, &x, sizeof(x)), 0);
}

static void exit_of(struct seq *s, uint64_t ts, uint32_t pid)
{
	struct ct_exit x = { 0 };

	hdr(&x.hdr, CT_EV_EXIT, sizeof(x), ts, "exe");
	x.hdr.pid = pid;
	x.hdr.ppid = 100;
	cr_assert_eq(feed(s->e, &x, sizeof(x)), 0);
}

static void connect_at(struct seq *s, uint64_t ts)
{
	struct ct_pull_connect c = { 0 };

	hdr(&c.hdr, CT_EV_PULL_CONNECT, sizeof(c), ts, "dockerd");
	c.family = 2;
	c.port = 5000;
	cr_assert_eq(feed(s->e, &c, sizeof(c)), 0);
}

static void seq_init_m2r(struct seq *s, int64_t m2r)
{
	memset(s, 0, sizeof(*s));
	s->e = ct_pulls_new(m2r, fx_model(), fx_engines()->pull, on_pull,
			    &s->g);
	cr_assert_not_null(s->e);
}

static void seq_init(struct seq *s)
{
	seq_init_m2r(s, M2R);
}

/*
 * Two layers fetched one after the other (max-concurrent-downloads 1),
 * unpacked in order, each with its docker-untar; the close records and
 * an untar exit arrive after the repositories.json rename, as records of
 * two ring buffers do.
 */
Test(pull_synth, sequential_two_layers)
{
	const char *client[] = { "docker", "pull", "--platform", "linux",
				 "reg:5000/app:1" };
	const char *untar[] = { "docker-untar", "/", "/x/diff" };
	struct seq s;

	seq_init(&s);
	feed_exec(&s, 10 * MS, 50, 5, client);
	connect_at(&s, 12 * MS);
	feed_exec(&s, 130 * MS, 60, 3, untar);
	digest_ren(&s, 150 * MS, 'a');
	feed_exec(&s, 210 * MS, 61, 3, untar);
	exit_of(&s, 140 * MS, 60);
	digest_ren(&s, 250 * MS, 'b');
	end_pull(&s, 260 * MS);
	exit_of(&s, 262 * MS, 50);	/* docker pull returns */
	blob(&s, "GetImageBlob1", 20 * MS, 30 * MS, 100 * MS, 120 * MS,
	     140 * MS, 5000);
	blob(&s, "GetImageBlob2", 101 * MS, 110 * MS, 200 * MS, 205 * MS,
	     240 * MS, 7000);
	exit_of(&s, 245 * MS, 61);
	cr_assert_eq(s.g.n, 0, "emitted before the grace period");
	ct_pulls_tick(s.e, 260 * MS + CT_PULL_GRACE_NS + 1);
	cr_assert_eq(s.g.n, 1);
	cr_assert_str_eq(s.g.last.image, "reg:5000/app:1");
	cr_assert(s.g.last.complete);
	cr_assert_eq(s.g.last.start_ns, M2R + 12 * MS);
	cr_assert_eq(s.g.last.dur_ns, 248 * MS);
	cr_assert_eq(s.g.last.ttfb_ns, 18 * MS);
	cr_assert_eq(s.g.last.nlayers, 2);
	cr_assert_eq(s.g.last.conc_max, 1);
	cr_assert_eq(s.g.layers[0].bytes, 5000);
	cr_assert_eq(s.g.layers[0].digest[7], 'a');
	cr_assert_eq(s.g.layers[1].digest[7], 'b');
	cr_assert_eq(s.g.layers[0].fetch_start_ns, M2R + 20 * MS);
	cr_assert_eq(s.g.layers[0].fetch_dur_ns, 80 * MS);
	cr_assert_eq(s.g.layers[0].unpack_start_ns, M2R + 120 * MS);
	cr_assert_eq(s.g.layers[0].unpack_dur_ns, 20 * MS);
	/* untar exit after the last read: unpack ends there */
	cr_assert_eq(s.g.layers[1].unpack_dur_ns, 40 * MS);
	cr_assert_eq(s.g.last.untraced_files, 0);
	cr_assert(!s.g.layers[0].untraced && !s.g.layers[1].untraced);
	ct_pulls_free(s.e);
}

/*
 * The pull hooks attached after the first blob file's open (a connect
 * that asked for them late): the kernel sends that file at its open as
 * CT_EV_PULL_UNTRACED, with no counts.  Its layer is there, said
 * untraced, with nothing made up: no bytes, no digest (dockerd's digest
 * goes to a blob whose read-back was seen), no unpack.
 */
/* dockerd's blob file name, opened at open with the hooks on its
 * writes off: sent then, untraced, with no counts. */
static void blob_at_open(struct seq *s, const char *name, uint64_t open,
			 int fd)
{
	struct ct_pull_blob b = { 0 };

	hdr(&b.hdr, CT_EV_PULL_UNTRACED, sizeof(b), open, "dockerd");
	b.open_ns = open;
	b.kind = CT_PULL_F_DOCKER_BLOB;
	b.fd = fd;
	snprintf(b.path, sizeof(b.path), "/var/lib/docker/tmp/%s", name);
	cr_assert_eq(feed(s->e, &b, sizeof(b)), 0);
}

Test(pull_synth, a_blob_opened_before_the_hooks_is_untraced)
{
	struct seq s;

	seq_init(&s);
	connect_at(&s, 12 * MS);
	blob_at_open(&s, "GetImageBlob1", 20 * MS, 9);
	digest_ren(&s, 150 * MS, 'a');
	digest_ren(&s, 250 * MS, 'b');
	end_pull(&s, 260 * MS);
	blob(&s, "GetImageBlob2", 101 * MS, 110 * MS, 200 * MS, 205 * MS,
	     240 * MS, 7000);
	ct_pulls_tick(s.e, 260 * MS + CT_PULL_GRACE_NS + 1);
	cr_assert_eq(s.g.n, 1);
	cr_assert_eq(s.g.last.nlayers, 2);
	cr_assert_eq(s.g.last.untraced_files, 1);
	cr_assert(s.g.layers[0].untraced);
	cr_assert_eq(s.g.layers[0].bytes, 0);
	cr_assert_str_empty(s.g.layers[0].digest);
	cr_assert_eq(s.g.layers[0].unpack_start_ns, 0);
	cr_assert(!s.g.layers[1].untraced);
	cr_assert_eq(s.g.layers[1].bytes, 7000);
	cr_assert_eq(s.g.layers[1].digest[7], 'b');
	/* the first byte written that was seen: the traced layer's */
	cr_assert_eq(s.g.last.ttfb_ns, 98 * MS);
	ct_pulls_free(s.e);
}

static void arm_at(struct seq *s, uint64_t ts, bool on, uint64_t trigger)
{
	struct ct_arm_rec r = { 0 };

	hdr(&r.hdr, CT_EV_ARM, sizeof(r), ts, "coldtrace");
	r.armed = on;
	r.trigger_ns = on ? trigger : 0;
	cr_assert_eq(feed(s->e, &r, sizeof(r)), 0);
}

/* One docker layer, 20..140 ms; the pull begins at its connect, 12 ms. */
static void connect_and_layer(struct seq *s)
{
	connect_at(s, 12 * MS);
	digest_ren(s, 150 * MS, 'a');
	end_pull(s, 260 * MS);
	blob(s, "GetImageBlob1", 20 * MS, 30 * MS, 100 * MS, 120 * MS,
	     140 * MS, 5000);
	ct_pulls_tick(s->e, 260 * MS + CT_PULL_GRACE_NS + 1);
	cr_assert_eq(s->g.n, 1);
}

/*
 * A pull that no client waited for, begun while the hooks were off: its
 * registry connect attached them (the ARM record, made after the
 * connect, is fed before it, as the live loop does), and the pull says
 * from when it was traced; a blob file opened before is not in it.
 */
Test(pull_synth, a_pull_begun_with_the_hooks_off_says_from_when)
{
	struct seq s;

	seq_init(&s);
	arm_at(&s, 1 * MS, true, 0);
	arm_at(&s, 5 * MS, false, 0);
	arm_at(&s, 15 * MS, true, 12 * MS);
	connect_and_layer(&s);
	cr_expect_eq(s.g.last.traced_from_ns, M2R + 15 * MS);
	cr_expect_eq(s.g.last.nlayers, 1);
	ct_pulls_free(s.e);
}

/* Attached before the pull began (or never said): nothing to say. */
Test(pull_synth, a_pull_with_the_hooks_on_says_nothing)
{
	struct seq s;

	seq_init(&s);
	arm_at(&s, 1 * MS, true, 0);
	arm_at(&s, 300 * MS, false, 0);
	connect_and_layer(&s);
	cr_expect_eq(s.g.last.traced_from_ns, 0);
	ct_pulls_free(s.e);
	seq_init(&s);
	connect_and_layer(&s);
	cr_expect_eq(s.g.last.traced_from_ns, 0, "a recording without ARM");
	ct_pulls_free(s.e);
}

/*
 * Before the session's own first attach: the pull began before it.
 * Unless older turns were forgotten: then it is not known.
 */
Test(pull_synth, a_pull_before_the_first_attach_known)
{
	struct seq s;

	seq_init(&s);
	arm_at(&s, 14 * MS, true, 0);
	connect_and_layer(&s);
	cr_expect_eq(s.g.last.traced_from_ns, M2R + 14 * MS);
	ct_pulls_free(s.e);
	seq_init(&s);
	for (int i = 0; i < 40; i++)
		arm_at(&s, 13 * MS + (uint64_t)i * 1000, i % 2 == 0, 0);
	connect_and_layer(&s);
	cr_expect_eq(s.g.last.traced_from_ns, 0, "forgotten: not known");
	ct_pulls_free(s.e);
}

/* Three layers at once, then a fourth: max 3. */
Test(pull_synth, concurrent_layers)
{
	struct seq s;

	seq_init(&s);
	blob(&s, "GetImageBlob1", 10 * MS, 11 * MS, 40 * MS, 50 * MS,
	     60 * MS, 1);
	blob(&s, "GetImageBlob2", 10 * MS, 11 * MS, 50 * MS, 60 * MS,
	     70 * MS, 1);
	blob(&s, "GetImageBlob3", 10 * MS, 11 * MS, 60 * MS, 70 * MS,
	     80 * MS, 1);
	blob(&s, "GetImageBlob4", 41 * MS, 42 * MS, 70 * MS, 80 * MS,
	     90 * MS, 1);
	end_pull(&s, 95 * MS);
	ct_pulls_flush(s.e);
	cr_assert_eq(s.g.n, 1);
	cr_assert_eq(s.g.last.conc_max, 3);
	/* no connect, no client: the pull starts at the first open */
	cr_assert_eq(s.g.last.start_ns, M2R + 10 * MS);
	cr_assert(s.g.last.image[0] == '\0');
	ct_pulls_free(s.e);
}

/* `docker tag` rewrites repositories.json too: no blob, no pull. */
Test(pull_synth, tag_is_not_a_pull)
{
	struct seq s;

	seq_init(&s);
	end_pull(&s, 10 * MS);
	ct_pulls_tick(s.e, 10 * MS + 2 * CT_PULL_GRACE_NS);
	ct_pulls_flush(s.e);
	cr_assert_eq(s.g.n, 0);
	ct_pulls_free(s.e);
}

/* Tracing stopped mid-pull: emitted at flush, marked incomplete. */
Test(pull_synth, incomplete_at_flush)
{
	struct seq s;

	seq_init(&s);
	blob(&s, "GetImageBlob1", 10 * MS, 11 * MS, 40 * MS, 0, 0, 9);
	ct_pulls_flush(s.e);
	cr_assert_eq(s.g.n, 1);
	cr_assert(!s.g.last.complete);
	cr_assert_eq(s.g.layers[0].unpack_start_ns, 0);
	ct_pulls_free(s.e);
}

/*
 * A pull whose end never came is out, not complete, once the hooks are
 * detached after its last event (its blob files all closed); a detach
 * before that event, or ten minutes not yet gone, keep it waiting.
 */
Test(pull_synth, abandoned_pull_out_at_the_next_detach)
{
	struct seq s;

	seq_init(&s);
	arm_at(&s, 5 * MS, false, 0);	/* before its blob: not its own */
	blob(&s, "GetImageBlob1", 10 * MS, 11 * MS, 40 * MS, 0, 0, 9);
	ct_pulls_tick(s.e, 9 * 60 * 1000 * MS);
	cr_assert_eq(s.g.n, 0, "out before a detach or 10 min");
	arm_at(&s, 9 * 60 * 1000 * MS + 1, false, 0);
	cr_assert_eq(s.g.n, 1, "out at the detach");
	cr_assert(!s.g.last.complete);
	cr_assert_eq(s.g.last.layers[0].bytes, 9);
	ct_pulls_free(s.e);

	seq_init(&s);
	blob(&s, "GetImageBlob1", 10 * MS, 11 * MS, 40 * MS, 0, 0, 9);
	ct_pulls_tick(s.e, 41 * MS + CT_PULL_ABANDON_NS + 1);
	cr_assert_eq(s.g.n, 1, "out after 10 min without an event");
	cr_assert(!s.g.last.complete);
	ct_pulls_free(s.e);
}

/* Where a pull's time went: 5 ms from its connect to its first fetch,
 * fetching 100 ms, then unpacking 200 ms while nothing fetched: held up
 * by unpack. */
Test(pull_synth, critical_path_of_an_unpack_bound_pull)
{
	struct seq s;

	seq_init(&s);
	connect_at(&s, 5 * MS);
	blob(&s, "GetImageBlob1", 10 * MS, 11 * MS, 110 * MS, 120 * MS,
	     320 * MS, 1000);
	end_pull(&s, 330 * MS);
	ct_pulls_flush(s.e);
	cr_assert_eq(s.g.n, 1);
	cr_assert_eq(s.g.last.before_fetch_ns, 5 * MS);
	cr_assert_eq(s.g.last.fetch_busy_ns, 100 * MS);
	cr_assert_eq(s.g.last.unpack_only_ns, 200 * MS);
	ct_pulls_free(s.e);
}

/* Two pulls back to back are two records. */
/* containerd's files of one layer, digest all c's: its ingest written
 * over [t, t + 20 ms], committed, then read back (its unpack). */
#define CTRD_ROOT	"/var/lib/containerd/io.containerd.content.v1.content"

static void ctrd_layer(struct seq *s, uint64_t t, char c)
{
	struct ct_pull_blob b = { 0 };
	struct ct_pull_rename r = { 0 };
	char hex[65];

	memset(hex, c, 64);
	hex[64] = '\0';
	hdr(&b.hdr, CT_EV_PULL_BLOB, sizeof(b), t + 21 * MS, "containerd");
	b.open_ns = t;
	b.first_write_ns = t + MS;
	b.last_write_ns = t + 20 * MS;
	b.bytes_written = 4096;
	b.writes = 4;
	b.kind = CT_PULL_F_CTRD_INGEST;
	snprintf(b.path, sizeof(b.path), CTRD_ROOT "/ingest/%c/data", c);
	cr_assert_eq(feed(s->e, &b, sizeof(b)), 0);
	hdr(&r.hdr, CT_EV_PULL_RENAME, sizeof(r), t + 22 * MS, "containerd");
	r.kind = CT_PULL_R_CTRD_BLOB;
	snprintf(r.oldpath, sizeof(r.oldpath), "%s", b.path);
	snprintf(r.newpath, sizeof(r.newpath), CTRD_ROOT "/blobs/sha256/%s",
		 hex);
	cr_assert_eq(feed(s->e, &r, sizeof(r)), 0);
	memset(&b, 0, sizeof(b));
	hdr(&b.hdr, CT_EV_PULL_BLOB, sizeof(b), t + 41 * MS, "containerd");
	b.open_ns = t + 30 * MS;
	b.first_read_ns = t + 30 * MS;
	b.last_read_ns = t + 40 * MS;
	b.bytes_read = 4096;
	b.reads = 3;
	b.kind = CT_PULL_F_CTRD_BLOB;
	snprintf(b.path, sizeof(b.path), "%s", r.newpath);
	cr_assert_eq(feed(s->e, &b, sizeof(b)), 0);
}

/* comm's store: image ref stored at ts, a layer for each of cs, its
 * digest all that character, 4096 bytes compressed. */
static void store_image(struct seq *s, uint64_t ts, const char *comm,
			const char *ref, const char *cs)
{
	struct ct_pull_image *im = calloc(1, sizeof(*im));

	cr_assert_not_null(im);
	hdr(&im->hdr, CT_EV_PULL_IMAGE, sizeof(*im), ts, comm);
	im->source = CT_PULL_M_CONTENT;
	im->nlayers = im->layers_total = strlen(cs);
	snprintf(im->ref, sizeof(im->ref), "%s", ref);
	for (uint32_t i = 0; i < im->nlayers; i++) {
		struct ct_pull_image_layer *l = &im->layers[i];

		snprintf(l->digest, sizeof(l->digest), "sha256:%064d", 0);
		memset(l->digest + 7, cs[i], 64);
		l->size = 4096;
	}
	cr_assert_eq(feed(s->e, im, sizeof(*im)), 0);
	free(im);
}

/* containerd's store: image ref stored at ts, its one layer all c's. */
static void ctrd_image(struct seq *s, uint64_t ts, const char *ref, char c)
{
	const char cs[2] = { c, '\0' };

	store_image(s, ts, "containerd", ref, cs);
}

/*
 * What containerd imports (`ctr images import`; `kind load` runs it) it
 * stores as it stores a pull, through its ingests: no pull while an
 * importer ran and containerd connected to no registry.  The same files
 * with no importer are a pull no client asked for (the CRI's).
 */
Test(pull_synth, an_import_is_not_a_pull)
{
	const char *argv[] = { "ctr", "-n", "k8s.io", "images", "import",
			       "img.tar" };
	struct seq s;

	seq_init(&s);
	feed_exec(&s, 5 * MS, 300, 6, argv);
	ctrd_layer(&s, 10 * MS, 'a');
	ctrd_image(&s, 60 * MS, "example.com/imported:1", 'a');
	exit_of(&s, 70 * MS, 300);
	ct_pulls_flush(s.e);
	cr_assert_eq(ct_pulls_count(s.e), 0, "an import is no pull");
	ct_pulls_free(s.e);

	seq_init(&s);
	ctrd_layer(&s, 10 * MS, 'a');
	ctrd_image(&s, 60 * MS, "example.com/pulled:1", 'a');
	ct_pulls_flush(s.e);
	cr_assert_eq(ct_pulls_count(s.e), 1);
	cr_assert_str_eq(ct_pulls_get(s.e, 0)->image, "example.com/pulled:1");
	cr_assert_eq(ct_pulls_get(s.e, 0)->layers[0].bytes, 4096);
	ct_pulls_free(s.e);
}

/*
 * An import of an image one of whose blobs containerd holds already
 * (another namespace pulled it): containerd ingests it and drops the
 * ingest uncommitted.  That blob is still the import's, not an
 * interrupted pull of no image (seen in pull_apart.sh ctr, its images
 * pushed once for several tests: docker had cached pc's manifest).  The
 * same blob with no importer and no connect stays an incomplete pull.
 */
Test(pull_synth, an_import_of_a_blob_present_is_not_a_pull)
{
	const char *argv[] = { "ctr", "-n", "ctpa", "images", "import",
			       "pc.tar" };

	for (int imp = 1; imp >= 0; imp--) {
		struct ct_pull_blob b = { 0 };
		struct seq s;

		seq_init(&s);
		if (imp)
			feed_exec(&s, 5 * MS, 300, 6, argv);
		hdr(&b.hdr, CT_EV_PULL_BLOB, sizeof(b), 9 * MS, "containerd");
		b.open_ns = 8 * MS;
		b.first_write_ns = b.last_write_ns = 8 * MS + 500000;
		b.bytes_written = 737;
		b.writes = 1;
		b.kind = CT_PULL_F_CTRD_INGEST;
		snprintf(b.path, sizeof(b.path), CTRD_ROOT "/ingest/m/data");
		cr_assert_eq(feed(s.e, &b, sizeof(b)), 0);
		ctrd_layer(&s, 10 * MS, 'a');
		ctrd_image(&s, 60 * MS, "example.com/imported:1", 'a');
		if (imp)
			exit_of(&s, 70 * MS, 300);
		ct_pulls_flush(s.e);
		if (imp) {
			cr_expect_eq(ct_pulls_count(s.e), 0,
				     "an import is no pull");
		} else {
			cr_assert_eq(ct_pulls_count(s.e), 2);
			cr_expect_not(ct_pulls_get(s.e, 1)->complete);
		}
		ct_pulls_free(s.e);
	}
}

/*
 * containerd's connects beside an import: one to its own spans'
 * collector (OTLP/TCP, port 4318: it exports them every few seconds)
 * is no registry's, and the import stays no pull; one to the port the
 * image's reference names (443: none named) makes it a pull (the CRI's,
 * beside an import).
 */
Test(pull_synth, an_exporters_connect_makes_no_pull)
{
	const char *argv[] = { "ctr", "-n", "k8s.io", "images", "import",
			       "img.tar" };
	static const uint16_t port[] = { 4318, 443 };

	for (size_t i = 0; i < 2; i++) {
		struct ct_pull_connect c = { 0 };
		struct seq s;

		seq_init(&s);
		hdr(&c.hdr, CT_EV_PULL_CONNECT, sizeof(c), 4 * MS,
		    "containerd");
		c.family = 2;
		c.port = port[i];
		cr_assert_eq(feed(s.e, &c, sizeof(c)), 0);
		feed_exec(&s, 5 * MS, 300, 6, argv);
		ctrd_layer(&s, 10 * MS, 'a');
		ctrd_image(&s, 60 * MS, "example.com/imported:1", 'a');
		exit_of(&s, 70 * MS, 300);
		ct_pulls_flush(s.e);
		cr_expect_eq(ct_pulls_count(s.e), i, "connect to %u",
			     port[i]);
		ct_pulls_free(s.e);
	}
}

/* containerd's read-back of layer c (all c's) over [fr, lr]: an unpack. */
static void ctrd_readback(struct seq *s, uint64_t fr, uint64_t lr, char c)
{
	struct ct_pull_blob b = { 0 };
	char hex[65];

	memset(hex, c, 64);
	hex[64] = '\0';
	hdr(&b.hdr, CT_EV_PULL_BLOB, sizeof(b), lr + MS, "containerd");
	b.open_ns = b.first_read_ns = fr;
	b.last_read_ns = lr;
	b.bytes_read = 4096;
	b.reads = 3;
	b.kind = CT_PULL_F_CTRD_BLOB;
	snprintf(b.path, sizeof(b.path), CTRD_ROOT "/blobs/sha256/%s", hex);
	cr_assert_eq(feed(s->e, &b, sizeof(b)), 0);
}

static const struct ct_pull *pull_of(struct seq *s, const char *image)
{
	for (size_t i = 0; i < ct_pulls_count(s->e); i++)
		if (!strcmp(ct_pulls_get(s->e, i)->image, image))
			return ct_pulls_get(s->e, i);
	cr_assert_fail("no pull of %s", image);
	return NULL;
}

/*
 * `ctr images import` of busybox while containerd exports its own spans
 * (OTLP/TCP to port 4399, nobody listening, a batch every 0.5 s, ctr's
 * requests beside the import making spans): containerd's connects to
 * the exporter's port are no registry's, and the imported image is no
 * pull (it was one before).  Its known limit (docs/pull.md): the blob the
 * import ingests and never commits still comes out as an incomplete
 * pull of no image.
 */
Test(pull_replay, an_import_beside_an_exporter)
{
	char p[512];
	struct got g = { 0 };
	struct ct_pulls *e;

	e = replay(fixture("ctr-import-otlp.ctrec", p, sizeof(p)), &g);
	for (size_t i = 0; i < ct_pulls_count(e); i++) {
		const struct ct_pull *pl = ct_pulls_get(e, i);

		cr_expect(!pl->image[0] || strcmp(pl->image,
			  "docker.io/coldtrace/busybox:latest"),
			  "the imported image is a pull");
		cr_expect_not(pl->complete, "a complete pull of %s",
			      pl->image);
	}
	ct_pulls_free(e);
}

/*
 * Pulls at once that share a layer (trixie's ctr, ten at once): q1
 * fetched and unpacked it, then stored its image; q0 stored its own
 * before any read-back of its own (the layer was there), then a third
 * pull's read-back of it began before q0's client exited and ended
 * after.  That read-back is not q0's unpack: a client waits for its
 * pull's unpack, so q0 ends by its client's exit.
 */
Test(pull_synth, an_unpack_ending_after_the_client_is_another_s)
{
	const char *q0[] = { "ctr", "images", "pull", "reg/q0:latest" };
	const char *q1[] = { "ctr", "images", "pull", "reg/q1:latest" };
	const struct ct_pull *p;
	struct seq s;

	seq_init(&s);
	feed_exec(&s, 1 * MS, 60, 4, q0);
	feed_exec(&s, 2 * MS, 61, 4, q1);
	ctrd_layer(&s, 5 * MS, 'a');	/* q1's: read back 35-45 ms */
	ctrd_image(&s, 50 * MS, "reg/q1:latest", 'a');
	ctrd_image(&s, 52 * MS, "reg/q0:latest", 'a');
	ctrd_readback(&s, 55 * MS, 80 * MS, 'a');
	exit_of(&s, 60 * MS, 61);
	exit_of(&s, 70 * MS, 60);
	ct_pulls_flush(s.e);
	p = pull_of(&s, "reg/q0:latest");
	cr_assert_leq(p->start_ns + p->dur_ns, M2R + 70 * MS,
		      "q0 ends %.1f ms after its client exited",
		      (double)(p->start_ns + p->dur_ns - M2R) / MS - 70);
	cr_assert_neq(p->layers[0].unpack_start_ns, M2R + 55 * MS,
		      "the read-back past its client's exit is another's");
	p = pull_of(&s, "reg/q1:latest");
	cr_assert_eq(p->layers[0].unpack_start_ns, M2R + 35 * MS);
	ct_pulls_free(s.e);
}

/* An ingest of containerd's never committed, its file followed whole
 * (type CT_EV_PULL_BLOB) or not (CT_EV_PULL_UNTRACED). */
static void ctrd_ingest_left(struct seq *s, uint64_t t, uint32_t type)
{
	struct ct_pull_blob b = { 0 };

	hdr(&b.hdr, type, sizeof(b), t + 21 * MS, "containerd");
	b.open_ns = t;
	b.first_write_ns = t + MS;
	b.last_write_ns = t + 20 * MS;
	b.bytes_written = type == CT_EV_PULL_BLOB ? 4096 : 0;
	b.kind = CT_PULL_F_CTRD_INGEST;
	snprintf(b.path, sizeof(b.path), CTRD_ROOT "/ingest/x/data");
	cr_assert_eq(feed(s->e, &b, sizeof(b)), 0);
}

/*
 * An ingest never committed is an interrupted pull only if its file was
 * followed whole: one the hooks came late to (a clientless pull's
 * connect attached them; dockerd cached its manifest in containerd's
 * content store meanwhile) may have been committed unseen: no pull.
 */
Test(pull_synth, an_uncommitted_ingest_seen_whole_is_a_pull)
{
	struct seq s;

	seq_init(&s);
	ctrd_ingest_left(&s, 10 * MS, CT_EV_PULL_BLOB);
	ct_pulls_flush(s.e);
	cr_assert_eq(ct_pulls_count(s.e), 1);
	cr_assert_not(ct_pulls_get(s.e, 0)->complete);
	cr_assert_eq(ct_pulls_get(s.e, 0)->layers[0].bytes, 4096);
	ct_pulls_free(s.e);

	seq_init(&s);
	ctrd_ingest_left(&s, 10 * MS, CT_EV_PULL_UNTRACED);
	ct_pulls_flush(s.e);
	cr_assert_eq(ct_pulls_count(s.e), 0, "a commit may have been missed");
	ct_pulls_free(s.e);
}

/*
 * A pull no client asked for whose connect attached the hooks after
 * dockerd opened its two blob files (as in a slow guest): both sent
 * untraced at their open, no read-back seen, so no digest.  One pull,
 * named by the store, its two layers untraced (neither fetch seen, and
 * neither present before: not cached), its start at the connect; not a
 * second pull of the two files.  Files sent at their open hold no hooks:
 * a detach meanwhile does not end their pull.
 */
Test(pull_synth, blobs_the_hooks_came_late_to_are_the_one_image_s)
{
	struct seq s;

	seq_init(&s);
	connect_at(&s, 12 * MS);
	arm_at(&s, 13 * MS, true, 12 * MS);
	blob_at_open(&s, "GetImageBlob0", 20 * MS, 9);
	blob_at_open(&s, "GetImageBlob1", 21 * MS, 10);
	arm_at(&s, 100 * MS, false, 0);
	ct_pulls_tick(s.e, 110 * MS);
	cr_assert_eq(ct_pulls_count(s.e), 0, "its files may be open still");
	arm_at(&s, 140 * MS, true, 0);
	digest_ren(&s, 150 * MS, 'a');
	digest_ren(&s, 250 * MS, 'b');
	end_pull(&s, 260 * MS);
	store_image(&s, 260 * MS, "dockerd", "reg:5000/app:1", "ab");
	ct_pulls_flush(s.e);
	cr_assert_eq(ct_pulls_count(s.e), 1);
	cr_assert_str_eq(ct_pulls_get(s.e, 0)->image, "reg:5000/app:1");
	cr_assert_eq(ct_pulls_get(s.e, 0)->nlayers, 2);
	cr_assert_eq(ct_pulls_get(s.e, 0)->untraced_files, 2);
	cr_assert_eq(ct_pulls_get(s.e, 0)->start_ns, M2R + 12 * MS);
	for (int i = 0; i < 2; i++) {
		const struct ct_pull_layer *l = &ct_pulls_get(s.e, 0)->layers[i];

		cr_assert(l->untraced && !l->cached);
		cr_assert_eq(l->digest[7], "ab"[i]);
	}
	ct_pulls_free(s.e);
}

/*
 * Two `docker create`s at once of images not present: dockerd pulls
 * both, and may fetch the second over the first one's connection (no
 * connect of its own).  No pull client: each pull begins at the first
 * connect after its own create's exec, or at that exec; the second
 * does not begin before its client did.
 */
Test(pull_synth, an_implicit_pull_begins_after_its_create)
{
	const char *pc[] = { "docker", "create", "reg:5000/pc" };
	const char *pa[] = { "docker", "create", "--name", "x", "reg:5000/pa" };
	struct seq s;

	seq_init(&s);
	feed_exec(&s, 10 * MS, 50, 3, pc);
	connect_at(&s, 12 * MS);
	feed_exec(&s, 20 * MS, 51, 5, pa);
	blob(&s, "GetImageBlob1", 30 * MS, 31 * MS, 100 * MS, 120 * MS,
	     140 * MS, 4096);
	blob(&s, "GetImageBlob2", 40 * MS, 41 * MS, 150 * MS, 160 * MS,
	     180 * MS, 4096);
	digest_ren(&s, 145 * MS, 'a');
	end_pull(&s, 150 * MS);
	store_image(&s, 150 * MS, "dockerd", "reg:5000/pc:latest", "a");
	digest_ren(&s, 185 * MS, 'b');
	end_pull(&s, 190 * MS);
	store_image(&s, 190 * MS, "dockerd", "reg:5000/pa:latest", "b");
	ct_pulls_flush(s.e);
	cr_assert_eq(ct_pulls_count(s.e), 2);
	for (size_t i = 0; i < 2; i++) {
		const struct ct_pull *p = ct_pulls_get(s.e, i);
		bool is_pa = !strcmp(p->image, "reg:5000/pa:latest");

		cr_assert(is_pa || !strcmp(p->image, "reg:5000/pc:latest"));
		cr_assert_eq(p->start_ns, M2R + (is_pa ? 20 : 12) * MS,
			     "%s", p->image);
	}
	ct_pulls_free(s.e);
}

/* A podman process pid's blob file fetched (written) over [t, t + 40
 * ms], then read back by its storage-untar over [t + 50, t + 60 ms]. */
static void podman_layer(struct seq *s, uint32_t pid, uint64_t t)
{
	struct ct_pull_blob b = { 0 };

	hdr(&b.hdr, CT_EV_PULL_BLOB, sizeof(b), t + 41 * MS, "podman");
	b.hdr.pid = b.hdr.tid = pid;
	b.open_ns = t;
	b.first_write_ns = t + MS;
	b.last_write_ns = t + 40 * MS;
	b.bytes_written = 4096;
	b.writes = 4;
	b.kind = CT_PULL_F_PODMAN_BLOB;
	snprintf(b.path, sizeof(b.path), "/var/tmp/storage%u/1", pid);
	cr_assert_eq(feed(s->e, &b, sizeof(b)), 0);
	hdr(&b.hdr, CT_EV_PULL_BLOB, sizeof(b), t + 61 * MS, "podman");
	b.hdr.pid = b.hdr.tid = pid;
	b.open_ns = t + 50 * MS;
	b.first_write_ns = b.last_write_ns = b.bytes_written = b.writes = 0;
	b.first_read_ns = t + 50 * MS;
	b.last_read_ns = t + 60 * MS;
	b.bytes_read = 4096;
	b.reads = 4;
	cr_assert_eq(feed(s->e, &b, sizeof(b)), 0);
}

/* Podman process pid's connect at t, and its image stored (the rename
 * of its manifest) at end. */
static void podman_pull(struct seq *s, uint32_t pid, uint64_t t,
			uint64_t end)
{
	struct ct_pull_connect c = { 0 };
	struct ct_pull_rename r = { 0 };

	hdr(&c.hdr, CT_EV_PULL_CONNECT, sizeof(c), t, "podman");
	c.hdr.pid = c.hdr.tid = pid;
	c.family = 2;
	c.port = 5000;
	cr_assert_eq(feed(s->e, &c, sizeof(c)), 0);
	podman_layer(s, pid, t + 5 * MS);
	hdr(&r.hdr, CT_EV_PULL_RENAME, sizeof(r), end, "podman");
	r.hdr.pid = r.hdr.tid = pid;
	r.kind = CT_PULL_R_PODMAN_MANIFEST;
	snprintf(r.newpath, sizeof(r.newpath),
		 "/var/lib/containers/storage/overlay-images/%064u/manifest",
		 pid);
	snprintf(r.oldpath, sizeof(r.oldpath), "/var/lib/containers/tmp");
	cr_assert_eq(feed(s->e, &r, sizeof(r)), 0);
}

/* The store's record of pid's image, stamped ts (its rename's). */
static void podman_image(struct seq *s, uint32_t pid, uint64_t ts,
			 const char *ref, const char *cs)
{
	struct ct_pull_image *im = calloc(1, sizeof(*im));

	cr_assert_not_null(im);
	hdr(&im->hdr, CT_EV_PULL_IMAGE, sizeof(*im), ts, "podman");
	im->hdr.pid = im->hdr.tid = pid;
	im->source = CT_PULL_M_CONTENT;
	im->nlayers = im->layers_total = strlen(cs);
	snprintf(im->ref, sizeof(im->ref), "%s", ref);
	for (uint32_t i = 0; i < im->nlayers; i++) {
		snprintf(im->layers[i].digest, sizeof(im->layers[i].digest),
			 "sha256:%064d", 0);
		memset(im->layers[i].digest + 7, cs[i], 64);
		im->layers[i].size = 4096;
	}
	cr_assert_eq(feed(s->e, im, sizeof(*im)), 0);
	free(im);
}

/*
 * Two podman pulls at once: q2 fetches layer a, q5 finds it stored and
 * fetches b.  q2's image is stored first, but the store reader's record
 * of it comes after q5's was due: q5 waits for it (its group), and says
 * a was fetched by q2, not cached.
 */
Test(pull_synth, a_podman_pull_waits_for_the_image_record_of_one_before)
{
	struct seq s;

	seq_init(&s);
	podman_pull(&s, 200, 5 * MS, 100 * MS);
	podman_pull(&s, 300, 20 * MS, 200 * MS);
	podman_image(&s, 300, 200 * MS, "reg:5000/q5:latest", "ab");
	ct_pulls_tick(s.e, 200 * MS + CT_PULL_GRACE_NS + MS);
	cr_assert_eq(ct_pulls_count(s.e), 0, "q2's record is awaited");
	podman_image(&s, 200, 100 * MS, "reg:5000/q2:latest", "a");
	ct_pulls_tick(s.e, 1500 * MS);
	cr_assert_eq(ct_pulls_count(s.e), 2);
	for (size_t i = 0; i < 2; i++) {
		const struct ct_pull *p = ct_pulls_get(s.e, i);

		if (strcmp(p->image, "reg:5000/q5:latest"))
			continue;
		cr_assert_str_eq(p->layers[0].fetched_by, "reg:5000/q2:latest");
		cr_assert(!p->layers[0].cached);
	}
	ct_pulls_free(s.e);
}

Test(pull_synth, two_pulls)
{
	struct seq s;

	seq_init(&s);
	blob(&s, "GetImageBlob1", 10 * MS, 11 * MS, 40 * MS, 50 * MS,
	     60 * MS, 1);
	end_pull(&s, 70 * MS);
	blob(&s, "GetImageBlob2", 3000 * MS, 3001 * MS, 3040 * MS,
	     3050 * MS, 3060 * MS, 1);
	cr_assert_eq(s.g.n, 1);
	end_pull(&s, 3070 * MS);
	ct_pulls_flush(s.e);
	cr_assert_eq(s.g.n, 2);
	cr_assert_eq(ct_pulls_count(s.e), 2);
	cr_assert_eq(ct_pulls_get(s.e, 1)->start_ns, M2R + 3000 * MS);
	cr_assert_null(ct_pulls_get(s.e, 2));
	ct_pulls_free(s.e);
}

Test(pull_synth, malformed_records)
{
	struct ct_pull_blob b = { 0 };
	struct seq s;

	seq_init(&s);
	hdr(&b.hdr, CT_EV_PULL_BLOB, sizeof(b) - 8, 1, "dockerd");
	cr_assert_eq(feed(s.e, &b, sizeof(b)), -EINVAL);
	hdr(&b.hdr, CT_EV_PULL_BLOB, sizeof(b), 1, "dockerd");
	b.kind = 42;
	cr_assert_eq(feed(s.e, &b, sizeof(b)), -EINVAL);
	cr_assert_eq(feed(s.e, &b, 10), -EINVAL);
	cr_assert_eq(feed(NULL, &b, sizeof(b)), -EINVAL);
	ct_pulls_flush(s.e);
	cr_assert_eq(s.g.n, 0);
	ct_pulls_free(s.e);
}

/* ---- pure helpers ---- */

Test(pull_conc, weighted_mean)
{
	struct ct_pull_layer l[3] = {
		{ .fetch_start_ns = 100, .fetch_dur_ns = 100 },
		{ .fetch_start_ns = 100, .fetch_dur_ns = 50 },
		{ .fetch_start_ns = 200, .fetch_dur_ns = 100 },
	};
	uint32_t max;
	double mean;

	ct_pull_concurrency(l, 3, &max, &mean);
	cr_assert_eq(max, 2);
	/* 2 for 50, 1 for 50, 1 for 100 (ends before starts at 200) */
	cr_assert_float_eq(mean, 250.0 / 200.0, 1e-9);
	ct_pull_concurrency(l, 0, &max, &mean);
	cr_assert_eq(max, 0);
}

Test(pull_output, json_escapes_and_parses)
{
	struct ct_pull_layer l = { .bytes = 7, .fetch_start_ns = 5,
				   .fetch_dur_ns = 2 };
	struct ct_pull p = { .engine = "docker", .complete = true,
			     .start_ns = 1, .dur_ns = 10, .nlayers = 1,
			     .layers = &l, .conc_max = 1, .conc_mean = 1 };
	char *buf = NULL;
	size_t len = 0;
	struct tj *v;
	FILE *f;
	uint64_t u;

	snprintf(p.image, sizeof(p.image), "evil\"\n\x01name");
	f = open_memstream(&buf, &len);
	cr_assert_eq(ct_jsonl_write(f, &ct_jsonl_pull, &p), 0);
	fclose(f);
	cr_assert_eq(strchr(buf, '\n'), buf + len - 1, "one line");
	v = tj_parse(buf, len, NULL, 0);
	cr_assert_not_null(v, "%s", buf);
	cr_assert_str_eq(tj_str(v, "type"), "pull");
	cr_assert_str_eq(tj_str(v, "image"), "evil\"\n\x01name");
	cr_assert(tj_is(v, "layers.0.digest", TJ_NULL));
	cr_assert(tj_is(v, "layers.0.unpack", TJ_NULL));
	cr_assert(tj_u64(v, "layers.0.fetch.dur_ns", &u) && u == 2);
	cr_assert(tj_u64(v, "concurrency.max", &u) && u == 1);
	tj_free(v);
	free(buf);
}

Test(pull_output, timeline_bar)
{
	struct ct_pull_layer l = { .fetch_start_ns = 1000, .fetch_dur_ns = 250,
				   .unpack_start_ns = 1500,
				   .unpack_dur_ns = 499 };
	char bar[11];

	ct_pull_bar(bar, 10, &l, 1000, 1000);
	cr_assert_str_eq(bar, "===..#####");
}

Test(pull_output, table_is_printable)
{
	struct ct_pull p = { .engine = "docker", .dur_ns = 10 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(p.image, sizeof(p.image), "bad\x1b[2Jname");
	f = open_memstream(&buf, &len);
	ct_pull_print(f, &p);
	fclose(f);
	cr_assert_null(strchr(buf, '\x1b'));
	cr_assert_not_null(strstr(buf, "bad?[2Jname"));
	free(buf);
}

/* Another dockerd's repositories.json (a second harness) ends nothing. */
Test(pull_synth, other_daemon_does_not_end_pull)
{
	struct ct_pull_rename r = { 0 };
	struct seq s;

	seq_init(&s);
	hdr(&r.hdr, CT_EV_PULL_RENAME, sizeof(r), 30 * MS, "dockerd");
	r.hdr.pid = 200;
	r.kind = CT_PULL_R_REPOS;
	snprintf(r.newpath, sizeof(r.newpath), "/other/repositories.json");
	cr_assert_eq(feed(s.e, &r, sizeof(r)), 0);
	blob(&s, "GetImageBlob1", 10 * MS, 11 * MS, 40 * MS, 50 * MS,
	     60 * MS, 1);
	blob(&s, "GetImageBlob2", 10 * MS, 11 * MS, 2000 * MS, 2050 * MS,
	     2060 * MS, 1);
	end_pull(&s, 2070 * MS);
	ct_pulls_flush(s.e);
	cr_assert_eq(s.g.n, 1);
	cr_assert_eq(s.g.last.nlayers, 2);
	ct_pulls_free(s.e);
}

Test(pull_conc, registry_port_of_ref)
{
	cr_assert_eq(ct_pull_ref_port("127.0.0.1:5000/four"), 5000);
	cr_assert_eq(ct_pull_ref_port("127.0.0.1:5001/a/b:tag"), 5001);
	cr_assert_eq(ct_pull_ref_port("[::1]:5002/x"), 5002);
	cr_assert_eq(ct_pull_ref_port("[::1]/x"), 443);
	cr_assert_eq(ct_pull_ref_port("busybox:latest"), 443);
	cr_assert_eq(ct_pull_ref_port("library/busybox"), 443);
	cr_assert_eq(ct_pull_ref_port("reg:99999/x"), 0);
	cr_assert_eq(ct_pull_ref_port("reg:12ab/x"), 0);
}

/*
 * Two daemons pull at once, each from its own registry port: each pull
 * gets the client whose reference names its port, whatever the order.
 */
Test(pull_synth, clients_matched_by_port)
{
	const char *c1[] = { "docker", "pull", "127.0.0.1:5001/one" };
	const char *c2[] = { "docker", "pull", "127.0.0.1:5000/two" };
	struct seq s;

	seq_init(&s);
	feed_exec(&s, 1 * MS, 50, 3, c1);
	feed_exec(&s, 2 * MS, 51, 3, c2);
	connect_at(&s, 5 * MS);		/* dockerd pid 100 -> port 5000 */
	blob(&s, "GetImageBlob1", 10 * MS, 11 * MS, 40 * MS, 50 * MS,
	     60 * MS, 1);
	end_pull(&s, 70 * MS);
	exit_of(&s, 72 * MS, 50);	/* both end about together */
	exit_of(&s, 75 * MS, 51);
	ct_pulls_flush(s.e);
	cr_assert_eq(s.g.n, 1);
	cr_assert_str_eq(s.g.last.image, "127.0.0.1:5000/two");
	ct_pulls_free(s.e);
}

Test(pull_output, dump_lines)
{
	struct ct_pull_rename r = { 0 };
	struct ct_exit x = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	hdr(&r.hdr, CT_EV_PULL_RENAME, sizeof(r), 5 * MS, "dockerd");
	r.kind = CT_PULL_R_REPOS;
	snprintf(r.newpath, sizeof(r.newpath), "/x/repositories.json\n");
	hdr(&x.hdr, CT_EV_EXIT, sizeof(x), 5 * MS, "sh");
	f = open_memstream(&buf, &len);
	cr_assert(ct_pull_dump(f, &r, sizeof(r), 0));
	cr_assert(!ct_pull_dump(f, &x, sizeof(x), 0));
	cr_assert(!ct_pull_dump(f, &r, sizeof(r) - 1, 0));
	fclose(f);
	cr_assert_not_null(strstr(buf, "RENAME"));
	cr_assert_not_null(strstr(buf, "repositories.json?\""));
	cr_assert_eq(strchr(buf, '\n'), buf + len - 1, "one line");
	free(buf);
}

/* --dump names a blob file not followed whole for what it is. */
Test(pull_output, dump_says_untraced)
{
	struct ct_pull_blob b = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	hdr(&b.hdr, CT_EV_PULL_UNTRACED, sizeof(b), 5 * MS, "dockerd");
	b.kind = CT_PULL_F_DOCKER_BLOB;
	snprintf(b.path, sizeof(b.path), "/var/lib/docker/tmp/GetImageBlob7");
	f = open_memstream(&buf, &len);
	cr_assert(ct_pull_dump(f, &b, sizeof(b), 0));
	b.hdr.type = CT_EV_PULL_BLOB;
	cr_assert(ct_pull_dump(f, &b, sizeof(b), 0));
	fclose(f);
	cr_assert_not_null(strstr(buf, "UNTRACED"), "the first line");
	cr_assert_not_null(strstr(strchr(buf, '\n'), "BLOB"),
			   "the second line, a blob followed whole");
	cr_assert_null(strstr(strchr(buf, '\n'), "UNTRACED"));
	free(buf);
}

/*
 * A pull under way when another client starts (tracing began late, or a
 * second daemon): that client is still running when the pull ends, so
 * the pull does not take its image; its own pull does.
 */
Test(pull_synth, running_client_is_not_taken)
{
	const char *c[] = { "docker", "pull", "reg:5000/late" };
	struct seq s;

	seq_init(&s);
	feed_exec(&s, 5 * MS, 50, 3, c);
	blob(&s, "GetImageBlob1", 10 * MS, 11 * MS, 40 * MS, 50 * MS,
	     60 * MS, 1);
	end_pull(&s, 70 * MS);
	blob(&s, "GetImageBlob2", 3000 * MS, 3001 * MS, 3040 * MS,
	     3050 * MS, 3060 * MS, 1);
	cr_assert_eq(s.g.n, 1);
	cr_assert_str_eq(s.g.last.image, "");
	end_pull(&s, 3070 * MS);
	exit_of(&s, 3080 * MS, 50);
	ct_pulls_flush(s.e);
	cr_assert_eq(s.g.n, 2);
	cr_assert_str_eq(s.g.last.image, "reg:5000/late");
	ct_pulls_free(s.e);
}

/* One layer, fetched 11..40 ms, the pull ending at 70 ms. */
static void one_layer_pull(struct seq *s)
{
	seq_init(s);
	blob(s, "GetImageBlob1", 10 * MS, 11 * MS, 40 * MS, 50 * MS,
	     60 * MS, 1);
	end_pull(s, 70 * MS);
}

Test(pull_synth, pull_before_container)
{
	struct seq s;
	const struct ct_pull *p;

	one_layer_pull(&s);
	ct_pulls_flush(s.e);
	p = ct_pulls_before(s.e, M2R + 100 * MS, 500 * MS);
	cr_assert_not_null(p);
	cr_assert_eq(p->start_ns + p->dur_ns, M2R + 70 * MS);
	cr_assert_null(ct_pulls_before(s.e, M2R + 60 * MS, 500 * MS));
	cr_assert_null(ct_pulls_before(s.e, M2R + 900 * MS, 500 * MS));
	cr_assert_null(ct_pulls_before(NULL, 0, 0));
	ct_pulls_free(s.e);
}

/* A container claims the pull that ended just before it: only once, and
 * without waiting for the grace period (settled at claim time). */
Test(pull_synth, claimed_once_by_next_container)
{
	struct seq s;
	const struct ct_pull *p;

	one_layer_pull(&s);
	cr_assert_eq(s.g.n, 0, "still in its grace period");
	cr_assert_null(ct_pulls_claim(s.e, M2R + 5000 * MS, 500 * MS, "", 0),
		       "too long after the pull");
	p = ct_pulls_claim(s.e, M2R + 100 * MS, 500 * MS, "", 0);
	cr_assert_not_null(p);
	cr_assert_eq(p->start_ns + p->dur_ns, M2R + 70 * MS);
	cr_assert_null(ct_pulls_claim(s.e, M2R + 150 * MS, 500 * MS, "", 0),
		       "a second container gets no pull");
	cr_assert_null(ct_pulls_claim(NULL, 0, 0, "", 0));
	ct_pulls_free(s.e);
}

/* ---- untrusted times ---- */

/*
 * A recording's mono_to_real and ts_ns whose signed sum overflows: wall
 * times are their sum modulo 2^64, the clock the tracker gives the
 * container (mono + (uint64_t)m2r), so the container still finds its
 * pull.  UBSan (make test-san) aborted on the signed sum.
 */
Test(pull_untrusted, wall_time_past_int64_max)
{
	const int64_t m2r = INT64_MAX - 5 * (int64_t)MS;
	const uint64_t base = (uint64_t)m2r;
	struct seq s;

	seq_init_m2r(&s, m2r);
	blob(&s, "GetImageBlob1", 10 * MS, 11 * MS, 40 * MS, 50 * MS,
	     60 * MS, 1);
	end_pull(&s, 70 * MS);
	ct_pulls_flush(s.e);
	cr_assert_eq(s.g.n, 1);
	cr_assert_eq(s.g.last.start_ns, base + 10 * MS);
	cr_assert_gt(s.g.last.start_ns, (uint64_t)INT64_MAX);
	cr_assert_eq(s.g.layers[0].fetch_start_ns, base + 10 * MS);
	cr_assert_eq(s.g.layers[0].unpack_start_ns, base + 50 * MS);
	cr_assert_not_null(ct_pulls_claim(s.e, 100 * MS + base, 500 * MS, "", 0));
	ct_pulls_free(s.e);
}

/* --dump of such a record: the exact sum, no negative fraction. */
Test(pull_untrusted, dump_time_past_int64_max)
{
	struct ct_pull_rename r = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	/* the ts_ns and mono_to_real of the recorded reproducer */
	hdr(&r.hdr, CT_EV_PULL_RENAME, sizeof(r), 7453294850586534501ull,
	    "dockerd");
	r.kind = CT_PULL_R_REPOS;
	f = open_memstream(&buf, &len);
	cr_assert(ct_pull_dump(f, &r, sizeof(r), 1795311866591004272ll));
	fclose(f);
	cr_assert(!strncmp(buf, "9248606717.177538773 RENAME ", 28), "%s", buf);
	free(buf);
}

/*
 * A client that started ~270 years of monotonic time before a pull to
 * another registry port: its distance plus the wrong-port penalty
 * overflowed int64_t.  It is still the only candidate.
 */
Test(pull_untrusted, client_far_before_pull)
{
	const char *c[] = { "docker", "pull", "127.0.0.1:5001/far" };
	const uint64_t t = 8500000000000000000ull;
	struct seq s;

	seq_init(&s);
	feed_exec(&s, 1 * MS, 50, 3, c);
	connect_at(&s, t - MS);		/* port 5000, not 5001 */
	blob(&s, "GetImageBlob1", t, t + MS, t + 2 * MS, 0, 0, 1);
	ct_pulls_flush(s.e);
	cr_assert_eq(s.g.n, 1);
	cr_assert(!s.g.last.complete);
	cr_assert_str_eq(s.g.last.image, "127.0.0.1:5001/far");
	ct_pulls_free(s.e);
}

/*
 * The recorded reproducers, whole, through the pull engine, its --dump
 * lines, table and JSON: nothing to compare, the sanitizers judge.
 */
static void replay_untrusted(const char *name)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;
	char path[512], err[256];
	struct ct_pulls *e;
	const void *rec;
	size_t len;
	FILE *out;
	int rc;

	fixture(name, path, sizeof(path));
	cr_assert_eq(ct_rec_reader_open(&r, path, &h, err, sizeof(err)), 0,
		     "%s: %s", path, err);
	e = ct_pulls_new(h.mono_to_real_ns, fx_model(), fx_engines()->pull,
			 NULL, NULL);
	out = fopen("/dev/null", "w");
	cr_assert(e && out);
	while ((rc = ct_rec_next(r, &rec, &len, err, sizeof(err))) > 0) {
		ct_pull_dump(out, rec, len, h.mono_to_real_ns);
		feed(e, rec, len);
	}
	ct_pulls_flush(e);
	ct_pull_print_all(out, e);
	cr_assert_eq(ct_jsonl_write_all(out, &ct_jsonl_pull, e), 0);
	fclose(out);
	ct_pulls_free(e);
	ct_rec_reader_close(r);
	cr_assert_geq(rc, 0, "%s: %s", path, err);
}

Test(pull_untrusted, wall_overflow_recording)
{
	replay_untrusted("ubsan-pull-wall-overflow.ctrec");
}

Test(pull_untrusted, dump_overflow_recording)
{
	replay_untrusted("ubsan-pull-output-dump-overflow.ctrec");
}

/* Continuous mode: the last `keep` pulls only, however many came. */
static size_t pulls_of_two_recordings(size_t keep)
{
	static const char *const names[] = { "docker-pull.ctrec",
					     "docker-pull.ctr.ctrec" };
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;
	struct ct_pulls *e = NULL;
	char path[512], err[256];
	const void *rec;
	size_t len, n;

	for (size_t i = 0; i < 2; i++) {
		fixture(names[i], path, sizeof(path));
		cr_assert_eq(ct_rec_reader_open(&r, path, &h, err,
						sizeof(err)), 0, "%s", err);
		if (!e)
			e = ct_pulls_new(h.mono_to_real_ns, fx_model(), fx_engines()->pull,
					 NULL, NULL);
		cr_assert_not_null(e);
		ct_pulls_keep(e, keep);
		while (ct_rec_next(r, &rec, &len, err, sizeof(err)) > 0)
			feed(e, rec, len);
		ct_pulls_flush(e);
		ct_rec_reader_close(r);
	}
	n = ct_pulls_count(e);
	/* /metrics counts every pull, kept or not (one of each engine) */
	for (int k = CT_ENG_DOCKER; k <= CT_ENG_CONTAINERD; k++) {
		const struct ct_pull_totals *t = ct_pulls_totals(e, k);

		cr_assert_not_null(t, "engine %d", k);
		cr_expect_eq(t->pulls, 1, "keep %zu", keep);
		cr_expect_eq(t->layers, 4);
		cr_expect_eq(t->dur.n, 1);
	}
	ct_pulls_free(e);
	return n;
}

Test(pull, keep_bounds_the_pulls_kept)
{
	size_t all = pulls_of_two_recordings(0);

	cr_assert_geq(all, 2);
	cr_expect_eq(pulls_of_two_recordings(1), 1);
	cr_expect_eq(pulls_of_two_recordings(all), all);
}

static void lost_at(struct seq *s, uint64_t ts, uint64_t events,
		    uint64_t pull)
{
	struct ct_lost l = { 0 };

	hdr(&l.hdr, CT_EV_LOST, sizeof(l), ts, "coldtrace");
	l.lost = events;
	l.pull_lost = pull;
	cr_assert_eq(feed(s->e, &l, sizeof(l)), 0);
}

/*
 * The pull ring buffer lost records during the pull (a layer's blob
 * record, say): the pull says so and is not complete, so that no
 * container claims it as whole.  A loss before it began, or of the
 * lifecycle ring only, says nothing of it.
 */
Test(pull_synth, a_pull_under_lost_records_is_flagged)
{
	struct seq s;

	seq_init(&s);
	lost_at(&s, 5 * MS, 0, 2);	/* before the pull: not its own */
	lost_at(&s, 8 * MS, 0, 2);
	lost_at(&s, 100 * MS, 4, 2);	/* the other ring's */
	connect_and_layer(&s);
	cr_expect(!s.g.last.records_lost);
	cr_expect(s.g.last.complete);
	cr_expect_not_null(ct_pulls_claim(s.e, M2R + 300 * MS,
					  10ull * 1000 * MS, "", 0));
	ct_pulls_free(s.e);

	seq_init(&s);
	lost_at(&s, 5 * MS, 0, 0);
	lost_at(&s, 100 * MS, 0, 1);	/* lost between 5 and 100 ms */
	connect_and_layer(&s);
	cr_expect(s.g.last.records_lost);
	cr_expect(!s.g.last.complete, "reported as whole");
	cr_expect_null(ct_pulls_claim(s.e, M2R + 300 * MS, 10ull * 1000 * MS,
				      "", 0));
	ct_pulls_free(s.e);
}
