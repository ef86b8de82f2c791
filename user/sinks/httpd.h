/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Bounded HTTP/1.0 server for --listen: GET /metrics, /healthz.
 * Poll-driven from the caller's loop, never blocks: non-blocking sockets,
 * a fixed number of connections, a request-size cap and an idle timeout,
 * so a slow scraper cannot stall event processing.
 */
#ifndef CT_HTTPD_H
#define CT_HTTPD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTPD_MAX_CONN	16
#define HTTPD_MAX_REQ	4096	/* request line + headers */
#define HTTPD_TIMEOUT_NS (5ULL * 1000000000ULL)
/* Connections beyond HTTPD_MAX_CONN answered 503 and kept until their
 * client has read it (at most this many, this long). */
#define HTTPD_MAX_REFUSING	16
#define HTTPD_REFUSE_NS	(1ULL * 1000000000ULL)

enum httpd_parse {
	HTTPD_INCOMPLETE = 0,	/* need more bytes */
	HTTPD_OK,		/* GET/HEAD with a path */
	HTTPD_BAD,		/* 400 */
	HTTPD_TOO_LARGE,	/* 431: over HTTPD_MAX_REQ without end */
	HTTPD_BAD_METHOD,	/* 405 */
};

/*
 * Parse a request head in buf[0..len). On HTTPD_OK copies the path
 * (query string stripped) into path[pathsz] and sets *head for HEAD.
 */
enum httpd_parse httpd_parse(const char *buf, size_t len, char *path,
			     size_t pathsz, int *head);

/* Body producer: writes the body for path into a malloc'd buffer. */
typedef int (*httpd_body_fn)(const char *path, char **body, size_t *len,
			     const char **ctype, void *ctx);

struct httpd;
/*
 * addr is "HOST:PORT", HOST numeric IPv4 ("0.0.0.0" every interface; a
 * bare ":PORT", every interface to Go's exporters and loopback to
 * coldtrace before, is refused): 0, or -EINVAL and what is wrong with it
 * in err.  cli.c checks --listen with it before anything is loaded;
 * httpd_open() again.
 */
int httpd_parse_addr(const char *addr, struct sockaddr_in *sa, char *err,
		     size_t errlen);
/*
 * Where a valid addr serves, in words for its user (the start's line):
 * loopback only is said with the way to every interface.
 */
void httpd_where(const char *addr, char *buf, size_t len);
/*
 * The value (vlen bytes, blanks before it skipped) of header name,
 * lowercase with its ':', in a request's or a response's head (the
 * lines after the first), or NULL: --otlp's answers are read with it
 * too (otlp_http.c).
 */
const char *httpd_header(const char *buf, size_t len, const char *name,
			 size_t *vlen);
/* Bodies this long or longer are sent gzip'd to a client that asks. */
#define HTTPD_GZIP_MIN	1024
/* body gzip'd as a scrape gets it: *out malloc'd; false: sent as is. */
bool httpd_gzip(const char *body, size_t len, char **out, size_t *olen);
/* Whether a request's head asks for gzip (Accept-Encoding, q > 0). */
bool httpd_wants_gzip(const char *buf, size_t len);
/* -EINVAL for a bad addr (httpd_parse_addr()), else -errno of bind etc. */
int httpd_open(struct httpd **out, const char *addr, httpd_body_fn fn,
	       void *ctx);
/* Listening fd, to poll for POLLIN alongside the caller's fds. */
int httpd_fd(const struct httpd *h);
/* Accept, read, answer and time out without blocking; call every loop turn. */
void httpd_poll(struct httpd *h, uint64_t now_ns);
void httpd_close(struct httpd *h);
/* Counters: requests served, refused (limits), errors answered. */
void httpd_stats(const struct httpd *h, uint64_t *served, uint64_t *refused,
		 uint64_t *bad);

#endif
