// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Inserts refused by full BPF maps (include/mapfull.h), userspace's
 * side: the counters' record (CT_EV_MAPFULL) reaches the summary's text
 * and JSON and /metrics, per map; a container the kernel may have
 * refused to track (no entry, while tracked refused some) says its opens
 * are unobservable, not 0, stays out of the statistics, and a replay of
 * the session's recording says the same.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "hist.h"
#include "mapfull.h"
#include "output.h"
#include "recfile.h"
#include "replay.h"
#include "session.h"
#include "tjson.h"
#include "tracker.h"
#include "jsonl.h"

#define FIXTURE	"tests/fixtures/docker-ready.ctrec"	/* one runc container */

/* The kernel maps with no entry for the container: refused or not. */
static void none_read(void *impl, uint64_t key, bool gofer,
		      struct ct_opens *out)
{
	(void)impl;
	(void)key;
	(void)gofer;
	memset(out, 0, sizeof(*out));
}

static void none_read_slow(void *impl, uint64_t key, struct ct_container *c,
			   size_t max)
{
	(void)impl;
	(void)key;
	(void)c;
	(void)max;
}

static bool refused_yes(void *impl)
{
	return *(const bool *)impl;
}

static const struct ct_opens_source_ops none_ops = {
	.read = none_read,
	.read_slow = none_read_slow,
	.refused = refused_yes,
	.measured = true,
};

/* tracked refused 3, fds 1 */
static const uint64_t refused[CT_MAPFULL_NR] = {
	[CT_MAPFULL_TRACKED] = 3, [CT_MAPFULL_FDS] = 1,
};

/*
 * FIXTURE's kernel records through s as a live session would feed them
 * (rp NULL: the source is s->opens), then its own: CT_EV_MAPFULL and
 * the end; or a recording replayed (rp: its opens are the source).
 */
static void run(struct ct_session *s, const char *path,
		struct ct_replay_opens **rp)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;
	const struct ct_hdr *hd;
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
	while (ct_rec_next(r, &rec, &len, err, sizeof(err)) > 0) {
		hd = rec;
		if (rp || (hd->type != CT_EV_OPENS && hd->type != CT_EV_PATHS &&
			   hd->type != CT_EV_END))
			ct_session_feed(s, rec, len);
	}
	ct_rec_reader_close(r);
	if (!rp) {
		ct_session_inject_map_full(s, refused);
		ct_session_inject(s, CT_EV_END, 0);
	}
	ct_pipeline_flush(&s->pl);
	cr_assert_eq(ct_agg_count(s->agg), 1);
}

static void assert_refused(const struct ct_session *s, const char *what)
{
	const struct ct_container *c = ct_agg_get(s->agg, 0);
	struct ct_tracker_stats st;
	struct ct_opens all;

	cr_assert_eq(c->runtime, CT_RT_RUNC);
	cr_assert(c->opens.unobservable && c->opens.map_full, "%s", what);
	cr_assert(!c->opens.valid, "%s: a count of 0 as a measurement", what);
	cr_assert_not(ct_agg_runtime_opens(s->agg, CT_RT_RUNC, &all),
		      "%s: in runc's opens statistics", what);
	ct_tracker_get_stats(s->pl.tracker, &st);
	cr_assert_eq(st.map_full[CT_MAPFULL_TRACKED], 3, "%s", what);
	cr_assert_eq(st.map_full[CT_MAPFULL_FDS], 1, "%s", what);
	cr_assert_eq(ct_tracker_map_full(&st), 4, "%s", what);
}

Test(mapfull, refused_container_said_and_replayed,
     .init = cr_redirect_stdout)
{
	char path[] = "/tmp/ct-test-mapfull.XXXXXX";
	struct ct_cli cli = { .json = true, .record_path = path };
	struct ct_session live = { .cli = &cli };
	struct ct_session again = { .cli = &cli };
	struct ct_replay_opens *rp;
	bool yes = true;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	live.opens = (struct ct_opens_source){ .ops = &none_ops,
					       .impl = &yes };
	cr_assert_eq(ct_session_record_create(&live), 0);
	run(&live, FIXTURE, NULL);
	cr_assert_eq(ct_session_record_close(&live), 0);
	assert_refused(&live, "live");
	ct_session_free(&live);

	cli.record_path = NULL;
	run(&again, path, &rp);
	unlink(path);
	assert_refused(&again, "replayed");
	ct_session_free(&again);
	ct_replay_opens_free(rp);
}

/* Nothing refused: a container in no map has no opens, nothing else. */
Test(mapfull, nothing_refused_nothing_said, .init = cr_redirect_stdout)
{
	struct ct_cli cli = { .json = true };
	struct ct_session s = { .cli = &cli };
	const struct ct_container *c;
	bool no = false;

	s.opens = (struct ct_opens_source){ .ops = &none_ops, .impl = &no };
	run(&s, FIXTURE, NULL);
	c = ct_agg_get(s.agg, 0);
	cr_assert_not(c->opens.valid || c->opens.unobservable ||
		      c->opens.map_full);
	ct_session_free(&s);
}

/* The summary's text and JSON, the record's JSON, /metrics. */
Test(mapfull, reported_everywhere, .init = cr_redirect_stdout)
{
	struct ct_cli cli = { .json = true };
	struct ct_session s = { .cli = &cli };
	char *text = NULL, *body;
	const char *ctype;
	struct ct_meta m;
	bool yes = true;
	size_t len;
	FILE *f;

	s.opens = (struct ct_opens_source){ .ops = &none_ops, .impl = &yes };
	run(&s, FIXTURE, NULL);
	ct_session_meta(&s, 0, &m);
	f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	ct_output_summary(f, s.agg, &m);
	ct_jsonl_write_summary(f, s.agg, &m);
	ct_jsonl_write(f, &ct_jsonl_container, ct_agg_get(s.agg, 0));
	fclose(f);
	cr_expect(strstr(text, "BPF maps full: 4 inserts refused (tracked 3, "
			 "fds 1)"), "%s", text);
	cr_expect(strstr(text, "\"map_full_inserts\":4"), "%s", text);
	cr_expect(strstr(text, "\"opens\":{\"unobservable\":true,\"reason\":"
			 "\"a BPF map was full"), "%s", text);
	free(text);
	cr_assert_eq(ct_session_serve("/metrics", &body, &len, &ctype, &s),
		     0);
	cr_expect(strstr(body, "coldtrace_map_full_inserts_total{map=\""
			 "tracked\"} 3\n"), "%s", body);
	cr_expect(strstr(body, "coldtrace_map_full_inserts_total{map=\""
			 "fds\"} 1\n"), "%s", body);
	cr_expect(strstr(body, "coldtrace_map_full_inserts_total{map=\""
			 "hists\"} 0\n"), "%s", body);
	free(body);
	ct_session_free(&s);
}
