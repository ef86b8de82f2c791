// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* metrics.prom and /metrics: see prom.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "prom.h"
#include "json.h"

struct prom_ctx {
	const struct ct_agg *agg;
	const struct ct_meta *meta;
	struct ct_restart *restarts;
	size_t nrestarts;
};

/* ---- metrics.prom (Prometheus text exposition format 0.0.4) ---- */

/* Bucket upper bounds in ns: 100 us .. 60 s. */
static const uint64_t prom_le_ns[] = {
	100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
	25000000, 50000000, 100000000, 250000000, 500000000, 1000000000,
	2500000000, 5000000000, 10000000000, 30000000000, 60000000000,
};
#define PROM_NB	(sizeof(prom_le_ns) / sizeof(prom_le_ns[0]))

/* Seconds, exact, without trailing zeros: 2500000 ns -> 0.0025 */
static void prom_seconds(FILE *f, uint64_t ns)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64 ".%09" PRIu64,
			 ns / 1000000000, ns % 1000000000);

	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	fputs(buf, f);
}

/* Label values: \\, \" and \n escaped; invalid UTF-8 -> U+FFFD. */
static void prom_label(FILE *f, const char *name, const char *v)
{
	const unsigned char *p = (const unsigned char *)(v ? v : "");
	size_t n = strlen((const char *)p), i = 0, sl;

	fprintf(f, "%s=\"", name);
	while (i < n) {
		sl = ct_utf8_seq_len(p + i, n - i);
		if (sl == 0)
			fputs("\xef\xbf\xbd", f);
		else if (p[i] == '\\')
			fputs("\\\\", f);
		else if (p[i] == '"')
			fputs("\\\"", f);
		else if (p[i] == '\n')
			fputs("\\n", f);
		else
			fwrite(p + i, 1, sl, f);
		i += sl ? sl : 1;
	}
	fputc('"', f);
}

static void prom_family(FILE *f, const char *name, const char *type,
			const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct prom_hist {
	uint64_t bucket[PROM_NB];	/* not cumulative: one per bound */
	uint64_t count;
	uint64_t sum_ns;
};

static void prom_observe(struct prom_hist *h, uint64_t ns)
{
	size_t b = 0;

	while (b < PROM_NB && ns > prom_le_ns[b])
		b++;
	if (b < PROM_NB)
		h->bucket[b]++;
	h->count++;
	h->sum_ns += ns;
}

static void prom_hist_labels(FILE *f, const char *rt, const char *ph)
{
	prom_label(f, "runtime", rt);
	if (ph) {
		fputc(',', f);
		prom_label(f, "phase", ph);
	}
}

static void prom_print_hist(FILE *f, const char *name, const char *rt,
			    const char *ph, const struct prom_hist *h)
{
	uint64_t cum = 0;
	size_t b;

	for (b = 0; b < PROM_NB; b++) {
		cum += h->bucket[b];
		fprintf(f, "%s_bucket{", name);
		prom_hist_labels(f, rt, ph);
		fputs(",le=\"", f);
		prom_seconds(f, prom_le_ns[b]);
		fprintf(f, "\"} %" PRIu64 "\n", cum);
	}
	fprintf(f, "%s_bucket{", name);
	prom_hist_labels(f, rt, ph);
	fprintf(f, ",le=\"+Inf\"} %" PRIu64 "\n", h->count);
	fprintf(f, "%s_sum{", name);
	prom_hist_labels(f, rt, ph);
	fputs("} ", f);
	prom_seconds(f, h->sum_ns);
	fprintf(f, "\n%s_count{", name);
	prom_hist_labels(f, rt, ph);
	fprintf(f, "} %" PRIu64 "\n", h->count);
}

static void prom_phase_hists(FILE *f, const struct ct_agg *agg)
{
	const char *name = "coldtrace_phase_duration_seconds";
	struct prom_hist h;
	size_t i, n = ct_agg_count(agg);
	uint64_t v;
	int rt, p;

	prom_family(f, name, "histogram",
		    "Duration of each container lifecycle phase.");
	for (rt = 0; rt < CT_RT_MAX; rt++) {
		for (p = 0; p < CT_PH_MAX; p++) {
			memset(&h, 0, sizeof(h));
			for (i = 0; i < n; i++) {
				const struct ct_container *c = ct_agg_get(agg, i);

				if ((int)c->runtime == rt &&
				    ct_agg_counts(c) &&
				    ct_agg_sample(c, p, &v))
					prom_observe(&h, v);
			}
			if (h.count)
				prom_print_hist(f, name, ct_runtime_name(rt),
						ct_phase_name(p), &h);
		}
	}
}

static void prom_restart_hists(FILE *f, const struct prom_ctx *x)
{
	const char *name = "coldtrace_restart_duration_seconds";
	struct prom_hist h;
	size_t i;
	int rt;

	prom_family(f, name, "histogram",
		    "Old container's pid 1 exit to the new one's program start.");
	for (rt = 0; rt < CT_RT_MAX; rt++) {
		memset(&h, 0, sizeof(h));
		for (i = 0; i < x->nrestarts; i++) {
			const struct ct_restart *r = &x->restarts[i];

			if ((int)r->runtime == rt)
				prom_observe(&h, r->end_ns - r->start_ns);
		}
		if (h.count)
			prom_print_hist(f, name, ct_runtime_name(rt), NULL, &h);
	}
}

enum rt_count { RT_SEEN, RT_COMPLETE, RT_FAILED };

/* One counter family per runtime that has containers at all. */
static void prom_runtime_counter(FILE *f, const struct ct_agg *agg,
				 enum rt_count which, const char *name,
				 const char *help)
{
	size_t seen, complete, n;
	int rt;

	prom_family(f, name, "counter", help);
	for (rt = 0; rt < CT_RT_MAX; rt++) {
		seen = ct_agg_runtime_count(agg, rt, &complete);
		if (!seen)
			continue;
		n = which == RT_SEEN ? seen : which == RT_COMPLETE ?
			complete : ct_agg_runtime_failed(agg, rt);
		fprintf(f, "%s{", name);
		prom_label(f, "runtime", ct_runtime_name(rt));
		fprintf(f, "} %zu\n", n);
	}
}

static int write_prom(FILE *f, const struct prom_ctx *x)
{
	prom_family(f, "coldtrace_build_info", "gauge",
		    "coldtrace version and traced kernel.");
	fputs("coldtrace_build_info{", f);
	prom_label(f, "version", x->meta->version);
	fputc(',', f);
	prom_label(f, "kernel", x->meta->kernel);
	fputs("} 1\n", f);
	prom_runtime_counter(f, x->agg, RT_SEEN, "coldtrace_containers_total",
			     "Containers seen, per runtime.");
	prom_runtime_counter(f, x->agg, RT_COMPLETE,
			     "coldtrace_containers_complete_total",
			     "Containers seen from create to destroy, per runtime.");
	prom_runtime_counter(f, x->agg, RT_FAILED,
			     "coldtrace_containers_failed_total",
			     "Containers whose create failed, per runtime.");
	prom_family(f, "coldtrace_lost_events_total", "counter",
		    "Events lost by the kernel ring buffer.");
	fprintf(f, "coldtrace_lost_events_total %" PRIu64 "\n",
		x->meta->lost_events);
	prom_phase_hists(f, x->agg);
	prom_restart_hists(f, x);
	return 0;
}

int ct_export_prom(FILE *f, const struct ct_agg *agg,
		   const struct ct_meta *meta)
{
	struct prom_ctx x = { .agg = agg, .meta = meta };
	ssize_t nr = ct_agg_restarts(agg, &x.restarts);
	int ret;

	if (nr < 0)
		return (int)nr;
	x.nrestarts = nr;
	ret = write_prom(f, &x);
	free(x.restarts);
	return ret;
}
