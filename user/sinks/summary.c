// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The summary: text, and summary.json's fields (output.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "tracker.h"
#include "losses.h"
#include "output.h"

void ct_meta_reports_text(FILE *f, const struct ct_meta *m)
{
	for (size_t i = 0; i < m->nreports; i++)
		if (m->reports[i].ops->text)
			m->reports[i].ops->text(f, m->reports[i].priv);
}

void ct_meta_reports_json(struct ct_json *w, const struct ct_meta *m)
{
	for (size_t i = 0; i < m->nreports; i++)
		if (m->reports[i].ops->json)
			m->reports[i].ops->json(w, m->reports[i].priv);
}

void ct_meta_reports_prom(FILE *f, const struct ct_meta *m)
{
	for (size_t i = 0; i < m->nreports; i++)
		if (m->reports[i].ops->prom)
			m->reports[i].ops->prom(f, m->reports[i].priv);
}

/* The summary's phase cells: one statistic per row, named in the prefix. */
#define SUMMARY_PREFIX_W	39
/* A row's name and count: "%-7s %10zu" for a runtime's containers */
#define SUMMARY_NAME_W		18

/*
 * The kinds of record (agg.h), never pooled: the JSON summary's section
 * and count, what their rows say of them.
 */
static const struct {
	const char *section;	/* "runtimes":{"runc":{...}} */
	const char *plural;	/* "runc":{"containers":N,...} */
	const char *singular;
	const char *row;	/* the table's row: "runc pods" */
} kinds[CT_KIND_MAX] = {
	[CT_KIND_CONTAINER] = { "runtimes", "containers", "container", "" },
	[CT_KIND_POD] = { "pods", "pods", "pod", " pods" },
	[CT_KIND_RESTORE] = { "restores", "restores", "restore", " restores" },
};

/* What a row of (rt, k) is called: the runtime for its containers, "runc
 * pods" for its CRI pods' sandboxes, "runc restores". */
static const char *row_name(char *buf, size_t len, enum ct_runtime rt,
			    enum ct_kind k)
{
	snprintf(buf, len, "%s%s", ct_runtime_name(rt), kinds[k].row);
	return buf;
}

/* One statistic of a phase, as a summary cell's text. */
typedef void (*summary_cell_fn)(char *buf, size_t len,
				const struct ct_stats *st);

static void cell_median_ms(char *buf, size_t len, const struct ct_stats *st)
{
	ct_output_fmt_ms4(buf, len, st->p50_ns);
}

/* share is a ratio of sums over complete containers */
static void cell_share_pct(char *buf, size_t len, const struct ct_stats *st)
{
	snprintf(buf, len, "%.0f", st->share * 100);
}

/* The row's cells; the sum of the phases' shares into *shares. */
static void summary_phase_row(FILE *f, const struct ct_agg *agg,
			      enum ct_runtime rt, enum ct_kind k,
			      const char *prefix, summary_cell_fn cell,
			      double *shares)
{
	struct ct_stats st;
	char buf[32];

	*shares = 0;
	fprintf(f, "%-*s", SUMMARY_PREFIX_W, prefix);
	for (int p = 0; p < CT_PH_MAX; p++) {
		if (ct_agg_stats(agg, rt, k, p, &st) || !st.n) {
			fprintf(f, "%*s", CT_OUTPUT_CELL_W, "-");
			continue;
		}
		cell(buf, sizeof(buf), &st);
		fprintf(f, "%*s", CT_OUTPUT_CELL_W, buf);
		*shares += st.share;
	}
}

static void summary_row(FILE *f, const struct ct_agg *agg, enum ct_runtime rt,
			enum ct_kind k)
{
	struct ct_stats tot;
	size_t n, ok;
	char buf[32];
	double shares;
	const char *name = row_name(buf, sizeof(buf), rt, k);
	int w = SUMMARY_NAME_W - 1 - (int)strlen(name);

	n = ct_agg_runtime_count(agg, rt, k, &ok);
	if (ct_agg_stats(agg, rt, k, CT_AGG_TOTAL, &tot))
		memset(&tot, 0, sizeof(tot));
	fprintf(f, "%s %*zu %8zu ", name, w > 1 ? w : 1, n, ok);
	if (tot.n)
		fprintf(f, "%10.1f\n", tot.p50_ns / 1e6);
	else
		fprintf(f, "%10s\n", "-");	/* no complete container */
	summary_phase_row(f, agg, rt, k, "  median ms", cell_median_ms,
			  &shares);
	fputc('\n', f);
	if (!tot.n)	/* no complete container: no share */
		return;
	summary_phase_row(f, agg, rt, k, "  share of total %", cell_share_pct,
			  &shares);
	fputc('\n', f);
	/* the shares are of exclusive time: what they leave is no phase's
	 * (between create's end and start's, say) */
	fprintf(f, "%-*s%*.0f\n", SUMMARY_PREFIX_W, "  in no phase %",
		CT_OUTPUT_CELL_W, shares < 1 ? (1 - shares) * 100 : 0.0);
}

/*
 * --why with wait sites: the phase's largest (site, waker) over its
 * containers and its part of their off-CPU time in the phase.
 */
static void look_at_wait(FILE *f, const struct ct_agg *agg,
			 enum ct_runtime rt, enum ct_kind k, int phase)
{
	struct ct_agg_waits *w = malloc(sizeof(*w));
	const struct ct_agg_site *s;
	uint64_t total;

	if (w && ct_agg_runtime_waits(agg, rt, k, w) &&
	    (s = ct_agg_waits_top(&w->ph[phase], &total)) && total)
		fprintf(f, "; waiting most in %s, woken by %s (%.0f %% of "
			"its off-CPU time)", s->site,
			s->waker[0] ? s->waker : "none seen",
			100.0 * (double)s->ns / (double)total);
	free(w);
}

/*
 * What to look at: the phase with the largest share of the runtime's
 * summed totals (exclusive time, complete containers), else, with no
 * complete container, the largest median.
 */
static void summary_look_at(FILE *f, const struct ct_agg *agg,
			    enum ct_runtime rt, enum ct_kind k)
{
	struct ct_stats tot, st, best = { 0 };
	bool by_share = !ct_agg_stats(agg, rt, k, CT_AGG_TOTAL, &tot) && tot.n;
	const char *name, *whose = kinds[k].plural;
	int top = -1;
	char buf[32];

	for (int p = 0; p < CT_PH_MAX; p++) {
		if (ct_agg_stats(agg, rt, k, p, &st) || !st.n)
			continue;
		if (top < 0 || (by_share ? st.share > best.share :
					   st.p50_ns > best.p50_ns)) {
			top = p;
			best = st;
		}
	}
	if (top < 0)
		return;
	name = row_name(buf, sizeof(buf), rt, k);
	if (by_share)
		fprintf(f, "look at: %s %s, %.0f %% of its %s' total "
			"time (median %.2f ms)", name, ct_phase_name(top),
			best.share * 100, whose, best.p50_ns / 1e6);
	else
		fprintf(f, "look at: %s %s, the longest median phase (%.2f ms;"
			" no complete %s, no share)", name,
			ct_phase_name(top), best.p50_ns / 1e6,
			kinds[k].singular);
	look_at_wait(f, agg, rt, k, top);
	fputc('\n', f);
}

static void stats_row(FILE *f, const char *what, const char *name,
		      const struct ct_stats *st)
{
	fprintf(f, "%s %-5s n=%" PRIu64 " ms: min %.1f p50 %.1f "
		   "p90 %.1f p99 %.1f max %.1f mean %.1f\n",
		what, name, st->n, st->min_ns / 1e6,
		st->p50_ns / 1e6, st->p90_ns / 1e6, st->p99_ns / 1e6,
		st->max_ns / 1e6, st->mean_ns / 1e6);
}

/* cold_start_ns (docs/phases.md) and restarts of (rt, k), if any. */
static void restart_row(FILE *f, const struct ct_agg *agg, enum ct_runtime rt,
			enum ct_kind k)
{
	struct ct_stats st;
	char buf[32];
	const char *name = row_name(buf, sizeof(buf), rt, k);

	if (!ct_agg_stats(agg, rt, k, CT_AGG_COLD, &st) && st.n)
		stats_row(f, "cold start", name, &st);
	if (!ct_agg_restart_stats(agg, rt, k, CT_AGG_TOTAL, &st) && st.n)
		stats_row(f, "restart", name, &st);
}

/* what the lazy layers fetched from the registry, where it is known */
static void fetched_text(FILE *f, const struct ct_agg_fuse *fz,
			 enum ct_kind k)
{
	if (fz->fetched_containers)
		fprintf(f, "; %.1f MB fetched (%.1f MB by ready, %.1f MB after)"
			   " for %" PRIu64 " %s", fz->fetched_bytes / 1e6,
			fz->fetched_by_ready_bytes / 1e6,
			fz->fetched_after_ready_bytes / 1e6, fz->fetched_containers,
			fz->fetched_containers == 1 ? kinds[k].singular :
						      kinds[k].plural);
	if (fz->fetched_unknown_containers || fz->fetched_shared_containers)
		fprintf(f, "; fetched bytes unknown for %" PRIu64 ", shared "
			   "by %" PRIu64 " (left out)",
			fz->fetched_unknown_containers,
			fz->fetched_shared_containers);
}

/*
 * What lazily pulled images (FUSE) left to the cold starts of (rt, k),
 * and what went on after ready: the record's "fuse" summed (agg.h).
 */
static void fuse_row(FILE *f, const struct ct_agg *agg, enum ct_runtime rt,
		     enum ct_kind k)
{
	struct ct_agg_fuse fz;
	char buf[32];

	if (!ct_agg_runtime_fuse(agg, rt, k, &fz))
		return;
	fprintf(f, "FUSE %s: %" PRIu64 " %s waited %.1f ms before ready, "
		   "%.1f ms after it (%" PRIu64 " still waiting after ready)",
		row_name(buf, sizeof(buf), rt, k), fz.containers,
		fz.containers == 1 ? kinds[k].singular : kinds[k].plural,
		fz.before_ready_ns / 1e6, fz.after_ready_ns / 1e6,
		fz.continued);
	if (fz.no_ready_ns)
		fprintf(f, ", %.1f ms without a ready phase",
			fz.no_ready_ns / 1e6);
	fprintf(f, "; %.1f MB read", fz.read_bytes / 1e6);
	fetched_text(f, &fz, k);
	if (fz.dropped_containers)
		fprintf(f, "; %" PRIu64 " more with FUSE requests dropped "
			   "(left out)", fz.dropped_containers);
	fputc('\n', f);
}

/* Calls fn for every (runtime, kind) with a record: a runtime's
 * containers, then its pods. */
typedef void (*row_fn)(FILE *f, const struct ct_agg *agg,
		       enum ct_runtime rt, enum ct_kind k);

static void each_row(FILE *f, const struct ct_agg *agg, row_fn fn)
{
	for (int rt = 0; rt < CT_RT_MAX; rt++)
		for (int k = 0; k < CT_KIND_MAX; k++)
			if (ct_agg_runtime_count(agg, rt, k, NULL))
				fn(f, agg, rt, k);
}

void ct_output_summary(FILE *f, const struct ct_agg *agg,
		       const struct ct_meta *meta)
{
	fprintf(f, "# %s: per runtime, each phase's median ms (nearest "
		   "rank: of two, the lower), and its share of the "
		   "containers' summed total time\n# (exclusive, complete "
		   "containers; what the shares leave is time in no phase)\n",
		meta->interim ? "interim summary (session goes on)" :
				"summary");
	fprintf(f, "%-7s %10s %8s %10s ", "RUNTIME", "CONTAINERS", "COMPLETE",
		"p50TOTALms");
	ct_output_phase_names(f);
	each_row(f, agg, summary_row);
	if (ct_agg_continuous(agg))
		fprintf(f, "continuous mode: every container folded into the "
			"statistics (percentiles within %.0f %%; n, min, max, "
			"mean exact); records kept: the last %zu\n",
			CT_FOLD_REL_ERR * 100, ct_agg_count(agg));
	each_row(f, agg, restart_row);
	each_row(f, agg, fuse_row);
	ct_losses_text(f, agg, meta);
	ct_meta_reports_text(f, meta);
	each_row(f, agg, summary_look_at);
}

static void json_stats_fields(struct ct_json *w, const struct ct_stats *st)
{
	ct_json_kv_u64(w, "n", st->n);
	ct_json_kv_u64(w, "min_ns", st->min_ns);
	ct_json_kv_u64(w, "p50_ns", st->p50_ns);
	ct_json_kv_u64(w, "p90_ns", st->p90_ns);
	ct_json_kv_u64(w, "p99_ns", st->p99_ns);
	ct_json_kv_u64(w, "max_ns", st->max_ns);
	ct_json_kv_u64(w, "mean_ns", st->mean_ns);
	ct_json_kv_double(w, "share", st->share);
}

static void json_stats(struct ct_json *w, const char *key,
		       const struct ct_stats *st)
{
	ct_json_key(w, key);
	ct_json_start_object(w);
	json_stats_fields(w, st);
	ct_json_end_object(w);
}

typedef int (*stats_fn)(const struct ct_agg *, enum ct_runtime, enum ct_kind,
			int, struct ct_stats *);

/* "phases":{"create":{stats},...}: phases never seen are absent */
static int json_phase_stats(struct ct_json *w, const struct ct_agg *agg,
			    enum ct_runtime rt, enum ct_kind k, stats_fn fn)
{
	struct ct_stats st;
	int p, err = 0;

	ct_json_key(w, "phases");
	ct_json_start_object(w);
	for (p = 0; p < CT_PH_MAX && !err; p++) {
		err = fn(agg, rt, k, p, &st);
		if (!err && st.n)
			json_stats(w, ct_phase_name(p), &st);
	}
	ct_json_end_object(w);
	return err;
}

/* "restart":{"n":..,"p50_ns":..,...,"phases":{...}} */
static int json_restart(struct ct_json *w, const struct ct_agg *agg,
			enum ct_runtime rt, enum ct_kind k)
{
	struct ct_stats st;
	int err;

	err = ct_agg_restart_stats(agg, rt, k, CT_AGG_TOTAL, &st);
	if (err)
		return err;
	ct_json_key(w, "restart");
	ct_json_start_object(w);
	json_stats_fields(w, &st);
	err = json_phase_stats(w, agg, rt, k, ct_agg_restart_stats);
	ct_json_end_object(w);
	return err;
}

/* "PREFIXcontainers" (or "PREFIXpods"): v */
static void kv_of_kind(struct ct_json *w, const char *prefix, enum ct_kind k,
		       uint64_t v)
{
	char key[48];

	snprintf(key, sizeof(key), "%s%s", prefix, kinds[k].plural);
	ct_json_kv_u64(w, key, v);
}

/* "fuse":{...}: fuse_row()'s sums, only where a record has FUSE requests */
static void json_fuse(struct ct_json *w, const struct ct_agg *agg,
		      enum ct_runtime rt, enum ct_kind k)
{
	struct ct_agg_fuse fz;

	if (!ct_agg_runtime_fuse(agg, rt, k, &fz))
		return;
	ct_json_key(w, "fuse");
	ct_json_start_object(w);
	ct_json_kv_u64(w, kinds[k].plural, fz.containers);
	ct_json_kv_u64(w, "continued", fz.continued);
	ct_json_kv_u64(w, "wait_before_ready_ns", fz.before_ready_ns);
	ct_json_kv_u64(w, "wait_after_ready_ns", fz.after_ready_ns);
	ct_json_kv_u64(w, "wait_no_ready_ns", fz.no_ready_ns);
	ct_json_kv_u64(w, "requests", fz.requests);
	ct_json_kv_u64(w, "read_bytes", fz.read_bytes);
	kv_of_kind(w, "dropped_", k, fz.dropped_containers);
	kv_of_kind(w, "fetched_", k, fz.fetched_containers);
	ct_json_kv_u64(w, "fetched_bytes", fz.fetched_bytes);
	ct_json_kv_u64(w, "fetched_by_ready_bytes", fz.fetched_by_ready_bytes);
	ct_json_kv_u64(w, "fetched_after_ready_bytes",
		       fz.fetched_after_ready_bytes);
	kv_of_kind(w, "fetched_unknown_", k, fz.fetched_unknown_containers);
	kv_of_kind(w, "fetched_shared_", k, fz.fetched_shared_containers);
	ct_json_end_object(w);
}

/* "runc":{"containers":..,...}, or under "pods" "runc":{"pods":..,...}
 * (kinds[]) */
static int json_runtime(struct ct_json *w, const struct ct_agg *agg,
			enum ct_runtime rt, enum ct_kind k)
{
	struct ct_stats st;
	size_t n, ok;
	int err;

	n = ct_agg_runtime_count(agg, rt, k, &ok);
	ct_json_key(w, ct_runtime_name(rt));
	ct_json_start_object(w);
	ct_json_kv_u64(w, kinds[k].plural, n);
	ct_json_kv_u64(w, "complete", ok);
	ct_json_kv_u64(w, "failed", ct_agg_runtime_failed(agg, rt, k));
	err = ct_agg_stats(agg, rt, k, CT_AGG_TOTAL, &st);
	if (!err) {
		json_stats(w, "total", &st);
		err = ct_agg_stats(agg, rt, k, CT_AGG_COLD, &st);
	}
	if (!err) {
		if (st.n)
			json_stats(w, "cold_start", &st);
		err = json_phase_stats(w, agg, rt, k, ct_agg_stats);
	}
	if (!err)
		err = json_restart(w, agg, rt, k);
	json_fuse(w, agg, rt, k);
	ct_json_end_object(w);
	return err;
}

/*
 * "runtimes":{"runc":{...},...}: the runtimes with a record of kind k;
 * each kind's section is always there.
 */
static int json_kind(struct ct_json *w, const struct ct_agg *agg,
		     enum ct_kind k)
{
	int rt, err = 0;

	ct_json_key(w, kinds[k].section);
	ct_json_start_object(w);
	for (rt = 0; rt < CT_RT_MAX && !err; rt++) {
		if (ct_agg_runtime_count(agg, rt, k, NULL))
			err = json_runtime(w, agg, rt, k);
	}
	ct_json_end_object(w);
	return err;
}

/* "v1-memory" or "v2": what a container is (docs/design.md
 * "Attribution"), for a reader to check against the host's cgroup view. */
const char *ct_cgroup_key_name(enum ct_cgroup_mode m)
{
	return m == CT_CGROUP_V2 ? "v2" : "v1-memory";
}

/* Continuous mode (agg.h): said, with the percentiles' bound. */
static void json_mode(struct ct_json *w, const struct ct_agg *agg)
{
	ct_json_kv_string(w, "mode", "continuous");
	ct_json_key(w, "percentiles");
	ct_json_start_object(w);
	ct_json_kv_bool(w, "approximate", true);
	ct_json_kv_double(w, "max_relative_error", CT_FOLD_REL_ERR);
	ct_json_end_object(w);
	/* containers.jsonl, phases.csv, trace.json, restarts.jsonl */
	ct_json_kv_u64(w, "records_kept", ct_agg_count(agg));
}

int ct_json_summary_fields(struct ct_json *w, const struct ct_agg *agg,
			   const struct ct_meta *meta)
{
	int err = 0;

	ct_json_kv_string(w, "version", meta->version);
	ct_json_kv_string(w, "kernel", meta->kernel);
	/* false in -i summaries: more containers may come */
	ct_json_kv_bool(w, "final", !meta->interim);
	if (ct_agg_continuous(agg))
		json_mode(w, agg);
	if (meta->tracker)
		ct_json_kv_string(w, "cgroup_key", ct_cgroup_key_name(
			ct_tracker_cgroup_mode(meta->tracker)));
	for (int k = 0; k < CT_KIND_MAX && !err; k++)
		err = json_kind(w, agg, k);
	/* every loss, always present so that a check can rely on it */
	ct_losses_json(w, agg, meta);
	ct_meta_reports_json(w, meta);
	return err;
}

void ct_json_summary(struct ct_json *w, const struct ct_summary *s)
{
	ct_json_start_object(w);
	ct_json_kv_string(w, "type", "summary");
	if (ct_json_summary_fields(w, s->agg, s->meta))
		ct_json_kv_string(w, "error", "out of memory");
	ct_json_end_object(w);
}
