/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The session's counters and losses (counters.h's table) in the text
 * summary, summary.json and metrics.prom: each walks the rows in its
 * order, so that a row is all a new counter needs of the outputs.
 */
#ifndef __CT_LOSSES_H
#define __CT_LOSSES_H

#include <stdio.h>
#include "agg.h"
#include "counters.h"
#include "json.h"
#include "output.h"

/* Row r of the table. */
const struct ct_counter_row *ct_losses_row(enum ct_counter r);

/* Every row's value (enum ct_counter) into v. */
void ct_losses_read(uint64_t v[CT_CTR_MAX], const struct ct_agg *agg,
		    const struct ct_meta *meta);

/* The summary's lines of those not 0 (and of the ones always said). */
void ct_losses_text(FILE *f, const struct ct_agg *agg,
		    const struct ct_meta *meta);
/* "key":n, every row, always, so that a check can rely on it. */
void ct_losses_json(struct ct_json *w, const struct ct_agg *agg,
		    const struct ct_meta *meta);
/* coldtrace_<key>_total: an unlabelled counter each (by map: a series
 * per map). */
void ct_losses_prom(FILE *f, const struct ct_agg *agg,
		    const struct ct_meta *meta);

#endif /* __CT_LOSSES_H */
