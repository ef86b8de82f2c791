// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Test helper: Prometheus text format parser, see tprom.h. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "tprom.h"

static bool name_char(char c, bool first, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

static const char *prom_name(const char *s, char *out, size_t len, bool colon)
{
	size_t o = 0;

	cr_assert(name_char(*s, true, colon), "bad name at '%s'", s);
	while (name_char(*s, o == 0, colon)) {
		cr_assert_lt(o, len - 1);
		out[o++] = *s++;
	}
	out[o] = '\0';
	return s;
}

static double prom_value(const char *s)
{
	char *end;
	double v;

	if (!strcmp(s, "+Inf"))
		return INFINITY;
	v = strtod(s, &end);
	cr_assert(end != s && *end == '\0', "bad value '%s'", s);
	return v;
}

/* {k="v",...}: label values may hold only \\, \" and \n escapes,
 * decoded in x->labels */
static const char *prom_labels(const char *s, struct prom_sample *x)
{
	char k[64], v[256];
	size_t o;

	s++;
	while (*s != '}') {
		s = prom_name(s, k, sizeof(k), false);
		cr_assert(s[0] == '=' && s[1] == '"', "label syntax");
		s += 2;
		for (o = 0; *s != '"'; s++) {
			bool esc = *s == '\\';

			cr_assert(*s && *s != '\n', "raw newline in label");
			if (esc) {
				s++;
				cr_assert(*s == '\\' || *s == '"' || *s == 'n',
					  "bad escape");
			}
			cr_assert_lt(o, sizeof(v) - 1, "label value too long");
			v[o++] = esc && *s == 'n' ? '\n' : *s;
		}
		v[o] = '\0';
		s++;
		if (!strcmp(k, "le"))
			x->le = prom_value(v);
		else
			snprintf(x->labels + strlen(x->labels),
				 sizeof(x->labels) - strlen(x->labels),
				 "%s=%s;", k, v);
		if (*s == ',')
			s++;
		else
			cr_assert_eq(*s, '}', "label list syntax");
	}
	return s + 1;
}

static void prom_line(struct prom *p, const char *l)
{
	struct prom_sample *x;
	char name[128], type[32];

	if (!strncmp(l, "# TYPE ", 7)) {
		cr_assert_eq(sscanf(l + 7, "%127s %31s", name, type), 2);
		cr_assert(!strcmp(type, "counter") || !strcmp(type, "gauge") ||
			  !strcmp(type, "histogram"), "type %s", type);
		cr_assert_lt(p->ntypes, sizeof(p->types) / sizeof(p->types[0]));
		snprintf(p->types[p->ntypes++], sizeof(p->types[0]), "%s %s",
			 name, type);
		return;
	}
	if (l[0] == '#') {
		cr_assert(!strncmp(l, "# HELP ", 7), "comment: %s", l);
		return;
	}
	cr_assert_lt(p->n, PROM_MAX);
	x = &p->s[p->n++];
	memset(x, 0, sizeof(*x));
	x->le = NAN;
	l = prom_name(l, x->name, sizeof(x->name), true);
	if (*l == '{')
		l = prom_labels(l, x);
	cr_assert_eq(*l, ' ', "space before value");
	x->v = prom_value(l + 1);
}

void prom_parse(char *text, struct prom *p)
{
	char *save, *l;

	memset(p, 0, sizeof(*p));
	cr_assert(text[0] && text[strlen(text) - 1] == '\n');
	for (l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		prom_line(p, l);
}

static const char *prom_type(const struct prom *p, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < p->ntypes; i++)
		if (!strncmp(p->types[i], name, n) && p->types[i][n] == ' ')
			return p->types[i] + n + 1;
	return NULL;
}

static const char *family_of(const char *name, char *buf, size_t len)
{
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	size_t n = strlen(name), k;

	snprintf(buf, len, "%s", name);
	for (k = 0; k < 3; k++) {
		size_t sl = strlen(sfx[k]);

		if (n > sl && !strcmp(name + n - sl, sfx[k])) {
			buf[n - sl] = '\0';
			break;
		}
	}
	return buf;
}

/* Prometheus drops a scrape's second sample of one series. */
static void prom_unique(const struct prom *p)
{
	for (size_t i = 0; i < p->n; i++)
		for (size_t j = i + 1; j < p->n; j++)
			cr_assert(strcmp(p->s[i].name, p->s[j].name) ||
				  strcmp(p->s[i].labels, p->s[j].labels) ||
				  !(p->s[i].le == p->s[j].le ||
				    (isnan(p->s[i].le) && isnan(p->s[j].le))),
				  "duplicate series %s{%s}", p->s[i].name,
				  p->s[i].labels);
}

/* Every sample is typed; buckets cumulative, +Inf == _count. */
void prom_check(const struct prom *p)
{
	char fam[128], cnt[160];

	for (size_t i = 0; i < p->n; i++) {
		const struct prom_sample *x = &p->s[i];
		const char *t = prom_type(p, x->name);
		double prev_le = -INFINITY, prev_v = 0;
		bool inf = false;

		if (!t)
			t = prom_type(p, family_of(x->name, fam, sizeof(fam)));
		cr_assert_not_null(t, "untyped sample %s", x->name);
		if (!isnan(x->le) || strcmp(t, "histogram") ||
		    !strstr(x->name, "_bucket") || (i && !strcmp(p->s[i - 1].name, x->name) &&
						   !strcmp(p->s[i - 1].labels, x->labels)))
			continue;
		/* first bucket of a series: walk the series */
		family_of(x->name, fam, sizeof(fam));
		for (size_t j = i; j < p->n && !strcmp(p->s[j].name, x->name) &&
				   !strcmp(p->s[j].labels, x->labels); j++) {
			cr_assert(p->s[j].le > prev_le, "le increasing");
			cr_assert(p->s[j].v >= prev_v, "cumulative");
			prev_le = p->s[j].le;
			prev_v = p->s[j].v;
			inf = isinf(prev_le);
		}
		cr_assert(inf, "+Inf bucket last");
		snprintf(cnt, sizeof(cnt), "%s_count", fam);
		for (size_t j = 0; j < p->n; j++)
			if (!strcmp(p->s[j].name, cnt) &&
			    !strcmp(p->s[j].labels, x->labels))
				cr_assert_eq(p->s[j].v, prev_v, "+Inf == _count");
	}
	prom_unique(p);
}

double prom_get(const struct prom *p, const char *name,
		       const char *labels)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->s[i].name, name) &&
		    !strcmp(p->s[i].labels, labels) && isnan(p->s[i].le))
			return p->s[i].v;
	cr_assert_fail("no sample %s{%s}", name, labels);
	return NAN;
}

bool prom_has(const struct prom *p, const char *name, const char *labels)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->s[i].name, name) &&
		    !strcmp(p->s[i].labels, labels))
			return true;
	return false;
}

double prom_bucket(const struct prom *p, const char *name,
		   const char *labels, double le)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->s[i].name, name) &&
		    !strcmp(p->s[i].labels, labels) && p->s[i].le == le)
			return p->s[i].v;
	cr_assert_fail("no bucket %s{%s,le=%g}", name, labels, le);
	return NAN;
}

size_t prom_count(const struct prom *p, const char *name,
		  const char *labels)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += !strcmp(p->s[i].name, name) &&
		     !strcmp(p->s[i].labels, labels);
	return n;
}
