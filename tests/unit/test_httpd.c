// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --listen's HTTP request parsing and its bounded, non-blocking server. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "../../user/sinks/httpd.h"

static enum httpd_parse parse(const char *s, char *path, int *head)
{
	return httpd_parse(s, strlen(s), path, 64, head);
}

Test(httpd, get_and_head_with_query_stripped)
{
	char path[64];
	int head = -1;

	cr_assert_eq(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", path,
			   &head), HTTPD_OK);
	cr_assert_str_eq(path, "/metrics");
	cr_assert_eq(head, 0);
	cr_assert_eq(parse("HEAD /healthz?x=1 HTTP/1.0\r\n\r\n", path, &head),
		     HTTPD_OK);
	cr_assert_str_eq(path, "/healthz");
	cr_assert_eq(head, 1);
}

Test(httpd, incomplete_bad_and_methods)
{
	char path[64];
	int head;

	cr_assert_eq(parse("GET /metrics HTTP/1.1\r\n", path, &head),
		     HTTPD_INCOMPLETE);
	cr_assert_eq(parse("GET metrics HTTP/1.1\r\n\r\n", path, &head),
		     HTTPD_BAD);
	cr_assert_eq(parse("GET /m\x01 HTTP/1.1\r\n\r\n", path, &head),
		     HTTPD_BAD);
	cr_assert_eq(parse("GET /metrics\r\n\r\n", path, &head), HTTPD_BAD);
	cr_assert_eq(parse("GET /metrics FTP/1.0\r\n\r\n", path, &head),
		     HTTPD_BAD);
	cr_assert_eq(parse("\r\n\r\n", path, &head), HTTPD_BAD);
	cr_assert_eq(parse("POST /metrics HTTP/1.1\r\n\r\n", path, &head),
		     HTTPD_BAD_METHOD);
}

Test(httpd, oversized_request_refused)
{
	char *big = malloc(HTTPD_MAX_REQ + 1), path[8];
	int head;

	memset(big, 'a', HTTPD_MAX_REQ);
	memcpy(big, "GET /", 5);
	cr_assert_eq(httpd_parse(big, HTTPD_MAX_REQ, path, sizeof(path),
				 &head), HTTPD_TOO_LARGE);
	/* a path longer than the caller's buffer is refused, not cut */
	cr_assert_eq(httpd_parse("GET /012345 HTTP/1.0\r\n\r\n", 25, path,
				 sizeof(path), &head), HTTPD_OK);
	cr_assert_eq(httpd_parse("GET /0123456789 HTTP/1.0\r\n\r\n", 29, path,
				 sizeof(path), &head), HTTPD_TOO_LARGE);
	free(big);
}

/* Loopback only is said, with the way to every interface. */
Test(httpd, where_it_serves_in_words)
{
	char w[128];

	httpd_where("127.0.0.1:9466", w, sizeof(w));
	cr_expect_str_eq(w, "http://127.0.0.1:9466 (loopback only; "
			 "--listen=0.0.0.0:9466 serves every interface)");
	httpd_where("0.0.0.0:80", w, sizeof(w));
	cr_expect_str_eq(w, "http://0.0.0.0:80 (every interface)");
	httpd_where("10.1.2.3:9466", w, sizeof(w));
	cr_expect_str_eq(w, "http://10.1.2.3:9466");
	httpd_where("127.0.0.1:9466", w, 12);
	cr_expect_str_eq(w, "http://127.");
}

Test(httpd, bad_listen_addresses)
{
	struct httpd *h;

	cr_assert_lt(httpd_open(&h, "127.0.0.1", NULL, NULL), 0);
	cr_assert_lt(httpd_open(&h, "127.0.0.1:0", NULL, NULL), 0);
	cr_assert_lt(httpd_open(&h, "127.0.0.1:70000", NULL, NULL), 0);
	cr_assert_lt(httpd_open(&h, "nohost:80", NULL, NULL), 0);
	cr_assert_eq(httpd_open(&h, ":9466", NULL, NULL), -EINVAL,
		     "a bare :PORT is every interface to Go, refused here");
}

static int body(const char *path, char **b, size_t *len, const char **ct,
		void *ctx)
{
	(void)ct;
	(void)ctx;
	if (strcmp(path, "/healthz"))
		return -1;
	*b = strdup("ok\n");
	*len = 3;
	return 0;
}

static uint64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* One request over loopback, the server polled between non-blocking steps. */
static void roundtrip(struct httpd *h, int port, const char *req, char *resp,
		      size_t sz)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), i;
	ssize_t n;
	size_t got = 0;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	for (i = 0; i < 200; i++) {
		httpd_poll(h, now());
		n = recv(fd, resp + got, sz - 1 - got, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			got += n;
		usleep(1000);
	}
	resp[got] = '\0';
	close(fd);
}

Test(httpd, serves_200_404_400_over_loopback)
{
	struct httpd *h = NULL;
	char resp[512];
	int port;

	/* first free port in a fixed range */
	for (port = 39100; port < 39200; port++) {
		char a[32];

		snprintf(a, sizeof(a), "127.0.0.1:%d", port);
		if (!httpd_open(&h, a, body, NULL))
			break;
	}
	cr_assert_lt(port, 39200);
	roundtrip(h, port, "GET /healthz HTTP/1.0\r\n\r\n", resp, sizeof(resp));
	cr_assert(strstr(resp, "HTTP/1.0 200 OK"), "%s", resp);
	cr_assert(strstr(resp, "\r\n\r\nok\n"), "%s", resp);
	roundtrip(h, port, "GET /nope HTTP/1.0\r\n\r\n", resp, sizeof(resp));
	cr_assert(strstr(resp, "HTTP/1.0 404"), "%s", resp);
	roundtrip(h, port, "BLAH\r\n\r\n", resp, sizeof(resp));
	cr_assert(strstr(resp, "HTTP/1.0 400"), "%s", resp);
	httpd_close(h);
}

/* Accept-Encoding as Prometheus, curl --compressed and browsers send it. */
Test(httpd, gzip_asked_for)
{
#define WANTS(s) httpd_wants_gzip(s, strlen(s))
	cr_expect(WANTS("GET /m HTTP/1.1\r\nAccept-Encoding: gzip\r\n\r\n"));
	cr_expect(WANTS("GET /m HTTP/1.1\r\nHost: x\r\naccept-encoding: "
			"deflate, GZIP;q=0.5\r\n\r\n"));
	cr_expect(WANTS("GET /m HTTP/1.0\nAccept-Encoding:gzip\n\n"));
	cr_expect_not(WANTS("GET /m HTTP/1.1\r\n\r\n"));
	cr_expect_not(WANTS("GET /m HTTP/1.1\r\nAccept-Encoding: br\r\n\r\n"));
	cr_expect_not(WANTS("GET /m HTTP/1.1\r\nAccept-Encoding: gzip;q=0\r\n\r\n"));
	cr_expect_not(WANTS("GET /m HTTP/1.1\r\nAccept-Encoding: gzip ; "
			    "q=0.0\r\n\r\n"));
	cr_expect_not(WANTS("GET /m HTTP/1.1\r\nX-Accept-Encoding: gzip\r\n\r\n"));
	cr_expect_not(WANTS("GET /m HTTP/1.1\r\n\r\nAccept-Encoding: gzip\r\n"),
		      "a body is no header");
#undef WANTS
}

/* A big body (as /metrics is), 20,000 lines of text. */
static int big_body(const char *path, char **b, size_t *len, const char **ct,
		    void *ctx)
{
	size_t cap = 20000 * 48, n = 0;

	(void)ct;
	(void)ctx;
	if (strcmp(path, "/metrics"))
		return -1;
	*b = malloc(cap);
	for (int i = 0; i < 20000; i++)
		n += snprintf(*b + n, cap - n, "coldtrace_x_bucket{le=\"%d\"} %d\n",
			      i, i * 7);
	*len = n;
	return 0;
}

/* One request over loopback; the whole answer in *resp (malloc'd). */
static size_t fetch(struct httpd *h, int port, const char *req, char **resp)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), i;
	size_t got = 0, cap = 4 << 20;
	ssize_t n;

	*resp = malloc(cap);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	for (i = 0; i < 2000; i++) {
		httpd_poll(h, now());
		n = recv(fd, *resp + got, cap - 1 - got, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			got += n;
		else
			usleep(500);
	}
	close(fd);
	(*resp)[got] = '\0';
	return got;
}

/* gzip for a client that asks, the same bytes once inflated; plain else. */
Test(httpd, gzip_when_asked_same_body)
{
	struct httpd *h = NULL;
	char *plain, *gz, *body, *out;
	size_t np, ng, blen, olen = 4 << 20;
	int port;

	for (port = 39400; port < 39500; port++) {
		char a[32];

		snprintf(a, sizeof(a), "127.0.0.1:%d", port);
		if (!httpd_open(&h, a, big_body, NULL))
			break;
	}
	cr_assert_lt(port, 39500);
	np = fetch(h, port, "GET /metrics HTTP/1.0\r\n\r\n", &plain);
	ng = fetch(h, port, "GET /metrics HTTP/1.1\r\nAccept-Encoding: "
		   "gzip\r\n\r\n", &gz);
	httpd_close(h);
	cr_assert_not_null(strstr(plain, "\r\n\r\n"));
	cr_expect_null(strstr(plain, "Content-Encoding"), "plain unless asked");
	body = strstr(gz, "\r\n\r\n");
	cr_assert_not_null(body);
	cr_assert_not_null(strstr(gz, "Content-Encoding: gzip\r\n"));
	body += 4;
	blen = ng - (size_t)(body - gz);
	cr_expect_lt(blen * 4, np, "gzip %zu of %zu bytes", blen, np);
	out = malloc(olen);
	{
		z_stream z = { 0 };

		cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
		z.next_in = (Bytef *)body;
		z.avail_in = blen;
		z.next_out = (Bytef *)out;
		z.avail_out = olen;
		cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
		olen = z.total_out;
		inflateEnd(&z);
	}
	body = strstr(plain, "\r\n\r\n") + 4;
	cr_expect_eq(olen, np - (size_t)(body - plain));
	cr_expect(!memcmp(out, body, olen), "inflated body differs");
	free(out);
	free(plain);
	free(gz);
}

static int open_on_free_port(struct httpd **h, int from)
{
	int port;

	for (port = from; port < from + 100; port++) {
		char a[32];

		snprintf(a, sizeof(a), "127.0.0.1:%d", port);
		if (!httpd_open(h, a, body, NULL))
			return port;
	}
	cr_assert_fail("no free port from %d", from);
	return -1;
}

static int connect_to(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/*
 * Every slot held by a client that sends nothing: the next ones, whose
 * request is already there when they are accepted, get the documented
 * 503, whole, not a TCP reset (closing a socket with unread data resets
 * it).
 */
Test(httpd, full_slots_answer_503_not_reset)
{
	static const char req[] = "GET /healthz HTTP/1.0\r\n\r\n";
	int idle[HTTPD_MAX_CONN], fd, port, i, k, got;
	struct httpd *h = NULL;
	char resp[256];
	ssize_t n;

	port = open_on_free_port(&h, 39200);
	for (i = 0; i < HTTPD_MAX_CONN; i++)
		idle[i] = connect_to(port);
	httpd_poll(h, now());
	for (k = 0; k < 5; k++) {
		fd = connect_to(port);
		cr_assert_eq(send(fd, req, sizeof(req) - 1, 0),
			     (ssize_t)sizeof(req) - 1);
		usleep(2000);	/* the request is in before the accept */
		got = 0;
		for (i = 0; i < 200; i++) {
			httpd_poll(h, now());
			n = recv(fd, resp + got, sizeof(resp) - 1 - got,
				 MSG_DONTWAIT);
			if (n == 0)
				break;
			cr_assert(n > 0 || errno == EAGAIN, "try %d: %s after "
				  "%d bytes", k, strerror(errno), got);
			if (n > 0)
				got += n;
			usleep(1000);
		}
		resp[got] = '\0';
		cr_assert(strstr(resp, "HTTP/1.0 503"), "try %d: '%s'", k, resp);
		close(fd);
	}
	for (i = 0; i < HTTPD_MAX_CONN; i++)
		close(idle[i]);
	httpd_close(h);
}
