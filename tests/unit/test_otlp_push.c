// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --otlp's sender (otlp_push.c, otlp_http.c): the answers it reads
 * (heads, chunks, Retry-After, partial success) against bytes written
 * by hand from RFC 9110/9112 and the OTLP .proto; the backoff; every
 * span counted once against a port that refuses, a collector that
 * never answers, and a session replayed in continuous mode against a
 * loopback responder of this test's.  tests/integration/otlp.sh checks
 * the spans themselves against OpenTelemetry's own decoder.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "otlp_http.h"
#include "otlp_push.h"
#include "session.h"
#include "tfixture.h"
#include "tjson.h"
#include "util.h"

#define NS	1000000000ull

/* ---- answers ---- */

Test(otlp_http, heads)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\n"
		"Content-Type: application/x-protobuf\r\n"
		"Content-Length: 5\r\n\r\nhello";
	static const char busy[] = "HTTP/1.0 503 Service Unavailable\r\n"
		"retry-after:  7\r\n\r\n";
	static const char none[] = "HTTP/1.1 204\r\n"
		"Connection: keep-alive, Close\r\n"
		"Transfer-Encoding: gzip, chunked\r\n\r\n";
	static const char *const bad[] = {
		"SSH-2.0-OpenSSH_9.2\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/2 200\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
	};
	struct ct_otlp_head h;

	cr_assert_eq(ct_otlp_http_head(ok, sizeof(ok) - 1, &h),
		     (int)sizeof(ok) - 1 - 5);
	cr_expect_eq(h.status, 200);
	cr_expect_eq(h.length, 5);
	cr_expect(h.protobuf);
	cr_expect_not(h.close);
	cr_expect_not(h.chunked);
	cr_expect_str_eq(h.reason, "OK");
	cr_expect_eq(ct_otlp_http_head(ok, 30, &h), 0, "incomplete");
	cr_assert_gt(ct_otlp_http_head(busy, sizeof(busy) - 1, &h), 0);
	cr_expect_eq(h.status, 503);
	cr_expect(h.close, "HTTP/1.0 closes");
	cr_expect_str_eq(h.retry_after, "7");
	cr_expect_str_eq(h.reason, "Service Unavailable");
	cr_assert_eq(ct_otlp_http_head(none, sizeof(none) - 1, &h),
		     (int)sizeof(none) - 1);
	cr_expect_eq(h.status, 204);
	cr_expect(h.close);
	cr_expect(h.chunked);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(ct_otlp_http_head(bad[i], strlen(bad[i]), &h), -1,
			     "%s", bad[i]);
}

Test(otlp_http, chunks)
{
	char b[] = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: y\r\n\r\n";
	char c[] = "5\r\nhello\r\n6\r\n wor";
	char d[] = "zz\r\nhello\r\n";
	size_t n = 0;

	cr_expect_eq(ct_otlp_http_dechunk(c, sizeof(c) - 1, &n), 0);
	cr_assert_eq(ct_otlp_http_dechunk(b, sizeof(b) - 1, &n), 1);
	cr_expect_eq(n, 11);
	cr_expect_eq(memcmp(b, "hello world", 11), 0);
	cr_expect_eq(ct_otlp_http_dechunk(d, sizeof(d) - 1, &n), -1);
}

Test(otlp_http, retry_after)
{
	/* RFC 9110's example date, 2015-10-21T07:28:00Z */
	time_t t = 1445412480;
	uint64_t ns;

	cr_assert(ct_otlp_retry_after("120", 0, &ns));
	cr_expect_eq(ns, 120 * NS);
	cr_assert(ct_otlp_retry_after("Wed, 21 Oct 2015 07:28:00 GMT",
				      t - 30, &ns));
	cr_expect_eq(ns, 30 * NS);
	cr_assert(ct_otlp_retry_after("Wed, 21 Oct 2015 07:28:00 GMT",
				      t + 5, &ns));
	cr_expect_eq(ns, 0, "a date past: now");
	cr_assert(ct_otlp_retry_after("99999999999", 0, &ns));
	cr_expect_eq(ns, 86400 * NS, "a day at most");
	cr_expect_not(ct_otlp_retry_after("soon", 0, &ns));
	cr_expect_not(ct_otlp_retry_after("-5", 0, &ns));
}

/*
 * ExportTraceServiceResponse { partial_success (1) { rejected_spans (1):
 * 3, error_message (2): "x" } }, and an unknown field (15, fixed64)
 * before it, which a reader must skip.
 */
Test(otlp_http, partial_success)
{
	static const uint8_t resp[] = {
		0x79, 1, 2, 3, 4, 5, 6, 7, 8,
		0x0a, 0x05, 0x08, 0x03, 0x12, 0x01, 'x',
	};
	static const uint8_t cut[] = { 0x0a, 0x05, 0x08, 0x03 };
	uint64_t n = 99;

	cr_assert(ct_otlp_rejected_spans(resp, sizeof(resp), &n));
	cr_expect_eq(n, 3);
	cr_assert(ct_otlp_rejected_spans(resp, 0, &n));
	cr_expect_eq(n, 0, "an empty response: all taken");
	cr_expect_not(ct_otlp_rejected_spans(cut, sizeof(cut), &n));
}

/* [0.75, 1.25] of 0.5 s doubling to 8 s; Retry-After if longer. */
Test(otlp_push, backoff)
{
	uint64_t base = CT_OTLP_BACKOFF_NS;

	cr_expect_eq(ct_otlp_backoff_ns(1, 0, 0), base * 3 / 4);
	cr_expect_eq(ct_otlp_backoff_ns(1, 0, UINT32_MAX) <= base * 5 / 4,
		     true);
	cr_expect_eq(ct_otlp_backoff_ns(2, 0, 0), 2 * base * 3 / 4);
	cr_expect_eq(ct_otlp_backoff_ns(5, 0, 0), 8 * NS * 3 / 4);
	cr_expect_eq(ct_otlp_backoff_ns(CT_OTLP_RETRIES + 1, 0, 0), 0,
		     "given up");
	cr_expect_eq(ct_otlp_backoff_ns(1, 2 * NS, 0), 2 * NS);
	cr_expect_eq(ct_otlp_backoff_ns(1, 600 * NS, 0),
		     CT_OTLP_RETRY_AFTER_MAX_NS);
	for (uint32_t r = 0; r < 1000; r += 7) {
		uint64_t w = ct_otlp_backoff_ns(3, 0, r * 4099);

		cr_assert(w >= 4 * base * 3 / 4 && w <= 4 * base * 5 / 4);
	}
}

/* ---- every span counted once ---- */

/* A loopback port: listening (backlog only, never accepted) or not. */
static int loopback(bool listening, int *fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);

	*fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(*fd, 0);
	cr_assert_eq(bind(*fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(*fd, (struct sockaddr *)&a, &al), 0);
	if (listening)
		cr_assert_eq(listen(*fd, 16), 0);
	else
		close(*fd);
	return ntohs(a.sin_port);
}

static const struct ct_otlp_res res = { .version = "0.1.0",
					.kernel = "6.18.0" };

static uint64_t total(const struct ct_otlp_stats *st)
{
	uint64_t n = st->sent + st->queued;

	for (int d = 0; d < CT_OTLP_DROPS; d++)
		n += st->dropped[d];
	return n;
}

/*
 * A sender to a loopback port (see loopback()) with a queue of max
 * records (0: the default), given n containers of 9 spans each (8
 * phases ended and the root), then flushed for within_ns: its counts.
 */
static void push_n(bool listening, size_t max, int n, uint64_t within_ns,
		   struct ct_otlp_push **p, struct ct_otlp_stats *st, int *fd)
{
	struct ct_container c;
	char url[64], err[256];
	uint64_t t0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/traces",
		 loopback(listening, fd));
	cr_assert_eq(ct_otlp_push_new(p, &(struct ct_otlp_push_opts){
		.url = url, .res = res, .max_records = max }, err,
		sizeof(err)), 0, "%s", err);
	for (int i = 0; i < n; i++) {
		tf_container(&c, "cccc", "", CT_RT_RUNC, (1000 + i) * MS, 5);
		ct_otlp_push_record(*p, &(struct ct_otlp_rec){ .c = &c });
	}
	t0 = ct_mono_ns();
	ct_otlp_push_flush(*p, within_ns);
	cr_expect_leq(ct_mono_ns() - t0, within_ns + NS / 2, "bounded");
	ct_otlp_push_stats(*p, st);
}

/* Refused: retried, then given up when the flush would end first. */
Test(otlp_push, refused_all_counted)
{
	struct ct_otlp_push *p;
	struct ct_otlp_stats st;
	int fd;

	push_n(false, 0, 3, 2 * NS, &p, &st, &fd);
	cr_expect_eq(total(&st), 3 * 9);
	cr_expect_eq(st.sent, 0);
	cr_expect_eq(st.queued, 0);
	cr_expect_eq(st.dropped[CT_OTLP_DROP_RETRIES] +
		     st.dropped[CT_OTLP_DROP_SHUTDOWN], 3 * 9);
	cr_expect_gt(st.retries, 0);
	cr_expect(strstr(st.last_error, "refused"), "%s", st.last_error);
	ct_otlp_push_free(p);
}

/* No answer ever, a queue of one: full, then the rest at the end. */
Test(otlp_push, silent_collector_queue_full)
{
	struct ct_otlp_push *p;
	struct ct_otlp_stats st;
	struct ct_container c;
	int fd;

	push_n(true, 1, 5, NS / 5, &p, &st, &fd);
	cr_expect_eq(total(&st), 5 * 9);
	cr_expect_eq(st.sent, 0);
	/* at most one in flight and one queued */
	cr_expect_geq(st.dropped[CT_OTLP_DROP_QUEUE_FULL], 3 * 9);
	cr_expect_eq(st.dropped[CT_OTLP_DROP_QUEUE_FULL] +
		     st.dropped[CT_OTLP_DROP_SHUTDOWN], 5 * 9);
	/* after the end: counted too */
	tf_container(&c, "dddd", "", CT_RT_RUNC, 1000 * MS, 5);
	ct_otlp_push_record(p, &(struct ct_otlp_rec){ .c = &c });
	ct_otlp_push_stats(p, &st);
	cr_expect_eq(total(&st), 6 * 9);
	ct_otlp_push_free(p);
	close(fd);
}

/* ---- a replay in continuous mode, to a responder of this test's ---- */

struct responder {
	int lfd;
	uint64_t requests;
	uint64_t bytes;
	pthread_t t;
};

/* One connection: each request's body read, 200 answered, until EOF. */
static void serve(struct responder *r, int fd)
{
	static char buf[1 << 20];
	size_t n = 0;
	ssize_t k;

	for (;;) {
		char *end = memmem(buf, n, "\r\n\r\n", 4), *cl;
		size_t want;

		if (end) {
			cl = strcasestr(buf, "content-length:");
			cr_assert(cl && cl < end);
			want = end + 4 - buf + strtoul(cl + 15, NULL, 10);
			if (n >= want) {
				__atomic_add_fetch(&r->requests, 1,
						   __ATOMIC_SEQ_CST);
				__atomic_add_fetch(&r->bytes, want - (end + 4 -
						   buf), __ATOMIC_SEQ_CST);
				memmove(buf, buf + want, n - want);
				n -= want;
				k = write(fd, "HTTP/1.1 200 OK\r\n"
					  "Content-Length: 0\r\n\r\n", 38);
				cr_assert_eq(k, 38);
				continue;
			}
		}
		cr_assert_lt(n, sizeof(buf));
		k = read(fd, buf + n, sizeof(buf) - n);
		if (k <= 0)
			break;
		n += k;
	}
	close(fd);
}

static void *respond(void *arg)
{
	struct responder *r = arg;
	int fd;

	while ((fd = accept(r->lfd, NULL, NULL)) >= 0)
		serve(r, fd);
	return NULL;
}

/* The session's --otlp sender: its row's sink state. */
static const struct ct_otlp_push *sender_of(const struct ct_session *s)
{
	for (size_t i = 0; i < s->nsinks; i++)
		if (s->sinks[i].sink == &ct_sink_otlp)
			return s->sinks[i].out.priv;
	cr_assert_fail("no --otlp sink");
	return NULL;
}

/*
 * Continuous mode pushes every record as one-shot does: the spans sent
 * are those of the one-shot replay's otlp-traces.jsonl (check.py and
 * test_otlp.c check that file against the records).
 */
Test(otlp_push, continuous_replay_pushes_every_record)
{
	char url[64], dir[] = "/tmp/ct-otlp-push-XXXXXX", path[96], *text;
	struct ct_cli cli = {
		.replay_path = "tests/fixtures/chain-cold.ctrec",
	};
	struct responder r = { 0 };
	struct ct_session s;
	struct ct_otlp_stats st;
	uint64_t spans = 0;
	size_t len;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", loopback(true,
								   &r.lfd));
	cr_assert_eq(pthread_create(&r.t, NULL, respond, &r), 0);
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_not_null(freopen("/dev/null", "w", stdout));
	cli.output_dir = dir;
	s = (struct ct_session){ .cli = &cli };
	cr_assert_eq(ct_session_replay(&s), 0);
	ct_session_free(&s);
	snprintf(path, sizeof(path), "%s/otlp-traces.jsonl", dir);
	text = tj_slurp(path, &len);
	cr_assert_not_null(text);
	for (char *q = text; (q = strstr(q, "\"spanId\"")); q++)
		spans++;
	free(text);
	cr_assert_gt(spans, 100);

	cli.output_dir = NULL;
	cli.otlp_url = url;
	s = (struct ct_session){ .cli = &cli, .continuous = true };
	cr_assert_eq(ct_session_replay(&s), 0);
	cr_expect(ct_agg_continuous(s.agg));
	ct_otlp_push_stats(sender_of(&s), &st);
	cr_expect_eq(st.sent, spans);
	cr_expect_eq(total(&st), spans);
	cr_expect_eq(st.requests,
		     __atomic_load_n(&r.requests, __ATOMIC_SEQ_CST));
	cr_expect_geq(st.requests, 1);
	ct_session_free(&s);
	shutdown(r.lfd, SHUT_RDWR);
	close(r.lfd);
	pthread_join(r.t, NULL);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	cr_expect_eq(system(path), 0);
}
