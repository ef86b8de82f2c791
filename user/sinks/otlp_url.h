/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --otlp's URL: http://HOST[:PORT][/PATH], read once when the options
 * are (cli.c: a bad one is refused with status 2 before anything is
 * loaded) and again when the session starts its sender (otlp_push.c).
 *
 * HOST is a name, an IPv4 address or [an IPv6 one]; PORT 1..65535,
 * 80 when not given, as for any http URL (a collector's OTLP/HTTP
 * port is 4318).  Without a PATH (or "/") the request goes to
 * /v1/traces, as OpenTelemetry's exporters do with a base URL; any
 * other PATH is used as given.  https is refused: TLS is a collector's
 * job (one on the same host or pod, over http, forwards over TLS).
 * Neither user information (user@host) nor a fragment (#) is taken.
 */
#ifndef __CT_OTLP_URL_H
#define __CT_OTLP_URL_H

#include <stddef.h>

#define CT_OTLP_DEFAULT_PATH	"/v1/traces"

struct ct_otlp_url {
	char host[254];		/* without an IPv6 address's brackets */
	char port[6];
	char authority[264];	/* the Host header: HOST[:PORT] as given */
	char target[1024];	/* the request's path, and query if any */
};

/* 0, or -1 with a one-line reason in err. */
int ct_otlp_url_parse(const char *s, struct ct_otlp_url *u, char *err,
		      size_t errlen);

#endif /* __CT_OTLP_URL_H */
