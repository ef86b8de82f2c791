// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Podman: what its client does that no other engine's does (Podman 5
 * removes a --rm container itself).  Its monitor, conmon, is followed
 * by the generic machine (CT_ROLE_MONITOR).  Its phase table first, then
 * its hooks (engine.h).
 */
#include "classify.h"
#include "comm_table.h"
#include "engine.h"
#include "phases_api.h"
#include "tracker_api.h"

/*
 * runc, crun under Podman's conmon: conmon's exec begins attach (it
 * opens the logs and the attach socket, then double-forks and runs the
 * runtime's create); the podman client runs start, conmon's cleanup
 * command delete.  With --network none there is no network; with one,
 * the podman client runs netavark before conmon, and nothing in its argv
 * names the container (not modelled).  Podman 5's client runs the
 * runtime's delete and removes the container itself: its exit ends
 * destroy and the record, whatever conmon's cleanup still does.
 */
static const struct ct_phase_rule podman_rules[] = {
	R(MONITOR_EXEC, BEGIN, ATTACH),
	MONITORED_RUNTIME,
	R(ID_UMOUNT, EXTEND, DESTROY),
	R(REMOVER_EXIT, EXTEND, DESTROY),
};

const struct ct_phase_table ct_podman_phases = CT_PHASE_TABLE(podman_rules);

/*
 * Podman 5's `podman run --rm` (and start) runs `<rt> delete` itself and
 * removes the container before it returns, while conmon's `podman
 * container cleanup` may still be running: that client's exit, not
 * conmon's, ends the container (tk_remover_exit(): what conmon still
 * runs for it, its cleanup command, no longer is the container's).  A cleanup or an rm
 * that is a process of the container is not such a client.
 */
static void podman_deleted(struct ct_tracker *tk, void *es, struct cstate *s,
			   uint32_t ppid)
{
	struct ct_proc *pp = ct_proc_get(tk->procs, ppid);

	(void)es;
	if (pp && pp->own && pp->role == CT_ROLE_ENGINE_CMD &&
	    (pp->cmd == CT_CMD_RUN || pp->cmd == CT_CMD_START) &&
	    tk_find_proc(tk, pp) != s)
		s->remover_pid = ppid;
}

/*
 * destroy's steps (docs/phases.md "destroy's steps"): delete from
 * destroy's start (the runtime's delete) to podman's first umount that
 * names the container (its `userdata/shm`, by conmon's cleanup command
 * or, Podman 5, the client); unmount from there: its rootfs unmounted
 * and, for a removal, its storage removed, to destroy's end.  conmon's
 * and the runtime's own umounts are delete's.
 */
static void podman_umount(struct ct_tracker *tk, void *es, struct cstate *s,
			  const struct ct_mount *m, const char *target,
			  bool ours)
{
	uint64_t t = tk_umount_enter(tk, m);	/* the act began there */

	(void)es;
	(void)target;
	if (s->c.engine != CT_ENG_PODMAN || !ours ||
	    !ct_prog_comm_is(m->hdr.comm, CT_PROG_PODMAN))
		return;
	ct_steps_first_act(&s->c, CT_PH_DESTROY, CT_STEP_DELETE,
			   CT_STEP_UNMOUNT, t);
}

/* --- the hooks (engine.h) ------------------------------------------------ */

const struct ct_engine_ops ct_engine_podman = {
	.deleted = podman_deleted,
	.umount = podman_umount,
};
