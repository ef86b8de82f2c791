// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The table of record types (include/records.h) and its users. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "coldtrace.h"
#include "dump.h"
#include "tracker.h"
#include "hist.h"
#include "opens.h"
#include "pull.h"
#include "records.h"

static const uint32_t known[] = {
	CT_EV_EXEC, CT_EV_FORK, CT_EV_EXIT, CT_EV_MOUNT, CT_EV_UMOUNT,
	CT_EV_PULL_BLOB, CT_EV_PULL_RENAME, CT_EV_PULL_CONNECT,
	CT_EV_CONNECT, CT_EV_LISTEN, CT_EV_LOST, CT_EV_END, CT_EV_OPENS,
	CT_EV_NAME, CT_EV_PATHS,
};

/* Every type has one row, with a name and a size at least the header. */
Test(records, every_type_has_a_row)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const struct ct_rec_type *t = ct_rec_type(known[i]);

		cr_assert(t, "type %u has no row", known[i]);
		cr_expect_eq(t->type, known[i]);
		cr_expect(t->name && t->name[0]);
		cr_expect_geq(t->min_size, sizeof(struct ct_hdr));
	}
	cr_expect_null(ct_rec_type(999));
}

/* Sizes: below the minimum refused, a fixed size exact, unknown types
 * pass with a header. */
Test(records, sizes)
{
	static union {
		struct ct_hdr h;
		struct ct_pull_connect pc;
		uint8_t b[1024];
	} u;

	u.h.type = CT_EV_EXIT;
	u.h.size = sizeof(struct ct_exit) - 1;
	cr_expect_eq(ct_rec_check(&u, sizeof(u)), -EINVAL);
	u.h.size = sizeof(struct ct_exit) + 8;	/* a newer version's */
	cr_expect_eq(ct_rec_check(&u, sizeof(u)), 0);
	cr_expect_eq(ct_rec_check(&u, sizeof(struct ct_exit)), -EINVAL,
		     "size beyond the bytes there are");
	u.h.type = CT_EV_PULL_CONNECT;
	u.h.size = sizeof(struct ct_pull_connect) + 8;
	cr_expect_eq(ct_rec_check(&u, sizeof(u)), -EINVAL);
	u.h.size = sizeof(struct ct_pull_connect);
	cr_expect_eq(ct_rec_check(&u, sizeof(u)), 0);
	u.h.type = 999;
	u.h.size = sizeof(struct ct_hdr);
	cr_expect_eq(ct_rec_check(&u, sizeof(u)), 0);
	u.h.size = sizeof(struct ct_hdr) - 1;
	cr_expect_eq(ct_rec_check(&u, sizeof(u)), -EINVAL);
}

/* an opens histogram whose slots do not add up to its
 * count (malformed-opens.ctrec) was dropped without a word. */
Test(records, malformed_opens_counted)
{
	struct ct_tracker_opts o = { 0 };
	struct ct_tracker *tk = ct_tracker_new(&o);
	struct ct_tracker_stats st;
	struct ct_opens_rec r;
	struct ct_opens op;
	uint64_t key;
	uint32_t rt, flags;

	memset(&r, 0, sizeof(r));
	r.hdr.type = CT_EV_OPENS;
	r.hdr.size = sizeof(r);
	r.runtime = 1;
	r.count = 3;
	r.slots[4] = 3;
	cr_expect_eq(ct_rec_check(&r, sizeof(r)), 0);
	cr_expect_eq(ct_opens_rec_parse(&r, sizeof(r), &op, &key, &rt,
					&flags), 0);
	cr_expect_eq(ct_tracker_feed(tk, &r, sizeof(r)), 0);
	r.count = 2;	/* slots say 3 */
	cr_expect_eq(ct_rec_check(&r, sizeof(r)), -EINVAL);
	cr_expect_eq(ct_opens_rec_parse(&r, sizeof(r), &op, &key, &rt,
					&flags), -EINVAL);
	cr_expect_eq(ct_tracker_feed(tk, &r, sizeof(r)), -EINVAL);
	ct_tracker_get_stats(tk, &st);
	cr_expect_eq(st.malformed, 1);
	ct_tracker_free(tk);
}

/* --dump names each type from the table and says which are malformed. */
Test(records, dump_uses_the_table)
{
	static union {
		struct ct_hdr h;
		struct ct_exit x;
		uint8_t b[512];
	} u;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	u.h.type = CT_EV_EXIT;
	u.h.size = sizeof(u.x);
	ct_dump_record(f, &u, sizeof(u.x), 0);
	u.h.size = sizeof(u.x) - 4;
	ct_dump_record(f, &u, sizeof(u.x), 0);
	u.h.type = CT_EV_PULL_CONNECT;
	u.h.size = sizeof(struct ct_pull_connect) + 4;
	ct_dump_record(f, &u, sizeof(u), 0);
	fclose(f);
	cr_expect(strstr(buf, " EXIT "), "%s", buf);
	cr_expect(strstr(buf, "short record type 3 (76 bytes)\n"), "%s", buf);
	cr_expect(strstr(buf, "malformed record type 8 (100 bytes)\n"), "%s",
		  buf);
	free(buf);
}
