// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Per-phase cpu / runq / io / sleep split (why.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coldtrace.h"
#include "util.h"
#include "why.h"
#include "why_store.h"

#define ABSENT		0		/* no thread alive (why_store.h) */

/*
 * Kept after emission for trace.json: the carriers' longest state slices,
 * at most CT_WHY_PHASE_SLICES a phase, so that a container's cost does
 * not grow with how often its carriers were switched.
 */
struct kept {
	char id[CT_ID_LEN];
	uint64_t first_ns;
	struct ct_why_slice *sl;
	size_t n;
	struct ct_why_fold *fold;	/* wait stacks, by phase */
	size_t nfold;
	struct ct_why_wait *waits;	/* the phases' longest waits */
	size_t nwaits;
};

#define KEPT_MAX	4096		/* containers */

/* The slices of the phase being applied, all of them, until it ends. */
struct scratch {
	struct ct_why_slice *sl;
	size_t n, cap;
	size_t lost;			/* not stored: no memory */
	struct ct_why_fold *fold;	/* its wait stacks */
	size_t nfold, capfold;
};

struct ct_why {
	int64_t mono_to_real;
	const struct ct_procs *model;	/* the execs that start phases */
	struct kept *kept;
	size_t nkept;
	struct kept *cur;		/* the container being applied */
	int cur_phase;
	struct scratch ph;
	struct why_store st;
};

/* ---- feeding ---- */

struct ct_why *ct_why_new(int64_t mono_to_real_ns,
			  const struct ct_procs *model)
{
	struct ct_why *w = calloc(1, sizeof(*w));

	if (w) {
		w->mono_to_real = mono_to_real_ns;
		w->model = model;
		why_store_init(&w->st);
	}
	return w;
}

void ct_why_free(struct ct_why *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->nkept; i++) {
		free(w->kept[i].sl);
		free(w->kept[i].fold);
		free(w->kept[i].waits);
	}
	free(w->kept);
	free(w->ph.sl);
	free(w->ph.fold);
	why_store_free(&w->st);
	free(w);
}

static size_t need(uint32_t type)
{
	switch (type) {
	case CT_EV_TSTATE:
		return CT_TSTATE_V1_SIZE;
	case CT_EV_WAKE:
		return sizeof(struct ct_wake);
	case CT_EV_STACK:
	case CT_EV_USTACK:
		return sizeof(struct ct_stack_rec);
	case CT_EV_FORK:
		return sizeof(struct ct_fork);
	case CT_EV_EXEC:	/* only its time: the model keeps execs */
	case CT_EV_EXIT:
		return sizeof(struct ct_hdr);
	default:
		return 0;
	}
}

int ct_why_feed(struct ct_why *w, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;
	uint64_t t;

	if (!w || !rec || len < sizeof(*h))
		return -EINVAL;
	if (!need(h->type))
		return 0;
	if (len < need(h->type) || h->size < need(h->type))
		return -EINVAL;
	t = h->ts_ns + (uint64_t)w->mono_to_real;
	switch (h->type) {
	case CT_EV_TSTATE: {
		const struct ct_tstate *s = rec;
		struct tev e = { .ts = t, .tid = h->tid, .state = s->state,
				 .stack = s->stack };

		if (h->size >= sizeof(*s)) {	/* --why=user's */
			e.ustack = why_store_ustack(&w->st, h->pid, s->ustack);
			e.gstack = why_store_gstack(&w->st, e.ustack,
				why_store_ustack(&w->st, h->pid, s->gstack));
		}

		w->st.stacks_seen |= s->stack != CT_STACK_NONE;
		if (s->state >= CT_TS_RUN && s->state <= CT_TS_DEAD)
			why_store_event(&w->st, h->pid, &e);
		break;
	}
	case CT_EV_WAKE: {
		const struct ct_wake *k = rec;
		struct twake e = { .ts = t, .tid = k->wakee_tid,
				   .waker_pid = h->pid, .waker_tid = h->tid,
				   .stack = k->stack, .flags = k->flags };

		memcpy(e.comm, h->comm, sizeof(e.comm));
		w->st.stacks_seen = true;
		why_store_wake(&w->st, k->wakee_pid, &e);
		break;
	}
	case CT_EV_STACK:
		why_store_stack(&w->st, rec);
		break;
	case CT_EV_USTACK:
		why_store_ustack_rec(&w->st, rec);
		break;
	case CT_EV_EXEC:	/* its user stacks' ids are its old image's */
		why_store_ustack_forget(&w->st, h->pid);
		break;
	case CT_EV_FORK: {
		const struct ct_fork *f = rec;
		struct wproc *c;

		/* only below a followed process: the rest of the host is not */
		if (why_store_get(&w->st, h->pid) &&
		    (c = why_store_get_or_add(&w->st, f->child_pid)))
			c->ppid = h->pid;
		break;
	}
	case CT_EV_EXIT: {
		struct wproc *p = why_store_get(&w->st, h->pid);

		if (p)
			p->exited = t;
		if (h->pid == h->tid)
			why_store_ustack_forget(&w->st, h->pid);
		break;
	}
	}
	why_store_tick(&w->st, t);
	return 0;
}

uint64_t ct_why_dropped(const struct ct_why *w)
{
	return w ? w->st.dropped : 0;
}

/* ---- timelines ---- */

/* A carrier's process: its timeline in the phase, and its store. */
struct track {
	struct why_pt *pts;	/* malloc'd; NULL (n 0) if unknown */
	size_t n;
	struct wproc *p;
};

/* Process pid's track in [s, e) (pid 0: none). */
static struct track track_of(struct ct_why *w, uint32_t pid, uint64_t s,
			     uint64_t e)
{
	struct track t = { .p = pid ? why_store_get(&w->st, pid) : NULL };

	t.pts = why_store_timeline(t.p, s, e, &t.n);
	return t;
}

static void acc_add(struct ct_split *x, uint32_t st, uint64_t d)
{
	switch (st) {
	case CT_TS_RUN:
		x->cpu_ns += d;
		break;
	case CT_TS_RUNQ:
		x->runq_ns += d;
		break;
	case CT_TS_IO:
		x->io_ns += d;
		break;
	default:	/* sleeping, dead, or no carrier at all */
		x->sleep_ns += d;
		break;
	}
}

/* State of a timeline at t (the last change at or before t). */
static uint32_t state_at(const struct why_pt *pts, size_t n, size_t *i,
			 uint64_t t)
{
	while (*i + 1 < n && pts[*i + 1].t <= t)
		(*i)++;
	return n ? pts[*i].state : ABSENT;
}

static uint64_t next_change(const struct why_pt *pts, size_t n, size_t i,
			    uint64_t e)
{
	return i + 1 < n && pts[i + 1].t < e ? pts[i + 1].t : e;
}

/* Append [t, u) in state st to the phase being applied. */
static void keep_slice(struct ct_why *w, uint32_t st, uint64_t t,
		       uint64_t u)
{
	struct scratch *ph = w ? &w->ph : NULL;
	struct ct_why_slice *last;

	if (!ph)
		return;
	if (st != CT_TS_RUN && st != CT_TS_RUNQ && st != CT_TS_IO)
		st = CT_TS_SLEEP;
	last = ph->n ? &ph->sl[ph->n - 1] : NULL;
	if (last && last->state == st && last->end_ns == t) {
		last->end_ns = u;
		return;
	}
	if (ct_room((void **)&ph->sl, &ph->cap, ph->n + 1, sizeof(*ph->sl))) {
		ph->lost++;
		return;
	}
	ph->sl[ph->n++] = (struct ct_why_slice){ .phase = w->cur_phase,
						 .state = st, .start_ns = t,
						 .end_ns = u };
}

static uint64_t slice_dur(const struct ct_why_slice *x)
{
	return x->end_ns - x->start_ns;
}

static int cmp_start(const void *a, const void *b)
{
	const struct ct_why_slice *x = a, *y = b;

	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

/* Longest first; of equal ones, the earliest. */
static int cmp_longer(const void *a, const void *b)
{
	const struct ct_why_slice *x = a, *y = b;

	if (slice_dur(x) != slice_dur(y))
		return slice_dur(x) > slice_dur(y) ? -1 : 1;
	return cmp_start(a, b);
}

/* A stack the phase's waits were given to (why_waits.c). */
static void keep_fold(void *ctx, const struct ct_why_fold *f)
{
	struct ct_why *w = ctx;
	struct scratch *ph = &w->ph;

	if (ct_room((void **)&ph->fold, &ph->capfold, ph->nfold + 1,
		    sizeof(*ph->fold))) {
		w->st.dropped++;
		return;
	}
	ph->fold[ph->nfold] = *f;
	ph->fold[ph->nfold++].phase = w->cur_phase;
}

/* One of the phase's longest waits, straight into the container's. */
static void keep_wait(void *ctx, const struct ct_why_wait *v)
{
	struct ct_why *w = ctx;
	struct kept *k = w->cur;
	struct ct_why_wait *x;

	if (!k)
		return;
	x = realloc(k->waits, (k->nwaits + 1) * sizeof(*x));
	if (!x) {
		w->st.dropped++;
		return;
	}
	k->waits = x;
	k->waits[k->nwaits] = *v;
	k->waits[k->nwaits++].phase = w->cur_phase;
}

/* The phase's wait stacks go with the container's slices. */
static void keep_folds(struct ct_why *w)
{
	struct scratch *ph = &w->ph;
	struct kept *k = w->cur;
	struct ct_why_fold *f;

	f = ph->nfold && k ? realloc(k->fold, (k->nfold + ph->nfold) *
				     sizeof(*f)) : NULL;
	if (f) {
		memcpy(f + k->nfold, ph->fold, ph->nfold * sizeof(*f));
		k->fold = f;
		k->nfold += ph->nfold;
	} else if (ph->nfold) {
		w->st.dropped += ph->nfold;
	}
	ph->nfold = 0;
}

/*
 * The phase's slices are all swept: count them into x, keep the
 * CT_WHY_PHASE_SLICES longest (in time order) and empty the scratch.
 */
static void keep_phase(struct ct_why *w, struct ct_split *x)
{
	struct scratch *ph = &w->ph;
	struct kept *k = w->cur;
	size_t m = ph->n;
	struct ct_why_slice *sl;

	x->slices = (uint32_t)(ph->n + ph->lost);
	if (m > CT_WHY_PHASE_SLICES) {
		qsort(ph->sl, m, sizeof(*ph->sl), cmp_longer);
		m = CT_WHY_PHASE_SLICES;
		qsort(ph->sl, m, sizeof(*ph->sl), cmp_start);
	}
	sl = m && k ? realloc(k->sl, (k->n + m) * sizeof(*sl)) : NULL;
	if (sl) {
		memcpy(sl + k->n, ph->sl, m * sizeof(*sl));
		k->sl = sl;
		k->n += m;
		x->slices_kept = (uint32_t)m;
	}
	ph->n = 0;
	ph->lost = 0;
	keep_folds(w);
}

/*
 * Sweep [s, e): B's state where B exists, else A's, else "no carrier"
 * (counted as sleep).  With w, the slices are kept for trace.json; with
 * acc, each interval goes to the waits (why_waits.c).
 */
static void sweep(struct ct_why *w, const struct track *a,
		  const struct track *b, uint64_t s, uint64_t e,
		  struct ct_split *x, struct waits_acc *acc)
{
	size_t ia = 0, ib = 0;
	uint64_t t = s;

	while (t < e) {
		uint32_t sa = state_at(a->pts, a->n, &ia, t);
		uint32_t sb = state_at(b->pts, b->n, &ib, t);
		uint64_t na_t = next_change(a->pts, a->n, ia, e);
		uint64_t nb_t = next_change(b->pts, b->n, ib, e);
		uint64_t u = na_t < nb_t ? na_t : nb_t;
		const struct track *by = sb != ABSENT ? b : sa != ABSENT ? a
									 : NULL;

		if (u <= t)
			u = e;
		acc_add(x, sb != ABSENT ? sb : sa, u - t);
		keep_slice(w, sb != ABSENT ? sb : sa, t, u);
		if (acc)
			ct_waits_blame(&w->st, acc, by ? by->p : NULL,
				       by == b ? sb : sa, t, u);
		t = u;
	}
}

/* ---- carriers and children ---- */

/* The exec at t (wall clock), from the process model. */
static const struct ct_life *exec_at(const struct ct_why *w, uint64_t t)
{
	return ct_procs_exec_at(w->model, t - (uint64_t)w->mono_to_real);
}

static bool descends(struct ct_why *w, uint32_t pid, uint32_t a, uint32_t b)
{
	struct wproc *p = why_store_get(&w->st, pid);

	for (int d = 0; p && p->ppid && d < 32; d++) {
		if ((a && p->ppid == a) || (b && p->ppid == b))
			return true;
		p = why_store_get(&w->st, p->ppid);
	}
	return false;
}

static void children(struct ct_why *w, uint32_t a, uint32_t b, uint64_t s,
		     uint64_t e, struct ct_split *x)
{
	for (size_t i = 0; i < WHY_BUCKETS; i++) {
		for (struct wproc *p = w->st.b[i]; p; p = p->next) {
			struct ct_split c = { 0 };
			struct track none = { 0 }, tr;

			if (p->tgid == a || p->tgid == b ||
			    !descends(w, p->tgid, a, b))
				continue;
			tr = track_of(w, p->tgid, s, e);
			if (!tr.pts)
				continue;
			sweep(NULL, &none, &tr, s, e, &c, NULL);
			x->children_cpu_ns += c.cpu_ns;
			x->children_runq_ns += c.runq_ns;
			x->children_io_ns += c.io_ns;
			free(tr.pts);
		}
	}
}

/*
 * The phase's carriers: A, the process whose exec started it (for run
 * and ready without one, pid 1); B, for attach and die, the parent of the
 * process whose exec ends it: the shim; for connect, the process whose
 * exit ends it, when another than A (a pod's CNI plugins run side by
 * side: loopback's exit does not end the ADD, the last plugin's does).
 */
static void carriers(const struct ct_why *w, const struct ct_container *c,
		     int p, uint32_t *a, uint32_t *b)
{
	const struct ct_interval *iv = &c->phases[p];
	const struct ct_life *x;

	*a = *b = 0;
	x = exec_at(w, iv->start_ns);
	if (x)
		*a = x->pid;
	else if (p == CT_PH_RUN || p == CT_PH_READY)
		*a = c->init_pid;
	if (p == CT_PH_CONNECT && iv->end_ns > iv->start_ns) {
		x = ct_procs_exit_at(w->model, iv->end_ns -
				     (uint64_t)w->mono_to_real);
		if (x && x->pid != *a)
			*b = x->pid;
		return;
	}
	/* the shim's phases: it forks what ends them */
	if (p != CT_PH_ATTACH && p != CT_PH_DIE)
		return;
	x = iv->end_ns > iv->start_ns ? exec_at(w, iv->end_ns) : NULL;
	if (x && x->ppid != *a)
		*b = x->ppid;
}

/*
 * The phases inside phase p (connect in create, ready in run): their
 * time is theirs, not counted twice.  Into in[], their count.
 */
static size_t nested(const struct ct_container *c, int p,
		     struct ct_interval *in)
{
	const struct ct_interval *o = &c->phases[p];
	size_t n = 0;

	for (int q = 0; q < CT_PH_MAX; q++) {
		const struct ct_interval *x = &c->phases[q];

		if (q == p || !ct_has_phase(c, q) || x->end_ns <= x->start_ns ||
		    x->start_ns < o->start_ns || x->end_ns > o->end_ns ||
		    (x->start_ns == o->start_ns && x->end_ns == o->end_ns))
			continue;
		in[n++] = *x;
	}
	return n;
}

static void split_phase(struct ct_why *w, struct ct_container *c, int p)
{
	const struct ct_interval *iv = &c->phases[p];
	struct ct_split *x = &c->split[p];
	struct track ta, tb;
	uint32_t a, b;

	memset(x, 0, sizeof(*x));
	if (!ct_has_phase(c, p))
		return;
	/* never silently missing: each phase without a split says why */
	if (p == CT_PH_PREPARE || p == CT_PH_DISCONNECT) {
		x->none = CT_SPLIT_ENGINE;
		return;
	}
	x->none = CT_SPLIT_NO_RECORDS;
	if (iv->end_ns < iv->start_ns || !iv->end_ns) {
		x->none = CT_SPLIT_OPEN;
		return;
	}
	carriers(w, c, p, &a, &b);
	ta = track_of(w, a, iv->start_ns, iv->end_ns);
	tb = track_of(w, b, iv->start_ns, iv->end_ns);
	if (ta.pts || tb.pts) {
		struct ct_interval in[CT_PH_MAX];
		struct waits_acc *acc = w->st.stacks_seen ?
			ct_waits_begin(in, nested(c, p, in)) : NULL;
		struct ct_waits_keep keep = { keep_fold, keep_wait, w };

		x->valid = true;
		x->none = CT_SPLIT_UNSET;
		x->pid = tb.pts ? b : a;
		w->cur_phase = p;
		sweep(w, &ta, &tb, iv->start_ns, iv->end_ns, x, acc);
		x->has_waits = acc != NULL;
		ct_waits_end(acc, &x->waits, &keep);
		keep_phase(w, x);
		children(w, a, tb.pts ? b : 0, iv->start_ns, iv->end_ns, x);
	}
	free(ta.pts);
	free(tb.pts);
}

/* Forget the processes of c: its carriers and everything below them. */
static void forget(struct ct_why *w, const struct ct_container *c)
{
	uint32_t pids[2 * CT_PH_MAX];
	size_t n = 0;

	for (int p = 0; p < CT_PH_MAX; p++) {
		uint32_t a, b;

		if (!c->split[p].valid)
			continue;
		carriers(w, c, p, &a, &b);
		if (a)
			pids[n++] = a;
		if (b)
			pids[n++] = b;
	}
	for (size_t i = 0; i < WHY_BUCKETS; i++) {
		struct wproc *p = w->st.b[i], *next;

		for (; p; p = next) {
			bool mine = false;

			next = p->next;
			for (size_t k = 0; k < n && !mine; k++)
				mine = p->tgid == pids[k] ||
				       descends(w, p->tgid, pids[k], 0);
			p->doomed = mine && p->exited;
		}
	}
	for (size_t i = 0; i < WHY_BUCKETS; i++) {
		struct wproc *p = w->st.b[i], *next;

		for (; p; p = next) {
			next = p->next;
			if (p->doomed)
				why_store_drop(&w->st, p->tgid);
		}
	}
}

/* A slot for c's slices; the oldest container's go when all are used. */
static struct kept *keep_container(struct ct_why *w,
				   const struct ct_container *c)
{
	struct kept *k;

	if (!w->kept) {
		w->kept = calloc(KEPT_MAX, sizeof(*w->kept));
		if (!w->kept)
			return NULL;
	}
	if (w->nkept == KEPT_MAX) {
		w->st.dropped += w->kept[0].n;
		free(w->kept[0].sl);
		free(w->kept[0].fold);
		free(w->kept[0].waits);
		ct_fifo_take(w->kept, &w->nkept, sizeof(*w->kept), 0);
	}
	k = &w->kept[w->nkept++];
	memset(k, 0, sizeof(*k));
	snprintf(k->id, sizeof(k->id), "%s", c->id);
	k->first_ns = c->first_ns;
	return k;
}

void ct_why_apply(struct ct_why *w, struct ct_container *c)
{
	if (!w)
		return;
	w->cur = keep_container(w, c);
	for (int p = 0; p < CT_PH_MAX; p++)
		split_phase(w, c, p);
	w->cur = NULL;
	/* a phase's scratch can be large: not kept between containers */
	free(w->ph.sl);
	free(w->ph.fold);
	memset(&w->ph, 0, sizeof(w->ph));
	forget(w, c);
}

/* What is kept of container c, NULL if nothing. */
static const struct kept *kept_of(const struct ct_why *w,
				  const struct ct_container *c)
{
	for (size_t i = 0; w && i < w->nkept; i++)
		if (w->kept[i].first_ns == c->first_ns &&
		    !strcmp(w->kept[i].id, c->id))
			return &w->kept[i];
	return NULL;
}

size_t ct_why_slices(const struct ct_why *w, const struct ct_container *c,
		     const struct ct_why_slice **out)
{
	const struct kept *k = kept_of(w, c);

	*out = k ? k->sl : NULL;
	return k ? k->n : 0;
}

size_t ct_why_folds(const struct ct_why *w, const struct ct_container *c,
		    const struct ct_why_fold **out)
{
	const struct kept *k = kept_of(w, c);

	*out = k ? k->fold : NULL;
	return k ? k->nfold : 0;
}

const char *ct_why_frames(const struct ct_why *w, uint32_t stack, size_t *n)
{
	const struct wstack *x = w ? why_store_wstack(&w->st, stack) : NULL;

	*n = x ? x->n : 0;
	return x ? x->frames : NULL;
}

/* A named stack's frames into name[], innermost first; their count. */
static size_t stack_frames(const struct ct_why *w, uint32_t stack,
			   const char *name[CT_STACK_DEPTH])
{
	size_t n, k = 0;
	const char *p = ct_why_frames(w, stack, &n);

	for (; p && k < n && k < CT_STACK_DEPTH; p += strlen(p) + 1)
		name[k++] = p;
	return k;
}

/* A user stack's frames (--why=user) after the k in name[]; the count. */
static size_t user_frames(const struct ct_why *w, uint32_t ustack,
			  const char *name[CT_WHY_FRAMES], size_t k)
{
	size_t n;
	const char *p = why_store_ustack_frames(&w->st, ustack, &n);

	for (size_t i = 0; p && i < n && k < CT_WHY_FRAMES; i++) {
		name[k++] = p;
		p += strlen(p) + 1;
	}
	return k;
}

/*
 * A fold's frames: its stack's, then its user stack's (the kernel's are
 * inside the syscall the user code made), or for a stack-less one (a
 * followed waker on a CPU, or preempted) a pseudo-frame; then, where a
 * goroutine parked on the thread before it slept in the runtime,
 * "[goroutine]" and that goroutine's frames (its gopark called the
 * scheduler that sleeps); and its waker's.
 */
static void fold_frames(const struct ct_why *w, const struct ct_why_fold *f,
			const char *name[CT_WHY_FRAMES],
			const char *waker[CT_STACK_DEPTH],
			struct ct_why_stack *s)
{
	*s = (struct ct_why_stack){ .phase = f->phase, .frame = name,
				    .waker_frame = waker, .waker = f->waker,
				    .state = f->state, .ns = f->ns,
				    .count = f->count };
	s->n = stack_frames(w, f->stack, name);
	if (!s->n) {
		name[0] = f->state == CT_TS_RUN ? "[waker on-cpu]"
						: "[waker preempted]";
		s->n = 1;
	}
	s->n = user_frames(w, f->ustack, name, s->n);
	if (f->gstack && s->n < CT_WHY_FRAMES) {
		name[s->n++] = "[goroutine]";
		s->n = user_frames(w, f->gstack, name, s->n);
	}
	s->waker_n = stack_frames(w, f->waker_stack, waker);
}

/* A phase's time that no stack explains, as one pseudo-frame. */
static void walk_pseudo(ct_why_walk_fn fn, void *ctx, int p,
			const char *name, uint32_t state, uint64_t ns)
{
	struct ct_why_stack s = { .phase = p, .frame = &name, .n = 1,
				  .state = state, .ns = ns };

	if (ns)
		fn(ctx, &s);
}

void ct_why_walk(const struct ct_why *w, const struct ct_container *c,
		 ct_why_walk_fn fn, void *ctx)
{
	const char *name[CT_WHY_FRAMES], *waker[CT_STACK_DEPTH];
	const struct ct_why_fold *f;
	size_t nf = ct_why_folds(w, c, &f);
	struct ct_why_stack s;

	for (size_t i = 0; i < nf; i++) {
		fold_frames(w, &f[i], name, waker, &s);
		fn(ctx, &s);
	}
	for (int p = 0; p < CT_PH_MAX; p++) {
		const struct ct_waits *x = &c->split[p].waits;

		if (!c->split[p].has_waits)
			continue;
		walk_pseudo(fn, ctx, p, "[preempted]", CT_TS_RUNQ,
			    x->preempted_ns);
		walk_pseudo(fn, ctx, p, "[unattributed]", CT_TS_SLEEP,
			    x->unattributed_ns);
		walk_pseudo(fn, ctx, p, "[no carrier]", CT_TS_SLEEP,
			    x->no_carrier_ns);
	}
}

size_t ct_why_waits(const struct ct_why *w, const struct ct_container *c,
		    const struct ct_why_wait **out)
{
	const struct kept *k = kept_of(w, c);

	*out = k ? k->waits : NULL;
	return k ? k->nwaits : 0;
}
