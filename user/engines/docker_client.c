// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * docker's clients (user/enrich/client.h has the rule): which argv is a
 * `docker run/create/start/restart`, what it names, and which of the
 * clients alive at a container's first phase asked for it, also by the
 * dockerd it connected to.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "client_api.h"
#include "docker.h"
#include "engine.h"
#include "comm_table.h"

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
static void docker_name(const struct ct_argv *v, int k, struct cl_entry *x)
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
				struct cl_entry *x)
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
static bool is_client(const struct ct_exec *e, const struct ct_argv *v,
		      struct cl_entry *x)
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
	(void)e;
	return true;
}

/*
 * dockerd runs a container's network hook as itself (/proc/<dockerd>/exe
 * libnetwork-setkey ... ID): which dockerd made container id.
 */
static void other_exec(struct ct_clients *t, const struct ct_exec *x,
		       const struct ct_class *cl)
{
	char file[CT_FNAME_MAX];
	struct cl_engine_of *g;

	if (cl->role != CT_ROLE_HOOK_SETKEY)
		return;
	ct_copy_str(file, sizeof(file), x->filename, sizeof(x->filename));
	g = &t->engines[t->next_engine++ % NCLIENTS];
	ct_copy_str(g->id, sizeof(g->id), cl->id, CT_ID_LEN);
	g->pid = ct_proc_path_pid(file, "/exe");
}

/*
 * dockerd makes `<data-root>/containers/<id>` itself (CT_EV_MKDIR, by
 * its own pid): which dockerd made the container, also when it runs no
 * network hook (Docker 28 runs none).
 */
static void on_mkdir(struct ct_clients *t, const struct ct_mkdir *m)
{
	char path[CT_PATH_MAX];
	struct cl_engine_of *g;
	const char *id;

	ct_copy_str(path, sizeof(path), m->path, sizeof(m->path));
	id = ct_docker_id_in(path, "containers");
	if (m->ret != 0 || !id)
		return;
	g = &t->engines[t->next_engine++ % NCLIENTS];
	ct_copy_str(g->id, sizeof(g->id), id, strlen(id) + 1);
	g->pid = m->hdr.pid;
	g->ts = (m->start_ns ? m->start_ns : m->hdr.ts_ns) + t->m2r;
}

/* The dockerd that made container id, 0 if not known. */
static uint32_t engine_pid(const struct ct_clients *t, const char *id)
{
	for (size_t i = 0; i < NCLIENTS; i++)
		if (t->engines[i].pid && !strcmp(t->engines[i].id, id))
			return t->engines[i].pid;
	return 0;
}

/* When dockerd made containers/<id> (its creation), 0 if not seen. */
static uint64_t made_at(const struct ct_clients *t, const char *id)
{
	uint64_t at = 0;

	for (size_t i = 0; i < NCLIENTS; i++)
		if (t->engines[i].ts > at && !strcmp(t->engines[i].id, id))
			at = t->engines[i].ts;
	return at;
}

enum verdict { V_NO, V_MAYBE, V_YES };

/* Does docker client x's argv name container c? */
static enum verdict names(const struct cl_entry *x, const struct ct_container *c)
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
static bool docker_candidate(const struct cl_entry *x, uint64_t at,
			     uint32_t engine)
{
	const struct ct_client *cl = &x->cl;

	return x->kind == CT_ENG_DOCKER && cl->exec_ns <= at &&
	       at - cl->exec_ns <= MAX_REQUEST_NS &&
	       (!x->exit_ns || x->exit_ns >= at) &&
	       (!cl->request_ns || cl->request_ns <= at) &&
	       (!engine || !x->engine_pid || x->engine_pid == engine);
}

/*
 * The one docker client alive at `at` that asked for c: of the creators
 * only (run, create) when creators, else of every kind.
 */
static enum ct_client_match pick(const struct ct_clients *t,
				 const struct ct_container *c, uint64_t at,
				 bool creators, const struct cl_entry **out)
{
	const struct cl_entry *yes = NULL, *maybe = NULL;
	uint32_t engine = engine_pid(t, c->id);
	size_t nyes = 0, nmaybe = 0;

	for (size_t i = 0; i < NCLIENTS; i++) {
		const struct cl_entry *x = &t->e[i];

		if (!docker_candidate(x, at, engine) ||
		    (creators && x->is_start))
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
	*out = yes;
	return CT_CLIENT_EXACT;
}

static enum ct_client_match match(const struct ct_clients *t,
				  const struct ct_container *c,
				  struct ct_client *out)
{
	const struct cl_entry *x;
	enum ct_client_match r = pick(t, c, c->first_ns, false, &x);

	if (r == CT_CLIENT_EXACT)
		*out = x->cl;
	return r;
}

/* The creation's request: a run or create alive at containers/<id>'s
 * mkdir (a start's container was made earlier, by another request). */
static bool creator(const struct ct_clients *t, const struct ct_container *c,
		    struct ct_interval *out)
{
	uint64_t at = made_at(t, c->id);
	const struct cl_entry *x;

	if (!at || pick(t, c, at, true, &x) != CT_CLIENT_EXACT)
		return false;
	out->start_ns = x->cl.exec_ns;
	out->end_ns = x->exit_ns;
	return true;
}

const struct ct_client_ops ct_docker_client = {
	.is_client = is_client,
	.other_exec = other_exec,
	.mkdir = on_mkdir,
	.match = match,
	.creator = creator,
};
