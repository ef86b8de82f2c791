/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `coldtrace compare --fail-if 'METRIC.STAT > +LIMIT'`: a CI gate.  It
 * fails when the lower end of the shift's (1 - alpha) interval exceeds
 * the limit, never on the point estimate, so that A against A fails
 * with probability below alpha / 2 per group.
 */
#ifndef __CT_COMPARE_GATE_H
#define __CT_COMPARE_GATE_H

#include <stdbool.h>
#include <stddef.h>

#define CT_GATE_MAX	16

struct ct_gate {
	const char *expr;	/* as given */
	char metric[96];	/* cold_start, total, PHASE, PHASE.cpu, PHASE:SITE */
	unsigned int pct;	/* 50, 90, 99 */
	bool relative;		/* limit in % of A's statistic, else ns */
	double limit;
};

/* Parses expr.  0, or -1 with a one-line reason in err. */
int ct_gate_parse(const char *expr, struct ct_gate *g, char *err,
		  size_t errlen);

/*
 * The gate on one group: A's statistic (median or percentile) and the
 * lower end of the shift's interval.  True if it fails (a regression).
 */
bool ct_gate_fails(const struct ct_gate *g, double stat_a, double lo);

#endif /* __CT_COMPARE_GATE_H */
