/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tracker's parts as tracker_feed.c calls them: each a record kind or a
 * fixed point of the machine.  The parts use tracker_core.c only
 * (tracker_api.h), never each other nor tracker_feed.c.
 */
#ifndef __CT_TRACKER_PARTS_H
#define __CT_TRACKER_PARTS_H

#include <stdbool.h>
#include <stdint.h>
#include "tracker_api.h"

/* tracker_mount.c: a CT_EV_MOUNT or CT_EV_UMOUNT record. */
void tk_on_mount(struct ct_tracker *tk, const struct ct_mount *m);

/* tracker_adopt.c: a process of a container begun before the session. */
void tk_on_adopt(struct ct_tracker *tk, const struct ct_exec *x);

/* tracker_restore.c: a container restored from a checkpoint.  Its
 * runtime's restore exec (s is a restore from now on); an exec of file
 * fname by its process pid (at mono); a fork, a record (h) of its
 * process p, an exit of p in it; the end of the runtime's checkpoint of
 * s (p). */
void tk_restore_exec(struct ct_tracker *tk, struct cstate *s);
void tk_restore_criu(struct cstate *s, uint32_t pid, const char *fname,
		     uint64_t mono);
void tk_restore_fork(const struct ct_tracker *tk, struct cstate *s,
		     const struct ct_fork *f);
void tk_restore_key(struct ct_tracker *tk, struct cstate *s,
		    const struct ct_proc *p, const struct ct_hdr *h);
void tk_restore_exit(struct ct_tracker *tk, struct cstate *s,
		     const struct ct_proc *p, int32_t status, uint64_t mono,
		     uint64_t t);
void tk_checkpoint_exit(struct ct_tracker *tk, struct cstate *s,
			const struct ct_proc *p, uint64_t t);

/* tracker_arm.c: what the syscall hooks saw (arm.h).  A CT_EV_ARM
 * record; at its runtime's create (ts: monotonic), the runtime's next
 * exec, its removal's start (its pid 1's exit). */
struct ct_arm_rec;
void tk_on_arm(struct ct_tracker *tk, const struct ct_arm_rec *r);
void tk_judge_create(struct ct_tracker *tk, struct cstate *s, uint64_t ts);
void tk_judge_next_exec(struct ct_tracker *tk, struct cstate *s, uint64_t ts);
void tk_judge_removal(struct ct_tracker *tk, struct cstate *s, uint64_t ts);

/* tracker_emit.c: the end of a record.  Before each record: the done
 * ones out after their grace, the stale ones expired; emit cts[i]
 * (complete or not) and forget it. */
void tk_reap(struct ct_tracker *tk);
void tk_emit_at(struct ct_tracker *tk, size_t i, bool complete);

#endif /* __CT_TRACKER_PARTS_H */
