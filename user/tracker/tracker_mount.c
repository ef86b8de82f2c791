// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Mounts and umounts (tracker_feed.c has the machine): the bind mount of a
 * container's netns (the engine connecting it, Docker 28), its umount
 * (disconnect), umounts naming an id (destroy), each engine's own.
 */
#include <stdio.h>
#include <string.h>
#include "engine_api.h"
#include "proc.h"
#include "tracker.h"
#include "tracker_api.h"
#include "tracker_parts.h"
#include "util.h"

/* "/var/run/x" and "/run/x" are one path (containerd mounts under the
 * first, unmounts the second). */
const char *tk_run_path(const char *path)
{
	return strncmp(path, "/var/run/", 9) ? path : path + 4;
}

/* The only container with a network hook running, if exactly one. */
static struct cstate *sole_connecting(struct ct_tracker *tk)
{
	struct cstate *found = NULL;

	for (size_t i = 0; i < tk->n; i++) {
		if (!tk_ph_open(tk->cts[i], CT_PH_CONNECT))
			continue;
		if (found)
			return NULL;
		found = tk->cts[i];
	}
	return found;
}

/*
 * Docker 28 runs no network hook: once the runtime's create has
 * returned, dockerd bind-mounts /proc/<pid 1>/ns/net itself, sets up the
 * container's networks and only then asks for start.  That mount, whose
 * source names the container's pid 1, says the time from create's end
 * to start was the engine connecting it (docs/phases.md "netns mount").
 */
static void engine_netns_mount(struct ct_tracker *tk, struct cstate *s)
{
	const struct ct_interval *cr = &s->c.phases[CT_PH_CREATE];

	if (ct_has_phase(&s->c, CT_PH_CREATE) && cr->end_ns &&
	    !ct_has_phase(&s->c, CT_PH_START))
		tk_fire(tk, s, CT_TR_NETNS_MOUNT, cr->end_ns);
}

static void on_mount(struct ct_tracker *tk, const struct ct_mount *m,
		     const char *src, const char *target)
{
	uint32_t pid = ct_proc_path_pid(src, "/ns/net");
	struct ct_proc *p;
	struct cstate *s;

	if (m->ret != 0)
		return;
	engines_call(tk, mount, m, src, target);
	if (!pid)
		return;
	p = ct_proc_get(tk->procs, pid);
	s = tk_find_proc(tk, p);
	/* guess only for a source we know nothing about */
	if (!s && (!p || !p->id[0]))
		s = sole_connecting(tk);
	if (!s || s->netns_mounted)
		return;
	snprintf(s->netns_target, sizeof(s->netns_target), "%s", target);
	s->netns_mounted = true;
	engine_netns_mount(tk, s);
}

uint64_t tk_umount_enter(const struct ct_tracker *tk,
			 const struct ct_mount *m)
{
	return tk_wall(tk, m->start_ns && m->start_ns <= m->hdr.ts_ns ?
			   m->start_ns : m->hdr.ts_ns);
}

static void on_umount(struct ct_tracker *tk, const struct ct_mount *m,
		      const char *target)
{
	uint64_t t = tk_wall(tk, m->hdr.ts_ns), t0 = tk_umount_enter(tk, m);

	for (size_t i = 0; i < tk->n; i++) {
		struct cstate *s = tk->cts[i];
		bool ours = true;

		if (s->netns_mounted && !s->netns_unmounted &&
		    !strcmp(tk_run_path(target),
			    tk_run_path(s->netns_target))) {
			tk_fire(tk, s, CT_TR_NETNS_UMOUNT_ENTER, t0);
			tk_fire(tk, s, CT_TR_NETNS_UMOUNT_EXIT, t);
			s->netns_unmounted = true;
			tk_check_done(tk, s);
		} else if (strstr(target, s->c.id)) {
			tk_fire(tk, s, CT_TR_ID_UMOUNT, t);
		} else {
			ours = false;
		}
		engines_call(tk, umount, s, m, target, ours);
	}
}

void tk_on_mount(struct ct_tracker *tk, const struct ct_mount *m)
{
	char src[CT_PATH_MAX], target[CT_PATH_MAX];

	ct_copy_str(src, sizeof(src), m->source, CT_PATH_MAX);
	ct_copy_str(target, sizeof(target), m->target, CT_PATH_MAX);
	if (m->hdr.type == CT_EV_MOUNT)
		on_mount(tk, m, src, target);
	else
		on_umount(tk, m, target);
}
