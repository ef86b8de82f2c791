/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The values of coldtrace's options (cli.c's rows call these): each
 * read from its text, checked, and refused with a message that names
 * the option.  ct_cli_parse_runtimes() and ct_cli_parse_engines() are
 * cli.h's.  Each returns 0, or -1 with err said.
 */
#ifndef __CT_CLI_VALUES_H
#define __CT_CLI_VALUES_H

#include <stddef.h>

/* Every engine's name, in enum ct_engine_kind's order, sep between. */
void ct_cli_engine_names(char *buf, size_t len, const char *sep);
/* --metrics-labels' list: enum ct_prom_label bits (prom.h). */
int ct_cli_parse_labels(const char *list, unsigned int *out, char *err,
			size_t errlen);
/* Seconds: a plain decimal above 0 and up to 1e7; opt names it. */
int ct_cli_parse_seconds(const char *opt, const char *s, double *out,
			 char *err, size_t errlen);
/* A plain decimal whole number from min to max. */
int ct_cli_parse_whole(const char *opt, const char *s, long long min,
		       long long max, long long *out, char *err, size_t errlen);
/* --ringbuf=SIZE: a power of two in CT_RINGBUF_MIN..MAX (loader.h). */
int ct_cli_parse_ringbuf(const char *s, size_t *out, char *err,
			 size_t errlen);

#endif /* __CT_CLI_VALUES_H */
