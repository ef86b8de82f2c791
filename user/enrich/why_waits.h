/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * On what a phase's carrier waited (why_waits.c, docs/why.md "Wait
 * sites"): why.c's sweep hands it each interval of the carrier's process
 * state; at the phase's end it fills the phase's struct ct_waits and
 * hands its stacks and its longest waits back.
 */
#ifndef __CT_WHY_WAITS_H
#define __CT_WHY_WAITS_H

#include <stddef.h>
#include <stdint.h>
#include "container.h"

/*
 * trace.json's wait slices: of each phase, the CT_WHY_PHASE_WAITS
 * longest waits of its carrier, their span inside the phase, what the
 * largest part of each waited on (ct_wait_label()), and the wakeup that
 * ended it (wake_ns 0: none seen).
 */
#define CT_WHY_PHASE_WAITS	4

struct ct_why_wait {
	int phase;		/* enum ct_phase */
	uint32_t tid;		/* the carrier's thread that waited */
	uint64_t start_ns;	/* wall clock */
	uint64_t end_ns;
	uint64_t wake_ns;
	uint32_t waker_pid;	/* 0: an interrupt or none */
	uint32_t waker_tid;
	char waker[CT_COMM_LEN];
	char label[CT_WAIT_LABEL_LEN];
};

struct why_store;
struct wproc;
struct waits_acc;

/* One phase's attribution; nested: the phases inside it (<= CT_PH_MAX). */
struct waits_acc *ct_waits_begin(const struct ct_interval *nested, size_t n);
/* The carrier p was in state st over [t, u) (wall clock); p NULL: none. */
void ct_waits_blame(struct why_store *st, struct waits_acc *a,
		    struct wproc *p, uint32_t state, uint64_t t, uint64_t u);

/*
 * The kernel stacks a phase's waits were given to: time asleep and
 * runnable after its wakes, by the wait's stack and, where one was
 * taken, its waker's (an untracked waker: ct_wait's waker_stack).
 */
struct ct_why_fold {
	int phase;		/* enum ct_phase (why.c sets it) */
	uint32_t stack;		/* as records carry it (coldtrace.h) */
	uint32_t ustack;	/* its user stack (why_store.h's tev), 0 none */
	uint32_t gstack;	/* the goroutine parked before it, as ustack */
	uint32_t state;		/* CT_TS_IO or CT_TS_SLEEP */
	uint32_t waker_stack;	/* CT_STACK_NONE: none */
	char waker[CT_COMM_LEN];	/* with waker_stack */
	uint32_t count;		/* waits */
	uint64_t ns;
};

/*
 * Fill out, hand the phase's stacks to keep->fold() and its longest
 * waits to keep->wait() (the wait's phase left to it), free a.
 */
struct ct_waits_keep {
	void (*fold)(void *ctx, const struct ct_why_fold *f);
	void (*wait)(void *ctx, const struct ct_why_wait *v);
	void *ctx;
};

void ct_waits_end(struct waits_acc *a, struct ct_waits *out,
		  const struct ct_waits_keep *keep);

#endif /* __CT_WHY_WAITS_H */
