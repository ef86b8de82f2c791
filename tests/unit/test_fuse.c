// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A container's FUSE requests: counts, the union in flight, the split. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "coldtrace.h"
#include "container.h"
#include "fuse.h"
#include "tsession.h"

#define MS	1000000ull
#define M2R	(1000 * MS)	/* mono_to_real of these tests */
#define KEY	4242

/* A request of KEY from mono ms s to e (wall: + 1000 ms). */
static struct ct_fuse req(uint64_t s, uint64_t e, uint32_t opcode,
			  uint32_t bytes, uint32_t dev)
{
	struct ct_fuse r;

	memset(&r, 0, sizeof(r));
	r.hdr.ts_ns = e * MS;
	r.hdr.type = CT_EV_FUSE;
	r.hdr.size = sizeof(r);
	r.cgroup_key = KEY;
	r.start_ns = s * MS;
	r.opcode = opcode;
	r.bytes = bytes;
	r.dev = dev;
	return r;
}

/* run from 50 ms (wall 1050), ready until ready_end ms (0: none) */
static void container(struct ct_container *c, uint64_t ready_end)
{
	memset(c, 0, sizeof(*c));
	c->cgroup_key = KEY;
	c->runtime = CT_RT_RUNC;
	c->phase_mask = 1u << CT_PH_RUN;
	c->phases[CT_PH_RUN].start_ns = M2R + 50 * MS;
	if (ready_end) {
		c->phase_mask |= 1u << CT_PH_READY;
		c->phases[CT_PH_READY].start_ns = M2R + 50 * MS;
		c->phases[CT_PH_READY].end_ns = M2R + ready_end * MS;
	}
}

static void feed(struct ct_fuse_reqs *f, struct ct_fuse r)
{
	cr_assert_eq(ct_fuse_feed(f, &r, sizeof(r)), 0);
}

Test(fuse, union_split_at_ready)
{
	struct ct_fuse_reqs *f = ct_fuse_new(M2R);
	struct ct_container c;

	/* ends out of order, as records come; two overlap, one spans ready */
	feed(f, req(100, 200, 15, 4096, 7));
	feed(f, req(60, 150, 15, 100, 7));	/* overlaps: union 60..200 */
	feed(f, req(290, 320, 1, 0, 8));	/* spans ready at 300 */
	feed(f, req(400, 410, 15, 0, 7));
	container(&c, 300);
	ct_fuse_apply(f, &c);
	cr_assert(c.fuse.valid);
	cr_assert(c.fuse.has_ready);
	cr_assert_eq(c.fuse.requests, 4);
	cr_assert_eq(c.fuse.reads, 3);
	cr_assert_eq(c.fuse.read_bytes, 4196);
	cr_assert_eq(c.fuse.connections, 2);
	cr_assert_eq(c.fuse.wait_ns, (140 + 30 + 10) * MS);
	cr_assert_eq(c.fuse.wait_before_ready_ns, (140 + 10) * MS);
	cr_assert_eq(c.fuse.wait_after_ready_ns, (20 + 10) * MS);
	cr_assert_eq(c.fuse.last_ns, (410 - 50) * MS);
	/* per connection, the longest wait first */
	cr_assert_eq(c.fuse.nlayers, 2);
	cr_assert_eq(c.fuse.layers_more, 0);
	cr_assert_eq(c.fuse.layers[0].dev, 7);
	cr_assert_eq(c.fuse.layers[0].requests, 3);
	cr_assert_eq(c.fuse.layers[0].reads, 3);
	cr_assert_eq(c.fuse.layers[0].read_bytes, 4196);
	cr_assert_eq(c.fuse.layers[0].wait_ns, (140 + 10) * MS);
	cr_assert_eq(c.fuse.layers[1].dev, 8);
	cr_assert_eq(c.fuse.layers[1].requests, 1);
	cr_assert_eq(c.fuse.layers[1].reads, 0);
	cr_assert_eq(c.fuse.layers[1].wait_ns, 30 * MS);
	/* forgotten at emission */
	container(&c, 300);
	ct_fuse_apply(f, &c);
	cr_assert_not(c.fuse.valid);
	ct_fuse_free(f);
}

Test(fuse, no_ready_no_split_and_bounds)
{
	struct ct_fuse_reqs *f = ct_fuse_new(M2R);
	struct ct_fuse bad = req(10, 20, 15, 1, 1);
	struct ct_container c;

	for (int i = 0; i < CT_FUSE_KEEP + 3; i++)
		feed(f, req(60, 61, 3, 0, 1));
	/* a start after the end, too short: not kept, or refused */
	feed(f, req(70, 65, 15, 1, 1));
	cr_assert_eq(ct_fuse_feed(f, &bad, sizeof(bad) - 1), -EINVAL);
	container(&c, 0);
	ct_fuse_apply(f, &c);
	cr_assert_not(c.fuse.has_ready);
	cr_assert_eq(c.fuse.requests, CT_FUSE_KEEP);
	cr_assert_eq(c.fuse.dropped, 3);
	cr_assert_eq(c.fuse.wait_ns, 1 * MS);
	cr_assert_eq(c.fuse.wait_before_ready_ns, 0);
	ct_fuse_free(f);
}

/* More connections than CT_FUSE_LAYERS: the longest waits kept, the
 * rest counted; equal waits in dev order. */
Test(fuse, layers_bounded)
{
	struct ct_fuse_reqs *f = ct_fuse_new(M2R);
	struct ct_container c;

	for (uint32_t d = 1; d <= CT_FUSE_LAYERS + 3; d++)
		feed(f, req(100, 100 + (d % 4 ? d : 1), 15, 1, d));
	container(&c, 0);
	ct_fuse_apply(f, &c);
	cr_assert_eq(c.fuse.connections, CT_FUSE_LAYERS + 3);
	cr_assert_eq(c.fuse.nlayers, CT_FUSE_LAYERS);
	cr_assert_eq(c.fuse.layers_more, 3);
	cr_assert_eq(c.fuse.layers[0].dev, CT_FUSE_LAYERS + 3);
	for (uint32_t i = 1; i < c.fuse.nlayers; i++)
		cr_assert_geq(c.fuse.layers[i - 1].wait_ns,
			      c.fuse.layers[i].wait_ns);
	/* waits 11, 10, 9, 7, 6, 5, 3, 2 ms kept; devs 1, 4, 8 (1 ms) not */
	cr_assert_eq(c.fuse.layers[CT_FUSE_LAYERS - 1].dev, 2);
	cr_assert_eq(c.fuse.layers[CT_FUSE_LAYERS - 1].wait_ns, 2 * MS);
	ct_fuse_free(f);
}

/* A send the kernel's full in-flight map refused (start 0): dropped, in
 * no count or time; alone, it still makes the key (it lost one). */
Test(fuse, untimed_send_is_dropped)
{
	struct ct_fuse_reqs *f = ct_fuse_new(M2R);
	struct ct_container c;

	feed(f, req(0, 80, 15, 0, 1));
	feed(f, req(100, 120, 15, 10, 1));
	feed(f, req(0, 130, 15, 0, 1));
	container(&c, 0);
	ct_fuse_apply(f, &c);
	cr_assert(c.fuse.valid);
	cr_assert_eq(c.fuse.requests, 1);
	cr_assert_eq(c.fuse.read_bytes, 10);
	cr_assert_eq(c.fuse.dropped, 2);
	cr_assert_eq(c.fuse.wait_ns, 20 * MS);
	feed(f, req(0, 140, 15, 0, 1));
	container(&c, 0);
	ct_fuse_apply(f, &c);
	cr_assert(c.fuse.valid);
	cr_assert_eq(c.fuse.requests, 0);
	cr_assert_eq(c.fuse.dropped, 1);
	ct_fuse_free(f);
}

/* A CT_EV_FETCHED of dev at mono ms t: fetched bytes so far. */
static void sample(struct ct_fuse_reqs *f, uint64_t t, uint32_t dev,
		   uint64_t fetched)
{
	struct ct_fetched_rec x;

	memset(&x, 0, sizeof(x));
	x.hdr.ts_ns = t * MS;
	x.hdr.type = CT_EV_FETCHED;
	x.hdr.size = sizeof(x);
	x.dev = dev;
	x.fetched = fetched;
	x.size = 6308936;
	cr_assert_eq(ct_fuse_feed(f, &x, sizeof(x)), 0);
}

/* req() of another container */
static struct ct_fuse req_of(uint64_t key, uint64_t s, uint64_t e,
			     uint32_t dev)
{
	struct ct_fuse r = req(s, e, 15, 4096, dev);

	r.cgroup_key = key;
	return r;
}

/*
 * A layer's growth between the sample before a container's first
 * request and the first after its last, of the intervals its requests
 * were in flight in; split at ready; none without samples, unknown
 * without one on either side.
 */
Test(fuse, fetched_around_its_requests)
{
	struct ct_fuse_reqs *f = ct_fuse_new(M2R);
	struct ct_container c;

	sample(f, 5, 7, 500);		/* older: not the baseline */
	sample(f, 10, 7, 1000);		/* the baseline */
	feed(f, req(100, 200, 15, 4096, 7));
	feed(f, req(120, 180, 15, 4096, 7));
	sample(f, 230, 7, 51000);	/* +50000, before ready (300) */
	sample(f, 400, 7, 61000);	/* +10000, no request: not its */
	feed(f, req(290, 310, 15, 4096, 9));
	feed(f, req(600, 650, 15, 4096, 7));
	sample(f, 700, 7, 161000);	/* +100000, after ready */
	sample(f, 800, 7, 171000);	/* after its last request */
	sample(f, 305, 9, 99);		/* 9: none before its first */
	feed(f, req(100, 110, 15, 4096, 8));	/* 8: never sampled */
	container(&c, 300);
	ct_fuse_apply(f, &c);
	cr_assert_eq(c.fuse.nlayers, 3);
	cr_assert_eq(c.fuse.layers[0].dev, 7);
	cr_expect_eq(c.fuse.layers[0].fetched, CT_FETCHED_KNOWN);
	cr_expect_eq(c.fuse.layers[0].fetched_bytes, 150000);
	cr_expect_eq(c.fuse.layers[0].fetched_by_ready_bytes, 50000);
	cr_expect_eq(c.fuse.layers[0].fetched_after_ready_bytes, 100000);
	cr_expect_not(c.fuse.layers[0].fetched_shared);
	cr_expect_eq(c.fuse.layers[1].dev, 9);
	cr_expect_eq(c.fuse.layers[1].fetched, CT_FETCHED_UNKNOWN);
	cr_expect_eq(c.fuse.layers[1].fetched_bytes, 0);
	cr_expect_eq(c.fuse.layers[2].dev, 8);
	cr_expect_eq(c.fuse.layers[2].fetched, CT_FETCHED_NONE);
	cr_expect_eq(c.fuse.fetched_layers, 1);
	cr_expect_eq(c.fuse.fetched_unknown, 1);
	cr_expect_eq(c.fuse.fetched_bytes, 150000);
	cr_expect_eq(c.fuse.fetched_by_ready_bytes, 50000);
	cr_expect_eq(c.fuse.fetched_after_ready_bytes, 100000);
	cr_expect_not(c.fuse.fetched_shared);
	ct_fuse_free(f);
}

/*
 * The split at ready follows the reads, which fetch, by when they
 * began: a read begun before ready and a lookup still in flight at it
 * leave the interval's growth before it; an interval of lookups alone
 * follows them, one of reads begun after ready is after it; one of
 * reads on both sides is on neither.
 */
Test(fuse, fetched_split_by_reads)
{
	struct ct_fuse_reqs *f = ct_fuse_new(M2R);
	struct ct_container c;

	sample(f, 10, 7, 1000);
	feed(f, req(100, 200, 15, 4096, 7));
	feed(f, req(150, 350, 1, 0, 7));	/* a lookup past ready */
	feed(f, req(280, 320, 15, 4096, 7));	/* a read across it */
	sample(f, 400, 7, 51000);
	feed(f, req(500, 600, 1, 0, 7));	/* lookups alone, after */
	sample(f, 700, 7, 51005);
	feed(f, req(710, 720, 15, 4096, 7));
	feed(f, req(750, 760, 15, 4096, 7));
	sample(f, 800, 7, 61005);
	container(&c, 300);
	ct_fuse_apply(f, &c);
	cr_expect_eq(c.fuse.fetched_bytes, 60005);
	cr_expect_eq(c.fuse.fetched_by_ready_bytes, 50000);
	cr_expect_eq(c.fuse.fetched_after_ready_bytes, 10005);
	/* reads on both sides between two samples: on neither */
	sample(f, 900, 7, 61005);
	feed(f, req(1000, 1010, 15, 4096, 7));
	feed(f, req(1100, 1110, 15, 4096, 7));
	sample(f, 1200, 7, 61015);
	container(&c, 1050);
	ct_fuse_apply(f, &c);
	cr_expect_eq(c.fuse.fetched_bytes, 10);
	cr_expect_eq(c.fuse.fetched_by_ready_bytes, 0);
	cr_expect_eq(c.fuse.fetched_after_ready_bytes, 0);
	ct_fuse_free(f);
}

/*
 * Two containers between the same samples: each is given the growth
 * and told it is shared, the first as the second; a sample lower than
 * the one before (a new mount on the dev) leaves it unknown.
 */
Test(fuse, fetched_shared_or_remounted)
{
	struct ct_fuse_reqs *f = ct_fuse_new(M2R);
	struct ct_fuse r;
	struct ct_container c;

	sample(f, 10, 7, 1000);
	feed(f, req(100, 200, 15, 4096, 7));
	r = req_of(KEY + 1, 150, 220, 7);
	feed(f, r);
	sample(f, 300, 7, 81000);
	container(&c, 0);
	ct_fuse_apply(f, &c);
	cr_expect_eq(c.fuse.fetched_bytes, 80000);
	cr_expect(c.fuse.layers[0].fetched_shared);
	cr_expect(c.fuse.fetched_shared);
	container(&c, 0);
	c.cgroup_key = KEY + 1;
	ct_fuse_apply(f, &c);
	cr_expect_eq(c.fuse.fetched_bytes, 80000);
	cr_expect(c.fuse.fetched_shared);

	sample(f, 1000, 7, 900);	/* a new mount */
	feed(f, req(1100, 1200, 15, 4096, 7));
	sample(f, 1300, 7, 700);	/* and another */
	container(&c, 0);
	ct_fuse_apply(f, &c);
	cr_expect_eq(c.fuse.layers[0].fetched, CT_FETCHED_UNKNOWN);
	cr_expect_eq(c.fuse.fetched_bytes, 0);
	cr_expect_eq(c.fuse.fetched_unknown, 1);
	ct_fuse_free(f);
}

/* ---- the recording (tests/fixtures/docker-fuse) ---- */

/* Its reads and bytes are those the FUSE file system's own log lists. */
Test(fuse, recording_against_the_file_system_log)
{
	struct ts_result r;

	ts_replay("docker-fuse", CT_READY_LISTEN, &r);
	cr_assert(r.c.fuse.valid);
	cr_assert_eq(r.c.fuse.reads, ts_sidecar_u64str(&r, "fuse_reads"));
	cr_assert_eq(r.c.fuse.read_bytes,
		     ts_sidecar_u64str(&r, "fuse_read_bytes"));
	cr_assert(r.c.fuse.has_ready);
	cr_assert_gt(r.c.fuse.wait_after_ready_ns, 0, "small, read after");
	ts_free(&r);
}

/* A CT_EV_LAYER of (key, dev). */
static struct ct_layer_rec layer(uint64_t key, uint32_t dev, const char *d)
{
	struct ct_layer_rec l;

	memset(&l, 0, sizeof(l));
	l.hdr.type = CT_EV_LAYER;
	l.hdr.size = sizeof(l);
	l.cgroup_key = key;
	l.dev = dev;
	snprintf(l.digest, sizeof(l.digest), "%s", d);
	return l;
}

/*
 * A connection's layer is the one a CT_EV_LAYER of the same container
 * named (the newest), never another container's: connection numbers
 * are reused once a mount is gone.
 */
Test(fuse, layers_named_per_container)
{
	struct ct_fuse_reqs *f = ct_fuse_new(M2R);
	struct ct_layer_rec l;
	struct ct_container c;

	l = layer(KEY + 1, 7, "sha256:other");
	cr_assert_eq(ct_fuse_feed(f, &l, sizeof(l)), 0);
	l = layer(KEY, 7, "sha256:old");
	cr_assert_eq(ct_fuse_feed(f, &l, sizeof(l)), 0);
	l = layer(KEY, 7, "sha256:seven");
	cr_assert_eq(ct_fuse_feed(f, &l, sizeof(l)), 0);
	feed(f, req(100, 200, 15, 4096, 7));
	feed(f, req(100, 110, 15, 4096, 8));
	container(&c, 300);
	ct_fuse_apply(f, &c);
	cr_assert_eq(c.fuse.nlayers, 2);
	cr_assert_eq(c.fuse.layers[0].dev, 7);
	cr_expect_str_eq(c.fuse.layers[0].digest, "sha256:seven");
	cr_expect_str_eq(c.fuse.layers[1].digest, "", "no record: unnamed");
	l.hdr.size = sizeof(l) - 1;
	cr_expect_eq(ct_fuse_feed(f, &l, sizeof(l) - 1), -EINVAL);
	ct_fuse_free(f);
}
