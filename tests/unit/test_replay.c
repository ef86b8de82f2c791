// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --replay's first pass: recorded open histograms found by cgroup key. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coldtrace.h"
#include "hist.h"
#include "recfile.h"
#include "replay.h"

static char path[64];

static void write_recording(void)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_writer *w;
	struct ct_opens_rec r;
	struct ct_opens o = { 0 };
	char err[256];
	int fd;

	strcpy(path, "/tmp/ct-test-replay.XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	ct_rec_fill_hdr(&h, CT_CGROUP_V1_MEMORY, 0, "test");
	cr_assert_eq(ct_rec_writer_open(&w, path, &h, err, sizeof(err)), 0,
		     "%s", err);
	/* container 7: 3 guest opens in slot 12, 2 gofer opens in slot 15 */
	o.count = 3;
	o.slots[12] = 3;
	ct_opens_rec_fill(&r, &o, 7, 3, 0, 1);
	cr_assert_eq(ct_rec_write(w, &r, sizeof(r)), 0);
	memset(&o, 0, sizeof(o));
	o.count = 2;
	o.failed = 1;
	o.slots[15] = 2;
	ct_opens_rec_fill(&r, &o, 7, 3, CT_OPENS_F_GOFER, 2);
	cr_assert_eq(ct_rec_write(w, &r, sizeof(r)), 0);
	cr_assert_eq(ct_rec_writer_close(w, err, sizeof(err)), 0, "%s", err);
}

Test(replay, opens_by_key_and_kind)
{
	struct ct_replay_opens *r;
	struct ct_opens o;
	char err[256];

	write_recording();
	cr_assert_eq(ct_replay_opens_load(path, &r, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert(ct_replay_opens_find(r, 7, false, &o));
	cr_expect(o.valid);
	cr_expect_eq(o.count, 3);
	cr_expect_eq(o.slots[12], 3);
	cr_expect(o.p50_ns >= 4096 && o.p50_ns < 8192, "p50 %llu",
		  (unsigned long long)o.p50_ns);
	cr_assert(ct_replay_opens_find(r, 7, true, &o));
	cr_expect_eq(o.count, 2);
	cr_expect_eq(o.failed, 1);
	cr_expect_not(ct_replay_opens_find(r, 8, false, &o));
	ct_replay_opens_free(r);
	unlink(path);
}

Test(replay, bad_file_is_an_error)
{
	struct ct_replay_opens *r;
	char err[256];

	cr_expect_lt(ct_replay_opens_load("/nonexistent/x.ctrec", &r, err,
					  sizeof(err)), 0);
	cr_expect(strstr(err, "/nonexistent/x.ctrec"), "%s", err);
	cr_expect_not(ct_replay_opens_find(NULL, 7, false, NULL));
}
