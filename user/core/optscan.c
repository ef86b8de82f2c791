// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The command line's scanner: see optscan.h. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "optscan.h"

/* A letter, or an alias (as argp's programs: -? is --help). */
static const struct ct_opt *find_short(const struct ct_optscan *s, int c)
{
	for (size_t i = 0; i < s->nopts; i++)
		if (s->opts[i].id == c || s->opts[i].alias == c)
			return &s->opts[i];
	return NULL;
}

static bool long_prefix(const struct ct_opt *o, const char *name,
			size_t len)
{
	return len && !strncmp(o->name, name, len);
}

static void ambiguous(const struct ct_optscan *s, const char *name,
		      size_t len, struct ct_opt_tok *t, char *err,
		      size_t errlen)
{
	const char *sep = "";
	size_t used;

	used = snprintf(err, errlen, "ambiguous option '%s' (could be ",
			t->name);
	for (size_t i = 0; i < s->nopts && used < errlen; i++) {
		if (!long_prefix(&s->opts[i], name, len))
			continue;
		used += snprintf(err + used, errlen - used, "%s--%s", sep,
				 s->opts[i].name);
		sep = ", ";
	}
	if (used < errlen)
		snprintf(err + used, errlen - used, ")");
}

/*
 * As getopt_long() does: an exact name, or a prefix of only one name
 * ("--dur=3"), which scripts may already rely on.
 */
static int find_long(const struct ct_optscan *s, const char *name,
		     size_t len, struct ct_opt_tok *t, char *err,
		     size_t errlen)
{
	int n = 0;

	for (size_t i = 0; i < s->nopts; i++) {
		if (!long_prefix(&s->opts[i], name, len))
			continue;
		t->def = &s->opts[i];
		if (!s->opts[i].name[len])
			return 0;
		n++;
	}
	if (n == 1)
		return 0;
	t->def = NULL;
	if (n)
		ambiguous(s, name, len, t, err, errlen);
	else
		snprintf(err, errlen, "unknown option '%s' (see --help)",
			 t->name);
	return -1;
}

/*
 * "--anything", or '-' and a letter.  Such a word after an option that
 * needs a value is a forgotten value, not the value: `--record --replay
 * F` must not record into ./--replay.  "-" and numbers ("-1") are let
 * through to the value's own check, which says better what is wrong
 * with them.  A value that does start like an option can be attached:
 * --record=--replay, -o-j.
 */
static bool looks_like_option(const char *w)
{
	return w[0] == '-' && (w[1] == '-' || isalpha((unsigned char)w[1]));
}

/* A required value from the next word of argv. */
static int take_value(struct ct_optscan *s, struct ct_opt_tok *t, char *err,
		      size_t errlen)
{
	const char *w = s->next < s->argc ? s->argv[s->next] : NULL;

	if (!w) {
		snprintf(err, errlen, "missing %s after %s", t->def->value,
			 t->name);
		return -1;
	}
	if (looks_like_option(w)) {
		/* not consumed: it is read as the option it looks like */
		snprintf(err, errlen, "%s needs %s (got option '%.40s')",
			 t->name, t->def->value, w);
		return -1;
	}
	s->next++;
	t->arg = w;
	return 0;
}

static int no_value(struct ct_opt_tok *t, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s takes no value", t->name);
	return -1;
}

/* "--name", "--name=value" or "--name value"; w is the whole word. */
static int scan_long(struct ct_optscan *s, const char *w, struct ct_opt_tok *t,
		     char *err, size_t errlen)
{
	const char *eq = strchr(w, '=');
	size_t len = eq ? (size_t)(eq - w) : strlen(w);

	/* "--=x" is named whole: "--" alone would read as the end mark */
	snprintf(t->name, sizeof(t->name), "%.*s",
		 (int)(len > 2 ? len : strlen(w)), w);
	if (find_long(s, w + 2, len - 2, t, err, errlen))
		return -1;
	switch (t->def->arg) {
	case CT_OPT_NONE:
		return eq ? no_value(t, err, errlen) : 0;
	case CT_OPT_OPTIONAL:
		/* only "--paths=3": the next word is never taken */
		t->arg = eq ? eq + 1 : NULL;
		s->bare = eq ? NULL : t->def;
		return 0;
	default:
		if (eq) {
			t->arg = eq + 1;
			return 0;
		}
		return take_value(s, t, err, errlen);
	}
}

/* The next letter of a cluster such as "-jvd5" or "-rrunc". */
static int scan_short(struct ct_optscan *s, struct ct_opt_tok *t, char *err,
		      size_t errlen)
{
	unsigned char c = *s->cluster++;
	const char *rest = s->cluster;

	s->cluster = *rest ? rest : NULL;
	snprintf(t->name, sizeof(t->name), "-%c", c);
	t->def = find_short(s, c);
	if (!t->def) {
		snprintf(err, errlen, "unknown option '%s' (see --help)",
			 t->name);
		return -1;
	}
	if (t->def->arg == CT_OPT_NONE) {
		if (*rest != '=')
			return 0;
		s->cluster = NULL;	/* "-j=1": "=1" is not more options */
		return no_value(t, err, errlen);
	}
	s->cluster = NULL;
	if (*rest) {
		t->arg = rest;
		return 0;
	}
	return take_value(s, t, err, errlen);
}

/* A word that is not an option; the hint only when it reads as N. */
static int stray(const char *w, const struct ct_opt *bare, char *err,
		 size_t errlen)
{
	if (bare && isdigit((unsigned char)w[0]))
		snprintf(err, errlen, "unexpected argument '%.40s' (a COMMAND "
			 "goes after --; --%s takes its value as --%s=%.40s)",
			 w, bare->name, bare->name, w);
	else
		snprintf(err, errlen, "unexpected argument '%.40s' (a COMMAND "
			 "goes after --)", w);
	return -1;
}

/* A scan_*() or stray() result as ct_optscan_next() says it. */
static int outcome(int rc)
{
	return rc ? CT_OPTSCAN_ERR : CT_OPTSCAN_OPT;
}

/*
 * Every call moves on, errors included, so that a caller may go on
 * scanning past a bad word.  COMMAND is taken only after "--", as usage
 * and coldtrace(8) say: a stray word is more often a value meant for the
 * option before it (`--paths 3`) than a command, and running it would be
 * the worst guess.
 */
int ct_optscan_next(struct ct_optscan *s, struct ct_opt_tok *t, char *err,
		    size_t errlen)
{
	const struct ct_opt *bare = s->bare;
	const char *w;

	memset(t, 0, sizeof(*t));
	s->bare = NULL;
	if (s->cluster)
		return outcome(scan_short(s, t, err, errlen));
	if (s->next >= s->argc)
		return CT_OPTSCAN_END;
	w = s->argv[s->next++];
	if (!strcmp(w, "--"))
		return CT_OPTSCAN_END;
	if (w[0] == '-' && w[1] == '-')
		return outcome(scan_long(s, w, t, err, errlen));
	if (w[0] == '-' && w[1]) {
		s->cluster = w + 1;
		return outcome(scan_short(s, t, err, errlen));
	}
	return outcome(stray(w, bare, err, errlen));
}
