// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Who asked for each container (client.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "classify.h"
#include "client.h"
#include "coldtrace.h"
#include "comm_table.h"
#include "prepare.h"
#include "util.h"

#define NCLIENTS	256	/* clients kept, a ring: bounded */
#define NFORKS		1024	/* recent forks, direct-mapped by child pid */
/* a client that exec'ed further back than this did not ask for it */
#define MAX_REQUEST_NS	(60 * 1000000000ull)

enum kind { K_NONE, K_DOCKER, K_PODMAN, K_CTR };

struct entry {
	struct ct_client cl;
	enum kind kind;
	uint64_t exit_ns;	/* 0 while alive */
	/* ctr: its argv's id; podman: its conmon's -c (container id) */
	char cid[CT_ID_LEN];
	/* docker: run/create --name, or start's, restart's first container */
	char target[CT_ID_LEN];
	bool is_start;		/* start, restart: target is a name or id prefix */
	uint32_t engine_pid;	/* who listens on the socket it asked, or 0 */
};

/* A docker container's dockerd, from its network hook's exec. */
struct engine_of {
	char id[CT_ID_LEN];
	uint32_t pid;
};

struct fork_slot {
	uint32_t child;
	char comm[CT_COMM_LEN];	/* the parent's */
};

struct ct_clients {
	int64_t m2r;
	struct entry e[NCLIENTS];
	size_t next;
	struct fork_slot forks[NFORKS];
	struct engine_of engines[NCLIENTS];	/* a ring */
	size_t next_engine;
};

struct ct_clients *ct_clients_new(int64_t mono_to_real_ns)
{
	/* its rings fill over hours: resident from the start */
	struct ct_clients *t = ct_zalloc_resident(sizeof(*t));

	if (t)
		t->m2r = mono_to_real_ns;
	return t;
}

void ct_clients_free(struct ct_clients *t)
{
	free(t);
}

/* docker's global flags that take a value (docker --help). */
static bool docker_global_value(const char *a)
{
	static const char *const f[] = {
		"-H", "--host", "--config", "-c", "--context", "-l",
		"--log-level", "--tlscacert", "--tlscert", "--tlskey", NULL,
	};

	for (size_t i = 0; f[i]; i++)
		if (!strcmp(a, f[i]))
			return true;
	return false;
}

/* docker start's and restart's flags that take a value. */
static bool docker_start_value(const char *a)
{
	return !strcmp(a, "--detach-keys") || !strcmp(a, "--checkpoint") ||
	       !strcmp(a, "--checkpoint-dir") || !strcmp(a, "-t") ||
	       !strcmp(a, "--time") || !strcmp(a, "--timeout") ||
	       !strcmp(a, "-s") || !strcmp(a, "--signal");
}

/* The index of docker's subcommand ("container" skipped), or argc. */
static int docker_cmd(const struct ct_argv *v)
{
	int k;

	for (k = 1; k < v->argc && v->argv[k][0] == '-'; k++)
		k += !strchr(v->argv[k], '=') && docker_global_value(v->argv[k]);
	if (k < v->argc && !strcmp(v->argv[k], "container"))
		k++;
	return k < v->argc ? k : v->argc;
}

/* run/create: the value of --name, "" without one. */
static void docker_name(const struct ct_argv *v, int k, struct entry *x)
{
	for (k++; k < v->argc; k++) {
		const char *a = v->argv[k];

		if (!strncmp(a, "--name=", 7)) {
			ct_copy_str(x->target, sizeof(x->target), a + 7, SIZE_MAX);
			return;
		}
		if (!strcmp(a, "--name") && k + 1 < v->argc) {
			ct_copy_str(x->target, sizeof(x->target),
				    v->argv[k + 1], SIZE_MAX);
			return;
		}
	}
}

/* start, restart: its first container argument (a name or an id
 * prefix). */
static void docker_start_target(const struct ct_argv *v, int k,
				struct entry *x)
{
	for (k++; k < v->argc; k++) {
		const char *a = v->argv[k];

		if (a[0] != '-') {
			ct_copy_str(x->target, sizeof(x->target), a, SIZE_MAX);
			return;
		}
		k += !strchr(a, '=') && docker_start_value(a);
	}
}

/*
 * `docker [global flags] [container] run|create|start|restart ...`?  A
 * restart stops the container and starts it again: it is the client of
 * the generation it starts.
 */
static bool docker_client(const struct ct_argv *v, struct entry *x)
{
	int k;

	if (!v->argc || !ct_prog_is(v->argv[0], CT_PROG_DOCKER))
		return false;
	k = docker_cmd(v);
	if (k == v->argc)
		return false;
	x->is_start = !strcmp(v->argv[k], "start") ||
		      !strcmp(v->argv[k], "restart");
	if (!strcmp(v->argv[k], "run") || !strcmp(v->argv[k], "create"))
		docker_name(v, k, x);
	else if (x->is_start)
		docker_start_target(v, k, x);
	else
		return false;
	x->kind = K_DOCKER;
	return true;
}

/* What kind of client an exec is, its fields filled; K_NONE if none. */
static enum kind client_kind(const struct ct_exec *x, size_t alen,
			     struct entry *out)
{
	struct ct_argv v;
	struct ct_class cl;

	if (!ct_prepare_ctr_id(x->args, alen, out->cid, sizeof(out->cid)))
		return K_CTR;
	ct_argv_split(x->args, alen, &v);
	if (docker_client(&v, out))
		return K_DOCKER;
	if (!ct_classify("", x->args, alen, &cl) &&
	    cl.role == CT_ROLE_ENGINE_CMD && cl.engine == CT_ENG_PODMAN &&
	    (cl.cmd == CT_CMD_RUN || cl.cmd == CT_CMD_START))
		return K_PODMAN;
	return K_NONE;
}

/* The newest entry of pid still alive, or NULL. */
static struct entry *live(struct ct_clients *t, uint32_t pid)
{
	struct entry *best = NULL;

	for (size_t i = 0; i < NCLIENTS; i++) {
		struct entry *x = &t->e[i];

		if (x->kind && x->cl.pid == pid && !x->exit_ns &&
		    (!best || x->cl.exec_ns > best->cl.exec_ns))
			best = x;
	}
	return best;
}

static void fill_client(const struct ct_clients *t, struct ct_client *cl,
			const struct ct_exec *x, size_t alen)
{
	const struct fork_slot *f = &t->forks[x->hdr.pid % NFORKS];
	size_t n = alen < sizeof(cl->args) ? alen : sizeof(cl->args);

	cl->pid = x->hdr.pid;
	cl->ppid = x->hdr.ppid;
	ct_copy_str(cl->comm, sizeof(cl->comm), x->hdr.comm,
		    sizeof(x->hdr.comm));
	if (f->child == x->hdr.pid)
		ct_copy_str(cl->parent_comm, sizeof(cl->parent_comm),
			    f->comm, sizeof(f->comm));
	memcpy(cl->args, x->args, n);
	cl->args_truncated = x->args_truncated || n < alen;
	if (n == sizeof(cl->args) && cl->args[n - 1])	/* cut: a NUL ends it */
		cl->args[n - 1] = '\0';
	cl->args_len = (uint32_t)n;
	cl->exec_ns = x->hdr.ts_ns + t->m2r;
}

/* "/proc/N/exe" -> N, else 0. */
static uint32_t proc_exe_pid(const char *path)
{
	unsigned long pid;
	char *end;

	if (strncmp(path, "/proc/", 6))
		return 0;
	pid = strtoul(path + 6, &end, 10);
	if (end == path + 6 || strcmp(end, "/exe") || pid > UINT32_MAX)
		return 0;
	return (uint32_t)pid;
}

/*
 * A podman client's conmon names the container it made; dockerd runs a
 * container's network hook as itself (/proc/<dockerd>/exe
 * libnetwork-setkey ... ID): which dockerd made it.
 */
static void on_other_exec(struct ct_clients *t, const struct ct_exec *x,
			  size_t alen)
{
	char file[CT_FNAME_MAX];
	struct engine_of *g;
	struct ct_class cl;
	struct entry *p;

	if (ct_classify("", x->args, alen, &cl) || !cl.id[0])
		return;
	if (cl.role == CT_ROLE_HOOK_SETKEY) {
		ct_copy_str(file, sizeof(file), x->filename,
			    sizeof(x->filename));
		g = &t->engines[t->next_engine++ % NCLIENTS];
		ct_copy_str(g->id, sizeof(g->id), cl.id, sizeof(cl.id));
		g->pid = proc_exe_pid(file);
		return;
	}
	if (cl.role != CT_ROLE_MONITOR || !cl.creates)
		return;
	p = live(t, x->hdr.ppid);
	if (p && p->kind == K_PODMAN)
		ct_copy_str(p->cid, sizeof(p->cid), cl.id, sizeof(cl.id));
}

static void on_exec(struct ct_clients *t, const struct ct_exec *x)
{
	size_t alen = x->args_len;
	struct entry *old = live(t, x->hdr.pid), n = { 0 };

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
	t->e[t->next++ % NCLIENTS] = n;
}

static void on_fork(struct ct_clients *t, const struct ct_fork *f)
{
	struct fork_slot *s = &t->forks[f->child_pid % NFORKS];

	s->child = f->child_pid;
	memcpy(s->comm, f->hdr.comm, sizeof(s->comm));
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
	struct entry *x = live(t, c->hdr.pid);
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
	struct entry *x = live(t, in->hdr.pid);

	if (!x || x->cl.stdin_ns || in->ret <= 0)
		return;
	x->cl.stdin_ns = in->hdr.ts_ns + t->m2r;
	x->cl.stdin_wait_ns = in->wait_ns;
}

/*
 * dockerd makes `<data-root>/containers/<id>` itself (CT_EV_MKDIR, by
 * its own pid): which dockerd made the container, also when it runs no
 * network hook (Docker 28 runs none).
 */
static void on_mkdir(struct ct_clients *t, const struct ct_mkdir *m)
{
	static const char dir[] = "/containers/";
	const size_t dl = sizeof(dir) - 1;
	char path[CT_PATH_MAX];
	struct engine_of *g;
	const char *base;

	ct_copy_str(path, sizeof(path), m->path, sizeof(m->path));
	base = ct_basename(path);
	if (m->ret != 0 || strlen(base) != 64 ||
	    (size_t)(base - path) < dl || strncmp(base - dl, dir, dl))
		return;
	g = &t->engines[t->next_engine++ % NCLIENTS];
	ct_copy_str(g->id, sizeof(g->id), base, strlen(base) + 1);
	g->pid = m->hdr.pid;
}

/* The dockerd that made container id, 0 if not known. */
static uint32_t engine_pid(const struct ct_clients *t, const char *id)
{
	for (size_t i = 0; i < NCLIENTS; i++)
		if (t->engines[i].pid && !strcmp(t->engines[i].id, id))
			return t->engines[i].pid;
	return 0;
}

void ct_clients_feed(struct ct_clients *t, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;
	struct entry *x;

	if (!t || len < sizeof(*h) || h->size > len)
		return;
	switch (h->type) {
	case CT_EV_EXEC:
		if (h->size >= offsetof(struct ct_exec, args))
			on_exec(t, rec);
		break;
	case CT_EV_FORK:
		if (h->size >= sizeof(struct ct_fork))
			on_fork(t, rec);
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
			on_mkdir(t, rec);
		break;
	}
}

enum verdict { V_NO, V_MAYBE, V_YES };

/* Does docker client x's argv name container c? */
static enum verdict names(const struct entry *x, const struct ct_container *c)
{
	size_t n = strlen(x->target);

	if (!n || (!c->name[0] && !x->is_start))
		return V_MAYBE;
	if (ct_name_same(x->target, sizeof(x->target), c->name) ||
	    (x->is_start && !strncmp(c->id, x->target, n)))
		return V_YES;
	return c->name[0] ? V_NO : V_MAYBE;
}

/* Alive at the shim's exec, started and connected before it, to the
 * dockerd that made the container (when both are known). */
static bool docker_candidate(const struct entry *x, uint64_t at,
			     uint32_t engine)
{
	const struct ct_client *cl = &x->cl;

	return x->kind == K_DOCKER && cl->exec_ns <= at &&
	       at - cl->exec_ns <= MAX_REQUEST_NS &&
	       (!x->exit_ns || x->exit_ns >= at) &&
	       (!cl->request_ns || cl->request_ns <= at) &&
	       (!engine || !x->engine_pid || x->engine_pid == engine);
}

static enum ct_client_match match_docker(const struct ct_clients *t,
					 const struct ct_container *c,
					 struct ct_client *out)
{
	const struct entry *yes = NULL, *maybe = NULL;
	uint32_t engine = engine_pid(t, c->id);
	size_t nyes = 0, nmaybe = 0;

	for (size_t i = 0; i < NCLIENTS; i++) {
		const struct entry *x = &t->e[i];

		if (!docker_candidate(x, c->first_ns, engine))
			continue;
		switch (names(x, c)) {
		case V_YES:
			nyes++;
			yes = x;
			break;
		case V_MAYBE:
			nmaybe++;
			maybe = x;
			break;
		case V_NO:
			break;
		}
	}
	if (nyes > 1 || (!nyes && nmaybe > 1))
		return CT_CLIENT_AMBIGUOUS;
	if (!yes)
		yes = maybe;
	if (!yes)
		return CT_CLIENT_NONE;
	*out = yes->cl;
	return CT_CLIENT_EXACT;
}

/* ctr and podman: the newest client whose id is c's, before it began. */
static enum ct_client_match match_id(const struct ct_clients *t,
				     const struct ct_container *c,
				     enum kind k, struct ct_client *out)
{
	const struct entry *best = NULL;

	for (size_t i = 0; i < NCLIENTS; i++) {
		const struct entry *x = &t->e[i];

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
	if (!t || !c->first_ns)
		return CT_CLIENT_NONE;
	switch (c->engine) {
	case CT_ENG_DOCKER:
		return match_docker(t, c, out);
	case CT_ENG_CONTAINERD:
		return match_id(t, c, K_CTR, out);
	case CT_ENG_PODMAN:
		return match_id(t, c, K_PODMAN, out);
	default:
		return CT_CLIENT_NONE;
	}
}
