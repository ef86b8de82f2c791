// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Option parsing for coldtrace.  Kept free of side effects (no exit(), no
 * globals) so that tests/unit/test_cli.c can run every case in-process.
 */
#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "container.h"
#include "ready.h"
#include "version.h"

#define STR_(x)		#x
#define STR(x)		STR_(x)

static const char usage[] =
"Usage: coldtrace [OPTION...] [-- COMMAND [ARG...]]\n"
"Explain container cold starts phase by phase: prepare, attach, create,\n"
"connect, start, run, ready, die, disconnect, destroy, per container and\n"
"per runtime.\n"
"\n"
"  -r, --runtime=LIST    runc,crun,runsc,kata or all (default all)\n"
"  -c, --container=ID    only containers whose id starts with ID\n"
"  -d, --duration=SEC    stop after SEC seconds (default: until Ctrl-C,\n"
"                        or until COMMAND exits)\n"
"  -o, --output=DIR      write containers.jsonl, phases.csv, summary.json,\n"
"                        metrics.prom, trace.json, hist/ into DIR\n"
"  -j, --json            JSON Lines on stdout, one object per container\n"
"  -i, --interval=SEC    print a running summary every SEC seconds\n"
"      --listen=ADDR:PORT serve Prometheus text on /metrics and /healthz\n"
"                        (e.g. 127.0.0.1:9466)\n"
"  -w, --wait=SEC        with COMMAND: wait up to SEC seconds after it\n"
"                        exits for its containers to be destroyed (10)\n"
"      --record=FILE     also save the raw event stream into FILE\n"
"      --replay=FILE     analyse a saved stream (no root needed)\n"
"      --dump            print raw events as text (debugging)\n"
"      --no-opens        do not trace file-open latency\n"
"      --no-pulls        do not trace image pulls (spares every host\n"
"                        process's read/write/close a BPF hook)\n"
"      --ringbuf=MB      event ring buffer size, a power of two (16)\n"
"      --paths[=N]       show the N slowest file opens per container with\n"
"                        their paths (default 5, at most "
STR(CT_OPENS_SLOW_K) ")\n"
"      --why             split each phase into cpu / runq / io / sleep time\n"
"                        of the process that carries it (loads a sched\n"
"                        tracer for shims, runtimes and their children)\n"
"      --ready=MARKER    when a container is ready (end of the ready\n"
"                        phase and of cold_start_ns): listen (its first\n"
"                        successful listen(2); the default), exec (its\n"
"                        program's exec) or none; with --no-opens: exec\n"
"  -v, --verbose         libbpf and attach diagnostics\n"
"  -h, --help            this help\n"
"  -V, --version         print the version\n"
"\n"
"Examples:\n"
"  sudo coldtrace --runtime runsc              # trace until Ctrl-C\n"
"  sudo coldtrace -- docker run --rm busybox true\n"
"  sudo coldtrace -j -o out/ -d 60 --record s.ctrec\n"
"  coldtrace --replay s.ctrec -o out/          # no root needed\n"
"  sudo coldtrace --ready=exec -- docker run --rm busybox true\n"
"  sudo coldtrace --why -j -- docker run --rm busybox true\n"
"\n"
"Ctrl-C prints what was seen so far; a second Ctrl-C exits at once.\n"
"With COMMAND, coldtrace exits with COMMAND's exit status; with -j,\n"
"COMMAND's standard output goes to standard error, so that standard\n"
"output stays pure JSON Lines.\n";

enum {
	OPT_RECORD = 256,
	OPT_REPLAY,
	OPT_DUMP,
	OPT_NO_OPENS,
	OPT_NO_PULLS,
	OPT_RINGBUF,
	OPT_PATHS,
	OPT_READY,
	OPT_WHY,
	OPT_LISTEN,
};

#define PATHS_DEFAULT	5
#define PATHS_MAX	CT_OPENS_SLOW_K	/* what the kernel keeps */

static const struct option long_opts[] = {
	{ "runtime",	required_argument, NULL, 'r' },
	{ "container",	required_argument, NULL, 'c' },
	{ "duration",	required_argument, NULL, 'd' },
	{ "output",	required_argument, NULL, 'o' },
	{ "json",	no_argument,	   NULL, 'j' },
	{ "interval",	required_argument, NULL, 'i' },
	{ "wait",	required_argument, NULL, 'w' },
	{ "record",	required_argument, NULL, OPT_RECORD },
	{ "replay",	required_argument, NULL, OPT_REPLAY },
	{ "dump",	no_argument,	   NULL, OPT_DUMP },
	{ "no-opens",	no_argument,	   NULL, OPT_NO_OPENS },
	{ "no-pulls",	no_argument,	   NULL, OPT_NO_PULLS },
	{ "ringbuf",	required_argument, NULL, OPT_RINGBUF },
	{ "paths",	optional_argument, NULL, OPT_PATHS },
	{ "ready",	required_argument, NULL, OPT_READY },
	{ "why",	no_argument,	   NULL, OPT_WHY },
	{ "listen",	required_argument, NULL, OPT_LISTEN },
	{ "verbose",	no_argument,	   NULL, 'v' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ "version",	no_argument,	   NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

#define RUNTIMES_KNOWN	"runc, crun, runsc, kata, all"

/* One item of a --runtime list: its enum ct_runtime, or -1 (err filled). */
static int runtime_item(const char *s, size_t len, char *err, size_t errlen)
{
	char name[16];
	int rt = -1;

	if (!len) {
		snprintf(err, errlen, "--runtime: empty item in the list "
			 "(known: " RUNTIMES_KNOWN ")");
		return -1;
	}
	if (len < sizeof(name)) {
		memcpy(name, s, len);
		name[len] = 0;
		rt = ct_runtime_from_name(name);
	}
	if (rt < 0)
		snprintf(err, errlen, "--runtime: unknown runtime '%.*s' "
			 "(known: " RUNTIMES_KNOWN ")", (int)(len < 32 ? len : 32),
			 s);
	return rt;
}

/*
 * Every item is checked, empty ones included ("runc,,crun" is a typo, not
 * "runc,crun").  "all" must stand alone: "all,runc" would silently trace
 * every runtime while looking like a selection, so it is refused rather
 * than guessed at.
 */
int ct_cli_parse_runtimes(const char *list, uint32_t *mask, char *err,
			  size_t errlen)
{
	const char *p = list;
	uint32_t m = 0;

	if (!list[0]) {
		snprintf(err, errlen, "--runtime: empty value, expected a list "
			 "such as runc,crun (known: " RUNTIMES_KNOWN ")");
		return -1;
	}
	if (!strcmp(list, "all")) {
		*mask = 0;
		return 0;
	}
	for (;;) {
		size_t len = strcspn(p, ",");
		int rt;

		if (len == 3 && !strncmp(p, "all", 3)) {
			snprintf(err, errlen, "--runtime: 'all' means every "
				 "runtime: give it alone, not in a list");
			return -1;
		}
		rt = runtime_item(p, len, err, errlen);
		if (rt < 0)
			return -1;
		m |= 1u << rt;
		if (!p[len])
			break;
		p += len + 1;
	}
	*mask = m;
	return 0;
}

#define DIGITS		"0123456789"
#define SECONDS_MAX	1e7

/*
 * Numbers are plain decimal: strtod() and strtoul() also take leading
 * blanks, '+', hex, "inf"/"nan", and strtoul() wraps a negative around
 * ("-18446744073709551615" is 1), none of which a user means.  A leading
 * '-' is let through so that "-1" gets a message about its sign.
 */
static bool plain_decimal(const char *s, bool fraction)
{
	const char *d = s + (s[0] == '-');

	if (!isdigit((unsigned char)d[0]) && !(fraction && d[0] == '.'))
		return false;
	return !d[strspn(d, fraction ? DIGITS ".eE+-" : DIGITS)];
}

/* Seconds: a number above 0 and up to SECONDS_MAX (fractions allowed). */
static int parse_seconds(const char *opt, const char *s, double *out,
			 char *err, size_t errlen)
{
	char *end = NULL;
	double v = 0;

	if (!s[0]) {
		snprintf(err, errlen, "%s: empty value, expected a number "
			 "of seconds", opt);
		return -1;
	}
	if (plain_decimal(s, true))
		v = strtod(s, &end);
	if (!end || *end) {
		snprintf(err, errlen, "%s: '%.32s' is not a number of seconds "
			 "(such as 10 or 2.5)", opt, s);
		return -1;
	}
	/* a range error lands here too: HUGE_VAL above, 0 below */
	if (v <= 0 || v > SECONDS_MAX) {
		snprintf(err, errlen, "%s: '%.32s' is out of range (more than "
			 "0, at most %.0f seconds)", opt, s, SECONDS_MAX);
		return -1;
	}
	*out = v;
	return 0;
}

/* A plain decimal whole number from min to max. */
static int parse_whole(const char *opt, const char *s, long long min,
		       long long max, long long *out, char *err, size_t errlen)
{
	long long v;

	if (!s[0]) {
		snprintf(err, errlen, "%s: empty value, expected a number "
			 "from %lld to %lld", opt, min, max);
		return -1;
	}
	if (!plain_decimal(s, false)) {
		snprintf(err, errlen, "%s: '%.32s' is not a whole number from "
			 "%lld to %lld", opt, s, min, max);
		return -1;
	}
	/* out of range saturates at LLONG_MIN/MAX, beyond any min/max */
	v = strtoll(s, NULL, 10);
	if (v < min || v > max) {
		snprintf(err, errlen, "%s: '%.32s' is out of range (%lld to "
			 "%lld)", opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* --paths[=N]: N in 1..PATHS_MAX, PATHS_DEFAULT without N. */
static int parse_paths(const char *s, unsigned int *out, char *err,
		       size_t errlen)
{
	long long v;

	if (!s) {
		*out = PATHS_DEFAULT;
		return 0;
	}
	if (parse_whole("--paths", s, 1, PATHS_MAX, &v, err, errlen))
		return -1;
	*out = v;
	return 0;
}

/* Ring buffer size in MiB: a power of two (BPF needs one), 1..1024. */
static int parse_ringbuf(const char *s, unsigned int *mb, char *err,
			 size_t errlen)
{
	long long v;

	if (parse_whole("--ringbuf", s, 1, 1024, &v, err, errlen))
		return -1;
	if (v & (v - 1)) {
		snprintf(err, errlen, "--ringbuf: %lld MiB is not a power of "
			 "two (BPF ring buffers must be)", v);
		return -1;
	}
	*mb = v;
	return 0;
}

static int parse_ready(const char *s, struct ct_cli *cli, char *err,
		       size_t errlen)
{
	int m = ct_ready_mode_from_name(s);

	if (m < 0) {
		snprintf(err, errlen, "--ready: unknown marker '%.32s' "
			 "(known: listen, exec, none)", s);
		return -1;
	}
	cli->ready_mode = m;
	cli->ready_set = true;
	return 0;
}

static int check_nonempty(const char *opt, const char *s, char *err,
			  size_t errlen)
{
	if (s[0])
		return 0;
	snprintf(err, errlen, "%s needs a non-empty argument", opt);
	return -1;
}

/* Applies one option; returns 0, CT_CLI_EXIT_OK or -1. */
static int apply_opt(int c, const char *arg, struct ct_cli *cli, FILE *out,
		     char *err, size_t errlen)
{
	switch (c) {
	case 'r':
		return ct_cli_parse_runtimes(arg, &cli->runtime_mask, err,
					     errlen);
	case 'c':
		cli->container = arg;
		return check_nonempty("--container", arg, err, errlen);
	case 'd':
		return parse_seconds("--duration", arg, &cli->duration_s, err,
				     errlen);
	case 'i':
		return parse_seconds("--interval", arg, &cli->interval_s, err,
				     errlen);
	case 'w':
		return parse_seconds("--wait", arg, &cli->wait_s, err, errlen);
	case OPT_LISTEN:
		cli->listen = arg;
		return check_nonempty("--listen", arg, err, errlen);
	case 'o':
		cli->output_dir = arg;
		return check_nonempty("--output", arg, err, errlen);
	case 'j':
		cli->json = true;
		return 0;
	case 'v':
		cli->verbose = true;
		return 0;
	case OPT_RECORD:
		cli->record_path = arg;
		return check_nonempty("--record", arg, err, errlen);
	case OPT_REPLAY:
		cli->replay_path = arg;
		return check_nonempty("--replay", arg, err, errlen);
	case OPT_DUMP:
		cli->dump = true;
		return 0;
	case OPT_NO_OPENS:
		cli->no_opens = true;
		return 0;
	case OPT_NO_PULLS:
		cli->no_pulls = true;
		return 0;
	case OPT_RINGBUF:
		return parse_ringbuf(arg, &cli->ringbuf_mb, err, errlen);
	case OPT_PATHS:
		return parse_paths(arg, &cli->paths, err, errlen);
	case OPT_READY:
		return parse_ready(arg, cli, err, errlen);
	case OPT_WHY:
		cli->why = true;
		return 0;
	case 'h':
		fputs(usage, out);
		return CT_CLI_EXIT_OK;
	case 'V':
		fprintf(out, "coldtrace %s\n", COLDTRACE_VERSION);
		return CT_CLI_EXIT_OK;
	default:
		return -1;
	}
}

static int check_combination(struct ct_cli *cli, char *err,
			     size_t errlen)
{
	if (cli->replay_path && cli->cmd) {
		snprintf(err, errlen, "--replay analyses a file: it cannot "
			 "run a COMMAND");
		return -1;
	}
	if (cli->paths && cli->no_opens) {
		snprintf(err, errlen, "--paths needs the file-open tracer: "
			 "drop --no-opens");
		return -1;
	}
	if (cli->no_opens && cli->ready_mode == CT_READY_LISTEN) {
		if (cli->ready_set) {
			snprintf(err, errlen, "--ready=listen needs the "
				 "file-open tracer: drop --no-opens or use "
				 "--ready=exec");
			return -1;
		}
		cli->ready_mode = CT_READY_EXEC;
	}
	if (cli->replay_path && cli->record_path) {
		snprintf(err, errlen, "--replay and --record cannot be used "
			 "together");
		return -1;
	}
	return 0;
}

enum ct_cli_result ct_cli_parse(int argc, char **argv, struct ct_cli *cli,
				FILE *out, char *err, size_t errlen)
{
	int c, ret;

	memset(cli, 0, sizeof(*cli));
	cli->wait_s = 10;
	err[0] = 0;
	optind = 0;	/* full reset: tests call us repeatedly */
	opterr = 0;	/* we word the errors ourselves */
	/* '+': stop at the first non-option, it starts COMMAND. */
	while ((c = getopt_long(argc, argv, "+:r:c:d:o:ji:w:vhV", long_opts,
				NULL)) != -1) {
		if (c == '?' || c == ':') {
			const char *what = c == '?' ? "unknown option"
						    : "missing argument for";

			if (optopt && optopt < 256)
				snprintf(err, errlen, "%s '-%c' (see --help)",
					 what, optopt);
			else
				snprintf(err, errlen, "%s '%.64s' (see --help)",
					 what, argv[optind - 1]);
			return CT_CLI_ERROR;
		}
		ret = apply_opt(c, optarg, cli, out, err, errlen);
		if (ret)
			return ret < 0 ? CT_CLI_ERROR : CT_CLI_EXIT_OK;
	}
	if (optind < argc)
		cli->cmd = &argv[optind];
	if (check_combination(cli, err, errlen))
		return CT_CLI_ERROR;
	return CT_CLI_OK;
}
