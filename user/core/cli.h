/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Command-line parsing: pure, so that unit tests cover every option. */
#ifndef __CT_CLI_H
#define __CT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ct_cli {
	uint32_t runtime_mask;		/* bit per enum ct_runtime; 0 = all */
	uint32_t engine_mask;		/* bit per enum ct_engine_kind; 0 = all */
	const char *container;		/* -c: container-id prefix filter */
	double duration_s;		/* 0 = until Ctrl-C / COMMAND exits */
	double interval_s;		/* 0 = no running summary */
	double wait_s;			/* COMMAND mode: wait for destroy */
	bool wait_set;			/* -w given (needs a COMMAND) */
	const char *output_dir;
	const char *listen;		/* --listen ADDR:PORT, NULL = off */
	const char *otlp_url;		/* --otlp URL (otlp_url.h), NULL = off */
	unsigned int metrics_labels;	/* enum ct_prom_label bits (prom.h) */
	const char *record_path;
	const char *replay_path;
	bool json;
	bool timestamps;		/* -T: the table's wall-clock column */
	bool verbose;
	bool dump;			/* print raw events (debugging) */
	bool no_opens;			/* skip the open-latency tracer */
	bool no_pulls;			/* skip the image pull tracer */
	bool arm_always;		/* --arm=always: never detach (arm.h) */
	bool arm_set;			/* --arm given */
	size_t ringbuf_bytes;		/* 0 = the loader's default */
	unsigned int paths;		/* --paths: slowest opens shown per
					 * container, 0 = off */
	unsigned int start_files_s;	/* --start-files: window, s; 0 = off */
	int ready_mode;			/* enum ct_ready_mode (ready.h) */
	bool ready_set;			/* --ready given */
	bool why;			/* --why: per-phase time split */
	bool why_states;		/* --why=states: no wait sites */
	bool why_user;			/* --why=user: their user stacks too */
	char **cmd;			/* NULL-terminated COMMAND, or NULL */
	int info;			/* 'h' or 'V': print that, exit */
};

/*
 * Continuous mode (--listen without -d or COMMAND) rewrites -o DIR this
 * often when -i is not given: a session of days must not keep its files
 * only for its end (session.h: ct_session_period()).
 */
#define CT_CLI_CONTINUOUS_REWRITE_S	60

enum ct_cli_result {
	CT_CLI_OK = 0,
	CT_CLI_EXIT_OK = 1,		/* --help, --usage, --version printed */
	CT_CLI_ERROR = -1,		/* message in err */
};

/*
 * Parses argv (not modified; cmd points into it).  COMMAND is what follows
 * a literal "--"; any other word that is not an option is an error.  On
 * CT_CLI_ERROR only cli->json is meaningful (ct_cli_wants_json()).
 */
enum ct_cli_result ct_cli_parse(int argc, char **argv, struct ct_cli *cli,
				FILE *out, char *err, size_t errlen);

/*
 * Whether argv asks for JSON (-j, --json, a cluster such as -vj) before
 * any "--", even if ct_cli_parse() refuses argv: main() then reports the
 * error as JSON on stdout too.  On CT_CLI_ERROR, ct_cli_parse() already
 * stores this in cli->json.
 */
bool ct_cli_wants_json(int argc, char **argv);

/*
 * Continuous mode: --listen without -d, COMMAND or --replay (README
 * "Continuous mode").
 */
bool ct_cli_continuous(const struct ct_cli *cli);

/*
 * "runc,crun" / "all" -> mask; returns -1 and fills err on an unknown or
 * empty item, or on "all" inside a list.
 */
int ct_cli_parse_runtimes(const char *list, uint32_t *mask, char *err,
			  size_t errlen);
/* The same for --engine: "cri,podman" / "all". */
int ct_cli_parse_engines(const char *list, uint32_t *mask, char *err,
			 size_t errlen);

struct ct_opt;

/*
 * The options' rows, in --help's order, and how many (tests/cli_doc.c
 * prints the man page's OPTIONS and the completion's words from them).
 */
const struct ct_opt *ct_cli_options(size_t *n);
/* A row's value as --help names it: its metavar, or "a LIST" as LIST. */
const char *ct_cli_metavar(const struct ct_opt *o);
/* --help and --usage, from the rows (cli_help.c) */
void ct_cli_print_help(FILE *out, const struct ct_opt *opts, size_t n_opts);
void ct_cli_print_usage(FILE *out, const struct ct_opt *opts,
			size_t n_opts);

/* --start-files' window in ns (0: off), for the kernel and userspace */
static inline uint64_t ct_cli_start_files_ns(const struct ct_cli *cli)
{
	return cli->start_files_s * 1000000000ull;
}

#endif /* __CT_CLI_H */
