// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --otlp's URL: see otlp_url.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "otlp_url.h"

#define EXPECTED	"expected http://HOST[:PORT][/PATH], such as " \
			"http://127.0.0.1:4318"

static int fail(char *err, size_t errlen, const char *what, const char *s)
{
	snprintf(err, errlen, "'%.64s': %s", s, what);
	return -1;
}

/* "http://" in any case; the rest of the URL, or NULL (err said why). */
static const char *scheme(const char *s, char *err, size_t errlen)
{
	const char *sep = strstr(s, "://");

	if (!strncasecmp(s, "http://", 7))
		return s + 7;
	if (!strncasecmp(s, "https://", 8))
		fail(err, errlen, "https is not supported: send to an "
		     "OpenTelemetry Collector on this host or pod over http "
		     "(such as http://127.0.0.1:4318), which forwards over "
		     "TLS", s);
	else if (sep)
		fail(err, errlen, "not an http URL; " EXPECTED, s);
	else
		fail(err, errlen, "not a URL; " EXPECTED, s);
	return NULL;
}

/* A name or an IPv4 address: letters, digits, '-', '.', '_'. */
static bool name_ok(const char *h, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) && !strchr("-._", h[i]))
			return false;
	return true;
}

/* 1..65535 in plain decimal. */
static bool port_ok(const char *p, size_t n)
{
	long v;

	if (!n || n > 5 || strspn(p, "0123456789") < n)
		return false;
	v = strtol(p, NULL, 10);
	return v >= 1 && v <= 65535;
}

/* HOST[:PORT] of n bytes into u; -1 with err set. */
static int authority(const char *a, size_t n, struct ct_otlp_url *u,
		     const char *s, char *err, size_t errlen)
{
	const char *port = NULL, *end = a + n;
	size_t hn;
	struct in6_addr v6;

	if (memchr(a, '@', n))
		return fail(err, errlen, "user information (user@) is not "
			    "supported", s);
	if (n && a[0] == '[') {
		const char *rb = memchr(a, ']', n);

		if (!rb)
			return fail(err, errlen, "an IPv6 address without its "
				    "']'", s);
		hn = rb - a - 1;
		if (rb + 1 < end && rb[1] != ':')
			return fail(err, errlen, "unexpected characters after "
				    "the IPv6 address", s);
		port = rb + 1 < end ? rb + 2 : NULL;
		if (hn >= sizeof(u->host))
			return fail(err, errlen, "host too long", s);
		memcpy(u->host, a + 1, hn);
		u->host[hn] = 0;
		if (inet_pton(AF_INET6, u->host, &v6) != 1)
			return fail(err, errlen, "not an IPv6 address between "
				    "[ and ]", s);
	} else {
		const char *colon = memchr(a, ':', n);

		hn = colon ? (size_t)(colon - a) : n;
		port = colon ? colon + 1 : NULL;
		if (!hn)
			return fail(err, errlen, "no host", s);
		if (hn >= sizeof(u->host) || !name_ok(a, hn))
			return fail(err, errlen, "not a host name or address "
				    "(letters, digits, '-', '.'; IPv6 between "
				    "[ and ])", s);
		memcpy(u->host, a, hn);
		u->host[hn] = 0;
	}
	if (port && !port_ok(port, end - port))
		return fail(err, errlen, "the port is not a number from 1 to "
			    "65535", s);
	snprintf(u->port, sizeof(u->port), "%.*s", port ? (int)(end - port) :
		 2, port ? port : "80");
	if (n >= sizeof(u->authority))
		return fail(err, errlen, "host too long", s);
	memcpy(u->authority, a, n);
	u->authority[n] = 0;
	return 0;
}

/* PATH[?QUERY]: printable, no space, no fragment; none is /v1/traces. */
static int target(const char *p, struct ct_otlp_url *u, const char *s,
		  char *err, size_t errlen)
{
	const char *base = "";

	for (const char *c = p; *c; c++) {
		if (*c == '#')
			return fail(err, errlen, "a fragment (#...) is never "
				    "sent: leave it out", s);
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return fail(err, errlen, "spaces or control characters "
				    "in the path (escape them as %XX)", s);
	}
	if (!p[0] || !strcmp(p, "/") || p[0] == '?')
		base = CT_OTLP_DEFAULT_PATH;
	if (!strcmp(p, "/"))
		p = "";
	if ((size_t)snprintf(u->target, sizeof(u->target), "%s%s", base, p) >=
	    sizeof(u->target))
		return fail(err, errlen, "path too long", s);
	return 0;
}

int ct_otlp_url_parse(const char *s, struct ct_otlp_url *u, char *err,
		      size_t errlen)
{
	const char *rest = scheme(s, err, errlen);
	size_t n;

	memset(u, 0, sizeof(*u));
	if (!rest)
		return -1;
	n = strcspn(rest, "/?#");
	if (authority(rest, n, u, s, err, errlen))
		return -1;
	return target(rest + n, u, s, err, errlen);
}
