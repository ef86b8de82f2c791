// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The session (user/core/session.h): what a live session makes itself goes
 * the one way into --record, so that a replay of the recording reports
 * the same; --listen's handler; -i rewrites -o DIR.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "enrich.h"
#include "recfile.h"
#include "replay.h"
#include "session.h"
#include "tfixture.h"
#include "tjson.h"
#include "tracker.h"

#define FIXTURE	"tests/fixtures/docker-ready.ctrec"

/* The kernel maps of a live session, in miniature: 40 opens each. */
static void fake_read(void *impl, uint64_t key, bool gofer,
		      struct ct_opens *out)
{
	(void)impl;
	(void)key;
	memset(out, 0, sizeof(*out));
	out->valid = !gofer;
	out->count = 40;
	out->slots[12] = 40;
}

static void fake_read_slow(void *impl, uint64_t key, struct ct_container *c,
			   size_t max)
{
	(void)impl;
	(void)key;
	(void)c;
	(void)max;
}

static const struct ct_opens_source_ops fake_ops = {
	.read = fake_read,
	.read_slow = fake_read_slow,
	.measured = true,
};

static bool made_by_a_session(const void *rec)
{
	const struct ct_hdr *h = rec;

	return h->type == CT_EV_OPENS || h->type == CT_EV_PATHS;
}

/*
 * path's records through s, to its end.  Replayed (rp): its opens are
 * the source.  Else as live: without the records a session makes, and
 * recorded if s->rec.
 */
static void run(struct ct_session *s, const char *path,
		struct ct_replay_opens **rp)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;
	const void *rec;
	char err[256];
	size_t len;

	cr_assert_eq(ct_rec_reader_open(&r, path, &h, err, sizeof(err)), 0,
		     "%s", err);
	if (rp) {
		cr_assert_eq(ct_replay_opens_read(r, rp, err, sizeof(err)), 0);
		s->opens = ct_replay_opens_source(*rp);
	}
	s->mono_to_real = h.mono_to_real_ns;
	cr_assert_eq(ct_session_init(s, h.cgroup_mode), 0);
	cr_assert_eq(ct_session_record_header(s, h.cgroup_mode), 0);
	while (ct_rec_next(r, &rec, &len, err, sizeof(err)) > 0)
		if (rp || !made_by_a_session(rec))
			ct_session_feed(s, rec, len);
	ct_rec_reader_close(r);
	if (!rp)
		ct_session_inject(s, CT_EV_END, 0);
	ct_pipeline_flush(&s->pl);
	cr_assert_eq(ct_agg_count(s->agg), 1);
}

Test(session, record_keeps_what_enrich_made, .init = cr_redirect_stdout)
{
	char path[] = "/tmp/ct-test-session.XXXXXX";
	struct ct_cli cli = { .json = true, .record_path = path };
	struct ct_session live = { .cli = &cli };
	struct ct_session again = { .cli = &cli };
	struct ct_replay_opens *rp;
	const struct ct_container *c;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	live.opens = (struct ct_opens_source){ .ops = &fake_ops };
	cr_assert_eq(ct_session_record_create(&live), 0);
	run(&live, FIXTURE, NULL);
	cr_assert_eq(ct_session_record_close(&live), 0);
	cr_assert_eq(ct_agg_get(live.agg, 0)->opens.count, 40);
	ct_session_free(&live);

	cli.record_path = NULL;
	run(&again, path, &rp);
	unlink(path);
	c = ct_agg_get(again.agg, 0);
	cr_assert(c->opens.valid, "the recording has the opens it made");
	cr_assert_eq(c->opens.count, 40);
	cr_assert_eq(c->opens.slots[12], 40);
	ct_session_free(&again);
	ct_replay_opens_free(rp);
}

Test(session, serves_metrics_and_health, .init = cr_redirect_stdout)
{
	struct ct_cli cli = { .json = true };
	struct ct_session s = { .cli = &cli };
	struct ct_replay_opens *rp;
	const char *ctype = NULL;
	char *body;
	size_t len;

	run(&s, FIXTURE, &rp);
	cr_assert_eq(ct_session_serve("/healthz", &body, &len, &ctype, &s),
		     0);
	cr_assert_eq(len, 3);
	cr_assert_str_eq(body, "ok\n");
	free(body);
	cr_assert_eq(ct_session_serve("/metrics", &body, &len, &ctype, &s),
		     0);
	cr_assert(strstr(body, "coldtrace_containers_total"), "%s", body);
	cr_assert_str_eq(ctype, "text/plain; version=0.0.4; charset=utf-8");
	cr_expect(!strstr(body, "coldtrace_bpf_fuse_traced"),
		  "a replay does not know what the kernel traced");
	cr_expect(!strstr(body, "coldtrace_fuse_layers_unnamed_total"));
	cr_expect(!strstr(body, "coldtrace_start_files_loaders_unread_total"));
	free(body);
	/* a live session says whether FUSE requests can be counted at all */
	s.live = true;
	for (int traced = 0; traced < 2; traced++) {
		char want[64];

		s.fuse_traced = traced;
		s.layers.timeouts = 2 * traced;
		s.layers.unsampled = 3 * traced;
		s.interps.unread = 4 * traced;
		cr_assert_eq(ct_session_serve("/metrics", &body, &len, &ctype,
					      &s), 0);
		snprintf(want, sizeof(want), "\ncoldtrace_bpf_fuse_traced %d\n",
			 traced);
		cr_expect(strstr(body, want), "%s", body);
		snprintf(want, sizeof(want),
			 "\ncoldtrace_fuse_layers_unnamed_total %d\n",
			 2 * traced);
		cr_expect(strstr(body, want), "%s", body);
		snprintf(want, sizeof(want),
			 "\ncoldtrace_fuse_layer_samples_missed_total %d\n",
			 3 * traced);
		cr_expect(strstr(body, want), "%s", body);
		snprintf(want, sizeof(want),
			 "\ncoldtrace_start_files_loaders_unread_total %d\n",
			 4 * traced);
		cr_expect(strstr(body, want), "%s", body);
		free(body);
	}
	s.live = false;
	cr_assert_eq(ct_session_serve("/other", &body, &len, &ctype, &s),
		     -1);
	ct_session_free(&s);
	ct_replay_opens_free(rp);
}

/* summary.json's "final" in dir: 0 false, 1 true. */
static int final_in(const char *dir)
{
	char path[128], err[128], *text;
	const struct tj *f;
	struct tj *v;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "%s/summary.json", dir);
	text = tj_slurp(path, &len);
	cr_assert_not_null(text, "no %s", path);
	v = tj_parse(text, len, err, sizeof(err));
	cr_assert_not_null(v, "%s", err);
	f = tj_get(v, "final");
	cr_assert(f && f->type == TJ_BOOL);
	ret = f->b;
	tj_free(v);
	free(text);
	return ret;
}

/* -i with -o: every running summary rewrites the files, not final yet. */
Test(session, interval_rewrites_output_dir, .init = cr_redirect_stdout)
{
	char dir[] = "/tmp/ct-session-test-XXXXXX", path[128];
	struct ct_cli cli = { .json = true, .interval_s = 1 };
	struct ct_session s = { .cli = &cli };
	struct ct_replay_opens *rp;

	cr_assert_not_null(mkdtemp(dir));
	cli.output_dir = dir;
	run(&s, FIXTURE, &rp);
	ct_session_interim(&s, 0);
	cr_expect_eq(final_in(dir), 0);
	snprintf(path, sizeof(path), "%s/metrics.prom", dir);
	cr_expect_eq(access(path, R_OK), 0, "no metrics.prom");
	cr_assert_eq(ct_session_report(&s), 0);
	cr_expect_eq(final_in(dir), 1);
	ct_session_free(&s);
	ct_replay_opens_free(rp);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	cr_expect_eq(system(path), 0);
}

/* -i when given; continuous mode with -o: the default; else never. */
Test(session, period_of_interim_steps)
{
	struct ct_cli one_shot = { .output_dir = "d" };
	struct ct_cli cont = { .listen = "127.0.0.1:9466", .output_dir = "d" };
	struct ct_cli cont_i = cont, cont_no_o = cont, timed = cont;
	struct ct_cli replayed = cont, cmd = cont, one_shot_i = one_shot;
	char *argv[] = { "true", NULL };

	cont_i.interval_s = 2.5;
	cont_no_o.output_dir = NULL;
	timed.duration_s = 30;
	replayed.replay_path = "s.ctrec";
	cmd.cmd = argv;
	one_shot_i.interval_s = 7;
	cr_expect_eq(ct_session_period(&cont), CT_CLI_CONTINUOUS_REWRITE_S);
	cr_expect_eq(ct_session_period(&cont_i), 2.5);
	cr_expect_eq(ct_session_period(&cont_no_o), 0, "nothing to rewrite");
	cr_expect_eq(ct_session_period(&one_shot), 0, "one-shot: at exit");
	cr_expect_eq(ct_session_period(&one_shot_i), 7);
	cr_expect_eq(ct_session_period(&timed), 0, "-d: one-shot");
	cr_expect_eq(ct_session_period(&cmd), 0, "COMMAND: one-shot");
	cr_expect_eq(ct_session_period(&replayed), 0, "a replay has no time");
}

/* Continuous mode's default rewrite: the files, and no running summary
 * on stdout (that is -i's).  stdout is a file here, to be measured. */
Test(session, continuous_rewrite_without_interval)
{
	char dir[] = "/tmp/ct-session-test-XXXXXX", path[128];
	struct ct_cli cli = { .listen = "127.0.0.1:9466" };
	struct ct_session s = { .cli = &cli };
	struct ct_replay_opens *rp;
	long rows;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s.stdout", dir);
	cr_assert_not_null(freopen(path, "w", stdout));
	unlink(path);
	cli.output_dir = dir;
	run(&s, FIXTURE, &rp);
	cr_assert(ct_agg_continuous(s.agg));
	fflush(stdout);
	rows = ftell(stdout);
	cr_assert_gt(rows, 0, "the container's row");
	ct_session_interim(&s, 0);
	cr_expect_eq(final_in(dir), 0);
	snprintf(path, sizeof(path), "%s/containers.jsonl", dir);
	cr_expect_eq(access(path, R_OK), 0, "no containers.jsonl");
	fflush(stdout);
	cr_expect_eq(ftell(stdout), rows, "a running summary without -i");
	ct_session_free(&s);
	ct_replay_opens_free(rp);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	cr_expect_eq(system(path), 0);
}

/* The restart keys continuous mode forgot are said at the end. */
Test(session, report_says_forgotten_restart_keys)
{
	char path[] = "/tmp/ct-session-err-XXXXXX", *text;
	struct ct_cli cli = { .listen = "127.0.0.1:9466", .json = true };
	struct ct_session s = { .cli = &cli };
	struct ct_replay_opens *rp;
	struct ct_container c;
	char id[16];
	size_t len;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_not_null(freopen(path, "w", stdout));
	run(&s, FIXTURE, &rp);
	for (unsigned int i = 0; i < CT_AGG_GENS + 2; i++) {
		snprintf(id, sizeof(id), "x%u", i);
		tf_container(&c, id, id, CT_RT_RUNC, (i + 1) * 1000 * MS, 1);
		cr_assert_eq(ct_agg_add(s.agg, &c), 0);
	}
	/* the fixture's container was one more service */
	cr_assert_eq(ct_agg_restart_keys_forgotten(s.agg), 3);
	cr_assert_eq(ct_session_report(&s), 0);
	fflush(stdout);
	text = tj_slurp(path, &len);
	unlink(path);
	cr_assert_not_null(text);
	/* a loss of the summary's, in its JSON line */
	cr_expect(strstr(text, "\"restart_keys_forgotten\":3"), "%s", text);
	free(text);
	ct_session_free(&s);
	ct_replay_opens_free(rp);
}

/* --replay through the session: one-shot or, when set, folded; a stop
 * request ends it before the first record. */
Test(session, replay_one_shot_continuous_and_stopped)
{
	struct ct_cli cli = { .json = true, .replay_path = FIXTURE };
	volatile sig_atomic_t stop = 1;
	struct ct_session s = { .cli = &cli };

	cr_assert_not_null(freopen("/dev/null", "w", stdout));
	cr_assert_eq(ct_session_replay(&s), 0);
	cr_expect_not(ct_agg_continuous(s.agg));
	cr_expect_eq(ct_agg_added(s.agg), 1);
	cr_expect_eq(ct_agg_get(s.agg, 0)->opens.count > 0, true,
		     "the first pass's opens");
	ct_session_free(&s);

	s = (struct ct_session){ .cli = &cli, .continuous = true };
	cr_assert_eq(ct_session_replay(&s), 0);
	cr_expect(ct_agg_continuous(s.agg));
	cr_expect_eq(ct_agg_added(s.agg), 1);
	ct_session_free(&s);

	s = (struct ct_session){ .cli = &cli, .stop = &stop };
	cr_assert_eq(ct_session_replay(&s), 0);
	cr_expect_eq(ct_agg_added(s.agg), 0);
	ct_session_free(&s);

	cli.replay_path = "/nonexistent.ctrec";
	s = (struct ct_session){ .cli = &cli };
	cr_expect_eq(ct_session_replay(&s), 1);
	ct_session_free(&s);
}

/*
 * The text report of a recorded workflow (tests/fixtures/chain-cold: the
 * runner's three services and a bash that ran two containers in a row):
 * the summary first, then the chains, the runner's only; the bash's
 * counted as not shown.
 */
Test(session, text_report_chains_after_summary)
{
	char path[] = "/tmp/ct-session-txt-XXXXXX", *text, *sum, *ch;
	struct ct_cli cli = { .replay_path = "tests/fixtures/chain-cold.ctrec" };
	struct ct_session s = { .cli = &cli };
	size_t len;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_not_null(freopen(path, "w", stdout));
	cr_assert_eq(ct_session_replay(&s), 0);
	fflush(stdout);
	text = tj_slurp(path, &len);
	unlink(path);
	cr_assert_not_null(text);
	sum = strstr(text, "# summary");
	ch = strstr(text, "# chains");
	cr_assert(sum && ch && sum < ch, "summary, then chains: %s", text);
	cr_expect(strstr(ch, "runner 7169 (runner): 3 steps"), "%s", ch);
	cr_expect_null(strstr(ch, "(bash)"), "a script's chain: %s", ch);
	cr_expect(strstr(ch, "not shown: 1 runners"), "%s", ch);
	free(text);
	ct_session_free(&s);
}

/*
 * FIXTURE's first n records, then cut_into bytes of the next: a session
 * killed before its end mark.  Returns the path of the copy.
 */
static void cut_copy(char *out, size_t n, size_t cut_into)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;
	char err[256];
	const void *rec;
	size_t len, i;
	FILE *f;
	int fd;

	strcpy(out, "/tmp/ct-cut-XXXXXX");
	fd = mkstemp(out);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "wb");
	cr_assert_eq(ct_rec_reader_open(&r, FIXTURE, &h, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(fwrite(&h, sizeof(h), 1, f), 1);
	for (i = 0; i <= n; i++) {
		cr_assert_eq(ct_rec_next(r, &rec, &len, err, sizeof(err)), 1,
			     "%s", err);
		cr_assert_neq(((const struct ct_hdr *)rec)->type, CT_EV_END,
			      "cut before the end mark");
		if (i == n)
			len = cut_into;
		cr_assert_eq(fwrite(rec, 1, len, f), len);
	}
	ct_rec_reader_close(r);
	fclose(f);
}

/* Replays path with stderr into a file; returns the status, *said what
 * stderr got (free it). */
static int replay_said(const char *path, char **said)
{
	struct ct_cli cli = { .replay_path = path };
	struct ct_session s = { .cli = &cli };
	char epath[] = "/tmp/ct-cut-err-XXXXXX";
	size_t len;
	int fd = mkstemp(epath), ret;

	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_not_null(freopen("/dev/null", "w", stdout));
	cr_assert_not_null(freopen(epath, "w", stderr));
	ret = ct_session_replay(&s);
	fflush(stderr);
	ct_session_free(&s);
	*said = tj_slurp(epath, &len);
	unlink(epath);
	cr_assert_not_null(*said);
	return ret;
}

/*
 * A recording without its end mark (coldtrace killed) is reported as far
 * as it goes, said to be cut with the number of records it holds, and
 * exits with CT_EXIT_CUT, whether it ends between records or in one.
 */
Test(session, replay_of_a_cut_recording)
{
	char path[32], *said;
	int ret;

	cut_copy(path, 60, 0);
	ret = replay_said(path, &said);
	unlink(path);
	cr_expect_eq(ret, CT_EXIT_CUT, "%d: %s", ret, said);
	cr_expect(strstr(said, "recording cut: 60 records, no end mark"), "%s",
		  said);
	cr_expect_null(strstr(said, "torn"), "%s", said);
	free(said);

	cut_copy(path, 60, 30);
	ret = replay_said(path, &said);
	unlink(path);
	cr_expect_eq(ret, CT_EXIT_CUT, "%d: %s", ret, said);
	cr_expect(strstr(said, "recording cut: 60 records, no end mark, then "
			 "a torn record"), "%s", said);
	free(said);

	/* the whole fixture has its end mark */
	ret = replay_said(FIXTURE, &said);
	cr_expect_eq(ret, 0, "%d: %s", ret, said);
	cr_expect_null(strstr(said, "cut"), "%s", said);
	free(said);
}

/* Every byte of s[0..size) after its first NUL is zero. */
static bool nul_tail_clean(const char *s, size_t size)
{
	const char *nul = memchr(s, '\0', size);

	for (size_t i = nul ? (size_t)(nul - s) : size; i < size; i++)
		if (s[i])
			return false;
	return true;
}

/*
 * The ring buffer's reservations are not zeroed: an AF_UNIX connect
 * carries the client's stack after its path, a mount an earlier record's
 * bytes after its strings.  The tap cleans them before --record (and
 * --dump, and the stages) see them; the record fed is not written to.
 */
Test(session, record_gets_clean_strings, .init = cr_redirect_stdout)
{
	char path[] = "/tmp/ct-test-session.XXXXXX";
	struct ct_cli cli = { .json = true, .record_path = path };
	struct ct_session s = { .cli = &cli };
	struct ct_connect c;
	struct ct_mount m;
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;
	const void *rec;
	char err[256];
	size_t len;
	int fd = mkstemp(path), seen = 0;

	cr_assert_geq(fd, 0);
	close(fd);
	memset(&c, 0x55, sizeof(c));
	c.hdr.type = CT_EV_CONNECT;
	c.hdr.size = sizeof(c);
	c.hdr.ts_ns = 1000;
	strcpy(c.hdr.comm, "docker");
	strcpy(c.path, "/run/docker.sock");
	memset(&m, 0x7f, sizeof(m));
	m.hdr = c.hdr;
	m.hdr.type = CT_EV_MOUNT;
	m.hdr.size = sizeof(m);
	strcpy(m.source, "overlay");
	strcpy(m.target, "CNI_ARGS=secret");
	m.target[0] = '\0';	/* an earlier record's string after the NUL */
	cr_assert_eq(ct_session_record_create(&s), 0);
	cr_assert_eq(ct_session_init(&s, CT_CGROUP_V2), 0);
	cr_assert_eq(ct_session_record_header(&s, CT_CGROUP_V2), 0);
	ct_session_feed(&s, &c, sizeof(c));
	ct_session_feed(&s, &m, sizeof(m));
	cr_expect_eq((unsigned char)c.path[20], 0x55, "the input is left");
	cr_assert_eq(ct_session_record_close(&s), 0);
	ct_session_free(&s);

	cr_assert_eq(ct_rec_reader_open(&r, path, &h, err, sizeof(err)), 0,
		     "%s", err);
	while (ct_rec_next(r, &rec, &len, err, sizeof(err)) > 0) {
		const struct ct_hdr *rh = rec;

		cr_expect(nul_tail_clean(rh->comm, sizeof(rh->comm)));
		if (rh->type == CT_EV_CONNECT) {
			const struct ct_connect *rc = rec;

			cr_expect_str_eq(rc->path, "/run/docker.sock");
			cr_expect(nul_tail_clean(rc->path, sizeof(rc->path)),
				  "stack bytes after the path recorded");
			seen++;
		} else if (rh->type == CT_EV_MOUNT) {
			const struct ct_mount *rm = rec;

			cr_expect_str_eq(rm->source, "overlay");
			cr_expect(nul_tail_clean(rm->source,
						 sizeof(rm->source)));
			cr_expect(nul_tail_clean(rm->target,
						 sizeof(rm->target)),
				  "an earlier record's string recorded");
			seen++;
		}
	}
	ct_rec_reader_close(r);
	unlink(path);
	cr_expect_eq(seen, 2);
}
