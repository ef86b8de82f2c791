// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Bounded, poll-driven HTTP server for --listen: see httpd.h. */
#define _GNU_SOURCE	/* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>
#include "errmsg.h"
#include "httpd.h"

struct conn {
	int fd;			/* -1 when free */
	uint64_t start_ns;
	size_t in_len;
	char in[HTTPD_MAX_REQ];
	char *out;		/* response being written */
	size_t out_len, out_off;
};

/*
 * A connection refused with 503: answered and shut for writing at once,
 * then read until the client closes (or HTTPD_REFUSE_NS), since closing
 * a socket with unread data (its request) resets it, and the client may
 * lose the answer.
 */
struct refusal {
	int fd;			/* -1 when free */
	uint64_t start_ns;
};

struct httpd {
	int lfd;
	httpd_body_fn fn;
	void *ctx;
	struct conn c[HTTPD_MAX_CONN];
	struct refusal r[HTTPD_MAX_REFUSING];
	uint64_t served, refused, bad;
};

static int is_token(char ch)
{
	return ch > ' ' && ch < 127;
}

enum httpd_parse httpd_parse(const char *buf, size_t len, char *path,
			     size_t pathsz, int *head)
{
	const char *end = NULL, *p, *sp1, *sp2, *eol;
	size_t i, plen;

	for (i = 0; i + 3 < len; i++)
		if (!memcmp(buf + i, "\r\n\r\n", 4)) {
			end = buf + i;
			break;
		}
	if (!end) {
		/* a bare "\n\n" ends a head too (curl never sends it, nc may) */
		for (i = 0; i + 1 < len; i++)
			if (buf[i] == '\n' && buf[i + 1] == '\n') {
				end = buf + i;
				break;
			}
	}
	if (!end)
		return len >= HTTPD_MAX_REQ ? HTTPD_TOO_LARGE : HTTPD_INCOMPLETE;
	eol = memchr(buf, '\n', len);	/* found: end precedes a \n */
	if (!eol)
		return HTTPD_BAD;
	if (eol > buf && eol[-1] == '\r')
		eol--;
	sp1 = memchr(buf, ' ', eol - buf);
	if (!sp1 || sp1 == buf)
		return HTTPD_BAD;
	sp2 = memchr(sp1 + 1, ' ', eol - sp1 - 1);
	if (!sp2 || sp2 == sp1 + 1 || sp1[1] != '/')
		return HTTPD_BAD;
	if (eol - sp2 - 1 < 8 || memcmp(sp2 + 1, "HTTP/1.", 7))
		return HTTPD_BAD;
	for (p = buf; p < eol; p++)
		if (p != sp1 && p != sp2 && !is_token(*p))
			return HTTPD_BAD;
	for (plen = 0; sp1 + 1 + plen < sp2 && sp1[1 + plen] != '?'; plen++)
		;
	if (plen + 1 > pathsz)
		return HTTPD_TOO_LARGE;
	if (sp1 - buf == 3 && !memcmp(buf, "GET", 3))
		*head = 0;
	else if (sp1 - buf == 4 && !memcmp(buf, "HEAD", 4))
		*head = 1;
	else
		return HTTPD_BAD_METHOD;
	memcpy(path, sp1 + 1, plen);
	path[plen] = '\0';
	return HTTPD_OK;
}

/* The port of ADDR:PORT: 1..65535, plain decimal. */
static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	long v;

	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 5)
		return -1;
	v = strtol(s, &end, 10);
	if (v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int httpd_parse_addr(const char *addr, struct sockaddr_in *sa, char *err,
		     size_t errlen)
{
	const char *colon = strrchr(addr, ':');
	char host[INET_ADDRSTRLEN];
	uint16_t port;

	if (addr[0] == '[' || (colon && memchr(addr, ':', colon - addr)))
		return ct_fail(err, errlen, -EINVAL, "'%.64s': IPv6 is not "
			       "supported, give a numeric IPv4 ADDR:PORT "
			       "(such as 127.0.0.1:9466)", addr);
	if (!colon)
		return ct_fail(err, errlen, -EINVAL, "'%.64s' is not ADDR:PORT "
			       "(such as 127.0.0.1:9466)", addr);
	if (parse_port(colon + 1, &port))
		return ct_fail(err, errlen, -EINVAL, "port '%.16s' is not a "
			       "number from 1 to 65535", colon + 1);
	/*
	 * Go's exporters take ":PORT" for every interface, coldtrace took it
	 * for loopback: either reading surprises someone, with a scrape
	 * that never connects or containers' names served to the network.
	 * Refused, with the two ways to say it.
	 */
	if (colon == addr)
		return ct_fail(err, errlen, -EINVAL, "':%u' names no address: "
			       "give 127.0.0.1:%u for loopback only or "
			       "0.0.0.0:%u for every interface", port, port,
			       port);
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	if ((size_t)(colon - addr) >= sizeof(host))
		goto bad_host;
	memcpy(host, addr, colon - addr);
	host[colon - addr] = '\0';
	if (inet_pton(AF_INET, host, &sa->sin_addr) == 1)
		return 0;
bad_host:
	return ct_fail(err, errlen, -EINVAL, "'%.*s' is not a numeric IPv4 "
		       "address (host names are not looked up)",
		       (int)(colon - addr < 64 ? colon - addr : 64), addr);
}

void httpd_where(const char *addr, char *buf, size_t len)
{
	char host[INET_ADDRSTRLEN], err[8];
	struct sockaddr_in sa;
	unsigned int port;
	uint32_t a;
	int n;

	if (httpd_parse_addr(addr, &sa, err, sizeof(err)) ||
	    !inet_ntop(AF_INET, &sa.sin_addr, host, sizeof(host))) {
		snprintf(buf, len, "%s", addr);
		return;
	}
	a = ntohl(sa.sin_addr.s_addr);
	port = ntohs(sa.sin_port);
	n = snprintf(buf, len, "http://%s:%u", host, port);
	if (n < 0 || (size_t)n >= len)
		return;
	if (a >> 24 == 127)
		snprintf(buf + n, len - n, " (loopback only; --listen="
			 "0.0.0.0:%u serves every interface)", port);
	else if (a == INADDR_ANY)
		snprintf(buf + n, len - n, " (every interface)");
}

int httpd_open(struct httpd **out, const char *addr, httpd_body_fn fn,
	       void *ctx)
{
	struct sockaddr_in sa;
	struct httpd *h;
	char msg[160];
	int one = 1, err, i;

	err = httpd_parse_addr(addr, &sa, msg, sizeof(msg));
	if (err)
		return err;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (i = 0; i < HTTPD_MAX_CONN; i++)
		h->c[i].fd = -1;
	for (i = 0; i < HTTPD_MAX_REFUSING; i++)
		h->r[i].fd = -1;
	h->fn = fn;
	h->ctx = ctx;
	h->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->lfd < 0)
		goto fail;
	setsockopt(h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(h->lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(h->lfd, 64))
		goto fail;
	*out = h;
	return 0;
fail:
	err = -errno;
	if (h->lfd >= 0)
		close(h->lfd);
	free(h);
	return err;
}

int httpd_fd(const struct httpd *h)
{
	return h->lfd;
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	free(c->out);
	c->fd = -1;
	c->out = NULL;
	c->in_len = c->out_len = c->out_off = 0;
}

static void conn_reply(struct conn *c, int code, const char *reason,
		       const char *ctype, const char *body, size_t blen,
		       int head, const char *more)
{
	char hdr[320];
	int n;

	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.0 %d %s\r\nContent-Type: %s\r\n%s"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		     code, reason, ctype, more, blen);
	if (head)
		blen = 0;
	c->out = malloc(n + blen);
	if (!c->out) {
		c->out_len = 0;
		return;
	}
	memcpy(c->out, hdr, n);
	if (blen)
		memcpy(c->out + n, body, blen);
	c->out_len = n + blen;
	c->out_off = 0;
}

static void conn_error(struct httpd *h, struct conn *c, int code,
		       const char *reason)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%d %s\n", code, reason);

	h->bad++;
	conn_reply(c, code, reason, "text/plain; charset=utf-8", body, n, 0,
		   "");
}

const char *httpd_header(const char *buf, size_t len, const char *name,
			 size_t *vlen)
{
	size_t nlen = strlen(name);
	const char *p = memchr(buf, '\n', len), *end = buf + len, *eol;

	while (p && ++p < end && *p != '\r' && *p != '\n') {
		eol = memchr(p, '\n', end - p);
		if (!eol)
			return NULL;
		if ((size_t)(eol - p) > nlen && !strncasecmp(p, name, nlen)) {
			p += nlen;
			while (p < eol && (*p == ' ' || *p == '\t'))
				p++;
			*vlen = eol - p - (eol[-1] == '\r');
			return p;
		}
		p = eol;
	}
	return NULL;
}

bool httpd_wants_gzip(const char *buf, size_t len)
{
	size_t vlen, i;
	const char *v = httpd_header(buf, len, "accept-encoding:", &vlen), *q;
	char val[128];

	if (!v || vlen >= sizeof(val))
		return false;
	for (i = 0; i < vlen; i++)
		val[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
	val[vlen] = '\0';
	v = strstr(val, "gzip");
	if (!v)
		return false;
	/* "gzip;q=0" (or 0.0...) refuses it */
	q = v + 4 + strspn(v + 4, " \t");
	if (*q != ';')
		return true;
	q += 1 + strspn(q + 1, " \t");
	return strncmp(q, "q=", 2) || strtod(q + 2, NULL) > 0;
}

/*
 * A Prometheus scrape asks for gzip: the text compresses ~30 times
 * (550 KB to 17.6 KB measured).
 */
bool httpd_gzip(const char *b, size_t blen, char **out, size_t *olen)
{
	z_stream z;
	uLong cap;
	int rc = Z_STREAM_ERROR;

	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip wrapper, as Content-Encoding: gzip means */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return false;
	cap = deflateBound(&z, blen);
	*out = malloc(cap);
	if (*out) {
		z.next_in = (Bytef *)b;
		z.avail_in = blen;
		z.next_out = (Bytef *)*out;
		z.avail_out = cap;
		rc = deflate(&z, Z_FINISH);
		*olen = z.total_out;
	}
	deflateEnd(&z);
	if (*out && rc == Z_STREAM_END)
		return true;
	free(*out);
	*out = NULL;
	return false;
}

static void conn_request(struct httpd *h, struct conn *c)
{
	enum httpd_parse r;
	const char *ctype = "text/plain; charset=utf-8";
	char path[256], *body = NULL, *gz;
	size_t blen = 0, gzlen;
	int head = 0;

	r = httpd_parse(c->in, c->in_len, path, sizeof(path), &head);
	switch (r) {
	case HTTPD_INCOMPLETE:
		return;
	case HTTPD_TOO_LARGE:
		h->refused++;
		conn_error(h, c, 431, "Request Header Fields Too Large");
		return;
	case HTTPD_BAD_METHOD:
		conn_error(h, c, 405, "Method Not Allowed");
		return;
	case HTTPD_BAD:
		conn_error(h, c, 400, "Bad Request");
		return;
	case HTTPD_OK:
		break;
	}
	if (h->fn(path, &body, &blen, &ctype, h->ctx)) {
		free(body);
		conn_error(h, c, 404, "Not Found");
		return;
	}
	h->served++;
	if (blen >= HTTPD_GZIP_MIN && httpd_wants_gzip(c->in, c->in_len) &&
	    httpd_gzip(body, blen, &gz, &gzlen)) {
		conn_reply(c, 200, "OK", ctype, gz, gzlen, head,
			   "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n");
		free(gz);
	} else {
		conn_reply(c, 200, "OK", ctype, body, blen, head,
			   "Vary: Accept-Encoding\r\n");
	}
	free(body);
}

/* Reads what the client sent; true once it is done (closed, an error). */
static bool drained(int fd)
{
	char buf[512];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		;
	return n == 0 || (errno != EAGAIN && errno != EINTR);
}

static void refusal_step(struct refusal *r, uint64_t now_ns)
{
	if (drained(r->fd) || now_ns - r->start_ns > HTTPD_REFUSE_NS) {
		close(r->fd);
		r->fd = -1;
	}
}

/*
 * Every slot taken: 503 rather than a queue without bound.  The socket
 * is kept, bounded too, until the client has read it; with those full
 * as well, what it sent so far is read before the close.
 */
static void refuse(struct httpd *h, int fd, uint64_t now_ns)
{
	static const char busy[] =
		"HTTP/1.0 503 Service Unavailable\r\n"
		"Connection: close\r\nContent-Length: 0\r\n\r\n";
	int i;

	h->refused++;
	(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL);
	shutdown(fd, SHUT_WR);
	for (i = 0; i < HTTPD_MAX_REFUSING && h->r[i].fd >= 0; i++)
		;
	if (i == HTTPD_MAX_REFUSING) {
		drained(fd);
		close(fd);
		return;
	}
	h->r[i].fd = fd;
	h->r[i].start_ns = now_ns;
	refusal_step(&h->r[i], now_ns);
}

static void accept_all(struct httpd *h, uint64_t now_ns)
{
	int fd, i;

	while ((fd = accept4(h->lfd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < HTTPD_MAX_CONN && h->c[i].fd >= 0; i++)
			;
		if (i == HTTPD_MAX_CONN) {
			refuse(h, fd, now_ns);
			continue;
		}
		h->c[i].fd = fd;
		h->c[i].start_ns = now_ns;
	}
}

static void conn_step(struct httpd *h, struct conn *c, uint64_t now_ns)
{
	ssize_t n;

	if (now_ns - c->start_ns > HTTPD_TIMEOUT_NS) {
		conn_close(c);
		return;
	}
	if (!c->out) {
		n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len,
			 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(c);
			return;
		}
		if (n > 0) {
			c->in_len += n;
			conn_request(h, c);
		}
		if (!c->out)
			return;
	}
	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				conn_close(c);
			return;
		}
		c->out_off += n;
	}
	conn_close(c);
}

void httpd_poll(struct httpd *h, uint64_t now_ns)
{
	int i;

	for (i = 0; i < HTTPD_MAX_REFUSING; i++)
		if (h->r[i].fd >= 0)
			refusal_step(&h->r[i], now_ns);
	accept_all(h, now_ns);
	for (i = 0; i < HTTPD_MAX_CONN; i++)
		if (h->c[i].fd >= 0)
			conn_step(h, &h->c[i], now_ns);
}

void httpd_close(struct httpd *h)
{
	int i;

	if (!h)
		return;
	for (i = 0; i < HTTPD_MAX_CONN; i++)
		if (h->c[i].fd >= 0)
			conn_close(&h->c[i]);
	for (i = 0; i < HTTPD_MAX_REFUSING; i++)
		if (h->r[i].fd >= 0)
			close(h->r[i].fd);
	close(h->lfd);
	free(h);
}

void httpd_stats(const struct httpd *h, uint64_t *served, uint64_t *refused,
		 uint64_t *bad)
{
	*served = h->served;
	*refused = h->refused;
	*bad = h->bad;
}
