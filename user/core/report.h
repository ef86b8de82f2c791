/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where coldtrace speaks: errors and notes on standard error (errors
 * also as a JSON object on standard output with -j, so that a consumer
 * of the stream sees why it ended), and standard output itself, whose
 * write errors are never lost quietly.
 */
#ifndef __CT_REPORT_H
#define __CT_REPORT_H

#include <stdbool.h>

#define CT_REPORT_ERRLEN	512	/* a message, with its context */

/* -j: errors go to standard output too, notes are left out. */
void ct_report_json(bool on);
/* bpftool's p_err(): "coldtrace: MSG" on stderr (and JSON with -j). */
void ct_report_err(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* A note on stderr, left out with -j. */
void ct_report_info(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * Flushes standard output.  False on a write error (a full disk, a
 * closed fd), said once, when first seen: the exit status is then 1.
 * A pipe whose reader left (`coldtrace | head`) is no error and is not
 * said, as for the tools users pipe every day: ct_report_stdout_gone()
 * then tells a live session to end.
 */
bool ct_report_check_stdout(void);
bool ct_report_stdout_gone(void);
/* At exit: nothing written may be lost, not even at close.  0 or -1. */
int ct_report_close_stdout(void);
/*
 * fds 0-2 closed by the caller (`>&-`) would be taken by the first files
 * and BPF objects opened, and the report would go into one of them:
 * /dev/null is parked there.  -1 if stdout was closed (said on stderr).
 */
int ct_report_guard_std_fds(void);

#endif /* __CT_REPORT_H */
