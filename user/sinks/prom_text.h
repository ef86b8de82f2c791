/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The pieces of the Prometheus text the families of prom.c and
 * prom_pulls.c are written with: a series' labels as escaped text, and
 * a histogram's lines.
 */
#ifndef __CT_PROM_TEXT_H
#define __CT_PROM_TEXT_H

#include <stdint.h>
#include <stdio.h>
#include "agg.h"
#include "hist.h"
#include "output.h"

struct ct_prom_hist {
	uint64_t le_ns[CT_HIST_SLOTS];	/* upper bounds, increasing */
	uint64_t bucket[CT_HIST_SLOTS];	/* not cumulative: one per bound */
	size_t nb;
	uint64_t count;		/* +Inf: every observation */
	uint64_t sum_ns;
};

/* Seconds, exact, without trailing zeros: 2500000 ns -> 0.0025 */
const char *ct_prom_seconds(char buf[32], uint64_t ns);

/*
 * A series' labels as text, escaped once and written on each of its
 * lines (a histogram has 21 or 34): escaping every line again was most
 * of a scrape's time.  It holds any: the values of --metrics-labels
 * (id, name, namespace, pod), each byte at most 3 escaped, runtime,
 * engine, phase.
 */
#define PROM_LABELS_LEN	2048
_Static_assert(3 * (CT_ID_LEN + CT_NAME_LEN + CT_K8S_LABEL_LEN +
		    CT_K8S_POD_LEN) + 256 <= PROM_LABELS_LEN, "label text room");

struct ct_prom_lt {
	char s[PROM_LABELS_LEN];
	size_t n;
};

/* name="v" (at most max bytes of v), after a comma unless first: \\,
 * \" and \n escaped; invalid UTF-8 -> U+FFFD. */
void ct_prom_label_n(struct ct_prom_lt *t, const char *name, const char *v,
		     size_t max);
void ct_prom_label(struct ct_prom_lt *t, const char *name, const char *v);

/* Empty, under the duration buckets' bounds (100 us .. 60 s). */
void ct_prom_hist_init(struct ct_prom_hist *h);
void ct_prom_hist_observe(struct ct_prom_hist *h, uint64_t ns);
/* A log2 histogram's slots (hist.h), its sum their middles'. */
void ct_prom_hist_log2(struct ct_prom_hist *h, const uint64_t *slots);
/* A histogram's lines, its labels l as text (struct ct_prom_lt). */
void ct_prom_hist_print(FILE *f, const char *name, const char *l,
			const struct ct_prom_hist *h);

/* The image pulls' families (pulls.h), labelled by engine only. */
void ct_prom_pulls(FILE *f, const struct ct_meta *m);

#endif /* __CT_PROM_TEXT_H */
