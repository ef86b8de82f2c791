// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The pull stage's records in (pulls.c is the stage): each record of a
 * daemon (a blob file, a rename, a registry connect, what its store
 * said) joins its process's stream as an event, each builder noting
 * what it keeps of it; an engine client's exec is kept as a pull's
 * client, an importer or a starter; the pull ring's losses as spans.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coldtrace.h"
#include "comm_table.h"
#include "pulls_api.h"
#include "pulls_int.h"
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
	v->blob = b->file;
	v->blob.path[sizeof(v->blob.path) - 1] = '\0';	/* untrusted */
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
	ct_copy_str(v->oldpath, sizeof(v->oldpath), r->oldpath,
		    sizeof(r->oldpath));
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

/* A record (its header checked against its length) into the stage's
 * streams, clients or losses; 0 or -errno. */
static int add_record(struct ct_pulls *e, const struct ct_hdr *h)
{
	const void *rec = h;
	int rc = 0;

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
	return rc;
}

int ct_pulls_feed(struct ct_pulls *e, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;
	int rc;

	if (!e || !rec || len < sizeof(*h) || h->size > len)
		return -EINVAL;
	rc = add_record(e, h);
	if (rc)
		return rc;
	return pl_advance(e, h->ts_ns);
}
