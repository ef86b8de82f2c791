/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Inside `coldtrace compare` (compare.h): its options, the rows it
 * compares (compare_rows.c: one per group and metric, tested, adjusted
 * for the false discovery rate) and their printing (compare_print.c:
 * the verdict, the table, Markdown, JSON Lines).
 */
#ifndef __CT_COMPARE_ROWS_H
#define __CT_COMPARE_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare_gate.h"
#include "compare_read.h"
#include "twosample.h"

#define CT_CMP_SEED	0x636f6c6474726163ULL	/* "coldtrac": reruns agree */
#define CT_CMP_TAILS	2			/* p90, p99 */

struct ct_cmp_opts {
	const char *in[2];	/* in[1] NULL: one input split --by */
	const char *by;
	bool json, markdown, samples;
	double conf, fdr, alpha;
	struct ct_gate gates[CT_GATE_MAX];
	size_t ngates;
};

struct ct_cmp_tail {
	bool ok;		/* false: too few for the tail */
	double shift, lo, hi;
};

struct ct_cmp_row {
	uint32_t group, metric;	/* the set's names */
	double *v[2];		/* each side's values, sorted */
	size_t n[2];
	bool tested;		/* both sides have enough for a test */
	struct ct_ts_result r;
	double q;		/* BH-adjusted p */
	bool moved;		/* q < fdr */
	struct ct_cmp_tail tail[CT_CMP_TAILS];	/* p90, p99 */
};

/*
 * The rows of s (its observations sorted in place), tested at conf and
 * adjusted over all at once; NULL with *n 0 when s has none, or on
 * -ENOMEM (then s->n is not 0).
 */
struct ct_cmp_row *ct_cmp_rows(struct ct_cmp_set *s, double conf, double fdr,
			       size_t *n);
void ct_cmp_rows_free(struct ct_cmp_row *rows, size_t n);

/* The report on stdout: -j's lines, or the verdict and the table. */
void ct_cmp_print(const struct ct_cmp_set *s, const struct ct_cmp_row *rows,
		  size_t n, const struct ct_cmp_opts *o);
/* "+48.2 ms": a duration in the unit its size reads best in. */
const char *ct_cmp_dur(char *buf, size_t len, double ns, bool sign);

#endif /* __CT_COMPARE_ROWS_H */
