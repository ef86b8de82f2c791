// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What a statistic is: see stats.h. */
#include <stdlib.h>
#include <string.h>
#include "stats.h"

uint64_t ct_percentile(const uint64_t *sorted, size_t n, unsigned int pct)
{
	return n ? sorted[ct_nearest_rank(n, pct) - 1] : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void ct_stats_compute(uint64_t *vals, size_t n, struct ct_stats *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return;
	qsort(vals, n, sizeof(*vals), cmp_u64);
	for (i = 0; i < n; i++)
		out->sum_ns += vals[i];
	out->n = n;
	out->min_ns = vals[0];
	out->max_ns = vals[n - 1];
	out->p50_ns = ct_percentile(vals, n, 50);
	out->p90_ns = ct_percentile(vals, n, 90);
	out->p99_ns = ct_percentile(vals, n, 99);
	out->mean_ns = out->sum_ns / n;
}
