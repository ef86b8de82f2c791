/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a statistic is (struct ct_stats) and the two pseudo-phases the
 * statistics take besides the phases: shared by the aggregator (agg.h)
 * and the restarts (restart.h).
 */
#ifndef __CT_STATS_H
#define __CT_STATS_H

#include <stddef.h>
#include <stdint.h>
#include "container.h"

/* Pass as the phase to get statistics of the total instead. */
#define CT_AGG_TOTAL	CT_PH_MAX
/* ... or of cold_start_ns (any container that has one; share: of total).
 * Not for restarts. */
#define CT_AGG_COLD	(CT_PH_MAX + 1)

struct ct_stats {
	uint64_t n;
	uint64_t min_ns;
	uint64_t p50_ns;
	uint64_t p90_ns;
	uint64_t p99_ns;
	uint64_t max_ns;
	uint64_t mean_ns;	/* rounded down */
	uint64_t sum_ns;
	double share;		/* of the total, exclusive time; 0..1 */
};

/* The nearest rank of percentile pct (over 100: 100) among n > 0 values,
 * 1-based: ceil(pct * n / 100), at least 1. */
static inline uint64_t ct_nearest_rank(uint64_t n, unsigned int pct)
{
	uint64_t rank = ((uint64_t)(pct > 100 ? 100 : pct) * n + 99) / 100;

	return rank ? rank : 1;
}

/* Nearest-rank percentile of sorted[0..n-1]; 0 if n == 0. */
uint64_t ct_percentile(const uint64_t *sorted, size_t n, unsigned int pct);
/* Sorts vals in place and fills everything but share. */
void ct_stats_compute(uint64_t *vals, size_t n, struct ct_stats *out);

#endif /* __CT_STATS_H */
