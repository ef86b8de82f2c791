// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Podman's prepare (user/enrich/prepare.h).  A podman client does not
 * name its container (the id is made inside it): its run is kept (its
 * pid and its exec's time) until it execs the container's conmon, whose
 * -c names it, as its child: the process model says which program the
 * conmon's parent ran then.
 *
 * Its steps (docs/phases.md "prepare's steps"): the client is the engine,
 * one container per run, so its own mounts are its container's: its
 * first (the storage's home, bind-mounted private: the storage opened)
 * ends its start-up, and the shm mount of the container's userdata
 * `<root>/overlay-containers/<id>/userdata/shm` begins its setup (the
 * storage mounted, the spec, conmon).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "classify.h"
#include "comm_table.h"
#include "engine.h"
#include "prepare_api.h"
#include "util.h"

/* A podman client's run until its conmon names the container. */
struct podman_prepare {
	struct pr_ring podman;	/* key: a podman client's run, "pid@exec";
				 * val: "run" (it makes the container) */
	struct pr_ring conmon;	/* key: container id, ts: its podman's exec,
				 * val: that run's key */
	struct pr_ring opened;	/* key: a podman client's run, ts: its first
				 * mount */
	struct pr_ring shm;	/* key: container id, ts: podman's mount of
				 * its userdata/shm */
};

/* A program's run as a ring key: its pid and its exec (monotonic). */
static size_t run_key(char *buf, size_t len, uint32_t pid, uint64_t exec)
{
	return (size_t)snprintf(buf, len, "%u@%llu", pid,
				(unsigned long long)exec);
}

/* ".../overlay-containers/<id>/userdata/shm" -> the id; NULL if not. */
static const char *shm_of(const char *path)
{
	const char *c[4];
	size_t len[4];

	if (!ct_path_last(path, c, len, 4) || !ct_name_is(c[0], len[0], "shm") ||
	    !ct_name_is(c[1], len[1], "userdata") ||
	    !ct_name_is_id(c[2], len[2]) ||
	    !ct_name_is(c[3], len[3], "overlay-containers"))
		return NULL;
	return c[2];
}

/* A podman client's mount: its run's first, or its container's shm. */
static bool on_mount(struct podman_prepare *p, const struct ct_prepare_env *env,
		     const struct ct_mount *m, uint64_t t)
{
	char target[CT_PATH_MAX], key[48];
	uint64_t run;
	const char *id;
	size_t klen;

	if (m->ret != 0 || !ct_prog_comm_is(m->hdr.comm, CT_PROG_PODMAN))
		return false;
	ct_copy_str(target, sizeof(target), m->target, CT_PATH_MAX);
	id = shm_of(target);
	if (id) {
		pr_put(&p->shm, id, CT_HEX_ID_LEN, NULL, t);
		return true;
	}
	run = ct_procs_exec_before(env->model, m->hdr.pid, m->hdr.ts_ns);
	klen = run ? run_key(key, sizeof(key), m->hdr.pid, run) : 0;
	if (!klen || !pr_find(&p->podman, key, t) || pr_find(&p->opened, key, 0))
		return false;
	pr_put(&p->opened, key, klen, NULL, t);
	return true;
}

static bool feed(void *es, const struct ct_prepare_env *env,
		 const struct ct_hdr *h, uint64_t t)
{
	const struct ct_exec *x = (const struct ct_exec *)h;
	struct podman_prepare *p = es;
	const struct pr_mark *m;
	struct ct_class cl;
	uint64_t run;
	char key[48];

	if (h->type == CT_EV_MOUNT)
		return on_mount(p, env, (const struct ct_mount *)h, t);
	if (h->type != CT_EV_EXEC || ct_classify("", x->args, x->args_len, &cl))
		return false;
	if (cl.role == CT_ROLE_ENGINE_CMD && cl.engine == CT_ENG_PODMAN &&
	    (cl.cmd == CT_CMD_RUN || cl.cmd == CT_CMD_START)) {
		size_t klen = run_key(key, sizeof(key), h->pid, h->ts_ns);

		pr_put(&p->podman, key, klen,
		       cl.cmd == CT_CMD_RUN ? "run" : NULL, t);
		return true;
	}
	if (cl.role != CT_ROLE_MONITOR || !cl.creates)
		return false;
	run = ct_procs_exec_before(env->model, h->ppid, h->ts_ns);
	if (!run)
		return false;
	run_key(key, sizeof(key), h->ppid, run);
	m = pr_find(&p->podman, key, t);
	if (m)
		pr_put(&p->conmon, cl.id, strlen(cl.id), key, m->ts);
	return m != NULL;
}

/* The exec of the podman client whose conmon named c, at or before first. */
static uint64_t start(const void *es, const struct ct_prepare_env *env,
		      const struct ct_container *c, uint64_t first)
{
	const struct podman_prepare *p = es;
	const struct pr_mark *m = pr_find(&p->conmon, c->id, first);

	(void)env;
	return m ? m->ts : 0;
}

/*
 * prepare's steps: the client's start-up to its storage opened (its
 * first mount); a run's storage work (the image looked up, the
 * container's layer and configuration made) to the shm mount naming the
 * container; from there its setup to conmon's exec.  A start makes no
 * layer: its start-up runs on to the setup.
 */
static void steps(const void *es, const struct ct_prepare_env *env,
		  const struct ct_container *c, struct ct_steps *out)
{
	const struct podman_prepare *p = es;
	const struct ct_interval *pr = &c->phases[CT_PH_PREPARE];
	const struct pr_mark *run = pr_find(&p->conmon, c->id, pr->end_ns);
	const struct pr_mark *cl = run ? pr_find(&p->podman, run->val, 0) :
					 NULL;
	const struct pr_mark *opened = run ? pr_find(&p->opened, run->val, 0) :
					     NULL;
	const struct pr_mark *shm = pr_find(&p->shm, c->id, pr->end_ns);

	(void)env;
	if (!cl || cl->ts != pr->start_ns || !shm)
		return;	/* not its client's prepare, or no mark of it */
	pr_step(out, c, CT_STEP_CLIENT, pr->start_ns);
	if (cl->val[0] && opened)	/* a run */
		pr_step(out, c, CT_STEP_LAYER, opened->ts);
	pr_step(out, c, CT_STEP_SETUP, shm->ts);
}

const struct ct_prepare_ops ct_podman_prepare = {
	.state_size = sizeof(struct podman_prepare),
	.feed = feed,
	.start = start,
	.steps = steps,
	/* podman run, podman start: the exec is seen whether the syscall
	 * hooks are attached or not */
	.client_only = true,
};
