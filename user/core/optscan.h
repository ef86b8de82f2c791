/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The command line's scanner, given a table of options (cli.c's).
 * Our own, not getopt_long(): getopt reports `--json=1` as an unknown
 * '-j', takes `--replay` as the FILE of `--record --replay F`, and keeps
 * its state in globals, while ct_cli_wants_json() must walk argv again
 * after a failed parse, word for word as the parse did.
 *
 * Long options by their name or a prefix of only one ("--dur=3"), short
 * ones in clusters ("-jvd5", "-rrunc"), or their alias (-? is -h).  No
 * short option may have an optional value.  COMMAND starts after "--"
 * only.  A row of the table is all there is of an option: the scanner
 * reads the first fields, the caller the rest (cli.c: what it does, its
 * --help; tools/cli-doc.sh: the man page's and the completion's).
 */
#ifndef __CT_OPTSCAN_H
#define __CT_OPTSCAN_H

#include <stdbool.h>
#include <stddef.h>

enum ct_opt_arg { CT_OPT_NONE, CT_OPT_REQUIRED, CT_OPT_OPTIONAL };

struct ct_cli;

struct ct_opt {
	const char *name;	/* --name */
	int id;			/* the -x letter, 0 for long only */
	enum ct_opt_arg arg;
	const char *value;	/* for "--record needs a FILE" */
	int alias;		/* another letter for it (-? is -h), or 0 */
	/* the caller's: what the option does (at off in cli, if it sets a
	 * field): 0, or -1 with err said */
	int (*apply)(const struct ct_opt *o, const char *arg,
		     struct ct_cli *cli, char *err, size_t errlen);
	size_t off;
	/* --help: the value's word (NULL: value's, "a LIST" as LIST), and
	 * the lines that say what it does, '\n' between */
	const char *metavar;
	const char *help;
	/* the man page's OPTIONS (tools/cli-doc.sh): the value's word in
	 * roff (NULL: --help's, in italics); what it does, roff (NULL: the
	 * --help lines); its name joined to the row before's, whose text
	 * says both */
	const char *man_value;
	const char *man;
	bool man_joined;
};

struct ct_opt_tok {
	const struct ct_opt *def;	/* NULL: unknown option */
	const char *arg;		/* its value, NULL if none */
	char name[40];			/* as typed: "-o", "--rec" */
};

struct ct_optscan {
	const struct ct_opt *opts;
	size_t nopts;
	int argc;
	char **argv;
	int next;			/* next word of argv to read */
	const char *cluster;		/* rest of "-jvd5" still to read */
	const struct ct_opt *bare;	/* an optional-value option given
					 * without its value just before */
};

enum { CT_OPTSCAN_ERR = -1, CT_OPTSCAN_END = 0, CT_OPTSCAN_OPT = 1 };

/*
 * The next option into *t: CT_OPTSCAN_OPT, CT_OPTSCAN_END (s->next is
 * then where COMMAND starts, if anywhere) or CT_OPTSCAN_ERR with err
 * said.  Every call moves on, errors included.
 */
int ct_optscan_next(struct ct_optscan *s, struct ct_opt_tok *t, char *err,
		    size_t errlen);

#endif /* __CT_OPTSCAN_H */
