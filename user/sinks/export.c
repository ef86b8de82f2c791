// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --output DIR files: see export.h for what goes where. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "afile.h"
#include "errmsg.h"
#include "export.h"
#include "why.h"
#include "chain.h"
#include "pull_output.h"
#include "hist.h"
#include "otlp.h"

struct export_ctx {
	const struct ct_agg *agg;
	const struct ct_meta *meta;
	struct ct_restart *restarts;
	size_t nrestarts;
	/* hist/ files: one runtime at a time */
	enum ct_runtime rt;
	struct ct_opens opens;
};

typedef int (*write_fn)(FILE *f, const struct export_ctx *x);

/* mkdir -p; an existing non-directory is an error. */
static int make_dir(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	struct stat st;
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(path))
		return ct_fail_errno(err, errlen, EINVAL,
				     "bad output directory '%s'", dir);
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return ct_fail_errno(err, errlen, errno,
					     "cannot create output directory '%s'",
					     path);
		path[i] = i < n ? '/' : '\0';
	}
	if (stat(dir, &st))
		return ct_fail_errno(err, errlen, errno, "cannot use '%s'",
				     dir);
	if (!S_ISDIR(st.st_mode))
		return ct_fail_errno(err, errlen, ENOTDIR, "cannot use '%s'",
				     dir);
	return 0;
}

/* Write through fn into a temp file, fsync it, rename it into place. */
/* Write through fn into an atomic file (afile.h): whole or not at all. */
static int write_atomic(const char *dir, const char *name, write_fn fn,
			const struct export_ctx *x, char *err, size_t errlen)
{
	struct ct_afile a;
	char dst[4096];
	int ret;
	FILE *f;

	if (snprintf(dst, sizeof(dst), "%s/%s", dir, name) >= (int)sizeof(dst))
		return ct_fail_errno(err, errlen, ENAMETOOLONG,
				     "cannot write in '%s'", dir);
	ret = ct_afile_create(&a, dst);
	if (ret)
		return ct_fail_errno(err, errlen, -ret, "cannot write '%s'",
				     dst);
	f = ct_afile_stdio(&a);
	ret = f ? fn(f, x) : -(errno ? errno : ENOMEM);
	if (ret)
		ct_afile_abort(&a);
	else
		ret = ct_afile_commit(&a);
	if (ret)
		return ct_fail_errno(err, errlen, -ret, "cannot write '%s'",
				     dst);
	return 0;
}

/* After the renames: make the directory entries durable too. */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* ---- containers.jsonl, restarts.jsonl ---- */

static void meta_line(FILE *f, const struct ct_meta *m)
{
	struct ct_json w;

	ct_json_init(&w, f);
	ct_json_start_object(&w);
	ct_json_kv_string(&w, "type", "meta");
	ct_json_kv_string(&w, "version", m->version);
	ct_json_kv_string(&w, "kernel", m->kernel);
	ct_json_kv_u64(&w, "lost_events", m->lost_events);
	ct_json_end_object(&w);
	fputc('\n', f);
}

static int write_containers(FILE *f, const struct export_ctx *x)
{
	size_t i, n = ct_agg_count(x->agg);

	meta_line(f, x->meta);
	for (i = 0; i < n; i++)
		ct_output_container_json(f, ct_agg_get(x->agg, i));
	return 0;
}

/* pulls.jsonl: the meta line, then one {"type":"pull"} per image pull. */
static int write_pulls(FILE *f, const struct export_ctx *x)
{
	meta_line(f, x->meta);
	if (!x->meta->pulls)
		return 0;
	return ct_pull_write_jsonl(f, x->meta->pulls);
}

/* chains.jsonl: the meta line, then one {"type":"chain"} per chain. */
static int write_chains(FILE *f, const struct export_ctx *x)
{
	meta_line(f, x->meta);
	return ct_output_chains_jsonl(f, x->meta->chains);
}

static void restart_json(struct ct_json *w, const struct ct_agg *agg,
			 const struct ct_restart *r)
{
	const struct ct_container *o = ct_agg_get(agg, r->old_idx);
	const struct ct_container *n = ct_agg_get(agg, r->new_idx);
	int p;

	ct_json_start_object(w);
	ct_json_kv_string(w, "type", "restart");
	ct_json_key(w, "name");
	ct_json_string_n(w, n->name, sizeof(n->name));
	ct_json_kv_string(w, "runtime", ct_runtime_name(r->runtime));
	ct_json_key(w, "old_id");
	ct_json_string_n(w, o->id, sizeof(o->id));
	ct_json_key(w, "new_id");
	ct_json_string_n(w, n->id, sizeof(n->id));
	ct_json_kv_bool(w, "same_id", r->same_id);
	ct_json_kv_u64(w, "start_ns", r->start_ns);
	ct_json_kv_u64(w, "dur_ns", r->end_ns - r->start_ns);
	ct_json_key(w, "phases");
	ct_json_start_object(w);
	for (p = 0; p < CT_PH_MAX; p++) {
		if (!(r->phase_mask & (1u << p)))
			continue;
		ct_json_key(w, ct_phase_name(p));
		ct_json_start_object(w);
		ct_json_kv_u64(w, "excl_ns", r->excl_ns[p]);
		ct_json_end_object(w);
	}
	ct_json_end_object(w);
	ct_json_end_object(w);
}

static int write_restarts(FILE *f, const struct export_ctx *x)
{
	struct ct_json w;
	size_t i;

	meta_line(f, x->meta);
	for (i = 0; i < x->nrestarts; i++) {
		ct_json_init(&w, f);
		restart_json(&w, x->agg, &x->restarts[i]);
		fputc('\n', f);
	}
	return 0;
}

/* ---- phases.csv (RFC 4180, CRLF) ---- */

static bool csv_needs_quotes(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == ',' || c == '"' || c < 0x20 || c >= 0x7f)
			return true;
	}
	return n && (s[0] == ' ' || s[n - 1] == ' ');
}

/*
 * RFC 4180 text is printable: CR and LF may stand inside quotes, other
 * control bytes and invalid UTF-8 become U+FFFD, as in the JSON.
 */
static void csv_field(FILE *f, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = s ? strnlen(s, max) : 0, i = 0, sl;
	bool q = csv_needs_quotes((const char *)p, n);

	if (q)
		fputc('"', f);
	while (i < n) {
		sl = ct_utf8_seq_len(p + i, n - i);
		if (sl == 1 && p[i] == '"')
			fputs("\"\"", f);
		else if (sl == 0 || (sl == 1 && ((p[i] < 0x20 && p[i] != '\r' &&
						  p[i] != '\n') || p[i] == 0x7f)))
			fputs("\xef\xbf\xbd", f);
		else
			fwrite(p + i, 1, sl, f);
		i += sl ? sl : 1;
	}
	if (q)
		fputc('"', f);
}

static const char *const split_cols[] = { "cpu", "runq", "io", "sleep" };

/* --why: are there splits to write (then every row gets the columns)? */
static bool any_split(const struct ct_agg *a)
{
	for (size_t i = 0; i < ct_agg_count(a); i++)
		for (int p = 0; p < CT_PH_MAX; p++)
			if (ct_agg_get(a, i)->split[p].valid)
				return true;
	return false;
}

static void csv_header(FILE *f, bool why)
{
	int p;

	fputs("id,name,runtime,engine,type,pod,complete,exit_code,total_us,"
	      "cold_start_us", f);
	for (p = 0; p < CT_PH_MAX; p++)
		fprintf(f, ",%s_us", ct_phase_name(p));
	for (p = 0; why && p < CT_PH_MAX; p++)
		for (size_t k = 0; k < 4; k++)
			fprintf(f, ",%s_%s_us", ct_phase_name(p), split_cols[k]);
	fputs(",client_pid,client_comm,version,kernel\r\n", f);
}

static void csv_split(FILE *f, const struct ct_container *c)
{
	for (int p = 0; p < CT_PH_MAX; p++) {
		const struct ct_split *x = &c->split[p];
		const uint64_t v[4] = { x->cpu_ns, x->runq_ns, x->io_ns,
					x->sleep_ns };

		for (size_t k = 0; k < 4; k++) {
			fputc(',', f);
			if (x->valid)
				ct_fprint_decimal(f, v[k], 3);
		}
	}
}

static void csv_row(FILE *f, const struct ct_container *c,
		    const struct ct_meta *m, bool why)
{
	uint64_t v;
	int p;

	csv_field(f, c->id, sizeof(c->id));
	fputc(',', f);
	csv_field(f, c->name, sizeof(c->name));
	fprintf(f, ",%s,%s,%s,", ct_runtime_name(c->runtime),
		ct_engine_name(c->engine), c->is_pod ? "pod" : "container");
	csv_field(f, c->pod, sizeof(c->pod));
	fprintf(f, ",%s,", c->complete ? "true" : "false");
	if (c->has_exit_code)
		fprintf(f, "%d", c->exit_code);
	fputc(',', f);
	ct_fprint_decimal(f, ct_total_ns(c), 3);
	fputc(',', f);
	if (ct_agg_sample(c, CT_AGG_COLD, &v))
		ct_fprint_decimal(f, v, 3);
	for (p = 0; p < CT_PH_MAX; p++) {
		fputc(',', f);
		if (ct_agg_sample(c, p, &v))
			ct_fprint_decimal(f, v, 3);
	}
	if (why)
		csv_split(f, c);
	fputc(',', f);
	if (c->has_client)	/* who asked for it (client.h); else empty */
		fprintf(f, "%u", c->client.pid);
	fputc(',', f);
	if (c->has_client)
		csv_field(f, c->client.comm, sizeof(c->client.comm));
	fputc(',', f);
	csv_field(f, m->version, SIZE_MAX);
	fputc(',', f);
	csv_field(f, m->kernel, SIZE_MAX);
	fputs("\r\n", f);
}

static int write_csv(FILE *f, const struct export_ctx *x)
{
	size_t i, n = ct_agg_count(x->agg);

	bool why = any_split(x->agg);

	csv_header(f, why);
	for (i = 0; i < n; i++)
		csv_row(f, ct_agg_get(x->agg, i), x->meta, why);
	return 0;
}

/* ---- summary.json ---- */

static int write_summary(FILE *f, const struct export_ctx *x)
{
	struct ct_json w;
	int ret;

	ct_json_init(&w, f);
	ct_json_start_object(&w);
	ret = ct_json_summary_fields(&w, x->agg, x->meta);
	ct_json_end_object(&w);
	fputc('\n', f);
	return ret;
}

/* ---- metrics.prom: the same text as --listen's /metrics (prom.c) ---- */

static int write_prom(FILE *f, const struct export_ctx *x)
{
	return ct_export_prom(f, x->agg, x->meta);
}

/* ---- trace.json (Chrome trace event format) ---- */

/* Earliest phase start: ts 0 of the trace. */
static uint64_t trace_base(const struct ct_agg *agg,
			   const struct ct_pulls *pulls)
{
	size_t i, n = ct_agg_count(agg);
	uint64_t base = UINT64_MAX;
	int p;

	for (i = 0; pulls && i < ct_pulls_count(pulls); i++) {
		const struct ct_pull *pl = ct_pulls_get(pulls, i);

		if (pl->start_ns && pl->start_ns < base)
			base = pl->start_ns;
	}

	for (i = 0; i < n; i++) {
		const struct ct_container *c = ct_agg_get(agg, i);

		for (p = 0; p < CT_PH_MAX; p++) {
			if (ct_has_phase(c, p) && c->phases[p].start_ns < base)
				base = c->phases[p].start_ns;
		}
	}
	return base == UINT64_MAX ? 0 : base;
}

static void trace_meta_event(struct ct_json *w, const char *what, int pid,
			     size_t tid, const char *name, size_t len)
{
	/*
	 * The format's own category and a ts, as Chrome writes them:
	 * parsers split every event's cat and sort every event by ts.
	 */
	ct_json_start_object(w);
	ct_json_kv_string(w, "name", what);
	ct_json_kv_string(w, "cat", "__metadata");
	ct_json_kv_string(w, "ph", "M");
	ct_json_kv_u64(w, "pid", pid);
	ct_json_kv_u64(w, "tid", tid);
	ct_json_kv_u64(w, "ts", 0);
	ct_json_key(w, "args");
	ct_json_start_object(w);
	ct_json_key(w, "name");
	ct_json_string_n(w, name, len);
	ct_json_end_object(w);
	ct_json_end_object(w);
}

/* --why: a phase's state slices, and how many its state track shows;
 * or why it has no split */
static void trace_why_args(struct ct_json *w, const struct ct_container *c,
			   int p)
{
	const struct ct_split *x = &c->split[p];
	const char *why_not = ct_split_reason(c, p);

	if (why_not)
		ct_json_kv_string(w, "why_unattributable", why_not);
	if (!x->valid)
		return;
	ct_json_kv_u64(w, "why_slices", x->slices);
	ct_json_kv_u64(w, "why_slices_kept", x->slices_kept);
}

/* --why: otherData's totals of every container's slices */
static void trace_why_totals(struct ct_json *w, const struct ct_agg *agg)
{
	uint64_t n = 0, kept = 0, cn, ck;

	for (size_t i = 0; i < ct_agg_count(agg); i++) {
		if (!ct_why_slice_counts(ct_agg_get(agg, i), &cn, &ck))
			continue;
		n += cn;
		kept += ck;
	}
	ct_json_kv_u64(w, "why_slices_per_phase", CT_WHY_PHASE_SLICES);
	ct_json_kv_u64(w, "why_slices_kept", kept);
	ct_json_kv_u64(w, "why_slices_dropped", n - kept);
}

/*
 * One track per container, tid = index + 1, in its group: pid = runtime
 * + 1, or its CRI pod's group (trace_groups()); the sandbox's own track
 * is labelled "sandbox".
 */
static void trace_container(struct ct_json *w, const struct ct_container *c,
			    int pid, size_t tid, uint64_t base)
{
	char label[CT_ID_LEN + CT_NAME_LEN + 12];
	uint64_t v;
	int p;

	snprintf(label, sizeof(label), "%.12s%s%s%.*s", c->id,
		 c->is_pod ? " sandbox" : "", c->name[0] ? " " : "",
		 (int)sizeof(c->name), c->name);
	trace_meta_event(w, "thread_name", pid, tid, label, sizeof(label));
	for (p = 0; p < CT_PH_MAX; p++) {
		if (!ct_agg_sample(c, p, &v))
			continue;
		ct_json_start_object(w);
		ct_json_kv_string(w, "name", ct_phase_name(p));
		ct_json_kv_string(w, "cat", "phase");
		ct_json_kv_string(w, "ph", "X");
		ct_json_kv_u64(w, "pid", pid);
		ct_json_kv_u64(w, "tid", tid);
		ct_json_key(w, "ts");
		ct_json_decimal(w, c->phases[p].start_ns - base, 3);
		ct_json_key(w, "dur");
		ct_json_decimal(w, v, 3);
		ct_json_key(w, "args");
		ct_json_start_object(w);
		ct_json_key(w, "id");
		ct_json_string_n(w, c->id, sizeof(c->id));
		trace_why_args(w, c, p);
		ct_json_end_object(w);
		ct_json_end_object(w);
	}
}

static void trace_slice(struct ct_json *w, const char *name, const char *cat,
			int pid, size_t tid, uint64_t start, uint64_t dur,
			uint64_t base)
{
	ct_json_start_object(w);
	ct_json_kv_string(w, "name", name);
	ct_json_kv_string(w, "cat", cat);
	ct_json_kv_string(w, "ph", "X");
	ct_json_kv_u64(w, "pid", pid);
	ct_json_kv_u64(w, "tid", tid);
	ct_json_key(w, "ts");
	ct_json_decimal(w, start - base, 3);
	ct_json_key(w, "dur");
	ct_json_decimal(w, dur, 3);
	ct_json_end_object(w);
}

/*
 * One process per image pull (after the runtimes' pids): thread 1 is the
 * whole pull, thread k + 2 layer k, its fetch then its unpack (they
 * never overlap within a layer, so slices nest as the format wants).
 * No tid 0: parsers (trace-model) take it for the process itself, not a
 * track.
 */
static void trace_pull(struct ct_json *w, const struct ct_pull *p, int pid,
		       uint64_t base)
{
	char label[CT_PULL_IMAGE_LEN + 16];

	if (!p->start_ns || p->start_ns < base)
		return;
	snprintf(label, sizeof(label), "pull %s",
		 p->image[0] ? p->image : "(image unknown)");
	trace_meta_event(w, "process_name", pid, 0, label, strlen(label));
	trace_meta_event(w, "thread_name", pid, 1, "whole pull", 10);
	trace_slice(w, "pull", "pull", pid, 1, p->start_ns, p->dur_ns, base);
	for (size_t k = 0; k < p->nlayers; k++) {
		const struct ct_pull_layer *l = &p->layers[k];
		const char *d = strchr(l->digest, ':');

		snprintf(label, sizeof(label), "layer %.12s",
			 d ? d + 1 : l->digest);
		trace_meta_event(w, "thread_name", pid, k + 2, label,
				 strlen(label));
		if (l->fetch_start_ns >= base)
			trace_slice(w, "fetch", "pull", pid, k + 2,
				    l->fetch_start_ns, l->fetch_dur_ns, base);
		if (l->unpack_start_ns >= base && l->unpack_start_ns)
			trace_slice(w, "unpack", "pull", pid, k + 2,
				    l->unpack_start_ns, l->unpack_dur_ns, base);
	}
}

/*
 * --why: the carriers' thread states as slices, one track per phase under
 * the container's (tid + STATE_TID * (phase + 1)): running, runnable, D,
 * sleeping.  Phases overlap (connect within create, ready within run) and
 * each has its own carrier: on one track their slices would overlap
 * without nesting, which trace viewers cannot stack.
 */
#define STATE_TID	(1u << 20)

static void trace_state_tracks(struct ct_json *w,
			       const struct ct_why_slice *sl, size_t n,
			       const struct ct_container *c, int pid,
			       size_t tid)
{
	bool named[CT_PH_MAX] = { false };
	char label[64];

	for (size_t i = 0; i < n; i++) {
		int p = sl[i].phase;

		if (p < 0 || p >= CT_PH_MAX || named[p])
			continue;
		named[p] = true;
		snprintf(label, sizeof(label), "%.12s carrier state (%s)",
			 c->id, ct_phase_name(p));
		trace_meta_event(w, "thread_name", pid,
				 tid + STATE_TID * (size_t)(p + 1), label,
				 strlen(label));
	}
}

static void trace_states(struct ct_json *w, const struct ct_why *why,
			 const struct ct_container *c, int pid, size_t tid,
			 uint64_t base)
{
	static const char *const names[] = {
		[CT_TS_RUN] = "running", [CT_TS_RUNQ] = "runnable",
		[CT_TS_IO] = "uninterruptible (io)", [CT_TS_SLEEP] = "sleeping",
	};
	const struct ct_why_slice *sl;
	size_t n = ct_why_slices(why, c, &sl);

	trace_state_tracks(w, sl, n, c, pid, tid);
	for (size_t i = 0; i < n; i++) {
		if (sl[i].start_ns < base || sl[i].state > CT_TS_SLEEP ||
		    !names[sl[i].state] || sl[i].phase < 0 ||
		    sl[i].phase >= CT_PH_MAX)
			continue;
		ct_json_start_object(w);
		ct_json_kv_string(w, "name", names[sl[i].state]);
		ct_json_kv_string(w, "cat", "state");
		ct_json_kv_string(w, "ph", "X");
		ct_json_kv_u64(w, "pid", pid);
		ct_json_kv_u64(w, "tid",
			       tid + STATE_TID * (size_t)(sl[i].phase + 1));
		ct_json_key(w, "ts");
		ct_json_decimal(w, sl[i].start_ns - base, 3);
		ct_json_key(w, "dur");
		ct_json_decimal(w, sl[i].end_ns - sl[i].start_ns, 3);
		ct_json_key(w, "args");
		ct_json_start_object(w);
		ct_json_kv_string(w, "phase", ct_phase_name(sl[i].phase));
		ct_json_end_object(w);
		ct_json_end_object(w);
	}
}

/* The CRI pod a record belongs to: its own id for a sandbox, else its pod's. */
static const char *pod_of(const struct ct_container *c)
{
	if (c->is_pod)
		return c->id;
	return c->pod[0] ? c->pod : NULL;
}

/*
 * Track groups (trace processes): a runtime's (pid = runtime + 1), or a
 * pod's, one per distinct pod from first_pod_pid, named "pod <id12>",
 * holding the sandbox and its app containers.  gpid[i]: record i's.
 */
static int trace_groups(struct ct_json *w, const struct ct_agg *agg,
			int first_pod_pid, int *gpid)
{
	size_t i, j, n = ct_agg_count(agg), npods = 0;
	const char **pods = calloc(n ? n : 1, sizeof(*pods));
	char label[20];

	if (!pods)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct ct_container *c = ct_agg_get(agg, i);
		const char *pod = pod_of(c);

		gpid[i] = (int)c->runtime + 1;
		if (!pod)
			continue;
		for (j = 0; j < npods && strncmp(pods[j], pod, CT_ID_LEN); j++)
			;
		if (j == npods) {
			pods[npods++] = pod;
			snprintf(label, sizeof(label), "pod %.12s", pod);
			trace_meta_event(w, "process_name", first_pod_pid + (int)j,
					 0, label, strlen(label));
		}
		gpid[i] = first_pod_pid + (int)j;
	}
	free(pods);
	return 0;
}

/*
 * One process per chain (after the pulls'): thread k + 2 is step k, its
 * cold start (request -> ready) then its work (ready -> result), named by
 * the container; thread 1 the whole chain (no tid 0, as for pulls).
 */
static void trace_chain(struct ct_json *w, const struct ct_chain *ch,
			int pid, uint64_t base)
{
	char label[CT_CHAIN_ID_LEN + CT_NAME_LEN + 32];

	if (ch->start_ns < base)
		return;
	snprintf(label, sizeof(label), "chain of runner %u (%.16s)",
		 ch->runner_pid, ch->runner_comm);
	trace_meta_event(w, "process_name", pid, 0, label, strlen(label));
	trace_meta_event(w, "thread_name", pid, 1, "whole chain", 11);
	trace_slice(w, "chain", "chain", pid, 1, ch->start_ns, ch->wall_ns,
		    base);
	for (uint32_t k = 0; k < ch->n_steps; k++) {
		const struct ct_chain_step *s = &ch->steps[k];

		snprintf(label, sizeof(label), "step %u %.12s%s%.*s%s", k,
			 s->id, s->name[0] ? " " : "", (int)sizeof(s->name),
			 s->name, s->critical ? " (critical)" : "");
		trace_meta_event(w, "thread_name", pid, k + 2, label,
				 strlen(label));
		trace_slice(w, "cold start", "chain", pid, k + 2,
			    s->needed_ns, s->cold_ns, base);
		trace_slice(w, "work", "chain", pid, k + 2,
			    s->result_ns - s->work_ns, s->work_ns, base);
	}
}

static int write_trace(FILE *f, const struct export_ctx *x)
{
	const struct ct_pulls *pulls = x->meta->pulls;
	size_t i, n = ct_agg_count(x->agg);
	size_t npulls = pulls ? ct_pulls_count(pulls) : 0;
	size_t nchains = ct_chains_count(x->meta->chains);
	uint64_t base = trace_base(x->agg, pulls);
	int rt, *gpid = calloc(n ? n : 1, sizeof(*gpid));
	struct ct_json w;

	if (!gpid)
		return -ENOMEM;
	ct_json_init(&w, f);
	ct_json_start_object(&w);
	ct_json_key(&w, "traceEvents");
	ct_json_start_array(&w);
	for (rt = 0; rt < CT_RT_MAX; rt++) {
		const char *name = ct_runtime_name(rt);

		if (ct_agg_runtime_count(x->agg, rt, NULL))
			trace_meta_event(&w, "process_name", rt + 1, 0, name,
					 strlen(name));
	}
	/* pids: runtimes, then pulls, then chains, then pods */
	if (trace_groups(&w, x->agg, CT_RT_MAX + 1 + (int)(npulls + nchains),
			 gpid)) {
		free(gpid);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		trace_container(&w, ct_agg_get(x->agg, i), gpid[i], i + 1, base);
		if (x->meta->why)
			trace_states(&w, x->meta->why, ct_agg_get(x->agg, i),
				     gpid[i], i + 1, base);
	}
	free(gpid);
	for (i = 0; i < npulls; i++)
		trace_pull(&w, ct_pulls_get(pulls, i), CT_RT_MAX + 1 + i, base);
	for (i = 0; i < nchains; i++)
		trace_chain(&w, ct_chains_get(x->meta->chains, i),
			    CT_RT_MAX + 1 + (int)(npulls + i), base);
	ct_json_end_array(&w);
	ct_json_kv_string(&w, "displayTimeUnit", "ms");
	ct_json_key(&w, "otherData");
	ct_json_start_object(&w);
	ct_json_kv_string(&w, "version", x->meta->version);
	ct_json_kv_string(&w, "kernel", x->meta->kernel);
	ct_json_kv_u64(&w, "base_ns", base);
	if (x->meta->why)
		trace_why_totals(&w, x->agg);
	ct_json_end_object(&w);
	ct_json_end_object(&w);
	fputc('\n', f);
	return ct_json_error(&w) ? -EIO : 0;
}

static int write_otlp(FILE *f, const struct export_ctx *x)
{
	return ct_otlp_write(f, x->agg, x->meta);
}

/* ---- hist/<runtime>-open.{txt,json} (bcc-style log2 histograms) ---- */

static int write_hist_txt(FILE *f, const struct export_ctx *x)
{
	fprintf(f, "# coldtrace %s kernel %s runtime %s: file open latency\n",
		x->meta->version, x->meta->kernel, ct_runtime_name(x->rt));
	ct_hist_print(f, x->opens.slots, CT_HIST_SLOTS, "nsecs");
	return 0;
}

static int write_hist_json(FILE *f, const struct export_ctx *x)
{
	struct ct_json w;

	ct_json_init(&w, f);
	ct_json_start_object(&w);
	ct_json_kv_string(&w, "version", x->meta->version);
	ct_json_kv_string(&w, "kernel", x->meta->kernel);
	ct_json_kv_string(&w, "runtime", ct_runtime_name(x->rt));
	ct_json_key(&w, "opens");
	ct_hist_json(&w, &x->opens);
	ct_json_end_object(&w);
	fputc('\n', f);
	return ct_json_error(&w) ? -EIO : 0;
}

static const char *const hist_suffix[] = { "-open.txt", "-open.json" };
static const write_fn hist_fn[] = { write_hist_txt, write_hist_json };

/* "runc-open.txt" (i = 0) or "runc-open.json" (i = 1) */
static void hist_name(char *buf, size_t len, int rt, size_t i)
{
	snprintf(buf, len, "%s%s", ct_runtime_name(rt), hist_suffix[i]);
}

/* hist/<runtime>-open.{txt,json} for every runtime with measured opens. */
static int write_hists(const char *hdir, struct export_ctx *x,
		       uint32_t *written, char *err, size_t errlen)
{
	char name[64];
	int rt, ret = 0;

	*written = 0;
	for (rt = 0; rt < CT_RT_MAX && !ret; rt++) {
		if (!ct_agg_runtime_opens(x->agg, rt, &x->opens))
			continue;
		x->rt = rt;
		if (!*written)
			ret = make_dir(hdir, err, errlen);
		*written |= 1u << rt;
		for (size_t i = 0; i < 2 && !ret; i++) {
			hist_name(name, sizeof(name), rt, i);
			ret = write_atomic(hdir, name, hist_fn[i], x, err,
					   errlen);
		}
	}
	return ret;
}

static const struct {
	const char *name;
	write_fn fn;
} export_files[] = {
	{ "containers.jsonl", write_containers },
	{ "restarts.jsonl", write_restarts },
	{ "phases.csv", write_csv },
	{ "summary.json", write_summary },
	{ "metrics.prom", write_prom },
	{ "trace.json", write_trace },
	{ "otlp-traces.jsonl", write_otlp },
	{ "pulls.jsonl", write_pulls },
	{ "chains.jsonl", write_chains },
};

#define N_EXPORT_FILES	(sizeof(export_files) / sizeof(export_files[0]))
#define STAGE_PREFIX	".coldtrace-export."

/* "a/b" + "/" + "c" into buf; false if it does not fit. */
static bool join(char *buf, size_t len, const char *a, const char *b)
{
	return snprintf(buf, len, "%s/%s", a, b) < (int)len;
}

/*
 * Remove the staging directory and what export put there (only names it
 * writes: never a recursive delete of anything else).
 */
static void remove_stage(const char *stage)
{
	char p[4096], h[4096], name[64];

	for (size_t i = 0; i < N_EXPORT_FILES; i++)
		if (join(p, sizeof(p), stage, export_files[i].name))
			unlink(p);
	if (join(h, sizeof(h), stage, "hist")) {
		for (int rt = 0; rt < CT_RT_MAX; rt++) {
			for (size_t i = 0; i < 2; i++) {
				hist_name(name, sizeof(name), rt, i);
				if (join(p, sizeof(p), h, name))
					unlink(p);
			}
		}
		rmdir(h);
	}
	rmdir(stage);
}

/* One file from the stage into place; ENOENT for a file not staged. */
static int move_in(const char *from_dir, const char *to_dir,
		   const char *name)
{
	char a[4096], b[4096];

	if (!join(a, sizeof(a), from_dir, name) ||
	    !join(b, sizeof(b), to_dir, name))
		return -ENAMETOOLONG;
	return rename(a, b) ? -errno : 0;
}

/*
 * DIR/hist as an fd, never through a symlink (O_NOFOLLOW; every rename
 * and unlink below is relative to it, so a hist swapped for a link
 * meanwhile is not followed either): made when create; 0, 1 when missing
 * and not to be made, or -errno and a message.  DIR itself is the user's
 * own path.
 */
static int open_hist(const char *dir, bool create, int *hfd, char *err,
		     size_t errlen)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e;
	struct stat st;

	if (dfd < 0)
		return ct_fail_errno(err, errlen, errno, "cannot use '%s'", dir);
	if (create && mkdirat(dfd, "hist", 0755) && errno != EEXIST) {
		e = errno;
		close(dfd);
		return ct_fail_errno(err, errlen, e, "cannot create output "
				     "directory '%s/hist'", dir);
	}
	*hfd = openat(dfd, "hist", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		      O_CLOEXEC);
	e = errno;
	/* a symlink fails as ELOOP or, with O_DIRECTORY, ENOTDIR: which? */
	if (*hfd < 0 && (e == ELOOP || e == ENOTDIR) &&
	    !fstatat(dfd, "hist", &st, AT_SYMLINK_NOFOLLOW))
		e = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
	close(dfd);
	if (*hfd >= 0 || (e == ENOENT && !create))
		return *hfd >= 0 ? 0 : 1;
	if (e == ELOOP)
		return ct_fail(err, errlen, -e, "'%s/hist' is a symlink: "
			       "coldtrace never writes or deletes through one "
			       "(remove it)", dir);
	if (e == ENOTDIR)
		return ct_fail(err, errlen, -e, "'%s/hist' is not a directory",
			       dir);
	return ct_fail_errno(err, errlen, e, "cannot use '%s/hist'", dir);
}

/*
 * hist/: the new files in, and those of runtimes without opens this
 * time (an earlier session's) out, so that the set in DIR is one export.
 */
static int swap_hists(const char *stage, const char *dir, uint32_t written,
		      char *err, size_t errlen)
{
	char sh[4096], name[64];
	int ret, hfd, sfd = -1;

	if (!join(sh, sizeof(sh), stage, "hist"))
		return ct_fail_errno(err, errlen, ENAMETOOLONG,
				     "cannot use '%s'", dir);
	ret = open_hist(dir, written, &hfd, err, errlen);
	if (ret)
		return ret > 0 ? 0 : ret;
	if (written && (sfd = open(sh, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		ret = ct_fail_errno(err, errlen, errno, "cannot use '%s'", sh);
	for (int rt = 0; rt < CT_RT_MAX && !ret; rt++) {
		for (size_t i = 0; i < 2 && !ret; i++) {
			hist_name(name, sizeof(name), rt, i);
			if (!(written & (1u << rt)))
				unlinkat(hfd, name, 0);	/* stale */
			else if (renameat(sfd, name, hfd, name))
				ret = ct_fail_errno(err, errlen, errno,
						    "cannot rename '%s/hist/%s'",
						    dir, name);
		}
	}
	if (written)
		fsync(hfd);
	if (sfd >= 0)
		close(sfd);
	close(hfd);
	return ret;
}

/* Every file into the stage: nothing in DIR changes if one fails. */
static int write_stage(const char *stage, struct export_ctx *x,
		       uint32_t *hists, char *err, size_t errlen)
{
	char h[4096];
	int ret = 0;

	for (size_t i = 0; i < N_EXPORT_FILES && !ret; i++)
		ret = write_atomic(stage, export_files[i].name,
				   export_files[i].fn, x, err, errlen);
	if (!ret && !join(h, sizeof(h), stage, "hist"))
		ret = ct_fail_errno(err, errlen, ENAMETOOLONG,
				    "cannot use '%s'", stage);
	if (!ret)
		ret = write_hists(h, x, hists, err, errlen);
	return ret;
}

/* dir (made if missing) and a fresh, empty staging directory in it. */
static int make_stage(const char *dir, char *stage, size_t len, char *err,
		      size_t errlen)
{
	int ret = make_dir(dir, err, errlen);

	if (ret)
		return ret;
	if (!join(stage, len, dir, STAGE_PREFIX "XXXXXX"))
		return ct_fail_errno(err, errlen, ENAMETOOLONG,
				     "cannot use '%s'", dir);
	if (!mkdtemp(stage))
		return ct_fail_errno(err, errlen, errno, "cannot write in '%s'",
				     dir);
	return 0;
}

int ct_export_check_dir(const char *dir, char *err, size_t errlen)
{
	char stage[4096];
	int ret = make_stage(dir, stage, sizeof(stage), err, errlen), hfd;

	if (ret)
		return ret;
	rmdir(stage);
	ret = open_hist(dir, false, &hfd, err, errlen);
	if (!ret)
		close(hfd);
	return ret > 0 ? 0 : ret;
}

/*
 * All files are written into a fresh staging directory inside DIR and
 * only then renamed into place: a failed export leaves DIR as it was,
 * and a finished one leaves exactly one session's set of files.
 */
int ct_export_dir(const char *dir, const struct ct_agg *agg,
		  const struct ct_meta *meta, char *err, size_t errlen)
{
	struct export_ctx x = { .agg = agg, .meta = meta };
	char stage[4096];
	uint32_t hists = 0;
	ssize_t nr;
	int ret;

	ret = make_stage(dir, stage, sizeof(stage), err, errlen);
	if (ret)
		return ret;
	nr = ct_agg_restarts(agg, &x.restarts);
	if (nr < 0) {
		remove_stage(stage);
		return ct_fail_errno(err, errlen, ENOMEM, "cannot export");
	}
	x.nrestarts = nr;
	ret = write_stage(stage, &x, &hists, err, errlen);
	free(x.restarts);
	for (size_t i = 0; i < N_EXPORT_FILES && !ret; i++) {
		ret = move_in(stage, dir, export_files[i].name);
		if (ret)
			ret = ct_fail_errno(err, errlen, -ret,
					    "cannot rename '%s/%s'", dir,
					    export_files[i].name);
	}
	if (!ret)
		ret = swap_hists(stage, dir, hists, err, errlen);
	remove_stage(stage);
	sync_dir(dir);
	return ret;
}
