// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The small helpers of user/core/util.c: the trackers' bounded FIFOs, /proc comm. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

Test(fifo, full_fifo_drops_its_oldest)
{
	int a[3] = { 1, 2, 3 };
	size_t n = 3;

	cr_assert(ct_fifo_make_room(a, &n, 3, sizeof(a[0])));
	cr_assert_eq(n, 2);
	cr_assert_eq(a[0], 2);
	cr_assert_eq(a[1], 3);
	cr_assert_not(ct_fifo_make_room(a, &n, 3, sizeof(a[0])));
	cr_assert_eq(n, 2);
}

Test(fifo, take_keeps_the_order_of_the_rest)
{
	int a[4] = { 1, 2, 3, 4 };
	size_t n = 4;

	ct_fifo_take(a, &n, sizeof(a[0]), 1);
	cr_assert_eq(n, 3);
	cr_assert_eq(a[0], 1);
	cr_assert_eq(a[1], 3);
	cr_assert_eq(a[2], 4);
	ct_fifo_take(a, &n, sizeof(a[0]), 2);	/* the last: nothing moves */
	cr_assert_eq(n, 2);
	cr_assert_eq(a[1], 3);
}

/* A /proc of our own: comm without its newline, cut to fit; gone, empty. */
Test(proc, comm_of_a_pid)
{
	char dir[] = "/tmp/ct-util-proc-XXXXXX", path[256], comm[16];
	FILE *f;

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/42", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/42/comm", dir);
	f = fopen(path, "w");
	cr_assert(f);
	fputs("containerd-shim\n", f);
	fclose(f);
	cr_assert(ct_proc_comm(dir, "42", comm, sizeof(comm)));
	cr_assert_str_eq(comm, "containerd-shim");
	cr_assert(ct_proc_comm(dir, "42", comm, 8));
	cr_assert_str_eq(comm, "contain");
	cr_assert_not(ct_proc_comm(dir, "43", comm, sizeof(comm)), "gone");
	f = fopen(path, "w");
	cr_assert(f);
	fclose(f);
	cr_assert_not(ct_proc_comm(dir, "42", comm, sizeof(comm)), "empty");
	unlink(path);
	snprintf(path, sizeof(path), "%s/42", dir);
	rmdir(path);
	rmdir(dir);
}

/* A pid out of "/proc/N/..." only when the rest is exactly what is asked. */
Test(util, proc_path_pid)
{
	cr_assert_eq(ct_proc_path_pid("/proc/42/exe", "/exe"), 42);
	cr_assert_eq(ct_proc_path_pid("/proc/7/ns/net", "/ns/net"), 7);
	cr_assert_eq(ct_proc_path_pid("/proc/42/exe2", "/exe"), 0);
	cr_assert_eq(ct_proc_path_pid("/proc/42/ns/net", "/exe"), 0);
	cr_assert_eq(ct_proc_path_pid("/proc//exe", "/exe"), 0);
	cr_assert_eq(ct_proc_path_pid("/proc/x/exe", "/exe"), 0);
	cr_assert_eq(ct_proc_path_pid("/proc/4294967296/exe", "/exe"), 0);
	cr_assert_eq(ct_proc_path_pid("/sys/42/exe", "/exe"), 0);
}
