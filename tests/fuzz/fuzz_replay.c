// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target of the replay path: the input is a --record file,
 * replayed as `coldtrace --replay FILE --why --paths --dump -j -o DIR`
 * and the terminal report would be, all at once: replay.c's first pass,
 * the record reader, pulls, ready, prepare, why and the tracker, then
 * before_emit, the aggregator, JSON lines, table, --dump lines, summary
 * and every --output file.  The sanitizers judge; nothing is compared.
 *
 * main.c's session is static and tied to the command line, and
 * tests/unit/tsession.c asserts with Criterion and stops before the
 * aggregator and the exporters, so the wiring around the enrich stage
 * (user/enrich.h) is repeated here in main.c's order (feed(),
 * write_outputs()): keep in step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agg.h"
#include "dump.h"
#include "export.h"
#include "hist.h"
#include "output.h"
#include "chain.h"
#include "enrich.h"
#include "paths.h"
#include "pull_output.h"
#include "recfile.h"
#include "replay.h"
#include "tracker.h"

#define PATHS_MAX	5		/* --paths without N */

struct fuzz_session {
	struct ct_tracker *tracker;
	struct ct_agg *agg;
	struct ct_enrich *enrich;
	struct ct_chains *chains;
	struct ct_replay_opens *ropens;
	int64_t m2r;
	char kernel[64];
};

static int in_fd = -1;		/* the input, as a file the reader opens */
static char in_path[64];
static char out_dir[256];	/* -o DIR */
static FILE *out;		/* stdout of the replay: /dev/null */

/*
 * ct_export_dir() fsyncs every file and its directory: durability is
 * not under test, and a disk flush per input would bound the run.  This
 * definition takes libc's place in the fuzz binary only.
 */
int fsync(int fd)
{
	(void)fd;
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/*
 * -o DIR in memory if possible: on ext4 a rename over an existing file
 * waits for its writeback (auto_da_alloc), 3/4 of each run's time here.
 */
static int make_out_dir(void)
{
	const char *base = getenv("TMPDIR");

	if (!access("/dev/shm", W_OK))
		base = "/dev/shm";
	snprintf(out_dir, sizeof(out_dir), "%s/ct-fuzz.XXXXXX",
		 base ? base : "/tmp");
	return mkdtemp(out_dir) ? 0 : -errno;
}

static void cleanup(void)
{
	nftw(out_dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	in_fd = memfd_create("ctrec", 0);
	out = fopen("/dev/null", "w");
	if (in_fd < 0 || !out || make_out_dir()) {
		perror("fuzz_replay: setup");
		exit(1);
	}
	snprintf(in_path, sizeof(in_path), "/proc/self/fd/%d", in_fd);
	atexit(cleanup);
	return 0;
}

/* The input bytes become the whole content of in_path. */
static int load_input(const uint8_t *data, size_t size)
{
	size_t off = 0;

	if (ftruncate(in_fd, 0))
		return -errno;
	while (off < size) {
		ssize_t n = pwrite(in_fd, data + off, size - off, off);

		if (n <= 0)
			return n ? -errno : -EIO;
		off += n;
	}
	return 0;
}

/* ---- main.c's tracker hooks ---- */

static void before_emit(struct ct_container *c, void *ctx)
{
	struct fuzz_session *s = ctx;

	ct_enrich_apply(s->enrich, c);
}

/* -j's line and the table's rows, both: each formats differently. */
static void on_container(const struct ct_container *c, void *ctx)
{
	struct fuzz_session *s = ctx;

	ct_agg_add(s->agg, c);
	ct_output_container_json(out, c);
	ct_output_table_row(out, c);
	ct_output_why_rows(out, c);
	if (c->opens.unobservable)
		fprintf(out, "%s\n", ct_opens_unobservable_reason(&c->opens));
	ct_paths_print(out, c);
	ct_chains_add(s->chains, c);
}

static void on_chain(const struct ct_chain *ch, void *ctx)
{
	(void)ctx;
	ct_output_chain_json(out, ch);
}

static void on_pull(const struct ct_pull *p, void *ctx)
{
	(void)ctx;
	ct_pull_output_json(out, p);
}

/* ---- the session ---- */

static int session_init(struct fuzz_session *s,
			const struct ct_rec_file_hdr *h)
{
	struct ct_tracker_opts o = {
		.mono_to_real_ns = h->mono_to_real_ns,
		.cgroup_mode = h->cgroup_mode,
		.before_emit = before_emit,
		.on_container = on_container,
		.ctx = s,
	};
	struct ct_enrich_opts xo = {
		.mono_to_real_ns = h->mono_to_real_ns,
		.ready_mode = CT_READY_LISTEN,
		.why = true,
		.paths = PATHS_MAX,
		.opens = ct_replay_opens_source(s->ropens),
		.on_pull = on_pull,
		.ctx = s,
	};

	s->m2r = h->mono_to_real_ns;
	snprintf(s->kernel, sizeof(s->kernel), "%.*s", (int)sizeof(h->kernel),
		 h->kernel);
	s->agg = ct_agg_new();
	s->tracker = ct_tracker_new(&o);
	s->enrich = ct_enrich_new(&xo);
	s->chains = ct_chains_new(h->mono_to_real_ns, on_chain, s);
	return s->agg && s->tracker && s->enrich && s->chains ? 0 : -ENOMEM;
}

static void session_free(struct fuzz_session *s)
{
	ct_tracker_free(s->tracker);
	ct_enrich_free(s->enrich);
	ct_chains_free(s->chains);
	ct_agg_free(s->agg);
	ct_replay_opens_free(s->ropens);
}

static void feed(struct fuzz_session *s, const void *rec, size_t len)
{
	ct_dump_record(out, rec, len, s->m2r);
	ct_enrich_feed(s->enrich, rec, len);
	ct_chains_feed(s->chains, rec, len);
	ct_tracker_feed(s->tracker, rec, len);
}

static void print_runtime_hists(const struct fuzz_session *s)
{
	struct ct_opens o;

	for (int rt = 0; rt < CT_RT_MAX; rt++)
		if (ct_agg_runtime_opens(s->agg, rt, &o) && o.count)
			ct_hist_print(out, o.slots, CT_HIST_SLOTS, "nsecs");
}

/* main.c's write_outputs(): -j summary, text report, --output DIR. */
static void write_outputs(struct fuzz_session *s)
{
	struct ct_meta meta = {
		.version = "fuzz",
		.kernel = s->kernel,
		.lost_events = ct_tracker_lost(s->tracker),
		.pulls = ct_enrich_pulls(s->enrich),
		.chains = s->chains,
		.why = ct_enrich_why(s->enrich),
		.tracker = s->tracker,
	};
	char err[512];

	ct_enrich_warn_dropped(s->enrich, out);
	ct_output_summary_json(out, s->agg, &meta);
	print_runtime_hists(s);
	ct_pull_print_all(out, ct_enrich_pulls(s->enrich));
	ct_output_chains(out, s->chains);
	ct_output_summary(out, s->agg, &meta);
	ct_export_prom(out, s->agg, &meta);	/* --listen's /metrics */
	ct_export_dir(out_dir, s->agg, &meta, err, sizeof(err));
	/* --metrics-labels=id,name: series keyed by the recording's bytes */
	meta.prom_labels = CT_PROM_LABEL_ID | CT_PROM_LABEL_NAME;
	ct_export_prom(out, s->agg, &meta);
}

static void replay(struct fuzz_session *s)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;
	const void *rec;
	char err[512];
	size_t len;

	if (ct_rec_reader_open(&r, in_path, &h, err, sizeof(err)))
		return;
	/* first pass, then rewound: histograms follow their container */
	if (!ct_replay_opens_read(r, &s->ropens, err, sizeof(err)) &&
	    !session_init(s, &h)) {
		ct_output_table_header(out);
		while (ct_rec_next(r, &rec, &len, err, sizeof(err)) > 0)
			feed(s, rec, len);
		ct_enrich_flush(s->enrich);
		ct_tracker_flush(s->tracker);
		ct_chains_flush(s->chains);
		write_outputs(s);
	}
	ct_rec_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_session s = { 0 };

	if (load_input(data, size))
		abort();	/* the harness, not the input: stop */
	replay(&s);
	session_free(&s);
	fflush(out);
	return 0;
}
