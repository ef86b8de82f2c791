// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Who asked for each container (client.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "classify.h"
#include "client.h"
#include "client_int.h"
#include "coldtrace.h"
#include "prepare.h"
#include "util.h"

struct ct_clients *ct_clients_new(int64_t mono_to_real_ns,
				  const struct ct_procs *model)
{
	/* its rings fill over hours: resident from the start */
	struct ct_clients *t = ct_zalloc_resident(sizeof(*t));

	if (t) {
		t->m2r = mono_to_real_ns;
		t->model = model;
	}
	return t;
}

void ct_clients_free(struct ct_clients *t)
{
	free(t);
}

/* What kind of client an exec is, its fields filled; CL_NONE if none. */
static enum cl_kind client_kind(const struct ct_exec *x, size_t alen,
			     struct cl_entry *out)
{
	struct ct_argv v;
	struct ct_class cl;

	if (!ct_prepare_ctr_id(x->args, alen, out->cid, sizeof(out->cid)))
		return CL_CTR;
	ct_argv_split(x->args, alen, &v);
	if (ct_docker_client(&v, out))
		return CL_DOCKER;
	if (!ct_classify("", x->args, alen, &cl) &&
	    cl.role == CT_ROLE_ENGINE_CMD && cl.engine == CT_ENG_PODMAN &&
	    (cl.cmd == CT_CMD_RUN || cl.cmd == CT_CMD_START))
		return CL_PODMAN;
	return CL_NONE;
}

/* The newest entry of pid still alive, or NULL. */
static struct cl_entry *live(struct ct_clients *t, uint32_t pid)
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

/*
 * A podman client's conmon names the container it made; dockerd's
 * network hook, which dockerd made it (docker_client.c).
 */
static void on_other_exec(struct ct_clients *t, const struct ct_exec *x,
			  size_t alen)
{
	struct ct_class cl;
	struct cl_entry *p;

	if (ct_classify("", x->args, alen, &cl) || !cl.id[0])
		return;
	if (cl.role == CT_ROLE_HOOK_SETKEY) {
		ct_docker_client_setkey(t, x, cl.id);
		return;
	}
	if (cl.role != CT_ROLE_MONITOR || !cl.creates)
		return;
	p = live(t, x->hdr.ppid);
	if (p && p->kind == CL_PODMAN)
		ct_copy_str(p->cid, sizeof(p->cid), cl.id, sizeof(cl.id));
}

static void on_exec(struct ct_clients *t, const struct ct_exec *x)
{
	size_t alen = x->args_len;
	struct cl_entry *old = live(t, x->hdr.pid), n = { 0 };

	if (alen > x->hdr.size - offsetof(struct ct_exec, args))
		return;
	if (old)	/* the same process, another program */
		old->exit_ns = x->hdr.ts_ns + t->m2r;
	n.kind = client_kind(x, alen, &n);
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
	struct cl_entry *x = live(t, c->hdr.pid);
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
	struct cl_entry *x = live(t, in->hdr.pid);

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
		x = live(t, h->pid);
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
		if (h->size >= sizeof(struct ct_mkdir))
			ct_docker_client_mkdir(t, rec);
		break;
	}
}

/* ctr and podman: the newest client whose id is c's, before it began. */
static enum ct_client_match match_id(const struct ct_clients *t,
				     const struct ct_container *c,
				     enum cl_kind k, struct ct_client *out)
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

static enum ct_client_match match_ctr(const struct ct_clients *t,
				      const struct ct_container *c,
				      struct ct_client *out)
{
	return match_id(t, c, CL_CTR, out);
}

static enum ct_client_match match_podman(const struct ct_clients *t,
					 const struct ct_container *c,
					 struct ct_client *out)
{
	return match_id(t, c, CL_PODMAN, out);
}

/* Each engine's matching (docker's in user/engines/docker_client.c). */
static enum ct_client_match (*const match[CT_ENG_MAX])(
	const struct ct_clients *, const struct ct_container *,
	struct ct_client *) = {
	[CT_ENG_DOCKER] = ct_docker_client_match,
	[CT_ENG_CONTAINERD] = match_ctr,
	[CT_ENG_PODMAN] = match_podman,
};

enum ct_client_match ct_clients_match(const struct ct_clients *t,
				      const struct ct_container *c,
				      struct ct_client *out)
{
	if (!t || !c->first_ns || c->engine >= CT_ENG_MAX || !match[c->engine])
		return CT_CLIENT_NONE;
	return match[c->engine](t, c, out);
}

bool ct_clients_creator(const struct ct_clients *t,
			const struct ct_container *c, struct ct_interval *out)
{
	if (!t || c->engine != CT_ENG_DOCKER)
		return false;
	return ct_docker_client_creator(t, c, out);
}
