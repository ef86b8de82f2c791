// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The atomic-file writer: whole file or the old one, never half. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "afile.h"

static char dir[64], path[128];

static void setup(void)
{
	strcpy(dir, "/tmp/ct-afile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.json", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

TestSuite(afile, .init = setup, .fini = teardown);

static void put(const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void assert_content(const char *want)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");

	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	cr_assert_str_eq(buf, want);
}

Test(afile, commit_replaces_whole)
{
	struct ct_afile a;
	struct stat st;

	put("old\n");
	cr_assert_eq(ct_afile_create(&a, path), 0);
	cr_assert_eq(strncmp(a.tmp, dir, strlen(dir)), 0, "beside: %s", a.tmp);
	fputs("new\n", ct_afile_stdio(&a));
	assert_content("old\n");	/* nothing seen before commit */
	cr_assert_eq(ct_afile_commit(&a), 0);
	assert_content("new\n");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0644);
	cr_assert_neq(access(a.tmp, F_OK), 0);
}

Test(afile, abort_keeps_the_old_file)
{
	struct ct_afile a;

	put("old\n");
	cr_assert_eq(ct_afile_create(&a, path), 0);
	cr_assert_eq(write(a.fd, "new\n", 4), 4);
	ct_afile_abort(&a);
	assert_content("old\n");
	cr_assert_neq(access(a.tmp, F_OK), 0);
}

Test(afile, bad_places_fail_at_create)
{
	struct ct_afile a;
	char p[160];

	snprintf(p, sizeof(p), "%s/missing/out.json", dir);
	cr_assert_eq(ct_afile_create(&a, p), -ENOENT);
	snprintf(p, sizeof(p), "%s/", dir);
	cr_assert_eq(ct_afile_create(&a, p), -EINVAL, "no file name");
}
