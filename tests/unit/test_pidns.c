// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The host's PID namespace at start (user/kern/pidns.c), against a /proc
 * of the test's own: a namespace that is not the initial one, a /proc
 * that does not show us, a kernel without PID namespaces.  The host's
 * own namespace is every live integration test's (tests/integration/
 * pidns.sh: unshare refused, the host's accepted).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pidns.h"

static char dir[] = "/tmp/ct-pidns.XXXXXX";

static void setup(void)
{
	cr_assert(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* DIR/PATH created, with its parents (DIR/self, DIR/self/ns). */
static void put(const char *path)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/self", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/self/ns", dir);
	if (!strncmp(path, "self/ns/", 8))
		mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/%s", dir, path);
	f = fopen(p, "w");
	cr_assert(f, "%s", p);
	fclose(f);
}

/* One line that names both fixes. */
static void says_the_fix(const char *err)
{
	cr_assert(strstr(err, "docker run --pid=host"), "%s", err);
	cr_assert(strstr(err, "hostPID: true"), "%s", err);
	cr_assert_null(strchr(err, '\n'), "%s", err);
}

TestSuite(pidns, .init = setup, .fini = teardown);

/* Any other inode than the initial namespace's: refused. */
Test(pidns, own_namespace_refused)
{
	char err[512] = "";
	struct stat st;
	char p[256];

	put("self/ns/pid");
	snprintf(p, sizeof(p), "%s/self/ns/pid", dir);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_neq(st.st_ino, CT_PID_INIT_INO);
	cr_assert_eq(ct_pidns_check(dir, err, sizeof(err)), -EPERM, "%s", err);
	cr_assert(strstr(err, "PID namespace of its own"), "%s", err);
	says_the_fix(err);
}

/* A /proc without self: another namespace's mount, or none. */
Test(pidns, no_self_refused)
{
	char err[512] = "";

	cr_assert_eq(ct_pidns_check(dir, err, sizeof(err)), -ENOENT, "%s",
		     err);
	cr_assert(strstr(err, "/self is missing"), "%s", err);
	says_the_fix(err);
}

/* A self without ns/pid: a kernel without PID namespaces, one for all. */
Test(pidns, no_pid_namespaces_accepted)
{
	char err[512] = "";

	put("self/stat");
	cr_assert_eq(ct_pidns_check(dir, err, sizeof(err)), 0, "%s", err);
}
