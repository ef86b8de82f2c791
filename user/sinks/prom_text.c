// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The Prometheus text's pieces: label text, histograms (prom_text.h). */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include "prom_text.h"
#include "util.h"

/* Duration bucket upper bounds in ns: 100 us .. 60 s (the aggregator
 * keeps exact counts under the same bounds in continuous mode). */
#define prom_le_ns	ct_agg_le_ns
#define PROM_NB		CT_AGG_NLE

/* prom_text.h */
const char *ct_prom_seconds(char buf[32], uint64_t ns)
{
	int n = snprintf(buf, 32, "%" PRIu64 ".%09" PRIu64,
			 ns / 1000000000, ns % 1000000000);

	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}

static void lt_put(struct ct_prom_lt *t, const void *s, size_t n)
{
	/* never cut, by the bound above; kept whole-or-nothing anyway */
	if (n >= sizeof(t->s) - t->n)
		return;
	memcpy(t->s + t->n, s, n);
	t->n += n;
	t->s[t->n] = '\0';
}

/* prom_text.h */
void ct_prom_label_n(struct ct_prom_lt *t, const char *name, const char *v,
		     size_t max)
{
	const unsigned char *p = (const unsigned char *)(v ? v : "");
	size_t n = strnlen((const char *)p, max), i = 0, sl;

	if (t->n)
		lt_put(t, ",", 1);
	lt_put(t, name, strlen(name));
	lt_put(t, "=\"", 2);
	while (i < n) {
		sl = ct_utf8_seq_len(p + i, n - i);
		if (sl == 0)
			lt_put(t, "\xef\xbf\xbd", 3);
		else if (p[i] == '\\')
			lt_put(t, "\\\\", 2);
		else if (p[i] == '"')
			lt_put(t, "\\\"", 2);
		else if (p[i] == '\n')
			lt_put(t, "\\n", 2);
		else
			lt_put(t, p + i, sl);
		i += sl ? sl : 1;
	}
	lt_put(t, "\"", 1);
}

void ct_prom_label(struct ct_prom_lt *t, const char *name, const char *v)
{
	ct_prom_label_n(t, name, v, SIZE_MAX);
}

void ct_prom_hist_init(struct ct_prom_hist *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->le_ns, prom_le_ns, sizeof(prom_le_ns));
	h->nb = PROM_NB;
}

void ct_prom_hist_observe(struct ct_prom_hist *h, uint64_t ns)
{
	ct_le_count(h->bucket, h->le_ns, h->nb, ns);
	h->count++;
	h->sum_ns += ns;
}

/*
 * Slot k of a log2 histogram counts [2^k, 2^(k+1)) ns, so each is under
 * le = 2^(k+1) ns; the last slot also takes everything above, so it has
 * no bound of its own and counts in +Inf only.
 *
 * The kernel keeps counts, not a sum (one add per open less), so the
 * sum is what the slots tell exactly: each open counted at its slot's
 * middle, 1.5 * 2^k ns.  An open of [2^k, 2^(k+1)) is then counted
 * between 0.75 and 1.5 times itself, so the true sum of opens under
 * 2^31 ns (2.1 s, the last slot's start) lies in [2/3, 4/3) of it:
 * rate(_sum) / rate(_count) is a mean to within a third, and the sum
 * the many consumers that refuse a histogram without one need.
 */
void ct_prom_hist_log2(struct ct_prom_hist *h, const uint64_t *slots)
{
	size_t k;

	memset(h, 0, sizeof(*h));
	h->nb = CT_HIST_SLOTS - 1;
	for (k = 0; k < CT_HIST_SLOTS; k++) {
		if (k < h->nb) {
			h->le_ns[k] = 2ULL << k;
			h->bucket[k] = slots[k];
		}
		h->count += slots[k];
		h->sum_ns += slots[k] * ((3ULL << k) / 2);
	}
}

/* A histogram's lines, its labels l as text (prom_lt). */
void ct_prom_hist_print(FILE *f, const char *name, const char *l,
			 const struct ct_prom_hist *h)
{
	uint64_t cum = 0;
	char le[32];

	for (size_t b = 0; b < h->nb; b++) {
		cum += h->bucket[b];
		fprintf(f, "%s_bucket{%s,le=\"%s\"} %" PRIu64 "\n", name, l,
			ct_prom_seconds(le, h->le_ns[b]), cum);
	}
	fprintf(f, "%s_bucket{%s,le=\"+Inf\"} %" PRIu64 "\n", name, l,
		h->count);
	fprintf(f, "%s_sum{%s} %s\n", name, l, ct_prom_seconds(le, h->sum_ns));
	fprintf(f, "%s_count{%s} %" PRIu64 "\n", name, l, h->count);
}
