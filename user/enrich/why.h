/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --why: split each phase's duration into cpu / runq / io / sleep time of
 * the process that carries it, from CT_EV_TSTATE records (bpf/why.bpf.c)
 * and the exec and fork records, and its off-CPU time into wait sites
 * (struct ct_waits) from the stacks and wakeups (CT_EV_STACK, CT_EV_WAKE)
 * where the session took them.  Pure C, replayable.
 *
 * The carrier of a phase (docs/phases.md): the process whose exec starts
 * it (runtime command, hook, the user program; for run and ready without
 * an exec, the container's pid 1); for attach and die, handing over to
 * the parent of the process whose exec ends them (the shim) as soon as
 * that one exists.  A process's state at an instant is that of its
 * "busiest" thread: running > runnable > uninterruptible > sleeping.
 */
#ifndef __CT_WHY_H
#define __CT_WHY_H

#include <stddef.h>
#include <stdint.h>
#include "container.h"
#include "procs.h"
#include "why_waits.h"

struct ct_why;

/* model: the process model, fed each record before why is. */
struct ct_why *ct_why_new(int64_t mono_to_real_ns,
			  const struct ct_procs *model);
void ct_why_free(struct ct_why *w);

/* Any record; keeps fork, exit and tstate ones, and the time of each
 * lifecycle record.  -EINVAL if short. */
int ct_why_feed(struct ct_why *w, const void *rec, size_t len);

/* At emission: fill c->split[] and forget the processes it used. */
void ct_why_apply(struct ct_why *w, struct ct_container *c);

/* One slice of a phase's carrier in one state (trace.json). */
struct ct_why_slice {
	int phase;		/* enum ct_phase */
	uint32_t state;		/* CT_TS_RUN, RUNQ, IO or SLEEP */
	uint64_t start_ns;	/* wall clock */
	uint64_t end_ns;
};

/*
 * What trace.json keeps of a phase: its CT_WHY_PHASE_SLICES longest
 * slices (the split's sums cover all of them, exactly); the shorter ones
 * are counted (struct ct_split's slices vs slices_kept), not kept.  A
 * container keeps at most CT_WHY_PHASE_SLICES * CT_PH_MAX slices.
 */
#define CT_WHY_PHASE_SLICES	16u

/*
 * The slices kept for container c (after ct_why_apply), in time order
 * within each phase; *out NULL and 0 if none.  The last KEPT_MAX (4096)
 * containers are kept.
 */
size_t ct_why_slices(const struct ct_why *w, const struct ct_container *c,
		     const struct ct_why_slice **out);

/*
 * The kernel stacks a container's waits were given to (why_waits.h), a
 * phase's after the other.  Kept as its slices are.  *out NULL and 0 if
 * none.
 */
size_t ct_why_folds(const struct ct_why *w, const struct ct_container *c,
		    const struct ct_why_fold **out);

/* trace.json's wait slices (why_waits.h): kept as its slices are. */
size_t ct_why_waits(const struct ct_why *w, const struct ct_container *c,
		    const struct ct_why_wait **out);

/* A named stack's n frames (NUL-separated, innermost first), or NULL. */
const char *ct_why_frames(const struct ct_why *w, uint32_t stack, size_t *n);

/*
 * Each stack c's waits were given to, phase by phase (waits.folded, the
 * pprof profile): its frames (innermost first, at most CT_STACK_DEPTH),
 * the state (CT_TS_IO, SLEEP; RUN: a followed waker on a CPU, RUNQ: it
 * preempted) and its ns and waits; a followed waker's time on a CPU or
 * preempted as one pseudo-frame, "[waker on-cpu]", "[waker preempted]";
 * then each phase's time no stack explains: "[preempted]",
 * "[unattributed]", "[no carrier]".  Sums: the phases' off-CPU time,
 * nested phases apart (docs/why.md).  Where the waits' waker was outside
 * the start and its stack was taken, its frames (innermost first) and
 * comm; else no waker frames.
 */
/*
 * A wait's frames at most: its kernel stack's, then its user stack's,
 * then "[goroutine]" and the parked goroutine's (--why=user, runc).
 */
#define CT_WHY_FRAMES	(3 * CT_STACK_DEPTH + 1)

struct ct_why_stack {
	int phase;
	const char *const *frame;
	size_t n;
	const char *const *waker_frame;
	size_t waker_n;
	const char *waker;		/* with waker_frame */
	uint32_t state;
	uint64_t ns;
	uint32_t count;
};

typedef void (*ct_why_walk_fn)(void *ctx, const struct ct_why_stack *s);
void ct_why_walk(const struct ct_why *w, const struct ct_container *c,
		 ct_why_walk_fn fn, void *ctx);

/* State records (or kept slices) dropped because a bounded store was full. */
uint64_t ct_why_dropped(const struct ct_why *w);

#endif /* __CT_WHY_H */
