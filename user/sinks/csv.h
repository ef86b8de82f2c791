/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * -o DIR/phases.csv: one row per container, per phase its start and
 * duration (RFC 4180, CRLF line ends; --why's split columns when a
 * container has one).  docs/output.md has the columns.
 */
#ifndef __CT_CSV_H
#define __CT_CSV_H

#include <stdio.h>
#include "agg.h"
#include "output.h"

/* Every container of agg, a header first.  0. */
int ct_csv_write(FILE *f, const struct ct_agg *agg, const struct ct_meta *meta);

#endif /* __CT_CSV_H */
