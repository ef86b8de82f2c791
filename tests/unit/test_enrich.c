// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The enrich stage (user/enrich/enrich.h): a pull claimed by the container that
 * waited for it, opens from either source, the records a live source
 * leaves for a replay, and prepare -> ready -> why in that order.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enrich.h"
#include "engine.h"
#include "fixture.h"
#include "hist.h"
#include "paths.h"
#include "recfile.h"
#include "records.h"
#include "replay.h"
#include "tsession.h"

#define MS	1000000ull
#define S	(1000 * MS)
#define KEY	4242

/* A record to the model, then to enrich, as the pipeline does. */
static void feed(struct ct_enrich *e, const void *rec, size_t len)
{
	ct_procs_feed(fx_model(), rec, len);
	cr_assert_eq(ct_enrich_feed(e, rec, len), 0);
}

/* ---- pulls ---- */

/* docker-pull.ctrec's records fed to e; the wall time its pull ended. */
static uint64_t feed_pull_recording(struct ct_enrich **e)
{
	const char *path = "tests/fixtures/docker-pull.ctrec";
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *rd;
	const struct ct_pull *p;
	const void *rec;
	char err[256];
	size_t len;

	cr_assert_eq(ct_rec_reader_open(&rd, path, &h, err, sizeof(err)), 0,
		     "%s", err);
	*e = ct_enrich_new(&(struct ct_enrich_opts){
		.model = fx_model(), .mono_to_real_ns = h.mono_to_real_ns,
		.prepare = fx_engines()->prepare, .pull = fx_engines()->pull });
	cr_assert(*e);
	while (ct_rec_next(rd, &rec, &len, err, sizeof(err)) > 0)
		feed(*e, rec, len);
	ct_rec_reader_close(rd);
	ct_enrich_flush(*e);
	cr_assert_eq(ct_pulls_count(ct_enrich_pulls(*e)), 1);
	p = ct_pulls_get(ct_enrich_pulls(*e), 0);
	cr_assert(p->complete);
	return p->start_ns + p->dur_ns;
}

/* A container whose first phase (attach) began at wall time t. */
static void attached_at(struct ct_container *c, uint64_t t)
{
	memset(c, 0, sizeof(*c));
	c->phase_mask = 1u << CT_PH_ATTACH;
	c->phases[CT_PH_ATTACH].start_ns = t;
	c->phases[CT_PH_ATTACH].end_ns = t + 10 * MS;
	c->first_ns = t;
	c->last_ns = t + 10 * MS;
}

Test(enrich, pull_claimed_by_the_next_container_only)
{
	struct ct_container c;
	struct ct_enrich *e;
	uint64_t end = feed_pull_recording(&e);

	attached_at(&c, end - 1);
	ct_enrich_apply(e, &c);
	cr_assert_not(c.has_pull, "attached before the pull ended");
	attached_at(&c, end + 1 * S);
	ct_enrich_apply(e, &c);
	cr_assert(c.has_pull);
	cr_assert_str_eq(c.pull_image, "127.0.0.1:5000/four");
	cr_assert_eq(c.pull.end_ns, end);
	cr_assert_lt(c.pull.start_ns, c.pull.end_ns);
	attached_at(&c, end + 1 * S + MS);
	ct_enrich_apply(e, &c);
	cr_assert_not(c.has_pull, "one pull, one container");
	ct_enrich_free(e);
}

Test(enrich, pull_gap_is_at_most_two_seconds)
{
	struct ct_container c;
	struct ct_enrich *e;
	uint64_t end = feed_pull_recording(&e);

	attached_at(&c, end + CT_ENRICH_PULL_MAX_GAP_NS + 1);
	ct_enrich_apply(e, &c);
	cr_assert_not(c.has_pull, "too long after the pull");
	attached_at(&c, end + CT_ENRICH_PULL_MAX_GAP_NS);
	ct_enrich_apply(e, &c);
	cr_assert(c.has_pull);
	ct_enrich_free(e);
}

/* ---- opens sources ---- */

/* The recording's CT_EV_OPENS records, by the container's cgroup key. */
Test(enrich, replay_source_opens_and_gofer_opens)
{
	struct ts_result r;

	ts_replay("docker-ready-runsc", CT_READY_LISTEN, &r);
	cr_assert(r.c.opens.valid);
	cr_assert_eq(r.c.opens.count, 23);
	cr_assert(r.c.gofer_opens.valid);
	cr_assert_eq(r.c.gofer_opens.count, 76);
	/* ready came after the opens: it split them at the first listen */
	cr_assert(r.c.opens.has_before_ready);
	cr_assert_eq(r.c.opens.before_ready, 23);
	ts_free(&r);
}

/* A live source, kernel maps in miniature: what enrich asked and when. */
struct fake {
	char calls[16];		/* r (guest), g (gofer), s (slow), f (forget) */
	size_t n;
	uint64_t key;
};

static void fake_call(struct fake *f, char what, uint64_t key)
{
	cr_assert_lt(f->n, sizeof(f->calls) - 1);
	cr_assert_eq(key, f->key);
	f->calls[f->n++] = what;
}

static void fake_read(void *impl, uint64_t key, bool gofer,
		      struct ct_opens *out)
{
	fake_call(impl, gofer ? 'g' : 'r', key);
	memset(out, 0, sizeof(*out));
	out->valid = true;
	out->count = gofer ? 7 : 40;
	out->slots[10] = out->count;
}

static void fake_read_slow(void *impl, uint64_t key, struct ct_container *c,
			   size_t max)
{
	fake_call(impl, 's', key);
	ct_paths_add(c, max, 9000, 0, "/etc/slow", 9);
	ct_paths_add(c, max, 5000, -2, "/etc/missing", 12);
}

static void fake_forget(void *impl, uint64_t key)
{
	fake_call(impl, 'f', key);
}

static const struct ct_opens_source_ops fake_ops = {
	.read = fake_read,
	.read_slow = fake_read_slow,
	.forget = fake_forget,
	.measured = true,
};

/* What keep() was handed, written into a recording. */
struct kept {
	struct ct_rec_writer *w;
	uint32_t types[4];
	size_t n;
};

static void keep(const void *rec, size_t len, void *ctx)
{
	struct kept *k = ctx;
	const struct ct_hdr *h = rec;

	cr_assert_lt(k->n, 4);
	cr_assert_eq(ct_rec_check(rec, len), 0, "a valid record");
	cr_assert_eq(h->ts_ns, 900 * MS, "stamped with the last event");
	k->types[k->n++] = h->type;
	cr_assert_eq(ct_rec_write(k->w, rec, len), 0);
}

static void keyed(struct ct_container *c, uint64_t key)
{
	attached_at(c, 100 * MS);
	c->cgroup_key = key;
	c->last_ns = 900 * MS;
}

/*
 * Live: read guest, gofer, slowest; hand them on as records; forget.
 * Replayed from those records: the same opens and slowest opens.
 */
Test(enrich, measured_opens_replay_the_same)
{
	char path[] = "/tmp/ct-test-enrich.XXXXXX", err[256];
	struct fake f = { .key = KEY };
	struct kept k = { 0 };
	struct ct_rec_file_hdr h;
	struct ct_replay_opens *rp;
	struct ct_container live, again;
	struct ct_enrich *e;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	ct_rec_fill_hdr(&h, CT_CGROUP_V1_MEMORY, 0, "test");
	cr_assert_eq(ct_rec_writer_open(&k.w, path, &h, err, sizeof(err)), 0,
		     "%s", err);
	e = ct_enrich_new(&(struct ct_enrich_opts){
		.model = fx_model(), .paths = 5, .prepare = fx_engines()->prepare,
		.opens = { .ops = &fake_ops, .impl = &f },
		.keep = keep, .ctx = &k });
	keyed(&live, KEY);
	ct_enrich_apply(e, &live);
	ct_enrich_free(e);
	cr_assert_str_eq(f.calls, "rgsf");
	cr_assert_eq(k.n, 3);
	cr_assert_eq(k.types[0], CT_EV_OPENS);
	cr_assert_eq(k.types[1], CT_EV_OPENS);
	cr_assert_eq(k.types[2], CT_EV_PATHS);
	cr_assert_eq(ct_rec_writer_close(k.w, err, sizeof(err)), 0, "%s", err);

	cr_assert_eq(ct_replay_opens_load(path, &rp, err, sizeof(err)), 0,
		     "%s", err);
	unlink(path);
	e = ct_enrich_new(&(struct ct_enrich_opts){
		.model = fx_model(), .paths = 5, .prepare = fx_engines()->prepare,
		.opens = ct_replay_opens_source(rp) });
	keyed(&again, KEY);
	ct_enrich_apply(e, &again);
	cr_assert_eq(again.opens.count, 40);
	cr_assert_eq(again.opens.slots[10], live.opens.slots[10]);
	cr_assert_eq(again.gofer_opens.count, 7);
	cr_assert_eq(again.n_slow, 2);
	cr_assert_str_eq(again.slow[0].path, "/etc/slow");
	cr_assert_eq(again.slow[1].ret, -2);
	ct_enrich_free(e);
	ct_replay_opens_free(rp);
}

/* No key (not a container of a tracked runtime): the source is not asked. */
Test(enrich, no_key_no_opens)
{
	struct fake f = { .key = KEY };
	struct ct_container c;
	struct ct_enrich *e = ct_enrich_new(&(struct ct_enrich_opts){
		.model = fx_model(),
		.opens = { .ops = &fake_ops, .impl = &f } });

	keyed(&c, 0);
	ct_enrich_apply(e, &c);
	ct_enrich_forget(e, &c);
	cr_assert_eq(f.n, 0);
	cr_assert_not(c.opens.valid);
	keyed(&c, KEY);
	ct_enrich_forget(e, &c);	/* left out by -r / -c */
	cr_assert_str_eq(f.calls, "f");
	ct_enrich_free(e);
}

/* ---- prepare -> ready -> why ---- */

static void exec_at(struct ct_enrich *e, uint64_t ms, uint32_t pid)
{
	struct ct_exec x = { 0 };
	struct ct_tstate t = { 0 };

	x.hdr = (struct ct_hdr){ .ts_ns = ms * MS, .type = CT_EV_EXEC,
				 .size = sizeof(x), .pid = pid, .ppid = 1 };
	feed(e, &x, sizeof(x));
	t.hdr = (struct ct_hdr){ .ts_ns = ms * MS, .type = CT_EV_TSTATE,
				 .size = sizeof(t), .pid = pid, .tid = pid };
	t.state = CT_TS_RUN;
	feed(e, &t, sizeof(t));
}

/*
 * dockerd's mkdir of the container's layer at 100 ms (prepare), its
 * program's exec at 200 ms (run, ready), its first listen at 300 ms.
 */
static void feed_prepare_ready_why(struct ct_enrich *e)
{
	struct ct_mkdir m = { 0 };
	struct ct_name_rec id = { 0 };
	struct ct_listen l = { 0 };

	m.hdr = (struct ct_hdr){ .ts_ns = 100 * MS + 10, .type = CT_EV_MKDIR,
				 .size = sizeof(m) };
	m.start_ns = 100 * MS;
	strcpy(m.path, "/var/lib/docker/overlay2/aaaa1111-init");
	feed(e, &m, sizeof(m));
	id.hdr = (struct ct_hdr){ .type = CT_EV_MOUNTID, .size = sizeof(id) };
	strcpy(id.id, "c1");
	strcpy(id.name, "aaaa1111");
	feed(e, &id, sizeof(id));
	exec_at(e, 100, 9);
	exec_at(e, 200, 10);
	l.hdr = (struct ct_hdr){ .ts_ns = 300 * MS, .type = CT_EV_LISTEN,
				 .size = sizeof(l) };
	l.cgroup_key = KEY;
	feed(e, &l, sizeof(l));
}

/* prepare before why (its reason), ready before why (its split). */
Test(enrich, prepare_then_ready_then_why)
{
	struct ct_container c;
	struct ct_enrich *e = ct_enrich_new(&(struct ct_enrich_opts){
		.model = fx_model(), .ready_mode = CT_READY_LISTEN,
		.why = true, .prepare = fx_engines()->prepare });

	cr_assert(e);
	feed_prepare_ready_why(e);
	attached_at(&c, 150 * MS);
	strcpy(c.id, "c1");
	c.engine = CT_ENG_DOCKER;
	c.init_pid = 10;
	c.cgroup_key = KEY;
	c.phase_mask |= 1u << CT_PH_RUN;
	c.phases[CT_PH_RUN].start_ns = 200 * MS;
	c.phases[CT_PH_RUN].end_ns = 900 * MS;
	c.last_ns = 900 * MS;
	ct_enrich_apply(e, &c);
	cr_assert(ct_has_phase(&c, CT_PH_PREPARE));
	cr_assert_eq(c.first_ns, 100 * MS, "prepare moved the start");
	cr_assert(ct_has_phase(&c, CT_PH_READY));
	cr_assert_eq(c.phases[CT_PH_READY].end_ns, 300 * MS);
	/* prepare is dockerd's work: no split, but its reason, which needs
	 * the phase to be there when why runs */
	cr_assert_not(c.split[CT_PH_PREPARE].valid);
	cr_assert_str_eq(ct_split_reason(&c, CT_PH_PREPARE),
			 "dockerd's threads serve every request",
			 "why after prepare");
	cr_assert(c.split[CT_PH_READY].valid, "why after ready");
	cr_assert_eq(c.split[CT_PH_READY].pid, 10);
	cr_assert_eq(c.split[CT_PH_READY].cpu_ns, 100 * MS);
	ct_enrich_free(e);
}
