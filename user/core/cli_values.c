// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The values of coldtrace's options, read and checked: lists of names,
 * seconds, whole numbers, sizes (cli_values.h).  Pure, as cli.c is.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_values.h"
#include "container.h"
#include "loader.h"
#include "prom.h"

#define RUNTIMES_KNOWN	"runc, crun, runsc, kata, all"

/* Every engine's name, in enum ct_engine_kind's order, sep between. */
void ct_cli_engine_names(char *buf, size_t len, const char *sep)
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

	ct_cli_engine_names(names, sizeof(names), ", ");
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

int ct_cli_parse_labels(const char *list, unsigned int *out, char *err,
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
int ct_cli_parse_seconds(const char *opt, const char *s, double *out,
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
int ct_cli_parse_whole(const char *opt, const char *s, long long min,
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
int ct_cli_parse_ringbuf(const char *s, size_t *out, char *err,
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