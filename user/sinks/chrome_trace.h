/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * -o DIR/trace.json: the session in Chrome's trace event format (for
 * chrome://tracing, Perfetto): a process per runtime, pull, chain and
 * pod, a track per container with a slice per phase, --why's scheduler
 * states under it.  Times are relative to the earliest phase start
 * (otherData.base_ns).  docs/output.md has the layout.
 */
#ifndef __CT_CHROME_TRACE_H
#define __CT_CHROME_TRACE_H

#include <stdio.h>
#include "agg.h"
#include "output.h"

/* The whole file, one JSON object; 0, -ENOMEM or -EIO. */
int ct_chrome_trace_write(FILE *f, const struct ct_agg *agg,
			  const struct ct_meta *meta);

#endif /* __CT_CHROME_TRACE_H */
