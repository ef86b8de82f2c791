// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Whose pull it was (pulls.c is the stage): the engine clients that
 * asked for it, matched by the reference they named, the registry port
 * the daemon connected to, or how well their exec and exit fit the
 * pull; importers; when a process exited, from the process model.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "pulls_api.h"
#include "pulls_int.h"
#include "util.h"

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

uint64_t pl_exit(const struct ct_pulls *e, uint32_t pid, uint64_t since)
{
	return ct_procs_exit_after(e->model, pid, since);
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

/* A tag or a digest, as the daemon stores it (pulls_int.h). */
bool pl_same_ref(const char *asked, const char *stored)
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
	       c->ts <= q->first && pl_same_ref(c->image, q->ref);
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
		if (v.argv[i][0] != '-' && pl_same_ref(v.argv[i], q->ref))
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
