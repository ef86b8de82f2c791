// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Who asked for each container (client.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "classify.h"
#include "client.h"
#include "client_api.h"
#include "coldtrace.h"
#include "util.h"

struct ct_clients *ct_clients_new(int64_t mono_to_real_ns,
				  const struct ct_procs *model,
				  const struct ct_client_ops *const *ops)
{
	/* its rings fill over hours: resident from the start */
	struct ct_clients *t = ct_zalloc_resident(sizeof(*t));

	if (t) {
		t->m2r = mono_to_real_ns;
		t->model = model;
		for (int k = 0; k < CT_ENG_MAX; k++)
			t->ops[k] = ops ? ops[k] : NULL;
	}
	return t;
}

/* Engine k's client op, or NULL. */
#define OP(t, k, op)	((t)->ops[k] ? (t)->ops[k]->op : NULL)

void ct_clients_free(struct ct_clients *t)
{
	free(t);
}

/* Whose client an exec is, its fields filled; CT_ENG_UNKNOWN if none. */
static enum ct_engine_kind client_kind(const struct ct_clients *t,
				       const struct ct_exec *x, size_t alen,
				       struct cl_entry *out)
{
	struct ct_argv v;

	ct_argv_split(x->args, alen, &v);
	for (int k = 0; k < CT_ENG_MAX; k++)
		if (OP(t, k, is_client) && t->ops[k]->is_client(x, &v, out))
			return (enum ct_engine_kind)k;
	return CT_ENG_UNKNOWN;
}

struct cl_entry *ct_clients_live(struct ct_clients *t, uint32_t pid)
{
	struct cl_entry *best = NULL;

	for (size_t i = 0; i < NCLIENTS; i++) {
		struct cl_entry *x = &t->e[i];

		if (x->kind && x->cl.pid == pid && !x->exit_ns &&
		    (!best || x->cl.exec_ns > best->cl.exec_ns))
			best = x;
	}
	return best;
}

static void fill_client(const struct ct_clients *t, struct ct_client *cl,
			const struct ct_exec *x, size_t alen)
{
	const struct ct_life *f = ct_procs_forked(t->model, x->hdr.pid);
	size_t n = alen < sizeof(cl->args) ? alen : sizeof(cl->args);

	cl->pid = x->hdr.pid;
	cl->ppid = x->hdr.ppid;
	ct_copy_str(cl->comm, sizeof(cl->comm), x->hdr.comm,
		    sizeof(x->hdr.comm));
	if (f)
		ct_copy_str(cl->parent_comm, sizeof(cl->parent_comm),
			    f->comm, sizeof(f->comm));
	memcpy(cl->args, x->args, n);
	cl->args_truncated = x->args_truncated || n < alen;
	if (n == sizeof(cl->args) && cl->args[n - 1])	/* cut: a NUL ends it */
		cl->args[n - 1] = '\0';
	cl->args_len = (uint32_t)n;
	cl->exec_ns = x->hdr.ts_ns + t->m2r;
}

/* What the engines' other programs say of the clients (client_api.h). */
static void on_other_exec(struct ct_clients *t, const struct ct_exec *x,
			  size_t alen)
{
	struct ct_class cl;

	if (ct_classify("", x->args, alen, &cl) || !cl.id[0])
		return;
	for (int k = 0; k < CT_ENG_MAX; k++)
		if (OP(t, k, other_exec))
			t->ops[k]->other_exec(t, x, &cl);
}

static void on_exec(struct ct_clients *t, const struct ct_exec *x)
{
	size_t alen = x->args_len;
	struct cl_entry *old = ct_clients_live(t, x->hdr.pid), n = { 0 };

	if (alen > x->hdr.size - offsetof(struct ct_exec, args))
		return;
	if (old)	/* the same process, another program */
		old->exit_ns = x->hdr.ts_ns + t->m2r;
	n.kind = client_kind(t, x, alen, &n);
	if (!n.kind) {
		on_other_exec(t, x, alen);
		return;
	}
	fill_client(t, &n.cl, x, alen);
	n.cl.is_start = n.is_start;
	t->e[t->next++ % NCLIENTS] = n;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && !strcmp(s + n - m, suf);
}

/* The first successful connect to an engine's API socket (*.sock:
 * docker.sock, containerd.sock, podman.sock) is the request. */
static void on_connect(struct ct_clients *t, const struct ct_connect *c)
{
	struct cl_entry *x = ct_clients_live(t, c->hdr.pid);
	char path[CT_PATH_MAX];

	if (!x || x->cl.request_ns || c->ret != 0 || c->family != 1)
		return;
	ct_copy_str(path, sizeof(path), c->path, sizeof(c->path));
	if (!ends_with(path, ".sock"))
		return;
	x->cl.request_ns = c->hdr.ts_ns + t->m2r;
	x->engine_pid = c->peer_pid;
}

/* The first data on its stdin: a request handed to it (chain.h). */
static void on_stdin(struct ct_clients *t, const struct ct_stdin *in)
{
	struct cl_entry *x = ct_clients_live(t, in->hdr.pid);

	if (!x || x->cl.stdin_ns || in->ret <= 0)
		return;
	x->cl.stdin_ns = in->hdr.ts_ns + t->m2r;
	x->cl.stdin_wait_ns = in->wait_ns;
}

void ct_clients_feed(struct ct_clients *t, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;
	struct cl_entry *x;

	if (!t || len < sizeof(*h) || h->size > len)
		return;
	switch (h->type) {
	case CT_EV_EXEC:
		if (h->size >= offsetof(struct ct_exec, args))
			on_exec(t, rec);
		break;
	case CT_EV_EXIT:
		x = ct_clients_live(t, h->pid);
		if (x)
			x->exit_ns = h->ts_ns + t->m2r;
		break;
	case CT_EV_CONNECT:
		if (h->size >= sizeof(struct ct_connect))
			on_connect(t, rec);
		break;
	case CT_EV_STDIN:
		if (h->size >= sizeof(struct ct_stdin))
			on_stdin(t, rec);
		break;
	case CT_EV_MKDIR:
		if (h->size < sizeof(struct ct_mkdir))
			break;
		for (int k = 0; k < CT_ENG_MAX; k++)
			if (OP(t, k, mkdir))
				t->ops[k]->mkdir(t, rec);
		break;
	}
}

enum ct_client_match ct_clients_match_id(const struct ct_clients *t,
					 const struct ct_container *c,
					 enum ct_engine_kind k,
					 struct ct_client *out)
{
	const struct cl_entry *best = NULL;

	for (size_t i = 0; i < NCLIENTS; i++) {
		const struct cl_entry *x = &t->e[i];

		if (x->kind != k || strcmp(x->cid, c->id) ||
		    x->cl.exec_ns > c->first_ns)
			continue;
		if (!best || x->cl.exec_ns > best->cl.exec_ns)
			best = x;
	}
	if (!best || c->first_ns - best->cl.exec_ns > MAX_REQUEST_NS)
		return CT_CLIENT_NONE;
	*out = best->cl;
	return CT_CLIENT_EXACT;
}

enum ct_client_match ct_clients_match(const struct ct_clients *t,
				      const struct ct_container *c,
				      struct ct_client *out)
{
	if (!t || !c->first_ns || c->engine >= CT_ENG_MAX ||
	    !OP(t, c->engine, match))
		return CT_CLIENT_NONE;
	return t->ops[c->engine]->match(t, c, out);
}

bool ct_clients_creator(const struct ct_clients *t,
			const struct ct_container *c, struct ct_interval *out)
{
	if (!t || c->engine >= CT_ENG_MAX || !OP(t, c->engine, creator))
		return false;
	return t->ops[c->engine]->creator(t, c, out);
}
