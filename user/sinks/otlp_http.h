/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One OTLP/HTTP export (the OpenTelemetry protocol's HTTP binding): a
 * POST of a protobuf ExportTraceServiceRequest, and what the answer
 * means for it.  Used by --otlp's sending thread only (otlp_push.c),
 * never by the tracing loop: it blocks, but every wait is bounded by a
 * deadline and cut short by an abort file descriptor (the session's
 * end), the host name is resolved without blocking past them
 * (getaddrinfo_a), and a kept-alive connection that the collector closed
 * meanwhile is opened again once, as HTTP clients do.
 *
 * The answer's classes are OTLP/HTTP's: 2xx accepted (but for the spans
 * an ExportTracePartialSuccess says were rejected); 429, 502, 503, 504
 * and no answer at all (refused, reset, timed out) are retryable, with
 * the Retry-After the collector asked for; any other status is a
 * rejection, never retried.
 */
#ifndef __CT_OTLP_HTTP_H
#define __CT_OTLP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "otlp_url.h"

/* Bounds of one attempt: its connect (name included), all of it. */
#define CT_OTLP_CONNECT_NS	(3ull * 1000000000ull)
#define CT_OTLP_REQUEST_NS	(10ull * 1000000000ull)
/* What is read of an answer; a longer body is not read (and the
 * connection not kept). */
#define CT_OTLP_RESPONSE_MAX	(64 * 1024)

enum ct_otlp_result {
	CT_OTLP_ACCEPTED,
	CT_OTLP_RETRYABLE,
	CT_OTLP_REJECTED,
	CT_OTLP_ABORTED,	/* the abort fd was written */
};

struct ct_otlp_answer {
	int status;		/* 0: no answer */
	uint64_t retry_after_ns;	/* Retry-After, 0: none */
	uint64_t rejected;	/* partial_success.rejected_spans */
	char why[128];		/* one line, for the summary, "" if 2xx */
};

/* A connection kept between exports, and where its answers are read. */
struct ct_otlp_reading;
struct ct_otlp_conn {
	int fd;			/* -1: none */
	struct ct_otlp_reading *rd;
};

/* 0 or -ENOMEM; ct_otlp_conn_free() either way. */
int ct_otlp_conn_init(struct ct_otlp_conn *c);
void ct_otlp_conn_free(struct ct_otlp_conn *c);

/*
 * POST body (len bytes) to u, waiting until until_ns (CLOCK_MONOTONIC)
 * at most, or until abort_fd is readable.
 */
enum ct_otlp_result ct_otlp_post(struct ct_otlp_conn *c,
				 const struct ct_otlp_url *u,
				 const void *body, size_t len,
				 uint64_t until_ns, int abort_fd,
				 struct ct_otlp_answer *a);

/* ---- the parts without I/O, for the unit tests ---- */

struct ct_otlp_head {
	int status;
	bool chunked;		/* Transfer-Encoding: chunked */
	bool close;		/* Connection: close, or HTTP/1.0 */
	int64_t length;		/* Content-Length, -1: none */
	bool protobuf;		/* Content-Type: application/x-protobuf */
	char retry_after[64];	/* its value, "" if none */
	char reason[48];	/* the status line's reason phrase */
};

/*
 * A response's head in buf[0..n): its length through the empty line,
 * 0 while incomplete, -1 if it is not HTTP/1.x.
 */
int ct_otlp_http_head(const char *buf, size_t n, struct ct_otlp_head *h);
/*
 * A chunked body in buf[0..n), decoded in place: 1 and its length in
 * *len once the last chunk is in, 0 while incomplete, -1 if malformed.
 */
int ct_otlp_http_dechunk(char *buf, size_t n, size_t *len);
/* Retry-After (delta-seconds or an HTTP-date, against now): false if
 * neither. */
bool ct_otlp_retry_after(const char *v, time_t now, uint64_t *ns);
/* ExportTraceServiceResponse's partial_success.rejected_spans, 0 if
 * none; false if the bytes are not such a message. */
bool ct_otlp_rejected_spans(const uint8_t *p, size_t n, uint64_t *out);

#endif /* __CT_OTLP_HTTP_H */
