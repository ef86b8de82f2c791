// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The table of record types (user/lib/records.h) and its users. */
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
#include "fixture.h"

static const uint32_t known[] = {
	CT_EV_EXEC, CT_EV_FORK, CT_EV_EXIT, CT_EV_MOUNT, CT_EV_UMOUNT,
	CT_EV_PULL_BLOB, CT_EV_PULL_RENAME, CT_EV_PULL_CONNECT,
	CT_EV_CONNECT, CT_EV_LISTEN, CT_EV_LOST, CT_EV_END, CT_EV_OPENS,
	CT_EV_NAME, CT_EV_PATHS, CT_EV_IDENT, CT_EV_HOST,
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
	cr_expect_eq(fx_enter(tk, &r, sizeof(r)), -EINVAL);
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

/* Every byte of s[0..size) after its first NUL is zero. */
static bool clean_after_nul(const char *s, size_t size)
{
	const char *nul = memchr(s, '\0', size);

	for (size_t i = nul ? (size_t)(nul - s) : size; i < size; i++)
		if (s[i])
			return false;
	return true;
}

/* A record of type t and size n, every byte 0x55 but its header's. */
static void *garbage_rec(uint32_t t, size_t n)
{
	struct ct_hdr *h = malloc(n);

	cr_assert(h);
	memset(h, 0x55, n);
	h->type = t;
	h->size = n;
	strcpy(h->comm, "runc");
	return h;
}

/*
 * What ring reservations hold: a client's stack after an AF_UNIX path
 * (user pointers 0x55.., seen in recordings), an earlier record's
 * strings after a mount's, argv's unused area, padding.
 */
Test(records, clean_zeroes_what_holds_nothing)
{
	struct ct_connect *c = garbage_rec(CT_EV_CONNECT, sizeof(*c));
	struct ct_mount *m = garbage_rec(CT_EV_MOUNT, sizeof(*m));
	struct ct_exec *x = garbage_rec(CT_EV_EXEC, sizeof(*x));
	struct ct_pull_rename *r = garbage_rec(CT_EV_PULL_RENAME, sizeof(*r));
	struct ct_exit *e = garbage_rec(CT_EV_EXIT, sizeof(*e));

	strcpy(c->path, "/run/docker.sock");
	ct_rec_clean(c, sizeof(*c));
	cr_expect_str_eq(c->path, "/run/docker.sock");
	cr_expect(clean_after_nul(c->path, sizeof(c->path)));
	cr_expect(clean_after_nul(c->hdr.comm, sizeof(c->hdr.comm)));
	cr_expect_eq(c->peer_pid, 0x55555555u, "a field is left as it is");

	strcpy(m->source, "overlay");
	strcpy(m->target, "/run/x");
	ct_rec_clean(m, sizeof(*m));
	cr_expect(clean_after_nul(m->source, sizeof(m->source)));
	cr_expect(clean_after_nul(m->target, sizeof(m->target)));
	cr_expect_str_eq(m->target, "/run/x");

	x->args_len = 8;
	x->args_truncated = 0;
	memcpy(x->args, "runc\0-v\0", 8);
	strcpy(x->filename, "/usr/bin/runc");
	ct_rec_clean(x, sizeof(*x));
	cr_expect(clean_after_nul(x->filename, sizeof(x->filename)));
	cr_expect_eq(memcmp(x->args, "runc\0-v\0", 8), 0, "argv kept");
	cr_expect(clean_after_nul(x->args + 7, CT_ARGS_MAX - 7));

	r->kind = CT_PULL_R_REPOS;
	strcpy(r->oldpath, "a");
	strcpy(r->newpath, "b");
	ct_rec_clean(r, sizeof(*r));
	cr_expect_eq(r->_pad, 0);
	cr_expect(clean_after_nul(r->oldpath, sizeof(r->oldpath)));
	cr_expect(clean_after_nul(r->newpath, sizeof(r->newpath)));

	ct_rec_clean(e, sizeof(*e));
	cr_expect_eq(e->_pad, 0);
	cr_expect_eq(e->exit_code, 0x55555555);
	free(c);
	free(m);
	free(x);
	free(r);
	free(e);
}

/* A record the table refuses is not read, nor cleaned: it stays. */
Test(records, clean_leaves_a_malformed_record)
{
	struct ct_exec *x = garbage_rec(CT_EV_EXEC, sizeof(*x));

	x->args_len = CT_ARGS_MAX + 1;
	strcpy(x->filename, "/x");
	ct_rec_clean(x, sizeof(*x));
	cr_expect_eq((unsigned char)x->filename[3], 0x55);
	free(x);
}
