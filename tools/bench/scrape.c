// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tools/bench/scrape's renderer: what one scrape of /metrics costs for a
 * session of N label sets.  The records are a fixture's, replayed by the
 * session's own code (ct_session_replay(), as `coldtrace --replay`),
 * then copied into the aggregate of the variant asked for:
 *
 *   fold N   continuous mode (the systemd unit's and the DaemonSet's):
 *            the records under N (runtime, engine, kind) groups, the
 *            only labels it has (at most 24: 4 runtimes x 5 engines,
 *            and 4 runtimes of CRI pods);
 *   id N     one-shot with --metrics-labels=id: N containers, each its
 *            own series (the records' ids made distinct);
 *   fold 0   a fresh session of continuous mode, no container yet;
 *   scope 0  the same with -r runc,crun,runsc,kata: every group of that
 *            scope (and the pulling engines' pulls) at 0 from the start.
 *
 * The body is ct_session_serve("/metrics")'s, what the server sends, and
 * its gzip'd size the server's own httpd_gzip()'s.  The render is timed
 * REPS times (CLOCK_MONOTONIC), the median said.
 *
 * Usage: bench_scrape FIXTURE fold|id|scope N [REPS [OUT]]
 * Prints "mode sets containers lines bytes gzip_bytes render_ms"; OUT
 * gets the body (for promtool).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agg.h"
#include "engine.h"
#include "httpd.h"
#include "prom.h"
#include "session.h"

#define MAX_SETS	1000

struct label_set {
	enum ct_runtime rt;
	enum ct_engine_kind e;
	bool pod;
};

/* The continuous mode's groups, containers' first: set i of at most 24. */
static size_t fold_sets(struct label_set *s)
{
	size_t n = 0;

	for (int rt = CT_RT_RUNC; rt < CT_RT_MAX; rt++)
		for (int e = CT_ENG_DOCKER; e < CT_ENG_MAX; e++)
			s[n++] = (struct label_set){ rt, e, false };
	for (int rt = CT_RT_RUNC; rt < CT_RT_MAX; rt++)
		s[n++] = (struct label_set){ rt, CT_ENG_CRI, true };
	return n;
}

/* Record c as a member of set s. */
static void relabel(struct ct_container *c, const struct label_set *s)
{
	c->runtime = s->rt;
	c->engine = s->e;
	c->is_pod = s->pod;
	if (s->pod)
		c->pod_ready_ns = c->phases[CT_PH_RUN].start_ns;
	else
		c->pod[0] = '\0';
}

/* A one-shot aggregate keeps a record only up to its used slow[]. */
static void copy_kept(struct ct_container *c, const struct ct_container *k)
{
	size_t n = k->n_slow < CT_OPENS_SLOW_K ? k->n_slow : CT_OPENS_SLOW_K;

	memset(c, 0, sizeof(*c));
	memcpy(c, k, offsetof(struct ct_container, slow) +
		     n * sizeof(k->slow[0]));
}

/* The variant's aggregate, from the replayed records of src. */
static struct ct_agg *build(const struct ct_agg *src, bool fold, size_t n,
			    size_t *added)
{
	struct label_set sets[32];
	size_t nsets = fold_sets(sets), m = ct_agg_count(src);
	struct ct_agg *a = fold ? ct_agg_new_continuous(CT_CONTINUOUS_WINDOW)
				: ct_agg_new();
	struct ct_container c;

	if (!a || (!m && n) || (fold && n > nsets))
		return NULL;
	*added = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < (fold ? m : 1); k++) {
			copy_kept(&c, ct_agg_get(src, fold ? k : i % m));
			if (fold)
				relabel(&c, &sets[i]);
			else
				snprintf(c.id, sizeof(c.id), "%.100s-%zu",
					 ct_agg_get(src, i % m)->id, i);
			if (ct_agg_add(a, &c))
				return NULL;
			(*added)++;
		}
	}
	return a;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Renders REPS times: the median's ms; the last body in *body. */
static double render(struct ct_session *s, int reps, char **body,
		     size_t *len)
{
	double *t = calloc(reps, sizeof(*t)), med;
	const char *ctype;

	for (int i = 0; i < reps && t; i++) {
		double t0 = now_ms();

		free(*body);
		*body = NULL;
		if (ct_session_serve("/metrics", body, len, &ctype, s)) {
			free(t);
			return -1;
		}
		t[i] = now_ms() - t0;
	}
	if (!t)
		return -1;
	qsort(t, reps, sizeof(*t), cmp_double);
	med = t[reps / 2];
	free(t);
	return med;
}

static size_t lines_of(const char *b, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += b[i] == '\n';
	return n;
}

int main(int argc, char **argv)
{
	struct ct_cli cli = { 0 };
	struct ct_session s = { .cli = &cli };
	size_t n, added = 0, len = 0, gzlen = 0;
	char *body = NULL, *gz = NULL;
	struct ct_agg *a;
	bool fold, scope;
	int reps, fd;
	double ms;
	FILE *out, *res;

	ct_engines_use(&ct_builtin_engines);
	if (argc < 4 || (strcmp(argv[2], "fold") && strcmp(argv[2], "id") &&
			  strcmp(argv[2], "scope"))) {
		fprintf(stderr, "usage: %s FIXTURE fold|id|scope N "
			"[REPS [OUT]]\n", argv[0]);
		return 2;
	}
	scope = !strcmp(argv[2], "scope");
	fold = scope || !strcmp(argv[2], "fold");
	n = scope ? 0 : strtoul(argv[3], NULL, 10);
	reps = argc > 4 ? atoi(argv[4]) : 21;
	if ((!n && !fold) || n > MAX_SETS || reps < 1)
		return 2;
	cli.replay_path = argv[1];
	/* the replay's table: not what is measured */
	fd = dup(STDOUT_FILENO);
	res = fd < 0 ? NULL : fdopen(fd, "w");
	if (!res || !freopen("/dev/null", "w", stdout) ||
	    ct_session_replay(&s))
		return 1;
	a = build(s.agg, fold, n, &added);
	if (!a) {
		fprintf(stderr, "bench_scrape: cannot build %s %zu\n", argv[2],
			n);
		return 1;
	}
	ct_agg_free(s.agg);
	s.agg = a;
	cli.metrics_labels = fold ? 0 : CT_PROM_LABEL_ID;
	/* -r runc,crun,runsc,kata */
	cli.runtime_mask = scope ? (1u << CT_RT_MAX) - 2 : 0;
	ms = render(&s, reps, &body, &len);
	if (ms < 0 || !httpd_gzip(body, len, &gz, &gzlen))
		return 1;
	if (argc > 5) {
		out = fopen(argv[5], "w");
		if (!out || fwrite(body, 1, len, out) != len || fclose(out))
			return 1;
	}
	fprintf(res, "%s %zu %zu %zu %zu %zu %.3f\n", argv[2], n, added,
		lines_of(body, len), len, gzlen, ms);
	fclose(res);
	free(body);
	free(gz);
	ct_session_free(&s);
	return 0;
}
