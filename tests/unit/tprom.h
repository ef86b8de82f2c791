/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Test helper: a strict reader of the Prometheus text format (0.0.4), so
 * that tests check metrics.prom and /metrics by parsing them back.
 * Failures are Criterion assertions.
 */
#ifndef __CT_TPROM_H
#define __CT_TPROM_H

#include <stdbool.h>
#include <stddef.h>

/* every in-scope group at 0: ~5200 lines with 7 engine kinds, over
 * 8192 with one more */
#define PROM_MAX	16384

struct prom_sample {
	char name[128];
	char labels[512];	/* "k=v;" without le, in written order */
	double le;		/* NAN if none */
	double v;
};

struct prom {
	size_t n;
	struct prom_sample s[PROM_MAX];
	char types[64][192];	/* "name type" */
	size_t ntypes;
};

/* Parses text (modified: split into lines) into *p. */
void prom_parse(char *text, struct prom *p);
/* Every sample is typed; buckets cumulative, +Inf last and == _count. */
void prom_check(const struct prom *p);
/* The value of name{labels} (no le); fails the test if absent. */
double prom_get(const struct prom *p, const char *name, const char *labels);
/* Whether name{labels} has any sample (buckets included). */
bool prom_has(const struct prom *p, const char *name, const char *labels);
/* The cumulative count of bucket le of name{labels}. */
double prom_bucket(const struct prom *p, const char *name,
		   const char *labels, double le);
/* How many samples name{labels} has (a histogram: its buckets). */
size_t prom_count(const struct prom *p, const char *name,
		  const char *labels);

#endif /* __CT_TPROM_H */
