// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * /metrics' self-metrics (selfstat.c): the process collector's families
 * from a fake proc tree (a comm with spaces and parentheses, known ticks)
 * and from our own /proc, in valid exposition format.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "selfstat.h"
#include "tprom.h"

static struct prom *self_scrape(const char *proc_dir,
				const struct ct_wallclock *w)
{
	struct prom *p = malloc(sizeof(*p));
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(p);
	cr_assert_not_null(f);
	ct_self_metrics(f, proc_dir, w);
	cr_assert_eq(fclose(f), 0);
	prom_parse(buf, p);
	prom_check(p);
	free(buf);
	return p;
}

static void put(const char *dir, const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

Test(selfstat, fake_proc_tree)
{
	char dir[] = "/tmp/ct-selfstat-XXXXXX", sub[64], stat[512];
	long tck = sysconf(_SC_CLK_TCK), pg = sysconf(_SC_PAGESIZE);
	struct prom *p;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/self", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/self/fd", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
	put(dir, "self/fd/0", "");
	put(dir, "self/fd/1", "");
	/* utime 3 s, stime 1 s, starttime 10 s after boot, 8 MiB, 100 pages */
	snprintf(stat, sizeof(stat),
		 "42 (a) b (c) S 1 42 42 0 -1 4194560 1 0 0 0 %ld %ld 0 0 20 "
		 "0 1 0 %ld 8388608 100 18446744073709551615\n",
		 3 * tck, 1 * tck, 10 * tck);
	put(dir, "self/stat", stat);
	put(dir, "stat", "cpu  1 2 3\nbtime 1700000000\nprocesses 9\n");
	p = self_scrape(dir, NULL);
	cr_expect_float_eq(prom_get(p, "process_cpu_seconds_total", ""), 4.0,
			   1e-9);
	cr_expect_float_eq(prom_get(p, "process_start_time_seconds", ""),
			   1700000010.0, 1e-3);
	cr_expect_eq(prom_get(p, "process_virtual_memory_bytes", ""), 8388608);
	cr_expect_eq(prom_get(p, "process_resident_memory_bytes", ""),
		     100.0 * (double)pg);
	cr_expect_eq(prom_get(p, "process_open_fds", ""), 2);
	cr_expect(prom_has(p, "process_max_fds", ""));
	cr_expect_eq(prom_get(p, "coldtrace_bpf_stats_enabled", ""), 0);
	free(p);
	snprintf(stat, sizeof(stat), "rm -rf %s", dir);
	cr_assert_eq(system(stat), 0);
}

Test(selfstat, our_own_process)
{
	struct prom *p = self_scrape("/proc", NULL);
	double start = prom_get(p, "process_start_time_seconds", "");

	cr_expect_gt(prom_get(p, "process_resident_memory_bytes", ""), 0);
	cr_expect_gt(prom_get(p, "process_open_fds", ""), 2);
	cr_expect(start > (double)time(NULL) - 3600 &&
		  start <= (double)time(NULL) + 1, "start %f", start);
	cr_expect(prom_has(p, "coldtrace_bpf_stats_enabled", ""));
	free(p);
}

/* A live session's clock watch: its moves as the two clock families. */
Test(selfstat, wall_clock_families)
{
	struct ct_wallclock w;
	struct prom *p;

	ct_wallclock_init(&w, 0);
	ct_wallclock_check(&w, -2500 * 1000000ll);
	p = self_scrape("/proc", &w);
	cr_assert_float_eq(prom_get(p, "coldtrace_wall_clock_step_seconds",
				    ""), -2.5, 1e-9);
	cr_assert_float_eq(prom_get(p, "coldtrace_wall_clock_steps_total",
				    ""), 1, 1e-9);
	free(p);
}
