// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* /metrics' self-metrics: see selfstat.h. */
#include <dirent.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "selfstat.h"
#include "util.h"

#define PROGS_MAX	64	/* coldtrace loads ~20 */

/* The first line of <proc_dir>/<rel> into buf; false if unreadable. */
static bool read_line(const char *proc_dir, const char *rel, char *buf,
		      size_t len)
{
	char path[512];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", proc_dir, rel);
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	return ok;
}

/* btime of <proc_dir>/stat: boot time, seconds since the epoch. */
static uint64_t boot_time(const char *proc_dir)
{
	char path[512], line[256];
	uint64_t bt = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/stat", proc_dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %" SCNu64, &bt) == 1)
			break;
	fclose(f);
	return bt;
}

struct self_stat {
	uint64_t utime, stime, starttime, vsize, rss;	/* proc(5) units */
};

/* Fields 14, 15, 22, 23, 24 of self/stat, after the comm's last ')'. */
static bool self_stat(const char *proc_dir, struct self_stat *st)
{
	char buf[1024];
	const char *p;

	if (!read_line(proc_dir, "self/stat", buf, sizeof(buf)))
		return false;
	p = strrchr(buf, ')');
	return p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
			   "%*u %" SCNu64 " %" SCNu64 " %*d %*d %*d %*d %*d "
			   "%*d %" SCNu64 " %" SCNu64 " %" SCNu64,
			   &st->utime, &st->stime, &st->starttime, &st->vsize,
			   &st->rss) == 5;
}

static size_t open_fds(const char *proc_dir)
{
	char path[512];
	struct dirent *d;
	size_t n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/self/fd", proc_dir);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;	/* with the one reading it, as the Go client's */
}

static void process_metrics(FILE *f, const char *proc_dir)
{
	double tck = (double)sysconf(_SC_CLK_TCK);
	struct self_stat st;
	struct rlimit rl;

	if (self_stat(proc_dir, &st) && tck > 0) {
		ct_prom_family(f, "process_cpu_seconds_total", "counter",
		       "Total user and system CPU time spent in seconds.");
		fprintf(f, "process_cpu_seconds_total %.2f\n",
			(double)(st.utime + st.stime) / tck);
		ct_prom_family(f, "process_start_time_seconds", "gauge",
		       "Start time of the process since unix epoch in seconds.");
		fprintf(f, "process_start_time_seconds %.2f\n",
			(double)boot_time(proc_dir) +
			(double)st.starttime / tck);
		ct_prom_family(f, "process_virtual_memory_bytes", "gauge",
		       "Virtual memory size in bytes.");
		fprintf(f, "process_virtual_memory_bytes %" PRIu64 "\n",
			st.vsize);
		ct_prom_family(f, "process_resident_memory_bytes", "gauge",
		       "Resident memory size in bytes.");
		fprintf(f, "process_resident_memory_bytes %" PRIu64 "\n",
			st.rss * (uint64_t)sysconf(_SC_PAGESIZE));
	}
	ct_prom_family(f, "process_open_fds", "gauge",
	       "Number of open file descriptors.");
	fprintf(f, "process_open_fds %zu\n", open_fds(proc_dir));
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		ct_prom_family(f, "process_max_fds", "gauge",
		       "Maximum number of open file descriptors.");
		fprintf(f, "process_max_fds %" PRIu64 "\n",
			(uint64_t)rl.rlim_cur);
	}
}

/* The fd's program, if it is one (no libbpf: unit tests link without). */
static bool prog_info(int fd, struct bpf_prog_info *info)
{
	union bpf_attr attr;

	memset(info, 0, sizeof(*info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(*info);
	attr.info.info = (uint64_t)(uintptr_t)info;
	return syscall(__NR_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr,
		       sizeof(attr)) == 0;
}

/* The BPF programs among our fds, each once (by id). */
static size_t our_progs(const char *proc_dir, struct bpf_prog_info *p)
{
	char path[512], link[64];
	struct dirent *d;
	size_t n = 0, i;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/self/fd", proc_dir);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)) && n < PROGS_MAX) {
		ssize_t l;

		snprintf(path, sizeof(path), "%s/self/fd/%s", proc_dir,
			 d->d_name);
		l = readlink(path, link, sizeof(link) - 1);
		if (l <= 0)
			continue;
		link[l] = '\0';
		if (strcmp(link, "anon_inode:bpf-prog") ||
		    !prog_info(atoi(d->d_name), &p[n]))
			continue;
		for (i = 0; i < n && p[i].id != p[n].id; i++)
			;
		n += i == n;
	}
	closedir(dir);
	return n;
}

static void prog_series(FILE *f, const char *name,
			const struct bpf_prog_info *p, size_t n, bool time)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{program=\"%.*s\",id=\"%u\"} ", name,
			(int)sizeof(p[i].name), p[i].name, p[i].id);
		if (time)
			fprintf(f, "%" PRIu64 ".%09" PRIu64 "\n",
				(uint64_t)p[i].run_time_ns / 1000000000,
				(uint64_t)p[i].run_time_ns % 1000000000);
		else
			fprintf(f, "%" PRIu64 "\n", (uint64_t)p[i].run_cnt);
	}
}

static void bpf_metrics(FILE *f, const char *proc_dir)
{
	struct bpf_prog_info *p = calloc(PROGS_MAX, sizeof(*p));
	char buf[16] = "0";
	size_t n;

	if (!p)
		return;
	read_line(proc_dir, "sys/kernel/bpf_stats_enabled", buf, sizeof(buf));
	ct_prom_family(f, "coldtrace_bpf_stats_enabled", "gauge",
	       "kernel.bpf_stats_enabled: 1 if BPF run times are counted.");
	fprintf(f, "coldtrace_bpf_stats_enabled %d\n", atoi(buf) ? 1 : 0);
	n = our_progs(proc_dir, p);
	ct_prom_family(f, "coldtrace_bpf_program_run_time_seconds_total", "counter",
	       "Time spent in each of coldtrace's BPF programs (counted "
	       "while kernel.bpf_stats_enabled is 1).");
	prog_series(f, "coldtrace_bpf_program_run_time_seconds_total", p, n,
		    true);
	ct_prom_family(f, "coldtrace_bpf_program_runs_total", "counter",
	       "Runs of each of coldtrace's BPF programs (counted while "
	       "kernel.bpf_stats_enabled is 1).");
	prog_series(f, "coldtrace_bpf_program_runs_total", p, n, false);
	free(p);
}

/* The wall clock's moves against the records' clock (wallclock.h). */
static void clock_metrics(FILE *f, const struct ct_wallclock *w)
{
	ct_prom_family(f, "coldtrace_wall_clock_step_seconds", "gauge",
	       "How far the wall clock moved against the monotonic clock "
	       "since the session began (a clock step or a suspend): wall "
	       "times printed since are off by this much.");
	fprintf(f, "coldtrace_wall_clock_step_seconds %.9f\n",
		(double)w->step_ns / 1e9);
	ct_prom_family(f, "coldtrace_wall_clock_steps_total", "counter",
	       "Moves of the wall clock against the monotonic clock of "
	       "10 ms or more, seen since the session began.");
	fprintf(f, "coldtrace_wall_clock_steps_total %" PRIu64 "\n",
		w->steps);
}

void ct_self_metrics(FILE *f, const char *proc_dir,
		     const struct ct_wallclock *w)
{
	if (w)
		clock_metrics(f, w);

	process_metrics(f, proc_dir);
	bpf_metrics(f, proc_dir);
}
