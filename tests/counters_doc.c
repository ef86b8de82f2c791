// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * docs/output.md's table of the session's counters and losses, and (with
 * `man`) the man page's entries of their metrics.prom families, printed
 * from user/model/counters.h's rows (tests/counters.sh compares them
 * with the pages, or writes them there).
 */
#include <stdio.h>
#include <string.h>
#include "counters.h"
#include "mapfull.h"

#define CT_COUNTER_ROW(field, src, ...)	{ __VA_ARGS__ },
static const struct ct_counter_row rows[CT_CTR_MAX] = {
	CT_COUNTERS(CT_COUNTER_ROW)
};
#undef CT_COUNTER_ROW

static const char *text_of(const struct ct_counter_row *r)
{
	if (!r->text_at)
		return "—";
	return r->flags & CT_CTR_TEXT_ALWAYS ? "always" : "when not 0";
}

static void prom_of(const struct ct_counter_row *r)
{
	if (r->prom_at)
		printf("`coldtrace_%s_total`%s", r->key,
		       r->flags & CT_CTR_BY_MAP ? " by `map`" : "");
	else if (r->prom_own)
		printf("`%s`", r->prom_own);
	else
		printf("—");
}

/* Text in roff: "--why" as \-\-why, a line's leading '.' kept. */
static void roff(const char *s)
{
	for (const char *p = s; *p; p++) {
		if (p == s && (*p == '.' || *p == '\''))
			fputs("\\&", stdout);
		if (*p == '-' && (p[1] == '-' || (p > s && p[-1] == '-')))
			fputs("\\-", stdout);
		else
			putchar(*p);
	}
}

/* A row's entry in METRICS: its family, its help, where else it is. */
static void man_entry(const struct ct_counter_row *r)
{
	printf(".TP\n.B coldtrace_%s_total\n", r->key);
	roff(r->help);
	if (r->more) {
		putchar(' ');
		roff(r->more);
	}
	printf("\nThe summary's \\fB%s\\fR", r->key);
	if (r->flags & CT_CTR_BY_MAP) {
		fputs(", summed; here by \\fBmap\\fR label:", stdout);
		for (int m = 0; m < CT_MAPFULL_NR; m++)
			printf("%s %s", m ? "," : "", ct_map_full_name(m));
	}
	if (r->kept_out)
		printf("; left out of %s", r->kept_out);
	puts(".");
}

/* The families of the rows metrics.prom says, in its order. */
static void man(void)
{
	for (unsigned int at = 1; at <= CT_CTR_MAX; at++)
		for (int i = 0; i < CT_CTR_MAX; i++)
			if (rows[i].prom_at == at)
				man_entry(&rows[i]);
}

static void table(void)
{
	printf("| `summary.json` | counts | text summary | `metrics.prom` "
	       "| OTLP resource | left out of | what |\n");
	printf("| --- | --- | --- | --- | --- | --- | --- |\n");
	for (int i = 0; i < CT_CTR_MAX; i++) {
		const struct ct_counter_row *r = &rows[i];

		printf("| `%s` | %s%s | %s | ", r->key, r->unit,
		       r->type ? " (the largest)" : "", text_of(r));
		prom_of(r);
		if (r->otlp)
			printf(" | `%s` (file only)", r->otlp);
		else
			printf(" | —");
		printf(" | %s | %s%s%s |\n", r->kept_out ? r->kept_out : "—",
		       r->help, r->more ? " " : "", r->more ? r->more : "");
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "man"))
		man();
	else
		table();
	return 0;
}
