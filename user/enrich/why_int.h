/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --why's store, shared by its two files only: why.c (the records kept
 * per process, the phases' state split) and why_waits.c (on what each
 * wait waited, and who ended it).  Not for other stages: why.h.
 */
#ifndef __CT_WHY_INT_H
#define __CT_WHY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coldtrace.h"
#include "waitsite.h"
#include "why.h"

/* A thread's state change (CT_EV_TSTATE), wall clock. */
struct tev {
	uint64_t ts;
	uint32_t tid;
	uint32_t state;		/* enum ct_tstate_kind */
	uint32_t stack;		/* a sleep's wait site (coldtrace.h) */
};

/* A tracked thread being woken (CT_EV_WAKE), wall clock. */
struct twake {
	uint64_t ts;
	uint32_t tid;		/* the woken thread */
	uint32_t waker_pid;
	uint32_t waker_tid;
	uint32_t stack;		/* the waker's */
	uint32_t flags;		/* CT_WAKE_* */
	char comm[CT_COMM_LEN];	/* the waker's */
};

/*
 * A thread's time off the CPU, from one of its state changes to its
 * next: a wait (io, sleep) with its stack and the wakeup that ended it,
 * or runnable time, after a wakeup (woken: that wait's start, stack and
 * wakeup) or after a preemption.
 */
struct wseg {
	uint64_t s, e;		/* e: UINT64_MAX while it lasts */
	uint32_t tid;
	uint32_t state;		/* CT_TS_IO, SLEEP or RUNQ */
	uint32_t stack;
	bool woken;		/* RUNQ after a wait, not a preemption */
	uint64_t wait_s;	/* the wait's start (its own for a wait) */
	uint32_t wait_state;	/* the wait's state (its own for a wait) */
	const struct twake *wake;	/* the wait's, or NULL */
};

/* A thread's segments: seg[first .. first + n), in time order. */
struct wthread {
	uint32_t tid;
	size_t first, n;
};

struct wproc {
	uint32_t tgid;
	uint32_t ppid;		/* from its fork, 0 if unknown */
	uint64_t exited;	/* wall clock of its exit, 0 while alive */
	bool doomed;		/* forget() drops it */
	struct tev *ev;
	size_t n, cap;
	size_t sorted;		/* ev[0..sorted) in time order (timeline()) */
	struct twake *wk;
	size_t nwk, capwk;
	struct wseg *seg;	/* built at the first phase that asks */
	size_t nseg;
	struct wthread *thr;	/* each thread's run of seg */
	size_t nthr;
	size_t seg_of;		/* n + nwk when seg was built */
	struct wproc *next;
};

/* A named stack (CT_EV_STACK), what its frames say. */
struct wstack {
	uint16_t n;
	char *frames;
	struct ct_waitsite ws;
	bool irq;		/* a waker's: in an interrupt */
};

struct ct_why;

/* A process's state from t on: the state of its busiest thread. */
struct why_pt {
	uint64_t t;
	uint32_t state;		/* enum ct_tstate_kind, or 0: no thread */
};

/* p's state changes in [s, e), malloc'd (out[0]: its state at s); NULL, 0. */
struct why_pt *ct_why_timeline(struct ct_why *w, struct wproc *p, uint64_t s,
			       uint64_t e, size_t *n);

/* The process tgid's store, or NULL. */
struct wproc *ct_why_proc(struct ct_why *w, uint32_t tgid);
/* The named stack of a record's id, or NULL. */
const struct wstack *ct_why_wstack(const struct ct_why *w, uint32_t id);

/* ---- why_waits.c ---- */

/* One phase's attribution, from its first interval to its end. */
struct waits_acc;

/* nested: the phases inside this one, n at most CT_PH_MAX. */
struct waits_acc *ct_waits_begin(const struct ct_interval *nested, size_t n);
/* The carrier p was in state st over [t, u) (wall clock); p NULL: none. */
void ct_waits_blame(struct ct_why *w, struct waits_acc *a, struct wproc *p,
		    uint32_t st, uint64_t t, uint64_t u);
/*
 * Fill out, hand the phase's stacks to keep->fold() and its longest
 * waits to keep->wait() (the wait's phase left to it), free a.
 */
struct ct_waits_keep {
	void (*fold)(struct ct_why *w, uint32_t stack, uint32_t state,
		     uint64_t ns, uint32_t count);
	void (*wait)(struct ct_why *w, const struct ct_why_wait *v);
};

void ct_waits_end(struct ct_why *w, struct waits_acc *a, struct ct_waits *out,
		  const struct ct_waits_keep *keep);
/* A process's segments are rebuilt when it has new records. */
void ct_waits_proc_free(struct wproc *p);

#endif /* __CT_WHY_INT_H */
