// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The process model (procs.h): a ring of lifecycle events, and per
 * bucket of pids the newest one's sequence number, each event linking
 * to the one before it in its bucket.  A walk goes back in time and
 * stops at the first event the ring has overwritten, so nothing is ever
 * deleted and a question costs the events of its bucket still kept.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "procs.h"
#include "records.h"
#include "util.h"

#define NSLOTS	CT_PROCS_EVENTS
#define NBUCKETS CT_PROCS_EVENTS

_Static_assert((NSLOTS & (NSLOTS - 1)) == 0, "CT_PROCS_EVENTS: power of 2");

struct slot {
	struct ct_life e;
	uint64_t seq;		/* 1, 2, ...: which event is here */
	uint64_t prev;		/* the bucket's event before it, 0: none */
};

struct ct_procs {
	uint64_t total;		/* events so far; the newest one's seq */
	uint64_t head[NBUCKETS];	/* newest seq per bucket, 0: none */
	struct slot ring[NSLOTS];
};

struct ct_procs *ct_procs_new(void)
{
	/* it fills over minutes: resident from the start */
	return ct_zalloc_resident(sizeof(struct ct_procs));
}

void ct_procs_free(struct ct_procs *m)
{
	free(m);
}

static size_t bucket(uint32_t pid)
{
	return pid & (NBUCKETS - 1);
}

/* The event of seq if the ring still has it, else NULL. */
static const struct slot *kept(const struct ct_procs *m, uint64_t seq)
{
	const struct slot *s;

	if (!seq || m->total - seq >= NSLOTS)
		return NULL;
	s = &m->ring[(seq - 1) & (NSLOTS - 1)];
	return s->seq == seq ? s : NULL;
}

static bool lifecycle(uint32_t type)
{
	return type == CT_EV_FORK || type == CT_EV_EXEC || type == CT_EV_EXIT;
}

static void add(struct ct_procs *m, const struct ct_life *e)
{
	uint64_t seq = ++m->total;
	struct slot *s = &m->ring[(seq - 1) & (NSLOTS - 1)];
	uint64_t *head = &m->head[bucket(e->pid)];

	s->e = *e;
	s->seq = seq;
	s->prev = *head;
	*head = seq;
}

void ct_procs_feed(struct ct_procs *m, const void *rec, size_t len)
{
	struct ct_hdr h;
	struct ct_fork f;
	struct ct_life e = { 0 };

	/* the type first: most records are not a life's, and pass by */
	if (!m || len < sizeof(h))
		return;
	memcpy(&h, rec, sizeof(h));	/* rec may be unaligned */
	if (!lifecycle(h.type))
		return;
	e.ns = h.ts_ns;
	e.pid = h.pid;
	e.ppid = h.ppid;
	memcpy(e.comm, h.comm, sizeof(e.comm));
	switch (h.type) {
	case CT_EV_FORK:
		memcpy(&f, rec, sizeof(f));
		e.kind = CT_LIFE_FORK;
		e.pid = f.child_pid;
		e.ppid = h.pid;
		break;
	case CT_EV_EXEC:
		e.kind = CT_LIFE_EXEC;
		break;
	case CT_EV_EXIT:
		e.kind = CT_LIFE_EXIT;
		break;
	default:
		return;
	}
	add(m, &e);
}

/* The newest event of pid's bucket, then each older one still kept. */
#define for_each_kept(m, pid, s)					\
	for (s = kept(m, (m)->head[bucket(pid)]); s; s = kept(m, s->prev))

/* The first event of pid after ns of one of the kinds in mask. */
static uint64_t first_after(const struct ct_procs *m, uint32_t pid,
			    uint64_t ns, unsigned int mask)
{
	const struct slot *s;
	uint64_t best = 0;

	for_each_kept(m, pid, s) {
		const struct ct_life *e = &s->e;

		if (e->pid == pid && (mask & 1u << e->kind) && e->ns > ns &&
		    (!best || e->ns < best))
			best = e->ns;
	}
	return best;
}

uint64_t ct_procs_gone_after(const struct ct_procs *m, uint32_t pid,
			     uint64_t ns)
{
	return first_after(m, pid, ns,
			   1u << CT_LIFE_EXEC | 1u << CT_LIFE_EXIT);
}

uint64_t ct_procs_exit_after(const struct ct_procs *m, uint32_t pid,
			     uint64_t ns)
{
	return first_after(m, pid, ns, 1u << CT_LIFE_EXIT);
}

uint64_t ct_procs_exec_before(const struct ct_procs *m, uint32_t pid,
			      uint64_t ns)
{
	const struct slot *s;
	uint64_t best = 0;

	for_each_kept(m, pid, s) {
		const struct ct_life *e = &s->e;

		if (e->pid == pid && e->kind == CT_LIFE_EXEC && e->ns <= ns &&
		    e->ns > best)
			best = e->ns;
	}
	return best;
}

static const struct ct_life *life_at(const struct ct_procs *m,
				     enum ct_life_kind kind, uint64_t ns)
{
	for (uint64_t seq = m->total; kept(m, seq); seq--) {
		const struct ct_life *e = &kept(m, seq)->e;

		if (e->kind == kind && e->ns == ns)
			return e;
	}
	return NULL;
}

const struct ct_life *ct_procs_exec_at(const struct ct_procs *m, uint64_t ns)
{
	return life_at(m, CT_LIFE_EXEC, ns);
}

const struct ct_life *ct_procs_exit_at(const struct ct_procs *m, uint64_t ns)
{
	return life_at(m, CT_LIFE_EXIT, ns);
}

const struct ct_life *ct_procs_forked(const struct ct_procs *m, uint32_t pid)
{
	const struct slot *s;

	for_each_kept(m, pid, s)
		if (s->e.pid == pid && s->e.kind == CT_LIFE_FORK)
			return &s->e;
	return NULL;
}

size_t ct_procs_count(const struct ct_procs *m)
{
	return m->total < NSLOTS ? (size_t)m->total : NSLOTS;
}

uint64_t ct_procs_forgotten(const struct ct_procs *m)
{
	return m->total > NSLOTS ? m->total - NSLOTS : 0;
}
