// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Option parsing for coldtrace: the options, their values, their
 * combinations, --help; the words are read by optscan.c.  Kept free of
 * side effects (no exit(), no globals) so that tests/unit/test_cli.c can
 * run every case in-process.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/libbpf_version.h>

#include "cli.h"
#include "optscan.h"
#include "container.h"
#include "httpd.h"
#include "loader.h"
#include "otlp_url.h"
#include "prom.h"
#include "ready.h"
#include "version.h"

#define STR_(x)		#x
#define STR(x)		STR_(x)

static const char usage_head[] =
"Usage: coldtrace [OPTION...] [-- COMMAND [ARG...]]\n"
"Explain container cold starts phase by phase: prepare, attach, create,\n"
"connect, start, run (and ready, nested in it), die, disconnect, destroy,\n"
"per container and per runtime.\n"
"\n"
"  -r, --runtime=LIST    runc,crun,runsc,kata or all (default all)\n";

/* The engines' line is the table's (engine_names()); then the rest. */
static const char usage_tail[] =
"                        (default all): who asked for the container\n"
"  -c, --container=PREFIX|NAME|NS/POD\n"
"                        only containers whose id starts with PREFIX\n"
"                        (such as docker ps's 12 hex digits), whose\n"
"                        name is NAME, or of the Kubernetes pod NS/POD\n"
"                        (its sandbox and containers) or namespace NS/\n"
"  -d, --duration=SEC    stop after SEC seconds (default: until Ctrl-C,\n"
"                        or until COMMAND exits)\n"
"  -o, --output=DIR      write containers.jsonl, restarts.jsonl, phases.csv,\n"
"                        summary.json, metrics.prom, trace.json,\n"
"                        otlp-traces.jsonl, pulls.jsonl, chains.jsonl,\n"
"                        start-files.jsonl, start-files-images.jsonl,\n"
"                        waits.folded, waits.pb.gz, hist/ into DIR\n"
"  -j, --json            JSON Lines on stdout, one object per container\n"
"  -T, --timestamps      the table's first column: when each container\n"
"                        began, local wall-clock time (HH:MM:SS.mmm)\n"
"  -i, --interval=SEC    print a running summary every SEC seconds (and\n"
"                        rewrite -o DIR's files)\n"
"      --listen=ADDR:PORT serve Prometheus text on /metrics and /healthz\n"
"                        (numeric IPv4: 127.0.0.1:9466 loopback only,\n"
"                        0.0.0.0:9466 every interface; :9466 is refused);\n"
"                        without -d and COMMAND:\n"
"                        continuous mode, -o DIR rewritten every -i SEC\n"
"                        (default " STR(CT_CLI_CONTINUOUS_REWRITE_S) " s)\n"
"      --otlp=URL        also send each container, image pull and chain,\n"
"                        as it ends, to an OpenTelemetry collector: OTLP\n"
"                        over HTTP in protobuf, such as\n"
"                        http://127.0.0.1:4318 (no path: /v1/traces;\n"
"                        http only); a collector down or slow never holds\n"
"                        tracing up, what it did not take is counted\n"
"      --metrics-labels=LIST\n"
"                        also label /metrics and metrics.prom per container\n"
"                        by id, name, and a pod's namespace and pod (a\n"
"                        series each: for small hosts only)\n"
"  -w, --wait=SEC        with COMMAND: wait up to SEC seconds after it\n"
"                        exits for its containers to be destroyed (10)\n"
"      --record=FILE     also save the raw event stream into FILE\n"
"      --replay=FILE     analyse a saved stream (no root needed)\n"
"      --dump            print raw events as text (debugging)\n"
"      --no-opens        do not trace file-open latency\n"
"      --no-pulls        do not trace image pulls (spares every host\n"
"                        process's read/write/close a BPF hook)\n"
"      --arm=WHEN        when the syscall hooks are attached: auto (while\n"
"                        a container starts, up to its ready, while it is\n"
"                        removed or an image is pulled, in an engine\n"
"                        client's or runtime's first 30 s, and while\n"
"                        COMMAND runs; detached after 2 s idle, so running\n"
"                        containers cost the host nothing; the default) or\n"
"                        always (every open of a container's whole life)\n"
"      --ringbuf=SIZE    event ring buffer: a power of two from " CT_RINGBUF_RANGE ",\n"
"                        such as 512K or 8M (a plain number is MiB;\n"
"                        default " STR(CT_RINGBUF_DEFAULT_MIB) "M); larger if events are lost\n"
"      --paths[=N]       show the N slowest file opens per container with\n"
"                        their paths (default 5, at most "
STR(CT_OPENS_SLOW_K) ")\n"
"      --start-files[=S] list the files each runc or crun container opens\n"
"                        before it is ready, at most S seconds after its\n"
"                        program's exec (default " STR(START_FILES_DEFAULT) ", at most "
STR(START_FILES_MAX) "), first touch\n"
"                        first, with sizes: into -o DIR's start-files.jsonl,\n"
"                        which ctr-remote's --estargz-record-in reads, and\n"
"                        per image into start-files-images.jsonl\n"
"      --why[=sites]     split each phase into cpu / runq / io / sleep time\n"
"                        of the process that carries it (loads a sched\n"
"                        tracer for shims, runtimes, CNI plugins and their\n"
"                        children), and its off-CPU time into wait sites:\n"
"                        the kernel function each wait waited in and the\n"
"                        task that woke it; --why=states: the split only;\n"
"                        --why=user: the sites with each wait's user stack\n"
"                        (Go functions named from the binary's own table)\n"
"                        prepare and disconnect have none, said so: the\n"
"                        engine's threads (dockerd's) serve every request\n"
"      --ready=MARKER    when a container is ready (end of the ready\n"
"                        phase and of cold_start_ns): listen (its first\n"
"                        successful listen(2); the default), exec (its\n"
"                        program's exec) or none; with --no-opens: exec\n"
"  -v, --verbose         libbpf and attach diagnostics; at the end, the most\n"
"                        bytes each ring buffer held\n"
"  -h, -?, --help        this help\n"
"      --usage           a short usage message\n"
"  -V, --version         print the version\n"
"\n"
"Examples:\n"
"  sudo coldtrace --runtime runsc              # trace until Ctrl-C\n"
"  sudo coldtrace -- docker run --rm busybox true\n"
"  sudo coldtrace -j -o out/ -d 60 --record s.ctrec\n"
"  coldtrace --replay s.ctrec -o out/          # no root needed\n"
"  coldtrace --replay s.ctrec --otlp=http://127.0.0.1:4318\n"
"  sudo coldtrace --ready=exec -- docker run --rm busybox true\n"
"  sudo coldtrace --why -j -- docker run --rm busybox true\n"
"  sudo coldtrace --why -o out/ -- docker run --rm busybox true\n"
"  go tool pprof -top out/waits.pb.gz     # wait sites, as a profile\n"
"  sudo coldtrace --start-files -o out/ -- docker run --rm my/service\n"
"\n"
"Ctrl-C prints what was seen so far; a second Ctrl-C exits at once.\n"
"With COMMAND, coldtrace exits with COMMAND's exit status (127 if it\n"
"cannot be run); with -j, COMMAND's standard output goes to standard\n"
"error, so that standard output stays pure JSON Lines.  If -d or a\n"
"signal ends the session first, COMMAND gets SIGTERM (or that signal),\n"
"is given 0.5 s, then is left running; coldtrace exits with 124 after\n"
"-d (as timeout(1)) or 128+signal.  A bad command line exits with 2;\n"
"--replay of a recording without its end mark (its session was killed)\n"
"reports what it holds and exits with 3.\n";

enum {
	OPT_RECORD = 256,
	OPT_REPLAY,
	OPT_DUMP,
	OPT_NO_OPENS,
	OPT_NO_PULLS,
	OPT_RINGBUF,
	OPT_PATHS,
	OPT_START_FILES,
	OPT_READY,
	OPT_WHY,
	OPT_LISTEN,
	OPT_METRICS_LABELS,
	OPT_ENGINE,
	OPT_ARM,
	OPT_OTLP,
	OPT_USAGE,
};

#define PATHS_DEFAULT	5
#define PATHS_MAX	CT_OPENS_SLOW_K	/* what the kernel keeps */
/* --start-files: seconds; within --arm=auto's 30 s of a runtime's start */
#define START_FILES_DEFAULT	10
#define START_FILES_MAX		300

/* No short option has an optional value: the scanner relies on it. */
static const struct ct_opt opts[] = {
	{ "runtime",	'r',		CT_OPT_REQUIRED,	"a LIST" },
	{ "engine",	OPT_ENGINE,	CT_OPT_REQUIRED,	"a LIST" },
	{ "container",	'c',		CT_OPT_REQUIRED,	"a PREFIX|NAME|NS/POD" },
	{ "duration",	'd',		CT_OPT_REQUIRED,	"SEC" },
	{ "output",	'o',		CT_OPT_REQUIRED,	"a DIR" },
	{ "json",	'j',		CT_OPT_NONE,		NULL },
	{ "timestamps",	'T',		CT_OPT_NONE,		NULL },
	{ "interval",	'i',		CT_OPT_REQUIRED,	"SEC" },
	{ "wait",	'w',		CT_OPT_REQUIRED,	"SEC" },
	{ "record",	OPT_RECORD,	CT_OPT_REQUIRED,	"a FILE" },
	{ "replay",	OPT_REPLAY,	CT_OPT_REQUIRED,	"a FILE" },
	{ "dump",	OPT_DUMP,	CT_OPT_NONE,		NULL },
	{ "no-opens",	OPT_NO_OPENS,	CT_OPT_NONE,		NULL },
	{ "no-pulls",	OPT_NO_PULLS,	CT_OPT_NONE,		NULL },
	{ "arm",	OPT_ARM,	CT_OPT_REQUIRED,	"auto or always" },
	{ "ringbuf",	OPT_RINGBUF,	CT_OPT_REQUIRED,	"a SIZE" },
	{ "paths",	OPT_PATHS,	CT_OPT_OPTIONAL,	"N" },
	{ "start-files", OPT_START_FILES, CT_OPT_OPTIONAL,	"S" },
	{ "ready",	OPT_READY,	CT_OPT_REQUIRED,	"a MARKER" },
	{ "why",	OPT_WHY,	CT_OPT_OPTIONAL,	"sites, states or user" },
	{ "listen",	OPT_LISTEN,	CT_OPT_REQUIRED,	"ADDR:PORT" },
	{ "metrics-labels", OPT_METRICS_LABELS, CT_OPT_REQUIRED, "a LIST" },
	{ "otlp",	OPT_OTLP,	CT_OPT_REQUIRED,	"a URL" },
	{ "verbose",	'v',		CT_OPT_NONE,		NULL },
	{ "help",	'h',		CT_OPT_NONE,		NULL },
	{ "usage",	OPT_USAGE,	CT_OPT_NONE,		NULL },
	{ "version",	'V',		CT_OPT_NONE,		NULL },
};

#define N_OPTS		(sizeof(opts) / sizeof(opts[0]))
#define SCAN_INIT(c, v)	{ .opts = opts, .nopts = N_OPTS, .argc = (c), \
			  .argv = (v), .next = 1 }

#define RUNTIMES_KNOWN	"runc, crun, runsc, kata, all"

/* Every engine's name, in enum ct_engine_kind's order, sep between. */
static void engine_names(char *buf, size_t len, const char *sep)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int k = CT_ENG_UNKNOWN + 1; k < CT_ENG_MAX && n < len; k++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s",
				      n ? sep : "", ct_engine_name(k));
}

typedef int (*item_fn)(const char *s, size_t len, void *ctx, char *err,
		       size_t errlen);

/*
 * fn on every comma-separated item of list, empty ones included
 * ("runc,,crun" is a typo, not "runc,crun"): 0, or -1 at the first
 * item fn refuses.
 */
static int each_item(const char *list, item_fn fn, void *ctx, char *err,
		     size_t errlen)
{
	const char *p = list;
	size_t len;

	for (;;) {
		len = strcspn(p, ",");
		if (fn(p, len, ctx, err, errlen))
			return -1;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

/* A --runtime or --engine list: what it selects among, and the result. */
struct name_list {
	const char *opt;	/* "--runtime" */
	const char *what;	/* "runtime" */
	const char *known;	/* RUNTIMES_KNOWN */
	const char *example;	/* "runc,crun" */
	int (*from_name)(const char *name);	/* -1 if unknown */
	uint32_t mask;
};

/*
 * One item: a bit of the mask.  "all" must stand alone: "all,runc" would
 * silently select everything while looking like a selection, so it is
 * refused rather than guessed at.
 */
static int name_list_item(const char *s, size_t len, void *ctx, char *err,
			  size_t errlen)
{
	struct name_list *l = ctx;
	char name[16];
	int v = -1;

	if (len == 3 && !strncmp(s, "all", 3)) {
		snprintf(err, errlen, "%s: 'all' means every %s: give it "
			 "alone, not in a list", l->opt, l->what);
		return -1;
	}
	if (!len) {
		snprintf(err, errlen, "%s: empty item in the list "
			 "(known: %s)", l->opt, l->known);
		return -1;
	}
	if (len < sizeof(name)) {
		memcpy(name, s, len);
		name[len] = 0;
		v = l->from_name(name);
	}
	if (v < 0) {
		snprintf(err, errlen, "%s: unknown %s '%.*s' (known: %s)",
			 l->opt, l->what, (int)(len < 32 ? len : 32), s,
			 l->known);
		return -1;
	}
	l->mask |= 1u << v;
	return 0;
}

static int parse_name_list(struct name_list *l, const char *list,
			   uint32_t *mask, char *err, size_t errlen)
{
	if (!list[0]) {
		snprintf(err, errlen, "%s: empty value, expected a list such "
			 "as %s (known: %s)", l->opt, l->example, l->known);
		return -1;
	}
	if (!strcmp(list, "all")) {
		*mask = 0;
		return 0;
	}
	if (each_item(list, name_list_item, l, err, errlen))
		return -1;
	*mask = l->mask;
	return 0;
}

int ct_cli_parse_runtimes(const char *list, uint32_t *mask, char *err,
			  size_t errlen)
{
	struct name_list l = { "--runtime", "runtime", RUNTIMES_KNOWN,
			       "runc,crun", ct_runtime_from_name, 0 };

	return parse_name_list(&l, list, mask, err, errlen);
}

int ct_cli_parse_engines(const char *list, uint32_t *mask, char *err,
			 size_t errlen)
{
	char names[112], known[128];
	struct name_list l = { "--engine", "engine", known, "cri,podman",
			       ct_engine_from_name, 0 };

	engine_names(names, sizeof(names), ", ");
	snprintf(known, sizeof(known), "%s, all", names);
	return parse_name_list(&l, list, mask, err, errlen);
}

#define LABELS_KNOWN	"id, name, namespace, pod"

/* One item of --metrics-labels: its enum ct_prom_label bit. */
static int label_item(const char *s, size_t len, void *ctx, char *err,
		      size_t errlen)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} labels[] = {
		{ "id", CT_PROM_LABEL_ID },
		{ "name", CT_PROM_LABEL_NAME },
		{ "namespace", CT_PROM_LABEL_NAMESPACE },
		{ "pod", CT_PROM_LABEL_POD },
	};
	unsigned int *m = ctx;

	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (len == strlen(labels[i].name) &&
		    !strncmp(s, labels[i].name, len)) {
			*m |= labels[i].bit;
			return 0;
		}
	if (!len)
		snprintf(err, errlen, "--metrics-labels: empty item in the "
			 "list (known: " LABELS_KNOWN ")");
	else
		snprintf(err, errlen, "--metrics-labels: unknown label '%.*s' "
			 "(known: " LABELS_KNOWN ")", (int)(len < 32 ? len : 32),
			 s);
	return -1;
}

static int parse_labels(const char *list, unsigned int *out, char *err,
			size_t errlen)
{
	unsigned int m = 0;

	if (each_item(list, label_item, &m, err, errlen))
		return -1;
	*out = m;
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

/* --why[=sites|states|user]: the wait sites (docs/why.md) unless
 * states; with user, their user stacks too. */
static int parse_why(const char *s, struct ct_cli *cli, char *err,
		     size_t errlen)
{
	cli->why = true;
	cli->why_states = s && !strcmp(s, "states");
	cli->why_user = s && !strcmp(s, "user");
	if (!s || !strcmp(s, "sites") || cli->why_states || cli->why_user)
		return 0;
	snprintf(err, errlen, "--why: '%s': expected sites, states or user",
		 s);
	return -1;
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

/* --start-files[=S]: S in 1..START_FILES_MAX s, the default without S. */
static int parse_start_files(const char *s, unsigned int *out, char *err,
			     size_t errlen)
{
	long long v = START_FILES_DEFAULT;

	if (s && parse_whole("--start-files", s, 1, START_FILES_MAX, &v, err,
			     errlen))
		return -1;
	*out = v;
	return 0;
}

/* log2 of a --ringbuf unit; a plain number is MiB, as before units. */
static int ringbuf_shift(const char *unit)
{
	if (!unit[0])
		return 20;
	if (unit[1])
		return -1;
	switch (toupper((unsigned char)unit[0])) {
	case 'K':
		return 10;
	case 'M':
		return 20;
	case 'G':
		return 30;
	}
	return -1;
}

#define RINGBUF_DIGITS	10	/* < 2^34: shifted by 30, still no wrap */

/* --ringbuf=SIZE: a power of two (BPF needs one) in CT_RINGBUF_MIN..MAX. */
static int parse_ringbuf(const char *s, size_t *out, char *err,
			 size_t errlen)
{
	size_t n = strspn(s, DIGITS);
	int shift = ringbuf_shift(s + n);
	unsigned long long v;

	if (!s[0]) {
		snprintf(err, errlen, "--ringbuf: empty value, expected a "
			 "size such as 4M");
		return -1;
	}
	if (!n || n > RINGBUF_DIGITS || shift < 0) {
		snprintf(err, errlen, "--ringbuf: '%.32s' is not a size (such "
			 "as 512K, 8M or 1G; a plain number is MiB)", s);
		return -1;
	}
	v = strtoull(s, NULL, 10) << shift;
	if (v < CT_RINGBUF_MIN || v > CT_RINGBUF_MAX) {
		snprintf(err, errlen, "--ringbuf: '%.32s' is out of range ("
			 CT_RINGBUF_RANGE ")", s);
		return -1;
	}
	if (v & (v - 1)) {
		snprintf(err, errlen, "--ringbuf: '%.32s' is not a power of "
			 "two (BPF ring buffers must be)", s);
		return -1;
	}
	*out = v;
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

static int parse_arm(const char *s, struct ct_cli *cli, char *err,
		     size_t errlen)
{
	if (strcmp(s, "auto") && strcmp(s, "always")) {
		snprintf(err, errlen, "--arm: unknown value '%.32s' (auto or "
			 "always)", s);
		return -1;
	}
	cli->arm_always = !strcmp(s, "always");
	cli->arm_set = true;
	return 0;
}

/* An option's value as usage shows it: "a LIST" -> "LIST". */
static const char *value_word(const struct ct_opt *o)
{
	const char *v = o->value;

	if (!strncmp(v, "a ", 2))
		return v + 2;
	if (!strncmp(v, "an ", 3))
		return v + 3;
	return v;
}

/* The value as --usage writes it: "auto or always" reads auto|always,
 * "a, b or c" a|b|c. */
static const char *usage_value(const struct ct_opt *o, char *buf, size_t n)
{
	const char *v = value_word(o);
	size_t k = 0;

	while (*v && k + 1 < n) {
		size_t skip = !strncmp(v, " or ", 4) ? 4 :
			      !strncmp(v, ", ", 2) ? 2 : 0;

		buf[k++] = skip ? '|' : *v;
		v += skip ? skip : 1;
	}
	buf[k] = '\0';
	return buf;
}

/* One "[...]" item of --usage, wrapped at 79 columns. */
static void usage_item(FILE *out, const char *item, size_t *col)
{
	size_t n = strlen(item) + 3;

	if (*col + n > 79) {
		fputs("\n                ", out);
		*col = 16;
	}
	fprintf(out, " [%s]", item);
	*col += n;
}

/*
 * --usage: every option of the table, so that it cannot miss one; the
 * values' words as the errors name them ("--wait SEC").
 */
static void short_usage(FILE *out)
{
	char item[80], v[40], flags[N_OPTS + 2] = "-";
	size_t col = 16, nf = 1;

	fputs("Usage: coldtrace", out);
	for (size_t i = 0; i < N_OPTS; i++)
		if (opts[i].id < 256 && opts[i].arg == CT_OPT_NONE)
			flags[nf++] = (char)opts[i].id;
	flags[nf] = 0;
	usage_item(out, flags, &col);
	for (size_t i = 0; i < N_OPTS; i++) {
		const struct ct_opt *o = &opts[i];

		if (o->id < 256 && o->arg == CT_OPT_NONE)
			continue;
		if (o->id < 256)
			snprintf(item, sizeof(item), "-%c %s", o->id,
				 value_word(o));
		else if (o->arg == CT_OPT_NONE)
			snprintf(item, sizeof(item), "--%s", o->name);
		else if (o->arg == CT_OPT_OPTIONAL)
			snprintf(item, sizeof(item), "--%s[=%s]", o->name,
				 usage_value(o, v, sizeof(v)));
		else
			snprintf(item, sizeof(item), "--%s=%s", o->name,
				 usage_value(o, v, sizeof(v)));
		usage_item(out, item, &col);
	}
	usage_item(out, "-- COMMAND [ARG...]", &col);
	fputc('\n', out);
}

static int check_nonempty(const char *opt, const char *s, char *err,
			  size_t errlen)
{
	if (s[0])
		return 0;
	snprintf(err, errlen, "%s needs a non-empty argument", opt);
	return -1;
}

static int check_container(const char *s, char *err, size_t errlen)
{
	if (check_nonempty("--container", s, err, errlen))
		return -1;
	if (strlen(s) < CT_FILTER_MAX)
		return 0;
	snprintf(err, errlen, "--container: '%.40s...' is longer than any "
		 "id, name or NAMESPACE/POD (%d bytes at most)", s,
		 CT_FILTER_MAX - 1);
	return -1;
}

/* Here, not once the tracers are up: a typo must not cost a BPF load. */
static int check_listen(const char *s, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	char why[160];

	if (!httpd_parse_addr(s, &sa, why, sizeof(why)))
		return 0;
	snprintf(err, errlen, "--listen: %s", why);
	return -1;
}

/* Here too: a bad URL is refused before anything is loaded. */
static int check_otlp(const char *s, char *err, size_t errlen)
{
	struct ct_otlp_url u;
	char why[224];

	if (!ct_otlp_url_parse(s, &u, why, sizeof(why)))
		return 0;
	snprintf(err, errlen, "--otlp: %s", why);
	return -1;
}

/* Applies one option; returns 0 or -1. */
static int apply_opt(int c, const char *arg, struct ct_cli *cli, char *err,
		     size_t errlen)
{
	switch (c) {
	case 'r':
		return ct_cli_parse_runtimes(arg, &cli->runtime_mask, err,
					     errlen);
	case OPT_ENGINE:
		return ct_cli_parse_engines(arg, &cli->engine_mask, err,
					    errlen);
	case 'c':
		cli->container = arg;
		return check_container(arg, err, errlen);
	case 'd':
		return parse_seconds("--duration", arg, &cli->duration_s, err,
				     errlen);
	case 'i':
		return parse_seconds("--interval", arg, &cli->interval_s, err,
				     errlen);
	case 'w':
		cli->wait_set = true;
		return parse_seconds("--wait", arg, &cli->wait_s, err, errlen);
	case OPT_LISTEN:
		cli->listen = arg;
		return check_listen(arg, err, errlen);
	case OPT_METRICS_LABELS:
		return parse_labels(arg, &cli->metrics_labels, err, errlen);
	case OPT_OTLP:
		cli->otlp_url = arg;
		return check_otlp(arg, err, errlen);
	case 'o':
		cli->output_dir = arg;
		return check_nonempty("--output", arg, err, errlen);
	case 'j':
		cli->json = true;
		return 0;
	case 'T':
		cli->timestamps = true;
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
	case OPT_ARM:
		return parse_arm(arg, cli, err, errlen);
	case OPT_RINGBUF:
		return parse_ringbuf(arg, &cli->ringbuf_bytes, err, errlen);
	case OPT_PATHS:
		return parse_paths(arg, &cli->paths, err, errlen);
	case OPT_START_FILES:
		return parse_start_files(arg, &cli->start_files_s, err, errlen);
	case OPT_READY:
		return parse_ready(arg, cli, err, errlen);
	case OPT_WHY:
		return parse_why(arg, cli, err, errlen);
	case 'h':
	case OPT_USAGE:
	case 'V':
		/* printed once the whole line has been read (print_info()) */
		cli->info = c;
		return 0;
	default:
		snprintf(err, errlen, "option %d is not handled", c);
		return -1;
	}
}

bool ct_cli_continuous(const struct ct_cli *cli)
{
	return cli->listen && !cli->duration_s && !cli->cmd &&
	       !cli->replay_path;
}

/* A replay reads a file to its end and serves nothing. */
static int check_replay(const struct ct_cli *cli, char *err, size_t errlen)
{
	if (cli->cmd) {
		snprintf(err, errlen, "--replay analyses a file: it cannot "
			 "run a COMMAND");
		return -1;
	}
	if (cli->duration_s) {
		snprintf(err, errlen, "--replay reads the whole file: -d "
			 "(a live session's duration) does not apply");
		return -1;
	}
	if (cli->listen) {
		snprintf(err, errlen, "--replay ends when the file does: "
			 "--listen has nothing to serve (use -o DIR for "
			 "metrics.prom)");
		return -1;
	}
	return 0;
}

/*
 * -o takes a directory, but tools users come from take a format there
 * (kubectl -o json, bpftool -j, docker --format json): `-o json` would
 * make ./json silently.  A bare format word that names no existing
 * directory is refused, with the two ways to say what was meant.
 */
static int check_output_word(const char *dir, char *err, size_t errlen)
{
	static const char *const formats[] = { "json", "jsonl", "csv",
		"prom", "prometheus", "otlp", "trace", "table", "text" };
	struct stat st;

	if (!dir || !stat(dir, &st))
		return 0;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (strcmp(dir, formats[i]))
			continue;
		snprintf(err, errlen, "-o %s: -o takes a directory, where "
			 "every format is written (containers.jsonl, "
			 "phases.csv, metrics.prom, trace.json, ...); for JSON "
			 "Lines on stdout use -j; for a new directory named "
			 "%s, give -o ./%s", dir, dir, dir);
		return -1;
	}
	return 0;
}

static int check_combination(struct ct_cli *cli, char *err,
			     size_t errlen)
{
	if (cli->replay_path && check_replay(cli, err, errlen))
		return -1;
	if (cli->wait_set && !cli->cmd) {
		snprintf(err, errlen, "--wait is how long to wait after a "
			 "COMMAND (given after --): there is none");
		return -1;
	}
	if (cli->paths && cli->no_opens) {
		snprintf(err, errlen, "--paths needs the file-open tracer: "
			 "drop --no-opens");
		return -1;
	}
	if (cli->start_files_s && cli->no_opens) {
		snprintf(err, errlen, "--start-files needs the file-open "
			 "tracer: drop --no-opens");
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
	if (cli->metrics_labels && !cli->listen && !cli->output_dir) {
		snprintf(err, errlen, "--metrics-labels labels /metrics and "
			 "metrics.prom: give --listen or -o too");
		return -1;
	}
	/* continuous mode keeps no container for a label of its own */
	if (cli->metrics_labels && ct_cli_continuous(cli)) {
		snprintf(err, errlen, "--metrics-labels: continuous mode "
			 "(--listen without -d or COMMAND) keeps no series "
			 "per container; add -d");
		return -1;
	}
	if (cli->replay_path && cli->arm_set) {
		snprintf(err, errlen, "--arm says when a live session attaches "
			 "its hooks: a --replay has none");
		return -1;
	}
	if (cli->replay_path && cli->record_path) {
		snprintf(err, errlen, "--replay and --record cannot be used "
			 "together");
		return -1;
	}
	return check_output_word(cli->output_dir, err, errlen);
}

/* Reads and applies options up to "--": 0 or -1. */
static int parse_options(struct ct_optscan *s, struct ct_cli *cli, char *err,
			 size_t errlen)
{
	struct ct_opt_tok t;
	int ret;

	while ((ret = ct_optscan_next(s, &t, err, errlen)) ==
	       CT_OPTSCAN_OPT) {
		ret = apply_opt(t.def->id, t.arg, cli, err, errlen);
		if (ret)
			return ret;
	}
	return ret;
}

/*
 * -j anywhere before "--", read as ct_cli_parse() reads argv, so that the
 * 'j' of "-cj" or "-r json" is a value and a "-j" after "--" is COMMAND's.
 * It reads on past bad words (the scanner always moves on), and
 * "--json=1" counts: the user asked for JSON, with a value it refuses.
 * A word refused as an option's value ("-c -j") is read as the option it
 * looks like, as the parse's error message says.
 */
bool ct_cli_wants_json(int argc, char **argv)
{
	struct ct_optscan s = SCAN_INIT(argc, argv);
	char err[8];	/* the parse words the errors, not us */
	struct ct_opt_tok t;

	while (ct_optscan_next(&s, &t, err, sizeof(err)) != CT_OPTSCAN_END)
		if (t.def && t.def->id == 'j')
			return true;
	return false;
}

/*
 * -h, -V: only on a line that is otherwise valid words, so that `-V
 * extra` or `-h -- cmd` is refused rather than half obeyed.
 */
/* libbpf's, weak: the parser's unit tests link no libbpf. */
const char *libbpf_version_string(void) __attribute__((weak));

/*
 * -V as bpftool's: the version, the libbpf it runs on (the one it was
 * built with where none is linked), what it knows.  The kernel's own
 * features are the session's (-v), not the binary's.
 */
static void print_version(FILE *out)
{
	char names[128];

	fprintf(out, "coldtrace %s\nusing libbpf ", COLDTRACE_VERSION);
	if (libbpf_version_string)
		fputs(libbpf_version_string(), out);
	else
		fprintf(out, "v%d.%d", LIBBPF_MAJOR_VERSION,
			LIBBPF_MINOR_VERSION);
	fputs("\nruntimes:", out);
	for (int r = CT_RT_UNKNOWN + 1; r < CT_RT_MAX; r++)
		fprintf(out, " %s", ct_runtime_name(r));
	engine_names(names, sizeof(names), " ");
	fprintf(out, "\nengines: %s", names);
	fputs("\nfeatures: CO-RE, skeletons, syscall hooks fentry or tp_btf, "
	      "recording format " STR(CT_REC_VERSION) "\n", out);
}

static void print_help(FILE *out)
{
	char names[128];

	engine_names(names, sizeof(names), ",");
	fprintf(out, "%s      --engine=LIST     %s or all\n%s", usage_head,
		names, usage_tail);
}

static int print_info(const struct ct_cli *cli, FILE *out, char *err,
		      size_t errlen)
{
	if (cli->cmd) {
		snprintf(err, errlen, "%s takes no COMMAND",
			 cli->info == OPT_USAGE ? "--usage" :
			 cli->info == 'h' ? "-h" : "-V");
		return -1;
	}
	if (cli->info == 'h')
		print_help(out);
	else if (cli->info == OPT_USAGE)
		short_usage(out);
	else
		print_version(out);
	return CT_CLI_EXIT_OK;
}

enum ct_cli_result ct_cli_parse(int argc, char **argv, struct ct_cli *cli,
				FILE *out, char *err, size_t errlen)
{
	struct ct_optscan s = SCAN_INIT(argc, argv);
	int ret;

	memset(cli, 0, sizeof(*cli));
	cli->wait_s = 10;
	err[0] = 0;
	ret = parse_options(&s, cli, err, errlen);
	if (!ret && s.next < argc)
		cli->cmd = &argv[s.next];
	if (!ret && cli->info)
		ret = print_info(cli, out, err, errlen);
	if (ret > 0)
		return CT_CLI_EXIT_OK;
	if (ret || check_combination(cli, err, errlen)) {
		/* parsing stopped at the error: -j may come after it */
		cli->json = ct_cli_wants_json(argc, argv);
		return CT_CLI_ERROR;
	}
	return CT_CLI_OK;
}
