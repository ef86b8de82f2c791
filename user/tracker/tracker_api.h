/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tracker's state and the engines' hook API, shared by its files
 * and the engines' hooks (user/engines/): the state of each container
 * followed and of the tracker, the core's operations (tracker_core.c)
 * and the few of the parts' the hooks use.  What only tracker_feed.c calls
 * of the parts is tracker_parts.h.  Nothing else includes it.
 */
#ifndef __CT_TRACKER_API_H
#define __CT_TRACKER_API_H

#include <stdbool.h>
#include <stdint.h>
#include "client.h"
#include "engine_api.h"
#include "proc.h"
#include "tracker.h"

/* A done container's record is held this long for late cleanup (the
 * tracker's top comment). */
#define GRACE_NS	250000000ull	/* 250 ms */

enum {
	ACCT_LIVE = 1,	/* counted in cstate.live */
	ACCT_CMD = 2,	/* counted in cstate.ncmd[cmd] */
	ACCT_HOOK = 4,	/* counted in cstate.nhook */
};

/* What the tracker knows of one container besides its record. */
struct cstate {
	struct ct_container c;
	uint32_t gen;
	uint32_t live;			/* tracked processes of it alive */
	uint32_t ncmd[CT_CMD_MAX];	/* own runtime commands alive */
	uint32_t nhook;			/* network hooks alive */
	uint32_t sandbox_pid;
	uint32_t hyp_pid;		/* Kata: the hypervisor process */
	uint32_t hyp_child;		/* its latest fork (qemu -daemonize) */
	uint32_t host_mntns;		/* mntns of the runtime command */
	uint64_t rt_key;		/* cgroup key of the runtime command */
	bool start_pending;		/* runsc: start seen, no stub yet */
	bool user_seen;
	bool netns_mounted;
	bool netns_unmounted;
	char netns_target[CT_PATH_MAX];
	uint64_t done_mono;		/* when it became done; 0 = not */
	uint64_t last_mono;		/* last event that touched it */
	bool create_failed;		/* create failed, init died */
	/* the tracker's lost_events when it began: more at its end, and
	 * what is missing of it may be in the records lost */
	uint64_t lost_before;
	bool gone;			/* its processes vanished unseen */
	uint32_t engine_pid;		/* CRI: the containerd that asked */
	char mount_id[CT_NAME_NAME_LEN];	/* docker: its layer's */
	uint64_t hold_until;		/* dockerd removing it: held till */
	/* docker: its removal's last umount of containers/<id> (wall) */
	uint64_t dir_umount;
	bool removing;			/* dockerd's removal began */
	uint32_t remover_pid;		/* Podman 5: the client that deleted it */
	/* a runtime run by hand began while the syscall hooks were
	 * detached: whole if they were on by its next exec (arm.h) */
	bool unarmed_pending;
	/* the first detach of the hooks while it was followed (mono):
	 * its opens after it are not all counted (arm.h) */
	uint64_t untraced_mono;
	/* a restore (tracker_restore.c): its pid 1 cloned by CRIU, the CRIU
	 * process that did (at restorer_mono), the key still to come from
	 * a restored process; a checkpoint of it running since (wall) */
	uint32_t restore_pid1;
	uint32_t restorer_pid;
	uint64_t restorer_mono;
	/* the last exec of criu in it (pid, mono), and the restorer's */
	uint32_t criu_exec_pid;
	uint64_t criu_exec_mono;
	uint64_t restorer_exec_mono;
	bool key_pending;
	uint64_t checkpoint_ns;
	struct cstate *hnext;		/* id hash chain */
};

/* The checkpoints a restore may pair with (tracker_restore.c). */
#define CT_TK_CHECKPOINTS	8
struct tk_checkpoint {
	char id[CT_ID_LEN];
	uint64_t start_ns, end_ns;	/* wall; end 0: free */
};

struct ct_tracker {
	struct ct_tracker_opts o;
	char prefix[CT_FILTER_MAX];	/* -c: id prefix, name or NS/POD */
	struct ct_proc_table *procs;
	struct cstate **cts;		/* live containers, in no order */
	size_t n, cap;
	struct cstate **bucket;		/* id -> container */
	size_t nbuckets;		/* a power of two */
	uint32_t next_gen;
	uint64_t now;			/* latest event time (monotonic) */
	uint64_t next_sweep;		/* opts.proc_alive: next check */
	struct ct_tracker_stats st;
	void *es[CT_ENG_MAX];		/* each engine's state, in the order
					 * of its hooks (engine_api.h) */
	struct ct_clients *clients;	/* who asked for each container */
	const struct ct_procs *model;	/* o.model, or own_model */
	struct ct_procs *own_model;	/* without o.model: fed here first */
	/* the syscall hooks (CT_EV_ARM): detached, or attached since */
	bool hooks_off;
	uint64_t armed_since;
	struct tk_checkpoint checkpoints[CT_TK_CHECKPOINTS];
};

/* Every engine's hook, if it has one, with its state (engine_api.h). */
#define engines_call(tk, hook, ...)					\
	do {								\
		const struct ct_engine_set *s_ = ct_engines();		\
		for (size_t e_ = 0; e_ < s_->n_hooks; e_++)		\
			if (s_->hooks[e_]->hook)			\
				s_->hooks[e_]->hook((tk), (tk)->es[e_],	\
						    __VA_ARGS__);	\
	} while (0)

/* tracker_core.c: what every part shares.  Event time (monotonic) on
 * the wall clock; a record's cgroup key (the tracker's cgroup mode). */
uint64_t tk_wall(const struct ct_tracker *tk, uint64_t mono);
uint64_t tk_key_of(const struct ct_tracker *tk, const struct ct_hdr *h);
/* The container of this id, or of p (same generation); NULL if none. */
struct cstate *tk_find(struct ct_tracker *tk, const char *id);
struct cstate *tk_find_proc(struct ct_tracker *tk, const struct ct_proc *p);
/* The container a record's id field of cap bytes names (CT_EV_NAME,
 * CT_EV_MOUNTID, CT_EV_IDENT: made from files, maybe with no NUL). */
struct cstate *tk_find_named(struct ct_tracker *tk, const char *id,
			     size_t cap);
/* A container of this id not followed yet, followed from now on; NULL
 * if id is empty or the table is full (counted). */
struct cstate *tk_new(struct ct_tracker *tk, const char *id);
/* s leaves the id hash (tk_emit_at()). */
void tk_hash_del(struct ct_tracker *tk, struct cstate *s);
/* A transition happened to s at t (wall): its family's table applies. */
void tk_fire(struct ct_tracker *tk, struct cstate *s, enum ct_transition tr,
	     uint64_t t);
/* Whether phase p of s has begun and not ended. */
bool tk_ph_open(const struct cstate *s, enum ct_phase p);
/* p counts for its container (p->id), or stops counting. */
void tk_account(struct ct_tracker *tk, struct ct_proc *p);
void tk_unaccount(struct ct_tracker *tk, struct ct_proc *p);
/* p is a process of its container's program from now on. */
void tk_become_user(struct ct_tracker *tk, struct ct_proc *p);
/* s's cgroup key is h's (the record of one of its programs). */
void tk_set_key(struct ct_tracker *tk, struct cstate *s,
		const struct ct_hdr *h);
/* s's program begins at t (wall): pid is its pid 1, h the record that
 * gives its cgroup key (NULL: none yet). */
void tk_user_begins(struct ct_tracker *tk, struct cstate *s, uint32_t pid,
		    const struct ct_hdr *h, uint64_t t);
/* After anything that may end s: done once destroyed and empty. */
void tk_check_done(struct ct_tracker *tk, struct cstate *s);
/* Whether -c lets s out (every container is followed all the same). */
bool tk_id_wanted(const struct ct_tracker *tk, const struct cstate *s,
		  bool unnamed_ok);
/* Adopted at the start and nothing of it ended since: nothing seen. */
bool tk_adopted_idle(const struct cstate *s);
/* Earliest phase start of c while it is followed; UINT64_MAX if none. */
uint64_t tk_open_first_ns(const struct ct_container *c);
/* s's exact client (matched as at emission) into *cl: false if none. */
bool tk_exact_client(struct ct_tracker *tk, struct cstate *s,
		     struct ct_client *cl);
/* argv block (NUL separated) -> "a0 a1 ..." in out, cut to fit: true if
 * something was cut. */
bool tk_join_args(char *out, size_t len, const char *args, size_t n);
/* s began while the syscall hooks were detached (arm.h); its program
 * began, or it is emitted: a judgement still pending is that. */
void tk_mark_unarmed(struct ct_tracker *tk, struct cstate *s);
void tk_judge_final(struct ct_tracker *tk, struct cstate *s);

/* The parts' operations the engines' hooks use too.  tracker_mount.c:
 * an umount's enter on the wall clock (its exit if the enter is not
 * known): where the act began; "/var/run/x" is "/run/x" (containerd
 * mounts under the first, unmounts the second). */
uint64_t tk_umount_enter(const struct ct_tracker *tk,
			 const struct ct_mount *m);
const char *tk_run_path(const char *path);
/* tracker_emit.c: the container of this id, a new one if it is not
 * followed (or done: the done one goes out first). */
struct cstate *tk_get_or_create(struct ct_tracker *tk, const char *id);
/*
 * An exit of pid at t, of no container: if it is the client that
 * removes a container itself (s->remover_pid, set by its engine: Podman
 * 5's run, `ctr run --rm`), destroy lasts until then (CT_TR_REMOVER_EXIT)
 * and the record goes out (its last process gone: after the grace);
 * what else still runs for it is no longer its.
 */
void tk_remover_exit(struct ct_tracker *tk, uint32_t pid, uint64_t t);

#endif /* __CT_TRACKER_API_H */
