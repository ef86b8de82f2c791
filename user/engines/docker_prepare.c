// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dockerd's prepare (user/enrich/prepare.h): from the mkdirat of the
 * container's read-write layer `<data-root>/overlay2/<mount id>-init`
 * (CT_EV_MKDIR), attributed by the layer's mount id (CT_EV_MOUNTID).
 * A container started by a later request than the one that made it
 * (docker create, then docker start; compose) has its creation apart:
 * dockerd mounts its rootfs `overlay2/<mount id>/merged` once in the
 * create (to make the volumes' mount points, then unmounts it and
 * removes the directory) and again first thing in the start.
 * dockerd's entry into its containerCreate (a uprobe: ct_docker_ufns)
 * splits the request's handling from the container's creation.
 */
#include <stdbool.h>
#include <string.h>
#include "client.h"
#include "engine.h"
#include "docker.h"
#include "prepare_api.h"
#include "util.h"

/*
 * dockerd's entries into its containerCreate (CT_EV_UFN), which name no
 * container: a container's is the only one between its client's request
 * and its layer.  A newer entry of the same thread within
 * CREATE_AGAIN_NS is the same one run again (Go's stack growth).
 */
#define CREATES		256
#define CREATE_AGAIN_NS	1000000ull

struct docker_creates {
	uint64_t ts[CREATES];	/* wall clock */
	uint32_t tid[CREATES];
	size_t next;
};

/* dockerd's marks of its containers' layers. */
struct docker_prepare {
	struct pr_ring layers;	/* key: mount id, ts: its -init mkdir */
	struct pr_ring merged;	/* key: mount id, ts: a <mid>/merged mkdir */
	struct pr_ring ids;	/* key: container id, val: its mount id */
	struct pr_ring dirs;	/* key: container id: containers/<id> mkdir */
	struct pr_ring fifos;	/* key: container id: its FIFOs' directory
				 * <exec-root>/containerd/<id>, made right
				 * before dockerd asks containerd for it */
	struct pr_ring rootfs;	/* key: container id: containerd's image
				 * store, its rootfs' mount point
				 * <data-root>/rootfs/<snapshotter>/<id> */
	struct docker_creates creates;
};

/*
 * dockerd's function that creates a container once its request is read
 * (20.10, 26.1 and 28.5: daemon.(*Daemon).containerCreate, behind
 * ContainerCreate and its variants): its image looked up, its settings
 * checked, its name reserved, then its layer made.  Nothing of its
 * arguments is read.
 */
const struct ct_ufn_spec ct_docker_ufns[] = {
	{ "dockerd", ".(*Daemon).containerCreate", NULL,
	  CT_UFN_DOCKER_CREATE },
	{ NULL, NULL, NULL, 0 },
};

static void on_create(struct docker_creates *r, const struct ct_ufn *u,
		      uint64_t t)
{
	size_t last = (r->next + CREATES - 1) % CREATES;

	if (r->next && r->tid[last] == u->hdr.tid && t >= r->ts[last] &&
	    t - r->ts[last] < CREATE_AGAIN_NS)
		return;
	r->ts[r->next % CREATES] = t;
	r->tid[r->next++ % CREATES] = u->hdr.tid;
}

/*
 * The one entry into containerCreate in [from, before), or why none is
 * said (docs/phases.md "Missing steps"): more than one (another request's,
 * at the same time: whose is which is not known), the probes changed
 * meanwhile or never placed, or none seen.
 */
static struct pr_found create_in(const struct docker_creates *r,
				 const struct ct_prepare_env *env,
				 uint64_t from, uint64_t before)
{
	struct pr_found f = { 0, CT_MISS_NONE };
	size_t n = 0;

	for (size_t i = 0; i < CREATES && i < r->next; i++) {
		if (r->ts[i] < from || r->ts[i] >= before)
			continue;
		f.ts = r->ts[i];
		n++;
	}
	if (n > 1)	/* two seen: shared, whatever the probes did */
		f.why = CT_MISS_SHARED;
	else
		f.why = pr_probes_missing(env, from, before);
	if (!f.why && !n)
		f.why = CT_MISS_UNSEEN;
	if (f.why)
		f.ts = 0;
	return f;
}

/* With containerd's image store, dockerd has containerd make two
 * snapshots for a container: its init layer's and its own. */
#define CSTORE_SNAPSHOTS	2

/* ".../<dir>/<container id>", and <dir> `up` levels above the id is
 * name (1: its parent) -> the id; NULL otherwise. */
static const char *id_under(const char *path, const char *name, int up)
{
	const char *c[3];
	size_t len[3];

	if (up > 2 || !ct_path_last(path, c, len, up + 1) ||
	    !ct_name_is_id(c[0], len[0]) || !ct_name_is(c[up], len[up], name))
		return NULL;
	return c[0];
}

const char *ct_docker_id_in(const char *path, const char *parent)
{
	return id_under(path, parent, 1);
}


/* ".../overlay2/<mount id>-init" -> mount id; false otherwise. */
static bool init_layer(const char *path, const char **id, size_t *len)
{
	static const char sfx[] = "-init", dir[] = "/overlay2";
	const size_t sl = sizeof(sfx) - 1, dl = sizeof(dir) - 1;
	size_t n = strlen(path);
	const char *base = strrchr(path, '/');

	if (!base || n < sl || strcmp(path + n - sl, sfx))
		return false;
	if ((size_t)(base - path) < dl || strncmp(base - dl, dir, dl))
		return false;
	*id = base + 1;
	*len = (size_t)(path + n - sl - *id);
	return *len > 0;
}

/* ".../overlay2/<mount id>/merged" -> mount id (not an -init layer's). */
static bool rootfs_dir(const char *path, const char **id, size_t *len)
{
	static const char sfx[] = "/merged", dir[] = "/overlay2",
			  init[] = "-init";
	const size_t sl = sizeof(sfx) - 1, dl = sizeof(dir) - 1,
		     il = sizeof(init) - 1;
	size_t n = strlen(path);
	const char *base;

	if (n < sl || strcmp(path + n - sl, sfx))
		return false;
	for (base = path + n - sl; base > path && base[-1] != '/'; base--)
		;
	if ((size_t)(base - path) < dl + 1 || strncmp(base - 1 - dl, dir, dl))
		return false;
	*id = base;
	*len = (size_t)(path + n - sl - base);
	return *len > il && strncmp(base + *len - il, init, il);
}

static void on_mkdir(struct docker_prepare *p, const struct ct_mkdir *m,
		     int64_t m2r)
{
	uint64_t ts = pr_mkdir_at(m, m2r);
	char buf[CT_PATH_MAX];
	const char *mid;
	size_t mlen;

	memcpy(buf, m->path, sizeof(buf));
	buf[sizeof(buf) - 1] = 0;
	if (m->ret != 0)
		return;
	if (init_layer(buf, &mid, &mlen))
		pr_put(&p->layers, mid, mlen, NULL, ts);
	else if (rootfs_dir(buf, &mid, &mlen))
		pr_put(&p->merged, mid, mlen, NULL, ts);
	else if ((mid = id_under(buf, "containers", 1)))
		pr_put(&p->dirs, mid, CT_HEX_ID_LEN, NULL, ts);
	else if ((mid = id_under(buf, "containerd", 1)))
		pr_put(&p->fifos, mid, CT_HEX_ID_LEN, NULL, ts);
	else if ((mid = id_under(buf, "rootfs", 2)))	/* cstore's */
		pr_put(&p->rootfs, mid, CT_HEX_ID_LEN, NULL, ts);
}

static void on_mountid(struct docker_prepare *p, const struct ct_name_rec *r,
		       int64_t m2r)
{
	char id[CT_NAME_ID_LEN], mid[CT_NAME_NAME_LEN];

	memcpy(id, r->id, sizeof(id));
	id[sizeof(id) - 1] = 0;
	memcpy(mid, r->name, sizeof(mid));
	mid[sizeof(mid) - 1] = 0;
	pr_put(&p->ids, id, strlen(id), mid, r->hdr.ts_ns + m2r);
}

/* c's layer's mount id, NULL if not known. */
static const char *mount_id(const struct docker_prepare *p,
			    const struct ct_container *c)
{
	const struct pr_mark *m = pr_find(&p->ids, c->id, 0);

	return m && m->val[0] ? m->val : NULL;
}

/* The -init mkdir of the layer mounted for c, at or before first. */
static uint64_t made_at(const struct docker_prepare *p,
		       const struct ct_container *c, uint64_t first)
{
	const char *mid = mount_id(p, c);
	const struct pr_mark *m = mid ? pr_find(&p->layers, mid, first) : NULL;

	return m ? m->ts : 0;
}

/* The newest rootfs mkdir of layer mid in [from, before), 0 if none. */
static uint64_t rootfs_mkdir(const struct docker_prepare *p, const char *mid,
			     uint64_t from, uint64_t before)
{
	const struct pr_mark *m = before > from ?
				  pr_find(&p->merged, mid, before - 1) : NULL;

	return m && m->ts >= from ? m->ts : 0;
}

/*
 * Where c's start began, when an earlier request made it (0: one request
 * made and started it, or not known):
 *  - its exact client is a docker start (or restart): its exec;
 *  - no client at all (compose, an SDK): dockerd's rootfs mkdir for the
 *    start, the last before the shim, after the create's own (two of
 *    them since the -init mkdir; one alone is the create's and the
 *    start's at once: not apart).
 * Ambiguous clients are all docker run (a start names its container):
 * one request each, not apart.  The creation: the create client's exec
 * and exit when it is known, else dockerd's -init mkdir to its rootfs
 * mkdir of the create (or the -init mkdir alone).
 */
static uint64_t apart(const void *es, const struct ct_container *c,
		      uint64_t after, struct ct_created *cr)
{
	const struct docker_prepare *p = es;
	const char *mid = mount_id(p, c);
	uint64_t made = mid ? made_at(p, c, c->first_ns) : 0;
	uint64_t start, end;

	if (!made || made <= after)
		return 0;
	if (c->has_client && c->client.is_start)
		start = ct_client_request_ns(&c->client);
	else if (!c->has_client && !c->client_ambiguous)
		start = rootfs_mkdir(p, mid, made, c->first_ns + 1);
	else
		return 0;
	end = start > made ? rootfs_mkdir(p, mid, made, start) : 0;
	if (start <= made || (!end && !c->has_client))
		return 0;
	memset(cr, 0, sizeof(*cr));
	cr->start_ns = made;
	cr->end_ns = end ? end : made;
	if (c->creator.start_ns && c->creator.start_ns <= made &&
	    c->creator.end_ns && c->creator.end_ns <= start) {
		cr->start_ns = c->creator.start_ns;
		cr->end_ns = c->creator.end_ns;
		cr->from_client = true;
	}
	return start;
}

static uint64_t start(const void *es, const struct ct_prepare_env *env,
		      const struct ct_container *c, uint64_t first)
{
	(void)env;
	return made_at(es, c, first);
}

/* The newest mark of c's id in r before t, 0 if none. */
static uint64_t id_mark(const struct pr_ring *r, const struct ct_container *c,
			uint64_t t)
{
	const struct pr_mark *m = t ? pr_find(r, c->id, t - 1) : NULL;

	return m ? m->ts : 0;
}

/*
 * With containerd's image store (no overlay2 layer of dockerd's own):
 * the first of the container's two snapshots, made before its directory
 * containers/<id> (none said if another client's are among them).
 */
static struct pr_found cstore_layer(const struct ct_prepare_env *env,
				    const struct ct_container *c, uint64_t dir)
{
	struct pr_found none = { 0, CT_MISS_NONE };

	return dir ? pr_snapshot_found(env, pr_asked_at(c), dir,
				       CSTORE_SNAPSHOTS) : none;
}

/* The start's mount point of c's rootfs (the last before the shim, after
 * from: the create makes one too), either store's. */
static uint64_t setup_mark(const struct docker_prepare *p, const char *mid,
			   const struct ct_container *c, uint64_t from)
{
	const struct ct_interval *pr = &c->phases[CT_PH_PREPARE];
	uint64_t t;

	if (mid)
		return rootfs_mkdir(p, mid, from, pr->end_ns);
	t = id_mark(&p->rootfs, c, pr->end_ns);
	return t >= from ? t : 0;
}

/*
 * prepare's steps (docs/phases.md "prepare's steps"), by dockerd's own
 * marks of the container: its client's exec and request (its connect to
 * dockerd), its entry into containerCreate, the -init mkdir of its layer
 * (or containerd's first snapshot of it), its directory containers/<id>,
 * the start's mkdir of its rootfs (<mid>/merged, or
 * rootfs/<snapshotter>/<id>), the directory of its FIFOs, made right
 * before dockerd asks containerd to create it, and containerd's bundle
 * of its task.
 */
static void steps(const void *es, const struct ct_prepare_env *env,
		  const struct ct_container *c, struct ct_steps *out)
{
	const struct docker_prepare *p = es;
	const struct ct_interval *pr = &c->phases[CT_PH_PREPARE];
	const char *mid = mount_id(p, c);
	uint64_t dir = id_mark(&p->dirs, c, pr->end_ns);
	struct pr_found layer = { mid ? made_at(p, c, pr->end_ns) : 0,
				  CT_MISS_NONE };
	uint64_t setup = setup_mark(p, mid, c, dir ? dir : pr->start_ns);
	uint64_t task = id_mark(&p->fifos, c, pr->end_ns);
	uint64_t asked = pr_asked_at(c), made;

	if (!mid)
		layer = cstore_layer(env, c, dir);
	/* none of dockerd's marks (a recording made before they were):
	 * no steps, rather than one that runs on over all of prepare */
	if (!(layer.ts | dir | setup | task))
		return;
	pr_client_steps(out, c);
	/* the creation's first mark, its layer (else its directory: on
	 * containerd's store, its snapshots shared), in prepare after the
	 * request: containerCreate's entry lies between them */
	made = layer.ts ? layer.ts : dir;
	if (made > asked)
		pr_step_found(out, c, CT_STEP_IMAGE,
			      create_in(&p->creates, env, asked, made));
	pr_step_found(out, c, CT_STEP_LAYER, layer);
	pr_step(out, c, CT_STEP_CONFIG, dir);
	pr_step(out, c, CT_STEP_SETUP, setup);
	pr_step(out, c, CT_STEP_TASK, task);
	pr_step(out, c, CT_STEP_BUNDLE,
		pr_bundle(env, c->id, task ? task : pr->start_ns, pr->end_ns));
}

static bool feed(void *es, const struct ct_prepare_env *env,
		 const struct ct_hdr *h, uint64_t t)
{
	struct docker_prepare *p = es;

	if (h->type == CT_EV_MKDIR)
		on_mkdir(p, (const struct ct_mkdir *)h, env->m2r);
	else if (h->type == CT_EV_MOUNTID)
		on_mountid(p, (const struct ct_name_rec *)h, env->m2r);
	else if (h->type == CT_EV_UFN &&
		 ((const struct ct_ufn *)h)->fn == CT_UFN_DOCKER_CREATE)
		on_create(&p->creates, (const struct ct_ufn *)h, t);
	else
		return false;
	return true;
}

const struct ct_prepare_ops ct_docker_prepare = {
	.state_size = sizeof(struct docker_prepare),
	.feed = feed,
	.start = start,
	.apart = apart,
	.steps = steps,
};
