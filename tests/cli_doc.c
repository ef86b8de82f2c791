// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The man page's OPTIONS and the completion's option words, printed
 * from user/core/cli.c's rows: `cli_doc man` and `cli_doc completion`
 * (tools/cli-doc.sh runs it; tests/man.sh and tests/completion.sh
 * compare its lines with the files', or write them there).
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "optscan.h"

/* A word in roff: every '-' a minus sign, as the page's options are. */
static void roff_word(const char *s)
{
	for (; *s; s++)
		if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
}

/* A row's part of its tag, each item a word of .BR:
 * \-r ", " \-\-runtime =\fILIST\fR */
static void tag_items(const struct ct_opt *o)
{
	if (o->id)
		printf(" \\-%c \", \"", o->id);
	if (o->alias)
		printf(" \\-%c \", \"", o->alias);
	fputs(" ", stdout);
	roff_word("--");
	roff_word(o->name);
	if (o->arg == CT_OPT_NONE)
		return;
	printf(" %s", o->arg == CT_OPT_OPTIONAL ? "[=" : "=");
	if (o->man_value)
		fputs(o->man_value, stdout);
	else
		printf("\\fI%s\\fR", ct_cli_metavar(o));
	fputs(o->arg == CT_OPT_OPTIONAL ? "]" : "", stdout);
}

/* Without a text of its own, the row's --help lines, as roff. */
static void help_text(const char *h)
{
	for (int bol = 1; *h; h++) {
		if (bol && (*h == '.' || *h == '\''))
			fputs("\\&", stdout);
		if (*h == '\\')
			fputs("\\e", stdout);
		else if (*h == '-')
			fputs("\\-", stdout);
		else
			putchar(*h);
		bol = *h == '\n';
	}
	putchar('\n');
}

/* An entry of OPTIONS: .TP, the tag of the row and of those joined to
 * it (the text of the first says them all), the text. */
static size_t man_entry(const struct ct_opt *opts, size_t i, size_t n)
{
	const struct ct_opt *o = &opts[i];
	size_t j = i + 1;
	int items;

	/* .B when the tag is one word, .BR alternating otherwise */
	items = !!o->id + !!o->alias + 1 + (o->arg != CT_OPT_NONE) +
		(j < n && opts[j].man_joined);
	printf(".TP\n.%s", items > 1 ? "BR" : "B");
	tag_items(o);
	for (; j < n && opts[j].man_joined; j++) {
		fputs(" \", \"", stdout);
		tag_items(&opts[j]);
	}
	putchar('\n');
	if (o->man)
		fputs(o->man, stdout);
	else
		help_text(o->help);
	return j;
}

/* The words a long option completes as: "--json", "--output=", both
 * "--paths" and "--paths=" for an optional value; wrapped. */
static void completion(const struct ct_opt *opts, size_t n)
{
	size_t col = 0;
	char w[48];

	fputs("_coldtrace_options=\"", stdout);
	for (size_t i = 0; i < n; i++) {
		const struct ct_opt *o = &opts[i];

		for (int k = 0; k < 1 + (o->arg == CT_OPT_OPTIONAL); k++) {
			snprintf(w, sizeof(w), "--%s%s", o->name,
				 o->arg == CT_OPT_REQUIRED || k ? "=" : "");
			if (col + 1 + strlen(w) > 72) {
				fputs("\n\t", stdout);
				col = 8;
			} else if (col) {
				putchar(' ');
				col++;
			} else {
				col = 20;
			}
			col += printf("%s", w);
		}
	}
	puts("\"");
}

int main(int argc, char **argv)
{
	size_t n;
	const struct ct_opt *opts = ct_cli_options(&n);

	if (argc == 2 && !strcmp(argv[1], "man")) {
		for (size_t i = 0; i < n;)
			i = man_entry(opts, i, n);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "completion")) {
		completion(opts, n);
		return 0;
	}
	fprintf(stderr, "usage: %s man|completion\n", argv[0]);
	return 2;
}
