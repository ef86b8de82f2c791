/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * -o DIR/otlp-traces.jsonl: the containers as OpenTelemetry traces, in
 * OTLP/JSON (one ExportTraceServiceRequest per line, as OpenTelemetry's
 * file exporter writes and the Collector's otlpjsonfile receiver reads).
 *
 * One trace per container: a root span "cold start" from its first
 * phase's start to its last phase's end, with a child span per phase
 * that ended (open phases have no end to give).  Ids are hashes of the
 * container's id and first phase start, so the same session (live or
 * replayed) always writes the same bytes.  docs/output.md has the
 * attributes.
 */
#ifndef __CT_OTLP_H
#define __CT_OTLP_H

#include <stdint.h>
#include <stdio.h>
#include "agg.h"
#include "output.h"

/*
 * The resource of every request: coldtrace on the traced host.  A host
 * name NULL or "" is not known (a recording made before CT_EV_HOST).
 */
struct ct_otlp_res {
	const char *version;
	const char *kernel;
	const char *host_name;
	const char *host_id;
	const char *node_name;
	uint64_t lost_events;
};

/* Every container of agg, one line; 0, or -EIO on a write error. */
int ct_otlp_write(FILE *f, const struct ct_agg *agg,
		  const struct ct_meta *meta);

#endif /* __CT_OTLP_H */
