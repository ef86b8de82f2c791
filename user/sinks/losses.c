// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* counters.h's table, read once and said by each output (losses.h). */
#include <inttypes.h>
#include "chain.h"
#include "losses.h"
#include "tracker.h"
#include "util.h"

#define CT_COUNTER_ROW(field, src, ...)	{ __VA_ARGS__ },
static const struct ct_counter_row rows[CT_CTR_MAX] = {
	CT_COUNTERS(CT_COUNTER_ROW)
};
#undef CT_COUNTER_ROW

const struct ct_counter_row *ct_losses_row(enum ct_counter r)
{
	return &rows[r];
}

static uint64_t failed_total(const struct ct_agg *agg)
{
	uint64_t n = 0;

	for (int rt = 0; rt < CT_RT_MAX; rt++)
		for (int k = 0; k < CT_KIND_MAX; k++)
			n += ct_agg_runtime_failed(agg, rt, k);
	return n;
}

/* The OTHER rows: what is not a field of the tracker's stats. */
static void read_others(uint64_t *v, const struct ct_tracker_stats *st,
			const struct ct_agg *agg, const struct ct_meta *meta)
{
	struct ct_chain_stats ch;

	ct_chains_stats(meta->chains, &ch);
	v[CT_CTR_lost_events] = meta->lost_events;
	v[CT_CTR_map_full] = ct_tracker_map_full(st);
	v[CT_CTR_arm_latency_max] = st->arm_latency_max_ns / 1000;
	v[CT_CTR_failed] = failed_total(agg);
	v[CT_CTR_restart_keys_forgotten] = ct_agg_restart_keys_forgotten(agg);
	v[CT_CTR_chain_runners_dropped] = ch.dropped_runners;
	v[CT_CTR_chains_not_kept] = ch.dropped_kept;
}

#define CT_COUNTER_READ_TRACKER(field)	v[CT_CTR_##field] = st->field;
#define CT_COUNTER_READ_OTHER(field)
#define CT_COUNTER_READ(field, src, ...)	CT_COUNTER_READ_##src(field)

static void read_all(uint64_t *v, struct ct_tracker_stats *st,
		     const struct ct_agg *agg, const struct ct_meta *meta)
{
	ct_tracker_get_stats(meta->tracker, st);
	CT_COUNTERS(CT_COUNTER_READ)
	read_others(v, st, agg, meta);
}

void ct_losses_read(uint64_t v[CT_CTR_MAX], const struct ct_agg *agg,
		    const struct ct_meta *meta)
{
	struct ct_tracker_stats st;

	read_all(v, &st, agg, meta);
}

/* An output's place of row i: its text_at or prom_at (0: not there). */
static unsigned int place(int i, bool prom)
{
	return prom ? rows[i].prom_at : rows[i].text_at;
}

/*
 * The rows an output says, in its order, into order[]; their number.
 * Sorted, not looked up place by place, so that a row taken out leaves
 * no gap that would end the walk.
 */
static int output_order(int order[CT_CTR_MAX], bool prom)
{
	int n = 0, j;

	for (int i = 0; i < CT_CTR_MAX; i++) {
		if (!place(i, prom))
			continue;
		for (j = n; j > 0 && place(order[j - 1], prom) > place(i, prom);
		     j--)
			order[j] = order[j - 1];
		order[j] = i;
		n++;
	}
	return n;
}

/* Which maps refused inserts, and what it cost. */
static void map_full_line(FILE *f, const struct ct_tracker_stats *st,
			  uint64_t n)
{
	const char *sep = "";

	fprintf(f, "BPF maps full: %" PRIu64 " inserts refused (", n);
	for (int i = 0; i < CT_MAPFULL_NR; i++) {
		if (!st->map_full[i])
			continue;
		fprintf(f, "%s%s %" PRIu64, sep, ct_map_full_name(i),
			st->map_full[i]);
		sep = ", ";
	}
	fprintf(f, "): the containers concerned say their opens "
		"unobservable, blob files may be missing from pulls\n");
}

/* Row i's line, and row j's on it (CT_CTR_TEXT_WITH_NEXT; else -1). */
static void text_row(FILE *f, int i, int j, const uint64_t *v,
		     const struct ct_tracker_stats *st)
{
	const struct ct_counter_row *r = &rows[i];
	bool quiet = (r->flags & CT_CTR_TEXT_ALWAYS) && !v[i];

	if (r->flags & CT_CTR_BY_MAP) {
		if (v[i])
			map_full_line(f, st, v[i]);
		return;
	}
	if (!v[i] && !(r->flags & CT_CTR_TEXT_ALWAYS) && (j < 0 || !v[j]))
		return;
	fprintf(f, "%s%" PRIu64 "%s", r->text, v[i], quiet ? "" : r->after);
	if (j >= 0)
		fprintf(f, "%s%" PRIu64 "%s", rows[j].text, v[j],
			rows[j].after);
	fputc('\n', f);
}

void ct_losses_text(FILE *f, const struct ct_agg *agg,
		    const struct ct_meta *meta)
{
	struct ct_tracker_stats st;
	uint64_t v[CT_CTR_MAX];
	int order[CT_CTR_MAX], n = output_order(order, false), j;

	read_all(v, &st, agg, meta);
	for (int k = 0; k < n; k++) {
		j = rows[order[k]].flags & CT_CTR_TEXT_WITH_NEXT && k + 1 < n ?
			order[k + 1] : -1;
		text_row(f, order[k], j, v, &st);
		k += j >= 0;
	}
}

void ct_losses_json(struct ct_json *w, const struct ct_agg *agg,
		    const struct ct_meta *meta)
{
	uint64_t v[CT_CTR_MAX];

	ct_losses_read(v, agg, meta);
	for (int i = 0; i < CT_CTR_MAX; i++)
		ct_json_kv_u64(w, rows[i].key, v[i]);
}

/* The family of row i: coldtrace_<key>_total. */
static void prom_row(FILE *f, int i, const uint64_t *v,
		     const struct ct_tracker_stats *st)
{
	char name[96];

	snprintf(name, sizeof(name), "coldtrace_%s_total", rows[i].key);
	ct_prom_family(f, name, "counter", rows[i].help);
	if (!(rows[i].flags & CT_CTR_BY_MAP)) {
		fprintf(f, "%s %" PRIu64 "\n", name, v[i]);
		return;
	}
	for (int m = 0; m < CT_MAPFULL_NR; m++)
		fprintf(f, "%s{map=\"%s\"} %" PRIu64 "\n", name,
			ct_map_full_name(m), st->map_full[m]);
}

void ct_losses_prom(FILE *f, const struct ct_agg *agg,
		    const struct ct_meta *meta)
{
	struct ct_tracker_stats st;
	uint64_t v[CT_CTR_MAX];
	int order[CT_CTR_MAX], n = output_order(order, true);

	read_all(v, &st, agg, meta);
	for (int k = 0; k < n; k++)
		prom_row(f, order[k], v, &st);
}
