// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Container records, terminal table and summary: see output.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tracker.h"
#include "chain.h"
#include "hist.h"
#include "output.h"
#include "paths.h"
#include "util.h"

/* ---- JSON: one container ---- */

/* --why: "cpu_ns", ..., "children": {...} inside a phase object */
static void json_split(struct ct_json *w, const struct ct_container *c,
		       int p)
{
	const struct ct_split *x = &c->split[p];
	const char *why_not = ct_split_reason(c, p);

	if (why_not) {
		ct_json_key(w, "why");
		ct_json_start_object(w);
		ct_json_kv_string(w, "unattributable", why_not);
		ct_json_end_object(w);
	}
	if (!x->valid)
		return;
	ct_json_kv_u64(w, "pid", x->pid);
	ct_json_kv_u64(w, "cpu_ns", x->cpu_ns);
	ct_json_kv_u64(w, "runq_ns", x->runq_ns);
	ct_json_kv_u64(w, "io_ns", x->io_ns);
	ct_json_kv_u64(w, "sleep_ns", x->sleep_ns);
	ct_json_key(w, "children");
	ct_json_start_object(w);
	ct_json_kv_u64(w, "cpu_ns", x->children_cpu_ns);
	ct_json_kv_u64(w, "runq_ns", x->children_runq_ns);
	ct_json_kv_u64(w, "io_ns", x->children_io_ns);
	ct_json_end_object(w);
}

/*
 * --why: the carriers' state slices, of which trace.json keeps the
 * longest CT_WHY_PHASE_SLICES a phase; the split's sums cover them all.
 */
static void json_why_slices(struct ct_json *w, const struct ct_container *c)
{
	uint64_t n, kept;

	if (!ct_why_slice_counts(c, &n, &kept))
		return;
	ct_json_key(w, "why_slices");
	ct_json_start_object(w);
	ct_json_kv_u64(w, "kept", kept);
	ct_json_kv_u64(w, "dropped", n - kept);
	ct_json_end_object(w);
}

static void json_phases(struct ct_json *w, const struct ct_container *c)
{
	int p;

	ct_json_key(w, "phases");
	ct_json_start_object(w);
	for (p = 0; p < CT_PH_MAX; p++) {
		const struct ct_interval *iv = &c->phases[p];

		if (!ct_has_phase(c, p))
			continue;
		ct_json_key(w, ct_phase_name(p));
		ct_json_start_object(w);
		ct_json_kv_u64(w, "start_ns", iv->start_ns);
		ct_json_key(w, "dur_ns");
		/* started but never ended (incomplete container) */
		if (iv->end_ns && iv->end_ns >= iv->start_ns)
			ct_json_u64(w, iv->end_ns - iv->start_ns);
		else
			ct_json_null(w);
		json_split(w, c, p);
		ct_json_end_object(w);
	}
	ct_json_end_object(w);
}

/*
 * "pull": the image pull that preceded the container (docker run of an
 * image not yet there).  Kept out of "phases": it is not one of the
 * phases of docs/design.md "Phases" and not part of total_ns.
 */
static void json_pull(struct ct_json *w, const struct ct_container *c)
{
	if (!c->has_pull)
		return;
	ct_json_key(w, "pull");
	ct_json_start_object(w);
	ct_json_key(w, "image");
	if (c->pull_image[0])
		ct_json_string_n(w, c->pull_image, sizeof(c->pull_image));
	else
		ct_json_null(w);
	ct_json_kv_u64(w, "start_ns", c->pull.start_ns);
	ct_json_kv_u64(w, "dur_ns", c->pull.end_ns - c->pull.start_ns);
	ct_json_end_object(w);
}

/* "client": who asked the engine for it (client.h); absent if unknown. */
static void json_client(struct ct_json *w, const struct ct_container *c)
{
	const struct ct_client *cl = &c->client;
	struct ct_argv v;

	if (!c->has_client)
		return;
	ct_json_key(w, "client");
	ct_json_start_object(w);
	ct_json_kv_u64(w, "pid", cl->pid);
	ct_json_key(w, "comm");
	ct_json_string_n(w, cl->comm, sizeof(cl->comm));
	ct_json_key(w, "argv");
	ct_json_start_array(w);
	ct_argv_split(cl->args, cl->args_len, &v);
	for (int i = 0; i < v.argc; i++)
		ct_json_string(w, v.argv[i]);
	ct_json_end_array(w);
	if (cl->args_truncated)	/* absent when whole */
		ct_json_kv_bool(w, "argv_truncated", true);
	ct_json_kv_u64(w, "ppid", cl->ppid);
	ct_json_key(w, "parent_comm");
	ct_json_string_n(w, cl->parent_comm, sizeof(cl->parent_comm));
	ct_json_kv_u64(w, "exec_ns", cl->exec_ns);
	ct_json_kv_u64_or_null(w, "request_ns", cl->request_ns);
	if (cl->stdin_ns) {	/* absent when it read no data on stdin */
		ct_json_kv_u64(w, "stdin_ns", cl->stdin_ns);
		ct_json_kv_u64(w, "stdin_wait_ns", cl->stdin_wait_ns);
	}
	ct_json_end_object(w);
}

/* "opens" (the container's programs) and, for runsc, "gofer_opens". */
static void json_opens(struct ct_json *w, const char *key,
		       const struct ct_opens *o)
{
	if (!o->valid && !o->unobservable)
		return;
	ct_json_key(w, key);
	ct_hist_json(w, o);
}

void ct_json_container(struct ct_json *w, const struct ct_container *c)
{
	ct_json_start_object(w);
	/* a CRI pod is its sandbox's record; its app containers name it */
	ct_json_kv_string(w, "type", c->is_pod ? "pod" : "container");
	ct_json_key(w, "id");
	ct_json_string_n(w, c->id, sizeof(c->id));
	if (c->pod[0]) {
		ct_json_key(w, "pod");
		ct_json_string_n(w, c->pod, sizeof(c->pod));
	}
	ct_json_key(w, "name");
	ct_json_string_n(w, c->name, sizeof(c->name));
	ct_json_kv_string(w, "runtime", ct_runtime_name(c->runtime));
	ct_json_kv_string(w, "engine", ct_engine_name(c->engine));
	ct_json_kv_bool(w, "complete", c->complete);
	if (c->failed)	/* absent when the program ran */
		ct_json_kv_string(w, "failed", ct_failure_name(c->failed));
	if (c->unarmed)	/* absent when the syscall hooks saw it all */
		ct_json_kv_bool(w, "unarmed", true);
	if (c->partial)	/* absent when the session saw it begin */
		ct_json_kv_string(w, "partial", "started before the session");
	if (c->shim_lost)	/* absent unless the shim went first */
		ct_json_kv_s64(w, "shim_exit_code", c->shim_exit);
	ct_json_key(w, "exit_code");
	if (c->has_exit_code)
		ct_json_s64(w, c->exit_code);
	else
		ct_json_null(w);
	ct_json_kv_u64(w, "start_ns", c->first_ns);
	ct_json_kv_u64(w, "total_ns", ct_total_ns(c));
	ct_json_kv_u64_or_null(w, "cold_start_ns", ct_cold_start_ns(c));
	ct_json_key(w, "command");
	if (c->cmd[0])
		ct_json_string_n(w, c->cmd, sizeof(c->cmd));
	else
		ct_json_null(w);
	if (c->cmd_truncated)	/* absent when whole */
		ct_json_kv_bool(w, "command_truncated", true);
	json_client(w, c);
	json_phases(w, c);
	json_why_slices(w, c);
	json_pull(w, c);
	json_opens(w, "opens", &c->opens);
	json_opens(w, "gofer_opens", &c->gofer_opens);
	ct_paths_json(w, c);	/* --paths; absent otherwise */
	ct_json_end_object(w);
}

void ct_output_container_json(FILE *f, const struct ct_container *c)
{
	struct ct_json w;

	ct_json_init(&w, f);
	ct_json_container(&w, c);
	fputc('\n', f);
}

/* ---- JSON and text: cold-start chains ---- */

/* Parts per 10^4 of the wall time, printed as a share 0.xxxx. */
static uint64_t share_e4(uint64_t part, uint64_t wall)
{
	return wall ? (part * 10000 + wall / 2) / wall : 0;
}

static void json_chain_step(struct ct_json *w, const struct ct_chain_step *s)
{
	ct_json_start_object(w);
	ct_json_key(w, "id");
	ct_json_string_n(w, s->id, sizeof(s->id));
	if (s->name[0]) {
		ct_json_key(w, "name");
		ct_json_string_n(w, s->name, sizeof(s->name));
	}
	ct_json_kv_string(w, "runtime", ct_runtime_name(s->runtime));
	ct_json_kv_u64(w, "client_pid", s->client_pid);
	ct_json_key(w, "client_comm");
	ct_json_string_n(w, s->client_comm, sizeof(s->client_comm));
	ct_json_kv_u64(w, "request_ns", s->request_ns);
	ct_json_kv_u64_or_null(w, "stdin_ns", s->stdin_ns);
	ct_json_kv_bool(w, "warm", s->warm);
	ct_json_kv_u64(w, "needed_ns", s->needed_ns);
	ct_json_kv_u64(w, "ready_ns", s->ready_ns);
	ct_json_kv_string(w, "ready_by", s->has_ready ? "ready" : "start");
	ct_json_kv_u64(w, "result_ns", s->result_ns);
	if (s->running)
		ct_json_kv_bool(w, "running", true);
	ct_json_kv_u64(w, "cold_start_ns", s->cold_ns);
	ct_json_kv_u64(w, "work_ns", s->work_ns);
	ct_json_key(w, "after");
	if (s->after >= 0)
		ct_json_u64(w, (uint64_t)s->after);
	else
		ct_json_null(w);
	ct_json_kv_bool(w, "critical", s->critical);
	ct_json_kv_u64(w, "whatif_saving_ns", s->whatif_ns);
	ct_json_end_object(w);
}

void ct_json_chain(struct ct_json *w, const struct ct_chain *ch)
{
	ct_json_start_object(w);
	ct_json_kv_string(w, "type", "chain");
	ct_json_key(w, "runner");
	ct_json_start_object(w);
	ct_json_kv_u64(w, "pid", ch->runner_pid);
	ct_json_key(w, "comm");
	ct_json_string_n(w, ch->runner_comm, sizeof(ch->runner_comm));
	ct_json_kv_u64_or_null(w, "exec_ns", ch->runner_exec_ns);
	ct_json_kv_u64_or_null(w, "end_ns", ch->runner_end_ns);
	ct_json_end_object(w);
	ct_json_kv_u64(w, "start_ns", ch->start_ns);
	ct_json_kv_u64(w, "wall_ns", ch->wall_ns);
	ct_json_kv_bool(w, "parallel", ch->parallel);
	ct_json_kv_u64(w, "critical_steps", ch->n_critical);
	ct_json_kv_u64(w, "cold_start_ns", ch->cold_ns);
	ct_json_key(w, "cold_start_share");
	ct_json_decimal(w, share_e4(ch->cold_ns, ch->wall_ns), 4);
	ct_json_kv_u64(w, "whatif_saving_ns", ch->whatif_ns);
	ct_json_kv_u64(w, "whatif_wall_ns", ch->wall_ns - ch->whatif_ns);
	if (ch->dropped_steps)
		ct_json_kv_u64(w, "dropped_steps", ch->dropped_steps);
	ct_json_key(w, "steps");
	ct_json_start_array(w);
	for (uint32_t i = 0; i < ch->n_steps; i++)
		json_chain_step(w, &ch->steps[i]);
	ct_json_end_array(w);
	ct_json_end_object(w);
}

int ct_output_chain_json(FILE *f, const struct ct_chain *ch)
{
	struct ct_json w;

	ct_json_init(&w, f);
	ct_json_chain(&w, ch);
	fputc('\n', f);
	return ct_json_error(&w) || ferror(f) ? -EIO : 0;
}

int ct_output_chains_jsonl(FILE *f, const struct ct_chains *t)
{
	for (size_t i = 0; i < ct_chains_count(t); i++)
		if (ct_output_chain_json(f, ct_chains_get(t, i)))
			return -EIO;
	return 0;
}

static void put_sanitized(FILE *f, const char *s, size_t max, int width);

static void chain_text(FILE *f, const struct ct_chain *ch)
{
	fprintf(f, "runner %" PRIu32 " (", ch->runner_pid);
	put_sanitized(f, ch->runner_comm, sizeof(ch->runner_comm),
		      (int)strnlen(ch->runner_comm, sizeof(ch->runner_comm)));
	fprintf(f, "): %" PRIu32 " steps%s, wall %.3f s, cold start on the "
		"critical path %.3f s (%.1f %%), pre-warming would save "
		"%.3f s\n", ch->n_steps, ch->parallel ? " (parallel branches)"
						      : "",
		ch->wall_ns / 1e9, ch->cold_ns / 1e9,
		share_e4(ch->cold_ns, ch->wall_ns) / 100.0,
		ch->whatif_ns / 1e9);
	fprintf(f, "  %-4s %-12s %-16s %7s %10s %10s %5s %4s %9s\n", "STEP",
		"ID", "NAME", "RUNTIME", "COLDms", "WORKms", "AFTER", "PATH",
		"SAVEms");
	for (uint32_t i = 0; i < ch->n_steps; i++) {
		const struct ct_chain_step *s = &ch->steps[i];

		fprintf(f, "  %-4" PRIu32 " ", i);
		put_sanitized(f, s->id, sizeof(s->id), 12);
		fputc(' ', f);
		put_sanitized(f, s->name, sizeof(s->name), 16);
		fprintf(f, " %7s %10.1f %10.1f ", ct_runtime_name(s->runtime),
			s->cold_ns / 1e6, s->work_ns / 1e6);
		if (s->after >= 0)
			fprintf(f, "%5d", s->after);
		else
			fprintf(f, "%5s", "-");
		fprintf(f, " %4s %9.1f%s%s\n", s->critical ? "*" : "",
			s->whatif_ns / 1e6, s->warm ? " (warm)" : "",
			s->has_ready ? "" : " (no ready: to start's end)");
	}
}

/*
 * Only workflows (ct_chain_is_workflow()): a script that runs containers
 * one after another is a chain too, but its "cold start on the critical
 * path" and pre-warming what-if say nothing; it is counted, and its chain
 * is in chains.jsonl and -j as every chain.
 */
void ct_output_chains(FILE *f, const struct ct_chains *t)
{
	struct ct_chain_stats st;
	size_t i, n = ct_chains_count(t), flows = 0;

	ct_chains_stats(t, &st);
	for (i = 0; i < n; i++)
		flows += ct_chain_is_workflow(ct_chains_get(t, i));
	if (!flows)
		return;
	fprintf(f, "\n# chains: containers asked for by one runner (the "
		"clients' parent), steps in the order they were needed\n");
	for (i = 0; i < n; i++)
		if (ct_chain_is_workflow(ct_chains_get(t, i)))
			chain_text(f, ct_chains_get(t, i));
	if (n > flows)
		fprintf(f, "not shown: %zu runners of containers in a row "
			"none of which became ready or took a request on "
			"stdin (scripts; in chains.jsonl, -j)\n", n - flows);
	if (st.single)
		fprintf(f, "runners with a single container (no chain): %"
			PRIu64 "\n", st.single);
	if (st.dropped_runners || st.dropped_kept)
		fprintf(f, "chains not kept: %" PRIu64 " runners (table full),"
			" %" PRIu64 " older chains\n", st.dropped_runners,
			st.dropped_kept);
}

/* ---- terminal table ---- */

/*
 * Column layout, shared by the container rows and the summary so that
 * the phase columns line up: a 39-char prefix, then 10 cells of 10 chars
 * ("ms" in at most 4 chars, then the share in %): 139 columns.
 */
#define CELL_W	10

/* Milliseconds in at most 4 characters (wider only beyond 999 s). */
static void fmt_ms4(char *buf, size_t len, uint64_t ns)
{
	double ms = ns / 1e6;

	if (ms < 9.995)
		snprintf(buf, len, "%.2f", ms);
	else if (ms < 99.95)
		snprintf(buf, len, "%.1f", ms);
	else if (ms < 9999.5)
		snprintf(buf, len, "%.0f", ms);
	else
		snprintf(buf, len, "%.0fs", ms / 1000);
}

static void print_cell(FILE *f, uint64_t dur, uint64_t excl, uint64_t total)
{
	char ms[32], cell[48];

	fmt_ms4(ms, sizeof(ms), dur);
	if (total)
		snprintf(cell, sizeof(cell), "%s %3u%%", ms,
			 (unsigned int)((excl * 100 + total / 2) / total));
	else
		snprintf(cell, sizeof(cell), "%s    ", ms);
	fprintf(f, "%*s", CELL_W, cell);
}

/* Column titles: "disconnect" would touch its left neighbour. */
static void print_phase_names(FILE *f)
{
	int p;

	for (p = 0; p < CT_PH_MAX; p++)
		fprintf(f, "%*.*s", CELL_W, CELL_W - 3, ct_phase_name(p));
	fputc('\n', f);
}

void ct_output_table_header(FILE *f, bool wall)
{
	fprintf(f, "# per phase: duration ms and %% of total (exclusive "
		   "time); * = incomplete\n");
	if (wall)
		fprintf(f, "%-12s ", "TIME");
	fprintf(f, "%-12s %-5s %-6s %4s %8s", "ID", "RT", "ENGINE", "EXIT",
		"TOTALms");
	print_phase_names(f);
}

/* The table is for people: make every untrusted byte printable. */
static void put_sanitized(FILE *f, const char *s, size_t max, int width)
{
	size_t i, n = strnlen(s, max);

	for (i = 0; i < n && (int)i < width; i++) {
		unsigned char ch = s[i];

		fputc(ch >= 0x20 && ch < 0x7f ? ch : '?', f);
	}
	for (; (int)i < width; i++)
		fputc(' ', f);
}

/* The ENGINE column: a CRI pod's sandbox row says "pod" (its engine is cri). */
static const char *engine_short(const struct ct_container *c)
{
	if (c->is_pod)
		return "pod";
	return c->engine == CT_ENG_CONTAINERD ? "ctrd" : ct_engine_name(c->engine);
}

/* -T: when the container began (its first phase), local time, ms. */
static void put_wall(FILE *f, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000);
	char hms[16] = "?";
	struct tm tm;

	if (ns && localtime_r(&t, &tm))
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	if (ns)
		fprintf(f, "%s.%03u ", hms,
			(unsigned int)(ns / 1000000 % 1000));
	else
		fprintf(f, "%-12s ", "-");
}

void ct_output_table_row(FILE *f, const struct ct_container *c, bool wall)
{
	uint64_t excl[CT_PH_MAX], total = ct_total_ns(c);
	char buf[32], tot[40];
	int p;

	if (wall)
		put_wall(f, c->first_ns);
	ct_exclusive_ns(c, excl);
	put_sanitized(f, c->id, sizeof(c->id), 12);
	fprintf(f, " %-5.5s %-6.6s ", ct_runtime_name(c->runtime),
		engine_short(c));
	if (c->has_exit_code)
		fprintf(f, "%4d ", c->exit_code);
	else
		fprintf(f, "%4s ", "-");
	snprintf(buf, sizeof(buf), "%.1f", total / 1e6);
	snprintf(tot, sizeof(tot), "%s%s", buf, c->complete ? "" : "*");
	fprintf(f, "%8s", tot);
	for (p = 0; p < CT_PH_MAX; p++) {
		const struct ct_interval *iv = &c->phases[p];

		if (!ct_has_phase(c, p))
			fprintf(f, "%*s", CELL_W, "-");
		else if (!iv->end_ns || iv->end_ns < iv->start_ns)
			fprintf(f, "%*s", CELL_W, "open");
		else
			print_cell(f, ct_phase_dur(c, p), excl[p], total);
	}
	fputc('\n', f);
}

void ct_output_why_rows(FILE *f, const struct ct_container *c)
{
	for (int p = 0; p < CT_PH_MAX; p++) {
		const struct ct_split *x = &c->split[p];
		const char *why_not = ct_split_reason(c, p);

		if (why_not)
			fprintf(f, "  %-10s no split: %s\n", ct_phase_name(p),
				why_not);
		if (!x->valid)
			continue;
		fprintf(f, "  %-10s pid %-7u ms: cpu %8.2f runq %8.2f io %8.2f "
			   "sleep %8.2f | children cpu %.2f runq %.2f io %.2f\n",
			ct_phase_name(p), x->pid, x->cpu_ns / 1e6,
			x->runq_ns / 1e6, x->io_ns / 1e6, x->sleep_ns / 1e6,
			x->children_cpu_ns / 1e6, x->children_runq_ns / 1e6,
			x->children_io_ns / 1e6);
	}
}

/* ---- summary ---- */

/* The summary's phase cells: one statistic per row, named in the prefix. */
#define SUMMARY_PREFIX_W	39

/* One statistic of a phase, as a summary cell's text. */
typedef void (*summary_cell_fn)(char *buf, size_t len,
				const struct ct_stats *st);

static void cell_median_ms(char *buf, size_t len, const struct ct_stats *st)
{
	fmt_ms4(buf, len, st->p50_ns);
}

/* share is a ratio of sums over complete containers */
static void cell_share_pct(char *buf, size_t len, const struct ct_stats *st)
{
	snprintf(buf, len, "%.0f", st->share * 100);
}

static void summary_phase_row(FILE *f, const struct ct_agg *agg,
			      enum ct_runtime rt, const char *prefix,
			      summary_cell_fn cell)
{
	struct ct_stats st;
	char buf[32];

	fprintf(f, "%-*s", SUMMARY_PREFIX_W, prefix);
	for (int p = 0; p < CT_PH_MAX; p++) {
		if (ct_agg_stats(agg, rt, p, &st) || !st.n) {
			fprintf(f, "%*s", CELL_W, "-");
			continue;
		}
		cell(buf, sizeof(buf), &st);
		fprintf(f, "%*s", CELL_W, buf);
	}
	fputc('\n', f);
}

static void summary_row(FILE *f, const struct ct_agg *agg, enum ct_runtime rt)
{
	struct ct_stats tot;
	size_t n, ok;

	n = ct_agg_runtime_count(agg, rt, &ok);
	if (ct_agg_stats(agg, rt, CT_AGG_TOTAL, &tot))
		memset(&tot, 0, sizeof(tot));
	fprintf(f, "%-7s %10zu %8zu ", ct_runtime_name(rt), n, ok);
	if (tot.n)
		fprintf(f, "%10.1f\n", tot.p50_ns / 1e6);
	else
		fprintf(f, "%10s\n", "-");	/* no complete container */
	summary_phase_row(f, agg, rt, "  median ms", cell_median_ms);
	if (tot.n)	/* no complete container: no share */
		summary_phase_row(f, agg, rt, "  share of total %",
				  cell_share_pct);
}

/*
 * What to look at: the phase with the largest share of the runtime's
 * summed totals (exclusive time, complete containers), else, with no
 * complete container, the largest median.
 */
static void summary_look_at(FILE *f, const struct ct_agg *agg,
			    enum ct_runtime rt)
{
	struct ct_stats tot, st, best = { 0 };
	bool by_share = !ct_agg_stats(agg, rt, CT_AGG_TOTAL, &tot) && tot.n;
	int top = -1;

	for (int p = 0; p < CT_PH_MAX; p++) {
		if (ct_agg_stats(agg, rt, p, &st) || !st.n)
			continue;
		if (top < 0 || (by_share ? st.share > best.share :
					   st.p50_ns > best.p50_ns)) {
			top = p;
			best = st;
		}
	}
	if (top < 0)
		return;
	if (by_share)
		fprintf(f, "look at: %s %s, %.0f %% of its containers' total "
			"time (median %.2f ms)\n", ct_runtime_name(rt),
			ct_phase_name(top), best.share * 100,
			best.p50_ns / 1e6);
	else
		fprintf(f, "look at: %s %s, the longest median phase (%.2f ms;"
			" no complete container, no share)\n",
			ct_runtime_name(rt), ct_phase_name(top),
			best.p50_ns / 1e6);
}

static void stats_row(FILE *f, const char *what, enum ct_runtime rt,
		      const struct ct_stats *st)
{
	fprintf(f, "%s %-5s n=%" PRIu64 " ms: min %.1f p50 %.1f "
		   "p90 %.1f p99 %.1f max %.1f mean %.1f\n",
		what, ct_runtime_name(rt), st->n, st->min_ns / 1e6,
		st->p50_ns / 1e6, st->p90_ns / 1e6, st->p99_ns / 1e6,
		st->max_ns / 1e6, st->mean_ns / 1e6);
}

/* cold_start_ns (docs/phases.md) and restarts of a runtime, if any. */
static void restart_row(FILE *f, const struct ct_agg *agg, enum ct_runtime rt)
{
	struct ct_stats st;

	if (!ct_agg_stats(agg, rt, CT_AGG_COLD, &st) && st.n)
		stats_row(f, "cold start", rt, &st);
	if (!ct_agg_restart_stats(agg, rt, CT_AGG_TOTAL, &st) && st.n)
		stats_row(f, "restart", rt, &st);
}

static size_t failed_total(const struct ct_agg *agg)
{
	size_t n = 0;

	for (int rt = 0; rt < CT_RT_MAX; rt++)
		n += ct_agg_runtime_failed(agg, rt);
	return n;
}

/* Said only when something was lost, dropped or failed. */
static void summary_losses(FILE *f, const struct ct_agg *agg,
			   const struct ct_meta *meta)
{
	struct ct_tracker_stats st;
	size_t failed = failed_total(agg);

	ct_tracker_get_stats(meta->tracker, &st);
	if (st.dropped_containers || st.dropped_procs)
		fprintf(f, "not followed: %" PRIu64 " containers, %" PRIu64
			" processes (tables full: containers are missing)\n",
			st.dropped_containers, st.dropped_procs);
	if (st.expired)
		fprintf(f, "expired: %" PRIu64 " containers whose processes "
			"vanished unseen (reported incomplete)\n", st.expired);
	if (st.malformed)
		fprintf(f, "malformed records: %" PRIu64 " (ignored)\n",
			st.malformed);
	if (failed)
		fprintf(f, "failed: %zu containers never ran their program "
			"(left out of the statistics)\n", failed);
	if (ct_agg_restart_keys_forgotten(agg))
		fprintf(f, "restart pairing: %" PRIu64 " services pushed out of "
			"its full table (their next restart not counted)\n",
			ct_agg_restart_keys_forgotten(agg));
	if (st.ambiguous_clients)
		fprintf(f, "client not known: %" PRIu64 " docker containers "
			"(several clients could have asked for them)\n",
			st.ambiguous_clients);
	if (st.cni_unattributed)
		fprintf(f, "CNI plugins not attributed: %" PRIu64 " (their "
			"environment did not name their command and pod)\n",
			st.cni_unattributed);
	if (st.unarmed)
		fprintf(f, "syscall hooks attached late: %" PRIu64 " containers "
			"began while the host was idle and the hooks detached "
			"(opens, ready, mounts may be missing; --arm=always "
			"keeps them attached)\n", st.unarmed);
	if (st.opens_cut)
		fprintf(f, "opens traced only in part: %" PRIu64 " containers "
			"ran on after the syscall hooks were detached (cold "
			"start over; opens.traced_until_ns; --arm=always keeps "
			"them attached)\n", st.opens_cut);
	if (st.partial)
		fprintf(f, "started before the session: %" PRIu64 " containers "
			"seen from the middle to their end (partial: left out "
			"of the statistics)\n", st.partial);
	if (st.partial_running)
		fprintf(f, "started before the session and still running: "
			"%" PRIu64 " containers (no record: neither their start "
			"nor their end was seen)\n", st.partial_running);
	if (st.bad_keys)
		fprintf(f, "cgroup key not per-container: %" PRIu64
			" containers (cgroup view differs from the runtime's: "
			"opens unobservable)\n", st.bad_keys);
}

void ct_output_summary(FILE *f, const struct ct_agg *agg,
		       const struct ct_meta *meta)
{
	int rt;

	fprintf(f, "# %s: per runtime, each phase's median ms, and its "
		   "share of the containers' summed total time (exclusive, "
		   "complete containers)\n",
		meta->interim ? "interim summary (session goes on)" :
				"summary");
	fprintf(f, "%-7s %10s %8s %10s ", "RUNTIME", "CONTAINERS", "COMPLETE",
		"p50TOTALms");
	print_phase_names(f);
	for (rt = 0; rt < CT_RT_MAX; rt++) {
		if (ct_agg_runtime_count(agg, rt, NULL))
			summary_row(f, agg, rt);
	}
	if (ct_agg_continuous(agg))
		fprintf(f, "continuous mode: every container folded into the "
			"statistics (percentiles within %.0f %%; n, min, max, "
			"mean exact); records kept: the last %zu\n",
			CT_FOLD_REL_ERR * 100, ct_agg_count(agg));
	for (rt = 0; rt < CT_RT_MAX; rt++)
		restart_row(f, agg, rt);
	fprintf(f, "lost events: %" PRIu64 "%s\n", meta->lost_events,
		meta->lost_events ? " (containers may be missing or incomplete:"
				    " try a larger --ringbuf)" : "");
	summary_losses(f, agg, meta);
	for (rt = 0; rt < CT_RT_MAX; rt++) {
		if (ct_agg_runtime_count(agg, rt, NULL))
			summary_look_at(f, agg, rt);
	}
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

typedef int (*stats_fn)(const struct ct_agg *, enum ct_runtime, int,
			struct ct_stats *);

/* "phases":{"create":{stats},...}: phases never seen are absent */
static int json_phase_stats(struct ct_json *w, const struct ct_agg *agg,
			    enum ct_runtime rt, stats_fn fn)
{
	struct ct_stats st;
	int p, err = 0;

	ct_json_key(w, "phases");
	ct_json_start_object(w);
	for (p = 0; p < CT_PH_MAX && !err; p++) {
		err = fn(agg, rt, p, &st);
		if (!err && st.n)
			json_stats(w, ct_phase_name(p), &st);
	}
	ct_json_end_object(w);
	return err;
}

/* "restart":{"n":..,"p50_ns":..,...,"phases":{...}} */
static int json_restart(struct ct_json *w, const struct ct_agg *agg,
			enum ct_runtime rt)
{
	struct ct_stats st;
	int err;

	err = ct_agg_restart_stats(agg, rt, CT_AGG_TOTAL, &st);
	if (err)
		return err;
	ct_json_key(w, "restart");
	ct_json_start_object(w);
	json_stats_fields(w, &st);
	err = json_phase_stats(w, agg, rt, ct_agg_restart_stats);
	ct_json_end_object(w);
	return err;
}

static int json_runtime(struct ct_json *w, const struct ct_agg *agg,
			enum ct_runtime rt)
{
	struct ct_stats st;
	size_t n, ok;
	int err;

	n = ct_agg_runtime_count(agg, rt, &ok);
	ct_json_key(w, ct_runtime_name(rt));
	ct_json_start_object(w);
	ct_json_kv_u64(w, "containers", n);
	ct_json_kv_u64(w, "complete", ok);
	ct_json_kv_u64(w, "failed", ct_agg_runtime_failed(agg, rt));
	err = ct_agg_stats(agg, rt, CT_AGG_TOTAL, &st);
	if (!err) {
		json_stats(w, "total", &st);
		err = ct_agg_stats(agg, rt, CT_AGG_COLD, &st);
	}
	if (!err) {
		if (st.n)
			json_stats(w, "cold_start", &st);
		err = json_phase_stats(w, agg, rt, ct_agg_stats);
	}
	if (!err)
		err = json_restart(w, agg, rt);
	ct_json_end_object(w);
	return err;
}

/* Every loss, always present so that a check can rely on it. */
static void json_losses(struct ct_json *w, const struct ct_agg *agg,
			const struct ct_meta *meta)
{
	struct ct_chain_stats ch;
	struct ct_tracker_stats st;

	ct_tracker_get_stats(meta->tracker, &st);
	ct_json_kv_u64(w, "dropped_containers", st.dropped_containers);
	ct_json_kv_u64(w, "dropped_processes", st.dropped_procs);
	ct_json_kv_u64(w, "expired_containers", st.expired);
	ct_json_kv_u64(w, "malformed_records", st.malformed);
	ct_json_kv_u64(w, "unkeyed_containers", st.bad_keys);
	ct_json_kv_u64(w, "ambiguous_clients", st.ambiguous_clients);
	ct_json_kv_u64(w, "cni_unattributed", st.cni_unattributed);
	ct_json_kv_u64(w, "unarmed_containers", st.unarmed);
	ct_json_kv_u64(w, "opens_cut_containers", st.opens_cut);
	ct_json_kv_u64(w, "partial_containers", st.partial);
	ct_json_kv_u64(w, "partial_running_containers", st.partial_running);
	ct_json_kv_u64(w, "hooks_attached", st.arms);
	ct_json_kv_u64(w, "arm_latency_max_us", st.arm_latency_max_ns / 1000);
	ct_json_kv_u64(w, "failed_containers", failed_total(agg));
	ct_json_kv_u64(w, "restart_keys_forgotten",
		       ct_agg_restart_keys_forgotten(agg));
	ct_chains_stats(meta->chains, &ch);
	ct_json_kv_u64(w, "chain_runners_dropped", ch.dropped_runners);
	ct_json_kv_u64(w, "chains_not_kept", ch.dropped_kept);
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
	int rt, err = 0;

	ct_json_kv_string(w, "version", meta->version);
	ct_json_kv_string(w, "kernel", meta->kernel);
	/* false in -i summaries: more containers may come */
	ct_json_kv_bool(w, "final", !meta->interim);
	if (ct_agg_continuous(agg))
		json_mode(w, agg);
	if (meta->tracker)
		ct_json_kv_string(w, "cgroup_key", ct_cgroup_key_name(
			ct_tracker_cgroup_mode(meta->tracker)));
	ct_json_key(w, "runtimes");
	ct_json_start_object(w);
	for (rt = 0; rt < CT_RT_MAX && !err; rt++) {
		if (ct_agg_runtime_count(agg, rt, NULL))
			err = json_runtime(w, agg, rt);
	}
	ct_json_end_object(w);
	ct_json_kv_u64(w, "lost_events", meta->lost_events);
	json_losses(w, agg, meta);
	return err;
}

void ct_output_summary_json(FILE *f, const struct ct_agg *agg,
			    const struct ct_meta *meta)
{
	struct ct_json w;

	ct_json_init(&w, f);
	ct_json_start_object(&w);
	ct_json_kv_string(&w, "type", "summary");
	if (ct_json_summary_fields(&w, agg, meta))
		ct_json_kv_string(&w, "error", "out of memory");
	ct_json_end_object(&w);
	fputc('\n', f);
}
