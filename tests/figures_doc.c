// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * docs/output.md's table of the per-container figures and (with `otlp`)
 * its table of their OTLP attributes, and (with `fuse`) docs/lazy.md's of
 * the FUSE use's and its layers', printed from user/model/figures.h's rows
 * (tests/figures.sh compares them with the pages, or writes them there).
 */
#include <stdio.h>
#include <string.h>
#include "container.h"

static const char *const out_names[] = {
	"every statistic", "total", "cold start",
	"disconnect and destroy",
};

/* The words of m's bits (of 4), none's when there is none. */
static void bits_in_words(unsigned int m, const char *const words[4],
			  const char *none)
{
	const char *sep = "";

	if (!m)
		printf("%s", none);
	for (unsigned int b = 0; b < 4; b++) {
		if (!(m & (1u << b)))
			continue;
		printf("%s%s", sep, words[b]);
		sep = ", ";
	}
}

/* What statistics it keeps out of, in words: "—" for none. */
static void keep_out_of(unsigned int m)
{
	bits_in_words(m, out_names, "—");
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
			       r->kind == CT_FIG_EXIT ? "its status" :
			       r->kind == CT_FIG_REASON ? "its reason" : "true");
			json_of(r);
			printf(" | %s |\n", r->help);
		}
}

/* A FUSE row's when, in words ("always" for none); a layer's KNOWN is
 * its own bytes known. */
static void when_of(unsigned int when, enum ct_fuse_figure_kind k,
		    bool layer)
{
	const char *const words[] = {
		"with a sampled layer", "with a ready phase",
		k == CT_FUSE_FIG_FLAG ? "when true" : "when not 0",
		layer ? "its bytes known" : "with a known layer",
	};

	bits_in_words(when, words, "always");
}

/* Its part of the table's FUSE note, its count as N (N.N: KiB, ms). */
static void fuse_note_of(const struct ct_fuse_figure_row *r)
{
	char part[160];
	const char *p = part;

	if (!r->note_at) {
		printf("—");
		return;
	}
	snprintf(part, sizeof(part), "%s%s%s", r->note ? r->note : "",
		 r->kind == CT_FUSE_FIG_FLAG ? "" :
		 r->note_unit == CT_FUSE_NOTE_N ? "N" : "N.N",
		 r->note_end ? r->note_end : "");
	p += strspn(p, " ;,");
	printf("`%s`", p);
	if (r->note_when != r->when) {
		printf(" (");
		when_of(r->note_when, r->kind, false);
		printf(")");
	}
}

/* Whether its layers say it too (the layer row of its name), and when. */
static void layer_of(const struct ct_fuse_figure_row *r)
{
	const struct ct_fuse_figures *t = &ct_fuse_layer_figures;

	for (int i = 0; i < t->n; i++) {
		if (strcmp(t->rows[i].name, r->name))
			continue;
		printf("`\"%s\"`, ", t->rows[i].json);
		when_of(t->rows[i].when, t->rows[i].kind, true);
		return;
	}
	printf("—");
}

static void fuse_table(void)
{
	const struct ct_fuse_figures *t = &ct_fuse_use_figures;
	const struct ct_fuse_figure_row *r;

	printf("| figure | `\"fuse\"` key | OTLP attribute | said | "
	       "table note | each of `\"layers\"` |\n");
	printf("| --- | --- | --- | --- | --- | --- |\n");
	for (r = t->rows; r < t->rows + t->n; r++) {
		printf("| `%s` | `\"%s\"` | ", r->name, r->json);
		code_or_none(r->otlp_at ? r->otlp : NULL);
		printf(" | ");
		when_of(r->when, r->kind, false);
		printf(" | ");
		fuse_note_of(r);
		printf(" | ");
		layer_of(r);
		printf(" |\n");
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
	else if (argc > 1 && !strcmp(argv[1], "fuse"))
		fuse_table();
	else
		table();
	return 0;
}
