// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * docs/output.md's table of the per-container figures, and (with `otlp`)
 * its table of their OTLP attributes, printed from user/model/figures.h's
 * rows (tests/figures.sh compares them with the page, or writes them
 * there).
 */
#include <stdio.h>
#include <string.h>
#include "container.h"

static const char *const out_names[] = {
	"every statistic", "total", "cold start",
	"disconnect and destroy",
};

/* What statistics it keeps out of, in words: "—" for none. */
static void keep_out_of(unsigned int m)
{
	const char *sep = "";

	if (!m)
		printf("—");
	for (unsigned int b = 0; b < 4; b++) {
		if (!(m & (1u << b)))
			continue;
		printf("%s%s", sep, out_names[b]);
		sep = ", ";
	}
}

static void code_or_none(const char *s)
{
	if (s)
		printf("`%s`", s);
	else
		printf("—");
}

static void json_of(const struct ct_figure_row *r)
{
	if (!r->json_at) {
		printf("—");
		return;
	}
	if (r->kind == CT_FIG_EXIT)
		printf("`\"%s\": N`", r->json);
	else if (r->kind == CT_FIG_REASON)
		printf("`\"%s\": \"...\"`", r->json);
	else if (r->json_text)
		printf("`\"%s\": \"%s\"`", r->json, r->json_text);
	else
		printf("`\"%s\": true`", r->json);
}

/* The outputs of rows' csv_at and prom_at that say it: "—" for none. */
static void csv_prom_of(enum ct_figure f)
{
	const char *const name[] = { [CT_FIG_CSV] = "phases.csv",
				     [CT_FIG_PROM] = "/metrics" };
	const char *sep = "";

	for (int o = CT_FIG_CSV; o <= CT_FIG_PROM; o++) {
		if (!ct_figure_place(f, o))
			continue;
		printf("%s%s", sep, name[o]);
		sep = ", ";
	}
	if (!*sep)
		printf("—");
}

/* The root span's attributes of the rows that have one, in its order. */
static void otlp(void)
{
	const struct ct_figure_row *r;
	unsigned int last = 0;

	for (int f = 0; f < CT_FIG_MAX; f++)
		if (ct_figure_row(f)->otlp_at > last)
			last = ct_figure_row(f)->otlp_at;
	printf("| attribute | value | JSON record | what |\n");
	printf("| --- | --- | --- | --- |\n");
	for (unsigned int at = 1; at <= last; at++)
		for (int f = 0; f < CT_FIG_MAX; f++) {
			r = ct_figure_row(f);
			if (r->otlp_at != at)
				continue;
			printf("| `%s` | %s | ", r->otlp,
			       r->kind == CT_FIG_EXIT ? "its status" : "true");
			json_of(r);
			printf(" | %s |\n", r->help);
		}
}

static void table(void)
{
	const struct ct_figure_row *r;

	printf("| figure | JSON record | OTLP attribute | table note | "
	       "phases.csv, /metrics | left out of | what |\n");
	printf("| --- | --- | --- | --- | --- | --- | --- |\n");
	for (int f = 0; f < CT_FIG_MAX; f++) {
		r = ct_figure_row(f);
		printf("| `%s` | ", r->name);
		json_of(r);
		printf(" | ");
		code_or_none(r->otlp_at ? r->otlp : NULL);
		printf(" | %s%s | ", r->note_at ? r->note : "—",
		       r->note_at && r->kind == CT_FIG_REASON ? "(why)" : "");
		csv_prom_of(f);
		printf(" | ");
		keep_out_of(r->keep_out);
		printf(" | %s |\n", r->help);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "otlp"))
		otlp();
	else
		table();
	return 0;
}
