// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --output DIR files: each is parsed back (JSON, RFC 4180 CSV,
 * Prometheus text format, Chrome trace) and they must agree.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "export.h"
#include "tfixture.h"
#include "tjson.h"
#include "tprom.h"

static const struct ct_meta meta = {
	.version = "0.1.0", .kernel = "6.18.0 \"test\"\\", .lost_events = 5,
};

static char tmpdir[64];

static void setup(void)
{
	strcpy(tmpdir, "/tmp/ct-export-test-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(p);
}

static void teardown(void)
{
	chmod(tmpdir, 0700);
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *path_in(const char *dir, const char *name)
{
	char *p;

	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

/* No leftover temp file (".name.XXXXXX") in dir. */
static void assert_no_temp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		cr_assert(e->d_name[0] != '.' || !strcmp(e->d_name, ".") ||
			  !strcmp(e->d_name, ".."), "temp left: %s", e->d_name);
	closedir(d);
}

/* Three "web" generations (2 restarts), a runsc one, a nasty name. */
static struct ct_agg *fixture(void)
{
	struct ct_agg *a = ct_agg_new();
	struct ct_container c;

	tf_container(&c, "aaaa0001", "web", CT_RT_RUNC, 1000 * MS, 100);
	c.has_client = true;
	c.client.pid = 4242;
	snprintf(c.client.comm, sizeof(c.client.comm), "do,cker");
	ct_agg_add(a, &c);
	c.has_client = false;
	tf_container(&c, "aaaa0002", "web", CT_RT_RUNC, 1200 * MS, 50);
	c.phase_mask &= ~(1u << CT_PH_CONNECT);
	ct_agg_add(a, &c);
	tf_container(&c, "aaaa0003", "web", CT_RT_RUNC, 1500 * MS, 7);
	c.has_exit_code = false;
	ct_agg_add(a, &c);
	tf_container(&c, "bbbb0001", "x,\"y\"\nz\x01\xff", CT_RT_RUNSC,
		     1000 * MS, 333);
	c.complete = false;
	c.phases[CT_PH_DESTROY].end_ns = 0;
	c.exit_code = -1;
	ct_agg_add(a, &c);
	return a;
}

/* ---- CSV (RFC 4180) ---- */

#define CSV_MAX_COLS	32
#define CSV_MAX_ROWS	64

struct csv {
	size_t rows;
	size_t cols[CSV_MAX_ROWS];
	char *f[CSV_MAX_ROWS][CSV_MAX_COLS];
};

/* Strict: CRLF records, quotes only around whole fields. */
static void csv_parse(const char *s, struct csv *out)
{
	size_t r = 0, c = 0, o;
	char *field;

	memset(out, 0, sizeof(*out));
	while (*s) {
		field = malloc(strlen(s) + 1);
		o = 0;
		if (*s == '"') {
			for (s++;; s++) {
				cr_assert(*s, "unterminated quoted field");
				if (*s == '"' && s[1] == '"')
					field[o++] = *s++;
				else if (*s == '"')
					break;
				else
					field[o++] = *s;
			}
			s++;
		} else {
			for (; *s && *s != ',' && *s != '\r'; s++) {
				cr_assert(*s != '"' && *s != '\n',
					  "bare quote or LF in unquoted field");
				field[o++] = *s;
			}
		}
		field[o] = '\0';
		cr_assert_lt(c, CSV_MAX_COLS);
		cr_assert_lt(r, CSV_MAX_ROWS);
		out->f[r][c++] = field;
		if (*s == ',') {
			s++;
			continue;
		}
		cr_assert(s[0] == '\r' && s[1] == '\n', "records end in CRLF");
		s += 2;
		out->cols[r++] = c;
		c = 0;
	}
	out->rows = r;
}

static void csv_free(struct csv *t)
{
	for (size_t r = 0; r < CSV_MAX_ROWS; r++)
		for (size_t c = 0; c < CSV_MAX_COLS; c++)
			free(t->f[r][c]);
}

static int csv_col(const struct csv *t, const char *name)
{
	for (size_t c = 0; c < t->cols[0]; c++)
		if (!strcmp(t->f[0][c], name))
			return c;
	cr_assert_fail("no column %s", name);
	return -1;
}

/* "1234.567" (µs with 3 decimals) -> ns, exactly */
static uint64_t us_to_ns(const char *s)
{
	const char *dot = strchr(s, '.');

	cr_assert(dot && strlen(dot) == 4, "bad µs value '%s'", s);
	return strtoull(s, NULL, 10) * 1000 + strtoull(dot + 1, NULL, 10);
}

/* ---- reading the export back ---- */

static struct tj *json_file(const char *dir, const char *name)
{
	char *p = path_in(dir, name), *text, err[128];
	size_t len;
	struct tj *v;

	text = tj_slurp(p, &len);
	cr_assert_not_null(text, "missing %s", p);
	v = tj_parse(text, len, err, sizeof(err));
	cr_assert_not_null(v, "%s: %s", name, err);
	free(text);
	free(p);
	return v;
}

/* Parses every line; returns the count, objects in out[]. */
static size_t jsonl_file(const char *dir, const char *name, struct tj **out,
			 size_t max)
{
	char *p = path_in(dir, name), *text, *l, *nl, err[128];
	size_t n = 0;

	text = tj_slurp(p, NULL);
	cr_assert_not_null(text, "missing %s", p);
	for (l = text; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		cr_assert_not_null(nl, "last line ends in newline");
		cr_assert_lt(n, max);
		out[n] = tj_parse(l, nl - l, err, sizeof(err));
		cr_assert_not_null(out[n], "%s line %zu: %s", name, n + 1, err);
		n++;
	}
	free(text);
	free(p);
	return n;
}

TestSuite(export, .init = setup, .fini = teardown);

Test(export, files_exist_and_agree)
{
	struct ct_agg *a = fixture();
	char err[256], *dir = path_in(tmpdir, "out/nested"), *text, *p;
	struct tj *lines[16], *sum, *trace;
	struct csv csv;
	struct prom *prom = malloc(sizeof(*prom));
	size_t n, i, xev = 0, named = 0;
	uint64_t u, dur;
	int ph;

	cr_assert_eq(ct_export_dir(dir, a, &meta, err, sizeof(err)), 0, "%s",
		     err);
	assert_no_temp(dir);

	/* containers.jsonl: meta line, then the records in order */
	n = jsonl_file(dir, "containers.jsonl", lines, 16);
	cr_assert_eq(n, 1 + ct_agg_count(a));
	cr_assert_str_eq(tj_str(lines[0], "type"), "meta");
	cr_assert_str_eq(tj_str(lines[0], "version"), meta.version);
	cr_assert_str_eq(tj_str(lines[0], "kernel"), meta.kernel);
	cr_assert_str_eq(tj_str(lines[4], "name"),
			 "x,\"y\"\nz\x01\xef\xbf\xbd");

	/* phases.csv: same ids, same durations (µs vs ns) */
	p = path_in(dir, "phases.csv");
	text = tj_slurp(p, NULL);
	csv_parse(text, &csv);
	cr_assert_eq(csv.rows, 1 + ct_agg_count(a));
	for (i = 1; i < csv.rows; i++) {
		cr_assert_eq(csv.cols[i], csv.cols[0]);
		cr_assert_str_eq(csv.f[i][csv_col(&csv, "id")],
				 tj_str(lines[i], "id"));
		cr_assert_str_eq(csv.f[i][csv_col(&csv, "version")],
				 meta.version);
		cr_assert_str_eq(csv.f[i][csv_col(&csv, "kernel")], meta.kernel);
		if (tj_u64(lines[i], "client.pid", &u))
			cr_assert_eq(strtoull(csv.f[i][csv_col(&csv,
					"client_pid")], NULL, 10), u);
		else
			cr_assert_str_eq(csv.f[i][csv_col(&csv, "client_pid")],
					 "");
		cr_assert_str_eq(csv.f[i][csv_col(&csv, "client_comm")],
				 tj_str(lines[i], "client.comm") ?
				 tj_str(lines[i], "client.comm") : "");
		cr_assert(tj_u64(lines[i], "total_ns", &u));
		cr_assert_eq(us_to_ns(csv.f[i][csv_col(&csv, "total_us")]), u);
		for (ph = 0; ph < CT_PH_MAX; ph++) {
			char col[32], jp[64];
			const char *cell;

			snprintf(col, sizeof(col), "%s_us", ct_phase_name(ph));
			snprintf(jp, sizeof(jp), "phases.%s.dur_ns",
				 ct_phase_name(ph));
			cell = csv.f[i][csv_col(&csv, col)];
			if (!tj_u64(lines[i], jp, &dur))
				cr_assert_str_eq(cell, "", "%s", col);
			else
				cr_assert_eq(us_to_ns(cell), dur, "%s", col);
		}
	}
	/* CSV text is printable: \x01 and the bad byte became U+FFFD */
	cr_assert_str_eq(csv.f[4][csv_col(&csv, "name")],
			 "x,\"y\"\nz\xef\xbf\xbd\xef\xbf\xbd");
	cr_assert_str_eq(csv.f[3][csv_col(&csv, "exit_code")], "");
	cr_assert_str_eq(csv.f[4][csv_col(&csv, "complete")], "false");
	csv_free(&csv);
	free(text);
	free(p);

	/* summary.json: the aggregator's numbers */
	sum = json_file(dir, "summary.json");
	cr_assert_str_eq(tj_str(sum, "version"), meta.version);
	cr_assert_str_eq(tj_str(sum, "kernel"), meta.kernel);
	cr_assert(tj_u64(sum, "lost_events", &u) && u == 5);
	cr_assert(tj_u64(sum, "runtimes.runc.containers", &u) && u == 3);
	cr_assert(tj_u64(sum, "runtimes.runsc.containers", &u) && u == 1);
	cr_assert(tj_u64(sum, "runtimes.runc.phases.run.p50_ns", &u) &&
		  u == 50 * MS);
	cr_assert(tj_u64(sum, "runtimes.runc.phases.connect.n", &u) && u == 2);
	cr_assert(tj_u64(sum, "runtimes.runc.restart.n", &u) && u == 2);
	cr_assert(tj_u64(sum, "runtimes.runc.restart.min_ns", &u) &&
		  u == 100 * MS);
	cr_assert_null(tj_get(sum, "runtimes.runsc.phases.destroy"),
		       "open phase has no duration");

	/* restarts.jsonl */
	for (i = 0; i < n; i++)
		tj_free(lines[i]);
	n = jsonl_file(dir, "restarts.jsonl", lines, 16);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(tj_str(lines[1], "old_id"), "aaaa0001");
	cr_assert(tj_u64(lines[1], "dur_ns", &u) && u == 100 * MS);
	cr_assert_str_eq(tj_str(lines[0], "kernel"), meta.kernel);

	/* metrics.prom */
	p = path_in(dir, "metrics.prom");
	text = tj_slurp(p, NULL);
	prom_parse(text, prom);
	prom_check(prom);
	cr_assert_eq(prom_get(prom, "coldtrace_containers_total",
			      "container_runtime=runc;engine=docker;"), 3);
	cr_assert_eq(prom_get(prom, "coldtrace_lost_events_total", ""), 5);
	cr_assert_eq(prom_get(prom, "coldtrace_containers_complete_total",
			      "container_runtime=runc;engine=docker;"), 3);
	cr_assert_eq(prom_get(prom, "coldtrace_containers_complete_total",
			      "container_runtime=runsc;engine=docker;"),
		     0);	/* destroy missing */
	cr_assert_eq(prom_get(prom, "coldtrace_containers_failed_total",
			      "container_runtime=runc;engine=docker;"), 0);
	cr_assert_eq(prom_get(prom, "coldtrace_build_info",
			      "version=0.1.0;kernel=6.18.0 \"test\"\\;"),
		     1);
	cr_assert_eq(prom_get(prom, "coldtrace_phase_duration_seconds_count",
			      "container_runtime=runc;engine=docker;"
			      "phase=connect;"), 2);
	cr_assert_float_eq(prom_get(prom, "coldtrace_phase_duration_seconds_sum",
				    "container_runtime=runc;engine=docker;"
				    "phase=run;"), 0.157, 1e-12);
	cr_assert_eq(prom_get(prom, "coldtrace_restart_duration_seconds_count",
			      "container_runtime=runc;engine=docker;"), 2);
	free(text);
	free(p);

	/* trace.json: one X per closed phase, same durations */
	trace = json_file(dir, "trace.json");
	cr_assert_str_eq(tj_str(trace, "displayTimeUnit"), "ms");
	cr_assert_str_eq(tj_str(trace, "otherData.kernel"), meta.kernel);
	for (i = 0; i < tj_get(trace, "traceEvents")->n; i++) {
		const struct tj *e = tj_get(trace, "traceEvents")->items[i];
		const struct ct_container *c;
		double ts, d;

		cr_assert(tj_is(e, "pid", TJ_NUM) && tj_is(e, "tid", TJ_NUM));
		/* parsers split every cat and sort every event by ts */
		cr_assert(tj_is(e, "cat", TJ_STR), "event %zu has no cat", i);
		cr_assert(tj_is(e, "ts", TJ_NUM), "event %zu has no ts", i);
		if (!strcmp(tj_str(e, "ph"), "M")) {
			cr_assert(tj_is(e, "args.name", TJ_STR));
			if (!strcmp(tj_str(e, "name"), "thread_name"))
				named++;
			continue;
		}
		cr_assert_str_eq(tj_str(e, "ph"), "X");
		cr_assert(tj_u64(e, "tid", &u));
		c = ct_agg_get(a, u - 1);
		cr_assert_str_eq(tj_str(e, "args.id"), c->id);
		ph = 0;
		while (strcmp(ct_phase_name(ph), tj_str(e, "name")))
			ph++;
		cr_assert(tj_num(e, "dur", &d) && tj_num(e, "ts", &ts));
		cr_assert_float_eq(d * 1000, (double)ct_phase_dur(c, ph), 1);
		cr_assert_float_eq(ts * 1000 + 1000 * MS,
				   (double)c->phases[ph].start_ns, 1);
		xev++;
	}
	cr_assert_eq(xev, 8 + 7 + 8 + 7);	/* no connect; open destroy */
	cr_assert_eq(named, ct_agg_count(a), "a named track per container");

	for (i = 0; i < n; i++)
		tj_free(lines[i]);
	tj_free(sum);
	tj_free(trace);
	free(prom);
	free(dir);
	ct_agg_free(a);
}

Test(export, open_histograms_per_runtime)
{
	struct ct_agg *a = fixture();
	struct ct_container c;
	char err[256], *p, *text;
	struct tj *v;
	uint64_t u;

	tf_container(&c, "cccc0001", "", CT_RT_RUNC, 9000 * MS, 1);
	c.opens.valid = true;
	c.opens.count = 5;
	c.opens.failed = 1;
	c.opens.slots[11] = 3;	/* 2-4 us */
	c.opens.slots[14] = 2;
	ct_agg_add(a, &c);
	c.opens.slots[14] = 0;	/* second container: 3 more */
	c.opens.count = 3;
	ct_agg_add(a, &c);
	cr_assert_eq(ct_export_dir(tmpdir, a, &meta, err, sizeof(err)), 0, "%s",
		     err);
	v = json_file(tmpdir, "hist/runc-open.json");
	cr_assert_str_eq(tj_str(v, "runtime"), "runc");
	cr_assert_str_eq(tj_str(v, "kernel"), meta.kernel);
	cr_assert(tj_u64(v, "opens.count", &u) && u == 8);
	cr_assert(tj_u64(v, "opens.failed", &u) && u == 2);
	tj_free(v);
	p = path_in(tmpdir, "hist/runc-open.txt");
	text = tj_slurp(p, NULL);
	cr_assert_not_null(text);
	cr_assert(!strncmp(text, "# coldtrace 0.1.0 kernel", 24));
	cr_assert_not_null(strstr(text, "nsecs"));
	free(text);
	free(p);
	p = path_in(tmpdir, "hist/runsc-open.txt");
	cr_assert_neq(access(p, F_OK), 0, "runsc measured no opens");
	free(p);
	p = path_in(tmpdir, "hist");
	assert_no_temp(p);
	free(p);
	ct_agg_free(a);
}

/*
 * CRI pods: trace.json groups a pod's sandbox and app containers in one
 * process named "pod <id>", apart from the runtime's; phases.csv says
 * each row's type and pod.
 */
Test(export, pods_are_track_groups_and_csv_columns)
{
	struct ct_agg *a = ct_agg_new();
	struct ct_container c;
	char err[256], *p, *text;
	struct tj *trace;
	struct csv csv;
	int64_t pod_pid = -1, plain_pid = -1;
	uint64_t u, pid;

	tf_container(&c, "pod00001", "", CT_RT_RUNC, 1000 * MS, 0);
	c.engine = CT_ENG_CRI;
	c.is_pod = true;
	ct_agg_add(a, &c);
	tf_container(&c, "app00001", "", CT_RT_RUNC, 1100 * MS, 0);
	c.engine = CT_ENG_CRI;
	snprintf(c.pod, sizeof(c.pod), "pod00001");
	ct_agg_add(a, &c);
	tf_container(&c, "plain001", "", CT_RT_RUNC, 1200 * MS, 0);
	ct_agg_add(a, &c);
	cr_assert_eq(ct_export_dir(tmpdir, a, &meta, err, sizeof(err)), 0, "%s",
		     err);

	trace = json_file(tmpdir, "trace.json");
	for (size_t i = 0; i < tj_get(trace, "traceEvents")->n; i++) {
		const struct tj *e = tj_get(trace, "traceEvents")->items[i];

		if (!strcmp(tj_str(e, "ph"), "M")) {
			if (!strcmp(tj_str(e, "args.name"), "pod pod00001")) {
				cr_assert_eq(pod_pid, -1, "one group per pod");
				cr_assert(tj_u64(e, "pid", &pid));
				pod_pid = (int64_t)pid;
			}
			continue;
		}
		cr_assert(tj_u64(e, "tid", &u) && tj_u64(e, "pid", &pid));
		if (u == 3) {
			plain_pid = (int64_t)pid;
			continue;
		}
		/* tids 1 and 2, the sandbox and its app: the pod's group */
		cr_assert_eq((int64_t)pid, pod_pid, "tid %lu in pid %lu",
			     (unsigned long)u, (unsigned long)pid);
	}
	cr_assert_neq(pod_pid, -1, "no pod group");
	cr_assert_eq(plain_pid, CT_RT_RUNC + 1, "a plain container stays in its runtime's group");
	tj_free(trace);

	p = path_in(tmpdir, "phases.csv");
	text = tj_slurp(p, NULL);
	csv_parse(text, &csv);
	cr_assert_str_eq(csv.f[1][csv_col(&csv, "type")], "pod");
	cr_assert_str_eq(csv.f[1][csv_col(&csv, "pod")], "");
	cr_assert_str_eq(csv.f[2][csv_col(&csv, "type")], "container");
	cr_assert_str_eq(csv.f[2][csv_col(&csv, "pod")], "pod00001");
	cr_assert_str_eq(csv.f[3][csv_col(&csv, "type")], "container");
	cr_assert_str_eq(csv.f[3][csv_col(&csv, "engine")], "docker");
	csv_free(&csv);
	free(text);
	free(p);
	ct_agg_free(a);
}

Test(export, empty_aggregator_still_valid)
{
	struct ct_agg *a = ct_agg_new();
	struct ct_meta m = { .version = "v", .kernel = "k" };
	struct prom *prom = malloc(sizeof(*prom));
	char err[256], *p, *text;
	struct tj *v;
	uint64_t u;

	cr_assert_eq(ct_export_dir(tmpdir, a, &m, err, sizeof(err)), 0, "%s",
		     err);
	v = json_file(tmpdir, "summary.json");
	cr_assert(tj_u64(v, "lost_events", &u) && u == 0);
	cr_assert_eq(tj_get(v, "runtimes")->n, 0);
	tj_free(v);
	v = json_file(tmpdir, "trace.json");
	cr_assert_str_eq(tj_str(v, "otherData.version"), "v");
	tj_free(v);
	p = path_in(tmpdir, "metrics.prom");
	text = tj_slurp(p, NULL);
	prom_parse(text, prom);
	prom_check(prom);
	free(text);
	free(p);
	free(prom);
	ct_agg_free(a);
}

Test(export, unwritable_dir_is_an_error)
{
	struct ct_agg *a = fixture();
	char err[256], *file = path_in(tmpdir, "plainfile"), *sub;
	FILE *f = fopen(file, "w");

	cr_assert_not_null(f);
	fclose(f);
	/* a path through a regular file */
	sub = path_in(file, "out");
	err[0] = '\0';
	cr_assert_eq(ct_export_dir(sub, a, &meta, err, sizeof(err)), -ENOTDIR);
	cr_assert_not_null(strstr(err, "plainfile"), "says where: %s", err);
	/* the directory is a file */
	cr_assert_eq(ct_export_dir(file, a, &meta, err, sizeof(err)), -ENOTDIR);
	cr_assert_eq(ct_export_dir("", a, &meta, err, sizeof(err)), -EINVAL);
	if (geteuid() != 0) {
		char *ro = path_in(tmpdir, "ro");

		cr_assert_eq(mkdir(ro, 0500), 0);
		cr_assert_eq(ct_export_dir(ro, a, &meta, err, sizeof(err)),
			     -EACCES);
		assert_no_temp(ro);
		free(ro);
	}
	free(sub);
	free(file);
	ct_agg_free(a);
}

Test(export, failed_rename_leaves_no_temp)
{
	struct ct_agg *a = fixture();
	char err[256], *blocker = path_in(tmpdir, "summary.json");
	struct tj *lines[16];
	size_t n;

	/* a directory where summary.json should go: rename() fails */
	cr_assert_eq(mkdir(blocker, 0700), 0);
	cr_assert_lt(ct_export_dir(tmpdir, a, &meta, err, sizeof(err)), 0);
	cr_assert_not_null(strstr(err, "summary.json"), "%s", err);
	assert_no_temp(tmpdir);
	/* files written before it are whole */
	n = jsonl_file(tmpdir, "containers.jsonl", lines, 16);
	cr_assert_eq(n, 5);
	for (size_t i = 0; i < n; i++)
		tj_free(lines[i]);
	free(blocker);
	ct_agg_free(a);
}

/* ---- one session's set of files, or none changed ---- */

static char *slurp_in(const char *dir, const char *name)
{
	char *p = path_in(dir, name), *text = tj_slurp(p, NULL);

	free(p);
	cr_assert_not_null(text, "%s/%s", dir, name);
	return text;
}

Test(export, failed_write_changes_nothing)
{
	static const char *const names[] = {
		"containers.jsonl", "summary.json", "metrics.prom", "trace.json",
	};
	struct rlimit rl = { .rlim_cur = 2000, .rlim_max = 2000 };
	struct ct_agg *a = fixture();
	struct ct_meta m2 = meta;
	char err[256], *before[4], *after;

	cr_assert_eq(ct_export_dir(tmpdir, a, &meta, err, sizeof(err)), 0, "%s",
		     err);
	for (size_t i = 0; i < 4; i++)
		before[i] = slurp_in(tmpdir, names[i]);
	/* the second export fails half-way (a full disk, say) */
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	m2.lost_events = 77;
	cr_assert_lt(ct_export_dir(tmpdir, a, &m2, err, sizeof(err)), 0);
	for (size_t i = 0; i < 4; i++) {
		after = slurp_in(tmpdir, names[i]);
		cr_assert_str_eq(after, before[i], "%s changed", names[i]);
		free(after);
		free(before[i]);
	}
	assert_no_temp(tmpdir);
	ct_agg_free(a);
}

/* An OTLP/JSON id: n lowercase hex digits, not all zero. */
static bool otlp_id(const char *s, size_t n)
{
	if (!s || strlen(s) != n || strspn(s, "0123456789abcdef") != n)
		return false;
	return strspn(s, "0") != n;
}

#define otlp_attr	tj_otlp_attr

/*
 * otlp-traces.jsonl: one request line; per container a root span with
 * its id and a child span per closed phase, at the phase's exact start
 * and duration; the same session writes the same bytes.
 */
Test(export, otlp_spans_are_the_phases)
{
	struct ct_agg *a = fixture();
	char err[256], *first, *again;
	struct tj *lines[4];
	const struct tj *spans, *root = NULL;
	const struct ct_container *c = NULL;
	size_t i, roots = 0, phases = 0;
	uint64_t t0, t1;
	int ph;

	cr_assert_eq(ct_export_dir(tmpdir, a, &meta, err, sizeof(err)), 0, "%s",
		     err);
	first = slurp_in(tmpdir, "otlp-traces.jsonl");
	cr_assert_eq(jsonl_file(tmpdir, "otlp-traces.jsonl", lines, 4), 1);
	cr_assert_str_eq(tj_str(lines[0], "resourceSpans.0.resource.attributes"
				".0.value.stringValue"), "coldtrace");
	spans = tj_get(lines[0], "resourceSpans.0.scopeSpans.0.spans");
	cr_assert_not_null(spans);
	for (i = 0; i < spans->n; i++) {
		const struct tj *s = spans->items[i];

		cr_assert(otlp_id(tj_str(s, "traceId"), 32), "span %zu", i);
		cr_assert(otlp_id(tj_str(s, "spanId"), 16), "span %zu", i);
		for (size_t j = 0; j < i; j++)
			cr_assert_str_neq(tj_str(s, "spanId"),
					  tj_str(spans->items[j], "spanId"),
					  "spans %zu and %zu share an id", j, i);
		cr_assert(tj_u64(s, "kind", &t0) && t0 == 1);
		t0 = strtoull(tj_str(s, "startTimeUnixNano"), NULL, 10);
		t1 = strtoull(tj_str(s, "endTimeUnixNano"), NULL, 10);
		if (!tj_get(s, "parentSpanId")) {	/* a container */
			c = ct_agg_get(a, roots++);
			root = s;
			cr_assert_str_eq(tj_str(otlp_attr(s, "container.id"),
						"stringValue"), c->id);
			cr_assert_eq(tj_get(otlp_attr(s, "coldtrace.complete"),
					    "boolValue")->b, c->complete);
			cr_assert_eq(!!otlp_attr(s, "process.exit.code"),
				     c->has_exit_code);
			cr_assert_eq(t0, c->first_ns);
			continue;
		}
		cr_assert_not_null(root, "a phase span before any container");
		cr_assert_str_eq(tj_str(s, "parentSpanId"),
				 tj_str(root, "spanId"));
		cr_assert_str_eq(tj_str(s, "traceId"), tj_str(root, "traceId"));
		for (ph = 0; strcmp(ct_phase_name(ph), tj_str(s, "name")); ph++)
			cr_assert_lt(ph, CT_PH_MAX);
		cr_assert_eq(t0, c->phases[ph].start_ns, "%s", c->id);
		cr_assert_eq(t1 - t0, ct_phase_dur(c, ph), "%s", c->id);
		phases++;
	}
	cr_assert_eq(roots, ct_agg_count(a));
	cr_assert_eq(phases, 8 + 7 + 8 + 7);	/* no connect; open destroy */
	cr_assert_str_neq(tj_str(spans->items[0], "traceId"),
			  tj_str(root, "traceId"), "a trace per container");
	cr_assert_eq(ct_export_dir(tmpdir, a, &meta, err, sizeof(err)), 0);
	again = slurp_in(tmpdir, "otlp-traces.jsonl");
	cr_assert_str_eq(again, first, "the same session, the same bytes");
	free(first);
	free(again);
	tj_free(lines[0]);
	ct_agg_free(a);
}

/*
 * OpenTelemetry's names for what a collector files by: the resource's
 * host (CT_EV_HOST), absent when not known; container.runtime.name is
 * what manages the container (docker), one run by hand its OCI runtime.
 */
Test(export, otlp_semantic_conventions)
{
	struct ct_meta m = meta;
	struct ct_agg *a = fixture();
	struct ct_container c;
	const struct tj *res, *spans, *s;
	struct tj *lines[4];
	char err[256];
	int direct = 0;

	tf_container(&c, "cccc0001", "", CT_RT_CRUN, 2000 * MS, 10);
	c.engine = CT_ENG_DIRECT;
	ct_agg_add(a, &c);
	m.host_name = "node-7";
	m.host_id = "3d1219c7c4c5404aaa1f6d2a48adfda4";
	m.node_name = "node-7";
	cr_assert_eq(ct_export_dir(tmpdir, a, &m, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(jsonl_file(tmpdir, "otlp-traces.jsonl", lines, 4), 1);
	res = tj_get(lines[0], "resourceSpans.0.resource");
	cr_assert_not_null(res);
	cr_expect_str_eq(tj_str(otlp_attr(res, "host.name"), "stringValue"),
			 "node-7");
	cr_expect_str_eq(tj_str(otlp_attr(res, "host.id"), "stringValue"),
			 m.host_id);
	cr_expect_str_eq(tj_str(otlp_attr(res, "k8s.node.name"),
				"stringValue"), "node-7");
	spans = tj_get(lines[0], "resourceSpans.0.scopeSpans.0.spans");
	cr_assert_not_null(spans);
	for (size_t i = 0; i < spans->n; i++) {
		s = spans->items[i];
		if (tj_get(s, "parentSpanId"))
			continue;
		if (!strcmp(tj_str(otlp_attr(s, "container.id"), "stringValue"),
			    "cccc0001")) {
			direct++;
			cr_expect_str_eq(tj_str(otlp_attr(s,
				"container.runtime.name"), "stringValue"), "crun");
		} else {
			cr_expect_str_eq(tj_str(otlp_attr(s,
				"container.runtime.name"), "stringValue"),
				"docker");
		}
	}
	cr_expect_eq(direct, 1);
	tj_free(lines[0]);
	/* not known (a replay of a recording made before CT_EV_HOST) */
	cr_assert_eq(ct_export_dir(tmpdir, a, &meta, err, sizeof(err)), 0);
	cr_assert_eq(jsonl_file(tmpdir, "otlp-traces.jsonl", lines, 4), 1);
	res = tj_get(lines[0], "resourceSpans.0.resource");
	cr_expect_null(otlp_attr(res, "host.name"));
	cr_expect_null(otlp_attr(res, "k8s.node.name"));
	tj_free(lines[0]);
	ct_agg_free(a);
}

static void add_opens(struct ct_agg *a, const char *id, enum ct_runtime rt)
{
	struct ct_container c;

	tf_container(&c, id, "", rt, 9000 * MS, 1);
	c.opens.valid = true;
	c.opens.count = 1;
	c.opens.slots[11] = 1;
	ct_agg_add(a, &c);
}

Test(export, stale_histograms_removed)
{
	struct ct_agg *a = ct_agg_new(), *b = ct_agg_new();
	char err[256], *p;

	add_opens(a, "aaaa0001", CT_RT_RUNC);
	add_opens(a, "aaaa0002", CT_RT_CRUN);
	cr_assert_eq(ct_export_dir(tmpdir, a, &meta, err, sizeof(err)), 0, "%s",
		     err);
	add_opens(b, "bbbb0001", CT_RT_RUNSC);
	cr_assert_eq(ct_export_dir(tmpdir, b, &meta, err, sizeof(err)), 0, "%s",
		     err);
	p = path_in(tmpdir, "hist/runsc-open.json");
	cr_assert_eq(access(p, F_OK), 0);
	free(p);
	p = path_in(tmpdir, "hist/runc-open.txt");
	cr_assert_neq(access(p, F_OK), 0, "an earlier session's file stays");
	free(p);
	p = path_in(tmpdir, "hist/crun-open.json");
	cr_assert_neq(access(p, F_OK), 0, "an earlier session's file stays");
	free(p);
	p = path_in(tmpdir, "hist");
	assert_no_temp(p);
	free(p);
	assert_no_temp(tmpdir);
	ct_agg_free(a);
	ct_agg_free(b);
}

Test(export, check_dir_before_the_session)
{
	char err[256], *file = path_in(tmpdir, "f"), *fresh;
	FILE *f = fopen(file, "w");

	cr_assert_not_null(f);
	fclose(f);
	cr_assert_lt(ct_export_check_dir("/proc/x", err, sizeof(err)), 0);
	cr_assert_not_null(strstr(err, "/proc/x"), "%s", err);
	cr_assert_eq(ct_export_check_dir(file, err, sizeof(err)), -ENOTDIR);
	fresh = path_in(tmpdir, "a/b");
	cr_assert_eq(ct_export_check_dir(fresh, err, sizeof(err)), 0, "%s",
		     err);
	assert_no_temp(fresh);
	free(fresh);
	free(file);
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char *p = path_in(dir, name);
	FILE *f = fopen(p, "w");

	cr_assert_not_null(f, "%s", p);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void assert_file_says(const char *dir, const char *name,
			     const char *text)
{
	char *p = path_in(dir, name), *got = tj_slurp(p, NULL);

	cr_assert_not_null(got, "%s is gone", p);
	cr_assert_str_eq(got, text, "%s was written", p);
	free(got);
	free(p);
}

/*
 * DIR/hist a symlink to another directory: nothing written or deleted
 * there, by an export with histograms, one without the target's, or one
 * with none; and the check before a session says so at once.
 */
Test(export, never_through_a_hist_symlink)
{
	struct ct_agg *a = ct_agg_new(), *b = ct_agg_new(), *none = ct_agg_new();
	char err[256], *out = path_in(tmpdir, "out");
	char *target = path_in(tmpdir, "target"), *link = path_in(out, "hist");

	cr_assert_eq(mkdir(out, 0755), 0);
	cr_assert_eq(mkdir(target, 0755), 0);
	put_file(target, "runc-open.txt", "mine\n");
	put_file(target, "crun-open.json", "mine too\n");
	cr_assert_eq(symlink("../target", link), 0);
	add_opens(a, "aaaa0001", CT_RT_RUNC);
	add_opens(b, "bbbb0001", CT_RT_RUNSC);
	cr_assert_lt(ct_export_check_dir(out, err, sizeof(err)), 0);
	cr_expect(strstr(err, "hist' is a symlink"), "%s", err);
	cr_assert_lt(ct_export_dir(out, a, &meta, err, sizeof(err)), 0);
	cr_expect(strstr(err, "never writes or deletes through one"), "%s",
		  err);
	cr_assert_lt(ct_export_dir(out, b, &meta, err, sizeof(err)), 0);
	cr_assert_lt(ct_export_dir(out, none, &meta, err, sizeof(err)), 0);
	assert_file_says(target, "runc-open.txt", "mine\n");
	assert_file_says(target, "crun-open.json", "mine too\n");
	assert_no_temp(target);
	assert_no_temp(out);
	/* a real hist/ instead: the export goes through */
	cr_assert_eq(unlink(link), 0);
	cr_assert_eq(ct_export_dir(out, a, &meta, err, sizeof(err)), 0, "%s",
		     err);
	free(out);
	free(target);
	free(link);
	ct_agg_free(a);
	ct_agg_free(b);
	ct_agg_free(none);
}
