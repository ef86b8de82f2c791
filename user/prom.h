/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Prometheus text exposition format 0.0.4: one writer for both
 * DIR/metrics.prom (--output) and /metrics (--listen), so that the two
 * never differ.
 */
#ifndef __CT_PROM_H
#define __CT_PROM_H

#include <stdio.h>
#include "agg.h"
#include "output.h"

/* metrics.prom text into f: the same text /metrics serves (--listen). */
int ct_export_prom(FILE *f, const struct ct_agg *agg,
		   const struct ct_meta *meta);

#endif /* __CT_PROM_H */
