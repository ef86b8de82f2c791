// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `coldtrace compare A B` (compare.h, docs/compare.md): its options and
 * help, the inputs read (compare_read.c), the rows made and printed
 * (compare_rows.c, compare_print.c), then the gates judged.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "compare_rows.h"

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
static int parse(int argc, char **argv, struct ct_cmp_opts *o)
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

	*o = (struct ct_cmp_opts){ .conf = 0.95, .fdr = 0.05, .alpha = 0.001 };
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

/* Each gate on each group with its metric: 1 if one fails, 2 if none
 * could be judged (too few), else 0. */
static int gates(const struct ct_cmp_set *s, const struct ct_cmp_row *rows,
		 size_t n, const struct ct_cmp_opts *o)
{
	int ret = 0;

	for (size_t k = 0; k < o->ngates; k++) {
		const struct ct_gate *g = &o->gates[k];
		size_t judged = 0;

		for (size_t i = 0; i < n; i++) {
			const struct ct_cmp_row *r = &rows[i];
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
						      CT_CMP_SEED, &sh, &lo, &hi))
					continue;
				a = ct_ts_percentile(r->v[0], r->n[0], g->pct);
			}
			judged++;
			if (ct_gate_fails(g, a, lo)) {
				char b[32], c[32];

				fprintf(stderr, "coldtrace compare: %s: FAILED on %s: shift %s, its %g %% interval from %s\n",
					g->expr, s->groups.name[r->group],
					ct_cmp_dur(b, sizeof(b), sh, true),
					100 * (1 - o->alpha),
					ct_cmp_dur(c, sizeof(c), lo, true));
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

int ct_compare_main(int argc, char **argv, const char *self)
{
	struct ct_cmp_set s = { 0 };
	struct ct_cmp_row *rows = NULL;
	struct ct_cmp_opts o;
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
	if (!ret && !(rows = ct_cmp_rows(&s, o.conf, o.fdr, &n)) && s.n)
		snprintf(err, sizeof(err), "out of memory"), ret = -1;
	if (ret) {
		fprintf(stderr, "coldtrace compare: %s\n", err);
		ret = 2;
	} else {
		ct_cmp_print(&s, rows, n, &o);
		ret = gates(&s, rows, n, &o);
	}
	ct_cmp_rows_free(rows, n);
	ct_cmp_set_free(&s);
	if (fflush(stdout) && !ret)
		ret = 2;
	return ret;
}
