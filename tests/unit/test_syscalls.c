// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * include/syscalls.h's numbers against the kernel's own: each
 * architecture's <asm/unistd.h> as that architecture's compiler sees it
 * (the Makefile writes its macros, `cc -E -dM`, into CT_UNISTD_DIR:
 * x86-64's syscall_64.tbl and arm64's asm-generic table, from
 * linux-libc-dev and its cross twin).  A syscall the dispatcher follows
 * with no number, or a wrong one, on either architecture fails here.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "syscalls.h"

#ifndef CT_UNISTD_DIR
#error "CT_UNISTD_DIR: the Makefile's folder of the unistd-ARCH.h files"
#endif

struct row {
	const char *name;
	long x86, arm64;
};

#define ROW(name, func, x86, arm64) { #name, x86, arm64 },
static const struct row rows[] = { CT_SYSCALLS(ROW) CT_WAIT_SYSCALLS(ROW) };
#undef ROW
#define NROWS	(sizeof(rows) / sizeof(rows[0]))

/*
 * __NR_@name in the macros of @arch's header, or -1 if it has none; a
 * header without read(2) fails the test: the truth must not be empty.
 */
static long kernel_nr(const char *arch, const char *name)
{
	char path[256], line[256], want[64];
	long nr = -1, v;
	bool read_seen = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/unistd-%s.h", CT_UNISTD_DIR, arch);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s: the Makefile writes it (make test)", path);
	snprintf(want, sizeof(want), "#define __NR_%s ", name);
	while (fgets(line, sizeof(line), f)) {
		char *end;

		if (!strncmp(line, "#define __NR_read ", 18))
			read_seen = true;
		if (strncmp(line, want, strlen(want)))
			continue;
		v = strtol(line + strlen(want), &end, 0);
		/* a number, not another macro (__NR3264_*) */
		cr_assert(end != line + strlen(want) && (*end == '\n' || !*end),
			  "%s: %s is no number: %s", path, want, line);
		nr = v;
	}
	fclose(f);
	cr_assert(read_seen, "%s has no __NR_read: not a syscall table", path);
	return nr;
}

/* The header's number, or the architecture has none: negative. */
static void check(const char *arch, const char *name, long ours)
{
	long nr = kernel_nr(arch, name);

	if (nr < 0)
		cr_expect_lt(ours, -1, "%s has no %s(2); the table says %ld",
			     arch, name, ours);
	else
		cr_expect_eq(ours, nr, "%s(2) on %s is %ld, the table says %ld",
			     name, arch, nr, ours);
}

Test(syscalls, numbers_are_the_kernels_on_both_architectures)
{
	for (size_t i = 0; i < NROWS; i++) {
		check("x86", rows[i].name, rows[i].x86);
		check("arm64", rows[i].name, rows[i].arm64);
	}
}

/*
 * Every syscall the dispatcher follows exists on x86-64; on arm64 all
 * but open and rename, whose *at variants are followed too, and --why's
 * epoll_wait (arm64 has epoll_pwait only).
 */
Test(syscalls, arm64_lacks_only_the_old_ones)
{
	for (size_t i = 0; i < NROWS; i++) {
		bool old = !strcmp(rows[i].name, "open") ||
			   !strcmp(rows[i].name, "rename") ||
			   !strcmp(rows[i].name, "epoll_wait");

		cr_expect_geq(rows[i].x86, 0, "%s", rows[i].name);
		cr_expect_eq(rows[i].arm64 < 0, old, "%s", rows[i].name);
	}
}

/* The missing numbers are distinct (switch cases) and never -1. */
Test(syscalls, missing_numbers_are_distinct)
{
	for (size_t i = 0; i < NROWS; i++)
		for (size_t j = i + 1; j < NROWS; j++) {
			cr_expect_neq(rows[i].x86, rows[j].x86);
			cr_expect_neq(rows[i].arm64, rows[j].arm64);
		}
}
