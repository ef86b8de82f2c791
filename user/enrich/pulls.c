// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Image pull tracker (see pulls.h): pull records in, struct ct_pull out.
 * What is common to every daemon is here (the records, the clients, a
 * pull's start, layers' concurrency, emission); each daemon's part is
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
#include "comm_table.h"
#include "container.h"
#include "pulls.h"
#include "pulls_api.h"
#include "records.h"
#include "util.h"

_Static_assert((int)CT_EV_PULL_BLOB >= (int)CT_EV_PULL_FIRST &&
	       (int)CT_EV_PULL_UNTRACED <= (int)CT_EV_PULL_LAST,
	       "pull record types");

/* ---- small helpers ---- */

void pl_digest_of(char *dst, const char *path)
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
	if (ct_room((void **)&e->st, &e->stcap, e->nst + 1, sizeof(*e->st)))
		return NULL;
	s = &e->st[e->nst++];
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	return s;
}

/* A new event of pid's stream (*sp, if asked). */
static struct ev *push_ev(struct ct_pulls *e, uint32_t pid,
			  struct stream **sp)
{
	struct stream *s = stream_of(e, pid);
	struct ev *v;

	if (!s)
		return NULL;
	if (sp)
		*sp = s;
	if (ct_room((void **)&s->ev, &s->cap, s->nev + 1, sizeof(*s->ev)))
		return NULL;
	v = &s->ev[s->nev++];
	memset(v, 0, sizeof(*v));
	return v;
}

/* ---- records in ---- */

/* v joined s: each builder notes what it keeps of it. */
static void note(const struct ct_pulls *e, struct stream *s, struct ev *v)
{
	for (int k = 0; k < CT_ENG_MAX; k++)
		if (e->b[k] && e->b[k]->note)
			e->b[k]->note(s, v);
}

static int add_blob(struct ct_pulls *e, const struct ct_pull_blob *b)
{
	struct stream *s;
	struct ev *v;

	if (b->kind < CT_PULL_F_DOCKER_BLOB || b->kind > CT_PULL_F_PODMAN_BLOB)
		return -EINVAL;
	v = push_ev(e, b->hdr.pid, &s);
	if (!v)
		return -ENOMEM;
	v->kind = EV_BLOB;
	v->untraced = b->hdr.type == CT_EV_PULL_UNTRACED;
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
	note(e, s, v);
	return 0;
}

static int add_rename(struct ct_pulls *e,
		      const struct ct_pull_rename *r)
{
	char newpath[CT_PATH_MAX];
	struct stream *s;
	struct ev *v;

	if (r->kind < CT_PULL_R_REPOS || r->kind > CT_PULL_R_PODMAN_MANIFEST)
		return -EINVAL;
	v = push_ev(e, r->hdr.pid, &s);
	if (!v)
		return -ENOMEM;
	v->kind = EV_RENAME;
	v->sub = r->kind;
	v->ts = r->hdr.ts_ns;
	ct_copy_str(v->path, sizeof(v->path), r->oldpath, sizeof(r->oldpath));
	ct_copy_str(newpath, sizeof(newpath), r->newpath, sizeof(r->newpath));
	pl_digest_of(v->digest, newpath);
	note(e, s, v);
	return 0;
}

/* What the daemon's store said of an image one of its pulls stored:
 * kept whole (its layers) until its pull is built. */
static int add_image(struct ct_pulls *e, const struct ct_pull_image *im)
{
	struct stream *s;
	struct ev *v;

	if (im->nlayers > CT_PULL_IMAGE_LAYERS)
		return -EINVAL;
	v = push_ev(e, im->hdr.pid, &s);
	if (!v)
		return -ENOMEM;
	v->img = malloc(sizeof(*v->img));
	if (!v->img) {
		s->nev--;
		return -ENOMEM;
	}
	memcpy(v->img, im, sizeof(*v->img));
	v->kind = EV_IMAGE;
	v->ts = im->hdr.ts_ns;
	v->pid = im->hdr.pid;
	note(e, s, v);
	return 0;
}

static int add_connect(struct ct_pulls *e,
		       const struct ct_pull_connect *c)
{
	struct ev *v = push_ev(e, c->hdr.pid, NULL);

	if (!v)
		return -ENOMEM;
	v->kind = EV_CONNECT;
	v->ts = c->hdr.ts_ns;
	v->pid = c->hdr.pid;
	/* the comm says whose */
	for (int k = 0; k < CT_ENG_MAX; k++)
		if (e->b[k] && ct_prog_comm_is(c->hdr.comm, e->b[k]->daemon))
			v->sub = (uint32_t)k;
	v->port = c->port;
	return 0;
}

/* The verb of an engine client's argv: the first of the words below,
 * or NULL. */
static const char *client_verb(const struct ct_argv *v, int *at)
{
	static const char *const verbs[] = { "pull", "import", "load" };

	for (int i = 1; i < v->argc && v->argv[i][0]; i++)
		for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++)
			if (!strcmp(v->argv[i], verbs[k])) {
				*at = i;
				return verbs[k];
			}
	return NULL;
}

/* The image of `docker ... pull [-a|-q|--platform P] REF` or `ctr ...
 * pull` (the words after the verb at), or NULL. */
static const char *pull_ref(const struct ct_argv *v, int at)
{
	const char *a;

	for (int i = at + 1; i < v->argc && (a = v->argv[i])[0]; i++) {
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

/* The argv index of a client's `run` or `create`, or 0. */
static int starter_verb(const struct ct_argv *v)
{
	for (int i = 1; i < v->argc && v->argv[i][0]; i++)
		if (!strcmp(v->argv[i], "run") || !strcmp(v->argv[i], "create"))
			return i;
	return 0;
}

static void add_starter(struct ct_pulls *e, const struct ct_exec *x,
			int engine, int verb, size_t len)
{
	struct starter *s;

	ct_fifo_make_room(e->starters, &e->nstarters, PL_STARTERS,
			  sizeof(*s));
	s = &e->starters[e->nstarters++];
	s->ts = x->hdr.ts_ns;
	s->engine = engine;
	s->verb = (uint32_t)verb;
	s->len = len;
	memcpy(s->args, x->args, len);
}

/* An engine client's exec: a pull's client, an importer or a starter. */
static void add_client(struct ct_pulls *e, const struct ct_exec *x,
		       int engine)
{
	size_t len = x->args_len < CT_ARGS_MAX ? x->args_len : CT_ARGS_MAX;
	const char *verb, *ref;
	struct ct_argv v;
	struct client *c;
	int at = 0;

	ct_argv_split(x->args, len, &v);
	verb = client_verb(&v, &at);
	if (!verb && starter_verb(&v)) {
		add_starter(e, x, engine, starter_verb(&v), len);
		return;
	}
	if (verb && strcmp(verb, "pull")) {
		ct_fifo_make_room(e->importers, &e->nimporters, PL_IMPORTERS,
				  sizeof(e->importers[0]));
		e->importers[e->nimporters].ts = x->hdr.ts_ns;
		e->importers[e->nimporters++].pid = x->hdr.pid;
		return;
	}
	ref = verb ? pull_ref(&v, at) : NULL;
	if (!ref)
		return;
	ct_fifo_make_room(e->clients, &e->nclients, MAX_CLIENTS, sizeof(*c));
	c = &e->clients[e->nclients++];
	c->ts = x->hdr.ts_ns;
	c->pid = x->hdr.pid;
	c->engine = engine;
	ct_copy_str(c->image, sizeof(c->image), ref,
		 len - (size_t)(ref - x->args));
}

bool pl_importing(const struct ct_pulls *e, uint64_t from, uint64_t to)
{
	for (size_t i = 0; i < e->nimporters; i++) {
		const struct importer *m = &e->importers[i];
		uint64_t end = pl_exit(e, m->pid, m->ts);

		if (m->ts <= to && (!end || end >= from))
			return true;
	}
	return false;
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
	for (int k = 0; k < CT_ENG_MAX; k++) {
		if (e->b[k] && ct_prog_is(a0, e->b[k]->client)) {
			add_client(e, x, k);
			return 0;
		}
	}
	for (int k = 0; k < CT_ENG_MAX; k++) {
		if (!e->b[k] || !e->b[k]->helper || strcmp(a0, e->b[k]->helper))
			continue;
		/* the daemon re-execs itself: the helper's parent is it */
		v = push_ev(e, x->hdr.ppid, NULL);
		if (!v)
			return -ENOMEM;
		v->kind = EV_HELPER;
		v->ts = x->hdr.ts_ns;
		v->pid = x->hdr.pid;
		return 0;
	}
	return 0;
}

uint64_t pl_exit(const struct ct_pulls *e, uint32_t pid, uint64_t since)
{
	return ct_procs_exit_after(e->model, pid, since);
}

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
uint16_t pl_pull_port(const struct ev *ev, size_t n, uint64_t first)
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
static int64_t client_fit(const struct ct_pulls *e, const struct client *c,
			  int engine, uint64_t first, uint64_t end,
			  bool complete)
{
	uint64_t exit_ns;

	if (c->engine != engine || c->ts > first)
		return -1;
	exit_ns = pl_exit(e, c->pid, c->ts);
	if (!complete)
		return exit_ns ? -1 : fit_of(first - c->ts);
	if (!exit_ns || exit_ns + CLIENT_SLACK_NS < end ||
	    exit_ns > end + CT_PULL_GRACE_NS)
		return -1;
	return exit_ns > end ? fit_of(exit_ns - end) : 0;
}

/*
 * Image of the best fitting client (client_fit()), preferring one whose
 * reference names the registry port the daemon connected to.
 */
void pl_take_client(struct ct_pulls *e, struct ct_pull *p, uint64_t first,
		    uint64_t end, uint16_t port, uint64_t *client_ts)
{
	int engine = ct_engine_from_name(p->engine);
	size_t best = e->nclients;
	int64_t best_fit = 0;

	for (size_t i = 0; i < e->nclients; i++) {
		const struct client *c = &e->clients[i];
		int64_t fit = client_fit(e, c, engine, first, end,
					 p->complete);

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

/* The way a daemon stores the reference a client gave: a tag or a
 * digest ("repo" alone means "repo:latest"). */
static bool same_ref(const char *asked, const char *stored)
{
	const char *name = strrchr(asked, '/');
	size_t n = strlen(asked);

	name = name ? name + 1 : asked;
	if (strchr(asked, '@') || strchr(name, ':'))
		return !strcmp(asked, stored);
	return !strncmp(asked, stored, n) && !strcmp(stored + n, ":latest");
}

/* What a client or starter must have asked for to be a pull's. */
struct asked {
	int engine;		/* < 0: any */
	const char *ref;
	uint64_t first;		/* the pull's first act: asked by then */
};

static bool client_asked(const void *item, const struct asked *q)
{
	const struct client *c = item;

	return (q->engine < 0 || c->engine == q->engine) &&
	       c->ts <= q->first && same_ref(c->image, q->ref);
}

/* A word of a starter's argv after its verb names the reference. */
static bool starter_asked(const void *item, const struct asked *q)
{
	const struct starter *s = item;
	struct ct_argv v;

	if (s->engine != q->engine || s->ts > q->first)
		return false;
	ct_argv_split(s->args, s->len, &v);
	for (int i = (int)s->verb + 1; i < v.argc && v.argv[i][0]; i++)
		if (v.argv[i][0] != '-' && same_ref(v.argv[i], q->ref))
			return true;
	return false;
}

_Static_assert(offsetof(struct client, ts) == 0 &&
	       offsetof(struct starter, ts) == 0, "exec time first");

/* The index of the latest of the n items of sz bytes at a (their ts
 * first) that asked q; n if none. */
static size_t latest(const void *a, size_t n, size_t sz,
		     bool (*asked)(const void *, const struct asked *),
		     const struct asked *q)
{
	uint64_t ts, best_ts = 0;
	size_t best = n;

	for (size_t i = 0; i < n; i++) {
		const char *item = (const char *)a + i * sz;

		memcpy(&ts, item, sizeof(ts));
		if (asked(item, q) && (best == n || ts > best_ts)) {
			best = i;
			best_ts = ts;
		}
	}
	return best;
}

/* The exec time of latest()'s item, taken out of them; 0 if none. */
static uint64_t take_latest(void *a, size_t *n, size_t sz,
			    bool (*asked)(const void *, const struct asked *),
			    const struct asked *q)
{
	size_t best = latest(a, *n, sz, asked, q);
	uint64_t ts;

	if (best == *n)
		return 0;
	memcpy(&ts, (const char *)a + best * sz, sizeof(ts));
	ct_fifo_take(a, n, sz, best);
	return ts;
}

uint64_t pl_take_starter_of(struct ct_pulls *e, int engine, const char *ref,
			    uint64_t first)
{
	const struct asked q = { engine, ref, first };

	return take_latest(e->starters, &e->nstarters, sizeof(e->starters[0]),
			   starter_asked, &q);
}

uint64_t pl_take_client_of(struct ct_pulls *e, int engine, const char *ref,
			   uint64_t first)
{
	const struct asked q = { engine, ref, first };

	return take_latest(e->clients, &e->nclients, sizeof(e->clients[0]),
			   client_asked, &q);
}

uint64_t pl_client_exit_of(const struct ct_pulls *e, int engine,
			   const char *ref, uint64_t first)
{
	const struct asked q = { engine, ref, first };
	size_t i = latest(e->clients, e->nclients, sizeof(e->clients[0]),
			  client_asked, &q);

	return i < e->nclients ? pl_exit(e, e->clients[i].pid,
					 e->clients[i].ts) : 0;
}

uint64_t pl_take_name(struct ct_pulls *e, struct ct_pull *p,
		      const struct ct_pull_image *unread, int engine,
		      uint64_t first, uint64_t end, uint16_t port)
{
	uint64_t cts = 0;

	if (unread) {
		p->manifest_src = CT_PULL_M_UNREAD;
		ct_copy_str(p->manifest, sizeof(p->manifest), unread->manifest,
			    sizeof(unread->manifest));
	}
	if (!unread || !unread->ref[0]) {
		pl_take_client(e, p, first, end, port, &cts);
		return cts;
	}
	ct_copy_str(p->image, sizeof(p->image), unread->ref,
		    sizeof(unread->ref));
	return pl_take_client_of(e, engine, unread->ref, first);
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

/*
 * A loss counted at a CT_EV_LOST record happened after the one before:
 * its span.  When the table is full the two oldest merge (wider, never
 * forgotten).
 */
static void add_lost(struct ct_pulls *e, const struct ct_hdr *h)
{
	struct ct_lost l = { 0 };

	memcpy(&l, h, h->size < sizeof(l) ? h->size : sizeof(l));
	if (l.pull_lost > e->pull_lost) {
		if (e->nlosses == PL_LOSSES) {
			e->losses[1].from = e->losses[0].from;
			ct_fifo_take(e->losses, &e->nlosses,
				     sizeof(*e->losses), 0);
		}
		e->losses[e->nlosses++] = (struct pl_loss){ e->lost_ts,
							    h->ts_ns };
		e->pull_lost = l.pull_lost;
	}
	e->lost_ts = h->ts_ns;
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
		uint64_t t = v->kind == EV_BLOB ? v->open_ns : v->ts;

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
	return v->kind == EV_BLOB && v->untraced && !v->fw && !v->fr;
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
	case CT_EV_PULL_UNTRACED:
		rc = add_blob(e, rec);
		break;
	case CT_EV_PULL_RENAME:
		rc = add_rename(e, rec);
		break;
	case CT_EV_PULL_CONNECT:
		rc = add_connect(e, rec);
		break;
	case CT_EV_PULL_IMAGE:
		if (h->size == sizeof(struct ct_pull_image))
			rc = add_image(e, rec);
		break;
	case CT_EV_EXEC:
		if (h->size >= offsetof(struct ct_exec, args))
			rc = add_exec(e, rec, h->size);
		break;
	case CT_EV_ARM:
		ct_arm_log_add(&e->arms, pl_wall(e, h->ts_ns),
			       ((const struct ct_arm_rec *)rec)->armed);
		break;
	case CT_EV_LOST:
		add_lost(e, rec);
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
	       same_ref(image, p->image);
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
