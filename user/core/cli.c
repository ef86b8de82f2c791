// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Option parsing for coldtrace: the options, a row each (opts[]: the
 * scanner's entry, what it does, its --help lines and man page text;
 * --usage, and the man page's OPTIONS and the completion's option words
 * that tools/cli-doc.sh writes, follow from them) and their
 * combinations; --help and --usage are made from the rows by cli_help.c,
 * the words are read by optscan.c, the values by cli_values.c.  Kept free of side effects (no exit(), no globals) so
 * that tests/unit/test_cli.c can run every case in-process.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/libbpf_version.h>

#include "cli.h"
#include "cli_values.h"
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

/* cli->info for --usage ('h' and 'V' are their letters) */
#define INFO_USAGE	256

#define PATHS_DEFAULT	5
#define PATHS_MAX	CT_OPENS_SLOW_K	/* what the kernel keeps */
/* --start-files: seconds; within --arm=auto's 30 s of a runtime's start */
#define START_FILES_DEFAULT	10
#define START_FILES_MAX		300

/* ---- what each option does: its row's apply ---- */

#define FIELD(cli, o, type)	((type *)((char *)(cli) + (o)->off))

/* -j, -T, -v, --dump, --no-opens, --no-pulls */
static int opt_flag(const struct ct_opt *o, const char *arg,
		    struct ct_cli *cli, char *err, size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	*FIELD(cli, o, bool) = true;
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

/* -o, --record, --replay: a path, kept as given */
static int opt_path(const struct ct_opt *o, const char *arg,
		    struct ct_cli *cli, char *err, size_t errlen)
{
	char name[32];

	*FIELD(cli, o, const char *) = arg;
	snprintf(name, sizeof(name), "--%s", o->name);
	return check_nonempty(name, arg, err, errlen);
}

/* -d, -i, -w: seconds */
static int opt_seconds(const struct ct_opt *o, const char *arg,
		       struct ct_cli *cli, char *err, size_t errlen)
{
	char name[32];

	snprintf(name, sizeof(name), "--%s", o->name);
	return ct_cli_parse_seconds(name, arg, FIELD(cli, o, double), err,
				    errlen);
}

static int opt_wait(const struct ct_opt *o, const char *arg,
		    struct ct_cli *cli, char *err, size_t errlen)
{
	cli->wait_set = true;
	return opt_seconds(o, arg, cli, err, errlen);
}

static int opt_runtime(const struct ct_opt *o, const char *arg,
		       struct ct_cli *cli, char *err, size_t errlen)
{
	(void)o;
	return ct_cli_parse_runtimes(arg, &cli->runtime_mask, err, errlen);
}

static int opt_engine(const struct ct_opt *o, const char *arg,
		      struct ct_cli *cli, char *err, size_t errlen)
{
	(void)o;
	return ct_cli_parse_engines(arg, &cli->engine_mask, err, errlen);
}

static int opt_labels(const struct ct_opt *o, const char *arg,
		      struct ct_cli *cli, char *err, size_t errlen)
{
	(void)o;
	return ct_cli_parse_labels(arg, &cli->metrics_labels, err, errlen);
}

static int opt_ringbuf(const struct ct_opt *o, const char *arg,
		       struct ct_cli *cli, char *err, size_t errlen)
{
	(void)o;
	return ct_cli_parse_ringbuf(arg, &cli->ringbuf_bytes, err, errlen);
}

static int opt_container(const struct ct_opt *o, const char *arg,
			 struct ct_cli *cli, char *err, size_t errlen)
{
	(void)o;
	cli->container = arg;
	if (check_nonempty("--container", arg, err, errlen))
		return -1;
	if (strlen(arg) < CT_FILTER_MAX)
		return 0;
	snprintf(err, errlen, "--container: '%.40s...' is longer than any "
		 "id, name or NAMESPACE/POD (%d bytes at most)", arg,
		 CT_FILTER_MAX - 1);
	return -1;
}

/* Here, not once the tracers are up: a typo must not cost a BPF load. */
static int opt_listen(const struct ct_opt *o, const char *arg,
		      struct ct_cli *cli, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	char why[160];

	(void)o;
	cli->listen = arg;
	if (!httpd_parse_addr(arg, &sa, why, sizeof(why)))
		return 0;
	snprintf(err, errlen, "--listen: %s", why);
	return -1;
}

/* Here too: a bad URL is refused before anything is loaded. */
static int opt_otlp(const struct ct_opt *o, const char *arg,
		    struct ct_cli *cli, char *err, size_t errlen)
{
	struct ct_otlp_url u;
	char why[224];

	(void)o;
	cli->otlp_url = arg;
	if (!ct_otlp_url_parse(arg, &u, why, sizeof(why)))
		return 0;
	snprintf(err, errlen, "--otlp: %s", why);
	return -1;
}

/* --why[=sites|states|user]: the wait sites (docs/why.md) unless
 * states; with user, their user stacks too. */
static int opt_why(const struct ct_opt *o, const char *s,
		   struct ct_cli *cli, char *err, size_t errlen)
{
	(void)o;
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
static int opt_paths(const struct ct_opt *o, const char *s,
		     struct ct_cli *cli, char *err, size_t errlen)
{
	long long v;

	(void)o;
	if (!s) {
		cli->paths = PATHS_DEFAULT;
		return 0;
	}
	if (ct_cli_parse_whole("--paths", s, 1, PATHS_MAX, &v, err, errlen))
		return -1;
	cli->paths = v;
	return 0;
}

/* --start-files[=S]: S in 1..START_FILES_MAX s, the default without S. */
static int opt_start_files(const struct ct_opt *o, const char *s,
			   struct ct_cli *cli, char *err, size_t errlen)
{
	long long v = START_FILES_DEFAULT;

	(void)o;
	if (s && ct_cli_parse_whole("--start-files", s, 1, START_FILES_MAX,
				    &v, err, errlen))
		return -1;
	cli->start_files_s = v;
	return 0;
}

static int opt_ready(const struct ct_opt *o, const char *s,
		     struct ct_cli *cli, char *err, size_t errlen)
{
	int m = ct_ready_mode_from_name(s);

	(void)o;
	if (m < 0) {
		snprintf(err, errlen, "--ready: unknown marker '%.32s' "
			 "(known: listen, exec, none)", s);
		return -1;
	}
	cli->ready_mode = m;
	cli->ready_set = true;
	return 0;
}

static int opt_arm(const struct ct_opt *o, const char *s,
		   struct ct_cli *cli, char *err, size_t errlen)
{
	(void)o;
	if (strcmp(s, "auto") && strcmp(s, "always")) {
		snprintf(err, errlen, "--arm: unknown value '%.32s' (auto or "
			 "always)", s);
		return -1;
	}
	cli->arm_always = !strcmp(s, "always");
	cli->arm_set = true;
	return 0;
}

/* -h, --usage, -V: printed once the whole line has been read
 * (print_info()) */
static int opt_info(const struct ct_opt *o, const char *arg,
		    struct ct_cli *cli, char *err, size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	cli->info = o->id ? o->id : INFO_USAGE;
	return 0;
}

#define AT(field)	offsetof(struct ct_cli, field)

/*
 * The options, in --help's order (and --usage's, and the order
 * ambiguous prefixes are listed in).  No short option has an optional
 * value: the scanner relies on it.  --engine's first help line names
 * the engines' table (print_help()).
 */
static const struct ct_opt opts[] = {
	{ "runtime", 'r', CT_OPT_REQUIRED, "a LIST", .apply = opt_runtime,
	  .help = "runc,crun,runsc,kata or all (default all)",
	  .man = "trace only these runtimes: runc, crun, runsc, kata\n"
		 "(comma separated), or all (the default).\n" },
	{ "engine", 0, CT_OPT_REQUIRED, "a LIST", .apply = opt_engine,
	  .help = "%s or all\n"
		  "(default all): who asked for the container",
	  .man = "only containers asked for by these engines: docker,\n"
		 "containerd, podman, cri, direct (a runtime run by hand),\n"
		 "buildah (an image build's step: buildah run, buildah\n"
		 "build and podman build), or all (the default).\n"
		 "With \\fB\\-r\\fR, this is also the scope of /metrics:\n"
		 "every runtime and engine in it is exported from the\n"
		 "first scrape, at 0 before its first container.\n" },
	{ "container", 'c', CT_OPT_REQUIRED, "a PREFIX|NAME|NS/POD",
	  .apply = opt_container,
	  .help = "only containers whose id starts with PREFIX\n"
		  "(such as docker ps's 12 hex digits), whose\n"
		  "name is NAME, or of the Kubernetes pod NS/POD\n"
		  "(its sandbox and containers) or namespace NS/",
	  .man_value = "\\fIPREFIX\\fR|\\fINAME\\fR|\\fINAMESPACE\\fR/[\\fIPOD\\fR]",
	  .man = "only containers whose id starts with PREFIX (as the 12\n"
		 "hex digits docker ps shows) or whose name is NAME\n"
		 "(whole, not a prefix of it), or, under Kubernetes, the\n"
		 "pod NAMESPACE/POD as kubectl names it (its sandbox and\n"
		 "its app containers) or every pod of NAMESPACE/.\n"
		 "When it kept none of the containers seen, the end says\n"
		 "so.\n" },
	{ "duration", 'd', CT_OPT_REQUIRED, "SEC", .apply = opt_seconds,
	  .off = AT(duration_s),
	  .help = "stop after SEC seconds (default: until Ctrl-C,\n"
		  "or until COMMAND exits)",
	  .man = "stop after SEC seconds.\n" },
	{ "output", 'o', CT_OPT_REQUIRED, "a DIR", .apply = opt_path,
	  .off = AT(output_dir),
	  .help = "write containers.jsonl, restarts.jsonl, phases.csv,\n"
		  "summary.json, metrics.prom, trace.json,\n"
		  "otlp-traces.jsonl, pulls.jsonl, chains.jsonl,\n"
		  "start-files.jsonl, start-files-images.jsonl,\n"
		  "waits.folded, waits.pb.gz, hist/ into DIR",
	  .man = "write containers.jsonl, restarts.jsonl, phases.csv,\n"
		 "summary.json, metrics.prom, trace.json,\n"
		 "otlp-traces.jsonl, pulls.jsonl, chains.jsonl,\n"
		 "start-files.jsonl, start-files-images.jsonl,\n"
		 "waits.folded, waits.pb.gz and hist/ into DIR.  A\n"
		 "format's name that is no existing directory (\"-o\n"
		 "json\", as kubectl's -o) is refused: -j writes JSON\n"
		 "Lines to stdout, -o ./json makes a directory of that\n"
		 "name.\n" },
	{ "json", 'j', CT_OPT_NONE, NULL, .apply = opt_flag, .off = AT(json),
	  .help = "JSON Lines on stdout, one object per container",
	  .man = "JSON Lines on stdout, one object per container; image\n"
		 "pulls (\"type\": \"pull\") and cold-start chains\n"
		 "(\"type\": \"chain\": the containers one process asked\n"
		 "for, one after another) as lines of their own.\n" },
	{ "timestamps", 'T', CT_OPT_NONE, NULL, .apply = opt_flag,
	  .off = AT(timestamps),
	  .help = "the table's first column: when each container\n"
		  "began, local wall-clock time (HH:MM:SS.mmm)",
	  .man = "the table's first column: when each container began (its\n"
		 "first phase), local wall-clock time as HH:MM:SS.mmm.\n" },
	{ "interval", 'i', CT_OPT_REQUIRED, "SEC", .apply = opt_seconds,
	  .off = AT(interval_s),
	  .help = "print a running summary every SEC seconds (and\n"
		  "rewrite -o DIR's files)",
	  .man = "print a running summary every SEC seconds, and rewrite\n"
		 "the files of \\fB\\-o\\fR (summary.json then says\n"
		 "\"final\": false).\n"
		 "In continuous mode the files of \\fB\\-o\\fR are\n"
		 "rewritten every 60 seconds without \\fB\\-i\\fR (and no\n"
		 "running summary is printed); \\fB\\-i\\fR sets another\n"
		 "period.\n" },
	{ "listen", 0, CT_OPT_REQUIRED, "ADDR:PORT", .apply = opt_listen,
	  .help = "serve Prometheus text on /metrics and /healthz\n"
		  "(numeric IPv4: 127.0.0.1:9466 loopback only,\n"
		  "0.0.0.0:9466 every interface; :9466 is refused);\n"
		  "without -d and COMMAND:\n"
		  "continuous mode, -o DIR rewritten every -i SEC\n"
		  "(default " STR(CT_CLI_CONTINUOUS_REWRITE_S) " s)",
	  .man = "serve Prometheus text format on\n"
		 ".I /metrics\n"
		 "and a liveness answer on\n"
		 ".IR /healthz .\n"
		 "ADDR is a numeric IPv4 address: 127.0.0.1:9466 serves\n"
		 "loopback only, 0.0.0.0:9466 every interface.\n"
		 "An empty ADDR (\":9466\") is refused (status 2): Go's\n"
		 "exporters take it for every interface, earlier coldtrace\n"
		 "versions for loopback, and either reading would surprise\n"
		 "someone.\n"
		 "The start says where it serves, in one line\n"
		 "(\\fI/metrics and /healthz on http://127.0.0.1:9466\n"
		 "(loopback only; ...)\\fR).\n"
		 "Host names, IPv6 and ports outside 1..65535 are refused\n"
		 "with the other options (status 2), before anything is\n"
		 "loaded.\n"
		 "Not with \\fB\\-\\-replay\\fR.\n"
		 "The server is driven from the event loop and never\n"
		 "blocks it: at most 16 connections, 4 KiB per request, 5\n"
		 "s per connection; other paths get 404, malformed\n"
		 "requests 400, methods other than GET/HEAD 405, oversized\n"
		 "requests 431 and connections beyond the limit 503.\n"
		 "Without \\fB\\-d\\fR and \\fICOMMAND\\fR this is\n"
		 "continuous mode, for sessions of days: every container\n"
		 "is folded into fixed-size statistics (percentiles within\n"
		 "1 %), only the last 32 records are kept for the files of\n"
		 "\\fB\\-o\\fR, and memory stays flat.\n" },
	{ "otlp", 0, CT_OPT_REQUIRED, "a URL", .apply = opt_otlp,
	  .help = "also send each container, image pull and chain,\n"
		  "as it ends, to an OpenTelemetry collector: OTLP\n"
		  "over HTTP in protobuf, such as\n"
		  "http://127.0.0.1:4318 (no path: /v1/traces;\n"
		  "http only); a collector down or slow never holds\n"
		  "tracing up, what it did not take is counted",
	  .man = "also send each container, image pull and chain, as it\n"
		 "ends, to an OpenTelemetry collector: one trace each\n"
		 "(docs/output.md), as OTLP/HTTP in protobuf.\n"
		 "URL is\n"
		 "\\fBhttp://\\fIHOST\\fR[\\fB:\\fIPORT\\fR][\\fI/PATH\\fR]:\n"
		 "without PATH (or with \"/\") the request goes to\n"
		 "/v1/traces, as OpenTelemetry's exporters do; without\n"
		 "PORT to 80 (a collector's OTLP/HTTP port is 4318).\n"
		 "https is refused (send to a collector on the same host\n"
		 "or pod, which forwards over TLS), and so is a malformed\n"
		 "URL, with the other options (status 2).\n"
		 "Records are queued (512 records, 8 MiB at most) and sent\n"
		 "by a thread of their own, so that a collector down, slow\n"
		 "or answering errors never slows or stops tracing: a\n"
		 "record that finds the queue full is dropped; no answer,\n"
		 "429, 502, 503 and 504 are retried 5 times with an\n"
		 "exponential backoff (0.5 s doubling to 8 s, jittered, or\n"
		 "the Retry-After asked for), any other status drops the\n"
		 "spans as rejected.\n"
		 "Each attempt has 3 s to connect and 10 s in all.\n"
		 "At the end the queue is sent for 5 s at most.\n"
		 "Every span is counted, sent or dropped by reason\n"
		 "(queue_full, retries_exhausted, rejected, shutdown), in\n"
		 "the summary's \\fB\"otlp\"\\fR object and the\n"
		 "\\fBcoldtrace_otlp_*\\fR families.\n"
		 "Works with \\fB\\-\\-replay\\fR too, which needs no\n"
		 "root.\n" },
	{ "metrics-labels", 0, CT_OPT_REQUIRED, "a LIST", .apply = opt_labels,
	  .help = "also label /metrics and metrics.prom per container\n"
		  "by id, name, and a pod's namespace and pod (a\n"
		  "series each: for small hosts only)",
	  .man = "also label /metrics and metrics.prom per container, LIST\n"
		 "of \\fBid\\fR, \\fBname\\fR, \\fBnamespace\\fR and\n"
		 "\\fBpod\\fR: \\fBcontainer_id\\fR,\n"
		 "\\fBcontainer_name\\fR, and a Kubernetes pod's\n"
		 "\\fBk8s_namespace\\fR and \\fBk8s_pod\\fR (empty outside\n"
		 "pods; needs \\fB\\-\\-listen\\fR or \\fB\\-o\\fR; not in\n"
		 "continuous mode, which keeps no series per container).\n"
		 "Every container then has series of its own: for small\n"
		 "hosts only.\n" },
	{ "wait", 'w', CT_OPT_REQUIRED, "SEC", .apply = opt_wait,
	  .off = AT(wait_s),
	  .help = "with COMMAND: wait up to SEC seconds after it\n"
		  "exits for its containers to be destroyed (10)",
	  .man = "with \\fICOMMAND\\fR: wait up to SEC seconds (default\n"
		 "10) after it exits for its containers to be destroyed.\n" },
	{ "record", 0, CT_OPT_REQUIRED, "a FILE", .apply = opt_path,
	  .off = AT(record_path),
	  .help = "also save the raw event stream into FILE",
	  .man = "save the raw event stream, or analyse a saved one\n"
		 "without root.\n"
		 "FILE is written in place from the start (never through a\n"
		 "symlink) and every record reaches it within 100 ms, so\n"
		 "that a killed coldtrace leaves a recording of all but\n"
		 "its last moments; a write error (a full disk) is said at\n"
		 "once.  A clean end appends an end mark.\n"
		 "The file says its format version: this coldtrace writes\n"
		 "version 2 and reads versions 1 and 2; a newer one is\n"
		 "refused, not misread.  Version 2 has the syscall hooks'\n"
		 "attaches and detaches (\\fB\\-\\-arm\\fR): a version 1\n"
		 "recording was made with them always attached.\n" },
	{ "replay", 0, CT_OPT_REQUIRED, "a FILE", .apply = opt_path,
	  .off = AT(replay_path),
	  .help = "analyse a saved stream (no root needed)",
	  .man_joined = true },
	{ "dump", 0, CT_OPT_NONE, NULL, .apply = opt_flag, .off = AT(dump),
	  .help = "print raw events as text (debugging)",
	  .man = "print the raw events as text (debugging).\n" },
	{ "no-opens", 0, CT_OPT_NONE, NULL, .apply = opt_flag,
	  .off = AT(no_opens),
	  .help = "do not trace file-open latency",
	  .man = "do not trace file-open latency (no open histograms, no\n"
		 "\\fB\\-\\-paths\\fR; \\fB\\-\\-ready\\fR defaults to\n"
		 "exec).\n" },
	{ "no-pulls", 0, CT_OPT_NONE, NULL, .apply = opt_flag,
	  .off = AT(no_pulls),
	  .help = "do not trace image pulls (spares every host\n"
		  "process's read/write/close a BPF hook)",
	  .man = "do not trace image pulls: spares every host process's\n"
		 "read, write and close a BPF hook.\n" },
	{ "arm", 0, CT_OPT_REQUIRED, "auto or always", .apply = opt_arm,
	  .metavar = "WHEN",
	  .help = "when the syscall hooks are attached: auto (while\n"
		  "a container starts, up to its ready, while it is\n"
		  "removed or an image is pulled, in an engine\n"
		  "client's or runtime's first 30 s, and while\n"
		  "COMMAND runs; detached after 2 s idle, so running\n"
		  "containers cost the host nothing; the default) or\n"
		  "always (every open of a container's whole life)",
	  .man = "when the syscall hooks (sys_enter, sys_exit,\n"
		 "sched_switch) are attached.\n"
		 ".B auto\n"
		 "(the default): while a container coldtrace follows is in\n"
		 "its cold start (until its ready phase ends; without one,\n"
		 "30 s after its start ends) or in its removal (from its\n"
		 "die on), an image pull's blob files are open, an engine\n"
		 "client, runtime or CNI plugin it saw start is in its\n"
		 "first 30 s (a client that lives on, such as a foreground\n"
		 ".BR \"docker run\" ,\n"
		 "holds them no longer), a client waits for its stdin\n"
		 "data, or COMMAND runs; detached after 2 s idle, so that\n"
		 "with containers running and none starting, the host's\n"
		 "syscalls take the kernel's fast path.  The exec of such\n"
		 "a program, or a shim or monitor, attaches them again\n"
		 "within a millisecond, unless its command only reads (an\n"
		 "exec into a running container, as healthchecks and exec\n"
		 "probes run\n"
		 ".BR \"runc exec\" ,\n"
		 "or a listing such as\n"
		 ".BR \"docker ps\" ).\n"
		 "A container whose runtime began while they were detached\n"
		 "is marked\n"
		 ".B unarmed\n"
		 "and counted; one that ran on after they were detached\n"
		 "has\n"
		 ".B opens.traced_until_ns\n"
		 "(its later opens are counted only while another start or\n"
		 "removal had them attached) and is counted in\n"
		 ".BR opens_cut_containers .\n"
		 "On kernels with fentry, runsc's stub sys_exit, which\n"
		 "puts every syscall of the host on the slow path, joins\n"
		 "them only at the exec of a runsc and leaves with them: a\n"
		 "runsc container's later opens are counted only while a\n"
		 "runsc start or removal had it attached.\n"
		 ".B always\n"
		 "keeps them attached for the whole session.\n" },
	{ "ringbuf", 0, CT_OPT_REQUIRED, "a SIZE", .apply = opt_ringbuf,
	  .help = "event ring buffer: a power of two from "
		  CT_RINGBUF_RANGE ",\n"
		  "such as 512K or 8M (a plain number is MiB;\n"
		  "default " STR(CT_RINGBUF_DEFAULT_MIB) "M); larger if "
		  "events are lost",
	  .man = "size of the ring buffer that carries events from the\n"
		 "kernel: a power of two from 64K to 1G, with a K, M or G\n"
		 "suffix (a plain number is MiB).\n"
		 "The default, 2M, holds four times the most bytes\n"
		 "outstanding measured under the fastest process and\n"
		 "container churn of a 2-CPU host (about 15,000 events/s)\n"
		 "while coldtrace keeps up.\n"
		 "Give more when the summary reports lost events,\n"
		 "typically when coldtrace is starved of CPU: a reader\n"
		 "held up for a while needs the bytes produced meanwhile\n"
		 "(a record takes 174 bytes on average; that churn\n"
		 "produces about 2.9 MB/s, so 2M holds 0.7 s of it).\n"
		 "Each MiB costs one MiB of kernel memory, counted twice\n"
		 "in coldtrace's RSS (the data pages are mapped twice);\n"
		 "\\fB\\-v\\fR prints, at the end, the most bytes each\n"
		 "ring buffer held.\n" },
	{ "paths", 0, CT_OPT_OPTIONAL, "N", .apply = opt_paths,
	  .help = "show the N slowest file opens per container with\n"
		  "their paths (default 5, at most " STR(CT_OPENS_SLOW_K)
		  ")",
	  .man = "show the N slowest file opens of each container with\n"
		 "their paths (default 5, at most 16).\n" },
	{ "start-files", 0, CT_OPT_OPTIONAL, "S", .apply = opt_start_files,
	  .help = "list the files each runc or crun container opens\n"
		  "before it is ready, at most S seconds after its\n"
		  "program's exec (default " STR(START_FILES_DEFAULT)
		  ", at most " STR(START_FILES_MAX) "), first touch\n"
		  "first, with sizes: into -o DIR's start-files.jsonl,\n"
		  "which ctr-remote's --estargz-record-in reads, and\n"
		  "per image into start-files-images.jsonl",
	  .man = "list the regular files each runc or crun container opens\n"
		 "at its start, each path once, first touch first, with\n"
		 "its size: until the end of its ready phase, at most S\n"
		 "seconds after its program's exec (default 10, at most\n"
		 "300).  Each container's record gets a\n"
		 ".B start_files\n"
		 "summary; the lists go to\n"
		 ".BR \\-o 's\n"
		 "start-files.jsonl, in the format that ctr-remote's image\n"
		 "convert reads as its estargz record of files to\n"
		 "prioritize (docs/start-files.md), and folded per image\n"
		 "(each path once, by its containers' median offset, with\n"
		 "how many of them read it) to start-files-images.jsonl.\n" },
	{ "why", 0, CT_OPT_OPTIONAL, "sites, states or user", .apply = opt_why,
	  .metavar = "sites",
	  .help = "split each phase into cpu / runq / io / sleep time\n"
		  "of the process that carries it (loads a sched\n"
		  "tracer for shims, runtimes, CNI plugins and their\n"
		  "children), and its off-CPU time into wait sites:\n"
		  "the kernel function each wait waited in and the\n"
		  "task that woke it; --why=states: the split only;\n"
		  "--why=user: the sites with each wait's user stack\n"
		  "(Go functions named from the binary's own table)\n"
		  "prepare and disconnect have none, said so: the\n"
		  "engine's threads (dockerd's) serve every request",
	  .man_value = "\\fIWHAT\\fR",
	  .man = "split each phase into cpu, runq, io and sleep time of\n"
		 "the process that carries it and its children (loads a\n"
		 "scheduler tracer for shims, runtimes, CNI plugins and\n"
		 "their children), and its off-CPU time into wait sites:\n"
		 "the kernel function each wait waited in, the syscall,\n"
		 "and the task that woke it, a futex or epoll wait\n"
		 "followed to its waker's (JSON \"waits\", waits.folded\n"
		 "and waits.pb.gz in \\-o DIR,\n"
		 "coldtrace_phase_wait_seconds_total).\n"
		 ".B \\-\\-why=states\n"
		 "takes no stacks and no wakers: the split only.\n"
		 ".B \\-\\-why=user\n"
		 "takes each wait's user stack too, its Go functions named\n"
		 "from the binary's own line table (docs/gosym.md), below\n"
		 "the kernel's frames in waits.folded and waits.pb.gz; in\n"
		 "runc, a wait whose thread shows only the Go runtime's\n"
		 "frames gets, above \"[goroutine]\", those of the goroutine\n"
		 "that parked on it (a uprobe on runc's runtime.gopark:\n"
		 "docs/why.md).\n" },
	{ "ready", 0, CT_OPT_REQUIRED, "a MARKER", .apply = opt_ready,
	  .help = "when a container is ready (end of the ready\n"
		  "phase and of cold_start_ns): listen (its first\n"
		  "successful listen(2); the default), exec (its\n"
		  "program's exec) or none; with --no-opens: exec",
	  .man = "when a container is ready (the end of the ready phase\n"
		 "and of cold_start_ns):\n"
		 ".B listen\n"
		 "(its first successful listen(2); the default),\n"
		 ".B exec\n"
		 "(its program's exec) or\n"
		 ".BR none .\n" },
	{ "verbose", 'v', CT_OPT_NONE, NULL, .apply = opt_flag,
	  .off = AT(verbose),
	  .help = "libbpf and attach diagnostics; at the end, the most\n"
		  "bytes each ring buffer held",
	  .man = "libbpf and attach diagnostics; at the end, how full each\n"
		 "ring buffer got.\n" },
	{ "help", 'h', CT_OPT_NONE, NULL, .alias = '?', .apply = opt_info,
	  .help = "this help",
	  .man = "all options, with examples.\n" },
	{ "usage", 0, CT_OPT_NONE, NULL, .apply = opt_info,
	  .help = "a short usage message",
	  .man = "a short usage message listing every option.\n" },
	{ "version", 'V', CT_OPT_NONE, NULL, .apply = opt_info,
	  .help = "print the version",
	  .man = "print the version, the libbpf it runs on, the runtimes\n"
		 "and engines it knows, and its features (the recording\n"
		 "format it writes).\n" },
};

#define N_OPTS		(sizeof(opts) / sizeof(opts[0]))
#define SCAN_INIT(c, v)	{ .opts = opts, .nopts = N_OPTS, .argc = (c), \
			  .argv = (v), .next = 1 }

const struct ct_opt *ct_cli_options(size_t *n)
{
	*n = N_OPTS;
	return opts;
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
		ret = t.def->apply(t.def, t.arg, cli, err, errlen);
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
	ct_cli_engine_names(names, sizeof(names), " ");
	fprintf(out, "\nengines: %s", names);
	fputs("\nfeatures: CO-RE, skeletons, syscall hooks fentry or tp_btf, "
	      "recording format " STR(CT_REC_VERSION) "\n", out);
}

static int print_info(const struct ct_cli *cli, FILE *out, char *err,
		      size_t errlen)
{
	if (cli->cmd) {
		snprintf(err, errlen, "%s takes no COMMAND",
			 cli->info == INFO_USAGE ? "--usage" :
			 cli->info == 'h' ? "-h" : "-V");
		return -1;
	}
	if (cli->info == 'h')
		ct_cli_print_help(out, opts, N_OPTS);
	else if (cli->info == INFO_USAGE)
		ct_cli_print_usage(out, opts, N_OPTS);
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
