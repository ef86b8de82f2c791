// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dockerd's removal of a container after its last process (CT_EV_RMDIR,
 * docs/phases.md "destroy"): destroy lasts until the last rmdir of a
 * directory named by the container's id, whatever else is removed at the
 * same time.  Synthetic streams (fixture.c) and real recordings
 * (tests/fixtures/docker-remove, docker-rmf: record-remove.sh).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dump.h"
#include "fixture.h"
#include "recfile.h"
#include "tracker.h"
#include "tsession.h"

#define ID_A "3ca33509a23de757bd098c565062f2208a7300dfba0c4fce59a7565ed38f2ab4"
#define ID_B "8743eccc99a4b0b7a2a2e4c3f3f5ce5fb1a2bd1cd8a8f7d5f6e0c0c5c2d1e9a7"
#define MOUNT_A "2b4366029f2a4df7e46381b3138496ae5a68fd4326ba28e0933d0531369f5b87"
#define DOCKERD	200

static struct fx_sink sink;

/* unlinkat(AT_REMOVEDIR) by dockerd, at ms, as bpf/prepare_sys.bpf.h
 * records it */
static void rmdir_at(struct ct_fx *f, uint64_t ms, const char *path)
{
	struct ct_mkdir m = { 0 };

	m.hdr.ts_ns = ms * FX_MS;
	m.hdr.type = CT_EV_RMDIR;
	m.hdr.size = sizeof(m);
	m.hdr.pid = m.hdr.tid = DOCKERD;
	memcpy(m.hdr.comm, "dockerd", 8);
	snprintf(m.path, sizeof(m.path), "%s", path);
	fx_raw(f, &m, sizeof(m));
}

static const struct ct_container *got(const char *id)
{
	for (int i = 0; i < sink.n; i++)
		if (!strcmp(sink.got[i].id, id))
			return &sink.got[i];
	cr_assert_fail("%s not emitted", id);
	return NULL;
}

/* The record goes out, complete, at t ms and not a millisecond before. */
static void out_at(struct ct_tracker *tk, uint64_t t)
{
	ct_tracker_tick(tk, (t - 1) * FX_MS);
	cr_expect_eq(sink.n, 0);
	ct_tracker_tick(tk, t * FX_MS);
	cr_assert_eq(sink.n, 1);
	cr_expect(sink.got[0].complete);
}

/*
 * Two docker containers whose removals interleave and come in the
 * reverse order of their ends: each destroy ends at its own id's last
 * rmdir.  A mount id, an -init layer and a short name are nobody's; an
 * rmdir before destroy began moves nothing; one after the record went
 * out (the grace of event time) starts no record.
 */
Test(tracker_remove, exact_by_id)
{
	struct fx_ct ca = { ID_A, CT_RT_RUNC, CT_ENG_DOCKER, 1000, 100, 0,
			    false, 77 };
	struct fx_ct cb = { ID_B, CT_RT_CRUN, CT_ENG_DOCKER, 2000, 150, 0,
			    false, 78 };
	int64_t sa[CT_PH_MAX], ea[CT_PH_MAX], sb[CT_PH_MAX], eb[CT_PH_MAX];
	struct ct_fx parts[2], all, tail;
	struct ct_tracker *tk = fx_tracker(&sink, NULL, 0);
	uint64_t end_a, end_b;

	fx_init(&parts[0]);
	fx_init(&parts[1]);
	fx_container(&parts[0], &ca, sa, ea);
	fx_container(&parts[1], &cb, sb, eb);
	end_a = ca.t0_ms + (uint64_t)ea[CT_PH_DESTROY];
	end_b = cb.t0_ms + (uint64_t)eb[CT_PH_DESTROY];
	cr_assert_gt(end_b, end_a);
	rmdir_at(&parts[0], ca.t0_ms + 50, ID_A);	/* exec/containerd/<id> */
	fx_init(&all);
	fx_merge(&all, parts, 2);
	fx_init(&tail);
	rmdir_at(&tail, end_b + 5, MOUNT_A);
	rmdir_at(&tail, end_b + 6, ID_B);
	rmdir_at(&tail, end_b + 7, MOUNT_A "-init");
	rmdir_at(&tail, end_b + 8, "/var/lib/docker/containers/" ID_A);
	rmdir_at(&tail, end_b + 9, ID_B);
	rmdir_at(&tail, end_b + 10, "work");
	rmdir_at(&tail, end_b + 11, ID_A);
	rmdir_at(&tail, end_b + 1000, ID_A);	/* emitted by then */
	cr_assert_eq(fx_feed(&all, tk), 0);
	cr_assert_eq(fx_feed(&tail, tk), 0);
	cr_assert_eq(sink.n, 2, "%d records", sink.n);
	cr_expect_eq(got(ID_A)->phases[CT_PH_DESTROY].start_ns,
		     (ca.t0_ms + (uint64_t)sa[CT_PH_DESTROY]) * FX_MS);
	cr_expect_eq(got(ID_A)->phases[CT_PH_DESTROY].end_ns,
		     (end_b + 11) * FX_MS);
	cr_expect_eq(got(ID_B)->phases[CT_PH_DESTROY].end_ns,
		     (end_b + 9) * FX_MS);
	cr_expect_eq(got(ID_A)->last_ns, (end_b + 11) * FX_MS);
	ct_tracker_flush(tk);
	cr_expect_eq(sink.n, 2);
	ct_tracker_free(tk);
	for (int i = 0; i < 2; i++)
		fx_free(&parts[i]);
	fx_free(&all);
	fx_free(&tail);
}

/* CT_EV_MOUNTID, as names.c makes it when the container appears */
static void mount_id_at(struct ct_fx *f, uint64_t ms, const char *id,
			const char *mid)
{
	struct ct_name_rec r = { 0 };

	r.hdr.ts_ns = ms * FX_MS;
	r.hdr.type = CT_EV_MOUNTID;
	r.hdr.size = sizeof(r);
	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.name, sizeof(r.name), "%s", mid);
	fx_raw(f, &r, sizeof(r));
}

/* A docker container ending at t0 + its destroy end; returns that end. */
static uint64_t one_container(struct ct_fx *f)
{
	struct fx_ct c = { ID_A, CT_RT_RUNC, CT_ENG_DOCKER, 1000, 100, 0,
			   false, 77 };
	int64_t st[CT_PH_MAX], en[CT_PH_MAX];

	uint64_t end;

	fx_init(f);
	fx_container(f, &c, st, en);
	end = c.t0_ms + (uint64_t)en[CT_PH_DESTROY];
	/* names.c makes it at the shim's exec: any time before the removal */
	mount_id_at(f, end, ID_A, MOUNT_A);
	return end;
}

/*
 * A removal longer than the grace (a layer of many directories): its
 * start (dockerd's umount2 of `overlay2/<mount id>`) holds the record
 * until `layerdb/mounts/<id>` and `containers/<id>` are gone.  The
 * umount of `<mount id>/merged` (every container's exit) holds nothing.
 */
Test(tracker_remove, long_removal_held)
{
	struct ct_tracker *tk = fx_tracker(&sink, NULL, 0);
	struct ct_fx f;
	uint64_t end = one_container(&f);

	fx_at(&f, end + 5);
	fx_umount(&f, DOCKERD, "/var/lib/docker/overlay2/" MOUNT_A "/merged",
		  0);
	fx_at(&f, end + 50);
	fx_umount(&f, DOCKERD, "/var/lib/docker/overlay2/" MOUNT_A, -22);
	cr_assert_eq(fx_feed(&f, tk), 0);
	ct_tracker_tick(tk, (end + 2000) * FX_MS);
	cr_expect_eq(sink.n, 0, "emitted while dockerd removes it");
	fx_free(&f);
	fx_init(&f);
	rmdir_at(&f, end + 2000, MOUNT_A);
	rmdir_at(&f, end + 2001, ID_A);		/* layerdb/mounts/<id> */
	rmdir_at(&f, end + 2020, ID_A);		/* containers/<id> */
	cr_assert_eq(fx_feed(&f, tk), 0);
	out_at(tk, end + 2020 + 250);
	cr_expect_eq(sink.got[0].phases[CT_PH_DESTROY].end_ns,
		     (end + 2020) * FX_MS);
	ct_tracker_free(tk);
	fx_free(&f);
}

/* A removal that never ends (failed midway): held 30 s, then complete. */
Test(tracker_remove, removal_bounded)
{
	struct ct_tracker *tk = fx_tracker(&sink, NULL, 0);
	struct ct_fx f;
	uint64_t end = one_container(&f);

	fx_at(&f, end + 50);
	fx_umount(&f, DOCKERD, "/var/lib/docker/overlay2/" MOUNT_A, -22);
	cr_assert_eq(fx_feed(&f, tk), 0);
	out_at(tk, end + 50 + 30000);
	cr_expect_eq(sink.got[0].phases[CT_PH_DESTROY].end_ns, end * FX_MS);
	ct_tracker_free(tk);
	fx_free(&f);
}

/* Without the removal's start the grace alone holds it. */
Test(tracker_remove, no_removal_grace_only)
{
	struct ct_tracker *tk = fx_tracker(&sink, NULL, 0);
	struct ct_fx f;
	uint64_t end = one_container(&f);

	fx_at(&f, end + 5);
	fx_umount(&f, DOCKERD, "/var/lib/docker/overlay2/" MOUNT_A "/merged",
		  0);
	cr_assert_eq(fx_feed(&f, tk), 0);
	ct_tracker_tick(tk, (end + 250) * FX_MS);
	cr_expect_eq(sink.n, 1);
	ct_tracker_free(tk);
	fx_free(&f);
}

/* A `docker` client (pid 500, child of 400) exec'd at ms, its request
 * to dockerd's socket 10 ms later; argv NULL-terminated. */
static void client_at(struct ct_fx *f, uint64_t ms, const char *const *argv)
{
	struct ct_hdr *h;

	fx_at(f, ms);
	fx_fork(f, 400, 500);
	fx_execv(f, 500, "/usr/bin/docker", argv);
	h = (void *)(f->buf + f->len - sizeof(struct ct_exec));
	h->ppid = 400;
	fx_at(f, ms + 10);
	fx_connect(f, 500, 500, "/run/docker.sock", 0);
}

/*
 * `docker run --rm` whose removal begins later than the grace (a loaded
 * host): the client's --rm holds the record from its last process on;
 * without --rm the grace alone does.
 */
/* A `docker` client of argv at 50 ms and its container (ID_A) merged
 * into *f, its layer's mount id given with mount; returns the end of
 * its destroy as the tracker sees it without a removal. */
static uint64_t client_and_container(struct ct_fx *f, const char *const *argv,
				    bool mount)
{
	struct fx_ct c = { ID_A, CT_RT_RUNC, CT_ENG_DOCKER, 2000, 100, 0,
			   false, 77 };
	int64_t st[CT_PH_MAX], en[CT_PH_MAX];
	struct ct_fx parts[2];
	uint64_t end;

	fx_init(&parts[0]);
	fx_init(&parts[1]);
	client_at(&parts[0], 50, argv);
	fx_container(&parts[1], &c, st, en);
	end = c.t0_ms + (uint64_t)en[CT_PH_DESTROY];
	if (mount)
		mount_id_at(&parts[1], end, ID_A, MOUNT_A);
	fx_init(f);
	fx_merge(f, parts, 2);
	for (int i = 0; i < 2; i++)
		fx_free(&parts[i]);
	return end;
}

static void late_removal(bool rm, uint64_t want_end_after)
{
	struct ct_tracker *tk = fx_tracker(&sink, NULL, 0);
	struct ct_fx f;
	uint64_t end = client_and_container(&f, rm ?
		(const char *const[]){ "docker", "run", "--rm", "--name", "a",
				       "img", NULL } :
		(const char *const[]){ "docker", "run", "--name", "a", "img",
				       NULL }, true);

	fx_at(&f, end + 400);
	fx_umount(&f, DOCKERD, "/var/lib/docker/overlay2/" MOUNT_A, -22);
	rmdir_at(&f, end + 500, ID_A);
	rmdir_at(&f, end + 510, ID_A);
	cr_assert_eq(fx_feed(&f, tk), 0);
	ct_tracker_flush(tk);
	cr_assert_eq(sink.n, 1);
	cr_expect_eq(sink.got[0].phases[CT_PH_DESTROY].end_ns,
		     (end + want_end_after) * FX_MS);
	ct_tracker_free(tk);
	fx_free(&f);
}

Test(tracker_remove, late_removal_of_run_rm)
{
	late_removal(true, 510);
}

Test(tracker_remove, late_removal_without_rm)
{
	late_removal(false, 0);
}

/*
 * `docker run --rm` on containerd's image store: no layer of dockerd's
 * own, so no umount begins the removal; its rmdirs naming the id end it
 * within the grace (not REMOVAL_MAX_NS, which held it 30 s).
 */
Test(tracker_remove, run_rm_without_a_layer)
{
	struct ct_tracker *tk = fx_tracker(&sink, NULL, 0);
	struct ct_fx f;
	uint64_t end = client_and_container(&f, (const char *const[]){
		"docker", "run", "--rm", "img", NULL }, false);

	rmdir_at(&f, end + 10, "/run/docker/containerd/" ID_A);
	rmdir_at(&f, end + 20, ID_A);		/* containers/<id> */
	cr_assert_eq(fx_feed(&f, tk), 0);
	out_at(tk, end + 20 + 250);
	cr_expect_eq(sink.got[0].phases[CT_PH_DESTROY].end_ns,
		     (end + 20) * FX_MS);
	ct_tracker_free(tk);
	fx_free(&f);
}

/* c's destroy step i: its name, its start and end (ms) */
static void expect_step(const struct ct_container *c, unsigned int i,
			const char *name, uint64_t start, uint64_t end)
{
	const struct ct_steps *s = ct_steps_of(c, CT_PH_DESTROY);

	cr_assert_lt(i, s->n, "step %u of %u", i, s->n);
	cr_expect_str_eq(ct_step_name(s->step[i]), name);
	cr_expect_eq(s->start_ns[i], start, "%s begins at %.3f ms", name,
		     s->start_ns[i] / 1e6);
	cr_expect_eq(ct_step_end_ns(c, CT_PH_DESTROY, i), end,
		     "%s ends at %.3f ms", name,
		     ct_step_end_ns(c, CT_PH_DESTROY, i) / 1e6);
}

/*
 * destroy's steps (docs/phases.md "destroy's steps"), by dockerd's acts:
 * delete to its first (the netns' umount; the shim's and containerd's
 * umounts of the bundle's rootfs, which name the id, are theirs), unmount
 * to its layer's umount, layer to the removal's umount of containers/<id>
 * (the exit's before it is not the removal's), config to the last rmdir
 * naming the id.  Without a removal: delete and unmount.
 */
static void removal_steps(bool removed)
{
	struct ct_tracker *tk = fx_tracker(&sink, NULL, 0);
	struct ct_fx f;
	uint64_t end = one_container(&f), last = end;
	const struct ct_container *c;

	if (removed) {
		fx_at(&f, end + 50);
		fx_umount(&f, DOCKERD, "/var/lib/docker/overlay2/" MOUNT_A,
			  -22);
		rmdir_at(&f, end + 60, ID_A);	/* layerdb/mounts/<id> */
		fx_at(&f, end + 70);
		fx_umount(&f, DOCKERD, "/var/lib/docker/containers/" ID_A,
			  -22);
		rmdir_at(&f, end + 80, ID_A);	/* containers/<id> */
		last = end + 80;
	} else {	/* 20.10: its FIFOs' directory after the exit's umount
			 * of containers/<id>, as a bare name */
		rmdir_at(&f, end + 5, ID_A);
		last = end + 5;
	}
	cr_assert_eq(fx_feed(&f, tk), 0);
	ct_tracker_flush(tk);
	cr_assert_eq(sink.n, 1);
	c = &sink.got[0];
	cr_assert_eq(ct_steps_of(c, CT_PH_DESTROY)->n, removed ? 4 : 2);
	cr_expect_eq(c->phases[CT_PH_DESTROY].end_ns, last * FX_MS);
	expect_step(c, 0, "delete", c->phases[CT_PH_DESTROY].start_ns,
		    c->phases[CT_PH_DISCONNECT].start_ns);
	expect_step(c, 1, "unmount", c->phases[CT_PH_DISCONNECT].start_ns,
		    removed ? (end + 49) * FX_MS : last * FX_MS);
	if (removed) {	/* the umounts' enter: a ms before (fixture.c) */
		expect_step(c, 2, "layer", (end + 49) * FX_MS,
			    (end + 69) * FX_MS);
		expect_step(c, 3, "config", (end + 69) * FX_MS, last * FX_MS);
	}
	cr_expect_eq(ct_steps_unattributed_ns(c, CT_PH_DESTROY), 0);
	ct_tracker_free(tk);
	fx_free(&f);
}

Test(tracker_remove, destroy_steps_of_a_removal)
{
	removal_steps(true);
}

Test(tracker_remove, destroy_steps_without_removal)
{
	removal_steps(false);
}

/*
 * Containerd's image store: no layer of dockerd's own, so no layer step;
 * the removal's umount of containers/<id> is config's start when an
 * rmdir naming the id follows, and the exit's (the last act of a
 * container not removed) is nothing.
 */
Test(tracker_remove, destroy_steps_without_a_layer)
{
	struct ct_tracker *tk = fx_tracker(&sink, NULL, 0);
	struct ct_fx f;
	uint64_t end = client_and_container(&f, (const char *const[]){
		"docker", "run", "--rm", "img", NULL }, false);
	const struct ct_container *c;

	fx_at(&f, end + 15);
	fx_umount(&f, DOCKERD, "/var/lib/docker/containers/" ID_A, -22);
	rmdir_at(&f, end + 20, ID_A);		/* containers/<id> */
	cr_assert_eq(fx_feed(&f, tk), 0);
	ct_tracker_flush(tk);
	cr_assert_eq(sink.n, 1);
	c = &sink.got[0];
	cr_assert_eq(ct_steps_of(c, CT_PH_DESTROY)->n, 3);
	expect_step(c, 1, "unmount", c->phases[CT_PH_DISCONNECT].start_ns,
		    (end + 14) * FX_MS);
	expect_step(c, 2, "config", (end + 14) * FX_MS, (end + 20) * FX_MS);
	ct_tracker_free(tk);
	fx_free(&f);
}

/* --dump names the record and prints the name as dockerd passed it */
Test(tracker_remove, dump)
{
	struct ct_fx f;
	char *out = NULL;
	size_t n = 0;
	FILE *m;

	fx_init(&f);
	rmdir_at(&f, 5, ID_A);
	m = open_memstream(&out, &n);
	cr_assert(m);
	ct_dump_record(m, f.buf, f.len, 0);
	fclose(m);
	cr_expect(strstr(out, "RMDIR"), "%s", out);
	cr_expect(strstr(out, "comm=\"dockerd\" ret=0 path=\"" ID_A "\""),
		  "%s", out);
	free(out);
	fx_free(&f);
}

/*
 * A recording's container i: its record ends at dockerd's removal,
 * which docker's own `destroy` event follows within 1 ms (dockerd sends
 * it right after removing `containers/<id>`), and before its client
 * (docker run --rm, docker rm -f) returned.  Returns the record's end.
 */
static uint64_t check_removed(const struct ts_all *a, size_t i)
{
	const struct ct_container *c = &a->c[i];
	uint64_t ev, t1, end = c->first_ns + ct_total_ns(c);
	char key[64];

	snprintf(key, sizeof(key), "containers.%zu.destroy_event_ns", i);
	ev = ts_u64str(a->sidecar, key);
	snprintf(key, sizeof(key), "containers.%zu.client_t1_ns", i);
	t1 = ts_u64str(a->sidecar, key);
	cr_assert_eq(a->seen[i], 1, "%s: %d records", c->id, a->seen[i]);
	cr_expect_eq(end, c->phases[CT_PH_DESTROY].end_ns, "%s", c->id);
	cr_expect_leq(end, ev, "%s: ends %lld ns after docker's destroy "
		      "event", c->id, (long long)(end - ev));
	cr_expect_lt(ev - end, 1000000, "%s: ends %llu us before docker's "
		     "destroy event", c->id,
		     (unsigned long long)(ev - end) / 1000);
	cr_expect_lt(end, t1, "%s: ends after its client", c->id);
	return end;
}

/* Three `docker run --rm` at once: each ends at its own removal. */
Test(tracker_remove, recording_three_at_once)
{
	struct ts_all a;

	ts_replay_all("docker-remove", &a);
	cr_assert_eq(a.n, 3);
	for (size_t i = 0; i < a.n; i++)
		check_removed(&a, i);
	ts_all_free(&a);
}

/*
 * docker run -d, then docker rm -f: the removal is rm's request; destroy
 * (from the runtime's delete, which rm's kill brought) ends inside it.
 */
Test(tracker_remove, recording_rm_f)
{
	struct ts_all a;
	uint64_t t0;

	ts_replay_all("docker-rmf", &a);
	cr_assert_eq(a.n, 1);
	check_removed(&a, 0);
	t0 = ts_u64str(a.sidecar, "containers.0.client_t0_ns");
	cr_expect_gt(a.c[0].phases[CT_PH_DESTROY].start_ns, t0);
	cr_expect_eq(a.c[0].exit_code, 137);
	ts_all_free(&a);
}

/*
 * A program that made 1,500 directories in its layer: dockerd's removal
 * outlasts the grace, and the record still ends at it (without the hold
 * it ended ~0.5 s before docker's destroy event).
 */
Test(tracker_remove, recording_long_removal)
{
	struct ts_all a;

	ts_replay_all("docker-remove-big", &a);
	cr_assert_eq(a.n, 1);
	check_removed(&a, 0);
	ts_all_free(&a);
}

/* The wall time of pid's exit in recording name (0: none). */
static uint64_t exit_in(const char *name, uint32_t pid)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;
	const void *rec;
	char path[128], err[256];
	uint64_t t = 0;
	size_t len;

	snprintf(path, sizeof(path), "tests/fixtures/%s.ctrec", name);
	cr_assert_eq(ct_rec_reader_open(&r, path, &h, err, sizeof(err)), 0,
		     "%s", err);
	while (ct_rec_next(r, &rec, &len, err, sizeof(err)) > 0) {
		const struct ct_hdr *x = rec;

		if (x->type == CT_EV_EXIT && x->pid == pid)
			t = x->ts_ns + h.mono_to_real_ns;
	}
	ct_rec_reader_close(r);
	return t;
}

/*
 * `ctr run --rm` removes its container itself (the task, then the
 * container with its snapshot) before it returns: destroy lasts until
 * that client's exit, after the shim's last process (recordings of
 * tests/fixtures: containerd's removal took 31 ms in ctr-runc).
 */
Test(tracker_remove, ctr_run_rm_until_its_exit)
{
	static const char *const names[] = { "ctr-runc", "ctr-runc-binary",
					     "ctr-crun-binary" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct ct_container *c;
		const struct ct_steps *s;
		struct ts_all a;

		ts_replay_all(names[i], &a);
		cr_assert_eq(a.n, 1);
		c = &a.c[0];
		cr_assert(c->has_client, "%s: no client", names[i]);
		cr_expect_eq(c->phases[CT_PH_DESTROY].end_ns,
			     exit_in(names[i], c->client.pid),
			     "%s: destroy ends at %llu", names[i],
			     (unsigned long long)c->phases[CT_PH_DESTROY].end_ns);
		cr_expect(c->complete, "%s", names[i]);
		/* its steps: the delete, then the client's removal */
		s = ct_steps_of(c, CT_PH_DESTROY);
		cr_assert_eq(s->n, 2, "%s: %u steps", names[i], s->n);
		cr_expect_eq(s->step[0], CT_STEP_DELETE);
		cr_expect_eq(s->start_ns[0], c->phases[CT_PH_DESTROY].start_ns);
		cr_expect_eq(s->step[1], CT_STEP_REMOVE);
		cr_expect_gt(s->start_ns[1], s->start_ns[0]);
		ts_all_free(&a);
	}
}
