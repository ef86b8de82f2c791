// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --why's wait sites summed over containers: waits.h. */
#include <string.h>
#include "waits.h"

/* A kernel thread's comm names its pool, not a thread: "kworker/u4:2". */
static void waker_key(const struct ct_wait *x, char key[CT_COMM_LEN])
{
	char *slash;

	memcpy(key, x->waker, CT_COMM_LEN);
	key[CT_COMM_LEN - 1] = '\0';
	slash = x->waker_kind == CT_WAKER_KTHREAD ? strchr(key, '/') : NULL;
	if (slash)
		memset(slash, 0, CT_COMM_LEN - (size_t)(slash - key));
}

/* ns of (site, waker) into p: its slot, a new one, or other_ns. */
static void add_site(struct ct_agg_phase_waits *p, const char *site,
		     const char *waker, uint64_t ns, uint64_t count)
{
	struct ct_agg_site *s = NULL;

	for (uint32_t i = 0; i < p->n && !s; i++)
		if (!strcmp(p->s[i].site, site) && !strcmp(p->s[i].waker, waker))
			s = &p->s[i];
	if (!s && p->n < CT_AGG_WAIT_SITES) {
		s = &p->s[p->n++];
		memset(s, 0, sizeof(*s));
		memcpy(s->site, site, sizeof(s->site));
		memcpy(s->waker, waker, sizeof(s->waker));
	}
	if (!s) {
		p->other_ns += ns;
		return;
	}
	s->ns += ns;
	s->count += count;
}

static void add_phase(struct ct_agg_phase_waits *p, const struct ct_waits *x)
{
	char waker[CT_COMM_LEN];

	for (uint32_t i = 0; i < x->n; i++) {
		waker_key(&x->top[i], waker);
		add_site(p, x->top[i].site, waker,
			 x->top[i].ns + x->top[i].runq_ns, x->top[i].count);
	}
	p->other_ns += x->other_ns;
	p->preempted_ns += x->preempted_ns;
	p->unattributed_ns += x->unattributed_ns;
	p->no_carrier_ns += x->no_carrier_ns;
	p->lost_stacks += x->lost_stacks;
}

void ct_agg_waits_add(struct ct_agg_waits *w, const struct ct_container *c)
{
	bool any = false;

	for (int p = 0; p < CT_PH_MAX; p++) {
		if (!c->split[p].valid || !c->split[p].has_waits)
			continue;
		add_phase(&w->ph[p], &c->split[p].waits);
		any = true;
	}
	w->containers += any;
}

void ct_agg_waits_merge(struct ct_agg_waits *d, const struct ct_agg_waits *s)
{
	d->containers += s->containers;
	for (int p = 0; p < CT_PH_MAX; p++) {
		struct ct_agg_phase_waits *x = &d->ph[p];
		const struct ct_agg_phase_waits *y = &s->ph[p];

		for (uint32_t i = 0; i < y->n; i++)
			add_site(x, y->s[i].site, y->s[i].waker, y->s[i].ns,
				 y->s[i].count);
		x->other_ns += y->other_ns;
		x->preempted_ns += y->preempted_ns;
		x->unattributed_ns += y->unattributed_ns;
		x->no_carrier_ns += y->no_carrier_ns;
		x->lost_stacks += y->lost_stacks;
	}
}

const struct ct_agg_site *ct_agg_waits_top(const struct ct_agg_phase_waits *p,
					   uint64_t *total)
{
	const struct ct_agg_site *top = NULL;

	*total = p->other_ns + p->preempted_ns + p->unattributed_ns +
		 p->no_carrier_ns;
	for (uint32_t i = 0; i < p->n; i++) {
		*total += p->s[i].ns;
		if (!top || p->s[i].ns > top->ns)
			top = &p->s[i];
	}
	return top;
}
