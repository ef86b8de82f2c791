/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `coldtrace -- COMMAND`: the traced command's life.
 *
 * COMMAND is checked before anything is traced (it must be found and be
 * executable), and an exec that still fails is seen by the parent (a
 * close-on-exec pipe), so the error is coldtrace's, in its output mode.
 *
 * When the session ends before COMMAND does (-d, SIGINT, SIGTERM),
 * COMMAND gets a signal (SIGTERM after -d, as timeout(1) sends; the
 * session's own signal otherwise, unless the terminal already sent it to
 * the whole foreground group) and coldtrace waits for it at most
 * CT_CMD_GRACE_MS; a COMMAND still running then is left running, and
 * coldtrace says so.
 */
#ifndef __CT_COMMAND_H
#define __CT_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CT_CMD_GRACE_MS	500

struct ct_cmd {
	pid_t pid;		/* 0 before spawn and once reaped */
	int status;		/* exit code (128 + signal), -1 until reaped */
	uint64_t done_ns;	/* monotonic time it was reaped */
	uint64_t stop_ns;	/* monotonic time it was told to stop, or 0 */
};

/* COMMAND can be executed (execvp's PATH search).  0 or -errno + err. */
int ct_cmd_check(char *const *argv, char *err, size_t errlen);
/*
 * Starts argv; with stdout_to_stderr its standard output goes to our
 * standard error.  Returns once COMMAND has exec'ed: 0, or -errno and a
 * message in err (then c->status is 127 and the child is reaped).
 */
int ct_cmd_spawn(struct ct_cmd *c, char *const *argv, bool stdout_to_stderr,
		 char *err, size_t errlen);
/* Reaps COMMAND if it has exited; true once it has. */
bool ct_cmd_done(struct ct_cmd *c);
/* Sends sig (0: none) to a running COMMAND and starts its grace. */
void ct_cmd_stop(struct ct_cmd *c, int sig);
/*
 * Waits for a stopped COMMAND until CT_CMD_GRACE_MS after ct_cmd_stop().
 * True if it has exited (c->status set).
 */
bool ct_cmd_wait_grace(struct ct_cmd *c);
/*
 * How the session ended, for what COMMAND is told and what coldtrace
 * exits with: sig is the session's signal (SIGINT, SIGTERM) or 0,
 * by_terminal if the kernel sent it (a terminal's Ctrl-C, which COMMAND
 * got too), timed_out if -d ended it.
 */
struct ct_cmd_end {
	int sig;
	bool by_terminal;
	bool timed_out;
};

/* The session ended first: COMMAND gets ct_cmd_end_signal(e) and grace. */
void ct_cmd_end_stop(struct ct_cmd *c, const struct ct_cmd_end *e);
/* SIGTERM after -d or an error, else the session's signal (0: sent). */
int ct_cmd_end_signal(const struct ct_cmd_end *e);
/*
 * coldtrace's exit status with COMMAND (--help): COMMAND's own if it
 * ended on its own; once stopped, 124 after -d (as timeout(1)), else
 * 128 + the session's signal (SIGTERM after an error).  A COMMAND still
 * running after its grace is left running, and named on stderr.
 */
int ct_cmd_end_status(struct ct_cmd *c, char *const *argv,
		      const struct ct_cmd_end *e);
/* Raw wait status -> exit code as a shell reports it. */
int ct_cmd_exit_code(int wait_status);

#endif /* __CT_COMMAND_H */
