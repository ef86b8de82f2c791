// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --why's store: why_store.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pairs.h"
#include "records.h"
#include "syscalls.h"
#include "util.h"
#include "why_store.h"

#define EVENTS_MAX	(4u << 20)	/* state changes and wakeups, all processes */
#define THREADS_MAX	512		/* threads of one process followed */
/* An exited process nobody claimed is forgotten after this long. */
#define FORGET_NS	(600 * 1000000000ull)
#define ABSENT		0

static struct wproc **slot(struct why_store *w, uint32_t tgid)
{
	struct wproc **pp = &w->b[tgid % WHY_BUCKETS];

	while (*pp && (*pp)->tgid != tgid)
		pp = &(*pp)->next;
	return pp;
}

struct wproc *why_store_get(struct why_store *w, uint32_t tgid)
{
	return *slot(w, tgid);
}

struct wproc *why_store_get_or_add(struct why_store *w, uint32_t tgid)
{
	struct wproc **pp = slot(w, tgid);

	if (!*pp) {
		*pp = calloc(1, sizeof(**pp));
		if (*pp)
			(*pp)->tgid = tgid;
	}
	return *pp;
}

void why_store_drop(struct why_store *w, uint32_t tgid)
{
	struct wproc **pp = slot(w, tgid), *p = *pp;

	if (!p)
		return;
	*pp = p->next;
	w->nevents -= p->n + p->nwk;
	free(p->ev);
	free(p->wk);
	why_store_segs_free(p);
	free(p);
}

/*
 * A sleep named by its syscall (CT_STACK_WAIT_SYSCALL(i)): the frame
 * that syscall always waits in, named as a stack's (waitsite.h), and
 * one pseudo-frame saying no stack was walked.
 */
static const char *const wait_sys_frames[CT_STACK_WAIT_SYSCALLS] = {
	[CT_WAIT_ROW_futex] = "futex_wait\0[futex: stack not walked]",
	[CT_WAIT_ROW_epoll_wait] = "ep_poll\0[epoll_wait: stack not walked]",
	[CT_WAIT_ROW_epoll_pwait] = "ep_poll\0[epoll_pwait: stack not walked]",
	[CT_WAIT_ROW_epoll_pwait2] = "ep_poll\0[epoll_pwait2: stack not walked]",
	[CT_WAIT_ROW_nanosleep] = "do_nanosleep\0[nanosleep: stack not walked]",
	[CT_WAIT_ROW_clock_nanosleep] = "do_nanosleep\0[clock_nanosleep: stack not walked]",
};

void why_store_init(struct why_store *w)
{
	for (int i = 0; i < CT_STACK_WAIT_SYSCALLS; i++) {
		struct wstack *x = &w->sys[i];

		x->n = 2;
		x->frames = (char *)wait_sys_frames[i];	/* never freed */
		ct_waitsite_of(x->frames, x->n, &x->ws);
		snprintf(x->ws.syscall, sizeof(x->ws.syscall), "%s",
			 ct_wait_syscall_name(i));
	}
}

const struct wstack *why_store_wstack(const struct why_store *w, uint32_t id)
{
	int row = ct_stack_wait_row(id);

	if (row >= 0)
		return &w->sys[row];
	if (!w->stacks || id == CT_STACK_NONE || id == CT_STACK_LOST ||
	    id > CT_STACKS_MAX)
		return NULL;
	return w->stacks[id - 1];
}

/* ---- --why=user's stacks ---- */

/* The index + 1 of frames (len bytes, n names) in us, added if new:
 * found through usidx, open addressing by the frames' hash. */
static uint32_t ustk_of(struct why_store *w, const char *frames, size_t len,
			uint16_t n)
{
	uint64_t h = ct_fnv1a(frames, len);
	size_t i = h % WHY_USIDX;
	struct ustk *x;

	for (; w->usidx[i]; i = (i + 1) % WHY_USIDX) {
		x = &w->us[w->usidx[i] - 1];
		if (x->hash == h && x->n == n && !memcmp(x->frames, frames, len))
			return w->usidx[i];
	}
	if (w->nus >= WHY_USTACKS || !(w->us[w->nus].frames = malloc(len)))
		return 0;
	x = &w->us[w->nus];
	memcpy(x->frames, frames, len);
	x->hash = h;
	x->n = n;
	x->runtime_only = ct_waitsite_runtime_only(frames, n);
	w->usidx[i] = (uint32_t)++w->nus;
	return w->usidx[i];
}

static int ustack_tables(struct why_store *w)
{
	if (w->upairs)
		return 0;
	w->upairs = ct_pairs_new(WHY_UPAIRS);
	w->us = calloc(WHY_USTACKS, sizeof(*w->us));
	w->usidx = calloc(WHY_USIDX, sizeof(*w->usidx));
	return w->upairs && w->us && w->usidx ? 0 : -ENOMEM;
}

void why_store_ustack_rec(struct why_store *w, const struct ct_stack_rec *r)
{
	size_t len = 0;
	uint32_t u;

	for (uint32_t j = 0; j < r->n; j++)
		len += strlen(r->frames + len) + 1;
	if (ustack_tables(w) || !(u = ustk_of(w, r->frames, len, r->n)) ||
	    ct_pairs_put(w->upairs, r->hdr.pid, r->id, u))
		w->dropped++;
}

uint32_t why_store_ustack(const struct why_store *w, uint32_t tgid,
			  uint32_t id)
{
	uint32_t u = 0;

	if (w->upairs && id != CT_STACK_NONE && id != CT_STACK_LOST)
		ct_pairs_get(w->upairs, tgid, id, &u);
	return u;
}

uint32_t why_store_gstack(const struct why_store *w, uint32_t u, uint32_t g)
{
	if (!g || g > w->nus)
		return 0;
	return !u || u > w->nus || w->us[u - 1].runtime_only ? g : 0;
}

const char *why_store_ustack_frames(const struct why_store *w, uint32_t u,
				    size_t *n)
{
	*n = u && u <= w->nus ? w->us[u - 1].n : 0;
	return *n ? w->us[u - 1].frames : NULL;
}

void why_store_ustack_forget(struct why_store *w, uint32_t tgid)
{
	if (w->upairs)
		ct_pairs_forget(w->upairs, tgid);
}

void why_store_event(struct why_store *w, uint32_t tgid, const struct tev *e)
{
	struct wproc *p;

	if (w->nevents >= EVENTS_MAX || !(p = why_store_get_or_add(w, tgid)) ||
	    ct_room((void **)&p->ev, &p->cap, p->n + 1, sizeof(*p->ev))) {
		w->dropped++;
		return;
	}
	p->ev[p->n++] = *e;
	w->nevents++;
}

void why_store_wake(struct why_store *w, uint32_t tgid,
		    const struct twake *k)
{
	struct wproc *p;

	if (w->nevents >= EVENTS_MAX || !(p = why_store_get_or_add(w, tgid)) ||
	    ct_room((void **)&p->wk, &p->capwk, p->nwk + 1, sizeof(*p->wk))) {
		w->dropped++;
		return;
	}
	p->wk[p->nwk++] = *k;
	w->nevents++;
}

/* A named stack: what its frames say, kept for the session. */
void why_store_stack(struct why_store *w, const struct ct_stack_rec *r)
{
	struct wstack *x;
	size_t len = 0;

	for (uint32_t i = 0; i < r->n; i++)
		len += strlen(r->frames + len) + 1;
	if (!w->stacks && !(w->stacks = calloc(CT_STACKS_MAX,
					       sizeof(*w->stacks))))
		return;
	x = calloc(1, sizeof(*x));
	if (!x || !(x->frames = malloc(len ? len : 1))) {
		free(x);
		w->dropped++;
		return;
	}
	memcpy(x->frames, r->frames, len);
	x->n = r->n;
	ct_waitsite_of(x->frames, x->n, &x->ws);
	x->irq = ct_waitsite_irq(x->frames, x->n);
	if (w->stacks[r->id - 1]) {
		free(w->stacks[r->id - 1]->frames);
		free(w->stacks[r->id - 1]);
	}
	w->stacks[r->id - 1] = x;
}

/* Exited long ago and never claimed by a container (runc state, ...). */
void why_store_tick(struct why_store *w, uint64_t now)
{
	if (now > w->now)
		w->now = now;
	if (w->now < w->last_purge + FORGET_NS / 10)
		return;
	w->last_purge = w->now;
	for (size_t i = 0; i < WHY_BUCKETS; i++) {
		struct wproc *p = w->b[i], *next;

		for (; p; p = next) {
			next = p->next;
			if (p->exited && p->exited + FORGET_NS < w->now)
				why_store_drop(w, p->tgid);
		}
	}
}

/* ---- timelines ---- */

struct tstate_tab {
	uint32_t tid[THREADS_MAX];
	uint8_t st[THREADS_MAX];
	size_t n;
};

static void tab_set(struct tstate_tab *tab, uint32_t tid, uint32_t st)
{
	size_t i;

	for (i = 0; i < tab->n && tab->tid[i] != tid; i++)
		;
	if (i == tab->n) {
		if (tab->n == THREADS_MAX)
			return;
		tab->tid[tab->n++] = tid;
	}
	tab->st[i] = st;
}

/* The busiest thread's state; ABSENT when no thread is alive. */
static uint32_t tab_state(const struct tstate_tab *tab)
{
	static const uint32_t order[] = { CT_TS_RUN, CT_TS_RUNQ, CT_TS_IO,
					  CT_TS_SLEEP };

	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++)
		for (size_t i = 0; i < tab->n; i++)
			if (tab->st[i] == order[o])
				return order[o];
	return ABSENT;
}

static int cmp_tev(const void *a, const void *b)
{
	const struct tev *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

void why_store_sort(struct wproc *p)
{
	if (p->sorted != p->n) {	/* once: through() asks again and again */
		qsort(p->ev, p->n, sizeof(*p->ev), cmp_tev);
		p->sorted = p->n;
	}
}

/*
 * Process p's state changes inside [s, e): out[0] is its state at s.
 * Returns the count (at most p->n + 1); out must hold that many.
 */
static size_t timeline(struct wproc *p, uint64_t s, uint64_t e,
		       struct why_pt *out)
{
	struct tstate_tab *tab = calloc(1, sizeof(*tab));
	uint32_t cur = ABSENT, st;
	size_t n = 0, i;

	if (!tab)
		return 0;
	why_store_sort(p);
	for (i = 0; i < p->n && p->ev[i].ts <= s; i++)
		tab_set(tab, p->ev[i].tid, p->ev[i].state);
	cur = tab_state(tab);
	out[n++] = (struct why_pt){ s, cur };
	for (; i < p->n && p->ev[i].ts < e; i++) {
		tab_set(tab, p->ev[i].tid, p->ev[i].state);
		st = tab_state(tab);
		if (st != cur)
			out[n++] = (struct why_pt){ p->ev[i].ts, st };
		cur = st;
	}
	free(tab);
	return n;
}

struct why_pt *why_store_timeline(struct wproc *p, uint64_t s, uint64_t e,
				  size_t *n)
{
	struct why_pt *pts;

	*n = 0;
	if (!p || !p->n)
		return NULL;
	pts = malloc((p->n + 1) * sizeof(*pts));
	if (pts)
		*n = timeline(p, s, e, pts);
	return pts;
}

void why_store_segs_free(struct wproc *p)
{
	free(p->seg);
	free(p->thr);
	p->seg = NULL;
	p->thr = NULL;
	p->nseg = p->nthr = 0;
	p->seg_of = 0;
}

void why_store_free(struct why_store *w)
{
	for (size_t i = 0; i < WHY_BUCKETS; i++)
		while (w->b[i])
			why_store_drop(w, w->b[i]->tgid);
	for (size_t i = 0; w->stacks && i < CT_STACKS_MAX; i++) {
		if (w->stacks[i])
			free(w->stacks[i]->frames);
		free(w->stacks[i]);
	}
	free(w->stacks);
	w->stacks = NULL;
	for (size_t i = 0; i < w->nus; i++)
		free(w->us[i].frames);
	free(w->us);
	free(w->usidx);
	ct_pairs_free(w->upairs);
	w->us = NULL;
	w->usidx = NULL;
	w->upairs = NULL;
	w->nus = 0;
}
