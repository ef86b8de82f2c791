/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A session's outputs, one row each in ct_outputs[] (outputs.c), as
 * bpftool's commands[]: whether the command line asks for it, how its
 * sink (sink.h) opens and closes.  The session opens the rows asked for,
 * in the order of enum ct_output_id, and walks their sinks in that order.
 *
 * Adding an output: its sink in user/sinks/ (one file; its own counts
 * in the sink's report, output.h), its value in enum ct_output_id and
 * its row in ct_outputs[], and its option in cli.c's table.  Nothing
 * else names it, and nothing is sized by hand: the session's sinks and
 * reports are CT_OUTPUTS long.  --otlp is otlp_push.c and a row.
 */
#ifndef __CT_OUTPUTS_H
#define __CT_OUTPUTS_H

#include <stdbool.h>
#include "cli.h"

struct ct_session;
struct ct_session_sink;

/* The outputs, in the order the session opens them and walks their sinks. */
enum ct_output_id {
	/* --listen's /metrics: first, so that its listener closes before
	 * the others' ends change what it would serve */
	CT_OUT_METRICS,
	/* --otlp's sender: before stdout's, so that its end (a bounded
	 * flush) is over when the summary counts its drops */
	CT_OUT_OTLP,
	CT_OUT_STDOUT,		/* the mode's: table, -j or --dump (always) */
	CT_OUT_DIR,		/* -o DIR's files, rewritten each period and
				 * at the end */
	CT_OUTPUTS		/* how many: a session's sinks at most */
};

struct ct_output {
	const char *name;
	bool (*wanted)(const struct ct_cli *cli);
	/* k's sink and out set; 0, or -errno said on stderr */
	int (*open)(struct ct_session *s, struct ct_session_sink *k);
	/* what open took; may be NULL */
	void (*close)(struct ct_session *s, struct ct_session_sink *k);
};

extern const struct ct_output ct_outputs[CT_OUTPUTS];

/* Every row the command line asks for, in order, into s->sinks: 0, or
 * the first -errno (said; the rows opened are closed by close). */
int ct_outputs_open(struct ct_session *s);
void ct_outputs_close(struct ct_session *s);

#endif /* __CT_OUTPUTS_H */
