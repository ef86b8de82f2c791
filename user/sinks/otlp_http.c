// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* One OTLP/HTTP export: see otlp_http.h. */
#define _GNU_SOURCE	/* getaddrinfo_a, timegm */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "httpd.h"	/* httpd_header() */
#include "otlp_http.h"
#include "pb.h"		/* CT_PB_* */
#include "util.h"
#include "version.h"

#define NS		1000000000ull
/* A Retry-After beyond a day is taken for a day: a date far off. */
#define RETRY_AFTER_MAX	(86400ull * NS)
/* Heads longer than this are not HTTP we take. */
#define HEAD_MAX	8192

/* ---- the answer, without I/O ---- */

/* "HTTP/1.x SSS[ reason]": the status, -1 if not such a line. */
static int status_line(const char *buf, size_t n, struct ct_otlp_head *h)
{
	const char *eol = memchr(buf, '\r', n), *r;
	int st;

	if (!eol || eol - buf < 12 || strncmp(buf, "HTTP/1.", 7) ||
	    (buf[7] != '0' && buf[7] != '1') || buf[8] != ' ')
		return -1;
	for (int i = 9; i < 12; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
	st = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	if (st < 100 || (eol - buf > 12 && buf[12] != ' '))
		return -1;
	r = eol - buf > 13 ? buf + 13 : eol;
	snprintf(h->reason, sizeof(h->reason), "%.*s", (int)(eol - r), r);
	h->close = buf[7] == '0';
	return st;
}

/* Whether the header's value holds token (a comma-separated list). */
static bool has_token(const char *buf, size_t n, const char *name,
		      const char *token)
{
	size_t vlen, tl = strlen(token);
	const char *v = httpd_header(buf, n, name, &vlen);

	for (size_t i = 0; v && i + tl <= vlen; i++)
		if (!strncasecmp(v + i, token, tl) &&
		    (i == 0 || strchr(" ,\t", v[i - 1])) &&
		    (i + tl == vlen || strchr(" ,;\t", v[i + tl])))
			return true;
	return false;
}

int ct_otlp_http_head(const char *buf, size_t n, struct ct_otlp_head *h)
{
	const char *end = memmem(buf, n, "\r\n\r\n", 4), *v;
	size_t vlen, hl;

	memset(h, 0, sizeof(*h));
	h->length = -1;
	if (!end)
		return n >= HEAD_MAX || (n >= 7 && strncmp(buf, "HTTP/1.", 7)) ?
		       -1 : 0;
	hl = end + 4 - buf;
	h->status = status_line(buf, hl, h);
	if (h->status < 0)
		return -1;
	h->close |= has_token(buf, hl, "connection:", "close");
	h->chunked = has_token(buf, hl, "transfer-encoding:", "chunked");
	v = httpd_header(buf, hl, "content-length:", &vlen);
	if (v && !h->chunked) {
		if (!vlen || vlen > 18 || strspn(v, "0123456789") < vlen)
			return -1;
		h->length = strtoll(v, NULL, 10);
	}
	v = httpd_header(buf, hl, "content-type:", &vlen);
	h->protobuf = v && vlen >= 22 &&
		      !strncasecmp(v, "application/x-protobuf", 22);
	v = httpd_header(buf, hl, "retry-after:", &vlen);
	if (v)
		snprintf(h->retry_after, sizeof(h->retry_after), "%.*s",
			 (int)vlen, v);
	return (int)hl;
}

/* A chunk's size line at buf[i..n): its size, and i past its CRLF. */
static int chunk_size(const char *buf, size_t n, size_t *i, size_t *size)
{
	const char *eol = memmem(buf + *i, n - *i, "\r\n", 2);
	size_t k = *i, v = 0;

	if (!eol)
		return n - *i > 64 ? -1 : 0;
	for (; buf + k < eol && strchr("0123456789abcdefABCDEF", buf[k]) &&
	       buf[k]; k++) {
		if (v > CT_OTLP_RESPONSE_MAX)
			return -1;
		v = v * 16 + (buf[k] <= '9' ? buf[k] - '0' :
			      (buf[k] | 0x20) - 'a' + 10);
	}
	if (k == *i || (buf + k < eol && buf[k] != ';' && buf[k] != ' '))
		return -1;
	*size = v;
	*i = eol + 2 - buf;
	return 1;
}

/*
 * Walks the chunks; with out, copies their data there (never ahead of
 * what is read: in place is safe).  1 done, 0 incomplete, -1 bad.
 */
static int chunks(char *buf, size_t n, char *out, size_t *len)
{
	size_t i = 0, size, o = 0;
	int r;

	for (;;) {
		r = chunk_size(buf, n, &i, &size);
		if (r <= 0)
			return r;
		if (!size)
			break;
		if (n - i < size + 2)
			return 0;
		if (memcmp(buf + i + size, "\r\n", 2))
			return -1;
		if (out)
			memmove(out + o, buf + i, size);
		o += size;
		i += size + 2;
	}
	/* trailers, then the empty line */
	while (n - i >= 2 && memcmp(buf + i, "\r\n", 2)) {
		const char *eol = memmem(buf + i, n - i, "\r\n", 2);

		if (!eol)
			return 0;
		i = eol + 2 - buf;
	}
	if (n - i < 2)
		return 0;
	*len = o;
	return 1;
}

int ct_otlp_http_dechunk(char *buf, size_t n, size_t *len)
{
	int r = chunks(buf, n, NULL, len);

	return r == 1 ? chunks(buf, n, buf, len) : r;
}

bool ct_otlp_retry_after(const char *v, time_t now, uint64_t *ns)
{
	struct tm tm = { 0 };
	const char *end;
	time_t t;

	if (v[0] && v[strspn(v, "0123456789")] == 0) {
		*ns = strlen(v) > 6 ? RETRY_AFTER_MAX :
		      strtoull(v, NULL, 10) * NS;
		if (*ns > RETRY_AFTER_MAX)
			*ns = RETRY_AFTER_MAX;
		return true;
	}
	/* IMF-fixdate, the one date form senders must use */
	end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return false;
	t = timegm(&tm);
	*ns = t <= now ? 0 : (uint64_t)(t - now) * NS;
	if (*ns > RETRY_AFTER_MAX)
		*ns = RETRY_AFTER_MAX;
	return true;
}

/* ---- ExportTraceServiceResponse ---- */

static bool get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int s = 0; s < 64 && *p < end; s += 7) {
		uint8_t c = *(*p)++;

		*v |= (uint64_t)(c & 0x7f) << s;
		if (!(c & 0x80))
			return true;
	}
	return false;
}

/*
 * The next field of [*p, end): its number, and its varint value or its
 * payload [*sub, *sub + *v); other wire types skipped.
 */
static bool next_field(const uint8_t **p, const uint8_t *end,
		       uint32_t *field, int *wt, uint64_t *v,
		       const uint8_t **sub)
{
	uint64_t tag;

	if (!get_varint(p, end, &tag) || tag >> 3 == 0 || tag >> 35)
		return false;
	*field = tag >> 3;
	*wt = tag & 7;
	switch (*wt) {
	case CT_PB_VARINT:
		return get_varint(p, end, v);
	case CT_PB_I64:
	case 5:		/* I32, which OTLP's responses do not use */
		*v = *wt == CT_PB_I64 ? 8 : 4;
		break;
	case CT_PB_LEN:
		if (!get_varint(p, end, v))
			return false;
		break;
	default:
		return false;
	}
	if (*v > (uint64_t)(end - *p))
		return false;
	*sub = *p;
	*p += *v;
	return true;
}

/* partial_success = 1 { rejected_spans = 1 (int64), error_message = 2 } */
bool ct_otlp_rejected_spans(const uint8_t *p, size_t n, uint64_t *out)
{
	const uint8_t *end = p + n, *sub, *q;
	uint32_t field;
	uint64_t v;
	int wt;

	*out = 0;
	while (p < end) {
		if (!next_field(&p, end, &field, &wt, &v, &sub))
			return false;
		if (field != 1 || wt != CT_PB_LEN)
			continue;
		for (q = sub; q < sub + v;) {
			uint64_t x;
			const uint8_t *s2;

			if (!next_field(&q, sub + v, &field, &wt, &x, &s2))
				return false;
			if (field == 1 && wt == CT_PB_VARINT)
				*out = (int64_t)x > 0 ? x : 0;
		}
	}
	return true;
}

/* ---- I/O ---- */

/* 1: fd ready for ev; 0: until_ns passed; -1: aborted. */
static int wait_fd(int fd, short ev, uint64_t until_ns, int abort_fd)
{
	struct pollfd p[2] = { { .fd = fd, .events = ev },
			       { .fd = abort_fd, .events = POLLIN } };
	uint64_t now;
	int r;

	for (;;) {
		now = ct_mono_ns();
		if (now >= until_ns)
			return 0;
		r = poll(p, 2, (int)((until_ns - now + 999999) / 1000000));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || p[1].revents)
			return -1;
		if (p[0].revents)
			return 1;
	}
}

/* After EAGAIN: 0 once fd is ready again, -ETIMEDOUT or -ECANCELED. */
static int again(int fd, short ev, uint64_t until_ns, int abort_fd)
{
	int r = wait_fd(fd, ev, until_ns, abort_fd);

	return r > 0 ? 0 : r < 0 ? -ECANCELED : -ETIMEDOUT;
}

/*
 * What a non-blocking read or send that returned w says: 0 it moved
 * bytes, 1 call it again (interrupted, or ready after EAGAIN), else
 * -errno.
 */
static int io_result(ssize_t w, int fd, short ev, uint64_t until_ns,
		     int abort_fd)
{
	int err;

	if (w >= 0)
		return 0;
	if (errno == EINTR)
		return 1;
	if (errno != EAGAIN)
		return -errno;
	err = again(fd, ev, until_ns, abort_fd);
	return err ? err : 1;
}

/* "VERB HOST[:PORT]: the error", one line for the summary. */
static void why(struct ct_otlp_answer *a, const char *verb,
		const struct ct_otlp_url *u, int err)
{
	snprintf(a->why, sizeof(a->why), "%s%.64s: %s", verb, u->authority,
		 strerror(err));
}

/* Whether the abort fd was written. */
static bool aborted(int abort_fd)
{
	struct pollfd p = { .fd = abort_fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

/*
 * The host's addresses: a numeric one at once, a name through
 * getaddrinfo_a within until_ns.  A lookup that cannot be cancelled
 * when its time is up is left to finish on its own: its request holds
 * its own copy of the name, never the caller's memory.
 */
struct lookup {
	struct gaicb cb;
	char host[sizeof(((struct ct_otlp_url *)0)->host)];
	char port[sizeof(((struct ct_otlp_url *)0)->port)];
};

static const struct addrinfo hints = {
	.ai_family = AF_UNSPEC,
	.ai_socktype = SOCK_STREAM,
	.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG,
};

/* 0 once done, -ETIMEDOUT or -ECANCELED while still in progress. */
static int lookup_wait(struct lookup *l, uint64_t until_ns, int abort_fd)
{
	const struct gaicb *list[1] = { &l->cb };
	struct timespec slice = { 0, 20000000 };	/* 20 ms */

	while (gai_error(&l->cb) == EAI_INPROGRESS) {
		if (aborted(abort_fd))
			return -ECANCELED;
		if (ct_mono_ns() >= until_ns)
			return -ETIMEDOUT;
		gai_suspend(list, 1, &slice);
	}
	return 0;
}

static int lookup_name(const struct ct_otlp_url *u, uint64_t until_ns,
		       int abort_fd, struct addrinfo **res,
		       struct ct_otlp_answer *a)
{
	struct lookup *l = calloc(1, sizeof(*l));
	struct gaicb *list[1];
	int rc, err;

	if (!l)
		return -ENOMEM;
	snprintf(l->host, sizeof(l->host), "%s", u->host);
	snprintf(l->port, sizeof(l->port), "%s", u->port);
	l->cb = (struct gaicb){ .ar_name = l->host, .ar_service = l->port,
				.ar_request = &hints };
	list[0] = &l->cb;
	rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	err = rc ? 0 : lookup_wait(l, until_ns, abort_fd);
	if (err && gai_cancel(&l->cb) == EAI_NOTCANCELED)
		return err;		/* l stays with the lookup */
	if (!rc)
		rc = gai_error(&l->cb);
	if (err && !rc)
		freeaddrinfo(l->cb.ar_result);
	if (!err && !rc)
		*res = l->cb.ar_result;
	free(l);
	if (err == -ETIMEDOUT)
		snprintf(a->why, sizeof(a->why), "looking up %.64s: timed out",
			 u->host);
	else if (!err && rc)
		snprintf(a->why, sizeof(a->why), "looking up %.64s: %s",
			 u->host, gai_strerror(rc));
	return err ? err : rc ? -EHOSTUNREACH : 0;
}

static int resolve(const struct ct_otlp_url *u, uint64_t until_ns,
		   int abort_fd, struct addrinfo **res,
		   struct ct_otlp_answer *a)
{
	struct addrinfo h = hints;

	h.ai_flags |= AI_NUMERICHOST;
	if (!getaddrinfo(u->host, u->port, &h, res))
		return 0;
	return lookup_name(u, until_ns, abort_fd, res, a);
}

/* A non-blocking connect within until_ns: 0, -ETIMEDOUT, -ECANCELED. */
static int connect_one(int fd, const struct addrinfo *ai, uint64_t until_ns,
		       int abort_fd)
{
	socklen_t sl = sizeof(int);
	int err = 0;

	if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	err = again(fd, POLLOUT, until_ns, abort_fd);
	if (err)
		return err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl))
		return -errno;
	return -err;
}

static void close_fd(struct ct_otlp_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int open_conn(struct ct_otlp_conn *c, const struct ct_otlp_url *u,
		     uint64_t until_ns, int abort_fd, struct ct_otlp_answer *a)
{
	struct addrinfo *res = NULL;
	int err, one = 1;

	if (until_ns > ct_mono_ns() + CT_OTLP_CONNECT_NS)
		until_ns = ct_mono_ns() + CT_OTLP_CONNECT_NS;
	err = resolve(u, until_ns, abort_fd, &res, a);
	for (struct addrinfo *ai = res; !err && ai; ai = ai->ai_next) {
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
			       SOCK_CLOEXEC, ai->ai_protocol);
		if (c->fd < 0) {
			err = -errno;
			continue;
		}
		err = connect_one(c->fd, ai, until_ns, abort_fd);
		if (!err)
			break;
		close_fd(c);
		if (err == -ECANCELED || err == -ETIMEDOUT)
			break;
	}
	if (res)
		freeaddrinfo(res);
	if (err && !a->why[0])
		why(a, "connect to ", u, -err);
	if (!err)
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return err;
}


/* The head and the body, whole: 0, or -errno (-ECANCELED: aborted). */
static int send_all(int fd, struct iovec *iov, int n, uint64_t until_ns,
		    int abort_fd)
{
	ssize_t w;
	int err;

	while (n) {
		w = sendmsg(fd, &(struct msghdr){ .msg_iov = iov,
						   .msg_iovlen = n },
			    MSG_NOSIGNAL);
		err = io_result(w, fd, POLLOUT, until_ns, abort_fd);
		if (err < 0)
			return err;
		if (err)
			continue;
		for (; n && (size_t)w >= iov->iov_len; iov++, n--)
			w -= iov->iov_len;
		if (n) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= w;
		}
	}
	return 0;
}

/* What is read of an answer. */
struct ct_otlp_reading {
	size_t n;
	int hl;			/* the head's length once it is in */
	struct ct_otlp_head h;
	bool eof;
	char buf[CT_OTLP_RESPONSE_MAX];		/* last: not cleared */
};

int ct_otlp_conn_init(struct ct_otlp_conn *c)
{
	c->fd = -1;
	c->rd = malloc(sizeof(*c->rd));
	return c->rd ? 0 : -ENOMEM;
}

void ct_otlp_conn_free(struct ct_otlp_conn *c)
{
	close_fd(c);
	free(c->rd);
	c->rd = NULL;
}

/* The answer is whole: its head, and its body as framed.  On a body
 * longer than the buffer, what fits. */
static bool answer_done(struct ct_otlp_reading *rd, size_t *blen)
{
	size_t have;

	*blen = 0;
	if (rd->hl <= 0)
		return false;
	have = rd->n - rd->hl;
	if (rd->h.status == 204 || rd->h.status == 304 || rd->h.length == 0) {
		*blen = 0;
		return true;
	}
	if (rd->h.chunked) {
		size_t n;
		int r = chunks(rd->buf + rd->hl, have, NULL, &n);

		if (r == 1)
			ct_otlp_http_dechunk(rd->buf + rd->hl, have, blen);
		return r != 0 || rd->eof || rd->n == sizeof(rd->buf);
	}
	if (rd->h.length > 0 && (int64_t)have >= rd->h.length) {
		*blen = rd->h.length;
		return true;
	}
	*blen = have;
	return rd->eof || rd->n == sizeof(rd->buf);
}

/* Reads until the answer is whole: 0, or -errno (-ECANCELED). */
static int read_answer(int fd, struct ct_otlp_reading *rd, uint64_t until_ns,
		       int abort_fd, size_t *blen)
{
	ssize_t r;
	int err;

	while (!answer_done(rd, blen)) {
		if (rd->eof)
			return rd->n ? -EPROTO : -ECONNRESET;
		r = read(fd, rd->buf + rd->n, sizeof(rd->buf) - rd->n);
		err = io_result(r, fd, POLLIN, until_ns, abort_fd);
		if (err < 0)
			return err;
		if (err)
			continue;
		rd->eof = r == 0;
		rd->n += r;
		if (rd->hl <= 0) {
			rd->hl = ct_otlp_http_head(rd->buf, rd->n, &rd->h);
			if (rd->hl < 0)
				return -EPROTO;
			/* an interim 1xx: the answer follows it */
			if (rd->hl > 0 && rd->h.status < 200) {
				memmove(rd->buf, rd->buf + rd->hl,
					rd->n - rd->hl);
				rd->n -= rd->hl;
				rd->hl = 0;
			}
		}
	}
	return 0;
}

/* 429, 502, 503, 504: OTLP/HTTP's retryable statuses. */
static bool retryable(int status)
{
	return status == 429 || status == 502 || status == 503 ||
	       status == 504;
}

static enum ct_otlp_result classify(struct ct_otlp_reading *rd, size_t blen,
				    struct ct_otlp_answer *a)
{
	int st = rd->h.status;

	a->status = st;
	if (st >= 200 && st < 300) {
		if (rd->h.protobuf && blen &&
		    !ct_otlp_rejected_spans((const uint8_t *)rd->buf + rd->hl,
					    blen, &a->rejected))
			a->rejected = 0;
		if (a->rejected)
			snprintf(a->why, sizeof(a->why), "HTTP %d: %" PRIu64
				 " spans rejected (partial success)", st,
				 a->rejected);
		return CT_OTLP_ACCEPTED;
	}
	snprintf(a->why, sizeof(a->why), "HTTP %d %.48s", st, rd->h.reason);
	if (!retryable(st))
		return CT_OTLP_REJECTED;
	if (rd->h.retry_after[0] &&
	    !ct_otlp_retry_after(rd->h.retry_after, time(NULL),
				 &a->retry_after_ns))
		a->retry_after_ns = 0;
	return CT_OTLP_RETRYABLE;
}

/* One request on c: 0 with rd filled, or -errno. */
static int exchange(struct ct_otlp_conn *c, const struct ct_otlp_url *u,
		    const void *body, size_t len, uint64_t until_ns,
		    int abort_fd, struct ct_otlp_reading *rd, size_t *blen)
{
	char head[1400];
	struct iovec iov[2];
	int hn, err;

	hn = snprintf(head, sizeof(head),
		      "POST %s HTTP/1.1\r\n"
		      "Host: %s\r\n"
		      "User-Agent: coldtrace/" COLDTRACE_VERSION "\r\n"
		      "Content-Type: application/x-protobuf\r\n"
		      "Content-Length: %zu\r\n"
		      "\r\n", u->target, u->authority, len);
	iov[0] = (struct iovec){ head, (size_t)hn };
	iov[1] = (struct iovec){ (void *)body, len };
	memset(rd, 0, offsetof(struct ct_otlp_reading, buf));
	err = send_all(c->fd, iov, 2, until_ns, abort_fd);
	if (!err)
		err = read_answer(c->fd, rd, until_ns, abort_fd, blen);
	return err;
}

enum ct_otlp_result ct_otlp_post(struct ct_otlp_conn *c,
				 const struct ct_otlp_url *u,
				 const void *body, size_t len,
				 uint64_t until_ns, int abort_fd,
				 struct ct_otlp_answer *a)
{
	struct ct_otlp_reading *rd = c->rd;
	size_t blen = 0;
	bool kept;
	int err = 0;

	memset(a, 0, sizeof(*a));
	memset(rd, 0, offsetof(struct ct_otlp_reading, buf));
	for (int tries = 0; tries < 2; tries++) {
		kept = c->fd >= 0;
		if (!kept)
			err = open_conn(c, u, until_ns, abort_fd, a);
		if (!err)
			err = exchange(c, u, body, len, until_ns, abort_fd,
				       rd, &blen);
		/* a kept connection the collector closed meanwhile: once
		 * more on a new one, no retry */
		if (kept && (err == -ECONNRESET || err == -EPIPE) && !rd->n) {
			close_fd(c);
			continue;
		}
		break;
	}
	if (err || rd->h.close || rd->n == sizeof(rd->buf) ||
	    (!rd->h.chunked && rd->h.length < 0))
		close_fd(c);
	if (err == -ECANCELED)
		return CT_OTLP_ABORTED;
	if (err) {
		if (!a->why[0])
			why(a, "", u, -err);
		return CT_OTLP_RETRYABLE;
	}
	return classify(rd, blen, a);
}
