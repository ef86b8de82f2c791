// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target of the replay path: the input is a --record file,
 * replayed by the session's own code (ct_session_replay(), as
 * `coldtrace --replay` does) twice, once per aggregator:
 *
 * - one-shot, as `--replay FILE --why --paths --dump -j -o DIR
 *   --metrics-labels=id,name`: replay.c's first pass, the reader, the
 *   enrich stage, the tracker, every record kept, JSON lines, --dump
 *   lines, the JSON summary and every -o file;
 * - continuous mode (s.continuous, which the command line gives only to
 *   a live --listen session): the same records folded (agg.c, fold.c),
 *   the table rows with --why and --paths, the text report and the -o
 *   files of the last records.
 *
 * Each then renders the other summary format as an -i step would, and
 * /metrics as a scrape does (prom.c: per-container groups or folds).
 * Both run on every input: a recording's first bytes are its header, so
 * a byte choosing the mode would cost the seeds their validity.  The
 * sanitizers judge; nothing is compared.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine.h"
#include "prom.h"
#include "ready.h"
#include "session.h"

#define PATHS_MAX	5		/* --paths without N */

static int in_fd = -1;		/* the input, as a file the reader opens */
static char in_path[64];
static char out_dir[256];	/* -o DIR */

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
	int null = open("/dev/null", O_WRONLY);

	ct_engines_use(&ct_builtin_engines);
	in_fd = memfd_create("ctrec", 0);
	/* the session prints on stdout (libFuzzer's -close_fd_mask=1 too) */
	if (in_fd < 0 || null < 0 || dup2(null, STDOUT_FILENO) < 0 ||
	    make_out_dir()) {
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

/* ---- the two sessions ---- */

/* What a scrape asks: /metrics, /healthz, a path that is not served. */
static void scrape(struct ct_session *s)
{
	static const char *const paths[] = { "/metrics", "/healthz", "/x" };
	const char *ctype;
	char *body;
	size_t len;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		body = NULL;
		if (!ct_session_serve(paths[i], &body, &len, &ctype, s))
			fwrite(body, 1, len, stdout);
		free(body);
	}
}

/*
 * One replay of the input, then what the session would say later on:
 * the other summary format (an -i step: -o DIR again) and a scrape,
 * unlabelled (continuous mode refuses labels; one-shot has them above).
 */
static void replay(bool continuous)
{
	struct ct_cli cli = {
		.replay_path = in_path,
		.output_dir = out_dir,
		.json = !continuous,
		.dump = !continuous,
		.why = true,
		.paths = PATHS_MAX,
		.ready_mode = CT_READY_LISTEN,
		.interval_s = 1,
		.metrics_labels = continuous ? 0 :
			CT_PROM_LABEL_ID | CT_PROM_LABEL_NAME,
	};
	struct ct_session s = { .cli = &cli, .continuous = continuous };

	/* a bad record ends the replay (1), after what came before it */
	ct_session_replay(&s);
	if (s.agg && s.pl.tracker && s.pl.enrich) {
		cli.json = !cli.json;
		cli.metrics_labels = 0;
		ct_session_interim(&s, s.lost);
		scrape(&s);
	}
	ct_session_free(&s);
	fflush(stdout);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (load_input(data, size))
		abort();	/* the harness, not the input: stop */
	replay(false);
	replay(true);
	return 0;
}
