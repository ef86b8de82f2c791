// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `coldtrace compare`'s report (compare_rows.h): the verdict a person
 * reads first, then a table per group (or Markdown's), or JSON Lines.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_rows.h"
#include "container.h"
#include "json.h"

/* "+48.2 ms": a signed duration in the unit its size reads best in. */
const char *ct_cmp_dur(char *buf, size_t len, double ns, bool sign)
{
	static const struct { double ns; const char *unit; } u[] = {
		{ 1e9, "s" }, { 1e6, "ms" }, { 1e3, "us" }, { 1, "ns" },
	};
	size_t i = 0;

	while (i + 1 < sizeof(u) / sizeof(u[0]) && fabs(ns) < u[i].ns)
		i++;
	snprintf(buf, len, sign ? "%+.*f %s" : "%.*f %s",
		 fabs(ns) / u[i].ns < 10 ? 2 : 1, ns / u[i].ns, u[i].unit);
	return buf;
}

static const char *pval(char *buf, size_t len, double p)
{
	if (p < 0.001)
		snprintf(buf, len, "< 0.001");
	else
		snprintf(buf, len, "%.3f", p);
	return buf;
}

static bool is_phase(const char *m)
{
	return !strchr(m, '.') && !strchr(m, ':') && strcmp(m, "total") &&
	       strcmp(m, "cold_start") && strcmp(m, "pull");
}

/* A phase inside the cold start: before run, or ready (nested in run). */
static bool in_cold_start(const char *m)
{
	for (int p = 0; p < CT_PH_RUN; p++)
		if (!strcmp(m, ct_phase_name(p)))
			return true;
	return !strcmp(m, ct_phase_name(CT_PH_READY));
}

/* The row of group g's cold_start, if tested. */
static const struct ct_cmp_row *cold_of(const struct ct_cmp_set *s,
				 const struct ct_cmp_row *rows, size_t n, uint32_t g)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].group == g && rows[i].tested &&
		    !strcmp(s->metrics.name[rows[i].metric], "cold_start"))
			return &rows[i];
	return NULL;
}

/* "create +48 ms (+45 %, 95 % CI +39..+57 ms, p < 0.001)" */
static void verdict_line(FILE *f, const struct ct_cmp_set *s,
			 const struct ct_cmp_row *r, const struct ct_cmp_row *cold,
			 const char *bullet, double conf)
{
	char a[32], b[32], c[32], p[16], rel[32];
	const char *m = s->metrics.name[r->metric];

	if (r->r.med_a > 0)
		snprintf(rel, sizeof(rel), "%+.0f %%",
			 100 * r->r.shift / r->r.med_a);
	else		/* a site most of A's records did not list */
		snprintf(rel, sizeof(rel), "A's median 0");
	fprintf(f, "%s%s: %s %s (%s, %g %% CI %s..%s, p %s%s)", bullet,
		s->groups.name[r->group], m,
		ct_cmp_dur(a, sizeof(a), r->r.shift, true), rel, 100 * conf,
		r->r.has_ci ? ct_cmp_dur(b, sizeof(b), r->r.lo, true) : "?",
		r->r.has_ci ? ct_cmp_dur(c, sizeof(c), r->r.hi, true) : "?",
		pval(p, sizeof(p), r->r.p)[0] == '<' ? "" : "= ",
		pval(p, sizeof(p), r->r.p));
	/* a share of a shift that is not one would be noise over noise */
	if (cold && cold != r && cold->moved && in_cold_start(m) &&
	    cold->r.shift)
		fprintf(f, ", %.0f %% of cold_start's shift",
			100 * r->r.shift / cold->r.shift);
	fputc('\n', f);
}

static int by_size(const void *x, const void *y)
{
	const struct ct_cmp_row *a = *(const struct ct_cmp_row *const *)x;
	const struct ct_cmp_row *b = *(const struct ct_cmp_row *const *)y;
	double d = fabs(b->r.shift) - fabs(a->r.shift);

	return (d > 0) - (d < 0);
}

/* The verdict's lines: at most this many moves, the rest in the table. */
#define CMP_VERDICT_LINES	12

/* A split state (create.cpu) is detail: the table has it, not the verdict. */
static bool in_verdict(const struct ct_cmp_set *s, const struct ct_cmp_row *r)
{
	return !strchr(s->metrics.name[r->metric], '.');
}

static void still_lines(FILE *f, const struct ct_cmp_set *s,
			const struct ct_cmp_row *rows, size_t n, const char *bullet)
{
	uint32_t g = UINT32_MAX;

	for (size_t i = 0; i < n; i++) {
		const struct ct_cmp_row *r = &rows[i];

		if (!r->tested || r->moved || !is_phase(s->metrics.name[r->metric]))
			continue;
		if (r->group != g)
			fprintf(f, "%s%sdid not move (%s):", g == UINT32_MAX ?
				"" : "\n", bullet, s->groups.name[r->group]);
		fprintf(f, "%s %s", r->group == g ? "," : "",
			s->metrics.name[r->metric]);
		g = r->group;
	}
	fputs(g == UINT32_MAX ? "\n" : "\n\n", f);
}

static void verdict(FILE *f, const struct ct_cmp_set *s,
		    const struct ct_cmp_row *rows, size_t n,
		    const struct ct_cmp_opts *o)
{
	const struct ct_cmp_row **moved = calloc(n + 1, sizeof(*moved));
	const char *bullet = o->markdown ? "- " : "  ";
	size_t k = 0, tested = 0, all = 0;

	for (size_t i = 0; i < n; i++) {
		tested += rows[i].tested;
		all += rows[i].moved;
		if (rows[i].moved && moved && in_verdict(s, &rows[i]))
			moved[k++] = &rows[i];
	}
	fprintf(f, "%s%zu moved of %zu compared (Benjamini-Hochberg, false discovery rate %g):\n",
		o->markdown ? "**Verdict**: " : "verdict: ", all, tested, o->fdr);
	if (moved)
		qsort(moved, k, sizeof(*moved), by_size);
	for (size_t i = 0; i < k && i < CMP_VERDICT_LINES; i++)
		verdict_line(f, s, moved[i],
			     cold_of(s, rows, n, moved[i]->group), bullet,
			     o->conf);
	if (all > CMP_VERDICT_LINES && all > k)
		fprintf(f, "%s... %zu more moved, cpu/runq/io/sleep splits among them: the table\n",
			bullet, all - (k < CMP_VERDICT_LINES ? k : CMP_VERDICT_LINES));
	else if (k > CMP_VERDICT_LINES)
		fprintf(f, "%s... %zu more moved: the table\n", bullet,
			k - CMP_VERDICT_LINES);
	else if (all > k)
		fprintf(f, "%s(and %zu cpu/runq/io/sleep splits: the table)\n",
			bullet, all - k);
	still_lines(f, s, rows, n, bullet);
	free(moved);
}

static void side_line(FILE *f, const struct ct_cmp_set *s, int i,
		      const char *name)
{
	const struct ct_cmp_side *d = &s->side[i];

	fprintf(f, "%s: %s: %llu records, %llu restarts; kept out: %llu failed, %llu partial, %llu unarmed",
		i ? "B" : "A", name, (unsigned long long)d->records,
		(unsigned long long)d->restarts, (unsigned long long)d->failed,
		(unsigned long long)d->partial, (unsigned long long)d->unarmed);
	if (s->by)
		fprintf(f, ", %llu without its %s, %llu of another",
			(unsigned long long)d->no_key, s->by,
			(unsigned long long)d->other_key);
	fputc('\n', f);
}

static void tail_cell(char *buf, size_t len, const struct ct_cmp_tail *t)
{
	char a[32], b[32], c[32];

	if (!t->ok) {
		snprintf(buf, len, "too few");
		return;
	}
	snprintf(buf, len, "%s (%s..%s)", ct_cmp_dur(a, sizeof(a), t->shift, true),
		 ct_cmp_dur(b, sizeof(b), t->lo, true), ct_cmp_dur(c, sizeof(c), t->hi, true));
}

static void table_row(FILE *f, const struct ct_cmp_set *s, const struct ct_cmp_row *r,
		      bool md)
{
	char ma[32], mb[32], sh[32], lo[32], hi[32], p[16], q[16], t0[96],
		t1[96], ci[80], ratio[16], delta[16];
	const char *fmt = md ?
		"| %s | %zu | %zu | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n" :
		"  %-22s %4zu %4zu %11s %11s %11s %-27s %6s %7s %7s %6s  %s  %s\n";

	if (!r->tested) {
		fprintf(f, md ? "| %s | %zu | %zu | too few |  |  |  |  |  |  |  |  |  |\n" :
				"  %-22s %4zu %4zu too few\n",
			s->metrics.name[r->metric], r->n[0], r->n[1]);
		return;
	}
	snprintf(ci, sizeof(ci), "%s..%s",
		 r->r.has_ci ? ct_cmp_dur(lo, sizeof(lo), r->r.lo, true) : "?",
		 r->r.has_ci ? ct_cmp_dur(hi, sizeof(hi), r->r.hi, true) : "?");
	snprintf(ratio, sizeof(ratio), "%.3f", r->r.med_b / r->r.med_a);
	snprintf(delta, sizeof(delta), "%+.2f", r->r.cliff);
	tail_cell(t0, sizeof(t0), &r->tail[0]);
	tail_cell(t1, sizeof(t1), &r->tail[1]);
	fprintf(f, fmt, s->metrics.name[r->metric], r->n[0], r->n[1],
		ct_cmp_dur(ma, sizeof(ma), r->r.med_a, false),
		ct_cmp_dur(mb, sizeof(mb), r->r.med_b, false),
		ct_cmp_dur(sh, sizeof(sh), r->r.shift, true), ci,
		r->r.med_a ? ratio : "-", pval(p, sizeof(p), r->r.p),
		pval(q, sizeof(q), r->q), delta, t0, t1);
}

static void table(FILE *f, const struct ct_cmp_set *s, const struct ct_cmp_row *rows,
		  size_t n, bool md, double conf)
{
	uint32_t g = UINT32_MAX;
	char ci[32];

	snprintf(ci, sizeof(ci), "%g %% CI", 100 * conf);

	for (size_t i = 0; i < n; i++) {
		const struct ct_cmp_row *r = &rows[i];

		if (r->group != g) {
			g = r->group;
			if (md)
				fprintf(f, "\n#### %s\n\n| metric | n A | n B | median A | median B | shift | %s | ratio | p | q | delta | p90 shift | p99 shift |\n|---|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|---|---|\n",
					s->groups.name[g], ci);
			else
				fprintf(f, "\n%s\n  %-22s %4s %4s %11s %11s %11s %-27s %6s %7s %7s %6s  %s\n",
					s->groups.name[g], "metric", "n A",
					"n B", "median A", "median B", "shift",
					ci, "ratio", "p", "q", "delta",
					"p90, p99 shift");
		}
		table_row(f, s, r, md);
	}
}

static void json_tail(struct ct_json *w, const char *key, const struct ct_cmp_tail *t)
{
	ct_json_key(w, key);
	if (!t->ok) {
		ct_json_null(w);
		return;
	}
	ct_json_start_object(w);
	ct_json_kv_double(w, "shift_ns", t->shift);
	ct_json_kv_double(w, "lo_ns", t->lo);
	ct_json_kv_double(w, "hi_ns", t->hi);
	ct_json_end_object(w);
}

static void json_values(struct ct_json *w, const char *key,
			const double *v, size_t n)
{
	ct_json_key(w, key);
	ct_json_start_array(w);
	for (size_t i = 0; i < n; i++)
		ct_json_double(w, v[i]);
	ct_json_end_array(w);
}

static void json_row(struct ct_json *w, const struct ct_cmp_set *s,
		     const struct ct_cmp_row *r, const struct ct_cmp_opts *o)
{
	ct_json_start_object(w);
	ct_json_kv_string(w, "type", "compare");
	ct_json_kv_string(w, "group", s->groups.name[r->group]);
	ct_json_kv_string(w, "metric", s->metrics.name[r->metric]);
	ct_json_kv_u64(w, "n_a", r->n[0]);
	ct_json_kv_u64(w, "n_b", r->n[1]);
	ct_json_kv_bool(w, "tested", r->tested);
	if (r->tested) {
		ct_json_kv_double(w, "median_a_ns", r->r.med_a);
		ct_json_kv_double(w, "median_b_ns", r->r.med_b);
		ct_json_kv_double(w, "shift_ns", r->r.shift);
		ct_json_kv_double(w, "ci_lo_ns", r->r.has_ci ? r->r.lo : NAN);
		ct_json_kv_double(w, "ci_hi_ns", r->r.has_ci ? r->r.hi : NAN);
		ct_json_kv_double(w, "conf", o->conf);
		ct_json_kv_double(w, "ratio", r->r.med_b / r->r.med_a);
		ct_json_kv_double(w, "u", r->r.u);
		ct_json_kv_double(w, "p", r->r.p);
		ct_json_kv_string(w, "method", r->r.exact ? "exact" : "normal");
		ct_json_kv_double(w, "q", r->q);
		ct_json_kv_bool(w, "moved", r->moved);
		ct_json_kv_double(w, "cliff_delta", r->r.cliff);
		json_tail(w, "p90", &r->tail[0]);
		json_tail(w, "p99", &r->tail[1]);
	}
	if (o->samples) {
		json_values(w, "a_ns", r->v[0], r->n[0]);
		json_values(w, "b_ns", r->v[1], r->n[1]);
	}
	ct_json_end_object(w);
	fputc('\n', stdout);
}

static void json_out(const struct ct_cmp_set *s, const struct ct_cmp_row *rows,
		     size_t n, const struct ct_cmp_opts *o)
{
	struct ct_json w;

	ct_json_init(&w, stdout);
	for (int i = 0; i < 2; i++) {
		const struct ct_cmp_side *d = &s->side[i];

		ct_json_start_object(&w);
		ct_json_kv_string(&w, "type", "compare_input");
		ct_json_kv_string(&w, "side", i ? "B" : "A");
		ct_json_kv_string(&w, "input", o->in[1] ? o->in[i] : o->in[0]);
		if (o->by)
			ct_json_kv_string(&w, o->by,
					  s->vals[i] ? s->vals[i] : "");
		ct_json_kv_u64(&w, "records", d->records);
		ct_json_kv_u64(&w, "restarts", d->restarts);
		ct_json_kv_u64(&w, "failed", d->failed);
		ct_json_kv_u64(&w, "partial", d->partial);
		ct_json_kv_u64(&w, "unarmed", d->unarmed);
		if (o->by) {
			ct_json_kv_u64(&w, "no_key", d->no_key);
			ct_json_kv_u64(&w, "other_key", d->other_key);
		}
		ct_json_end_object(&w);
		fputc('\n', stdout);
	}
	for (size_t i = 0; i < n; i++)
		json_row(&w, s, &rows[i], o);
}

/* "runc" (--by), "runc in run.ctrec" (--by, two inputs), else the input */
static const char *side_name(const struct ct_cmp_set *s, const struct ct_cmp_opts *o,
			     int i)
{
	static char buf[2][512];

	if (!o->by)
		return o->in[i];
	snprintf(buf[i], sizeof(buf[i]), "%s %s", s->vals[i] ? s->vals[i] : "?",
		 o->in[1] ? o->in[i] : o->in[0]);
	return buf[i];
}

static void text_out(const struct ct_cmp_set *s, const struct ct_cmp_row *rows,
		     size_t n, const struct ct_cmp_opts *o)
{
	for (int i = 0; i < 2; i++)
		side_line(stdout, s, i, side_name(s, o, i));
	fputc('\n', stdout);
	verdict(stdout, s, rows, n, o);
	table(stdout, s, rows, n, o->markdown, o->conf);
}

void ct_cmp_print(const struct ct_cmp_set *s, const struct ct_cmp_row *rows,
		  size_t n, const struct ct_cmp_opts *o)
{
	if (o->json)
		json_out(s, rows, n, o);
	else
		text_out(s, rows, n, o);
}
