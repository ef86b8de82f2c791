// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --help and --usage, made from the options' rows (cli.c's opts[],
 * handed in): so that neither can miss an option or say one otherwise
 * than its row.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_values.h"
#include "optscan.h"

static const char usage_head[] =
"Usage: coldtrace [OPTION...] [-- COMMAND [ARG...]]\n"
"Explain container cold starts phase by phase: prepare, attach, create,\n"
"connect, start, run (and ready, nested in it), die, disconnect, destroy,\n"
"per container and per runtime.\n"
"\n";

static const char usage_tail[] =
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
void ct_cli_print_usage(FILE *out, const struct ct_opt *opts,
			size_t n_opts)
{
	/* "-" and the letters of the flags: fewer than the rows */
	char item[80], v[40], flags[128];
	size_t col = 16, nf = 1;

	flags[0] = '-';
	fputs("Usage: coldtrace", out);
	for (size_t i = 0; i < n_opts; i++)
		if (opts[i].id && opts[i].arg == CT_OPT_NONE &&
		    nf + 1 < sizeof(flags))
			flags[nf++] = (char)opts[i].id;
	flags[nf] = 0;
	usage_item(out, flags, &col);
	for (size_t i = 0; i < n_opts; i++) {
		const struct ct_opt *o = &opts[i];

		if (o->id && o->arg == CT_OPT_NONE)
			continue;
		if (o->id)
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

const char *ct_cli_metavar(const struct ct_opt *o)
{
	return o->metavar ? o->metavar : o->value ? value_word(o) : "";
}

/* --help's left column: "  -r, --runtime=LIST", "      --paths[=N]". */
static void help_name(FILE *out, const struct ct_opt *o)
{
	const char *v = ct_cli_metavar(o);
	char left[64];
	size_t n = 0;

	if (o->id)
		n += snprintf(left + n, sizeof(left) - n, "  -%c, ", o->id);
	else
		n += snprintf(left + n, sizeof(left) - n, "      ");
	if (o->alias)
		n += snprintf(left + n, sizeof(left) - n, "-%c, ", o->alias);
	snprintf(left + n, sizeof(left) - n, "--%s%s%s%s", o->name,
		 o->arg == CT_OPT_OPTIONAL ? "[=" :
		 o->arg == CT_OPT_REQUIRED ? "=" : "", v,
		 o->arg == CT_OPT_OPTIONAL ? "]" : "");
	/* the text at column 24, or on the next line if the name is longer */
	if (strlen(left) <= 24)
		fprintf(out, "%-23s ", left);
	else
		fprintf(out, "%s\n%24s", left, "");
}

/*
 * An option's lines of --help: its name, then its help, each line after
 * the first at column 24; a first line that begins with "%s" (--engine's)
 * begins with the engines' names, from their table.
 */
static void help_option(FILE *out, const struct ct_opt *o,
			const char *names)
{
	const char *l = o->help;
	size_t n;

	help_name(out, o);
	for (bool first = true; *l; first = false) {
		n = strcspn(l, "\n");
		if (!first)
			fprintf(out, "%24s", "");
		if (first && !strncmp(l, "%s", 2)) {
			fputs(names, out);
			fwrite(l + 2, 1, n - 2, out);
		} else {
			fwrite(l, 1, n, out);
		}
		fputc('\n', out);
		l += n + (l[n] == '\n');
	}
}

void ct_cli_print_help(FILE *out, const struct ct_opt *opts, size_t n_opts)
{
	char names[128];

	ct_cli_engine_names(names, sizeof(names), ",");
	fputs(usage_head, out);
	for (size_t i = 0; i < n_opts; i++)
		help_option(out, &opts[i], names);
	fputs(usage_tail, out);
}
