// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Container records and the terminal table: see output.h. */
#include <string.h>
#include <time.h>
#include "engine.h"
#include "hist.h"
#include "output.h"
#include "paths.h"
#include "startfiles.h"
#include "util.h"

/* ---- JSON: one container ---- */

/* "waker" or "hop": who ended a wait */
static void json_waker(struct ct_json *w, const char *key, const char *comm,
		       uint32_t pid, unsigned int kind)
{
	ct_json_key(w, key);
	ct_json_start_object(w);
	ct_json_kv_string(w, "comm", comm);
	ct_json_kv_u64(w, "pid", pid);
	ct_json_kv_string(w, "kind", ct_waker_kind_name(kind));
	ct_json_end_object(w);
}

static void json_site(struct ct_json *w, const struct ct_wait *x)
{
	ct_json_start_object(w);
	ct_json_kv_string(w, "site", x->site);
	ct_json_kv_string(w, "state", ct_wait_state_name(x->state));
	ct_json_kv_string(w, "syscall", x->syscall);
	if (x->code[0])		/* --why=user */
		ct_json_kv_string(w, "code", x->code);
	ct_json_kv_u64(w, "ns", x->ns);
	ct_json_kv_u64(w, "runq_ns", x->runq_ns);
	ct_json_kv_u64(w, "count", x->count);
	json_waker(w, "waker", x->waker, x->waker_pid, x->waker_kind);
	ct_json_kv_string(w, "via", ct_wait_via_name(x->via));
	if (x->via == CT_VIA_FOLLOWED) {
		ct_json_kv_string(w, "via_site", x->via_site);
		json_waker(w, "hop", x->hop, x->hop_pid, x->hop_kind);
	}
	ct_json_end_object(w);
}

/* --why's wait sites of a phase (docs/why.md "Wait sites") */
static void json_waits(struct ct_json *w, const struct ct_waits *x)
{
	ct_json_key(w, "waits");
	ct_json_start_object(w);
	ct_json_key(w, "sites");
	ct_json_start_array(w);
	for (uint32_t i = 0; i < x->n; i++)
		json_site(w, &x->top[i]);
	ct_json_end_array(w);
	ct_json_kv_u64(w, "sites_total", x->sites);
	ct_json_kv_u64(w, "other_ns", x->other_ns);
	ct_json_kv_u64(w, "preempted_ns", x->preempted_ns);
	ct_json_kv_u64(w, "no_carrier_ns", x->no_carrier_ns);
	ct_json_kv_u64(w, "nested_ns", x->nested_ns);
	ct_json_kv_u64(w, "offcpu_ns", x->offcpu_ns);
	ct_json_kv_u64(w, "unattributed_ns", x->unattributed_ns);
	ct_json_kv_u64(w, "lost_stacks", x->lost_stacks);
	ct_json_kv_u64(w, "unfollowed", x->unfollowed);
	ct_json_end_object(w);
}

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
	if (x->has_waits)
		json_waits(w, &x->waits);
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

void ct_json_steps_missing(struct ct_json *w, const struct ct_container *c,
			   enum ct_phase p)
{
	const char *why[CT_STEP_MAX];

	if (!ct_steps_missing(c, p, why))
		return;
	ct_json_key(w, "missing");
	ct_json_start_object(w);
	for (unsigned int st = 0; st < CT_STEP_MAX; st++)
		if (why[st])
			ct_json_kv_string(w, ct_step_name(st), why[st]);
	ct_json_end_object(w);
}

/*
 * The CNI plugins said in phase p's step (-1: in the phase) or in
 * plugin parent - 1 (docs/phases.md "cri table"): steps of their own,
 * side by side, each with the plugins it ran.
 */
static void json_cni(struct ct_json *w, const struct ct_container *c,
		     enum ct_phase p, int step, unsigned int parent)
{
	char name[8 + CT_COMM_LEN];

	if (!ct_cni_execs_in(c, p, step, parent))
		return;
	ct_json_key(w, "steps");
	ct_json_start_array(w);
	for (unsigned int k = 0; k < c->cni.n; k++) {
		const struct ct_cni_exec *x = &c->cni.x[k];

		if (!ct_cni_exec_in(c, k, p, step, parent))
			continue;
		ct_json_start_object(w);
		ct_json_kv_string(w, "step",
				  ct_cni_exec_name(c, k, name, sizeof(name)));
		ct_json_kv_u64(w, "start_ns", x->start_ns);
		ct_json_kv_u64(w, "dur_ns", x->end_ns - x->start_ns);
		json_cni(w, c, p, step, k + 1);
		ct_json_end_object(w);
	}
	ct_json_end_array(w);
}

/* A phase's steps (docs/phases.md "prepare's steps", "destroy's
 * steps"), in time order */
static void json_steps(struct ct_json *w, const struct ct_container *c,
		       enum ct_phase p)
{
	const struct ct_steps *s = ct_steps_of(c, p);

	if (!s || !s->n) {
		json_cni(w, c, p, -1, 0);	/* connect: its plugins */
		return;
	}
	ct_json_key(w, "steps");
	ct_json_start_array(w);
	for (unsigned int i = 0; i < s->n; i++) {
		ct_json_start_object(w);
		ct_json_kv_string(w, "step", ct_step_name(s->step[i]));
		ct_json_kv_u64(w, "start_ns", s->start_ns[i]);
		ct_json_kv_u64(w, "dur_ns", ct_step_dur_ns(c, p, i));
		json_cni(w, c, p, (int)i, 0);
		ct_json_end_object(w);
	}
	ct_json_end_array(w);
	ct_json_kv_u64(w, "unattributed_ns", ct_steps_unattributed_ns(c, p));
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
		json_steps(w, c, p);
		ct_json_steps_missing(w, c, p);
		json_split(w, c, p);
		ct_json_end_object(w);
	}
	ct_json_end_object(w);
}

/*
 * "pull": the image pull a docker run of an image not yet there waited
 * for.  Not a phase of docs/design.md "Phases": its time lies inside
 * prepare, which begins at the client's request (a record without its
 * prepare begins after it).
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

/*
 * "created": a container made by an earlier request than the one that
 * started it (docker create, then docker start): its creation, kept out
 * of "phases", total_ns and cold_start_ns as the wait after it is
 * (docs/phases.md "prepare").  gap_ns: its end to the record's start.
 */
static void json_created(struct ct_json *w, const struct ct_container *c)
{
	const struct ct_created *cr = &c->created;

	if (!c->has_created)
		return;
	ct_json_key(w, "created");
	ct_json_start_object(w);
	ct_json_kv_u64(w, "start_ns", cr->start_ns);
	ct_json_kv_u64(w, "dur_ns", cr->end_ns - cr->start_ns);
	ct_json_kv_u64(w, "gap_ns", ct_created_gap_ns(c));
	ct_json_kv_string(w, "by", cr->from_client ? "client" : "dockerd");
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

/* group of a FUSE table's figures (figures.h) said of base */
static void json_fuse_figures(struct ct_json *w,
			      const struct ct_fuse_figures *t,
			      const void *base, unsigned int holds,
			      unsigned int group)
{
	const struct ct_fuse_figure_row *set[CT_FUSE_FIG_MAX];
	int n = ct_fuse_figures_said(t, base, holds, CT_FIG_JSON, group, set);

	for (int i = 0; i < n; i++) {
		if (set[i]->kind == CT_FUSE_FIG_FLAG)
			ct_json_kv_bool(w, set[i]->json, true);
		else
			ct_json_kv_u64(w, set[i]->json,
				       ct_fuse_figure_value(set[i], base));
	}
}

/* "layers": each connection's share, "MAJ:MIN" as mountinfo says it */
static void json_fuse_layers(struct ct_json *w, const struct ct_fuse_use *u)
{
	char dev[24];

	ct_json_key(w, "layers");
	ct_json_start_array(w);
	for (uint32_t i = 0; i < u->nlayers; i++) {
		const struct ct_fuse_layer *l = &u->layers[i];
		unsigned int h = ct_fuse_layer_holds(u, l);

		snprintf(dev, sizeof(dev), "%u:%u", l->dev >> 20,
			 l->dev & 0xfffff);
		ct_json_start_object(w);
		ct_json_kv_string(w, "dev", dev);
		if (l->digest[0])
			ct_json_kv_string(w, "digest", l->digest);
		/* its requests, then what it fetched from its registry */
		json_fuse_figures(w, &ct_fuse_layer_figures, l, h, 1);
		if (l->fetched == CT_FETCHED_UNKNOWN)
			ct_json_kv_bool(w, "fetched_unknown", true);
		json_fuse_figures(w, &ct_fuse_layer_figures, l, h, 2);
		ct_json_end_object(w);
	}
	ct_json_end_array(w);
	if (u->layers_more)
		ct_json_kv_u64(w, "layers_more", u->layers_more);
}

/* its FUSE requests (a lazy pull's fetches); absent without one */
static void json_fuse(struct ct_json *w, const struct ct_fuse_use *u)
{
	const struct ct_fuse_figures *t = &ct_fuse_use_figures;
	unsigned int h = ct_fuse_use_holds(u);

	if (!u->valid)
		return;
	ct_json_key(w, "fuse");
	ct_json_start_object(w);
	json_fuse_figures(w, t, u, h, 1);	/* its requests and waits */
	json_fuse_figures(w, t, u, h, 2);	/* its layers' fetched sums */
	json_fuse_layers(w, u);
	json_fuse_figures(w, t, u, h, 3);	/* dropped */
	ct_json_end_object(w);
}

/* --start-files: the list's summary; absent without it */
static void json_start_files(struct ct_json *w, const struct ct_start_files *s)
{
	if (!s->valid)
		return;
	ct_json_key(w, "start_files");
	ct_json_start_object(w);
	ct_json_kv_u64(w, "count", s->count);
	ct_json_kv_u64(w, "bytes", s->bytes);
	ct_json_kv_string(w, "until", ct_startfiles_until_name(s->until));
	ct_json_kv_u64(w, "until_ns", s->cut_ns);
	ct_json_kv_u64(w, "last_ns", s->last_ns);
	ct_json_kv_u64(w, "relative", s->relative);
	ct_json_kv_u64(w, "dropped", s->dropped);
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

#define JSON_FIELD(w, key, c, field) do { \
	ct_json_key(w, key); \
	ct_json_string_n(w, (c)->field, sizeof((c)->field)); \
} while (0)

/* "image" and a CRI container's "k8s", each absent when not known. */
static void json_ident(struct ct_json *w, const struct ct_container *c)
{
	if (c->image[0])
		JSON_FIELD(w, "image", c, image);
	if (!ct_k8s_known(c))
		return;
	ct_json_key(w, "k8s");
	ct_json_start_object(w);
	JSON_FIELD(w, "namespace", c, k8s.pod_namespace);
	JSON_FIELD(w, "pod", c, k8s.pod_name);
	JSON_FIELD(w, "pod_uid", c, k8s.pod_uid);
	if (!c->is_pod)
		JSON_FIELD(w, "container", c, k8s.container_name);
	ct_json_end_object(w);
}

/* "restore": CRIU's part, the checkpoint it pairs with (null: unseen) */
static void json_restore(struct ct_json *w, const struct ct_restore *r)
{
	ct_json_key(w, "restore");
	ct_json_start_object(w);
	ct_json_kv_u64_or_null(w, "criu_setup_ns", r->criu_setup_ns);
	ct_json_kv_u64_or_null(w, "criu_ns", r->criu_ns);
	ct_json_kv_u64_or_null(w, "checkpoint_start_ns", r->checkpoint_ns);
	ct_json_kv_u64_or_null(w, "checkpoint_dur_ns", r->checkpoint_dur_ns);
	ct_json_end_object(w);
}

/* A group of its figures (figures.h), each absent unless set. */
static void json_figures(struct ct_json *w, const struct ct_container *c,
			 unsigned int group)
{
	enum ct_figure set[CT_FIG_MAX];
	int n = ct_figures_set(c, CT_FIG_JSON, group, set);
	const struct ct_figure_row *r;

	for (int i = 0; i < n; i++) {
		r = ct_figure_row(set[i]);
		if (r->kind == CT_FIG_EXIT)
			ct_json_kv_s64(w, r->json, ct_figure_exit(c, set[i]));
		else if (r->kind == CT_FIG_REASON)
			ct_json_kv_string(w, r->json,
					  ct_figure_words(c, set[i]));
		else if (r->json_text)
			ct_json_kv_string(w, r->json, r->json_text);
		else
			ct_json_kv_bool(w, r->json, true);
	}
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
	json_ident(w, c);
	ct_json_kv_string(w, "runtime", ct_runtime_name(c->runtime));
	ct_json_kv_string(w, "engine", ct_engine_name(c->engine));
	ct_json_kv_bool(w, "complete", c->complete);
	json_figures(w, c, 1);	/* failed, unarmed, partial... */
	if (c->restore.is)	/* absent unless restored from a checkpoint */
		json_restore(w, &c->restore);
	json_figures(w, c, 2);	/* checkpointed, prepare_missing, shim */
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
	json_figures(w, c, 3);	/* command_truncated */
	json_client(w, c);
	json_phases(w, c);
	json_why_slices(w, c);
	json_pull(w, c);
	json_created(w, c);
	json_opens(w, "opens", &c->opens);
	json_opens(w, "gofer_opens", &c->gofer_opens);
	ct_paths_json(w, c);	/* --paths; absent otherwise */
	json_start_files(w, &c->start_files);
	json_fuse(w, &c->fuse);
	ct_json_end_object(w);
}

/* ---- terminal table ---- */

/* Milliseconds in at most 4 characters (wider only beyond 999 s). */
void ct_output_fmt_ms4(char *buf, size_t len, uint64_t ns)
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

	ct_output_fmt_ms4(ms, sizeof(ms), dur);
	if (total)
		snprintf(cell, sizeof(cell), "%s %3u%%", ms,
			 (unsigned int)((excl * 100 + total / 2) / total));
	else
		snprintf(cell, sizeof(cell), "%s    ", ms);
	fprintf(f, "%*s", CT_OUTPUT_CELL_W, cell);
}

/* Column titles: "disconnect" would touch its left neighbour. */
void ct_output_phase_names(FILE *f)
{
	int p;

	for (p = 0; p < CT_PH_MAX; p++)
		fprintf(f, "%*.*s", CT_OUTPUT_CELL_W, CT_OUTPUT_CELL_W - 3,
			ct_phase_name(p));
	fputc('\n', f);
}

void ct_output_table_header(FILE *f, bool wall)
{
	fprintf(f, "# per phase: ms from its start to its end (a nested "
		   "phase inside counts in it too), and the %% of TOTAL\n"
		   "# that is its own (nested phases apart; the rest of TOTAL "
		   "is in no phase); * = incomplete\n");
	if (wall)
		fprintf(f, "%-12s ", "TIME");
	fprintf(f, "%-12s %-5s %-6s %4s %8s", "ID", "RT", "ENGINE", "EXIT",
		"TOTALms");
	ct_output_phase_names(f);
}

/* The table is for people: make every untrusted byte printable. */
void ct_output_put_printable(FILE *f, const char *s, size_t max, int width)
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
	const char *column = ct_engine(c->engine)->column;

	if (c->is_pod)
		return "pod";
	return column ? column : ct_engine_name(c->engine);
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
	ct_output_put_printable(f, c->id, sizeof(c->id), 12);
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
			fprintf(f, "%*s", CT_OUTPUT_CELL_W, "-");
		else if (!iv->end_ns || iv->end_ns < iv->start_ns)
			fprintf(f, "%*s", CT_OUTPUT_CELL_W, "open");
		else
			print_cell(f, ct_phase_dur(c, p), excl[p], total);
	}
	fputc('\n', f);
}

/* "comm pid (kind)": who ended a wait, the pid where there is one */
static void put_waker(FILE *f, const char *comm, uint32_t pid,
		      unsigned int kind)
{
	fputs(comm, f);
	if (pid)
		fprintf(f, " %u", pid);
	fprintf(f, " (%s)", ct_waker_kind_name(kind));
}

/* A phase's largest wait sites, under its split. */
static void why_waits_row(FILE *f, const struct ct_waits *x)
{
	char label[CT_WAIT_LABEL_LEN];

	for (uint32_t i = 0; i < x->n && i < 3; i++) {
		const struct ct_wait *s = &x->top[i];

		ct_wait_label(s, label, sizeof(label));
		fprintf(f, "  %-10s %s %8.2f ms %s x%u, woken by ",
			i ? "" : "waits", ct_wait_state_name(s->state),
			(s->ns + s->runq_ns) / 1e6, label, s->count);
		put_waker(f, s->waker[0] ? s->waker : "-", s->waker_pid,
			  s->waker_kind);
		if (s->hop[0]) {
			fputs(", itself woken by ", f);
			put_waker(f, s->hop, s->hop_pid, s->hop_kind);
		}
		fputc('\n', f);
	}
	if (x->unattributed_ns || x->preempted_ns || x->no_carrier_ns ||
	    x->nested_ns)
		fprintf(f, "  %-10s preempted %.2f ms, unattributed %.2f ms, "
			"no carrier %.2f ms, in nested phases %.2f ms\n", "",
			x->preempted_ns / 1e6, x->unattributed_ns / 1e6,
			x->no_carrier_ns / 1e6, x->nested_ns / 1e6);
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
		if (x->has_waits)
			why_waits_row(f, &x->waits);
	}
}

