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
#include "otlp.h"
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

static char *table_of(const struct ct_container *c)
{
	struct ct_sink_out o = { .started = true };
	char *buf;
	size_t len;

	o.f = open_memstream(&buf, &len);
	cr_assert_not_null(o.f);
	ct_sink_table.container(&o, c);
	fclose(o.f);
	return buf;
}

Test(figures, table_notes_in_their_places)
{
	struct ct_container c;
	char *buf, *u, *r, *p, *n, *k;

	all_set(&c);
	buf = table_of(&c);
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
	c.unarmed = false;
	c.failed = CT_FAIL_CREATE;
	cr_expect_not(ct_agg_counts(&c), "a failed one is in none");
}

/* Every fetched-bytes figure of the FUSE use set (no recording has
 * them: its sampled layers' registry bytes). */
static void fetched_set(struct ct_container *c)
{
	tf_container(c, "0123456789abcdef", "web", CT_RT_RUNC, 1000 * MS, 100);
	c->fuse = (struct ct_fuse_use){
		.valid = true, .has_ready = true, .connections = 2,
		.requests = 104, .reads = 76, .read_bytes = 6975280,
		.wait_ns = 161708120, .last_ns = 652620849,
		.fetched_layers = 2, .fetched_unknown = 1,
		.fetched_shared = true, .fetched_bytes = 6400000,
		.fetched_by_ready_bytes = 4250000,
		.fetched_after_ready_bytes = 2150000, .dropped = 3,
	};
}

/* want in buf, which it frees */
static void expect_in(char *buf, const char *want)
{
	cr_expect_not_null(strstr(buf, want), "%s", buf);
	free(buf);
}

/* no ready phase, no unknown or shared layer */
static void fewer_set(struct ct_container *c)
{
	c->fuse.has_ready = false;
	c->fuse.fetched_unknown = 0;
	c->fuse.fetched_shared = false;
}

static char *record_of(const struct ct_container *c)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	ct_jsonl_write(f, &ct_jsonl_container, c);
	fclose(f);
	return buf;
}

Test(figures, fuse_fetched_json_in_their_places)
{
	struct ct_container c;

	fetched_set(&c);
	expect_in(record_of(&c), "\"last_ns\":652620849,"
		"\"fetched_bytes\":6400000,\"fetched_by_ready_bytes\":4250000,"
		"\"fetched_after_ready_bytes\":2150000,\"fetched_layers\":2,"
		"\"fetched_unknown_layers\":1,\"fetched_shared\":true,"
		"\"layers\":[],\"dropped\":3}");
	fewer_set(&c);
	expect_in(record_of(&c), "\"last_ns\":652620849,"
		"\"fetched_bytes\":6400000,\"fetched_layers\":2,"
		"\"layers\":[]");
	c.fuse.fetched_layers = 0;
	c.fuse.fetched_unknown = 1;
	expect_in(record_of(&c), "\"last_ns\":652620849,"
		"\"fetched_bytes\":6400000,\"fetched_layers\":0,"
		"\"fetched_unknown_layers\":1,\"layers\":[]");
	c.fuse.fetched_unknown = 0;
	expect_in(record_of(&c), "\"last_ns\":652620849,"
		"\"layers\":[]");
}

static char *otlp_of(const struct ct_container *c)
{
	static const struct ct_otlp_res res = {
		.version = "0.1.0", .kernel = "6.18.0", .host_name = "node-7",
		.host_id = "",
	};
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	ct_otlp_json(f, &res, &(struct ct_otlp_rec){ .c = c });
	fclose(f);
	return buf;
}

Test(figures, fuse_fetched_otlp_in_their_places)
{
	struct ct_container c;
	char *buf;

	fetched_set(&c);
	expect_in(otlp_of(&c), "{\"key\":\"coldtrace.fuse.dropped\","
		"\"value\":{\"intValue\":\"3\"}},"
		"{\"key\":\"coldtrace.fuse.fetched_bytes\","
		"\"value\":{\"intValue\":\"6400000\"}},"
		"{\"key\":\"coldtrace.fuse.fetched_by_ready_bytes\","
		"\"value\":{\"intValue\":\"4250000\"}},"
		"{\"key\":\"coldtrace.fuse.fetched_after_ready_bytes\","
		"\"value\":{\"intValue\":\"2150000\"}},"
		"{\"key\":\"coldtrace.fuse.fetched_layers\","
		"\"value\":{\"intValue\":\"2\"}},"
		"{\"key\":\"coldtrace.fuse.fetched_unknown_layers\","
		"\"value\":{\"intValue\":\"1\"}},"
		"{\"key\":\"coldtrace.fuse.fetched_shared\","
		"\"value\":{\"boolValue\":true}}]");
	fewer_set(&c);
	expect_in(otlp_of(&c), "\"intValue\":\"3\"}},"
		"{\"key\":\"coldtrace.fuse.fetched_bytes\","
		"\"value\":{\"intValue\":\"6400000\"}},"
		"{\"key\":\"coldtrace.fuse.fetched_layers\","
		"\"value\":{\"intValue\":\"2\"}}]");
	c.fuse.fetched_layers = 0;
	buf = otlp_of(&c);
	cr_expect_null(strstr(buf, "fetched"), "%s", buf);
	free(buf);
}

/* The recordings' lazy pull has a ready phase: its FUSE counts and
 * waits without one, in both outputs. */
Test(figures, fuse_counts_without_ready_in_their_places)
{
	struct ct_container c;

	fetched_set(&c);
	c.fuse.has_ready = false;
	c.fuse.wait_before_ready_ns = 1;
	c.fuse.errors = 5;
	expect_in(record_of(&c), "\"fuse\":{\"requests\":104,"
		"\"reads\":76,\"read_bytes\":6975280,\"errors\":5,"
		"\"connections\":2,\"wait_ns\":161708120,"
		"\"last_ns\":652620849,\"fetched_bytes\":");
	expect_in(otlp_of(&c), "{\"key\":\"coldtrace.fuse.requests\","
		"\"value\":{\"intValue\":\"104\"}},"
		"{\"key\":\"coldtrace.fuse.read_bytes\","
		"\"value\":{\"intValue\":\"6975280\"}},"
		"{\"key\":\"coldtrace.fuse.connections\","
		"\"value\":{\"intValue\":\"2\"}},"
		"{\"key\":\"coldtrace.fuse.wait_ns\","
		"\"value\":{\"intValue\":\"161708120\"}},"
		"{\"key\":\"coldtrace.fuse.last_ns\","
		"\"value\":{\"intValue\":\"652620849\"}},"
		"{\"key\":\"coldtrace.fuse.dropped\",");
}

/* failed before the first group, restore after it, on the root span */
Test(figures, failed_and_restore_otlp_in_their_places)
{
	struct ct_container c;

	all_set(&c);
	c.failed = CT_FAIL_START;
	c.restore.is = true;
	expect_in(otlp_of(&c), "{\"key\":\"coldtrace.failed\","
		"\"value\":{\"stringValue\":\"start\"}},"
		"{\"key\":\"coldtrace.unarmed\",");
	expect_in(otlp_of(&c), "{\"key\":\"coldtrace.checkpointed\","
		"\"value\":{\"boolValue\":true}},"
		"{\"key\":\"coldtrace.restore\","
		"\"value\":{\"boolValue\":true}},"
		"{\"key\":\"coldtrace.shim_exit_code\",");
	expect_in(record_of(&c), "\"complete\":true,\"failed\":\"start\","
		"\"unarmed\":true,");
}

/* The table's FUSE note: every part, then without the split at ready,
 * a known layer or a drop (its unknown layers still said). */
Test(figures, fuse_note_in_its_places)
{
	struct ct_container c;

	fetched_set(&c);
	c.fuse.wait_after_ready_ns = 102147485;
	c.fuse.nlayers = 2;
	c.fuse.layers[0].dev = 41;
	c.fuse.layers[0].wait_ns = 388000000;
	expect_in(table_of(&c), "\n  FUSE: 104 requests (6811.8 KiB read) "
		"in flight 161.7 ms (102.1 after ready), the last ended "
		"652.6 ms after the exec; 2 connections, the longest 0:41 "
		"388.0 ms; 6250.0 KiB fetched (shared); 1 layers' fetched "
		"bytes unknown; 3 not kept\n");
	c.fuse.has_ready = false;
	c.fuse.nlayers = 1;
	c.fuse.fetched_layers = 0;
	c.fuse.dropped = 0;
	expect_in(table_of(&c), "\n  FUSE: 104 requests (6811.8 KiB read) "
		"in flight 161.7 ms, the last ended 652.6 ms after the exec; "
		"1 layers' fetched bytes unknown\n");
}

/* A layer's figures: sampled (shared, split at ready) and unknown. */
Test(figures, fuse_layer_json_in_its_places)
{
	struct ct_container c;

	fetched_set(&c);
	c.fuse.nlayers = 2;
	c.fuse.layers[0] = (struct ct_fuse_layer){
		.dev = 41, .requests = 60, .reads = 50, .read_bytes = 5000000,
		.wait_ns = 120000000, .fetched = CT_FETCHED_KNOWN,
		.fetched_shared = true, .fetched_bytes = 6400000,
		.fetched_by_ready_bytes = 4250000,
		.fetched_after_ready_bytes = 2150000,
	};
	c.fuse.layers[1] = (struct ct_fuse_layer){
		.dev = 42, .requests = 44, .reads = 26, .read_bytes = 1975280,
		.wait_ns = 41708120, .fetched = CT_FETCHED_UNKNOWN,
		.fetched_bytes = 1,
	};
	expect_in(record_of(&c), "\"layers\":[{\"dev\":\"0:41\","
		"\"requests\":60,\"reads\":50,\"read_bytes\":5000000,"
		"\"wait_ns\":120000000,\"fetched_bytes\":6400000,"
		"\"fetched_by_ready_bytes\":4250000,"
		"\"fetched_after_ready_bytes\":2150000,"
		"\"fetched_shared\":true},{\"dev\":\"0:42\",\"requests\":44,"
		"\"reads\":26,\"read_bytes\":1975280,\"wait_ns\":41708120,"
		"\"fetched_unknown\":true}]");
	c.fuse.has_ready = false;
	c.fuse.layers[0].fetched_shared = false;
	expect_in(record_of(&c), "\"layers\":[{\"dev\":\"0:41\","
		"\"requests\":60,\"reads\":50,\"read_bytes\":5000000,"
		"\"wait_ns\":120000000,\"fetched_bytes\":6400000},");
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
