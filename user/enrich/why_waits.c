// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * On what a phase's carrier waited (docs/why.md "Wait sites").
 *
 * The sweep of why.c hands every interval of the carrier's process state
 * here.  An interval in io or sleep goes to the wait of the thread whose
 * wakeup ends it: of the process's threads waiting in that state over
 * the whole interval, the one woken first.  A runnable interval goes to
 * the wait whose wakeup made it runnable, or to "preempted".  A wait's
 * site is its stack's (waitsite.h), its waker the task at sched_waking;
 * a futex or epoll wait woken by a task of this start is followed one
 * hop back to that task's own wait, when it too was waiting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "syscalls.h"
#include "util.h"
#include "why_store.h"
#include "why_waits.h"

/* Distinct sites a phase counts; more go to other_ns. */
#define SITES_MAX	256
/* Distinct stacks a phase's folds keep (--why=user's user stacks split a
 * site's: runc's create has ~300); more are left out of waits.folded. */
#define FOLDS_MAX	4096

/* A wait, whichever of its segments (itself, its runnable time) is seen. */
struct wait_id {
	uint32_t tid;
	uint64_t s;
};

struct site {
	struct ct_wait w;
	struct wait_id last;		/* the wait counted last */
};

/* Time by the stacks a wait was given to, for the detailed outputs. */
struct fold {
	struct ct_why_fold f;
	struct wait_id last;
};

/* A wait of the carrier in this phase, for trace.json's wait slices. */
struct span {
	struct wait_id id;
	uint64_t part;			/* its largest part's ns */
	struct ct_why_wait v;
};

/* Waits a phase remembers to pick its longest from. */
#define SPANS_MAX	4096

struct waits_acc {
	struct site *s;
	size_t n;
	struct fold *f;
	size_t nf;
	struct span *sp;
	size_t nsp, capsp;
	struct wait_id last_lost;
	/* the phases inside this one: their time is theirs (nested_ns) */
	struct ct_interval nested[CT_PH_MAX];
	size_t nnested;
	struct ct_waits out;
};

struct waits_acc *ct_waits_begin(const struct ct_interval *nested, size_t n)
{
	struct waits_acc *a = calloc(1, sizeof(struct waits_acc));

	if (a && n <= CT_PH_MAX) {
		memcpy(a->nested, nested, n * sizeof(*nested));
		a->nnested = n;
	}
	return a;
}

/* Whether segment g is of the wait id (itself or its runnable time). */
static bool of_wait(const struct wait_id *id, const struct wseg *g)
{
	return id->tid == g->tid && id->s == g->wait_s;
}

/* Counted once: a wait's first segment in the phase counts it. */
static bool first_seen(struct wait_id *last, const struct wseg *g)
{
	if (of_wait(last, g))
		return false;
	*last = (struct wait_id){ g->tid, g->wait_s };
	return true;
}

/* ---- wakers ---- */

/* What a waker is (an interrupt: the task it interrupted is not it). */
static uint8_t waker_kind(struct why_store *w, const struct twake *k)
{
	const struct wstack *ws = k ? why_store_wstack(w, k->stack) : NULL;

	if (!k)
		return CT_WAKER_NONE;
	/* ksoftirqd serves softirqs as a thread: named as itself */
	if ((k->flags & CT_WAKE_IRQ) && !((k->flags & CT_WAKE_KTHREAD) &&
					  !strncmp(k->comm, "ksoftirqd", 9)))
		return CT_WAKER_IRQ;
	if ((ws && ws->irq) || !k->waker_pid)
		return CT_WAKER_IRQ;
	if (k->flags & CT_WAKE_KTHREAD)
		return CT_WAKER_KTHREAD;
	return why_store_get(w, k->waker_pid) ? CT_WAKER_START : CT_WAKER_OTHER;
}

/* Its kind, and its comm ("interrupt" for one), into kind and comm. */
static uint32_t name_waker(struct why_store *w, const struct twake *k,
			   uint8_t *kind, char comm[CT_COMM_LEN])
{
	*kind = waker_kind(w, k);
	memset(comm, 0, CT_COMM_LEN);
	if (*kind == CT_WAKER_IRQ)
		snprintf(comm, CT_COMM_LEN, "interrupt");
	else if (k)
		memcpy(comm, k->comm, CT_COMM_LEN);
	return *kind == CT_WAKER_IRQ || !k ? 0 : k->waker_pid;
}

/*
 * A thread that sleeps on a timer and is woken by it (Go's sysmon polls
 * so, every 20 us to 10 ms): while another thread of the process waits
 * on something else, its brief wakes do not end the process's wait.
 */
static bool timer_sleep(struct why_store *w, const struct wseg *g)
{
	const struct wstack *ws = why_store_wstack(w, g->stack);

	return ws && !strcmp(ws->ws.site, "do_nanosleep") &&
	       waker_kind(w, g->wake) == CT_WAKER_IRQ;
}

/* ---- a process's segments ---- */

static int cmp_tid_ts(uint32_t ta, uint64_t a, uint32_t tb, uint64_t b)
{
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return a < b ? -1 : a > b;
}

static int cmp_ev(const void *a, const void *b)
{
	const struct tev *x = a, *y = b;

	return cmp_tid_ts(x->tid, x->ts, y->tid, y->ts);
}

static int cmp_wk(const void *a, const void *b)
{
	const struct twake *x = a, *y = b;

	return cmp_tid_ts(x->tid, x->ts, y->tid, y->ts);
}

static bool waiting(uint32_t st)
{
	return st == CT_TS_IO || st == CT_TS_SLEEP;
}

/* The last wakeup of tid in [s, e] (wk sorted by tid, then time). */
static const struct twake *wake_in(const struct wproc *p, uint32_t tid,
				   uint64_t s, uint64_t e)
{
	const struct twake *best = NULL;
	size_t lo = 0, hi = p->nwk;

	while (lo < hi) {		/* the first of tid at or after s */
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_tid_ts(p->wk[mid].tid, p->wk[mid].ts, tid, s) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < p->nwk && p->wk[lo].tid == tid && p->wk[lo].ts <= e; lo++)
		best = &p->wk[lo];
	return best;
}

/*
 * bpf/why.bpf.c makes no record of an interrupt's wake of a thread in
 * nanosleep or clock_nanosleep (a timer's: half of all wakes): such a
 * wait that ends with no wake recorded was the timer's.  Its time is
 * the wait's end (wake_ts()).
 */
static const struct twake timer_wake = { .flags = CT_WAKE_IRQ };

/* When the wait that g is, or is runnable after, was woken. */
static uint64_t wake_ts(const struct wseg *g)
{
	if (g->wake != &timer_wake)
		return g->wake->ts;
	return g->woken ? g->s : g->e;
}

/*
 * Segment of ev[i] (whose next change of the same thread is next, and
 * whose previous one began at since).  A wakeup can come a few
 * microseconds before the switch out it ends: another CPU's waker saw
 * the thread leaving its CPU (try_to_wake_up() waits for it), so a
 * wait's wakeup is looked for from the thread's previous change on.
 */
static struct wseg seg_of(const struct wproc *p, const struct tev *ev,
			  const struct tev *next, uint64_t since,
			  const struct wseg *prev)
{
	struct wseg g = { .s = ev->ts, .e = next ? next->ts : UINT64_MAX,
			  .tid = ev->tid, .state = ev->state, .wait_s = ev->ts,
			  .wait_state = ev->state };

	if (waiting(g.state)) {
		g.stack = ev->stack;
		g.ustack = ev->ustack;
		g.gstack = ev->gstack;
		g.wake = wake_in(p, g.tid, since, g.e);
		if (!g.wake && next && next->state != CT_TS_DEAD &&
		    g.state == CT_TS_SLEEP && CT_TIMER_SLEEP_SITE(g.stack))
			g.wake = &timer_wake;
	} else if (prev && prev->tid == g.tid && prev->e == g.s &&
		   waiting(prev->state)) {
		g.stack = prev->stack;	/* runnable after that wait */
		g.ustack = prev->ustack;
		g.gstack = prev->gstack;
		g.wake = prev->wake;
		g.woken = true;
		g.wait_s = prev->s;
		g.wait_state = prev->state;
	}
	return g;
}

/* The threads' runs of segments (seg is sorted by thread, then time). */
static void index_threads(struct wproc *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nseg; i++)
		n += !i || p->seg[i].tid != p->seg[i - 1].tid;
	p->thr = n ? calloc(n, sizeof(*p->thr)) : NULL;
	if (!p->thr)
		return;
	for (size_t i = 0; i < p->nseg; i++) {
		if (!i || p->seg[i].tid != p->seg[i - 1].tid)
			p->thr[p->nthr++] = (struct wthread){ p->seg[i].tid, i,
							      0 };
		p->thr[p->nthr - 1].n++;
	}
}

/* Threads a process's events are bucketed by at most; more: a sort. */
#define BY_TID_MAX	256

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Index of tid in sorted tids[0..n), which holds it. */
static size_t tid_index(const uint32_t *tids, size_t n, uint32_t tid)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (tids[mid] <= tid)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * p's events by thread, each thread's in time order, into ev: its
 * time-ordered events (why_store_sort(), shared with the timelines)
 * dealt to their threads' buckets in order, O(n) but for the handful of
 * thread ids; a process of more threads than BY_TID_MAX is sorted.
 */
static void by_thread(struct wproc *p, struct tev *ev)
{
	uint32_t tids[BY_TID_MAX];
	size_t at[BY_TID_MAX + 1] = { 0 }, nt = 0, i, k;

	why_store_sort(p);
	for (i = 0; i < p->n; i++) {
		for (k = 0; k < nt && tids[k] != p->ev[i].tid; k++)
			;
		if (k < nt)
			continue;
		if (nt == BY_TID_MAX) {
			memcpy(ev, p->ev, p->n * sizeof(*ev));
			qsort(ev, p->n, sizeof(*ev), cmp_ev);
			return;
		}
		tids[nt++] = p->ev[i].tid;
	}
	qsort(tids, nt, sizeof(*tids), cmp_u32);
	for (i = 0; i < p->n; i++)
		at[tid_index(tids, nt, p->ev[i].tid) + 1]++;
	for (k = 1; k <= nt; k++)
		at[k] += at[k - 1];
	for (i = 0; i < p->n; i++)
		ev[at[tid_index(tids, nt, p->ev[i].tid)]++] = p->ev[i];
}

static void build(struct wproc *p)
{
	struct tev *ev;
	size_t n = 0;

	why_store_segs_free(p);
	ev = p->n ? malloc(p->n * sizeof(*ev)) : NULL;
	p->seg = p->n ? malloc(p->n * sizeof(*p->seg)) : NULL;
	if (!ev || !p->seg) {
		free(ev);
		why_store_segs_free(p);
		return;
	}
	by_thread(p, ev);
	if (p->nwk)	/* qsort() wants a pointer, even for none */
		qsort(p->wk, p->nwk, sizeof(*p->wk), cmp_wk);
	for (size_t i = 0; i < p->n; i++) {
		const struct tev *next = i + 1 < p->n &&
			ev[i + 1].tid == ev[i].tid ? &ev[i + 1] : NULL;
		uint64_t since = i && ev[i - 1].tid == ev[i].tid ?
				 ev[i - 1].ts + 1 : ev[i].ts;

		if (waiting(ev[i].state) || ev[i].state == CT_TS_RUNQ) {
			p->seg[n] = seg_of(p, &ev[i], next, since,
					   n ? &p->seg[n - 1] : NULL);
			n++;
		}
	}
	free(ev);
	p->nseg = n;
	p->seg_of = p->n + p->nwk;
	index_threads(p);
}

static void segs(struct wproc *p)
{
	if (!p->seg || p->seg_of != p->n + p->nwk)
		build(p);
}

/*
 * Thread h's last segment beginning at or before t (by_end: ending at or
 * before t; a thread's segments do not overlap), or NULL.
 */
static const struct wseg *seg_at(const struct wproc *p,
				 const struct wthread *h, uint64_t t,
				 bool by_end)
{
	const struct wseg *g = p->seg + h->first;
	size_t lo = 0, hi = h->n;

	while (lo < hi) {		/* the first past t */
		size_t mid = lo + (hi - lo) / 2;

		if ((by_end ? g[mid].e : g[mid].s) <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &g[lo - 1] : NULL;
}

/*
 * Of p's threads in state st over all of [t, u), the one woken first,
 * a timer's sleeper only if no other thread waits (timer_sleep()).
 */
static const struct wseg *covering(struct why_store *w, struct wproc *p,
				   uint32_t st, uint64_t t, uint64_t u)
{
	const struct wseg *best = NULL, *timer = NULL;

	for (size_t i = 0; i < p->nthr; i++) {
		const struct wseg *g = seg_at(p, &p->thr[i], t, false);
		const struct wseg **slot;

		if (!g || g->state != st || g->e < u)
			continue;
		slot = st != CT_TS_RUNQ && timer_sleep(w, g) ? &timer : &best;
		if (!*slot || g->e < (*slot)->e)
			*slot = g;
	}
	return best ? best : timer;
}

/*
 * covering()'s segment of [t, *u), else, where no thread is in st all
 * along (a thread preempted, then woken while still runnable; one
 * thread's wait, then another's), the one in st longest from t, *u cut
 * to its end: the rest is the next thread's.
 */
static const struct wseg *covering_from(struct why_store *w, struct wproc *p,
					uint32_t st, uint64_t t, uint64_t *u)
{
	const struct wseg *g = covering(w, p, st, t, *u);

	if (g)
		return g;
	for (size_t i = 0; i < p->nthr; i++) {
		const struct wseg *h = seg_at(p, &p->thr[i], t, false);

		if (h && h->state == st && h->e > t && (!g || h->e > g->e))
			g = h;
	}
	if (g)
		*u = g->e;
	return g;
}

/* ---- a wait's site and waker ---- */

/*
 * --why=user: where in the program's own code wait g was: in its
 * thread's frames, or where a goroutine parked on it (its thread's are
 * then the runtime's only: why_store_gstack()), in the goroutine's.
 */
static void code_of(struct why_store *w, const struct wseg *g,
		    struct ct_wait *x)
{
	size_t n;
	const char *f = why_store_ustack_frames(w, g->gstack ? g->gstack :
						g->ustack, &n);

	if (f)
		ct_waitsite_code(f, n, x->code, sizeof(x->code));
}

/* Site, syscall, state and waker of a wait; false: its stack names nothing. */
static bool name_wait(struct why_store *w, const struct wseg *g,
		      struct ct_wait *x)
{
	const struct wstack *ws = why_store_wstack(w, g->stack);

	memset(x, 0, sizeof(*x));
	if (!ws || !ws->ws.site[0])
		return false;
	snprintf(x->site, sizeof(x->site), "%s", ws->ws.site);
	snprintf(x->syscall, sizeof(x->syscall), "%s", ws->ws.syscall);
	x->state = g->wait_state;
	x->stack = g->stack;
	code_of(w, g, x);
	x->waker_pid = name_waker(w, g->wake, &x->waker_kind, x->waker);
	if (x->waker_kind == CT_WAKER_OTHER || x->waker_kind == CT_WAKER_KTHREAD)
		x->waker_stack = why_store_wstack(w, g->wake->stack) ?
				 g->wake->stack : CT_STACK_NONE;
	return true;
}

/*
 * Its stack names nothing, and a task of this start ended it: another
 * process (a thread of the carrier's own was the process's ender).
 */
static bool to_follow(struct why_store *w, const struct wproc *p,
		      const struct wseg *g, const struct ct_wait *x)
{
	const struct wstack *ws = why_store_wstack(w, g->stack);

	return ws && ws->ws.opaque && x->waker_kind == CT_WAKER_START &&
	       x->waker_pid != p->tgid;
}

/* x, a wait followed to its waker's own wait h: y names h's site. */
static bool followed(struct why_store *w, const struct ct_wait *x,
		     const struct wseg *h, struct ct_wait *y)
{
	if (!name_wait(w, h, y))
		return false;	/* its stack names nothing */
	snprintf(y->via_site, sizeof(y->via_site), "%s", x->site);
	y->via = CT_VIA_FOLLOWED;
	y->hop_pid = name_waker(w, h->wake, &y->hop_kind, y->hop);
	memcpy(y->waker, x->waker, sizeof(y->waker));
	y->waker_pid = x->waker_pid;
	y->waker_kind = x->waker_kind;
	return true;
}

/* x, followed to its waker on a CPU or preempted: site, state st. */
static void followed_busy(const struct ct_wait *x, const char *site,
			  uint32_t st, struct ct_wait *y)
{
	*y = *x;
	snprintf(y->via_site, sizeof(y->via_site), "%s", x->site);
	y->via = CT_VIA_FOLLOWED;
	snprintf(y->site, sizeof(y->site), "%s", site);
	y->syscall[0] = '\0';
	y->code[0] = '\0';	/* the waker waited nowhere */
	y->state = (uint8_t)st;
	y->stack = CT_STACK_NONE;
}

static bool same_site(const struct ct_wait *a, const struct ct_wait *b)
{
	return a->state == b->state && a->via == b->via &&
	       a->waker_kind == b->waker_kind && a->hop_kind == b->hop_kind &&
	       !strncmp(a->hop, b->hop, sizeof(a->hop)) &&
	       !strcmp(a->site, b->site) && !strcmp(a->syscall, b->syscall) &&
	       !strcmp(a->via_site, b->via_site) && !strcmp(a->code, b->code) &&
	       !strncmp(a->waker, b->waker, sizeof(a->waker));
}

static struct site *site_of(struct waits_acc *a, const struct ct_wait *x)
{
	struct site *s;

	for (size_t i = 0; i < a->n; i++)
		if (same_site(&a->s[i].w, x))
			return &a->s[i];
	if (a->n == SITES_MAX)
		return NULL;
	s = realloc(a->s, (a->n + 1) * sizeof(*s));
	if (!s)
		return NULL;
	a->s = s;
	s = &a->s[a->n++];
	memset(s, 0, sizeof(*s));
	s->w = *x;
	return s;
}

/* Who took x's waker stack: the wait's waker, or a followed one's hop. */
static const char *stack_waker(const struct ct_wait *x)
{
	return x->via == CT_VIA_FOLLOWED ? x->hop : x->waker;
}

/*
 * The user stack a fold of x goes under: the wait's own; none for one
 * followed to its waker's site (the carrier's frames are not where the
 * waker waited: a Go thread's are its scheduler's and the goroutine it
 * ran last, not the one that awaited the waker).
 */
static uint32_t fold_ustack(const struct ct_wait *x, const struct wseg *g)
{
	return x->via == CT_VIA_FOLLOWED ? 0 : g->ustack;
}

/* ... and its parked goroutine's, likewise. */
static uint32_t fold_gstack(const struct ct_wait *x, const struct wseg *g)
{
	return x->via == CT_VIA_FOLLOWED ? 0 : g->gstack;
}

static bool same_fold(const struct ct_why_fold *f, const struct ct_wait *x,
		      const struct wseg *g)
{
	return f->stack == x->stack && f->ustack == fold_ustack(x, g) &&
	       f->gstack == fold_gstack(x, g) &&
	       f->state == x->state &&
	       f->waker_stack == x->waker_stack &&
	       (!x->waker_stack ||
		!memcmp(f->waker, stack_waker(x), CT_COMM_LEN));
}

static void fold(struct waits_acc *a, const struct ct_wait *x,
		 const struct wseg *g, uint64_t d)
{
	struct fold *f = NULL;

	for (size_t i = 0; i < a->nf && !f; i++)
		if (same_fold(&a->f[i].f, x, g))
			f = &a->f[i];
	if (!f && a->nf < FOLDS_MAX &&
	    (f = realloc(a->f, (a->nf + 1) * sizeof(*f)))) {
		a->f = f;
		f = &a->f[a->nf++];
		*f = (struct fold){ .f = { .stack = x->stack,
					   .ustack = fold_ustack(x, g),
					   .gstack = fold_gstack(x, g),
					   .state = x->state,
					   .waker_stack = x->waker_stack } };
		if (x->waker_stack)
			memcpy(f->f.waker, stack_waker(x), CT_COMM_LEN);
	}
	if (!f)
		return;
	f->f.ns += d;
	f->f.count += first_seen(&f->last, g);
}

/*
 * The span of g's wait: one of the last few (another thread's wait can
 * come between two intervals of the same one), or a new one; NULL when
 * SPANS_MAX are noted or there is no memory.
 */
static struct span *span_of(struct waits_acc *a, const struct wseg *g)
{
	struct span *sp;

	for (size_t i = a->nsp; i > 0 && i + 8 > a->nsp; i--)
		if (of_wait(&a->sp[i - 1].id, g))
			return &a->sp[i - 1];
	if (a->nsp == SPANS_MAX ||
	    ct_room((void **)&a->sp, &a->capsp, a->nsp + 1, sizeof(*a->sp)))
		return NULL;
	sp = &a->sp[a->nsp++];
	memset(sp, 0, sizeof(*sp));
	sp->id = (struct wait_id){ g->tid, g->wait_s };
	return sp;
}

/*
 * [t, u) of the carrier's wait g, named x: its span grows, and the part
 * with the most time names it.
 */
static void span_note(struct why_store *w, struct waits_acc *a,
		      const struct wseg *g, const struct ct_wait *x,
		      uint64_t t, uint64_t u)
{
	struct span *sp = span_of(a, g);
	struct ct_why_wait *v = sp ? &sp->v : NULL;
	uint8_t kind;

	if (!v)
		return;
	if (!v->start_ns) {
		v->start_ns = t;
		v->tid = g->tid;
		if (g->wake)
			v->wake_ns = wake_ts(g);
		v->waker_pid = name_waker(w, g->wake, &kind, v->waker);
		v->waker_tid = v->waker_pid ? g->wake->waker_tid : 0;
	}
	v->end_ns = u > v->end_ns ? u : v->end_ns;
	if (u - t > sp->part) {
		sp->part = u - t;
		ct_wait_label(x, v->label, sizeof(v->label));
	}
}

/* d ns of x, from the carrier's segment g (runq: its runnable time). */
static void credit(struct waits_acc *a, const struct ct_wait *x,
		   const struct wseg *g, uint64_t d, bool runq)
{
	struct site *s;

	fold(a, x, g, d);
	s = site_of(a, x);
	if (!s) {
		a->out.other_ns += d;
		return;
	}
	*(runq ? &s->w.runq_ns : &s->w.ns) += d;
	if (first_seen(&s->last, g)) {
		s->w.count++;
		a->out.unfollowed += x->via == CT_VIA_UNFOLLOWED;
	}
}

/* [t, u) of the carrier's segment g, given to x; a wait's part spans. */
static void give(struct why_store *w, struct waits_acc *a,
		 const struct wseg *g, const struct ct_wait *x, uint64_t t,
		 uint64_t u)
{
	credit(a, x, g, u - t, g->state == CT_TS_RUNQ);
	if (g->state != CT_TS_RUNQ)
		span_note(w, a, g, x, t, u);
}

/*
 * [t, u) of the carrier's wait x (segment g) while its waker q was in
 * state st: q's wait that covers it, its runnable time after a wakeup,
 * or its time on a CPU; q absent (not yet, or gone): x, unfollowed.
 */
static void through_state(struct why_store *w, struct waits_acc *a,
			  const struct wseg *g, const struct ct_wait *x,
			  struct wproc *q, uint32_t st, uint64_t t, uint64_t u)
{
	const struct wseg *h = NULL;
	bool named = false;
	struct ct_wait y;

	if (st == CT_TS_RUN) {
		followed_busy(x, "waker-on-cpu", CT_TS_RUN, &y);
		named = true;
	} else if (st == CT_TS_RUNQ || waiting(st)) {
		h = covering(w, q, st, t, u);
		if (h && st == CT_TS_RUNQ && !h->woken) {
			followed_busy(x, "waker-preempted", CT_TS_RUNQ, &y);
			named = true;
		} else if (h) {
			named = followed(w, x, h, &y);
		}
	}
	/* absent, dead, no wait found, or one whose stack names nothing */
	if (!named) {
		y = *x;
		y.via = CT_VIA_UNFOLLOWED;
	}
	give(w, a, g, &y, t, u);
}

/*
 * The carrier's wait names nothing and a task of this start ended it:
 * what that task did meanwhile says on what the carrier waited, interval
 * by interval of its process's state (one hop: its own waits are named
 * as they are).
 */
static void through(struct why_store *w, struct waits_acc *a,
		    const struct wseg *g, const struct ct_wait *x,
		    uint64_t t, uint64_t u)
{
	struct wproc *q = why_store_get(w, x->waker_pid);
	struct why_pt *pts = NULL;
	size_t n = 0, i = 0;

	if (q) {
		segs(q);
		pts = why_store_timeline(q, t, u, &n);
	}
	while (t < u) {
		uint64_t v = i + 1 < n && pts[i + 1].t < u ? pts[i + 1].t : u;

		through_state(w, a, g, x, q, n ? pts[i].state : CT_TS_DEAD, t,
			      v);
		t = v;
		i++;
	}
	free(pts);
}

/*
 * [t, u) of the carrier p's segment g: its wait, or its runnable time
 * after the wait (the same line, followed the same way).
 */
static void add(struct why_store *w, struct waits_acc *a, const struct wproc *p,
		const struct wseg *g, uint64_t t, uint64_t u)
{
	struct ct_wait x;

	if (g->state == CT_TS_RUNQ && !g->woken) {
		a->out.preempted_ns += u - t;
		return;
	}
	if (!name_wait(w, g, &x)) {
		a->out.unattributed_ns += u - t;
		if (g->stack == CT_STACK_LOST && first_seen(&a->last_lost, g))
			a->out.lost_stacks++;
		return;
	}
	if (to_follow(w, p, g, &x))
		through(w, a, g, &x, t, u);
	else
		give(w, a, g, &x, t, u);
}

/* The part of [t, u) in a nested phase goes to it; *u: where that begins. */
static uint64_t nested_part(struct waits_acc *a, uint64_t t, uint64_t *u)
{
	for (size_t i = 0; i < a->nnested; i++) {
		const struct ct_interval *n = &a->nested[i];

		if (n->start_ns <= t && t < n->end_ns) {
			uint64_t e = n->end_ns < *u ? n->end_ns : *u;

			a->out.nested_ns += e - t;
			return e;
		}
		if (t < n->start_ns && n->start_ns < *u)
			*u = n->start_ns;
	}
	return t;
}

static void blame(struct why_store *w, struct waits_acc *a, struct wproc *p,
		  uint32_t st, uint64_t t, uint64_t u);

void ct_waits_blame(struct why_store *w, struct waits_acc *a, struct wproc *p,
		    uint32_t st, uint64_t t, uint64_t u)
{
	while (a && st != CT_TS_RUN && t < u) {
		uint64_t v = u, s = nested_part(a, t, &v);

		if (s > t) {		/* [t, s) was a nested phase's */
			t = s;
			continue;
		}
		blame(w, a, p, st, t, v);
		t = v;
	}
}

static void blame(struct why_store *w, struct waits_acc *a, struct wproc *p,
		  uint32_t st, uint64_t t, uint64_t u)
{
	const struct wseg *g;

	if (!p || (!waiting(st) && st != CT_TS_RUNQ)) {
		a->out.no_carrier_ns += u - t;
		return;
	}
	a->out.offcpu_ns += u - t;
	segs(p);
	while (t < u) {
		uint64_t v = u;

		g = covering_from(w, p, st, t, &v);
		if (!g) {
			a->out.unattributed_ns += u - t;
			return;
		}
		add(w, a, p, g, t, v);
		t = v;
	}
}

static uint64_t site_ns(const struct site *s)
{
	return s->w.ns + s->w.runq_ns;
}

static int cmp_larger(const void *a, const void *b)
{
	uint64_t x = site_ns(a), y = site_ns(b);

	if (x != y)
		return x > y ? -1 : 1;
	return strcmp(((const struct site *)a)->w.site,
		      ((const struct site *)b)->w.site);
}

static uint64_t span_ns(const struct span *s)
{
	return s->v.end_ns - s->v.start_ns;
}

/* Longest first; of equal ones, the earliest. */
static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (span_ns(x) != span_ns(y))
		return span_ns(x) > span_ns(y) ? -1 : 1;
	return x->v.start_ns < y->v.start_ns ? -1 :
	       x->v.start_ns > y->v.start_ns;
}

/*
 * The CT_WHY_PHASE_WAITS first of sp in cmp_span()'s order, moved to its
 * front in that order (the rest left in any): a selection, not a sort of
 * every wait of the phase.
 */
static void top_spans(struct span *sp, size_t n)
{
	for (size_t i = 0; i < n && i < CT_WHY_PHASE_WAITS; i++) {
		size_t best = i;
		struct span t;

		for (size_t j = i + 1; j < n; j++)
			if (cmp_span(&sp[j], &sp[best]) < 0)
				best = j;
		t = sp[i], sp[i] = sp[best], sp[best] = t;
	}
}

void ct_waits_end(struct waits_acc *a, struct ct_waits *out,
		  const struct ct_waits_keep *keep)
{
	if (!a)
		return;
	top_spans(a->sp, a->nsp);
	for (size_t i = 0; keep && i < a->nsp && i < CT_WHY_PHASE_WAITS; i++)
		keep->wait(keep->ctx, &a->sp[i].v);
	if (a->n)
		qsort(a->s, a->n, sizeof(*a->s), cmp_larger);
	*out = a->out;
	out->sites = (uint32_t)a->n;
	for (size_t i = 0; i < a->n; i++) {
		if (i < CT_WAITS_TOP)
			out->top[out->n++] = a->s[i].w;
		else
			out->other_ns += site_ns(&a->s[i]);
	}
	for (size_t i = 0; keep && i < a->nf; i++)
		keep->fold(keep->ctx, &a->f[i].f);
	free(a->s);
	free(a->f);
	free(a->sp);
	free(a);
}
