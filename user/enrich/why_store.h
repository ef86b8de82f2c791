/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --why's store, below its two stages: each followed process's state
 * changes and wakeups (CT_EV_TSTATE, CT_EV_WAKE), kept per process until
 * its container is applied, and the named kernel stacks (CT_EV_STACK).
 * why.c feeds it and splits the phases; why_waits.c reads it to give
 * each wait its site.  Not for other stages: why.h.
 */
#ifndef __CT_WHY_STORE_H
#define __CT_WHY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coldtrace.h"
#include "waitsite.h"

struct ct_pairs;

/* A thread's state change (CT_EV_TSTATE), wall clock. */
struct tev {
	uint64_t ts;
	uint32_t tid;
	uint32_t state;		/* enum ct_tstate_kind */
	uint32_t stack;		/* a sleep's wait site (coldtrace.h) */
	uint32_t ustack;	/* its user stack: why_store_ustack(); 0 none */
	uint32_t gstack;	/* the parked goroutine's: why_store_gstack() */
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
	uint32_t ustack;	/* as tev's */
	uint32_t gstack;	/* as tev's */
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

#define WHY_BUCKETS	4096
/* --why=user's stacks: (process, id) pairs named, distinct stacks kept */
#define WHY_UPAIRS	16384
#define WHY_USTACKS	16384
#define WHY_USIDX	(2 * WHY_USTACKS)	/* never full: ustk_of() ends */

/* A user stack's frames (CT_EV_USTACK's), kept once for all processes. */
struct ustk {
	uint64_t hash;
	uint16_t n;
	bool runtime_only;	/* ct_waitsite_runtime_only() */
	char *frames;
};

struct why_store {
	struct wproc *b[WHY_BUCKETS];
	/* the sites of CT_STACK_WAIT_SYSCALL(): no stack walked, named */
	struct wstack sys[CT_STACK_WAIT_SYSCALLS];
	size_t nevents;			/* state changes and wakeups kept */
	struct wstack **stacks;		/* by map id, CT_STACKS_MAX */
	bool stacks_seen;		/* the session took stacks */
	struct ct_pairs *upairs;	/* (tgid, id) -> its index in us + 1 */
	struct ustk *us;		/* WHY_USTACKS */
	uint32_t *usidx;		/* us's index + 1 by hash, WHY_USIDX */
	size_t nus;
	uint64_t dropped;		/* records the bounds refused */
	uint64_t now;			/* the latest record's time */
	uint64_t last_purge;
};

/* A zeroed store made ready (its syscall-named sites). */
void why_store_init(struct why_store *s);
void why_store_free(struct why_store *s);
/* A record's time moves the store's clock: exited processes age out. */
void why_store_tick(struct why_store *s, uint64_t now);

/* The process tgid's store, or NULL. */
struct wproc *why_store_get(struct why_store *s, uint32_t tgid);
struct wproc *why_store_get_or_add(struct why_store *s, uint32_t tgid);
void why_store_drop(struct why_store *s, uint32_t tgid);

/* Kept, or counted in dropped. */
void why_store_event(struct why_store *s, uint32_t tgid, const struct tev *e);
void why_store_wake(struct why_store *s, uint32_t tgid,
		    const struct twake *k);
void why_store_stack(struct why_store *s, const struct ct_stack_rec *r);

/* The named stack of a record's id, or NULL. */
const struct wstack *why_store_wstack(const struct why_store *s, uint32_t id);

/* A named user stack (CT_EV_USTACK) of process r->hdr.pid. */
void why_store_ustack_rec(struct why_store *s, const struct ct_stack_rec *r);
/* What tgid's user stack id is kept as (tev's ustack), 0: not named. */
uint32_t why_store_ustack(const struct why_store *s, uint32_t tgid,
			  uint32_t id);
/*
 * The parked goroutine's stack g (kept as why_store_ustack()'s) of a wait
 * whose thread's user stack is u: g where u names only the Go runtime's
 * frames (or none), else 0: the thread's frames name the program
 * already (another goroutine's blocking syscall, not the one that
 * parked).
 */
uint32_t why_store_gstack(const struct why_store *s, uint32_t u, uint32_t g);
/* Its frames (innermost first), n of them; NULL for 0. */
const char *why_store_ustack_frames(const struct why_store *s, uint32_t u,
				    size_t *n);
/* tgid exec'd or exited: its pairs are old. */
void why_store_ustack_forget(struct why_store *s, uint32_t tgid);

/* A process's state from t on: the state of its busiest thread. */
struct why_pt {
	uint64_t t;
	uint32_t state;		/* enum ct_tstate_kind, or 0: no thread */
};

/* p's events in time order, sorted in place once for all that ask. */
void why_store_sort(struct wproc *p);
/* p's state changes in [s, e), malloc'd (out[0]: its state at s); NULL, 0. */
struct why_pt *why_store_timeline(struct wproc *p, uint64_t s, uint64_t e,
				  size_t *n);

/* A process's wait segments (why_waits.c builds them), freed. */
void why_store_segs_free(struct wproc *p);

#endif /* __CT_WHY_STORE_H */
