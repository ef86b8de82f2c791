/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where a session's results go, one sink each (as perf's struct
 * perf_tool): stdout's, one per mode: the terminal table (table.c), JSON
 * lines (-j, jsonl.c), or --dump's records with the text report after
 * them (table.c); --otlp's, pushed to a collector (otlp_push.c); -o's
 * files and --listen's /metrics, which render the aggregate (export.c,
 * prom.c).  Each is one row of the session's outputs
 * (user/core/outputs.c), which opens it when the command line asks.
 * Each result kind is a callback, NULL where the sink has nothing to do
 * with it; a new kind of result is a new callback here and a function in
 * each sink that takes it.
 */
#ifndef __CT_SINK_H
#define __CT_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "agg.h"
#include "container.h"
#include "output.h"

struct ct_chain;
struct ct_pull;

/* What the sinks are given, and the table's state. */
struct ct_sink_out {
	FILE *f;
	bool wall;		/* -T: the table starts with the local time */
	bool why;		/* --why's rows under each container */
	size_t paths;		/* --paths N: the slowest opens under it */
	bool started;		/* the table's header is out */
	bool failed;		/* an output that failed: the status is 1 */
	void *priv;		/* a sink's own state (--otlp's sender) */
	void *session;		/* the session's (outputs.c's rows) */
};

struct ct_sink {
	void (*container)(struct ct_sink_out *o, const struct ct_container *c);
	void (*chain)(struct ct_sink_out *o, const struct ct_chain *ch);
	void (*pull)(struct ct_sink_out *o, const struct ct_pull *p);
	/* -i's running summary; may be NULL */
	void (*summary)(struct ct_sink_out *o, const struct ct_agg *agg,
			const struct ct_meta *m);
	/* the period's rewrite (-i, or continuous mode's); may be NULL */
	void (*refresh)(struct ct_sink_out *o, const struct ct_agg *agg,
			const struct ct_meta *m);
	/* a turn of the live loop (CLOCK_MONOTONIC ns); may be NULL */
	void (*poll)(struct ct_sink_out *o, uint64_t now_mono_ns);
	/* the session's end: what was not said along the way; may be
	 * NULL */
	void (*end)(struct ct_sink_out *o, const struct ct_agg *agg,
		    const struct ct_meta *m);
	/* its own counts (o->priv is their state), said by the summary
	 * and /metrics wherever it is open (ct_meta's reports); may be
	 * NULL */
	const struct ct_output_report *report;
};

extern const struct ct_sink ct_sink_table;
extern const struct ct_sink ct_sink_dump;
extern const struct ct_sink ct_sink_jsonl;

/* -j wins over --dump, which wins over the table. */
const struct ct_sink *ct_sink_pick(bool json, bool dump);

#endif /* __CT_SINK_H */
