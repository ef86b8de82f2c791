/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --why's wait sites summed over containers (docs/why.md "Wait sites"):
 * per phase, the time of each (site, waker) and of what no site
 * explains, for the summary's `look at:` line and /metrics'
 * coldtrace_phase_wait_seconds_total.  Fixed size: continuous mode folds
 * every container into one of these per group.  A site keeps its slot
 * once it has one (no counter goes down); the sites that come after the
 * table is full go to other_ns.
 */
#ifndef __CT_STATS_WAITS_H
#define __CT_STATS_WAITS_H

#include <stdbool.h>
#include <stdint.h>
#include "container.h"

#define CT_AGG_WAIT_SITES	8	/* (site, waker) slots a phase keeps */

struct ct_agg_site {
	char site[CT_SITE_LEN];
	/* the waker's comm, a kernel thread's without its "/..." (kworker),
	 * "interrupt" for an interrupt, "" when none was seen */
	char waker[CT_COMM_LEN];
	uint64_t ns;		/* asleep and runnable after its wakes */
	uint64_t count;		/* waits */
};

struct ct_agg_phase_waits {
	struct ct_agg_site s[CT_AGG_WAIT_SITES];
	uint32_t n;
	uint64_t other_ns;		/* sites past the table, and a phase's */
	uint64_t preempted_ns;
	uint64_t unattributed_ns;
	uint64_t no_carrier_ns;
	uint64_t lost_stacks;
};

struct ct_agg_waits {
	uint64_t containers;	/* that count (ct_agg_counts()) with sites */
	struct ct_agg_phase_waits ph[CT_PH_MAX];
};

/* c's wait sites into w, if it counts and has them. */
void ct_agg_waits_add(struct ct_agg_waits *w, const struct ct_container *c);
/* s into d, site by site. */
void ct_agg_waits_merge(struct ct_agg_waits *d, const struct ct_agg_waits *s);

/* The phase's largest slot, or NULL; *total: all its off-CPU time. */
const struct ct_agg_site *ct_agg_waits_top(const struct ct_agg_phase_waits *p,
					   uint64_t *total);

#endif /* __CT_STATS_WAITS_H */
