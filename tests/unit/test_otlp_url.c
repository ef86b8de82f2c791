// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --otlp's URL (otlp_url.c): what is taken, and what is refused, why. */
#include <criterion/criterion.h>
#include <string.h>
#include "otlp_url.h"

struct good {
	const char *in;
	const char *host, *port, *authority, *target;
};

Test(otlp_url, taken)
{
	static const struct good g[] = {
		{ "http://127.0.0.1:4318", "127.0.0.1", "4318",
		  "127.0.0.1:4318", "/v1/traces" },
		{ "http://127.0.0.1:4318/", "127.0.0.1", "4318",
		  "127.0.0.1:4318", "/v1/traces" },
		{ "http://127.0.0.1:4318/v1/traces", "127.0.0.1", "4318",
		  "127.0.0.1:4318", "/v1/traces" },
		/* a path of its own is the endpoint, as given */
		{ "http://otel-collector.observability:4318/otlp/v1/traces",
		  "otel-collector.observability", "4318",
		  "otel-collector.observability:4318", "/otlp/v1/traces" },
		/* no port: http's */
		{ "http://collector", "collector", "80", "collector",
		  "/v1/traces" },
		{ "HTTP://Collector:65535?tenant=a", "Collector", "65535",
		  "Collector:65535", "/v1/traces?tenant=a" },
		{ "http://[::1]:4318", "::1", "4318", "[::1]:4318",
		  "/v1/traces" },
		{ "http://[fe80::1%25eth0]:1/x", NULL, NULL, NULL, NULL },
	};
	struct ct_otlp_url u;
	char err[256];

	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		if (!g[i].host) {	/* a zone id is not inet_pton's */
			cr_expect_eq(ct_otlp_url_parse(g[i].in, &u, err,
						       sizeof(err)), -1);
			continue;
		}
		cr_assert_eq(ct_otlp_url_parse(g[i].in, &u, err, sizeof(err)),
			     0, "%s: %s", g[i].in, err);
		cr_expect_str_eq(u.host, g[i].host, "%s", g[i].in);
		cr_expect_str_eq(u.port, g[i].port, "%s", g[i].in);
		cr_expect_str_eq(u.authority, g[i].authority, "%s", g[i].in);
		cr_expect_str_eq(u.target, g[i].target, "%s", g[i].in);
	}
}

struct bad {
	const char *in;
	const char *says;	/* a word of the reason */
};

Test(otlp_url, refused_with_a_reason)
{
	static const struct bad b[] = {
		{ "https://collector:4318", "https is not supported" },
		{ "HTTPS://collector:4318", "127.0.0.1:4318" },
		{ "grpc://collector:4317", "not an http URL" },
		{ "127.0.0.1:4318", "not a URL" },
		{ "", "not a URL" },
		{ "http://", "no host" },
		{ "http://:4318", "no host" },
		{ "http:///v1/traces", "no host" },
		{ "http://host:", "port" },
		{ "http://host:0", "port" },
		{ "http://host:65536", "port" },
		{ "http://host:43a8", "port" },
		{ "http://host:+80", "port" },
		{ "http://host:4318:1", "port" },
		{ "http://ho st:4318", "not a host" },
		{ "http://user:pw@host:4318", "user information" },
		{ "http://[::1:4318", "']'" },
		{ "http://[::1]x:4318", "after the IPv6" },
		{ "http://[not-v6]:4318", "IPv6" },
		{ "http://host/a b", "spaces" },
		{ "http://host/v1/traces#x", "fragment" },
	};
	struct ct_otlp_url u;
	char err[256];

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		err[0] = 0;
		cr_expect_eq(ct_otlp_url_parse(b[i].in, &u, err, sizeof(err)),
			     -1, "%s taken", b[i].in);
		cr_expect(strstr(err, b[i].says), "%s: '%s' does not say %s",
			  b[i].in, err, b[i].says);
		cr_expect(!strchr(err, '\n'), "one line: %s", err);
	}
}

/* Each field's bound is checked, not overrun. */
Test(otlp_url, long_parts_refused)
{
	char s[2200], err[256];
	struct ct_otlp_url u;

	memset(s, 'a', sizeof(s));
	memcpy(s, "http://", 7);
	s[7 + 300] = 0;
	cr_expect_eq(ct_otlp_url_parse(s, &u, err, sizeof(err)), -1);
	cr_expect(strstr(err, "host"), "%s", err);
	memset(s, 'a', sizeof(s));
	memcpy(s, "http://h/", 9);
	s[sizeof(s) - 1] = 0;
	cr_expect_eq(ct_otlp_url_parse(s, &u, err, sizeof(err)), -1);
	cr_expect(strstr(err, "path too long"), "%s", err);
}
