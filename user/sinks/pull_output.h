/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Image pull output: the JSON object of one pull (through user/lib/json.h),
 * pulls.jsonl, and for people a per-pull table with an ASCII timeline
 * of the layers (fetch vs unpack).
 */
#ifndef __CT_PULL_OUTPUT_H
#define __CT_PULL_OUTPUT_H

#include <stdio.h>
#include "json.h"
#include "pulls.h"

/* {"type": "pull", ...} as in docs/design.md "Interface" (no newline;
 * a line of it, every pull's: jsonl.h). */
void ct_json_pull(struct ct_json *w, const struct ct_pull *p);

/* Width of the timeline bar in the terminal. */
#define CT_PULL_BAR	60

/* Table and timeline of one pull. */
void ct_pull_print(FILE *f, const struct ct_pull *p);
/* Every pull, or nothing at all if there was none. */
void ct_pull_print_all(FILE *f, const struct ct_pulls *e);
/*
 * The timeline row of one layer: width cells over [t0, t0 + span),
 * '=' fetching, '#' unpacking, '.' neither.  buf gets width + 1 bytes.
 */
void ct_pull_bar(char *buf, int width, const struct ct_pull_layer *l,
		 uint64_t t0, uint64_t span);

/*
 * --dump: one text line for a pull record (include/pull.h); returns
 * false, printing nothing, if rec is not a well-formed pull record.
 */
bool ct_pull_dump(FILE *f, const void *rec, size_t len, int64_t mono_to_real);

#endif /* __CT_PULL_OUTPUT_H */
