// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --fail-if's expressions (compare_gate.h): METRIC.STAT > LIMIT, where
 * STAT is p50, p90 or p99 and LIMIT a shift, +5% (of A's statistic) or
 * +20ms (us, s, ns).  Only slower is a regression: the operator is '>'.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_gate.h"

static const struct {
	const char *unit;
	double ns;
} units[] = {
	{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
};

static int fail(char *err, size_t errlen, const char *expr, const char *why)
{
	snprintf(err, errlen, "--fail-if '%s': %s (e.g. 'cold_start.p50 > +5%%', 'create.p90 > +20ms')",
		 expr, why);
	return -1;
}

static int parse_limit(const char *s, struct ct_gate *g)
{
	char *end;

	while (*s == ' ')
		s++;
	g->limit = strtod(s, &end);
	if (end == s || !isfinite(g->limit) || g->limit < 0)
		return -1;
	while (*end == ' ')
		end++;
	if (!strcmp(end, "%")) {
		g->relative = true;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			g->limit *= units[i].ns;
			return 0;
		}
	return -1;
}

int ct_gate_parse(const char *expr, struct ct_gate *g, char *err,
		  size_t errlen)
{
	const char *op = strchr(expr, '>'), *dot;
	size_t len;

	memset(g, 0, sizeof(*g));
	g->expr = expr;
	if (!op || strchr(op + 1, '>') || strchr(expr, '<'))
		return fail(err, errlen, expr, "wants METRIC.STAT > LIMIT");
	len = (size_t)(op - expr);
	while (len && expr[len - 1] == ' ')
		len--;
	for (dot = expr + len; dot > expr && dot[-1] != '.'; dot--)
		;
	if (dot == expr || dot - 1 == expr)
		return fail(err, errlen, expr, "no METRIC.STAT before '>'");
	if (!strncmp(dot, "p50", 3) && dot + 3 == expr + len)
		g->pct = 50;
	else if (!strncmp(dot, "p90", 3) && dot + 3 == expr + len)
		g->pct = 90;
	else if (!strncmp(dot, "p99", 3) && dot + 3 == expr + len)
		g->pct = 99;
	else
		return fail(err, errlen, expr, "STAT is p50, p90 or p99");
	len = (size_t)(dot - 1 - expr);
	if (len >= sizeof(g->metric))
		return fail(err, errlen, expr, "METRIC too long");
	memcpy(g->metric, expr, len);
	if (op[1] == '=' || parse_limit(op + 1, g))
		return fail(err, errlen, expr,
			    "LIMIT is a shift: N% of A's, or N with ns, us, ms or s");
	return 0;
}

bool ct_gate_fails(const struct ct_gate *g, double stat_a, double lo)
{
	double limit = g->relative ? g->limit / 100 * stat_a : g->limit;

	return lo > limit;
}
