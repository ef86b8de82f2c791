// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* State machine tests on synthetic lifecycles (fixture.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "tracker.h"
#include "fixture.h"

#define ID64 "3ca33509a23de757bd098c565062f2208a7300dfba0c4fce59a7565ed38f2ab4"

static struct fx_sink sink;
static enum fx_kata kata_mode;	/* run_one() for Kata */

static const struct ct_container *by_id(const char *id)
{
	for (int i = 0; i < sink.n && i < 64; i++)
		if (!strcmp(sink.got[i].id, id))
			return &sink.got[i];
	return NULL;
}

static void check_phases(const struct ct_container *c, uint64_t t0_ms,
			 const int64_t s[CT_PH_MAX], const int64_t e[CT_PH_MAX])
{
	for (int p = 0; p < CT_PH_MAX; p++) {
		if (s[p] < 0) {
			cr_expect_not(ct_has_phase(c, p), "%s: unexpected %s",
				      c->id, ct_phase_name(p));
			continue;
		}
		cr_expect(ct_has_phase(c, p), "%s: missing %s", c->id,
			  ct_phase_name(p));
		cr_expect_eq(c->phases[p].start_ns, (t0_ms + s[p]) * FX_MS,
			     "%s %s start %llu", c->id, ct_phase_name(p),
			     (unsigned long long)c->phases[p].start_ns);
		if (e[p] < 0) {
			cr_expect_eq(c->phases[p].end_ns, 0, "%s: %s ended",
				     c->id, ct_phase_name(p));
			continue;
		}
		cr_expect_eq(c->phases[p].end_ns, (t0_ms + e[p]) * FX_MS,
			     "%s %s end %llu", c->id, ct_phase_name(p),
			     (unsigned long long)c->phases[p].end_ns);
	}
}

/* Build one lifecycle, feed it, flush, return the only record. */
static const struct ct_container *run_one(const struct fx_ct *c,
					  int64_t s[CT_PH_MAX],
					  int64_t e[CT_PH_MAX])
{
	struct ct_fx f;
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);

	fx_init(&f);
	if (c->rt == CT_RT_KATA)
		fx_kata(&f, c, kata_mode, s, e);
	else
		fx_container(&f, c, s, e);
	cr_assert_eq(fx_feed(&f, eng), 0);
	ct_tracker_flush(eng);
	ct_tracker_free(eng);
	fx_free(&f);
	cr_assert_eq(sink.n, 1, "%d records", sink.n);
	return &sink.got[0];
}

static void full_case(const struct fx_ct *c, enum ct_engine_kind eng,
		      int code)
{
	int64_t s[CT_PH_MAX], e[CT_PH_MAX];
	const struct ct_container *r = run_one(c, s, e);

	cr_expect_str_eq(r->id, c->id);
	cr_expect_eq(r->runtime, c->rt, "runtime %s",
		     ct_runtime_name(r->runtime));
	cr_expect_eq(r->engine, eng, "engine %s", ct_engine_name(r->engine));
	cr_expect(r->complete);
	if (c->rt != CT_RT_KATA) {
		cr_expect(r->has_exit_code);
		cr_expect_eq(r->exit_code, code);
		cr_expect_eq(r->cgroup_key, c->memcg);
	}
	check_phases(r, c->t0_ms, s, e);
	cr_expect_eq(sink.filled, 1);
	cr_expect(r->opens.valid);
	cr_expect_eq(r->first_ns, c->t0_ms * FX_MS);
	cr_expect_gt(ct_total_ns(r), 0);
}

Test(tracker, docker_runc)
{
	struct fx_ct c = { ID64, CT_RT_RUNC, CT_ENG_DOCKER, 1000, 5000,
			   3 << 8, false, 77 };

	full_case(&c, CT_ENG_DOCKER, 3);
	cr_expect_eq(sink.got[0].init_pid, 1006);
	cr_expect_eq(sink.got[0].last_ns, (5000 + 889) * FX_MS);
}

Test(tracker, docker_crun)
{
	struct fx_ct c = { "c2", CT_RT_CRUN, CT_ENG_DOCKER, 1000, 0, 0, false,
			   78 };

	full_case(&c, CT_ENG_DOCKER, 0);
}

Test(tracker, ctr_runc)
{
	struct fx_ct c = { "ctr1", CT_RT_RUNC, CT_ENG_CONTAINERD, 1000, 100,
			   0, false, 79 };

	full_case(&c, CT_ENG_CONTAINERD, 0);
}

Test(tracker, docker_runsc_wrapper)
{
	struct fx_ct c = { ID64, CT_RT_RUNSC, CT_ENG_DOCKER, 1000, 100,
			   3 << 8, true, 80 };

	full_case(&c, CT_ENG_DOCKER, 3);
	cr_expect_eq(sink.got[0].init_pid, 1023, "first stub");
}

Test(tracker, ctr_runsc)
{
	struct fx_ct c = { "gv1", CT_RT_RUNSC, CT_ENG_CONTAINERD, 1000, 100,
			   0, false, 81 };

	full_case(&c, CT_ENG_CONTAINERD, 0);
}

Test(tracker, runc_run_direct)
{
	struct fx_ct c = { "r1", CT_RT_RUNC, CT_ENG_DIRECT, 1000, 100, 0,
			   false, 82 };

	full_case(&c, CT_ENG_DIRECT, 0);
}

Test(tracker, crun_run_direct)
{
	struct fx_ct c = { "r2", CT_RT_CRUN, CT_ENG_DIRECT, 1000, 100, 1 << 8,
			   false, 83 };

	full_case(&c, CT_ENG_DIRECT, 1);
}

Test(tracker, runsc_run_direct)
{
	struct fx_ct c = { "s1", CT_RT_RUNSC, CT_ENG_DIRECT, 1000, 100, 0,
			   false, 84 };

	full_case(&c, CT_ENG_DIRECT, 0);
}

/* Kata: create = hypervisor exec -> the shim's first successful connect
 * to the agent; failed and in-progress connects before it are ignored. */
Test(tracker, kata_vsock_connect)
{
	struct fx_ct c = { "k1", CT_RT_KATA, CT_ENG_CONTAINERD, 1000, 100, 0,
			   false, 85 };

	kata_mode = FX_KATA_VSOCK;
	full_case(&c, CT_ENG_CONTAINERD, 0);
	cr_expect_not(sink.got[0].has_exit_code, "pid 1 runs in the guest");
}

Test(tracker, kata_hvsock_connect)
{
	struct fx_ct c = { "k2", CT_RT_KATA, CT_ENG_CONTAINERD, 1000, 100, 0,
			   false, 85 };

	kata_mode = FX_KATA_HVSOCK;
	full_case(&c, CT_ENG_CONTAINERD, 0);
}

/* qemu -daemonize: the launcher's exit hands over to the VM process;
 * destroy starts when that one exits. */
Test(tracker, kata_daemonize)
{
	struct fx_ct c = { "k3", CT_RT_KATA, CT_ENG_CONTAINERD, 1000, 100, 0,
			   false, 85 };

	kata_mode = FX_KATA_DAEMONIZE;
	full_case(&c, CT_ENG_CONTAINERD, 0);
}

/* The agent never answers: create stays open (dur_ns null in JSON), the
 * record is still complete (destroy ran to its end). */
Test(tracker, kata_no_connect)
{
	struct fx_ct c = { "k4", CT_RT_KATA, CT_ENG_CONTAINERD, 1000, 100, 0,
			   false, 85 };

	kata_mode = FX_KATA_NO_CONNECT;
	full_case(&c, CT_ENG_CONTAINERD, 0);
	cr_expect_eq(ct_phase_dur(&sink.got[0], CT_PH_CREATE), 0);
}

/* Connects from anything but the shim itself do not end create: not
 * virtiofsd (a child of the shim), not a host process, not the shim
 * before it started the hypervisor. */
Test(tracker, kata_connect_not_from_shim)
{
	struct ct_fx f;
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);
	const char *shim = "/usr/bin/containerd-shim-kata-v2";

	fx_init(&f);
	fx_exec(&f, 11, shim, shim, "-namespace", "default", "-address",
		"/a", "-publish-binary", "/b", "-id", "k5", "start");
	fx_fork(&f, 11, 12);
	fx_exec(&f, 12, shim, shim, "-namespace", "default", "-address",
		"/a", "-publish-binary", "/b", "-id", "k5");
	fx_at(&f, 10);
	fx_connect(&f, 12, 12, NULL, 0);	/* before the hypervisor */
	fx_fork(&f, 12, 13);
	fx_exec(&f, 13, "/usr/libexec/virtiofsd", "virtiofsd");
	fx_at(&f, 20);
	fx_fork(&f, 12, 14);
	fx_exec(&f, 14, "/usr/bin/qemu-system-x86_64", "qemu-system-x86_64");
	fx_at(&f, 30);
	fx_connect(&f, 13, 13, NULL, 0);	/* virtiofsd */
	fx_connect(&f, 99, 99, "/x/kata.hvsock", 0);	/* host process */
	fx_connect(&f, 14, 14, NULL, 0);	/* the hypervisor */
	fx_at(&f, 40);
	fx_connect(&f, 12, 17, NULL, 0);	/* a shim thread: this one */
	cr_assert_eq(fx_feed(&f, eng), 0);
	ct_tracker_flush(eng);
	cr_assert_eq(sink.n, 1);
	cr_expect_eq(sink.got[0].phases[CT_PH_CREATE].start_ns, 20 * FX_MS);
	cr_expect_eq(sink.got[0].phases[CT_PH_CREATE].end_ns, 40 * FX_MS);
	ct_tracker_free(eng);
	fx_free(&f);
}

/* A CT_EV_CONNECT shorter than struct ct_connect is refused. */
Test(tracker, kata_short_connect_refused)
{
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);
	struct ct_connect c;

	memset(&c, 0, sizeof(c));
	c.hdr.type = CT_EV_CONNECT;
	c.hdr.size = sizeof(c) - 1;
	cr_expect_eq(fx_enter(eng, &c, sizeof(c)), -EINVAL);
	c.hdr.size = sizeof(c);
	cr_expect_eq(fx_enter(eng, &c, sizeof(c) - 1), -EINVAL);
	cr_expect_eq(fx_enter(eng, &c, sizeof(c)), 0);
	ct_tracker_free(eng);
}

Test(tracker, killed_by_signal)
{
	struct fx_ct c = { "sig", CT_RT_RUNC, CT_ENG_DOCKER, 1000, 0, 9,
			   false, 86 };

	full_case(&c, CT_ENG_DOCKER, 128 + 9);
}

/*
 * The shim killed while the program runs (containerd's cleanup then
 * kills pid 1: 137): not a complete record with exit 137, as a SIGKILL
 * of the program would give, but one that names the shim's end.
 */
Test(tracker, shim_killed_while_running)
{
	struct fx_ct c = { "shimkill", CT_RT_RUNC, CT_ENG_CONTAINERD, 1000, 0,
			   0, false, 86 };
	int64_t s[CT_PH_MAX], e[CT_PH_MAX];
	const struct ct_container *r;

	fx_kill_shim = true;
	r = run_one(&c, s, e);
	fx_kill_shim = false;

	cr_expect_not(r->complete, "its end was not the program's");
	cr_expect_eq(r->shim_exit, 128 + 9);
	cr_expect_eq(r->failed, CT_FAIL_NONE, "the program did run");
}

/* The shim's usual end, after the program's: nothing said. */
Test(tracker, shim_exit_after_the_program)
{
	struct fx_ct c = { "shimok", CT_RT_RUNC, CT_ENG_CONTAINERD, 1000, 0,
			   9, false, 86 };

	full_case(&c, CT_ENG_CONTAINERD, 128 + 9);
	cr_expect_eq(sink.got[0].shim_exit, 0);
}

/* Emitted only after the grace period, on the next event or a tick. */
Test(tracker, grace_then_emit)
{
	struct fx_ct c = { "g1", CT_RT_RUNC, CT_ENG_CONTAINERD, 1000, 0, 0,
			   false, 87 };
	int64_t s[CT_PH_MAX], e[CT_PH_MAX];
	struct ct_fx f;
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);

	fx_init(&f);
	fx_container(&f, &c, s, e);
	cr_assert_eq(fx_feed(&f, eng), 0);
	cr_expect_eq(sink.n, 0);
	cr_expect_eq(ct_tracker_pending(eng), 1);
	ct_tracker_tick(eng, 10000 * FX_MS);
	cr_expect_eq(sink.n, 1);
	cr_expect(sink.got[0].complete);
	cr_expect_eq(ct_tracker_pending(eng), 0);
	ct_tracker_flush(eng);
	cr_expect_eq(sink.n, 1);
	ct_tracker_free(eng);
	fx_free(&f);
}

Test(tracker, ten_interleaved)
{
	struct ct_fx parts[10], all;
	int64_t s[10][CT_PH_MAX], e[10][CT_PH_MAX];
	struct fx_ct c[10];
	char ids[10][16];
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);
	static const enum ct_runtime rts[] = { CT_RT_RUNC, CT_RT_CRUN,
					       CT_RT_RUNSC };

	for (int i = 0; i < 10; i++) {
		snprintf(ids[i], sizeof(ids[i]), "ct%d", i);
		c[i] = (struct fx_ct){ ids[i], rts[i % 3],
				       i % 2 ? CT_ENG_DOCKER
					     : CT_ENG_CONTAINERD,
				       (uint32_t)(10000 + 1000 * i),
				       (uint64_t)(37 * i), (i % 4) << 8,
				       rts[i % 3] == CT_RT_RUNSC && i % 2,
				       (uint64_t)(500 + i) };
		fx_init(&parts[i]);
		fx_container(&parts[i], &c[i], s[i], e[i]);
	}
	fx_init(&all);
	fx_merge(&all, parts, 10);
	cr_assert_eq(fx_feed(&all, eng), 0);
	ct_tracker_flush(eng);
	cr_assert_eq(sink.n, 10);
	for (int i = 0; i < 10; i++) {
		const struct ct_container *r = by_id(ids[i]);

		cr_assert(r, "%s missing", ids[i]);
		cr_expect(r->complete, "%s incomplete", ids[i]);
		cr_expect_eq(r->runtime, c[i].rt);
		cr_expect_eq(r->exit_code, i % 4, "%s exit %d", ids[i],
			     r->exit_code);
		cr_expect_eq(r->cgroup_key, c[i].memcg);
		if (c[i].eng == CT_ENG_CONTAINERD)	/* docker ones share a
							 * netns path here */
			check_phases(r, c[i].t0_ms, s[i], e[i]);
		fx_free(&parts[i]);
	}
	ct_tracker_free(eng);
	fx_free(&all);
}

/* Cut the stream before delete: flushed as incomplete, once. */
Test(tracker, incomplete_flushed)
{
	struct fx_ct c = { "inc", CT_RT_RUNC, CT_ENG_DOCKER, 1000, 0, 0,
			   false, 88 };
	int64_t s[CT_PH_MAX], e[CT_PH_MAX];
	struct ct_fx f, cut;
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);
	size_t off = 0;

	fx_init(&f);
	fx_init(&cut);
	fx_container(&f, &c, s, e);
	while (off < f.len) {
		const struct ct_hdr *h = (const void *)(f.buf + off);

		if (h->ts_ns >= 700 * FX_MS)
			break;
		fx_raw(&cut, h, h->size);
		off += h->size;
	}
	cr_assert_eq(fx_feed(&cut, eng), 0);
	cr_expect_eq(ct_tracker_pending(eng), 1);
	ct_tracker_flush(eng);
	cr_assert_eq(sink.n, 1);
	cr_expect_not(sink.got[0].complete);
	cr_expect(ct_has_phase(&sink.got[0], CT_PH_RUN));
	cr_expect(ct_has_phase(&sink.got[0], CT_PH_DIE));
	cr_expect_eq(sink.got[0].phases[CT_PH_DIE].end_ns, 0);
	cr_expect_not(ct_has_phase(&sink.got[0], CT_PH_DESTROY));
	ct_tracker_flush(eng);
	cr_expect_eq(sink.n, 1);
	ct_tracker_free(eng);
	fx_free(&f);
	fx_free(&cut);
}

/* -- COMMAND waits only for the containers that began after it did. */
Test(tracker, pending_since)
{
	struct fx_ct a = { "old", CT_RT_RUNC, CT_ENG_DOCKER, 1000, 0, 0,
			   false, 88 };
	struct fx_ct b = { "new", CT_RT_RUNC, CT_ENG_DOCKER, 2000, 500, 0,
			   false, 89 };
	int64_t s[CT_PH_MAX], e[CT_PH_MAX];
	struct ct_fx parts[2], all, cut;
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);
	size_t off = 0;

	fx_init(&parts[0]);
	fx_init(&parts[1]);
	fx_init(&all);
	fx_init(&cut);
	fx_container(&parts[0], &a, s, e);
	fx_container(&parts[1], &b, s, e);
	fx_merge(&all, parts, 2);
	/* both still running at 700 ms: nothing is destroyed yet */
	while (off < all.len) {
		const struct ct_hdr *h = (const void *)(all.buf + off);

		if (h->ts_ns >= 700 * FX_MS)
			break;
		fx_raw(&cut, h, h->size);
		off += h->size;
	}
	cr_assert_eq(fx_feed(&cut, eng), 0);
	cr_expect_eq(ct_tracker_pending(eng), 2);
	cr_expect_eq(ct_tracker_pending_since(eng, 0), 2);
	cr_expect_eq(ct_tracker_pending_since(eng, 400 * FX_MS), 1);
	cr_expect_eq(ct_tracker_pending_since(eng, 2000 * FX_MS), 0);
	ct_tracker_free(eng);
	fx_free(&parts[0]);
	fx_free(&parts[1]);
	fx_free(&all);
	fx_free(&cut);
}

static int run_filtered(const char *prefix, uint32_t mask)
{
	struct ct_fx parts[3], all;
	int64_t s[CT_PH_MAX], e[CT_PH_MAX];
	struct fx_ct c[3] = {
		{ "abc1", CT_RT_RUNC, CT_ENG_DOCKER, 1000, 0, 0, false, 1 },
		{ "abd2", CT_RT_CRUN, CT_ENG_CONTAINERD, 2000, 5, 0, false, 2 },
		{ "xyz3", CT_RT_RUNSC, CT_ENG_CONTAINERD, 3000, 9, 0, false,
		  3 },
	};
	struct ct_tracker *eng = fx_tracker(&sink, prefix, mask);

	for (int i = 0; i < 3; i++) {
		fx_init(&parts[i]);
		fx_container(&parts[i], &c[i], s, e);
	}
	fx_init(&all);
	fx_merge(&all, parts, 3);
	cr_assert_eq(fx_feed(&all, eng), 0);
	ct_tracker_flush(eng);
	ct_tracker_free(eng);
	for (int i = 0; i < 3; i++)
		fx_free(&parts[i]);
	fx_free(&all);
	return sink.n;
}

Test(tracker, filter_runtime_and_prefix)
{
	cr_expect_eq(run_filtered(NULL, 0), 3);
	cr_expect_eq(run_filtered("ab", 0), 2);
	cr_expect_eq(run_filtered("abd", 0), 1);
	cr_expect_str_eq(sink.got[0].id, "abd2");
	cr_expect_eq(run_filtered(NULL, 1u << CT_RT_RUNSC), 1);
	cr_expect_str_eq(sink.got[0].id, "xyz3");
	cr_expect_eq(sink.filled, 1, "before_emit only for emitted ones");
	cr_expect_eq(run_filtered("ab", 1u << CT_RT_RUNSC), 0);
	cr_expect_eq(run_filtered("", (1u << CT_RT_RUNC) |
				      (1u << CT_RT_CRUN)), 2);
}

/*
 * -c filters what is reported, not what is attributed: two docker
 * containers connect at the same time, the one left out by the prefix
 * mounts its netns first; the other must keep its own netns mount and
 * its own disconnect.
 */
Test(tracker, prefix_does_not_steal_netns)
{
	struct fx_ct c[2] = {
		{ "aaa1", CT_RT_RUNC, CT_ENG_DOCKER, 1000, 0, 0, false, 1 },
		{ "bbb2", CT_RT_RUNC, CT_ENG_DOCKER, 2000, 100, 0, false, 2 },
	};
	int64_t s[2][CT_PH_MAX], e[2][CT_PH_MAX];
	struct ct_fx parts[2], all;
	struct ct_tracker *eng = fx_tracker(&sink, "bbb", 0);
	const struct ct_container *got;

	for (int i = 0; i < 2; i++) {
		fx_init(&parts[i]);
		fx_container(&parts[i], &c[i], s[i], e[i]);
	}
	fx_init(&all);
	fx_merge(&all, parts, 2);
	cr_assert_eq(fx_feed(&all, eng), 0);
	ct_tracker_flush(eng);
	cr_assert_eq(sink.n, 1);
	got = &sink.got[0];
	cr_expect_str_eq(got->id, "bbb2");
	cr_expect(got->complete);
	cr_assert(ct_has_phase(got, CT_PH_DISCONNECT));
	cr_expect_eq(got->phases[CT_PH_DISCONNECT].start_ns,
		     (uint64_t)s[1][CT_PH_DISCONNECT] * FX_MS + 100 * FX_MS);
	cr_expect_eq(sink.filtered, 1, "aaa1 handed to on_filtered");
	ct_tracker_free(eng);
	for (int i = 0; i < 2; i++)
		fx_free(&parts[i]);
	fx_free(&all);
}

/* The whole stream twice (duplicates, late shim exits and deletes for an
 * emitted id) must not add records; a later run of the same id must. */
Test(tracker, duplicates_and_late_events)
{
	struct fx_ct c = { "dup", CT_RT_RUNC, CT_ENG_CONTAINERD, 1000, 0, 0,
			   false, 5 };
	int64_t s[CT_PH_MAX], e[CT_PH_MAX];
	struct ct_fx f, late;
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);

	fx_init(&f);
	fx_container(&f, &c, s, e);
	cr_assert_eq(fx_feed(&f, eng), 0);
	ct_tracker_tick(eng, 5000 * FX_MS);
	cr_assert_eq(sink.n, 1);
	/* late: shim exit, runc delete, shim delete for the emitted id */
	fx_init(&late);
	fx_at(&late, 6000);
	fx_exit(&late, 1002, 0);
	fx_exec(&late, 1050, "/usr/sbin/runc", "runc", "delete", "dup");
	fx_exit(&late, 1050, 0);
	fx_exec(&late, 1051, "/usr/bin/containerd-shim-runc-v2",
		"containerd-shim-runc-v2", "-namespace", "default", "-id",
		"dup", "delete");
	fx_exit(&late, 1051, 0);
	fx_exec(&late, 1052, "/usr/sbin/runc", "runc", "state", "dup");
	fx_exit(&late, 1052, 0);
	fx_umount(&late, 100, "/run/x/dup/rootfs", 0);
	cr_assert_eq(fx_feed(&late, eng), 0);
	ct_tracker_flush(eng);
	cr_expect_eq(sink.n, 1, "late events made %d records", sink.n);
	ct_tracker_free(eng);
	fx_free(&late);
	fx_free(&f);
}

Test(tracker, same_id_reused_later)
{
	struct fx_ct c = { "again", CT_RT_RUNC, CT_ENG_CONTAINERD, 1000, 0, 0,
			   false, 5 };
	struct fx_ct d = { "again", CT_RT_RUNC, CT_ENG_CONTAINERD, 2000, 3000,
			   2 << 8, false, 6 };
	int64_t s[CT_PH_MAX], e[CT_PH_MAX];
	struct ct_fx f;
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);

	fx_init(&f);
	fx_container(&f, &c, s, e);
	fx_container(&f, &d, s, e);
	cr_assert_eq(fx_feed(&f, eng), 0);
	ct_tracker_flush(eng);
	cr_assert_eq(sink.n, 2);
	cr_expect(sink.got[0].complete && sink.got[1].complete);
	cr_expect_eq(sink.got[1].exit_code, 2);
	check_phases(&sink.got[1], 3000, s, e);
	ct_tracker_free(eng);
	fx_free(&f);
}

/* `runc state`/`kill`/`features` alone make no container. */
Test(tracker, noise_is_no_container)
{
	struct ct_fx f;
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);

	fx_init(&f);
	fx_at(&f, 1);
	fx_exec(&f, 10, "/usr/sbin/runc", "runc", "state", "n1");
	fx_exec(&f, 11, "/usr/sbin/runc", "runc", "kill", "n1", "9");
	fx_exec(&f, 12, "/usr/sbin/runc", "runc", "features");
	fx_exec(&f, 13, "/usr/sbin/runc", "runc", "start", "n1");
	fx_exec(&f, 14, "/usr/sbin/runc", "runc", "delete", "n1");
	fx_exec(&f, 15, "/proc/1/exe", "libnetwork-setkey", "-exec-root=/x",
		"n1", "c");
	fx_at(&f, 2);
	for (uint32_t p = 10; p <= 15; p++)
		fx_exit(&f, p, 0);
	fx_exec(&f, 16, "/bin/ls", "ls");
	fx_fork(&f, 16, 17);
	fx_exit(&f, 17, 0);
	fx_mount(&f, 16, "/proc/17/ns/net", "/run/netns/x", 0);
	fx_umount(&f, 16, "/run/netns/x", 0);
	cr_assert_eq(fx_feed(&f, eng), 0);
	cr_expect_eq(ct_tracker_pending(eng), 0);
	ct_tracker_flush(eng);
	cr_expect_eq(sink.n, 0);
	ct_tracker_free(eng);
	fx_free(&f);
}

Test(tracker, malformed_records)
{
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);
	struct ct_exec x;
	struct ct_hdr h;
	struct ct_fx f;

	memset(&h, 0, sizeof(h));
	cr_expect_eq(fx_enter(eng, NULL, 10), -EINVAL);
	cr_expect_eq(ct_tracker_feed(NULL, &h, sizeof(h)), -EINVAL);
	cr_expect_eq(fx_enter(eng, &h, 3), -EINVAL);
	h.type = CT_EV_EXEC;
	h.size = sizeof(h);
	cr_expect_eq(fx_enter(eng, &h, sizeof(h)), -EINVAL);
	h.type = CT_EV_EXIT;
	h.size = sizeof(struct ct_exit) + 100;
	cr_expect_eq(fx_enter(eng, &h, sizeof(h)), -EINVAL, "size>len");
	h.type = 77;	/* unknown type, well formed: skipped */
	h.size = sizeof(h);
	cr_expect_eq(fx_enter(eng, &h, sizeof(h)), 0);
	memset(&x, 0, sizeof(x));
	x.hdr.type = CT_EV_EXEC;
	x.hdr.size = sizeof(x);
	x.args_len = CT_ARGS_MAX + 1;
	cr_expect_eq(fx_enter(eng, &x, sizeof(x)), -EINVAL);
	/* no NUL anywhere: still safe */
	memset(x.filename, 'r', sizeof(x.filename));
	memset(x.args, 'a', sizeof(x.args));
	x.args_len = CT_ARGS_MAX;
	cr_expect_eq(fx_enter(eng, &x, sizeof(x)), 0);
	/* events for unknown pids, exit before fork, umount of nothing */
	fx_init(&f);
	fx_exit(&f, 4242, 0);
	fx_fork(&f, 4242, 4243);
	fx_umount(&f, 1, "", -22);
	fx_lost(&f, 17);
	fx_lost(&f, 5);
	cr_expect_eq(fx_feed(&f, eng), 0);
	cr_expect_eq(ct_tracker_lost(eng), 17);
	ct_tracker_flush(eng);
	cr_expect_eq(sink.n, 0);
	ct_tracker_free(eng);
	ct_tracker_free(NULL);
	fx_free(&f);
}

/* Misordered: delete and exits before the create.  No crash, no
 * complete record out of thin air. */
Test(tracker, misordered)
{
	struct fx_ct c = { "mis", CT_RT_RUNC, CT_ENG_DOCKER, 1000, 0, 0,
			   false, 5 };
	int64_t s[CT_PH_MAX], e[CT_PH_MAX];
	struct ct_fx f, rev;
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);
	const struct ct_hdr *recs[512];
	size_t n = 0;

	fx_init(&f);
	fx_init(&rev);
	fx_container(&f, &c, s, e);
	for (size_t off = 0; off < f.len && n < 512; n++) {
		recs[n] = (const void *)(f.buf + off);
		off += recs[n]->size;
	}
	while (n--)
		fx_raw(&rev, recs[n], recs[n]->size);
	cr_assert_eq(fx_feed(&rev, eng), 0);
	ct_tracker_flush(eng);
	cr_expect_leq(sink.n, 1);
	if (sink.n)
		cr_expect_not(sink.got[0].complete);
	ct_tracker_free(eng);
	fx_free(&f);
	fx_free(&rev);
}

Test(tracker, cgroup_v2_key)
{
	struct ct_tracker_opts o = { .cgroup_mode = CT_CGROUP_V2,
				    .on_container = fx_sink_cb, .ctx = &sink,
				    .mono_to_real_ns = 1000 };
	struct fx_ct c = { "v2", CT_RT_RUNC, CT_ENG_DIRECT, 1000, 0, 0, false,
			   5 };
	int64_t s[CT_PH_MAX], e[CT_PH_MAX];
	struct ct_fx f;
	struct ct_tracker *eng;

	memset(&sink, 0, sizeof(sink));
	eng = ct_tracker_new(&o);
	fx_init(&f);
	f.cgroup_id = 4444;
	fx_container(&f, &c, s, e);
	cr_assert_eq(fx_feed(&f, eng), 0);
	ct_tracker_flush(eng);
	cr_assert_eq(sink.n, 1);
	cr_expect_eq(sink.got[0].cgroup_key, 4444);
	cr_expect_eq(sink.got[0].phases[CT_PH_CREATE].start_ns, 1000,
		     "wall = mono + offset");
	ct_tracker_free(eng);
	fx_free(&f);
}

/* Everything of it exited but destroy never came (lost events): given up
 * as incomplete after a long silence, not kept forever. */
Test(tracker, stale_given_up)
{
	struct ct_fx f;
	struct ct_tracker *eng = fx_tracker(&sink, NULL, 0);

	fx_init(&f);
	fx_at(&f, 1);
	fx_exec(&f, 10, "/usr/sbin/runc", "runc", "create", "--bundle", "/b",
		"st1");
	fx_at(&f, 2);
	fx_exit(&f, 10, 1 << 8);
	cr_assert_eq(fx_feed(&f, eng), 0);
	cr_expect_eq(ct_tracker_pending(eng), 1);
	ct_tracker_tick(eng, 100ull * 1000 * FX_MS);
	cr_expect_eq(sink.n, 0);
	ct_tracker_tick(eng, 700ull * 1000 * FX_MS);
	cr_assert_eq(sink.n, 1);
	cr_expect_not(sink.got[0].complete);
	cr_expect_eq(sink.got[0].engine, CT_ENG_DIRECT);
	cr_expect_eq(ct_phase_dur(&sink.got[0], CT_PH_CREATE), FX_MS);
	ct_tracker_free(eng);
	fx_free(&f);
}

/* What every emitted record must satisfy, whatever the input. */
static void check_sane(const struct ct_container *c, void *ctx)
{
	int *n = ctx;

	(*n)++;
	cr_expect_str_eq(c->id, "r", "an id no argv named");
	cr_expect_neq(c->phase_mask, 0, "a record without phases");
	cr_expect(!c->complete || ct_has_phase(c, CT_PH_DESTROY),
		  "complete without destroy");
	cr_expect(!c->has_exit_code ||
		  (c->exit_code >= 0 && c->exit_code <= 255),
		  "exit code %d", c->exit_code);
	for (int p = 0; p < CT_PH_MAX; p++) {
		const struct ct_interval *iv = &c->phases[p];

		if (!ct_has_phase(c, p))
			continue;
		cr_expect(!iv->end_ns || iv->end_ns >= iv->start_ns,
			  "%s ends before it starts", ct_phase_name(p));
		cr_expect_geq(iv->start_ns, c->first_ns, "%s before first_ns",
			      ct_phase_name(p));
		cr_expect_leq(iv->end_ns, c->last_ns, "%s after last_ns",
			      ct_phase_name(p));
	}
}

/*
 * Random well-sized records of every type: nothing may crash, every
 * record emitted is consistent, and the stream does make a container.
 */
Test(tracker, random_records)
{
	static const uint32_t types[] = { CT_EV_EXEC, CT_EV_FORK, CT_EV_EXIT,
					  CT_EV_MOUNT, CT_EV_UMOUNT,
					  CT_EV_LOST, 999 };
	static const size_t sizes[] = { sizeof(struct ct_exec),
					sizeof(struct ct_fork),
					sizeof(struct ct_exit),
					sizeof(struct ct_mount),
					sizeof(struct ct_mount),
					sizeof(struct ct_lost),
					sizeof(struct ct_hdr) };
#define P(s) { s, sizeof(s) }
	static const struct {
		const char *a;
		size_t len;	/* with the embedded and final NULs */
	} progs[] = {
		P("runc\0create\0r"), P("runc\0init"),
		P("runsc-sandbox\0boot\0r"),
		P("containerd-shim-runc-v2\0-id\0r\0start"),
		P("runc\0delete\0r"), P("libnetwork-setkey\0r\0c"),
		P("runc\0start\0r"), P("sh"),
	};
#undef P
	static union {
		struct ct_exec x;
		struct ct_mount m;
	} u;
	struct ct_tracker_opts o = { .on_container = check_sane };
	struct ct_tracker *eng;
	uint32_t seed = 12345;
	int emitted = 0;

	o.ctx = &emitted;
	eng = ct_tracker_new(&o);
	cr_assert(eng);

	for (int i = 0; i < 200000; i++) {
		int k;

		seed = seed * 1103515245u + 12345u;
		k = (seed >> 16) % 7;
		memset(&u, 0, sizeof(u));
		u.x.hdr.type = types[k];
		u.x.hdr.size = sizes[k];
		u.x.hdr.pid = (seed >> 8) % 16;
		u.x.hdr.ts_ns = (uint64_t)i * 1000000;
		u.x.hdr.mntns = seed % 3;
		if (types[k] == CT_EV_EXEC) {
			int j = (seed >> 4) % 8;

			memcpy(u.x.args, progs[j].a, progs[j].len);
			u.x.args_len = progs[j].len;
		} else if (types[k] == CT_EV_FORK) {
			((struct ct_fork *)&u)->child_pid = (seed >> 3) % 16;
		} else if (types[k] == CT_EV_UMOUNT) {
			snprintf(u.m.target, sizeof(u.m.target), "/x/r/%d",
				 i % 3);
		} else if (types[k] == CT_EV_MOUNT) {
			snprintf(u.m.source, sizeof(u.m.source),
				 "/proc/%u/ns/net", seed % 16);
		}
		cr_assert_eq(ct_tracker_feed(eng, &u, sizeof(u)), 0);
	}
	ct_tracker_flush(eng);
	cr_expect_geq(emitted, 1, "no container emitted");
	ct_tracker_free(eng);
}

/* a cut command says so */
Test(tracker, long_command_marked_truncated)
{
	struct fx_ct c = { "long1", CT_RT_RUNC, CT_ENG_DOCKER, 1000, 100,
			   0, false, 77 };
	int64_t s[CT_PH_MAX], e[CT_PH_MAX];
	char longcmd[400];
	const struct ct_container *r;

	r = run_one(&c, s, e);
	cr_assert_str_eq(r->cmd, "sh -c exit 3");
	cr_assert_not(r->cmd_truncated);
	memset(longcmd, 'x', sizeof(longcmd) - 1);
	longcmd[sizeof(longcmd) - 1] = '\0';
	fx_user_cmd = longcmd;
	sink.n = 0;
	r = run_one(&c, s, e);
	fx_user_cmd = NULL;
	cr_assert_eq(strlen(r->cmd), CT_CMD_LEN - 1);
	cr_assert(r->cmd_truncated);
}

/*
 * CT_EV_LOST: every loss kind its own counter, the largest total seen;
 * a version 1 record (the ring buffer's count only) leaves the others.
 */
Test(tracker, loss_kinds_apart)
{
	struct ct_tracker_opts o = { 0 };
	struct ct_tracker *tk = ct_tracker_new(&o);
	struct ct_lost l = { .hdr = { .type = CT_EV_LOST, .size = sizeof(l) },
			     .lost = 2, .pull_lost = 3, .why_lost = 4,
			     .opens_lost = 5 };
	struct ct_tracker_stats st;

	cr_assert_eq(ct_tracker_feed(tk, &l, sizeof(l)), 0);
	l.hdr.size = CT_LOST_V1_SIZE;
	l.lost = 9;
	cr_assert_eq(ct_tracker_feed(tk, &l, CT_LOST_V1_SIZE), 0);
	ct_tracker_get_stats(tk, &st);
	cr_expect_eq(st.lost_events, 9);
	cr_expect_eq(st.lost_pull_records, 3);
	cr_expect_eq(st.lost_why_threads, 4);
	cr_expect_eq(st.lost_opens, 5);
	ct_tracker_free(tk);
}
