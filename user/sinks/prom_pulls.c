// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* metrics.prom's image pull families (pulls.h), labelled by engine only. */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include "engine.h"
#include "prom_text.h"
#include "pulls.h"
#include "util.h"

static const struct {
	const char *name, *help;
	size_t off;
} pull_counters[] = {
	{ "coldtrace_pulls_total", "Image pulls reported.",
	  offsetof(struct ct_pull_totals, pulls) },
	{ "coldtrace_pulls_complete_total", "Image pulls whose end was "
	  "seen, no record lost.", offsetof(struct ct_pull_totals, complete) },
	{ "coldtrace_pull_layers_total", "Layers fetched by image pulls.",
	  offsetof(struct ct_pull_totals, layers) },
	{ "coldtrace_pull_bytes_total", "Compressed layer bytes fetched by "
	  "image pulls.", offsetof(struct ct_pull_totals, bytes) },
	{ "coldtrace_pull_cached_layers_total", "Layers of pulled images "
	  "already present: listed by the daemon's store, not fetched.",
	  offsetof(struct ct_pull_totals, cached_layers) },
	{ "coldtrace_pull_cached_bytes_total", "Compressed bytes of those "
	  "layers, where the manifest gives them (not in the throughput).",
	  offsetof(struct ct_pull_totals, cached_bytes) },
	{ "coldtrace_pull_manifest_unread_total", "Image pulls whose image "
	  "the daemon stored but whose manifest or config could not be read: "
	  "their cached layers are unknown, in no count.",
	  offsetof(struct ct_pull_totals, manifest_unread) },
	{ "coldtrace_pull_untraced_files_total", "Blob files of image pulls "
	  "not followed whole (the pull hooks were off for part of their "
	  "life): bytes missing.",
	  offsetof(struct ct_pull_totals, untraced_files) },
};

/*
 * An engine's pull series come with its first pull; in a scope the user
 * named (--runtime, --engine), the pulling engines of it (dockerd's,
 * containerd's) have them at 0 from the first scrape, as in_scope().
 */
static bool pulls_of(const struct ct_meta *m, int e,
		     struct ct_pull_totals *t)
{
	const struct ct_pull_totals *have = ct_pulls_totals(m->pulls, e);
	uint32_t rm = m->runtime_mask, em = m->engine_mask;

	memset(t, 0, sizeof(*t));
	if (have)
		*t = *have;
	return have || (ct_engine(e)->pull && (rm || em) &&
			(!em || (em & (1u << e))));
}

/* The member of t at off (pull_counters[], pull_histograms[]). */
static const void *pull_field(const struct ct_pull_totals *t, size_t off)
{
	return (const char *)t + off;
}

static void pull_hist(struct ct_prom_hist *h, const struct ct_pull_hist *p)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->le_ns, ct_pull_le_ns, sizeof(ct_pull_le_ns));
	memcpy(h->bucket, p->le, sizeof(p->le));
	h->nb = CT_PULL_NLE;
	h->count = p->n;
	h->sum_ns = p->sum_ns;
}

static const struct {
	const char *name, *help;
	size_t off;
} pull_histograms[] = {
	{ "coldtrace_pull_duration_seconds", "Complete image pulls, start "
	  "to end.", offsetof(struct ct_pull_totals, dur) },
	{ "coldtrace_pull_time_to_first_byte_seconds", "Image pull start to "
	  "its first layer byte written.",
	  offsetof(struct ct_pull_totals, ttfb) },
};

static void pull_hists(FILE *f, const struct ct_pull_totals *t,
		       const bool *on, const struct ct_prom_lt *l)
{
	struct ct_prom_hist h;

	for (size_t i = 0; i < sizeof(pull_histograms) /
			       sizeof(pull_histograms[0]); i++) {
		ct_prom_family(f, pull_histograms[i].name, "histogram",
			    pull_histograms[i].help);
		for (int e = 0; e < CT_ENG_MAX; e++) {
			if (!on[e])
				continue;
			pull_hist(&h, pull_field(&t[e],
						 pull_histograms[i].off));
			ct_prom_hist_print(f, pull_histograms[i].name, l[e].s, &h);
		}
	}
}

/* Nothing when no engine pulled (or is in the scope named). */
void ct_prom_pulls(FILE *f, const struct ct_meta *m)
{
	struct ct_pull_totals t[CT_ENG_MAX];
	struct ct_prom_lt l[CT_ENG_MAX];
	bool on[CT_ENG_MAX], any = false;

	for (int e = 0; e < CT_ENG_MAX; e++) {
		on[e] = pulls_of(m, e, &t[e]);
		any |= on[e];
		l[e].n = 0;
		ct_prom_label(&l[e], "engine", ct_engine_name(e));
	}
	if (!any)
		return;
	for (size_t i = 0; i < sizeof(pull_counters) /
			       sizeof(pull_counters[0]); i++) {
		ct_prom_family(f, pull_counters[i].name, "counter",
			    pull_counters[i].help);
		for (int e = 0; e < CT_ENG_MAX; e++)
			if (on[e])
				fprintf(f, "%s{%s} %" PRIu64 "\n",
					pull_counters[i].name, l[e].s,
					*(const uint64_t *)pull_field(&t[e],
						pull_counters[i].off));
	}
	pull_hists(f, t, on, l);
}
