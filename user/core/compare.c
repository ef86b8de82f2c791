// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `coldtrace compare A B` (compare.h, docs/compare.md): each group's
 * metrics compared between two runs (twosample.h), the false discovery
 * rate held over all of them at once (Benjamini-Hochberg), a verdict
 * first, then the table, JSON Lines or Markdown, and the gates.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "compare_gate.h"
#include "compare_read.h"
#include "container.h"
#include "json.h"
#include "twosample.h"
#include "util.h"

#define CMP_MIN_N	3	/* per side, for a test */
#define CMP_RESAMPLES	2000
#define CMP_SEED	0x636f6c6474726163ULL	/* "coldtrac": reruns agree */

static const unsigned int tails[] = { 90, 99 };
#define N_TAILS	(sizeof(tails) / sizeof(tails[0]))

struct tail {
	bool ok;		/* false: too few for the tail */
	double shift, lo, hi;
};

struct row {
	uint32_t group, metric;
	double *v[2];		/* sorted; into the set's obs copy */
	size_t n[2];
	bool tested;		/* both sides have CMP_MIN_N */
	struct ct_ts_result r;
	double q;		/* BH-adjusted p */
	bool moved;		/* q < fdr */
	struct tail tail[N_TAILS];
};

struct opts {
	const char *in[2];
	const char *by;
	bool json, markdown, samples;
	double conf, fdr, alpha;
	struct ct_gate gates[CT_GATE_MAX];
	size_t ngates;
};

static const char usage[] =
	"Usage: coldtrace compare [OPTIONS] A B\n"
	"       coldtrace compare [OPTIONS] --by KEY INPUT\n"
	"\n"
	"Which phase moved between two runs, by how much, and whether it is\n"
	"real: for each (runtime, engine, kind) and each of cold_start, total,\n"
	"the phases (and with --why's records each phase's cpu/runq/io/sleep\n"
	"and wait sites), B's shift from A (the Hodges-Lehmann estimate and its\n"
	"95 %% interval), the ratio of the medians, the Mann-Whitney U test's p\n"
	"(exact, or normal with tie and continuity corrections), Cliff's delta,\n"
	"p90/p99 shifts with bootstrap intervals; the false discovery rate held\n"
	"over all comparisons (Benjamini-Hochberg).  Cold starts, pods, restores\n"
	"and restarts are compared each with its own kind; failed, partial and\n"
	"unarmed records are kept out, and counted.\n"
	"\n"
	"A, B, INPUT: a --record file, an -o DIR, or a containers.jsonl (-j).\n"
	"\n"
	"Options:\n"
	"  --by KEY          runtime, engine, image or kind: the key A and B differ\n"
	"                    in, left out of the groups; with one INPUT, its two\n"
	"                    values are the sides (A: the first seen); kind\n"
	"                    compares cold starts only (cold start vs restore)\n"
	"  -j, --json        JSON Lines: each side's counts, one object per comparison\n"
	"  --samples         with -j, each comparison's values too (coldtrace-plot)\n"
	"  --markdown        the verdict and tables as Markdown (a pull request)\n"
	"  --conf LEVEL      the shifts' intervals (default 0.95)\n"
	"  --fdr Q           false discovery rate of the verdict (default 0.05)\n"
	"  --fail-if EXPR    exit 1 when the shift's lower bound passes a limit:\n"
	"                    'METRIC.p50|p90|p99 > +N%%' or '> +Nms' (us, s, ns);\n"
	"                    repeatable\n"
	"  --alpha A         the gates' interval is 1 - A (default 0.001)\n"
	"  -h, --help        this help\n"
	"\n"
	"Exit status: 0 no regression, 1 a --fail-if gate failed, 2 trouble.\n"
	"\n"
	"Examples:\n"
	"  coldtrace compare before.ctrec after.ctrec\n"
	"  coldtrace compare --by runtime session.ctrec            # runc vs runsc\n"
	"  coldtrace compare --markdown out-main/ out-branch/ > comment.md\n"
	"  coldtrace compare --fail-if 'cold_start.p50 > +5%%' base/ new/\n";

enum { OPT_BY = 256, OPT_MARKDOWN, OPT_SAMPLES, OPT_CONF, OPT_FDR, OPT_FAIL_IF, OPT_ALPHA };

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "coldtrace compare: ");
	fprintf(stderr, fmt, arg);
	fputs(" (coldtrace compare --help)\n", stderr);
	return 2;
}

static bool probability(const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	return end != s && !*end && *out > 0 && *out < 1;
}

static bool by_known(const char *key)
{
	for (size_t i = 0; ct_cmp_by_keys[i]; i++)
		if (!strcmp(key, ct_cmp_by_keys[i]))
			return true;
	return false;
}

/* 0: parsed, 1: --help printed, 2: refused (one line on stderr). */
static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "by", required_argument, NULL, OPT_BY },
		{ "json", no_argument, NULL, 'j' },
		{ "markdown", no_argument, NULL, OPT_MARKDOWN },
		{ "samples", no_argument, NULL, OPT_SAMPLES },
		{ "conf", required_argument, NULL, OPT_CONF },
		{ "fdr", required_argument, NULL, OPT_FDR },
		{ "fail-if", required_argument, NULL, OPT_FAIL_IF },
		{ "alpha", required_argument, NULL, OPT_ALPHA },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char err[512];
	int c;

	*o = (struct opts){ .conf = 0.95, .fdr = 0.05, .alpha = 0.001 };
	optind = 1;
	opterr = 0;	/* one line, ours */
	while ((c = getopt_long(argc, argv, "+jh", longs, NULL)) != -1) {
		switch (c) {
		case OPT_BY:
			if (!by_known(optarg))
				return bad("--by %s: runtime, engine, image or kind",
					   optarg);
			o->by = optarg;
			break;
		case 'j': o->json = true; break;
		case OPT_MARKDOWN: o->markdown = true; break;
		case OPT_SAMPLES: o->samples = true; break;
		case OPT_CONF:
			if (!probability(optarg, &o->conf))
				return bad("--conf %s: a level between 0 and 1",
					   optarg);
			break;
		case OPT_FDR:
			if (!probability(optarg, &o->fdr))
				return bad("--fdr %s: a rate between 0 and 1",
					   optarg);
			break;
		case OPT_ALPHA:
			if (!probability(optarg, &o->alpha))
				return bad("--alpha %s: between 0 and 1",
					   optarg);
			break;
		case OPT_FAIL_IF:
			if (o->ngates == CT_GATE_MAX)
				return bad("--fail-if %s: at most 16", optarg);
			if (ct_gate_parse(optarg, &o->gates[o->ngates++], err,
					  sizeof(err)))
				return bad("%s", err);
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			return bad("%s: an unknown option or one without its value",
				   argv[optind - 1]);
		}
	}
	if (o->json && o->markdown)
		return bad("%s", "-j and --markdown: one of the two");
	if (o->samples && !o->json)
		return bad("%s", "--samples: with -j");
	if (argc - optind != 2 && !(o->by && argc - optind == 1))
		return bad("%s", o->by ? "--by KEY takes INPUT, or A and B" :
					 "wants two inputs, A and B");
	o->in[0] = argv[optind];
	o->in[1] = argc - optind == 2 ? argv[optind + 1] : NULL;
	return 0;
}

static const struct ct_cmp_set *sort_set;

static int cmp_obs(const void *x, const void *y)
{
	const struct ct_cmp_obs *a = x, *b = y;
	int d;

	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	if (a->metric != b->metric) {
		d = ct_cmp_metric_order(sort_set->metrics.name[a->metric],
					sort_set->metrics.name[b->metric]);
		return d ? d : (a->metric < b->metric ? -1 : 1);
	}
	if (a->side != b->side)
		return a->side - b->side;
	return (a->v > b->v) - (a->v < b->v);
}

/* Observations of group g's metric m on side, and where they are. */
static size_t span(const struct ct_cmp_set *s, size_t i, size_t *end)
{
	size_t j = i;

	while (j < s->n && s->obs[j].group == s->obs[i].group &&
	       s->obs[j].metric == s->obs[i].metric &&
	       s->obs[j].side == s->obs[i].side)
		j++;
	*end = j;
	return j - i;
}

/*
 * A wait site outside a record's top list counts 0 there (its time is in
 * the record's `other`, at most its fourth site's): the zeros are the
 * records with the phase's split less those listing the site.
 */
static size_t zeros_of(const struct ct_cmp_set *s, const struct row *rows,
		       size_t n, const struct row *r, size_t listed, int side)
{
	const char *m = s->metrics.name[r->metric], *colon = strchr(m, ':');
	size_t len = colon ? (size_t)(colon - m) : 0;

	/* the phase's PHASE.cpu row comes before its sites' (metric order) */
	for (size_t i = n; colon && i-- > 0 && rows[i].group == r->group;) {
		const char *c = s->metrics.name[rows[i].metric];

		if (&rows[i] != r && !strncmp(c, m, len) &&
		    !strcmp(c + len, ".cpu"))
			return rows[i].n[side] > listed ?
				       rows[i].n[side] - listed : 0;
	}
	return 0;
}

static double *side_values(const struct ct_cmp_set *s, size_t i, size_t n,
			   size_t zeros)
{
	double *v = calloc(n + zeros + 1, sizeof(double));

	if (!v)
		return NULL;
	for (size_t k = 0; k < n; k++)	/* zeros first: still sorted */
		v[zeros + k] = s->obs[i + k].v;
	return v;
}

static int compute(struct row *r, double conf)
{
	r->tested = r->n[0] >= CMP_MIN_N && r->n[1] >= CMP_MIN_N;
	if (!r->tested)
		return 0;
	if (ct_ts_compare(r->v[0], r->n[0], r->v[1], r->n[1], conf, &r->r))
		return -1;
	for (size_t t = 0; t < N_TAILS; t++)
		r->tail[t].ok = ct_ts_tail_shift(r->v[0], r->n[0], r->v[1],
						 r->n[1], tails[t], conf,
						 CMP_RESAMPLES, CMP_SEED,
						 &r->tail[t].shift,
						 &r->tail[t].lo, &r->tail[t].hi);
	return 0;
}

/* --why's metrics are compared only where both sides have the phase's
 * split (the zeros of a site are records with a split). */
static bool why_one_sided(const struct ct_cmp_set *s, const struct row *r)
{
	const char *m = s->metrics.name[r->metric];

	return (strchr(m, '.') || strchr(m, ':')) && (!r->n[0] || !r->n[1]);
}

/* The rows, one per (group, metric) either side has. */
static struct row *rows_of(struct ct_cmp_set *s, double conf, size_t *nrows)
{
	struct row *rows = NULL, *r;
	size_t i = 0, end, n = 0, cap = 0;

	sort_set = s;
	qsort(s->obs, s->n, sizeof(*s->obs), cmp_obs);
	while (i < s->n) {
		if (ct_room((void **)&rows, &cap, n + 1, sizeof(*rows)))
			goto fail;
		r = &rows[n++];
		memset(r, 0, sizeof(*r));
		r->group = s->obs[i].group, r->metric = s->obs[i].metric;
		for (int side = 0; side < 2; side++) {
			size_t k = 0, z;

			if (i < s->n && s->obs[i].group == r->group &&
			    s->obs[i].metric == r->metric &&
			    s->obs[i].side == side)
				k = span(s, i, &end);
			z = zeros_of(s, rows, n, r, k, side);
			r->v[side] = side_values(s, i, k, z);
			r->n[side] = k + z;
			i += k;
			if (!r->v[side])
				goto fail;
		}
		if (why_one_sided(s, r)) {
			free(r->v[0]), free(r->v[1]);
			n--;
			continue;
		}
		if (compute(r, conf))
			goto fail;
	}
	*nrows = n;
	return rows;
fail:
	for (i = 0; i < n; i++)
		free(rows[i].v[0]), free(rows[i].v[1]);
	free(rows);
	return NULL;
}

static int adjust(struct row *rows, size_t n, double fdr)
{
	double *p = malloc((n + 1) * sizeof(double));
	double *q = malloc((n + 1) * sizeof(double));
	size_t k = 0;

	if (!p || !q) {
		free(p), free(q);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (rows[i].tested)
			p[k++] = rows[i].r.p;
	ct_ts_bh(p, k, q);
	k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].tested)
			continue;
		rows[i].q = q[k++];
		rows[i].moved = rows[i].q < fdr;
	}
	free(p), free(q);
	return 0;
}

/* "+48.2 ms": a signed duration in the unit its size reads best in. */
static const char *dur(char *buf, size_t len, double ns, bool sign)
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
static const struct row *cold_of(const struct ct_cmp_set *s,
				 const struct row *rows, size_t n, uint32_t g)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].group == g && rows[i].tested &&
		    !strcmp(s->metrics.name[rows[i].metric], "cold_start"))
			return &rows[i];
	return NULL;
}

/* "create +48 ms (+45 %, 95 % CI +39..+57 ms, p < 0.001)" */
static void verdict_line(FILE *f, const struct ct_cmp_set *s,
			 const struct row *r, const struct row *cold,
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
		dur(a, sizeof(a), r->r.shift, true), rel, 100 * conf,
		r->r.has_ci ? dur(b, sizeof(b), r->r.lo, true) : "?",
		r->r.has_ci ? dur(c, sizeof(c), r->r.hi, true) : "?",
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
	const struct row *a = *(const struct row *const *)x;
	const struct row *b = *(const struct row *const *)y;
	double d = fabs(b->r.shift) - fabs(a->r.shift);

	return (d > 0) - (d < 0);
}

/* The verdict's lines: at most this many moves, the rest in the table. */
#define CMP_VERDICT_LINES	12

/* A split state (create.cpu) is detail: the table has it, not the verdict. */
static bool in_verdict(const struct ct_cmp_set *s, const struct row *r)
{
	return !strchr(s->metrics.name[r->metric], '.');
}

static void still_lines(FILE *f, const struct ct_cmp_set *s,
			const struct row *rows, size_t n, const char *bullet)
{
	uint32_t g = UINT32_MAX;

	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

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

static void verdict(FILE *f, const struct ct_cmp_set *s, struct row *rows,
		    size_t n, const struct opts *o)
{
	const struct row **moved = calloc(n + 1, sizeof(*moved));
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
		fprintf(f, ", %llu without a %s, %llu of another",
			(unsigned long long)d->no_key, s->by,
			(unsigned long long)d->other_key);
	fputc('\n', f);
}

static void tail_cell(char *buf, size_t len, const struct tail *t)
{
	char a[32], b[32], c[32];

	if (!t->ok) {
		snprintf(buf, len, "too few");
		return;
	}
	snprintf(buf, len, "%s (%s..%s)", dur(a, sizeof(a), t->shift, true),
		 dur(b, sizeof(b), t->lo, true), dur(c, sizeof(c), t->hi, true));
}

static void table_row(FILE *f, const struct ct_cmp_set *s, const struct row *r,
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
		 r->r.has_ci ? dur(lo, sizeof(lo), r->r.lo, true) : "?",
		 r->r.has_ci ? dur(hi, sizeof(hi), r->r.hi, true) : "?");
	snprintf(ratio, sizeof(ratio), "%.3f", r->r.med_b / r->r.med_a);
	snprintf(delta, sizeof(delta), "%+.2f", r->r.cliff);
	tail_cell(t0, sizeof(t0), &r->tail[0]);
	tail_cell(t1, sizeof(t1), &r->tail[1]);
	fprintf(f, fmt, s->metrics.name[r->metric], r->n[0], r->n[1],
		dur(ma, sizeof(ma), r->r.med_a, false),
		dur(mb, sizeof(mb), r->r.med_b, false),
		dur(sh, sizeof(sh), r->r.shift, true), ci,
		r->r.med_a ? ratio : "-", pval(p, sizeof(p), r->r.p),
		pval(q, sizeof(q), r->q), delta, t0, t1);
}

static void table(FILE *f, const struct ct_cmp_set *s, const struct row *rows,
		  size_t n, bool md, double conf)
{
	uint32_t g = UINT32_MAX;
	char ci[32];

	snprintf(ci, sizeof(ci), "%g %% CI", 100 * conf);

	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

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

static void json_tail(struct ct_json *w, const char *key, const struct tail *t)
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
		     const struct row *r, const struct opts *o)
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

static void json_out(const struct ct_cmp_set *s, const struct row *rows,
		     size_t n, const struct opts *o)
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

/* Each gate on each group with its metric: 1 if one fails, 2 if none
 * could be judged (too few), else 0. */
static int gates(const struct ct_cmp_set *s, const struct row *rows,
		 size_t n, const struct opts *o)
{
	int ret = 0;

	for (size_t k = 0; k < o->ngates; k++) {
		const struct ct_gate *g = &o->gates[k];
		size_t judged = 0;

		for (size_t i = 0; i < n; i++) {
			const struct row *r = &rows[i];
			struct ct_ts_result t;
			double a, sh, lo, hi;

			if (strcmp(s->metrics.name[r->metric], g->metric) ||
			    !r->tested)
				continue;
			if (g->pct == 50) {
				if (ct_ts_compare(r->v[0], r->n[0], r->v[1],
						  r->n[1], 1 - o->alpha, &t) ||
				    !t.has_ci)
					continue;
				a = t.med_a, lo = t.lo, sh = t.shift;
			} else {
				if (!ct_ts_tail_shift(r->v[0], r->n[0], r->v[1],
						      r->n[1], g->pct,
						      1 - o->alpha,
						      (unsigned int)ceil(20 / o->alpha),
						      CMP_SEED, &sh, &lo, &hi))
					continue;
				a = ct_ts_percentile(r->v[0], r->n[0], g->pct);
			}
			judged++;
			if (ct_gate_fails(g, a, lo)) {
				char b[32], c[32];

				fprintf(stderr, "coldtrace compare: %s: FAILED on %s: shift %s, its %g %% interval from %s\n",
					g->expr, s->groups.name[r->group],
					dur(b, sizeof(b), sh, true),
					100 * (1 - o->alpha),
					dur(c, sizeof(c), lo, true));
				ret = 1;
			}
		}
		if (!judged) {
			fprintf(stderr, "coldtrace compare: %s: no group has enough of %s on both sides to judge it\n",
				g->expr, g->metric);
			return 2;
		}
	}
	return ret;
}

/* "runc" (--by), "runc in run.ctrec" (--by, two inputs), else the input */
static const char *side_name(const struct ct_cmp_set *s, const struct opts *o,
			     int i)
{
	static char buf[2][512];

	if (!o->by)
		return o->in[i];
	snprintf(buf[i], sizeof(buf[i]), "%s %s", s->vals[i] ? s->vals[i] : "?",
		 o->in[1] ? o->in[i] : o->in[0]);
	return buf[i];
}

static void text_out(const struct ct_cmp_set *s, struct row *rows, size_t n,
		     const struct opts *o)
{
	for (int i = 0; i < 2; i++)
		side_line(stdout, s, i, side_name(s, o, i));
	fputc('\n', stdout);
	verdict(stdout, s, rows, n, o);
	table(stdout, s, rows, n, o->markdown, o->conf);
}

int ct_compare_main(int argc, char **argv, const char *self)
{
	struct ct_cmp_set s = { 0 };
	struct row *rows = NULL;
	struct opts o;
	size_t n = 0;
	char err[1024];
	int ret = parse(argc, argv, &o);

	if (ret)
		return ret == 1 ? 0 : 2;
	s.by = o.by;
	for (int i = 0; i < (o.in[1] ? 2 : 1) && !ret; i++)
		ret = ct_cmp_read(&s, o.in[i], o.in[1] ? i : -1, self, err,
				  sizeof(err));
	if (!ret && o.by && !o.in[1] && !s.vals[1])
		snprintf(err, sizeof(err), "--by %s: %s has one value (%s), nothing to compare",
			 o.by, o.in[0], s.vals[0] ? s.vals[0] : "none"), ret = -1;
	if (!ret && !(rows = rows_of(&s, o.conf, &n)) && s.n)
		snprintf(err, sizeof(err), "out of memory"), ret = -1;
	if (!ret && adjust(rows, n, o.fdr))
		snprintf(err, sizeof(err), "out of memory"), ret = -1;
	if (ret) {
		fprintf(stderr, "coldtrace compare: %s\n", err);
		ret = 2;
	} else {
		if (o.json)
			json_out(&s, rows, n, &o);
		else
			text_out(&s, rows, n, &o);
		ret = gates(&s, rows, n, &o);
	}
	for (size_t i = 0; i < n; i++)
		free(rows[i].v[0]), free(rows[i].v[1]);
	free(rows);
	ct_cmp_set_free(&s);
	if (fflush(stdout) && !ret)
		ret = 2;
	return ret;
}
