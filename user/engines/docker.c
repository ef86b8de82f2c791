// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Docker: dockerd's removal of a container (--rm, docker rm), which
 * names the container only at its start (the umount of its layer's
 * mount id) and its end (the rmdir of directories named by its id):
 * the record is held until then; and destroy's steps, by the same
 * marks.  Hooks: engine.h.
 */
#include <string.h>

#include "client.h"
#include "comm_table.h"
#include "docker.h"
#include "engine.h"
#include "tracker_api.h"
#include "util.h"

/* dockerd's removal of a container, once begun, ends within this (a
 * layer of 1,500 directories took 0.8 s here); a removal that failed
 * midway lets the record go then. */
#define REMOVAL_MAX_NS	(30 * 1000000000ull)

/*
 * dockerd begins a removal by releasing the read-write layer: its first
 * act is an umount2 of `overlay2/<mount id>` itself (at the container's
 * exit it unmounts `<mount id>/merged` only), then it removes the
 * layer's tree, which names nobody and may take long (one rmdir per
 * directory the container made), then `layerdb/mounts/<id>` and
 * `containers/<id>`.  Hold the record until those come.
 */
static void removal_begins(struct ct_tracker *tk, struct cstate *s)
{
	s->removing = true;
	s->hold_until = tk->now + REMOVAL_MAX_NS;
}

/*
 * destroy's steps (docs/phases.md "destroy's steps"), marked as dockerd
 * goes: delete from destroy's start (the runtime's delete, the shim's,
 * containerd's) to dockerd's first act that names the container; unmount
 * from there (its FIFOs' rmdir, its netns', mounts' and rootfs' umounts);
 * layer from the umount of its layer itself (the removal began); config
 * from the removal's last umount of `containers/<id>` (EnsureRemoveAll,
 * then its files), taken when an rmdir naming the id follows: the exit
 * unmounts it too, and without a removal nothing follows.
 */
static void first_act(struct cstate *s, uint64_t t)
{
	if (s->c.engine == CT_ENG_DOCKER)
		ct_steps_first_act(&s->c, CT_PH_DESTROY, CT_STEP_DELETE,
				   CT_STEP_UNMOUNT, t);
}

/* An umount of containers/<id> in destroy: the exit's, or the
 * removal's (EnsureRemoveAll's first act). */
static void dir_umount(struct cstate *s, const char *target, uint64_t t)
{
	const char *id = ct_docker_id_in(target, "containers");

	if (id && !strncmp(id, s->c.id, sizeof(s->c.id)) &&
	    s->c.phases[CT_PH_DESTROY].start_ns)
		s->dir_umount = t;
}

/* An rmdir naming the id follows the last umount of containers/<id>:
 * that umount began the removal of its directory if the removal of its
 * layer began before (it then comes after layer's start), or if it has
 * no layer of dockerd's own (containerd's image store) -- 20.10 removes
 * the FIFOs' directory after the exit's umount. */
static void dir_removed(struct cstate *s)
{
	if (s->dir_umount && (s->removing || !s->mount_id[0]))
		ct_steps_mark(&s->c, CT_PH_DESTROY, CT_STEP_CONFIG,
			      s->dir_umount);
}

/* The record is held for a removal, begun or expected (--rm). */
static bool removal_held(const struct ct_tracker *tk, const struct cstate *s)
{
	return s->hold_until > tk->now;
}

/* "--rm" or "--rm=true" among a client's arguments. */
static bool asks_removal(const struct ct_client *cl)
{
	struct ct_argv v;

	ct_argv_split(cl->args, cl->args_len, &v);
	for (int i = 1; i < v.argc; i++)
		if (!strcmp(v.argv[i], "--rm") ||
		    !strcmp(v.argv[i], "--rm=true"))
			return true;
	return false;
}

/*
 * Its last process is gone.  A `docker run --rm` (its client, matched
 * as at emission) is removed by dockerd next, but on a loaded host the
 * removal may begin later than the grace (255 ms seen, six at once):
 * hold the record for it from now on.  An argument --rm of the program
 * itself holds it for nothing: REMOVAL_MAX_NS, then complete.
 */
static void removal_expected(struct ct_tracker *tk, struct cstate *s)
{
	struct ct_client cl;

	if (s->c.engine != CT_ENG_DOCKER || s->removing)
		return;
	if (tk_exact_client(tk, s, &cl) && asks_removal(&cl))
		s->hold_until = tk->now + REMOVAL_MAX_NS;
}

/* The layer's mount id (CT_EV_MOUNTID, read by names.c when the
 * container appeared): what names the start of its removal. */
static void on_mount_id(struct ct_tracker *tk, const struct ct_name_rec *r)
{
	struct cstate *s = tk_find_named(tk, r->id, sizeof(r->id));

	if (s)
		ct_copy_str(s->mount_id, sizeof(s->mount_id), r->name,
			    sizeof(r->name));
}

/*
 * The directory's own name is the container's id (`containers/<id>`,
 * `layerdb/mounts/<id>`, `exec/containerd/<id>`): exact, whatever
 * else dockerd removes at the same time.  A container no longer
 * followed (removed long after its end, `docker rm` minutes later) is
 * nobody's: its record is out.
 */
static void on_rmdir(struct ct_tracker *tk, const struct ct_mkdir *m)
{
	char path[CT_PATH_MAX];
	uint64_t t = tk_wall(tk, m->hdr.ts_ns);
	struct cstate *s;

	ct_copy_str(path, sizeof(path), m->path, CT_PATH_MAX);
	s = tk_find(tk, ct_basename(path));
	if (!s)
		return;
	tk_fire(tk, s, CT_TR_ID_RMDIR, t);
	first_act(s, t);
	dir_removed(s);
	/* layerdb/mounts/<id>: containers/<id> follows within the grace;
	 * before the removal, <exec-root>/containerd/<id> ends nothing.
	 * Without a layer of dockerd's own (containerd's image store, or
	 * its mount id not read) no umount says the removal began: a
	 * removal expected (--rm) is under way at the first, and its last
	 * rmdir naming the id follows within the grace too. */
	if (s->removing || (!s->mount_id[0] && removal_held(tk, s)))
		s->hold_until = tk->now + GRACE_NS;
}

/* --- the hooks (engine.h) ------------------------------------------------ */

static void docker_record(struct ct_tracker *tk, void *es,
			  const struct ct_hdr *h)
{
	(void)es;
	if (h->type == CT_EV_MOUNTID)
		on_mount_id(tk, (const struct ct_name_rec *)h);
	else if (h->type == CT_EV_RMDIR)
		on_rmdir(tk, (const struct ct_mkdir *)h);
}

/* dockerd's umounts of s's: its layer's own begins the removal; each of
 * them, and of its rootfs `<mount id>/merged`, is one of dockerd's acts
 * (the shim's and containerd's umounts of the bundle's rootfs are
 * theirs, in delete). */
static void docker_umount(struct ct_tracker *tk, void *es, struct cstate *s,
			  const struct ct_mount *m, const char *target,
			  bool ours)
{
	uint64_t t = tk_umount_enter(tk, m);	/* the act began there */

	(void)es;
	if (!ct_prog_comm_is(m->hdr.comm, CT_PROG_DOCKERD))
		return;
	if (s->mount_id[0] && !strcmp(ct_basename(target), s->mount_id)) {
		first_act(s, t);
		removal_begins(tk, s);
		ct_steps_mark(&s->c, CT_PH_DESTROY, CT_STEP_LAYER, t);
	} else if (ours || (s->mount_id[0] && strstr(target, s->mount_id))) {
		first_act(s, t);
		dir_umount(s, target, t);
	}
}

static void docker_done(struct ct_tracker *tk, void *es, struct cstate *s)
{
	(void)es;
	removal_expected(tk, s);
}

const struct ct_engine_ops ct_engine_docker = {
	.record = docker_record,
	.umount = docker_umount,
	.done = docker_done,
};
