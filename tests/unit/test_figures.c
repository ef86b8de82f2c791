// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The per-container figures (figures.h): where each output says them,
 * byte for byte, with every one set (no recording has them all), and
 * what statistics each keeps its container out of.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "csv.h"
#include "jsonl.h"
#include "sink.h"
#include "tfixture.h"

static void all_set(struct ct_container *c)
{
	tf_container(c, "0123456789abcdef", "web", CT_RT_RUNC, 1000 * MS, 100);
	c->unarmed = true;
	c->removal_unarmed = true;
	c->records_lost = true;
	c->partial = true;
	c->checkpointed = true;
	c->prepare_missing = CT_PREP_NO_CLIENT;
	c->cmd_truncated = true;
	c->shim_lost = true;
	c->shim_exit = 137;
}

Test(figures, json_in_their_places)
{
	struct ct_container c;
	char *buf;
	size_t len;
	FILE *f;

	all_set(&c);
	f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	ct_jsonl_write(f, &ct_jsonl_container, &c);
	fclose(f);
	cr_expect_not_null(strstr(buf, "\"complete\":true,\"unarmed\":true,"
		"\"removal_unarmed\":true,\"records_lost\":true,"
		"\"partial\":\"started before the session\","
		"\"checkpointed\":true,\"prepare_missing\":\""),
		"%s", buf);
	cr_expect_not_null(strstr(buf, "\"prepare_missing\":\"started by "
				  "no client's "), "%s", buf);
	cr_expect_not_null(strstr(strstr(buf, "\"prepare_missing\":"),
				  "\",\"shim_exit_code\":137,\"exit_code\":"),
			   "%s", buf);
	cr_expect_not_null(strstr(strstr(buf, "\"command\":"),
				  ",\"command_truncated\":true,"), "%s", buf);
	free(buf);
}

Test(figures, table_notes_in_their_places)
{
	struct ct_container c;
	struct ct_sink_out o = { .started = true };
	char *buf, *u, *r, *p, *n, *k;
	size_t len;

	all_set(&c);
	o.f = open_memstream(&buf, &len);
	cr_assert_not_null(o.f);
	ct_sink_table.container(&o, &c);
	fclose(o.f);
	u = strstr(buf, "\n  began while the syscall hooks were detached "
		    "(idle host): opens, ready and mounts may be missing (in "
		    "no statistic)\n  its removal began while the syscall "
		    "hooks were detached: disconnect and destroy may miss "
		    "the engine's umounts (in no statistic of theirs)\n");
	p = strstr(buf, "\n  started before the session: seen from the "
		    "middle (no cold start, in no statistic)\n");
	n = strstr(buf, "\n  no prepare: started by no client's");
	k = strstr(buf, "\n  checkpointed by its runtime (CRIU)\n");
	r = strstr(buf, "records_lost");
	cr_expect(u && p && n && k && u < p && p < n && n < k, "%s", buf);
	cr_expect_null(r, "records_lost has no note");
	free(buf);
}

Test(figures, kept_out_of_statistics)
{
	struct ct_container c;
	uint64_t v;

	tf_container(&c, "0123456789abcdef", "web", CT_RT_RUNC, 1000 * MS, 100);
	cr_expect(ct_agg_counts(&c));
	c.records_lost = true;
	c.checkpointed = true;
	cr_expect(ct_agg_counts(&c), "lost records keep it in");
	cr_expect(ct_agg_sample(&c, CT_AGG_TOTAL, &v));
	c.removal_unarmed = true;
	cr_expect(ct_agg_counts(&c));
	cr_expect_not(ct_agg_sample(&c, CT_AGG_TOTAL, &v));
	cr_expect_not(ct_agg_sample(&c, CT_PH_DESTROY, &v));
	cr_expect(ct_agg_sample(&c, CT_PH_CREATE, &v));
	c.removal_unarmed = false;
	c.prepare_missing = CT_PREP_NO_START;
	cr_expect_not(ct_agg_sample(&c, CT_AGG_COLD, &v));
	cr_expect_not(ct_agg_sample(&c, CT_AGG_TOTAL, &v));
	c.prepare_missing = CT_PREP_OK;
	c.partial = true;
	cr_expect_not(ct_agg_counts(&c));
	c.partial = false;
	c.unarmed = true;
	cr_expect_not(ct_agg_counts(&c));
}

/* Cell col (0: the first) of line, up to a comma or CR, into buf. */
static const char *cell(const char *line, int col, char *buf, size_t len)
{
	size_t n;

	for (; col > 0; col--)
		line = strchr(line, ',') + 1;
	n = strcspn(line, ",\r");
	snprintf(buf, len, "%.*s", (int)n, line);
	return buf;
}

/* The columns of phases.csv a set figure empties (through keep_out). */
static bool emptied(const char *name)
{
	return !strcmp(name, "cold_start_us") ||
	       !strcmp(name, "disconnect_us") || !strcmp(name, "destroy_us");
}

/*
 * phases.csv says no figure (no row has a place there, nor in /metrics):
 * with every one set, a row differs from the bare one only in the cells
 * keep_out empties (figures.h).
 */
Test(figures, csv_says_none)
{
	struct ct_container bare, set;
	struct ct_meta m = { .version = "t", .kernel = "k" };
	struct ct_agg *a = ct_agg_new();
	char *buf, *hdr, *r1, *r2, h[64] = "", x[64], y[64];
	size_t len;
	FILE *f;

	for (int i = 0; i < CT_FIG_MAX; i++) {
		cr_expect_eq(ct_figure_place(i, CT_FIG_CSV), 0);
		cr_expect_eq(ct_figure_place(i, CT_FIG_PROM), 0);
	}
	tf_container(&bare, "0123456789abcdef", "web", CT_RT_RUNC, 1000 * MS,
		     100);
	all_set(&set);
	cr_assert_not_null(a);
	cr_assert_eq(ct_agg_add(a, &bare), 0);
	cr_assert_eq(ct_agg_add(a, &set), 0);
	f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	cr_assert_eq(ct_csv_write(f, a, &m), 0);
	fclose(f);
	hdr = buf;
	r1 = strchr(hdr, '\n') + 1;
	r2 = strchr(r1, '\n') + 1;
	for (int col = 0; col < 64 && strcmp(h, "kernel"); col++) {
		cell(hdr, col, h, sizeof(h));
		cell(r1, col, x, sizeof(x));
		cell(r2, col, y, sizeof(y));
		if (emptied(h))
			cr_expect(x[0] && !y[0], "%s: '%s' '%s'", h, x, y);
		else
			cr_expect_str_eq(x, y, "%s", h);
	}
	free(buf);
	ct_agg_free(a);
}
