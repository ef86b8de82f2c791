// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* One session's pipeline and report: see session.h. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "comm_table.h"
#include "dump.h"
#include "engine.h"
#include "export.h"
#include "installed.h"
#include "outputs.h"
#include "pipeline.h"
#include "prom.h"
#include "pull.h"
#include "recfile.h"
#include "records.h"
#include "replay.h"
#include "report.h"
#include "selfstat.h"
#include "session.h"
#include "stacks.h"
#include "util.h"
#include "version.h"

/* ---- records in ---- */

/*
 * --record: the writer counts what a write error loses (reported at the
 * end); say at once that the recording stopped growing.
 */
static void rec_failed(struct ct_session *s, int rc)
{
	if (!rc || s->rec_error)
		return;
	s->rec_error = rc;
	fprintf(stderr, "coldtrace: --record %s: write failed: %s; "
		"later events are not recorded\n", s->cli->record_path,
		strerror(-rc));
}

static void rec_write(struct ct_session *s, const void *rec, size_t len)
{
	rec_failed(s, ct_rec_write_event(s->rec, rec, len));
}

void ct_session_record_tick(struct ct_session *s)
{
	if (s->rec && s->recording)
		rec_failed(s, ct_rec_writer_tick(s->rec, ct_mono_ns()));
}

enum { FED, KEPT };

/*
 * A copy of the record with the bytes that hold nothing zeroed (records.h):
 * what the kernel left there after a string's NUL (a client's stack, an
 * earlier record's bytes, a CNI plugin's environment) goes neither into
 * --record nor anywhere else.  A copy: the ring buffer is mapped
 * read-only, the reader's buffer is the reader's.  Into the buffer of
 * its kind: a record enrich keeps is made while the fed one is read.
 */
static const void *clean(struct ct_session *s, int kind, const void *rec,
			 size_t len, int check)
{
	unsigned char *buf = s->clean[kind];

	if (check || !buf || len > CT_REC_MAX_SIZE)
		return rec;
	memcpy(buf, rec, len);
	ct_rec_clean_checked(buf);
	return buf;
}

/*
 * What every record goes through first, the ones the session makes
 * itself included (lost counter, end mark, names, open histograms,
 * paths): cleaned, then --record keeps it and --dump shows it, as a
 * replay will.  The record the later stages read.
 */
static const void *tap(struct ct_session *s, int kind, const void *rec,
		       size_t len, int check)
{
	rec = clean(s, kind, rec, len, check);
	if (s->rec)
		rec_write(s, rec, len);
	if (s->cli->dump)
		ct_dump_record(stdout, rec, len, s->mono_to_real);
	return rec;
}

/* Then the stages (pipeline.h); the host's names are the session's. */
int ct_session_feed_checked(struct ct_session *s, const void *rec,
			    size_t len, int check)
{
	rec = tap(s, FED, rec, len, check);
	if (!check && len == sizeof(s->host) &&
	    ((const struct ct_hdr *)rec)->type == CT_EV_HOST)
		memcpy(&s->host, rec, sizeof(s->host));
	return ct_pipeline_feed_checked(&s->pl, rec, len, check);
}

int ct_session_feed(struct ct_session *s, const void *rec, size_t len)
{
	return ct_session_feed_checked(s, rec, len, ct_rec_check(rec, len));
}

/*
 * enrich's records (open histograms, paths) are made during an emission,
 * inside the tracker: tap() only.  No stage reads them (a replay feeds
 * them to no effect), and the tracker must not be re-entered.
 */
static void keep(const void *rec, size_t len, void *ctx)
{
	tap(ctx, KEPT, rec, len, ct_rec_check(rec, len));
}

/* Names of new containers, made outside the tracker: the whole way. */
static void feed_made(const void *rec, size_t len, void *ctx)
{
	ct_session_feed(ctx, rec, len);
}

int ct_session_event_checked(void *ctx, const void *rec, size_t len,
			     int check)
{
	struct ct_session *s = ctx;

	/* a stack's frames before the first record that uses it */
	if (s->stacks && !check)
		ct_stacks_feed(s->stacks, rec, len, feed_made, s);
	ct_session_feed_checked(s, rec, len, check);
	if (s->live && !check) {
		uint64_t now = ct_mono_ns();

		ct_layers_feed(&s->layers, rec, len, now, feed_made, s);
		ct_layers_sample(&s->layers, now, feed_made, s);
		ct_pull_stores_feed(&s->pstores, rec, len, feed_made, s);
		if (s->cli->start_files_s)
			ct_interps_feed(&s->interps, rec, len, feed_made, s);
	}
	if (s->names.n)
		ct_naming_flush(&s->names, ct_mono_ns(), feed_made, s);
	return 0;
}

int ct_session_event(void *ctx, const void *rec, size_t len)
{
	return ct_session_event_checked(ctx, rec, len, ct_rec_check(rec, len));
}

/*
 * A live loop's turn without records: the layers' samples that are due
 * go in first, before the tracker lets a container out on this clock.
 */
void ct_session_tick(struct ct_session *s, uint64_t now_mono_ns)
{
	if (s->live) {
		ct_layers_sample(&s->layers, now_mono_ns, feed_made, s);
		ct_pull_stores_tick(&s->pstores, now_mono_ns, feed_made, s);
	}
	ct_pipeline_tick(&s->pl, now_mono_ns);
}

void ct_session_last_samples(struct ct_session *s)
{
	if (s->live) {
		ct_layers_sample(&s->layers, UINT64_MAX, feed_made, s);
		ct_pull_stores_tick(&s->pstores, UINT64_MAX, feed_made, s);
	}
}

/* The tracker's containers know their phases, the ready stage their listens. */
static bool ready_reached(const void *ctx, const struct ct_container *c)
{
	return ct_enrich_ready(ctx, c);
}

size_t ct_session_busy(const struct ct_session *s, uint64_t now_mono_ns,
		       uint64_t settle_ns)
{
	return ct_tracker_busy(s->pl.tracker, now_mono_ns, settle_ns,
			       ready_reached, s->pl.enrich);
}

void ct_session_losses(struct ct_session *s, const uint64_t n[CT_LOSS_KINDS])
{
	struct ct_lost r = { 0 };

	r.hdr.ts_ns = ct_mono_ns();
	r.hdr.type = CT_EV_LOST;
	r.hdr.size = sizeof(r);
	r.lost = n[CT_LOSS_EVENTS];
	r.pull_lost = n[CT_LOSS_PULL];
	r.why_lost = n[CT_LOSS_WHY];
	r.opens_lost = n[CT_LOSS_OPENS];
	ct_session_event(s, &r, r.hdr.size);
}

void ct_session_inject(struct ct_session *s, uint32_t type, uint64_t lost)
{
	struct ct_hdr h = { .ts_ns = ct_mono_ns(), .type = type,
			    .size = sizeof(h) };
	uint64_t n[CT_LOSS_KINDS] = { lost };

	if (type == CT_EV_LOST)
		ct_session_losses(s, n);
	else
		ct_session_event(s, &h, h.size);
}

void ct_session_inject_map_full(struct ct_session *s,
				const uint64_t refused[CT_MAPFULL_NR])
{
	struct ct_mapfull_rec r = { 0 };

	r.hdr.ts_ns = ct_mono_ns();
	r.hdr.type = CT_EV_MAPFULL;
	r.hdr.size = sizeof(r);
	for (int i = 0; i < CT_MAPFULL_NR; i++)
		r.refused[i] = refused[i];
	ct_session_event(s, &r, sizeof(r));
}

/* The program whose blob files are of kind k (enum ct_pull_file). */
static enum ct_prog blob_owner(uint32_t k)
{
	switch (k) {
	case CT_PULL_F_DOCKER_BLOB:
		return CT_PROG_DOCKERD;
	case CT_PULL_F_PODMAN_BLOB:
		return CT_PROG_PODMAN;
	default:
		return CT_PROG_CONTAINERD;
	}
}

void ct_session_inject_blob(struct ct_session *s, uint32_t tgid, int fd,
			    const struct ct_pull_blob_state *st, bool whole)
{
	struct ct_pull_blob r = { 0 };

	r.hdr.type = whole ? CT_EV_PULL_BLOB : CT_EV_PULL_UNTRACED;
	r.hdr.size = sizeof(r);
	r.hdr.pid = r.hdr.tid = tgid;
	r.file = st->file;	/* the path's tail: zeroed as any record's */
	r.fd = fd;
	r.hdr.ts_ns = r.open_ns;
	if (r.last_write_ns > r.hdr.ts_ns)
		r.hdr.ts_ns = r.last_write_ns;
	if (r.last_read_ns > r.hdr.ts_ns)
		r.hdr.ts_ns = r.last_read_ns;
	ct_copy_str(r.hdr.comm, sizeof(r.hdr.comm),
		    ct_prog_name(blob_owner(r.kind)), CT_COMM_LEN);
	ct_session_event(s, &r, sizeof(r));
}

/* ---- results ---- */

/* A new container, named once the tracker has returned (names.h). */
static void on_new(const struct ct_container *c, void *ctx)
{
	struct ct_session *s = ctx;

	if (s->live)
		ct_naming_add(&s->names, c->id);
	if (s->live && s->fuse_traced)
		ct_layers_new_container(&s->layers);
}

/* A CRI container's names are in its bundle (names.h); docker's bundle
 * holds none, and the data root is read for them (on_new). */
static void on_bundle(const struct ct_container *c, const char *bundle,
		      void *ctx)
{
	struct ct_session *s = ctx;

	if (s->live && ct_engine(c->engine)->names_in_bundle)
		ct_naming_add_bundle(&s->names, c->id, bundle);
}

bool ct_session_pid_alive(uint32_t pid, void *ctx)
{
	(void)ctx;
	return !kill((pid_t)pid, 0) || errno != ESRCH;
}

/* Every container is aggregated, whatever the sinks make of it. */
static void on_container(const struct ct_container *c, void *ctx)
{
	struct ct_session *s = ctx;

	if (ct_agg_add(s->agg, c))
		ct_report_err("out of memory: container %s not aggregated",
			      c->id);
	for (size_t i = 0; i < s->nsinks; i++)
		if (s->sinks[i].sink->container)
			s->sinks[i].sink->container(&s->sinks[i].out, c);
	ct_report_check_stdout();
}

static void on_chain(const struct ct_chain *ch, void *ctx)
{
	struct ct_session *s = ctx;

	for (size_t i = 0; i < s->nsinks; i++)
		if (s->sinks[i].sink->chain)
			s->sinks[i].sink->chain(&s->sinks[i].out, ch);
	ct_report_check_stdout();
}

static void on_pull(const struct ct_pull *p, void *ctx)
{
	struct ct_session *s = ctx;

	for (size_t i = 0; i < s->nsinks; i++)
		if (s->sinks[i].sink->pull)
			s->sinks[i].sink->pull(&s->sinks[i].out, p);
	ct_report_check_stdout();
}

/* -i's summary, or the end, of every sink that has one. */
static void sinks_report(struct ct_session *s, const struct ct_meta *m,
			 bool end)
{
	const struct ct_sink *k;

	for (size_t i = 0; i < s->nsinks; i++) {
		k = s->sinks[i].sink;
		if (end && k->end)
			k->end(&s->sinks[i].out, s->agg, m);
		else if (!end && k->summary)
			k->summary(&s->sinks[i].out, s->agg, m);
	}
}

/* The period's rewrite of every sink that has one (-o's files). */
static void sinks_refresh(struct ct_session *s, const struct ct_meta *m)
{
	for (size_t i = 0; i < s->nsinks; i++)
		if (s->sinks[i].sink->refresh)
			s->sinks[i].sink->refresh(&s->sinks[i].out, s->agg, m);
}

void ct_session_poll(struct ct_session *s, uint64_t now_mono_ns)
{
	for (size_t i = 0; i < s->nsinks; i++)
		if (s->sinks[i].sink->poll)
			s->sinks[i].sink->poll(&s->sinks[i].out, now_mono_ns);
}

/* Whether every sink's output was written. */
static bool sinks_ok(const struct ct_session *s)
{
	for (size_t i = 0; i < s->nsinks; i++)
		if (s->sinks[i].out.failed)
			return false;
	return true;
}

/* ---- life ---- */

static struct ct_agg *new_agg(const struct ct_session *s)
{
	if (s->continuous)
		return ct_agg_new_continuous(CT_CONTINUOUS_WINDOW);
	return ct_agg_new();
}

int ct_session_init(struct ct_session *s, enum ct_cgroup_mode mode)
{
	const struct ct_cli *cli = s->cli;
	struct ct_pipeline_opts po = {
		.mono_to_real_ns = s->mono_to_real,
		.cgroup_mode = mode,
		.filter = {
			.runtime_mask = cli->runtime_mask,
			.engine_mask = cli->engine_mask,
			.id_prefix = cli->container,
		},
		.ready_mode = cli->ready_mode,
		.why = cli->why,
		.paths = cli->paths,
		.start_files_ns = ct_cli_start_files_ns(cli),
		.opens = s->opens,
		.proc_alive = s->live ? ct_session_pid_alive : NULL,
		.on_container = on_container,
		.on_new = on_new,
		.on_bundle = on_bundle,
		.on_chain = on_chain,
		.on_pull = on_pull,
		.keep = keep,
		.ctx = s,
	};
	int ret;

	s->continuous = s->continuous || ct_cli_continuous(cli);
	/* image pulls, kept for the report, would grow as containers did */
	po.keep_pulls = s->continuous ? CT_CONTINUOUS_WINDOW : 0;
	ret = ct_outputs_open(s);
	if (ret)
		return ret;
	s->agg = new_agg(s);
	/* only the pages a record touches become resident */
	s->clean[FED] = malloc(CT_REC_MAX_SIZE);
	s->clean[KEPT] = malloc(CT_REC_MAX_SIZE);
	if (!s->agg || !s->clean[FED] || !s->clean[KEPT] ||
	    ct_pipeline_init(&s->pl, &po) ||
	    (s->live && ct_pull_stores_open(&s->pstores, s->pl.engines.pull,
					    "/proc"))) {
		ct_report_err("out of memory");
		return -ENOMEM;
	}
	return 0;
}

void ct_session_free(struct ct_session *s)
{
	ct_outputs_close(s);
	ct_pull_stores_close(&s->pstores);
	ct_pipeline_free(&s->pl);
	ct_agg_free(s->agg);
	ct_replay_opens_free(s->ropens);
	ct_stacks_free(s->stacks);
	free(s->clean[FED]);
	free(s->clean[KEPT]);
}

/* ---- report ---- */

void ct_session_meta(const struct ct_session *s, uint64_t lost,
		     struct ct_meta *m)
{
	*m = (struct ct_meta){
		.version = COLDTRACE_VERSION,
		.kernel = s->kernel,
		.lost_events = lost,
		.pulls = ct_enrich_pulls(s->pl.enrich),
		.chains = s->pl.chains,
		.start_files = ct_enrich_start_files(s->pl.enrich),
		.why = ct_enrich_why(s->pl.enrich),
		.tracker = s->pl.tracker,
		.prom_labels = s->cli->metrics_labels,
		.runtime_mask = s->cli->runtime_mask,
		.engine_mask = s->cli->engine_mask,
		.host_name = s->host.host_name[0] ? s->host.host_name : NULL,
		.host_id = s->host.host_id[0] ? s->host.host_id : NULL,
		.node_name = s->host.node_name[0] ? s->host.node_name : NULL,
		.reports = s->reports,
		.nreports = s->nreports,
	};
}

double ct_session_period(const struct ct_cli *cli)
{
	if (cli->interval_s)
		return cli->interval_s;
	if (cli->output_dir && ct_cli_continuous(cli))
		return CT_CLI_CONTINUOUS_REWRITE_S;
	return 0;
}

void ct_session_interim(struct ct_session *s, uint64_t lost)
{
	struct ct_meta m;

	ct_session_meta(s, lost, &m);
	m.interim = true;
	/* a service's journal gets no summary a minute unless asked */
	if (s->cli->interval_s) {
		sinks_report(s, &m, false);
		ct_report_check_stdout();
	}
	/* a long session's files are never older than -i */
	sinks_refresh(s, &m);
}

int ct_session_serve(const char *path, char **body, size_t *len,
		     const char **ctype, void *ctx)
{
	struct ct_session *s = ctx;
	struct ct_meta m;
	FILE *f;
	int ret;

	if (!strcmp(path, "/healthz")) {
		*body = strdup("ok\n");
		*len = 3;
		return *body ? 0 : -1;
	}
	if (strcmp(path, "/metrics"))
		return -1;
	/* the last scrape's size and an eighth: one allocation, mostly */
	f = ct_membuf_open(body, len, s->metrics_len + s->metrics_len / 8);
	if (!f)
		return -1;
	ct_session_meta(s, s->lost, &m);
	/* each scrape: a node may get its runtime after coldtrace */
	if (s->live)
		ct_installed(ct_installed_root("/proc/1/root"),
			     &m.installed_runtimes, &m.installed_engines);
	ret = ct_export_prom(f, s->agg, &m);
	/* what coldtrace costs: only here, metrics.prom is the containers' */
	ct_self_metrics(f, "/proc", s->live ? &s->clock : NULL);
	if (s->live)
		ct_prom_live(f, &(struct ct_prom_live){
			.fuse_traced = s->fuse_traced,
			.layers_unnamed = s->layers.timeouts,
			.samples_missed = s->layers.unsampled,
			.loaders_unread = s->interps.unread,
		});
	if (fclose(f) || ret)
		return -1;
	s->metrics_len = *len;
	*ctype = "text/plain; version=0.0.4; charset=utf-8";
	return 0;
}

/*
 * Losses of the stages after the tracker, said on stderr at the end (the
 * aggregator's, restart keys forgotten, are in the summary's losses).
 */
static void warn_dropped(const struct ct_session *s)
{
	ct_enrich_warn_dropped(s->pl.enrich, stderr);
	if (s->layers.timeouts)
		fprintf(stderr, "FUSE layers left without a digest: %" PRIu64
			" (their daemon did not answer within %u ms)\n",
			s->layers.timeouts, CT_LAYER_WAIT_MS);
	if (s->interps.unread)
		fprintf(stderr, "start files: %" PRIu64 " programs' dynamic "
			"loaders not read (their processes were gone first)\n",
			s->interps.unread);
	if (s->layers.unsampled)
		fprintf(stderr, "FUSE layers' fetched bytes not read: %" PRIu64
			" times (their daemon did not answer within %u ms)\n",
			s->layers.unsampled, CT_LAYER_WAIT_MS);
	ct_stacks_warn(s->stacks, stderr);
}

/* -c that kept nothing of what was seen: said, not an empty report. */
static void warn_filter(const struct ct_session *s)
{
	if (s->cli->container && s->pl.filtered && !ct_agg_count(s->agg))
		ct_report_info("-c %s: none of the %zu containers seen has an "
			       "id starting with it or that name",
			       s->cli->container, s->pl.filtered);
}

int ct_session_report(struct ct_session *s)
{
	struct ct_meta m;
	int ret = 0;

	ct_session_meta(s, s->lost, &m);
	warn_dropped(s);
	warn_filter(s);
	sinks_report(s, &m, true);
	if (!ct_report_check_stdout() || !sinks_ok(s))
		ret = 1;
	return ret;
}

/* ---- replay ---- */

/* First pass: histograms are recorded after their container. */
static int open_replay(struct ct_session *s, struct ct_rec_reader **r,
		       struct ct_rec_file_hdr *h)
{
	char err[CT_REPORT_ERRLEN];

	if (ct_rec_reader_open(r, s->cli->replay_path, h, err, sizeof(err))) {
		ct_report_err("%s", err);
		return -1;
	}
	if (ct_replay_opens_read(*r, &s->ropens, err, sizeof(err))) {
		ct_report_err("%s", err);
		ct_rec_reader_close(*r);
		return -1;
	}
	s->opens = ct_replay_opens_source(s->ropens);
	s->mono_to_real = h->mono_to_real_ns;
	snprintf(s->kernel, sizeof(s->kernel), "%.*s", (int)sizeof(h->kernel),
		 h->kernel);
	return 0;
}

/* What a replay read: records, and whether the end mark was among them. */
struct replay_read {
	uint64_t records;
	bool end_mark;
	bool stopped;
	bool torn;		/* the file ends inside a record */
};

static int replay_records(struct ct_session *s, struct ct_rec_reader *r,
			  struct replay_read *rr)
{
	char err[CT_REPORT_ERRLEN];
	const void *rec;
	size_t len;
	int ret;

	while (!(rr->stopped = s->stop && *s->stop) &&
	       (ret = ct_rec_next(r, &rec, &len, err, sizeof(err))) > 0) {
		rr->records++;
		rr->end_mark |= ((const struct ct_hdr *)rec)->type == CT_EV_END;
		ct_session_feed(s, rec, len);
	}
	if (rr->stopped)
		return 0;
	rr->torn = ret == -ENODATA;
	if (ret < 0 && !rr->torn)
		ct_report_err("%s", err);
	return ret < 0 && !rr->torn ? -1 : 0;
}

/*
 * A recording without its end mark was cut (a killed session, a copy cut
 * short): what it holds is reported, and the status says it is not all.
 */
static bool say_cut(const struct ct_session *s, const struct replay_read *rr)
{
	if (rr->stopped || rr->end_mark)
		return false;
	ct_report_err("%s: recording cut: %llu records, no end mark%s (the "
		      "session that made it did not end; what it holds is "
		      "reported)", s->cli->replay_path,
		      (unsigned long long)rr->records,
		      rr->torn ? ", then a torn record" : "");
	return true;
}

int ct_session_replay(struct ct_session *s)
{
	struct replay_read rr = { 0 };
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;
	int ret = -1;

	if (ct_session_check_outputs(s->cli) || open_replay(s, &r, &h))
		return 1;
	if (ct_session_init(s, h.cgroup_mode))
		goto out;
	ret = replay_records(s, r, &rr);
	s->lost = ct_tracker_lost(s->pl.tracker);
	ct_pipeline_flush(&s->pl);
	if (ct_session_report(s) && !ret)
		ret = -1;
	if (!ret && say_cut(s, &rr))
		ret = CT_EXIT_CUT;
out:
	ct_rec_reader_close(r);
	return ret < 0 ? 1 : ret;
}

/* ---- files ---- */

int ct_session_check_outputs(const struct ct_cli *cli)
{
	char err[CT_REPORT_ERRLEN];

	if (cli->output_dir &&
	    ct_export_check_dir(cli->output_dir, err, sizeof(err))) {
		ct_report_err("-o: %s", err);
		return -1;
	}
	return 0;
}

int ct_session_record_create(struct ct_session *s)
{
	char err[CT_REPORT_ERRLEN];

	if (!s->cli->record_path)
		return 0;
	if (ct_rec_writer_create(&s->rec, s->cli->record_path, err,
				 sizeof(err))) {
		ct_report_err("--record: %s", err);
		return -1;
	}
	return 0;
}

int ct_session_record_header(struct ct_session *s, enum ct_cgroup_mode m)
{
	struct ct_rec_file_hdr h;
	int rc;

	if (!s->rec)
		return 0;
	ct_rec_fill_hdr(&h, m, s->mono_to_real, COLDTRACE_VERSION);
	rc = ct_rec_writer_header(s->rec, &h);
	s->recording = !rc;
	if (rc)
		ct_report_err("--record %s: write failed: %s",
			      s->cli->record_path, strerror(-rc));
	return rc;
}

int ct_session_record_close(struct ct_session *s)
{
	char err[CT_REPORT_ERRLEN];
	int ret;

	if (!s->rec)
		return 0;
	if (!s->recording) {	/* nothing traced: no file */
		ct_rec_writer_abort(s->rec);
		s->rec = NULL;
		return 0;
	}
	ret = ct_rec_writer_close(s->rec, err, sizeof(err));
	s->rec = NULL;
	if (ret)
		ct_report_err("--record: %s", err);
	return ret ? -1 : 0;
}
