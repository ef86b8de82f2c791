// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Image pull engine (see pull.h): pull records in, struct ct_pull out.
 *
 * dockerd 20.10, as traced on this machine, per layer: GetImageBlob*
 * opened, written (fetch, several layers at once up to
 * max-concurrent-downloads), read back through gzip while one
 * docker-untar runs (unpack, one layer after the other), closed; then the
 * layer commit (rename into layerdb/sha256/) and the blob digest (rename
 * into diffid-by-digest/sha256/<digest>).  The pull ends with the rename
 * of repositories.json.  Blob file names are random, so a blob gets its
 * digest from the diffid-by-digest renames, taken in unpack order.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "coldtrace.h"
#include "comm_table.h"
#include "container.h"
#include "pulls.h"
#include "records.h"
#include "util.h"

_Static_assert((int)CT_EV_PULL_BLOB >= (int)CT_EV_PULL_FIRST &&
	       (int)CT_EV_PULL_CONNECT <= (int)CT_EV_PULL_LAST, "pull record types");

enum ev_kind {
	EV_BLOB,	/* a blob file closed */
	EV_RENAME,
	EV_CONNECT,
	EV_UNTAR,	/* docker-untar exec; exit_ns once it exits */
};

struct ev {
	enum ev_kind kind;
	uint32_t sub;		/* enum ct_pull_file / ct_pull_rename_kind */
	uint32_t pid;
	uint32_t reads;		/* read(2)/pread64(2) calls on a blob */
	uint16_t port;		/* connect: destination port */
	bool used;
	uint64_t ts;		/* monotonic */
	uint64_t open_ns, fw, lw, fr, lr, bw, exit_ns;
	char digest[CT_PULL_DIGEST_LEN];	/* from a path, "" if none */
	char path[CT_PATH_MAX];	/* blob path; rename: old path */
};

/* `docker pull REF` / `ctr images pull REF` seen, waiting for its pull. */
struct client {
	uint64_t ts;
	uint64_t exit_ns;	/* 0 while it runs */
	uint32_t pid;
	bool docker;
	char image[CT_PULL_IMAGE_LEN];
};

#define MAX_CLIENTS	16

/*
 * The events of one daemon process: several dockerd (one per harness,
 * say) may run at once, and one's repositories.json must not end
 * another's pull.
 */
struct stream {
	uint32_t pid;
	struct ev *ev;
	size_t nev, cap;
	uint64_t docker_end;	/* last repositories.json rename, 0 none */
	uint64_t last_ctrd;	/* last containerd pull activity, 0 none */
};

struct ct_pulls {
	int64_t m2r;
	ct_pull_cb on_pull;
	void *ctx;
	struct stream *st;
	size_t nst, stcap;
	uint64_t now;		/* latest event time */
	struct client clients[MAX_CLIENTS];
	size_t nclients;
	struct ct_pull *pulls;
	size_t npulls, pcap;
	size_t keep;		/* 0: every pull; else the last `keep` */
};

/* ---- small helpers ---- */

/* "sha256:<64 hex>" from a path ending in sha256/<hex>, else "". */
static void digest_of(char *dst, const char *path)
{
	const char *b = ct_basename(path);
	size_t n = strlen(b);

	dst[0] = '\0';
	if (n != 64 || strspn(b, "0123456789abcdef") != 64)
		return;
	snprintf(dst, CT_PULL_DIGEST_LEN, "sha256:%s", b);
}

static struct stream *stream_of(struct ct_pulls *e, uint32_t pid)
{
	struct stream *s;

	for (size_t i = 0; i < e->nst; i++)
		if (e->st[i].pid == pid)
			return &e->st[i];
	if (e->nst == e->stcap) {
		size_t cap = e->stcap ? 2 * e->stcap : 4;

		s = realloc(e->st, cap * sizeof(*s));
		if (!s)
			return NULL;
		e->st = s;
		e->stcap = cap;
	}
	s = &e->st[e->nst++];
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	return s;
}

static struct ev *push_ev(struct ct_pulls *e, uint32_t pid)
{
	struct stream *s = stream_of(e, pid);
	struct ev *v;

	if (!s)
		return NULL;
	if (s->nev == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;

		v = realloc(s->ev, cap * sizeof(*v));
		if (!v)
			return NULL;
		s->ev = v;
		s->cap = cap;
	}
	v = &s->ev[s->nev++];
	memset(v, 0, sizeof(*v));
	return v;
}

/* ---- records in ---- */

static int add_blob(struct ct_pulls *e, const struct ct_pull_blob *b)
{
	struct ev *v;

	if (b->kind < CT_PULL_F_DOCKER_BLOB || b->kind > CT_PULL_F_CTRD_BLOB)
		return -EINVAL;
	v = push_ev(e, b->hdr.pid);
	if (!v)
		return -ENOMEM;
	v->kind = EV_BLOB;
	v->sub = b->kind;
	v->pid = b->hdr.pid;
	v->ts = b->hdr.ts_ns;
	v->open_ns = b->open_ns;
	v->fw = b->first_write_ns;
	v->lw = b->last_write_ns;
	v->fr = b->first_read_ns;
	v->lr = b->last_read_ns;
	v->bw = b->bytes_written;
	v->reads = b->reads;
	ct_copy_str(v->path, sizeof(v->path), b->path, sizeof(b->path));
	if (b->kind == CT_PULL_F_CTRD_BLOB)
		digest_of(v->digest, v->path);
	if (b->kind != CT_PULL_F_DOCKER_BLOB)
		stream_of(e, b->hdr.pid)->last_ctrd = v->ts;
	return 0;
}

static int add_rename(struct ct_pulls *e,
		      const struct ct_pull_rename *r)
{
	char newpath[CT_PATH_MAX];
	struct stream *s;
	struct ev *v;

	if (r->kind < CT_PULL_R_REPOS || r->kind > CT_PULL_R_CTRD_BLOB)
		return -EINVAL;
	v = push_ev(e, r->hdr.pid);
	if (!v)
		return -ENOMEM;
	v->kind = EV_RENAME;
	v->sub = r->kind;
	v->ts = r->hdr.ts_ns;
	ct_copy_str(v->path, sizeof(v->path), r->oldpath, sizeof(r->oldpath));
	ct_copy_str(newpath, sizeof(newpath), r->newpath, sizeof(r->newpath));
	digest_of(v->digest, newpath);
	s = stream_of(e, r->hdr.pid);
	if (r->kind == CT_PULL_R_REPOS && v->ts > s->docker_end)
		s->docker_end = v->ts;
	if (r->kind == CT_PULL_R_CTRD_BLOB)
		s->last_ctrd = v->ts;
	return 0;
}

static int add_connect(struct ct_pulls *e,
		       const struct ct_pull_connect *c)
{
	struct ev *v = push_ev(e, c->hdr.pid);

	if (!v)
		return -ENOMEM;
	v->kind = EV_CONNECT;
	v->ts = c->hdr.ts_ns;
	v->pid = c->hdr.pid;
	/* the comm says whose: dockerd (1) or containerd (2) */
	v->sub = ct_prog_comm_is(c->hdr.comm, CT_PROG_DOCKERD) ? 1 : 2;
	v->port = c->port;
	return 0;
}

/* The image of `docker ... pull [-a|-q|--platform P] REF` or `ctr ... pull`. */
static const char *pull_ref(const char *args, size_t len)
{
	struct ct_argv v;
	const char *a;
	bool after_pull = false;

	ct_argv_split(args, len, &v);
	for (int i = 1; i < v.argc && (a = v.argv[i])[0]; i++) {
		if (!after_pull) {
			after_pull = !strcmp(a, "pull");
			continue;
		}
		if (!strcmp(a, "--platform") || !strcmp(a, "--user") ||
		    !strcmp(a, "-u")) {
			i++;
			continue;
		}
		if (a[0] != '-')
			return a;
	}
	return NULL;
}

static void add_client(struct ct_pulls *e, const struct ct_exec *x,
		       bool docker)
{
	size_t len = x->args_len < CT_ARGS_MAX ? x->args_len : CT_ARGS_MAX;
	const char *ref = pull_ref(x->args, len);
	struct client *c;

	if (!ref)
		return;
	ct_fifo_make_room(e->clients, &e->nclients, MAX_CLIENTS, sizeof(*c));
	c = &e->clients[e->nclients++];
	c->ts = x->hdr.ts_ns;
	c->exit_ns = 0;
	c->pid = x->hdr.pid;
	c->docker = docker;
	ct_copy_str(c->image, sizeof(c->image), ref,
		 len - (size_t)(ref - x->args));
}

static int add_exec(struct ct_pulls *e, const struct ct_exec *x,
		    size_t len)
{
	size_t alen = x->args_len < CT_ARGS_MAX ? x->args_len : CT_ARGS_MAX;
	struct ct_argv av;
	const char *a0;
	struct ev *v;

	if (len < offsetof(struct ct_exec, args) + alen)
		return 0;	/* the lifecycle engine reports these */
	ct_argv_split(x->args, alen, &av);
	a0 = av.argc ? av.argv[0] : "";
	if (!a0[0])
		return 0;
	if (ct_prog_is(a0, CT_PROG_DOCKER) || ct_prog_is(a0, CT_PROG_CTR)) {
		add_client(e, x, ct_prog_is(a0, CT_PROG_DOCKER));
		return 0;
	}
	if (strcmp(a0, "docker-untar"))
		return 0;
	/* dockerd re-execs itself: the untar's parent is the daemon */
	v = push_ev(e, x->hdr.ppid);
	if (!v)
		return -ENOMEM;
	v->kind = EV_UNTAR;
	v->ts = x->hdr.ts_ns;
	v->pid = x->hdr.pid;
	return 0;
}

static void add_exit(struct ct_pulls *e, const struct ct_hdr *h)
{
	struct stream *s = NULL;

	for (size_t i = 0; i < e->nclients; i++)
		if (e->clients[i].pid == h->pid && !e->clients[i].exit_ns)
			e->clients[i].exit_ns = h->ts_ns;
	for (size_t i = 0; i < e->nst && !s; i++)
		if (e->st[i].pid == h->ppid)
			s = &e->st[i];
	for (size_t i = s ? s->nev : 0; i-- > 0;) {
		struct ev *v = &s->ev[i];

		if (v->kind == EV_UNTAR && v->pid == h->pid && !v->exit_ns) {
			v->exit_ns = h->ts_ns;
			return;
		}
	}
}

/* ---- building a pull ---- */

static int cmp_ev(const void *a, const void *b)
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
 * Unsigned, as the tracker's clock (tracker.c): ts_ns and mono_to_real
 * come from a recording, untrusted, and their signed sum may overflow
 * (undefined); the sum modulo 2^64 is defined, exact whenever the wall
 * time fits, and the same number the tracker gives a container's phases,
 * so ct_pulls_claim() compares like with like.
 */
static uint64_t wall(const struct ct_pulls *e, uint64_t mono)
{
	return mono ? mono + (uint64_t)e->m2r : 0;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * The docker-untar that ran while this blob was read back (dockerd reads
 * the gzip header first, then starts it and streams into it).
 */
static struct ev *find_untar(struct ev *ev, size_t n, const struct ev *b)
{
	for (size_t i = 0; i < n; i++) {
		struct ev *u = &ev[i];

		if (u->kind == EV_UNTAR && !u->used && u->ts >= b->fr &&
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
		end = max_u64(end, u->exit_ns);
	}
	l->unpack_start_ns = wall(e, start);
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

/*
 * Port of the registry an image reference names: "host:port/..." gives
 * port; "localhost/..." or "a.b/..." 443; no registry part (Docker Hub)
 * 443 as well.
 */
uint16_t ct_pull_ref_port(const char *ref)
{
	const char *slash = strchr(ref, '/'), *colon;
	size_t hostlen = slash ? (size_t)(slash - ref) : 0;
	unsigned long port;
	char *end;

	if (!hostlen)
		return 443;
	colon = NULL;
	for (size_t i = hostlen; i-- > 0 && !colon;)
		if (ref[i] == ':')
			colon = ref + i;
	/* "[::1]/x": the colons are the address's */
	if (!colon || (ref[0] == '[' && colon[-1] != ']'))
		return 443;
	port = strtoul(colon + 1, &end, 10);
	return end == slash && port && port < 65536 ? port : 0;
}

/* The last connect before @first (the registry of this pull), or 0. */
static uint16_t pull_port(const struct ev *ev, size_t n, uint64_t first)
{
	uint16_t port = 0;

	for (size_t i = 0; i < n && ev[i].ts <= first; i++)
		if (ev[i].kind == EV_CONNECT)
			port = ev[i].port;
	return port;
}

/* A client may exit a little before the daemon's last rename is seen. */
#define CLIENT_SLACK_NS	100000000ull

/*
 * A client's distance to a pull, capped below the wrong-port penalty:
 * recorded times are untrusted, and distance + penalty must neither
 * overflow int64_t nor go negative; 2^60 ns is 36 years, so every real
 * distance stays exact and every wrong-port client ranks after all
 * right-port ones.
 */
#define FIT_PENALTY	((int64_t)1 << 60)

static int64_t fit_of(uint64_t d)
{
	return d < (uint64_t)FIT_PENALTY ? (int64_t)d : FIT_PENALTY - 1;
}

/*
 * How well client @c fits a pull [first, end]: < 0 not at all, else
 * lower is better.  `docker pull` exits as soon as its daemon is done:
 * the client must have started before the first layer and, for a pull
 * whose end was seen, exited just after that end.  Start times alone
 * mix up two daemons pulling at once, or a pull under way when tracing
 * began.  An unfinished pull (flush) takes the latest client before it.
 */
static int64_t client_fit(const struct client *c, bool docker,
			  uint64_t first, uint64_t end, bool complete)
{
	if (c->docker != docker || c->ts > first)
		return -1;
	if (!complete)
		return c->exit_ns ? -1 : fit_of(first - c->ts);
	if (!c->exit_ns || c->exit_ns + CLIENT_SLACK_NS < end ||
	    c->exit_ns > end + CT_PULL_GRACE_NS)
		return -1;
	return c->exit_ns > end ? fit_of(c->exit_ns - end) : 0;
}

/*
 * Image of the best fitting client (client_fit()), preferring one whose
 * reference names the registry port the daemon connected to.
 */
static void take_client(struct ct_pulls *e, struct ct_pull *p,
			uint64_t first, uint64_t end, uint16_t port,
			uint64_t *client_ts)
{
	bool docker = !strcmp(p->engine, ct_engine_name(CT_ENG_DOCKER));
	size_t best = e->nclients;
	int64_t best_fit = 0;

	for (size_t i = 0; i < e->nclients; i++) {
		const struct client *c = &e->clients[i];
		int64_t fit = client_fit(c, docker, first, end, p->complete);

		if (fit < 0)
			continue;
		if (port && ct_pull_ref_port(c->image) != port)
			fit += FIT_PENALTY;
		if (best == e->nclients || fit < best_fit) {
			best = i;
			best_fit = fit;
		}
	}
	*client_ts = 0;
	if (best == e->nclients)
		return;
	memcpy(p->image, e->clients[best].image, sizeof(p->image));
	*client_ts = e->clients[best].ts;
	memmove(e->clients + best, e->clients + best + 1,
		(e->nclients - best - 1) * sizeof(e->clients[0]));
	e->nclients--;
}

/*
 * Start: the first registry connect of the daemon (or client) after the
 * client started and before the first layer; else the client's exec;
 * else the first blob open.
 */
static uint64_t pull_start(struct ev *ev, size_t n, uint32_t who,
			   uint64_t client_ts, uint64_t first_open)
{
	uint64_t from = client_ts ? client_ts : 0;

	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == EV_CONNECT && ev[i].sub == who &&
		    ev[i].ts >= from && ev[i].ts <= first_open)
			return ev[i].ts;
	return client_ts ? client_ts : first_open;
}

static void finish_layers(struct ct_pull *p, uint64_t start_mono,
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

static int emit(struct ct_pulls *e, struct ct_pull *p)
{
	if (e->keep && e->npulls == e->keep)
		drop_oldest(e);
	if (e->npulls == e->pcap) {
		size_t cap = e->pcap ? 2 * e->pcap : 8;
		struct ct_pull *v = realloc(e->pulls, cap * sizeof(*v));

		if (!v) {
			free(p->layers);
			return -ENOMEM;
		}
		e->pulls = v;
		e->pcap = cap;
	}
	e->pulls[e->npulls++] = *p;
	if (e->on_pull)
		e->on_pull(p, e->ctx);
	return 0;
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
		l->bytes = b->bw;
		l->fetch_start_ns = wall(e, b->open_ns);
		l->fetch_dur_ns = b->lw > b->open_ns ? b->lw - b->open_ns : 0;
		docker_unpack(e, ev, n, b, l);
		if (b->open_ns < first_open)
			first_open = b->open_ns;
		if (b->fw && b->fw < first_write)
			first_write = b->fw;
		end = max_u64(end, complete ? 0 : max_u64(b->ts, b->lr));
	}
	docker_digests(ev, n, blobs, p.layers, p.nlayers);
	free(blobs);
	take_client(e, &p, first_open, end, pull_port(ev, n, first_open),
		    &cts);
	st = pull_start(ev, n, 1, cts, first_open);
	p.start_ns = wall(e, st);
	p.dur_ns = end > st ? end - st : 0;
	finish_layers(&p, st, first_write == UINT64_MAX ? 0 : first_write);
	return emit(e, &p);
}

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
		end = max_u64(end, r->lr);
	}
	if (!start)
		return;
	l->unpack_start_ns = wall(e, start);
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
			fetch_end = max_u64(fetch_end, ev[i].lw);
		}
		if (ev[i].kind == EV_BLOB)
			end = max_u64(end, max_u64(ev[i].ts, ev[i].lr));
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
		l->bytes = b->bw;
		l->fetch_start_ns = wall(e, b->open_ns);
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
	take_client(e, &p, first_open, end, pull_port(ev, n, first_open),
		    &cts);
	/* `ctr images import` ingests and unpacks too, but connects to no one */
	if (!cts && !has_connect(ev, n, first_open)) {
		free(p.layers);
		return 0;
	}
	st = pull_start(ev, n, 2, cts, first_open);
	p.start_ns = wall(e, st);
	p.dur_ns = end > st ? end - st : 0;
	finish_layers(&p, st, first_write == UINT64_MAX ? 0 : first_write);
	return emit(e, &p);
}

/* Drop events [0, k) of the (sorted) list. */
static void consume(struct stream *s, size_t k)
{
	memmove(s->ev, s->ev + k, (s->nev - k) * sizeof(*s->ev));
	s->nev -= k;
}

/* Events that belong to a pull ending at @end come first once sorted. */
static size_t split_at(struct stream *s, uint64_t end)
{
	size_t k = 0;

	qsort(s->ev, s->nev, sizeof(*s->ev), cmp_ev);
	/* a blob closed after the end but opened before belongs here */
	for (size_t i = 0; i < s->nev; i++) {
		struct ev *v = &s->ev[i];
		uint64_t t = v->kind == EV_BLOB ? v->open_ns : v->ts;

		if (t <= end) {
			struct ev tmp = *v;

			memmove(&s->ev[k + 1], &s->ev[k], (i - k) * sizeof(*v));
			s->ev[k++] = tmp;
		}
	}
	return k;
}

static int finish_docker(struct ct_pulls *e, struct stream *s,
			 bool complete)
{
	uint64_t end = complete ? s->docker_end : UINT64_MAX;
	size_t k = split_at(s, end);
	int rc;

	rc = build_docker(e, s->ev, k, complete ? end : 0, complete);
	consume(s, k);
	s->docker_end = 0;
	s->last_ctrd = 0;
	return rc;
}

static bool has_docker_blob(const struct stream *s)
{
	for (size_t i = 0; i < s->nev; i++)
		if (s->ev[i].kind == EV_BLOB &&
		    s->ev[i].sub == CT_PULL_F_DOCKER_BLOB)
			return true;
	return false;
}

static int finish_ctrd(struct ct_pulls *e, struct stream *s)
{
	int rc;

	qsort(s->ev, s->nev, sizeof(*s->ev), cmp_ev);
	rc = build_ctrd(e, s->ev, s->nev);
	consume(s, s->nev);
	s->last_ctrd = 0;
	return rc;
}

/* Events that no pull can claim any more: old connects, lone untars. */
static void prune(struct stream *s, uint64_t now)
{
	size_t k = 0;

	if (s->nev < 4096)
		return;
	for (size_t i = 0; i < s->nev; i++)
		if (s->ev[i].kind == EV_BLOB || s->ev[i].kind == EV_RENAME ||
		    s->ev[i].ts + 60 * CT_PULL_GRACE_NS >= now)
			s->ev[k++] = s->ev[i];
	s->nev = k;
}

static int advance_stream(struct ct_pulls *e, struct stream *s)
{
	int rc = 0;

	if (s->docker_end && e->now > s->docker_end + CT_PULL_GRACE_NS)
		rc = finish_docker(e, s, true);
	else if (!s->docker_end && s->last_ctrd &&
		 e->now > s->last_ctrd + CT_PULL_IDLE_NS && !has_docker_blob(s))
		rc = finish_ctrd(e, s);
	prune(s, e->now);
	return rc;
}

static int advance(struct ct_pulls *e, uint64_t now)
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

int ct_pulls_feed(struct ct_pulls *e, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;
	int rc = 0;

	if (!e || !rec || len < sizeof(*h) || h->size > len)
		return -EINVAL;
	switch (h->type) {
	case CT_EV_PULL_BLOB:
		rc = ct_rec_check(rec, len) ? -EINVAL : add_blob(e, rec);
		break;
	case CT_EV_PULL_RENAME:
		rc = ct_rec_check(rec, len) ? -EINVAL : add_rename(e, rec);
		break;
	case CT_EV_PULL_CONNECT:
		rc = ct_rec_check(rec, len) ? -EINVAL : add_connect(e, rec);
		break;
	case CT_EV_EXEC:
		if (h->size >= offsetof(struct ct_exec, args))
			rc = add_exec(e, rec, h->size);
		break;
	case CT_EV_EXIT:
		add_exit(e, h);
		break;
	default:
		break;
	}
	if (rc)
		return rc;
	return advance(e, h->ts_ns);
}

void ct_pulls_tick(struct ct_pulls *e, uint64_t now_mono_ns)
{
	if (e)
		advance(e, now_mono_ns);
}

void ct_pulls_flush(struct ct_pulls *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nst; i++) {
		struct stream *s = &e->st[i];

		if (s->docker_end)
			finish_docker(e, s, true);
		if (has_docker_blob(s))
			finish_docker(e, s, false);
		if (s->last_ctrd)
			finish_ctrd(e, s);
		s->nev = 0;
	}
}

struct ct_pulls *ct_pulls_new(int64_t mono_to_real_ns,
					  ct_pull_cb on_pull, void *ctx)
{
	struct ct_pulls *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->m2r = mono_to_real_ns;
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
	for (size_t i = 0; i < e->nst; i++)
		free(e->st[i].ev);
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

void ct_pulls_settle(struct ct_pulls *e)
{
	for (size_t i = 0; e && i < e->nst; i++)
		if (e->st[i].docker_end)
			finish_docker(e, &e->st[i], true);
}

const struct ct_pull *ct_pulls_claim(struct ct_pulls *e, uint64_t wall_ns,
				     uint64_t max_gap_ns)
{
	struct ct_pull *p;

	ct_pulls_settle(e);
	p = (struct ct_pull *)ct_pulls_before(e, wall_ns, max_gap_ns);
	if (!p || !p->complete || p->claimed)
		return NULL;
	p->claimed = true;
	return p;
}
