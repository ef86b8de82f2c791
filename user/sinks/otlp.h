/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The records as OpenTelemetry traces: -o DIR/otlp-traces.jsonl in
 * OTLP/JSON (one ExportTraceServiceRequest per line, as OpenTelemetry's
 * file exporter writes and the Collector's otlpjsonfile receiver reads),
 * and --otlp's requests in protobuf (otlp_push.h), from one walk
 * (otlp_enc.h).
 *
 * A container is a trace: a root span "container" from its first
 * phase's start to its last phase's end, a child span per phase that
 * ended (open phases have no end to give) with --why's split, and one
 * for a creation apart.  An image pull is a trace: its root "pull", a
 * span per layer seen with its "fetch" and "unpack" inside.  A chain is
 * a trace: its root "chain", a span per step with its "cold start" and
 * "work" inside.  Attributes follow the semantic conventions
 * (CT_OTLP_SEMCONV) where they name the thing, coldtrace.* elsewhere;
 * docs/output.md has the table.  Ids are hashes of what identifies the
 * record (a container's id and first phase start), so the same session,
 * live or replayed, always writes the same bytes.
 */
#ifndef __CT_OTLP_H
#define __CT_OTLP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "agg.h"
#include "output.h"

/*
 * The resource of every request: coldtrace on the traced host.  A host
 * name NULL or "" is not known (a recording made before CT_EV_HOST).
 */
struct ct_chain;
struct ct_pull;

struct ct_otlp_res {
	const char *version;
	const char *kernel;
	const char *host_name;
	const char *host_id;
	const char *node_name;
	/* the file's: the session's lost events; a pushed request has
	 * none, its value would change from one to the next */
	bool has_lost;
	uint64_t lost_events;
};

/*
 * Every container of agg, then meta's pulls and chains, as one request
 * on one line; 0, or -EIO on a write error.
 */
int ct_otlp_write(FILE *f, const struct ct_agg *agg,
		  const struct ct_meta *meta);

/* One result of the session (sink.h's kinds): one of the three is set. */
struct ct_otlp_rec {
	const struct ct_container *c;
	const struct ct_pull *pull;
	const struct ct_chain *chain;
};

/*
 * One record's trace as a request of its own, OTLP/JSON on one line
 * (what -o's file holds of it): its spans, or -EIO.
 */
ssize_t ct_otlp_json(FILE *f, const struct ct_otlp_res *res,
		     const struct ct_otlp_rec *rec);
/*
 * The same in protobuf (--otlp) into b, reset first: 0, or -ENOMEM.
 * *spans: how many it holds (0: nothing to send).
 */
struct ct_pb;
int ct_otlp_pb(struct ct_pb *b, const struct ct_otlp_res *res,
	       const struct ct_otlp_rec *rec, size_t *spans);

#endif /* __CT_OTLP_H */
