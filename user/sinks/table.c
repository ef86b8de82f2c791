// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The terminal: a table row per container as it is final (with --why's
 * and --paths' rows and notes under it), then at the end the open
 * histograms per runtime, the pulls, the summary and the chains.
 * --dump prints records instead of rows, and the same end.
 */
#include <inttypes.h>
#include <string.h>

#include "hist.h"
#include "output.h"
#include "paths.h"
#include "startfiles.h"
#include "pull_output.h"
#include "sink.h"

/* A record's field, every byte printable, at its own width. */
#define PUT_FIELD(f, s) \
	ct_output_put_printable(f, s, sizeof(s), (int)strnlen(s, sizeof(s)))

/* Kubernetes' names, to find one's pod: "pod NAMESPACE/NAME ...". */
static void table_k8s(FILE *f, const struct ct_container *c)
{
	const struct ct_k8s *k = &c->k8s;

	if (!ct_k8s_known(c))
		return;
	fputs("  pod ", f);
	PUT_FIELD(f, k->pod_namespace);
	fputc('/', f);
	PUT_FIELD(f, k->pod_name);
	if (c->is_pod) {
		fputs(" (sandbox)\n", f);
		return;
	}
	fputs(", container ", f);
	PUT_FIELD(f, k->container_name);
	fputc('\n', f);
}

/* A group of its figures' notes (figures.h), each only when set. */
static void figure_notes(FILE *f, const struct ct_container *c,
			 unsigned int group)
{
	enum ct_figure set[CT_FIG_MAX];
	int n = ct_figures_set(c, CT_FIG_NOTE, group, set);
	const char *words;

	for (int i = 0; i < n; i++) {
		words = ct_figure_words(c, set[i]);
		fprintf(f, "  %s%s\n", ct_figure_row(set[i])->note,
			words ? words : "");
	}
}

/* A restore: CRIU's part of create, and the checkpoint it came from */
static void restore_note(FILE *f, const struct ct_container *c)
{
	const struct ct_restore *r = &c->restore;

	figure_notes(f, c, 4);	/* the figures said before a restore's */
	if (!r->is)
		return;
	fputs("  restored from a checkpoint (no program exec: run from "
	      "CRIU's exit)", f);
	if (r->criu_setup_ns)
		fprintf(f, "; CRIU setting up %.1f ms", r->criu_setup_ns / 1e6);
	if (r->criu_ns)
		fprintf(f, "; CRIU %.1f ms", r->criu_ns / 1e6);
	if (r->checkpoint_ns && r->checkpoint_ns <= c->first_ns)
		fprintf(f, "; checkpointed %.3f s before (%.1f ms)",
			(c->first_ns - r->checkpoint_ns) / 1e9,
			r->checkpoint_dur_ns / 1e6);
	fputc('\n', f);
}

/* --start-files: the list's size and end; the list is in -o DIR */
static void start_files_note(FILE *f, const struct ct_start_files *s)
{
	if (!s->valid)
		return;
	fprintf(f, "  start files: %" PRIu32 " (%.1f KiB) in %.1f ms, until "
		"%s at %.1f ms", s->count, s->bytes / 1024.0,
		s->last_ns / 1e6, ct_startfiles_until_name(s->until),
		s->cut_ns / 1e6);
	if (s->relative)
		fprintf(f, "; %" PRIu32 " relative", s->relative);
	if (s->dropped)
		fprintf(f, "; %" PRIu32 " not kept", s->dropped);
	fputc('\n', f);
}

/* A group of its FUSE use's figures' parts of the note (figures.h). */
static void fuse_figure_notes(FILE *f, const struct ct_fuse_use *u,
			      unsigned int group)
{
	const struct ct_fuse_figure_row *set[CT_FUSE_FIG_MAX], *r;
	int n = ct_fuse_figures_said(&ct_fuse_use_figures, u,
				     ct_fuse_use_holds(u), CT_FIG_NOTE, group,
				     set);
	uint64_t v;

	for (int i = 0; i < n; i++) {
		r = set[i];
		v = ct_fuse_figure_value(r, u);
		fputs(r->note ? r->note : "", f);
		if (r->kind == CT_FUSE_FIG_FLAG)
			continue;
		if (r->note_unit == CT_FUSE_NOTE_KIB)
			fprintf(f, "%.1f", v / 1024.0);
		else if (r->note_unit == CT_FUSE_NOTE_MS)
			fprintf(f, "%.1f", v / 1e6);
		else
			fprintf(f, "%" PRIu64, v);
		fputs(r->note_end, f);
	}
}

/* its FUSE requests: how long they kept it waiting, around ready */
static void fuse_note(FILE *f, const struct ct_fuse_use *u)
{
	if (!u->valid)
		return;
	fputs("  FUSE: ", f);
	fuse_figure_notes(f, u, 1);	/* requests ... the last's end */
	if (u->nlayers > 1)
		fprintf(f, "; %u connections, the longest %u:%u %.1f ms",
			u->connections, u->layers[0].dev >> 20,
			u->layers[0].dev & 0xfffff, u->layers[0].wait_ns / 1e6);
	fuse_figure_notes(f, u, 2);	/* fetched ... not kept */
	fputc('\n', f);
}

/* The CNI plugins said in phase p's step (-1: the phase) or in plugin
 * parent - 1, ms: " (cni:loopback 1.2, cni:bridge 5.0 (cni:host-local
 * 1.1))" */
static void cni_note(FILE *f, const struct ct_container *c, enum ct_phase p,
		     int step, unsigned int parent)
{
	char name[8 + CT_COMM_LEN];
	const char *sep = " (";

	if (!ct_cni_execs_in(c, p, step, parent))
		return;
	for (unsigned int k = 0; k < c->cni.n; k++) {
		if (!ct_cni_exec_in(c, k, p, step, parent))
			continue;
		fprintf(f, "%s%s %.1f", sep,
			ct_cni_exec_name(c, k, name, sizeof(name)),
			(c->cni.x[k].end_ns - c->cni.x[k].start_ns) / 1e6);
		sep = ", ";
		cni_note(f, c, p, step, k + 1);
	}
	fputc(')', f);
}

/* A phase's steps found, ms: "client 84.1, request 7.0, ... ms". */
static void steps_found(FILE *f, const struct ct_container *c,
			enum ct_phase p, const struct ct_steps *s)
{
	uint64_t u = ct_steps_unattributed_ns(c, p);

	for (unsigned int i = 0; i < s->n; i++) {
		fprintf(f, "%s %s %.1f", i ? "," : "",
			ct_step_name(s->step[i]),
			ct_step_dur_ns(c, p, i) / 1e6);
		cni_note(f, c, p, (int)i, 0);
	}
	if (u)
		fprintf(f, ", unattributed %.1f", u / 1e6);
	fputs(" ms", f);
}

/*
 * A phase's steps: "prepare: client 84.1, request 7.0, ... ms", a phase
 * without (a pod's connect) its plugins: "connect: (cni:...) ms", and
 * those missing, with steps found or not: "...ms; no image: shared",
 * "prepare: no request: unprobed"
 */
static void steps_note(FILE *f, const struct ct_container *c,
		       enum ct_phase p)
{
	const struct ct_steps *s = ct_steps_of(c, p);
	const char *why[CT_STEP_MAX];
	unsigned int n = s ? s->n : 0;
	const char *sep = n ? "; " : " ";

	if (!n && ct_cni_execs_in(c, p, -1, 0)) {
		fprintf(f, "  %s:", ct_phase_name(p));
		cni_note(f, c, p, -1, 0);
		fputs(" ms\n", f);
	}
	if (!ct_steps_missing(c, p, why) && !n)
		return;
	fprintf(f, "  %s:", ct_phase_name(p));
	if (n)
		steps_found(f, c, p, s);
	for (unsigned int st = 0; st < CT_STEP_MAX; st++) {
		if (!why[st])
			continue;
		fprintf(f, "%sno %s: %s", sep, ct_step_name(st), why[st]);
		sep = "; ";
	}
	fputc('\n', f);
}

/* What a row alone would not say of c. */
static void table_notes(FILE *f, const struct ct_container *c)
{
	table_k8s(f, c);
	if (c->opens.unobservable)
		fprintf(f, "  file opens not observable: %s\n",
			ct_opens_unobservable_reason(&c->opens));
	figure_notes(f, c, 1);	/* unarmed, removal_unarmed */
	if (c->opens.traced_until_ns)
		fprintf(f, "  opens traced until %.3f s after its start "
			"(syscall hooks detached %s)\n",
			(c->opens.traced_until_ns - c->first_ns) / 1e9,
			ct_opens_cut_when(c));
	figure_notes(f, c, 2);	/* partial */
	if (c->has_created)
		fprintf(f, "  created %.3f s before its start (%.1f ms, %s); "
			"the wait is in no phase\n",
			ct_created_gap_ns(c) / 1e9,
			(c->created.end_ns - c->created.start_ns) / 1e6,
			c->created.from_client ? "its create client" :
			"dockerd's, its requests not seen");
	figure_notes(f, c, 3);	/* prepare_missing */
	for (int p = 0; p < CT_PH_MAX; p++)
		steps_note(f, c, p);
	start_files_note(f, &c->start_files);
	fuse_note(f, &c->fuse);
	restore_note(f, c);
}

static void table_container(struct ct_sink_out *o, const struct ct_container *c)
{
	if (!o->started)
		ct_output_table_header(o->f, o->wall);
	o->started = true;
	ct_output_table_row(o->f, c, o->wall);
	if (o->why)
		ct_output_why_rows(o->f, c);
	table_notes(o->f, c);
	if (o->paths)
		ct_paths_print(o->f, c);
}

static void table_summary(struct ct_sink_out *o, const struct ct_agg *agg,
			  const struct ct_meta *m)
{
	ct_output_summary(o->f, agg, m);
}

static void runtime_hists(FILE *f, const struct ct_agg *agg)
{
	struct ct_opens op;

	for (int rt = 0; rt < CT_RT_MAX; rt++) {
		if (!ct_agg_runtime_opens(agg, rt, &op) || !op.count)
			continue;
		fprintf(f, "\n%s: file opens in containers: %llu (failed "
			"%llu), p50 %.1f us, p99 %.1f us\n",
			ct_runtime_name(rt), (unsigned long long)op.count,
			(unsigned long long)op.failed, op.p50_ns / 1e3,
			op.p99_ns / 1e3);
		ct_hist_print(f, op.slots, CT_HIST_SLOTS, "nsecs");
	}
}

/* --dump's end, and the table's after its own line. */
static void dump_end(struct ct_sink_out *o, const struct ct_agg *agg,
		     const struct ct_meta *m)
{
	runtime_hists(o->f, agg);
	ct_pull_print_all(o->f, m->pulls);
	fputc('\n', o->f);
	ct_output_summary(o->f, agg, m);
	/* after the summary: a chain is read against its runtimes' phases */
	ct_output_chains(o->f, m->chains);
}

static void table_end(struct ct_sink_out *o, const struct ct_agg *agg,
		      const struct ct_meta *m)
{
	if (!o->started && !ct_pulls_count(m->pulls))
		fprintf(o->f, "no container was seen\n");
	dump_end(o, agg, m);
}

const struct ct_sink ct_sink_table = {
	.container = table_container,
	.summary = table_summary,
	.end = table_end,
};

const struct ct_sink ct_sink_dump = {
	.summary = table_summary,
	.end = dump_end,
};
