// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The small helpers of user/lib/util.c: the trackers' bounded FIFOs, /proc comm. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/*
 * ct_membuf_open(): what was written, whole and NUL-terminated, from a
 * hint far too small (grown) or none, in pieces of every size across
 * the stdio buffer; the same bytes open_memstream() gives.
 */
Test(util, membuf_holds_what_was_written)
{
	static const size_t hints[] = { 0, 1, 100, 1 << 20 };
	char *a, *b;
	size_t la, lb;
	FILE *f, *g;

	for (size_t h = 0; h < sizeof(hints) / sizeof(hints[0]); h++) {
		f = ct_membuf_open(&a, &la, hints[h]);
		g = open_memstream(&b, &lb);
		cr_assert(f && g);
		for (int i = 0; i < 3000; i++) {
			fprintf(f, "line %d %*s\n", i, i % 97, "x");
			fprintf(g, "line %d %*s\n", i, i % 97, "x");
		}
		cr_assert_eq(fclose(f), 0);
		cr_assert_eq(fclose(g), 0);
		cr_expect_eq(la, lb, "hint %zu: %zu bytes, want %zu", hints[h],
			     la, lb);
		cr_expect_eq(strlen(a), la, "NUL-terminated at its end");
		cr_expect(!memcmp(a, b, lb), "hint %zu: other bytes",
			  hints[h]);
		free(a);
		free(b);
	}
	f = ct_membuf_open(&a, &la, 16);
	cr_assert_not_null(f);
	cr_assert_eq(fclose(f), 0);
	cr_expect_eq(la, 0);
	cr_expect_str_eq(a, "", "nothing written: an empty string");
	free(a);
}

/* Room doubles from 16, keeps what is there, and refuses what cannot fit. */
Test(util, room_grows_and_keeps)
{
	uint32_t *a = NULL;
	size_t cap = 0;

	cr_assert_eq(ct_room((void **)&a, &cap, 1, sizeof(*a)), 0);
	cr_assert_eq(cap, 16);
	for (uint32_t i = 0; i < 16; i++)
		a[i] = i;
	cr_assert_eq(ct_room((void **)&a, &cap, 16, sizeof(*a)), 0);
	cr_assert_eq(cap, 16);
	cr_assert_eq(ct_room((void **)&a, &cap, 100, sizeof(*a)), 0);
	cr_assert_eq(cap, 128);
	for (uint32_t i = 0; i < 16; i++)
		cr_assert_eq(a[i], i);
	cr_assert_eq(ct_room((void **)&a, &cap, SIZE_MAX / 2, sizeof(*a)),
		     -ENOMEM);
	cr_assert_eq(cap, 128);
	cr_assert_eq(a[15], 15);
	free(a);
}
