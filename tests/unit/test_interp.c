// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --start-files' dynamic loader: read from a process's program as a live
 * session reads it.  The truth for this test's own process is the
 * kernel's: the file it mapped at AT_BASE (/proc/self/maps).  Fake
 * /proc trees (PID/exe and PID/root as symlinks) give a static program
 * (busybox-static), a dynamic one, and a process gone.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>
#include "coldtrace.h"
#include "interp.h"

#define DYN	"/usr/bin/true"		/* coreutils: libc, the loader */
#define STATIC	"/bin/busybox"		/* busybox-static */

/* The file mapped at address a, as /proc/self/maps says it. */
static void mapped_at(unsigned long a, char *path, size_t len)
{
	char line[PATH_MAX + 128], p[PATH_MAX];
	unsigned long lo, hi;
	FILE *f = fopen("/proc/self/maps", "re");

	cr_assert_not_null(f);
	path[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %4095s", &lo, &hi,
			   p) == 3 && a >= lo && a < hi)
			snprintf(path, len, "%s", p);
	fclose(f);
}

Test(interp, own_loader_as_the_kernel_mapped_it)
{
	char path[CT_PATH_MAX], want[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
	uint64_t size = 0;
	struct stat st;

	mapped_at(getauxval(AT_BASE), want, sizeof(want));
	cr_assert_neq(want[0], '\0', "no mapping at AT_BASE");
	cr_assert_eq(ct_interp_of("/proc", (uint32_t)getpid(), path,
				  sizeof(path), &size), 0);
	cr_assert_not_null(realpath(path, a));
	cr_assert_not_null(realpath(want, b));
	cr_expect_str_eq(a, b, "PT_INTERP %s is not what was mapped", path);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(size, (uint64_t)st.st_size);
}

struct fake {
	char dir[64];
};

/* dir/PID/exe -> prog, dir/PID/root -> / ; prog NULL: no such pid. */
static void fake_pid(struct fake *f, unsigned int pid, const char *prog)
{
	char p[128];

	if (!prog)
		return;
	snprintf(p, sizeof(p), "%s/%u", f->dir, pid);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/%u/exe", f->dir, pid);
	cr_assert_eq(symlink(prog, p), 0);
	snprintf(p, sizeof(p), "%s/%u/root", f->dir, pid);
	cr_assert_eq(symlink("/", p), 0);
}

static void fake_free(struct fake *f)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	cr_assert_eq(system(cmd), 0);
}

static void fake(struct fake *f)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/ct-interp-XXXXXX");
	cr_assert_not_null(mkdtemp(f->dir));
}

Test(interp, static_and_not_an_elf)
{
	struct fake f;
	char path[CT_PATH_MAX];
	uint64_t size;

	fake(&f);
	fake_pid(&f, 10, STATIC);
	fake_pid(&f, 11, "/etc/passwd");
	cr_expect_eq(ct_interp_of(f.dir, 10, path, sizeof(path), &size),
		     -ENOEXEC);
	cr_expect_eq(ct_interp_of(f.dir, 11, path, sizeof(path), &size),
		     -EINVAL);
	cr_expect_eq(ct_interp_of(f.dir, 12, path, sizeof(path), &size),
		     -ENOENT);
	fake_free(&f);
}

struct emitted {
	struct ct_touch t[4];
	int n;
};

static void emit(const void *rec, size_t len, void *ctx)
{
	struct emitted *e = ctx;

	cr_assert_eq(len, sizeof(e->t[0]));
	cr_assert_lt(e->n, 4);
	memcpy(&e->t[e->n++], rec, len);
}

static struct ct_touch touch(uint32_t pid, uint32_t ppid, const char *path)
{
	struct ct_touch t;

	memset(&t, 0, sizeof(t));
	t.hdr.ts_ns = 1000 + pid;
	t.hdr.type = CT_EV_TOUCH;
	t.hdr.size = sizeof(t);
	t.hdr.pid = pid;
	t.hdr.ppid = ppid;
	t.cgroup_key = 77;
	t.size = 5;
	snprintf(t.path, sizeof(t.path), "%s", path);
	return t;
}

/*
 * One more touch per (process, program): the loader, at the touch's
 * time and key; none for a static program; a process gone is read by
 * its exec's name in its parent's root, or counted unread.
 */
Test(interp, one_loader_per_process_and_program)
{
	struct ct_interps *q = calloc(1, sizeof(*q));
	struct emitted e = { .n = 0 };
	char want[CT_PATH_MAX];
	uint64_t size;
	struct ct_touch t;
	struct fake f;

	fake(&f);
	fake_pid(&f, 20, DYN);
	fake_pid(&f, 21, STATIC);
	cr_assert_eq(ct_interp_of(f.dir, 20, want, sizeof(want), &size), 0);
	q->proc = f.dir;
	t = touch(20, 1, DYN);
	ct_interps_feed(q, &t, sizeof(t), emit, &e);
	t = touch(20, 1, "/etc/hosts");
	ct_interps_feed(q, &t, sizeof(t), emit, &e);
	cr_assert_eq(e.n, 1, "once per process and program");
	cr_expect_eq(e.t[0].hdr.ts_ns, 1020);
	cr_expect_eq(e.t[0].hdr.pid, 20);
	cr_expect_eq(e.t[0].cgroup_key, 77);
	cr_expect_str_eq(e.t[0].path, want);
	cr_expect_eq(e.t[0].size, size);
	t = touch(21, 1, STATIC);
	ct_interps_feed(q, &t, sizeof(t), emit, &e);
	cr_expect_eq(e.n, 1, "static: none");
	/* gone: its exec's name in its parent's (20's) root */
	t = touch(22, 20, DYN);
	ct_interps_feed(q, &t, sizeof(t), emit, &e);
	cr_assert_eq(e.n, 2);
	cr_expect_str_eq(e.t[1].path, want);
	cr_expect_eq(e.t[1].hdr.pid, 22);
	/* gone, and a relative name: unread, counted once */
	t = touch(23, 20, "rel");
	ct_interps_feed(q, &t, sizeof(t), emit, &e);
	ct_interps_feed(q, &t, sizeof(t), emit, &e);
	cr_expect_eq(e.n, 2);
	cr_expect_eq(q->unread, 1);
	fake_free(&f);
	free(q);
}
