/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --otlp=URL: each finished record (container, pull, chain) pushed to an
 * OpenTelemetry collector as OTLP/HTTP in protobuf, the session's sink
 * ct_sink_otlp (sink.h) beside stdout's.
 *
 * The tracing loop never waits for the collector: a record is encoded
 * where it finishes (otlp.c, ct_otlp_pb()) and put in a bounded queue
 * (CT_OTLP_QUEUE_RECORDS records, CT_OTLP_QUEUE_BYTES bytes); a record
 * that finds it full is dropped, its spans counted.  A thread of its own
 * sends what is queued, as one request per record or, when several
 * wait, their requests concatenated into one (protobuf merges repeated
 * fields: one ExportTraceServiceRequest of several ResourceSpans) up to
 * CT_OTLP_BATCH_BYTES.  An attempt that gets no answer, or 429, 502,
 * 503, 504, is retried after an exponential backoff with jitter, or the
 * Retry-After the collector asked for if longer, CT_OTLP_RETRIES times;
 * any other answer but 2xx rejects the spans (otlp_http.h).
 *
 * At the session's end the queue is flushed for CT_OTLP_FLUSH_NS at
 * most; a request whose next attempt would come later gives up then.
 * Every span is counted once: sent (the collector took it), dropped by
 * reason (enum ct_otlp_drop), or still queued (in flight included).
 * The summary (text and JSON) and /metrics say them, only when --otlp
 * is given.
 */
#ifndef __CT_OTLP_PUSH_H
#define __CT_OTLP_PUSH_H

#include <stdint.h>
#include <stdio.h>
#include "json.h"
#include "otlp.h"
#include "sink.h"

#define CT_OTLP_QUEUE_RECORDS	512
#define CT_OTLP_QUEUE_BYTES	(8u << 20)
#define CT_OTLP_BATCH_BYTES	(1u << 20)
#define CT_OTLP_RETRIES		5
/* The first retry's wait; each next one doubles it, up to the last. */
#define CT_OTLP_BACKOFF_NS	(500ull * 1000000ull)
#define CT_OTLP_BACKOFF_MAX_NS	(8ull * 1000000000ull)
/* A Retry-After longer than this is waited this long. */
#define CT_OTLP_RETRY_AFTER_MAX_NS	(60ull * 1000000000ull)
#define CT_OTLP_FLUSH_NS	(5ull * 1000000000ull)

enum ct_otlp_drop {
	CT_OTLP_DROP_QUEUE_FULL,	/* no room when the record finished */
	CT_OTLP_DROP_RETRIES,		/* every attempt failed */
	CT_OTLP_DROP_REJECTED,		/* the collector refused them */
	CT_OTLP_DROP_SHUTDOWN,		/* unsent when the flush ended */
	CT_OTLP_DROPS,
};

struct ct_otlp_stats {
	uint64_t sent;		/* spans the collector took */
	uint64_t dropped[CT_OTLP_DROPS];
	uint64_t queued;	/* spans queued or in flight */
	uint64_t requests;	/* answered 2xx */
	uint64_t retries;	/* attempts retried */
	char last_error[128];	/* the last failure, "" if none */
};

struct ct_otlp_push_opts {
	const char *url;	/* checked (otlp_url.h) */
	struct ct_otlp_res res;	/* its strings outlive the sender */
	size_t max_records;	/* 0: CT_OTLP_QUEUE_RECORDS */
	size_t max_bytes;	/* 0: CT_OTLP_QUEUE_BYTES */
};

struct ct_otlp_push;

/* The sender and its thread: 0, or -errno with a message in err. */
int ct_otlp_push_new(struct ct_otlp_push **p,
		     const struct ct_otlp_push_opts *o, char *err,
		     size_t errlen);
/* Queue a record's trace, or count it dropped: never blocks on I/O. */
void ct_otlp_push_record(struct ct_otlp_push *p, const struct ct_otlp_rec *r);
/*
 * Send what is queued for within_ns at most, then stop the thread and
 * count what is left (CT_OTLP_DROP_SHUTDOWN).  Once; later records are
 * counted the same.
 */
void ct_otlp_push_flush(struct ct_otlp_push *p, uint64_t within_ns);
/* Stops at once what was not flushed, then frees; NULL is fine. */
void ct_otlp_push_free(struct ct_otlp_push *p);
void ct_otlp_push_stats(const struct ct_otlp_push *p, struct ct_otlp_stats *st);
const char *ct_otlp_push_url(const struct ct_otlp_push *p);

/* "queue_full", "retries_exhausted", "rejected", "shutdown" */
const char *ct_otlp_drop_name(enum ct_otlp_drop d);
/*
 * The wait before retry n (from 1) with jitter rnd: the backoff's
 * [0.75, 1.25] times, or retry_after_ns if longer (up to
 * CT_OTLP_RETRY_AFTER_MAX_NS); 0 after CT_OTLP_RETRIES: give up.
 */
uint64_t ct_otlp_backoff_ns(unsigned int n, uint64_t retry_after_ns,
			    uint32_t rnd);

/* The session's sink (sink.h): out->priv is the sender; its report
 * (output.h) is the summary's line (text), "otlp" object (JSON) and
 * /metrics' coldtrace_otlp_* families. */
extern const struct ct_sink ct_sink_otlp;

#endif /* __CT_OTLP_PUSH_H */
