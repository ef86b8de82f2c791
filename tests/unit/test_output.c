// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Container JSON, terminal table and summary, parsed back. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "agg.h"
#include "chrome_trace.h"
#include "otlp.h"
#include "output.h"
#include "sink.h"
#include "tfixture.h"
#include "tjson.h"
#include "jsonl.h"

static const struct ct_meta meta = {
	.version = "0.1.0", .kernel = "6.18.0-test", .lost_events = 0,
};

/* Runs fn into memory and returns the text (caller frees). */
#define CAPTURE(buf, len, call)                                   \
	do {                                                      \
		FILE *f_ = open_memstream(&(buf), &(len));        \
		cr_assert_not_null(f_);                           \
		call;                                             \
		fclose(f_);                                       \
	} while (0)

static struct tj *parse_line(const char *buf, size_t len)
{
	char err[128];
	struct tj *v;

	cr_assert(len > 0 && buf[len - 1] == '\n', "one line, newline ended");
	cr_assert_null(memchr(buf, '\n', len - 1), "exactly one line");
	v = tj_parse(buf, len, err, sizeof(err));
	cr_assert_not_null(v, "invalid JSON (%s): %s", err, buf);
	return v;
}

Test(output, container_json_fields)
{
	struct ct_container c;
	struct tj *v;
	char *buf;
	size_t len;
	uint64_t u;

	tf_container(&c, "0123456789abcdef", "web", CT_RT_RUNC, 1000 * MS, 100);
	c.exit_code = 3;
	c.phase_mask &= ~(1u << CT_PH_CONNECT);
	c.opens.valid = true;
	c.opens.count = 42;
	c.opens.failed = 2;
	c.opens.p50_ns = 2000;
	c.opens.p99_ns = 9000;
	CAPTURE(buf, len, ct_jsonl_write(f_, &ct_jsonl_container, &c));
	v = parse_line(buf, len);
	cr_assert_str_eq(tj_str(v, "type"), "container");
	cr_assert_str_eq(tj_str(v, "id"), "0123456789abcdef");
	cr_assert_str_eq(tj_str(v, "name"), "web");
	cr_assert_str_eq(tj_str(v, "runtime"), "runc");
	cr_assert_str_eq(tj_str(v, "engine"), "docker");
	cr_assert(tj_get(v, "complete")->b);
	cr_assert(tj_u64(v, "exit_code", &u) && u == 3);
	cr_assert(tj_u64(v, "total_ns", &u) && u == 120 * MS);
	cr_assert(tj_u64(v, "phases.create.start_ns", &u) && u == 1001 * MS);
	cr_assert(tj_u64(v, "phases.create.dur_ns", &u) && u == 10 * MS);
	cr_assert(tj_u64(v, "phases.run.dur_ns", &u) && u == 100 * MS);
	cr_assert_null(tj_get(v, "phases.connect"), "absent phase omitted");
	cr_assert_eq(tj_get(v, "phases")->n, 7);
	cr_assert(tj_u64(v, "opens.count", &u) && u == 42);
	cr_assert(tj_u64(v, "opens.failed", &u) && u == 2);
	cr_assert(tj_u64(v, "opens.p50_ns", &u) && u == 2000);
	cr_assert(tj_u64(v, "opens.p99_ns", &u) && u == 9000);
	tj_free(v);
	free(buf);
}

/* Steps its engine expected and could not place, and why (docs/phases.md
 * "Missing steps"): prepare's "missing" object, absent without any. */
Test(output, container_json_steps_missing)
{
	struct ct_container c;
	struct ct_steps *s;
	struct tj *v;
	char *buf;
	size_t len;

	tf_container(&c, "0123456789abcdef", "web", CT_RT_RUNC, 1000 * MS, 100);
	tf_phase(&c, CT_PH_PREPARE, 980 * MS, 1000 * MS);
	s = ct_steps_mut(&c, CT_PH_PREPARE);
	ct_steps_mark(&c, CT_PH_PREPARE, CT_STEP_CLIENT,
		      c.phases[CT_PH_PREPARE].start_ns);
	s->missing[CT_STEP_IMAGE] = CT_MISS_SHARED;
	s->missing[CT_STEP_LAYER] = CT_MISS_SHARED;
	CAPTURE(buf, len, ct_jsonl_write(f_, &ct_jsonl_container, &c));
	v = parse_line(buf, len);
	cr_expect_str_eq(tj_str(v, "phases.prepare.steps.0.step"), "client");
	cr_expect_str_eq(tj_str(v, "phases.prepare.missing.image"), "shared");
	cr_expect_str_eq(tj_str(v, "phases.prepare.missing.layer"), "shared");
	cr_expect_eq(tj_get(v, "phases.prepare.missing")->n, 2);
	cr_expect_null(tj_get(v, "phases.destroy.missing"));
	tj_free(v);
	free(buf);
	s->missing[CT_STEP_IMAGE] = s->missing[CT_STEP_LAYER] = CT_MISS_NONE;
	CAPTURE(buf, len, ct_jsonl_write(f_, &ct_jsonl_container, &c));
	v = parse_line(buf, len);
	cr_expect_null(tj_get(v, "phases.prepare.missing"), "none: no key");
	tj_free(v);
	free(buf);
}

Test(output, container_json_unknowns)
{
	struct ct_container c;
	struct tj *v;
	char *buf;
	size_t len;

	tf_container(&c, "x", "", CT_RT_RUNSC, 1000 * MS, 1);
	c.has_exit_code = false;
	c.complete = false;
	c.phases[CT_PH_DESTROY].end_ns = 0;
	c.opens.unobservable = true;
	CAPTURE(buf, len, ct_jsonl_write(f_, &ct_jsonl_container, &c));
	v = parse_line(buf, len);
	cr_assert(tj_is(v, "exit_code", TJ_NULL));
	cr_assert_not(tj_get(v, "complete")->b);
	cr_assert(tj_is(v, "phases.destroy.dur_ns", TJ_NULL));
	cr_assert(tj_get(v, "opens.unobservable")->b);
	cr_assert_null(tj_get(v, "opens.count"));
	tj_free(v);
	free(buf);

	c.opens.unobservable = false;
	CAPTURE(buf, len, ct_jsonl_write(f_, &ct_jsonl_container, &c));
	v = parse_line(buf, len);
	cr_assert_null(tj_get(v, "opens"), "no opens when not measured");
	tj_free(v);
	free(buf);
}

Test(output, container_json_nasty_strings)
{
	const char nasty[] = "a\"b\\c\nd\x01\xff,e";
	struct ct_container c;
	struct tj *v;
	char *buf;
	size_t len;

	tf_container(&c, "id\"\n", nasty, CT_RT_RUNC, 1000 * MS, 1);
	memset(c.id, 'z', sizeof(c.id));	/* not NUL-terminated */
	CAPTURE(buf, len, ct_jsonl_write(f_, &ct_jsonl_container, &c));
	v = parse_line(buf, len);
	cr_assert_str_eq(tj_str(v, "name"), "a\"b\\c\nd\x01\xef\xbf\xbd,e");
	cr_assert_eq(strlen(tj_str(v, "id")), CT_ID_LEN);
	tj_free(v);
	free(buf);
}

/* Every line fits in 140 columns (10 phase cells). */
static void assert_width(const char *buf)
{
	const char *l = buf, *nl;

	while ((nl = strchr(l, '\n'))) {
		cr_assert_leq(nl - l, 140, "line too wide: %.*s",
			      (int)(nl - l), l);
		l = nl + 1;
	}
}

Test(output, table_rows)
{
	struct ct_container c;
	char *buf;
	size_t len;

	CAPTURE(buf, len, ({
		ct_output_table_header(f_, false);
		tf_container(&c, "0123456789abcdef", "web", CT_RT_RUNSC,
			     1000 * MS, 123456);
		c.engine = CT_ENG_CONTAINERD;
		c.exit_code = 137;
		ct_output_table_row(f_, &c, false);
		tf_container(&c, "evil\nid\x1b[2J", "", CT_RT_RUNC, 0, 1);
		c.complete = false;
		c.has_exit_code = false;
		ct_output_table_row(f_, &c, false);
	}));
	assert_width(buf);
	cr_assert_not_null(strstr(buf, "0123456789ab "), "12-char id");
	cr_assert_null(strstr(buf, "0123456789abc"));
	cr_assert_not_null(strstr(buf, "destroy"));
	cr_assert_not_null(strstr(buf, " 137 "));
	cr_assert_not_null(strstr(buf, "*"), "incomplete marker");
	cr_assert_null(strchr(buf, '\x1b'), "no raw escape bytes");
	/* 2 header comment lines + header + 2 rows */
	cr_assert_eq(len, strlen(buf));
	{
		int lines = 0;

		for (size_t i = 0; i < len; i++)
			lines += buf[i] == '\n';
		cr_assert_eq(lines, 5, "a newline in an id must not split rows");
	}
	free(buf);
}

/* -T: the container's first phase start, local time with ms, first. */
Test(output, table_wall_clock_column)
{
	struct ct_container c;
	char *buf;
	size_t len;

	setenv("TZ", "UTC", 1);
	tzset();
	tf_container(&c, "0123456789abcdef", "", CT_RT_RUNC, 1000 * MS, 100);
	c.first_ns = 1795374108512962508ull;	/* 2026-11-22 19:01:48.512 */
	CAPTURE(buf, len, ({
		ct_output_table_header(f_, true);
		ct_output_table_row(f_, &c, true);
	}));
	cr_assert(strstr(buf, "\nTIME         ID "), "%s", buf);
	cr_assert(strstr(buf, "\n19:01:48.512 0123456789ab runc "), "%s", buf);
	free(buf);
}

static struct ct_agg *sample_agg(void)
{
	struct ct_agg *a = ct_agg_new();
	struct ct_container c;

	tf_container(&c, "r1", "web", CT_RT_RUNC, 1000 * MS, 100);
	ct_agg_add(a, &c);
	tf_container(&c, "r2", "web", CT_RT_RUNC, 1200 * MS, 50);
	ct_agg_add(a, &c);
	tf_container(&c, "g1", "", CT_RT_RUNSC, 1000 * MS, 10);
	c.complete = false;
	ct_agg_add(a, &c);
	return a;
}

Test(output, summary_text)
{
	struct ct_agg *a = sample_agg();
	char *buf;
	size_t len;

	CAPTURE(buf, len, ct_output_summary(f_, a, &meta));
	assert_width(buf);
	cr_assert_not_null(strstr(buf, "lost events: 0\n"));
	cr_assert_not_null(strstr(buf, "\nrunc "));
	cr_assert_not_null(strstr(buf, "\nrunsc "));
	cr_assert_not_null(strstr(buf, "restart runc  n=1"));
	cr_assert_not_null(strstr(buf, "cold start runc  n=2 ms: min 14.0"));
	/* one statistic per cell: a row of medians, a row of shares */
	cr_assert_null(strstr(buf, "%\n"), "a share beside a median: %s", buf);
	{
		const char *med = strstr(buf, "\n  median ms ");
		const char *shr = strstr(buf, "\n  share of total % ");

		cr_assert(med && shr && med < shr, "%s", buf);
		/* create: 10 ms, no % sign in the cell */
		cr_assert(strstr(med, " 10.0 "), "%s", med);
		/* the cells after the row's 39-char label: numbers only */
		cr_assert_null(memchr(shr + 1 + 39, '%',
				      strcspn(shr + 1 + 39, "\n")), "%s", shr);
	}
	/* runsc has no complete container: medians, no share row */
	cr_assert_not_null(strstr(strstr(buf, "\nrunsc "),
				  "\n  median ms "));
	cr_assert_null(strstr(strstr(buf, "\nrunsc "), "share of total %"));
	/* what to look at, per runtime: the largest share (run: 150 of
	 * 2 x 137 + ... ms), or for runsc the longest median */
	cr_assert_not_null(strstr(buf, "look at: runc run, "), "%s", buf);
	cr_assert_not_null(strstr(buf, "look at: runsc "), "%s", buf);
	free(buf);
	ct_agg_free(a);
}

Test(output, summary_json_line)
{
	struct ct_meta m = meta;
	struct ct_agg *a = sample_agg();
	struct tj *v;
	char *buf;
	size_t len;
	uint64_t u;
	double share, sum = 0;
	int p;

	m.lost_events = 17;
	CAPTURE(buf, len, ct_jsonl_write_summary(f_, a, &m));
	v = parse_line(buf, len);
	cr_assert_str_eq(tj_str(v, "type"), "summary");
	cr_assert_str_eq(tj_str(v, "version"), "0.1.0");
	cr_assert_str_eq(tj_str(v, "kernel"), "6.18.0-test");
	cr_assert(tj_u64(v, "lost_events", &u) && u == 17);
	cr_assert(tj_u64(v, "runtimes.runc.containers", &u) && u == 2);
	cr_assert(tj_u64(v, "runtimes.runc.complete", &u) && u == 2);
	cr_assert(tj_u64(v, "runtimes.runsc.complete", &u) && u == 0);
	cr_assert(tj_u64(v, "runtimes.runc.phases.run.n", &u) && u == 2);
	cr_assert(tj_u64(v, "runtimes.runc.phases.run.p50_ns", &u) &&
		  u == 50 * MS);
	cr_assert(tj_u64(v, "runtimes.runc.phases.run.max_ns", &u) &&
		  u == 100 * MS);
	/* tf_container: attach 1 + create 10 + start 3 ms before the exec */
	cr_assert(tj_u64(v, "runtimes.runc.cold_start.n", &u) && u == 2);
	cr_assert(tj_u64(v, "runtimes.runc.cold_start.p50_ns", &u) &&
		  u == 14 * MS);
	cr_assert(tj_u64(v, "runtimes.runc.restart.n", &u) && u == 1);
	/* r1 dies at 1114 ms, r2's program starts at 1214 ms */
	cr_assert(tj_u64(v, "runtimes.runc.restart.p50_ns", &u) &&
		  u == 100 * MS);
	cr_assert(tj_u64(v, "runtimes.runsc.restart.n", &u) && u == 0);
	for (p = 0; p < CT_PH_MAX; p++) {
		char path[96];

		snprintf(path, sizeof(path), "runtimes.runc.phases.%s.share",
			 ct_phase_name(p));
		/* the fixture's containers have neither: absent */
		if (p == CT_PH_PREPARE || p == CT_PH_READY) {
			cr_assert(!tj_num(v, path, &share), "%s", path);
			continue;
		}
		cr_assert(tj_num(v, path, &share), "%s", path);
		sum += share;
	}
	cr_assert(sum <= 1.0 + 1e-9);
	tj_free(v);
	free(buf);
	ct_agg_free(a);
}

/* truncation and interim summaries are marked */
Test(output, truncated_command_and_interim_summary)
{
	struct ct_meta m = meta;
	struct ct_agg *a = sample_agg();
	struct ct_container c;
	struct tj *v;
	char *buf;
	size_t len;

	tf_container(&c, "0123456789abcdef", "web", CT_RT_RUNC, 1000 * MS, 100);
	CAPTURE(buf, len, ct_jsonl_write(f_, &ct_jsonl_container, &c));
	v = parse_line(buf, len);
	cr_assert_null(tj_get(v, "command_truncated"), "absent when whole");
	tj_free(v);
	free(buf);
	c.cmd_truncated = true;
	CAPTURE(buf, len, ct_jsonl_write(f_, &ct_jsonl_container, &c));
	v = parse_line(buf, len);
	cr_assert(tj_get(v, "command_truncated")->b);
	tj_free(v);
	free(buf);

	CAPTURE(buf, len, ct_jsonl_write_summary(f_, a, &m));
	v = parse_line(buf, len);
	cr_assert(tj_get(v, "final")->b);
	tj_free(v);
	free(buf);
	m.interim = true;
	CAPTURE(buf, len, ct_jsonl_write_summary(f_, a, &m));
	v = parse_line(buf, len);
	cr_assert_not(tj_get(v, "final")->b);
	tj_free(v);
	free(buf);
	CAPTURE(buf, len, ct_output_summary(f_, a, &m));
	cr_assert_not_null(strstr(buf, "interim"), "%s", buf);
	free(buf);
	ct_agg_free(a);
}

/* Every output of c: the -j line, the table's notes, the OTLP request,
 * trace.json (each parsed back, the table as text). */
struct all_out {
	struct tj *json, *otlp, *trace;
	char *table;
};

static struct tj *parse_all(char *buf, size_t len)
{
	char err[128];
	struct tj *v = tj_parse(buf, len, err, sizeof(err));

	cr_assert_not_null(v, "%s: %s", err, buf);
	free(buf);
	return v;
}

static void outputs_of(const struct ct_container *c, struct all_out *o)
{
	static const struct ct_otlp_res res = {
		.version = "0.1.0", .kernel = "6.18.0", .host_name = "node-7",
		.host_id = "",
	};
	struct ct_sink_out t = { .started = true };
	struct ct_agg *a = ct_agg_new();
	char *buf;
	size_t len;

	CAPTURE(buf, len, ct_jsonl_write(f_, &ct_jsonl_container, c));
	o->json = parse_line(buf, len);
	free(buf);
	CAPTURE(buf, len, ct_otlp_json(f_, &res,
				       &(struct ct_otlp_rec){ .c = c }));
	o->otlp = parse_all(buf, len);
	ct_agg_add(a, c);
	CAPTURE(buf, len, ct_chrome_trace_write(f_, a, &meta));
	o->trace = parse_all(buf, len);
	ct_agg_free(a);
	CAPTURE(o->table, len, (t.f = f_, ct_sink_table.container(&t, c)));
}

static void outputs_free(struct all_out *o)
{
	tj_free(o->json);
	tj_free(o->otlp);
	tj_free(o->trace);
	free(o->table);
}

/* The event or span named name in list (its "name"), NULL if none. */
static const struct tj *named(const struct tj *list, const char *name)
{
	for (size_t i = 0; list && i < list->n; i++)
		if (!strcmp(tj_str(list->items[i], "name"), name))
			return list->items[i];
	return NULL;
}

/* What each output says of prepare's missing step st: the same reason,
 * or nothing in any. */
static void expect_said(const struct all_out *o, const char *st,
			const char *why)
{
	const struct tj *span = named(tj_get(o->otlp,
				      "resourceSpans.0.scopeSpans.0.spans"),
				      "prepare");
	const struct tj *ev = named(tj_get(o->trace, "traceEvents"),
				    "prepare");
	char key[64], line[96];

	cr_assert(span && ev);
	snprintf(key, sizeof(key), "phases.prepare.missing.%s", st);
	cr_expect_str_eq(tj_str(o->json, key) ? tj_str(o->json, key) : "",
			 why, "json %s", st);
	snprintf(key, sizeof(key), "coldtrace.step_missing.%s", st);
	span = tj_otlp_attr(span, key);
	cr_expect_str_eq(span ? tj_str(span, "stringValue") : "", why,
			 "otlp %s", st);
	snprintf(key, sizeof(key), "args.missing.%s", st);
	cr_expect_str_eq(tj_str(ev, key) ? tj_str(ev, key) : "", why,
			 "trace.json %s", st);
	snprintf(line, sizeof(line), "no %s: %s", st, why);
	cr_expect_eq(strstr(o->table, line) != NULL, why[0] != 0, "%s",
		     o->table);
}

/* c's outputs say request's and image's reasons ("": none) alike, and
 * its table the line */
static void said_alike(const struct ct_container *c, const char *request,
		       const char *image, const char *line)
{
	struct all_out o;

	outputs_of(c, &o);
	expect_said(&o, "request", request);
	expect_said(&o, "image", image);
	cr_expect_not_null(strstr(o.table, line), "%s", o.table);
	if (!request[0] && !image[0])
		cr_expect_null(tj_get(named(tj_get(o.trace, "traceEvents"),
					    "prepare"), "args.missing"));
	outputs_free(&o);
}

/*
 * One rule for the reasons of missing steps (docs/phases.md "Missing
 * steps"): every output says them wherever it says the phase, with
 * steps found or none: a reason alone is a fact worth saying.
 */
Test(output, steps_missing_said_alike)
{
	struct ct_container c;
	struct ct_steps *s;

	tf_container(&c, "0123456789abcdef", "web", CT_RT_RUNC, 1000 * MS, 100);
	tf_phase(&c, CT_PH_PREPARE, 980 * MS, 1000 * MS);
	s = ct_steps_mut(&c, CT_PH_PREPARE);
	s->missing[CT_STEP_REQUEST] = CT_MISS_UNPROBED;
	said_alike(&c, "unprobed", "", "\n  prepare: no request: unprobed\n");

	ct_steps_mark(&c, CT_PH_PREPARE, CT_STEP_CONFIG, 990 * MS);
	s->missing[CT_STEP_IMAGE] = CT_MISS_SHARED;
	said_alike(&c, "unprobed", "shared", "\n  prepare: config 10.0, "
		   "unattributed 10.0 ms; no request: unprobed; no image: "
		   "shared\n");

	memset(s->missing, 0, sizeof(s->missing));
	said_alike(&c, "", "", "\n  prepare: config 10.0, unattributed "
		   "10.0 ms\n");
}
