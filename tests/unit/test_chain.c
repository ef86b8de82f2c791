// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Cold-start chains (user/enrich/chain.c): DAG, critical path, what-if, runners. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "enrich.h"
#include "export.h"
#include "fixture.h"
#include "output.h"
#include "recfile.h"
#include "replay.h"
#include "session.h"
#include "tfixture.h"
#include "tjson.h"
#include "tracker.h"
#include "tsession.h"
#include "jsonl.h"

#define RUNNER	4242

static void feed(struct ct_chains *t, const void *rec, size_t len)
{
	ct_procs_feed(fx_model(), rec, len);
	ct_chains_feed(t, rec, len);
}

/*
 * A container asked for by `docker run` (pid) of parent ppid/comm at req
 * ms: start ends at ready ms (ready phase too if listen), its program
 * exits at die ms (0: still running).
 */
static void step(struct ct_container *c, const char *id, uint32_t ppid,
		 const char *comm, uint64_t req, uint64_t ready, bool listen,
		 uint64_t die)
{
	uint64_t start_end = listen ? ready - 5 : ready;

	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->runtime = CT_RT_RUNC;
	c->engine = CT_ENG_DOCKER;
	tf_phase(c, CT_PH_PREPARE, req * MS, (req + 10) * MS);
	tf_phase(c, CT_PH_START, (req + 10) * MS, start_end * MS);
	if (listen)
		tf_phase(c, CT_PH_READY, (ready - 5) * MS, ready * MS);
	if (die)
		tf_phase(c, CT_PH_DIE, die * MS, (die + 2) * MS);
	c->has_client = true;
	c->client.pid = 9000 + (uint32_t)req;
	c->client.ppid = ppid;
	snprintf(c->client.comm, sizeof(c->client.comm), "docker");
	snprintf(c->client.parent_comm, sizeof(c->client.parent_comm), "%s",
		 comm);
	c->client.exec_ns = req * MS;
}

/* Chains emitted to a list, as the session's -j does. */
struct got {
	struct ct_chain ch[8];
	int n;
};

static void on_chain(const struct ct_chain *ch, void *ctx)
{
	struct got *g = ctx;

	cr_assert_lt(g->n, 8);
	g->ch[g->n++] = *ch;
}

/* The study's shape: three steps one after another, 300/700/500 ms work. */
static void three(struct ct_container c[3], uint32_t ppid, const char *comm,
		  uint64_t t0)
{
	step(&c[0], "a1", ppid, comm, t0, t0 + 400, true, t0 + 700);
	step(&c[1], "a2", ppid, comm, t0 + 750, t0 + 1100, true, t0 + 1800);
	step(&c[2], "a3", ppid, comm, t0 + 1850, t0 + 2200, true, t0 + 2700);
}

static struct ct_chains *chains(struct got *g)
{
	struct ct_chains *t = ct_chains_new(0, fx_model(), on_chain, g);

	cr_assert(t);
	return t;
}

Test(chain, serial_three_steps)
{
	struct ct_container c[3];
	struct got g = { 0 };
	struct ct_chains *t = chains(&g);
	const struct ct_chain *ch;

	three(c, RUNNER, "runner", 1000);
	/* out of order: records come as containers are destroyed */
	ct_chains_add(t, &c[2]);
	ct_chains_add(t, &c[0]);
	ct_chains_add(t, &c[1]);
	cr_assert_eq(g.n, 0, "no chain before its runner ends");
	ct_chains_flush(t);
	cr_assert_eq(g.n, 1);
	cr_assert_eq(ct_chains_count(t), 1);
	ch = ct_chains_get(t, 0);
	cr_assert_eq(ch->n_steps, 3);
	cr_assert_str_eq(ch->steps[0].id, "a1");
	cr_assert_str_eq(ch->steps[2].id, "a3");
	cr_assert_eq(ch->runner_pid, RUNNER);
	cr_assert_str_eq(ch->runner_comm, "runner");
	cr_assert_eq(ch->wall_ns, 2700 * MS);
	cr_assert_not(ch->parallel);
	cr_assert_eq(ch->steps[0].after, -1);
	cr_assert_eq(ch->steps[1].after, 0);
	cr_assert_eq(ch->steps[2].after, 1);
	cr_assert_eq(ch->n_critical, 3);
	cr_assert_eq(ch->steps[0].cold_ns, 400 * MS);
	cr_assert_eq(ch->steps[1].cold_ns, 350 * MS);
	cr_assert_eq(ch->steps[1].work_ns, 700 * MS);
	cr_assert_eq(ch->cold_ns, 1100 * MS);
	/* step 2 hides 300 of its 350 behind step 1's work, step 3 all 350 */
	cr_assert_eq(ch->steps[0].whatif_ns, 0);
	cr_assert_eq(ch->steps[1].whatif_ns, 300 * MS);
	cr_assert_eq(ch->steps[2].whatif_ns, 350 * MS);
	cr_assert_eq(ch->whatif_ns, 650 * MS);
	cr_assert(ch->steps[0].has_ready);
	ct_chains_free(t);
}

/* Without a readiness marker the cold start ends with start. */
Test(chain, no_ready_is_start)
{
	struct ct_chain_step s;
	struct ct_container c;

	step(&c, "x", RUNNER, "r", 100, 300, false, 500);
	cr_assert(ct_chain_step_from(&s, &c));
	cr_assert_not(s.has_ready);
	cr_assert_eq(s.ready_ns, 300 * MS);
	cr_assert_eq(s.result_ns, 500 * MS);
}

/* Never ran, no client, an orphan's: no step. */
Test(chain, not_steps)
{
	struct ct_chain_step s;
	struct ct_container c;
	struct got g = { 0 };
	struct ct_chains *t = chains(&g);

	step(&c, "x", RUNNER, "r", 100, 300, true, 500);
	c.has_client = false;	/* ambiguous: left out */
	cr_assert_not(ct_chain_step_from(&s, &c));
	step(&c, "x", RUNNER, "r", 100, 300, true, 500);
	c.failed = CT_FAIL_CREATE;
	cr_assert_not(ct_chain_step_from(&s, &c));
	step(&c, "x", 1, "systemd", 100, 300, true, 500);
	cr_assert(ct_chain_step_from(&s, &c));
	ct_chains_add(t, &c);
	step(&c, "y", 1, "systemd", 600, 800, true, 900);
	ct_chains_add(t, &c);
	ct_chains_flush(t);
	cr_assert_eq(g.n, 0, "pid 1 is no runner");
	ct_chains_free(t);
}

/* A service that keeps running: its result is its ready, marked running. */
Test(chain, running_service)
{
	struct ct_chain_step s;
	struct ct_container c;

	step(&c, "svc", RUNNER, "r", 100, 300, true, 0);
	cr_assert(ct_chain_step_from(&s, &c));
	cr_assert(s.running);
	cr_assert_eq(s.result_ns, s.ready_ns);
}

/* The one chain of n steps c, added in order and flushed, into g. */
static const struct ct_chain *one_chain(struct ct_container *c, int n,
					struct got *g)
{
	struct ct_chains *t = chains(g);

	for (int i = 0; i < n; i++)
		ct_chains_add(t, &c[i]);
	ct_chains_flush(t);
	ct_chains_free(t);
	cr_assert_eq(g->n, 1);
	return &g->ch[0];
}

/*
 * A client that waited for its request on stdin (stdin_ms, waited
 * wait_ms) had it only then.
 */
static void fed(struct ct_container *c, uint64_t stdin_ms, uint64_t wait_ms)
{
	c->client.stdin_ns = stdin_ms * MS;
	c->client.stdin_wait_ns = wait_ms * MS;
}

/*
 * Warm: all three ready before the runner hands each its request through
 * its client's stdin, one after the other.  Each is needed when its
 * request comes, after the one before: a serial chain, no cold start on
 * the path, and the wall time from the first request.
 */
Test(chain, warm_steps)
{
	struct ct_container c[3];
	struct got g = { 0 };
	const struct ct_chain *ch;

	step(&c[0], "w1", RUNNER, "r", 1000, 1400, true, 2000);
	step(&c[1], "w2", RUNNER, "r", 1001, 1450, true, 2800);
	step(&c[2], "w3", RUNNER, "r", 1002, 1420, true, 3400);
	fed(&c[0], 1500, 500);
	fed(&c[1], 2050, 1050);
	fed(&c[2], 2850, 1800);
	ch = one_chain(c, 3, &g);
	cr_assert_not(ch->parallel);
	cr_assert_eq(ch->start_ns, 1500 * MS);
	cr_assert_eq(ch->wall_ns, 1900 * MS);
	cr_assert_eq(ch->cold_ns, 0);
	cr_assert_eq(ch->whatif_ns, 0);
	cr_assert_eq(ch->n_critical, 3);
	for (int i = 0; i < 3; i++) {
		cr_assert(ch->steps[i].warm, "step %d", i);
		cr_assert_eq(ch->steps[i].cold_ns, 0);
		cr_assert_eq(ch->steps[i].after, i - 1);
		cr_assert_eq(ch->steps[i].needed_ns, ch->steps[i].stdin_ns);
	}
	cr_assert_eq(ch->steps[1].work_ns, 750 * MS, "from its request");
}

/*
 * Pre-warmed but not ready in time: asked for with the step before, its
 * client waited for the request, which came before it was ready.  Only
 * the rest of its cold start is on the path, after the step before.
 */
Test(chain, prewarmed_late)
{
	struct ct_container c[2];
	struct got g = { 0 };
	const struct ct_chain *ch;

	step(&c[0], "p1", RUNNER, "r", 1000, 1400, true, 1700);
	step(&c[1], "p2", RUNNER, "r", 1010, 1900, true, 2500);
	fed(&c[1], 1750, 700);
	ch = one_chain(c, 2, &g);
	cr_assert_not(ch->parallel);
	cr_assert_not(ch->steps[1].warm);
	cr_assert_eq(ch->steps[1].after, 0);
	cr_assert_eq(ch->steps[1].cold_ns, 150 * MS, "its request -> ready");
	cr_assert_eq(ch->cold_ns, 550 * MS);
}

/*
 * Cold, fed on stdin: the runner wrote the request before the client
 * read it (found within microseconds), so the request was its exec; and
 * data that came before its own exec or after its result is not its.
 */
Test(chain, stdin_not_waited)
{
	struct ct_chain_step s;
	struct ct_container c;

	step(&c, "q", RUNNER, "r", 100, 400, true, 700);
	fed(&c, 150, 0);
	c.client.stdin_wait_ns = CT_CHAIN_WAITED_NS - 1;
	cr_assert(ct_chain_step_from(&s, &c));
	cr_assert_eq(s.needed_ns, 100 * MS);
	cr_assert_eq(s.stdin_ns, 0);
	cr_assert_not(s.warm);
	fed(&c, 800, 500);
	cr_assert(ct_chain_step_from(&s, &c));
	cr_assert_eq(s.needed_ns, 100 * MS, "after its result");
	fed(&c, 500, 500);
	cr_assert(ct_chain_step_from(&s, &c));
	cr_assert_eq(s.needed_ns, 500 * MS);
	cr_assert(s.warm);
}

/* One container is no chain: counted, not emitted. */
Test(chain, single_step)
{
	struct ct_container c;
	struct ct_chain_stats st;
	struct got g = { 0 };
	struct ct_chains *t = chains(&g);

	step(&c, "one", RUNNER, "r", 100, 300, true, 500);
	ct_chains_add(t, &c);
	ct_chains_flush(t);
	ct_chains_stats(t, &st);
	cr_assert_eq(g.n, 0);
	cr_assert_eq(st.single, 1);
	cr_assert_eq(st.emitted, 0);
	ct_chains_free(t);
}

/*
 * A fan-out: two containers asked for at once (a, b), then c after both.
 * The critical path is the longer branch (b) then c.
 */
Test(chain, parallel_branches)
{
	struct ct_container c[3];
	struct got g = { 0 };
	struct ct_chains *t = chains(&g);
	const struct ct_chain *ch;

	step(&c[0], "a", RUNNER, "r", 100, 300, true, 600);
	step(&c[1], "b", RUNNER, "r", 105, 400, true, 1100);
	step(&c[2], "c", RUNNER, "r", 1200, 1500, true, 1700);
	for (int i = 0; i < 3; i++)
		ct_chains_add(t, &c[i]);
	ct_chains_flush(t);
	ch = ct_chains_get(t, 0);
	cr_assert(ch);
	cr_assert(ch->parallel);
	cr_assert_eq(ch->steps[2].after, 1, "c waited for b, the last result");
	cr_assert_eq(ch->steps[1].after, -1);
	cr_assert_not(ch->steps[0].critical);
	cr_assert(ch->steps[1].critical);
	cr_assert(ch->steps[2].critical);
	cr_assert_eq(ch->n_critical, 2);
	cr_assert_eq(ch->wall_ns, 1600 * MS);
	cr_assert_eq(ch->cold_ns, (295 + 300) * MS);
	/* c's 300 ms cold start against b's 700 ms work: all of it saved */
	cr_assert_eq(ch->whatif_ns, 300 * MS);
	ct_chains_free(t);
}

/* Two runners at once: two chains, each with only its own steps. */
Test(chain, two_runners)
{
	struct ct_container a[3], b[3];
	struct got g = { 0 };
	struct ct_chains *t = chains(&g);

	three(a, RUNNER, "runner", 1000);
	three(b, RUNNER + 1, "runner", 1010);
	for (int i = 0; i < 3; i++) {
		snprintf(b[i].id, sizeof(b[i].id), "b%d", i + 1);
		ct_chains_add(t, &a[i]);
		ct_chains_add(t, &b[i]);
	}
	ct_chains_flush(t);
	cr_assert_eq(g.n, 2);
	for (int k = 0; k < 2; k++) {
		const struct ct_chain *ch = &g.ch[k];
		char want = ch->runner_pid == RUNNER ? 'a' : 'b';

		cr_assert_eq(ch->n_steps, 3);
		cr_assert_not(ch->parallel);
		for (uint32_t i = 0; i < 3; i++)
			cr_assert_eq(ch->steps[i].id[0], want);
	}
	ct_chains_free(t);
}

/* fx records at ms (monotonic; the chains' clock offset is 0) */
static void feed_exit(struct ct_chains *t, uint32_t pid, uint64_t ms)
{
	struct ct_fx f;

	fx_init(&f);
	fx_at(&f, ms);
	fx_exit(&f, pid, 0);
	feed(t, f.buf, f.len);
	fx_free(&f);
}

/* The runner's exit: its chain is emitted after the grace period. */
Test(chain, runner_exit_grace)
{
	struct ct_container c[3];
	struct got g = { 0 };
	struct ct_chains *t = chains(&g);

	three(c, RUNNER, "runner", 1000);
	for (int i = 0; i < 3; i++)
		ct_chains_add(t, &c[i]);
	feed_exit(t, RUNNER, 4000);
	feed_exit(t, 77, 5000);
	cr_assert_eq(g.n, 0, "within the grace period");
	feed_exit(t, 78, 4000 + CT_CHAIN_GRACE_NS / MS + 1);
	cr_assert_eq(g.n, 1);
	cr_assert_eq(g.ch[0].runner_end_ns, 4000 * MS);
	ct_chains_flush(t);
	cr_assert_eq(g.n, 1, "emitted once");
	ct_chains_free(t);
}

/*
 * The runner's pid is reused after it exited (seen before any of its
 * containers was emitted): a later request is another runner's.
 */
Test(chain, pid_reuse)
{
	struct ct_container a[3], b[3];
	struct got g = { 0 };
	struct ct_chains *t = chains(&g);

	three(a, RUNNER, "runner", 1000);
	three(b, RUNNER, "runner", 5000);
	feed_exit(t, RUNNER, 3900);
	for (int i = 0; i < 3; i++)
		ct_chains_add(t, &a[i]);
	for (int i = 0; i < 3; i++)
		ct_chains_add(t, &b[i]);
	ct_chains_flush(t);
	cr_assert_eq(g.n, 2);
	cr_assert_eq(g.ch[0].n_steps + g.ch[1].n_steps, 6);
	cr_assert_eq(g.ch[0].n_steps, 3);
	ct_chains_free(t);
}

/* The same pid under another comm (exec'ed anew): another runner. */
Test(chain, comm_differs)
{
	struct ct_container a[3];
	struct got g = { 0 };
	struct ct_chains *t = chains(&g);

	three(a, RUNNER, "runner", 1000);
	snprintf(a[2].client.parent_comm, 16, "other");
	for (int i = 0; i < 3; i++)
		ct_chains_add(t, &a[i]);
	ct_chains_flush(t);
	cr_assert_eq(g.n, 1);
	cr_assert_eq(g.ch[0].n_steps, 2);
	ct_chains_free(t);
}

Test(chain, steps_bounded)
{
	struct ct_container c;
	struct got g = { 0 };
	struct ct_chains *t = chains(&g);

	for (int i = 0; i < CT_CHAIN_STEPS + 3; i++) {
		step(&c, "s", RUNNER, "r", 1000 * (i + 1), 1000 * i + 1300,
		     true, 1000 * i + 1600);
		ct_chains_add(t, &c);
	}
	ct_chains_flush(t);
	cr_assert_eq(g.n, 1);
	cr_assert_eq(g.ch[0].n_steps, CT_CHAIN_STEPS);
	cr_assert_eq(g.ch[0].dropped_steps, 3);
	ct_chains_free(t);
}

/* Equal times cannot make the critical path loop. */
Test(chain, zero_length_steps)
{
	struct ct_chain ch = { 0 };

	ch.n_steps = 2;
	for (int i = 0; i < 2; i++) {
		ch.steps[i].request_ns = ch.steps[i].ready_ns = 5;
		ch.steps[i].result_ns = 5;
	}
	ct_chain_close(&ch);
	cr_assert_leq(ch.n_critical, 2);
	cr_assert_eq(ch.wall_ns, 0);
}

/* The JSON line, read back; untrusted comm escaped. */
Test(chain, json)
{
	struct ct_container c[3];
	struct got g = { 0 };
	struct ct_chains *t = chains(&g);
	char *buf = NULL, err[128];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct tj *v;
	uint64_t u;
	double d;

	three(c, RUNNER, "ru\"n\n", 1000);
	for (int i = 0; i < 3; i++)
		ct_chains_add(t, &c[i]);
	ct_chains_flush(t);
	cr_assert_eq(ct_jsonl_write(f, &ct_jsonl_chain, &g.ch[0]), 0);
	fclose(f);
	cr_assert_eq(buf[len - 1], '\n');
	v = tj_parse(buf, len, err, sizeof(err));
	cr_assert(v, "%s: %s", err, buf);
	cr_assert_str_eq(tj_str(v, "type"), "chain");
	cr_assert_str_eq(tj_str(v, "runner.comm"), "ru\"n\n");
	cr_assert(tj_u64(v, "wall_ns", &u) && u == 2700 * MS);
	cr_assert(tj_u64(v, "whatif_saving_ns", &u) && u == 650 * MS);
	cr_assert(tj_u64(v, "whatif_wall_ns", &u) && u == 2050 * MS);
	cr_assert(tj_num(v, "cold_start_share", &d));
	cr_assert_float_eq(d, 1100.0 / 2700, 1e-4);
	cr_assert_str_eq(tj_str(v, "steps.1.id"), "a2");
	cr_assert(tj_u64(v, "steps.1.after", &u) && u == 0);
	cr_assert(tj_is(v, "steps.0.after", TJ_NULL));
	cr_assert(tj_u64(v, "steps.2.cold_start_ns", &u) && u == 350 * MS);
	cr_assert_str_eq(tj_str(v, "steps.0.ready_by"), "ready");
	tj_free(v);
	free(buf);
	ct_chains_free(t);
}

/*
 * The text section names every step of a workflow's chain, and says
 * nothing without one: a script's loop (no step became ready or took a
 * request on stdin) is a chain, but the text only counts it.
 */
Test(chain, text)
{
	struct ct_container c[3];
	struct ct_chains *t = ct_chains_new(0, fx_model(), NULL, NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ct_output_chains(f, t);
	three(c, RUNNER + 1, "sh", 1000);
	for (int i = 0; i < 3; i++) {
		c[i].phase_mask &= ~(1u << CT_PH_READY);
		ct_chains_add(t, &c[i]);
	}
	ct_chains_flush(t);
	cr_assert_eq(ct_chains_count(t), 1);
	cr_assert_not(ct_chain_is_workflow(ct_chains_get(t, 0)));
	ct_output_chains(f, t);
	fflush(f);
	cr_assert_eq(len, 0, "no chain, or a script's alone: %s", buf);
	three(c, RUNNER, "runner", 5000);
	for (int i = 0; i < 3; i++)
		ct_chains_add(t, &c[i]);
	ct_chains_flush(t);
	ct_output_chains(f, t);
	fclose(f);
	cr_assert(strstr(buf, "runner 4242 (runner): 3 steps, wall 2.700 s"),
		  "%s", buf);
	cr_assert(strstr(buf, "(40.7 %)"), "%s", buf);
	cr_assert(strstr(buf, "would save 0.650 s"), "%s", buf);
	cr_assert(strstr(buf, "a3"), "%s", buf);
	cr_assert_null(strstr(buf, "(sh)"), "%s", buf);
	cr_assert(strstr(buf, "not shown: 1 runners"), "%s", buf);
	free(buf);
	ct_chains_free(t);
}

/* ---- recorded: tests/fixtures/chain-cold (record-chain.sh) ---- */

/* The kept chain of runner pid, asserted there once. */
static const struct ct_chain *chain_of(const struct ct_chains *t, uint64_t pid)
{
	const struct ct_chain *found = NULL;

	for (size_t i = 0; i < ct_chains_count(t); i++) {
		const struct ct_chain *ch = ct_chains_get(t, i);

		if (ch->runner_pid != pid)
			continue;
		cr_assert_null(found, "two chains for runner %llu",
			       (unsigned long long)pid);
		found = ch;
	}
	cr_assert(found, "no chain for runner %llu", (unsigned long long)pid);
	return found;
}

/* Steps named as sidecar chains.K.names, in order. */
static void expect_names(const struct ts_all *a, size_t k,
			 const struct ct_chain *ch)
{
	char key[64];
	uint32_t i;

	for (i = 0;; i++) {
		const char *want;

		snprintf(key, sizeof(key), "chains.%zu.names.%u", k, i);
		want = tj_str(a->sidecar, key);
		if (!want)
			break;
		cr_assert_lt(i, ch->n_steps, "chain %zu: no step %u (%s)", k,
			     i, want);
		cr_assert_str_eq(ch->steps[i].name, want);
	}
	cr_assert_eq(i, ch->n_steps, "chain %zu: %u steps, %u named", k,
		     ch->n_steps, i);
}

/*
 * The runner's three cold steps are one serial chain whose wall time is
 * within 5 % of the runner's own; the second runner's two named steps
 * are another; its two unnamed (ambiguous) containers have no client and
 * are in no chain.
 */
Test(chain, recorded_cold)
{
	struct ts_all a;
	struct ct_chains *t = ct_chains_new(0, fx_model(), NULL, NULL);
	const struct ct_chain *ch;
	uint64_t pid, wall;
	char key[64];

	ts_replay_all("chain-cold", &a);
	for (size_t i = 0; i < a.n; i++) {
		cr_assert_eq(a.seen[i], 1, "container %zu seen %d times", i,
			     a.seen[i]);
		ct_chains_add(t, &a.c[i]);
	}
	ct_chains_flush(t);
	cr_assert_eq(ct_chains_count(t), 2);

	cr_assert(tj_u64(a.sidecar, "chains.0.runner_pid", &pid));
	cr_assert(tj_u64(a.sidecar, "chains.0.wall_ns", &wall));
	ch = chain_of(t, pid);
	expect_names(&a, 0, ch);
	cr_assert_not(ch->parallel);
	cr_assert_eq(ch->n_critical, 3);
	/* within 5 % of the runner's own wall time */
	cr_assert_leq(ch->wall_ns, wall + wall / 20, "%" PRIu64 " vs %" PRIu64,
		      ch->wall_ns, wall);
	cr_assert_geq(ch->wall_ns, wall - wall / 20, "%" PRIu64 " vs %" PRIu64,
		      ch->wall_ns, wall);
	for (uint32_t i = 0; i < ch->n_steps; i++) {
		const struct ct_chain_step *s = &ch->steps[i];

		cr_assert(s->has_ready, "step %u: no ready", i);
		cr_assert_gt(s->cold_ns, 0);
		cr_assert_leq(s->cold_ns, s->result_ns - s->request_ns);
		cr_assert_eq(s->after, (int)i - 1);
	}

	cr_assert(tj_u64(a.sidecar, "chains.1.runner_pid", &pid));
	ch = chain_of(t, pid);
	expect_names(&a, 1, ch);

	for (size_t k = 0;; k++) {
		const char *id;

		snprintf(key, sizeof(key), "no_chain.%zu", k);
		id = tj_str(a.sidecar, key);
		if (!id)
			break;
		for (size_t i = 0; i < a.n; i++)
			if (!strcmp(a.c[i].id, id))
				cr_assert_not(a.c[i].has_client,
					      "%s: ambiguous, matched", id);
		for (size_t c = 0; c < ct_chains_count(t); c++) {
			const struct ct_chain *x = ct_chains_get(t, c);

			for (uint32_t i = 0; i < x->n_steps; i++)
				cr_assert_str_neq(x->steps[i].id, id);
		}
	}
	ts_all_free(&a);
	ct_chains_free(t);
}

/* The chain of sidecar chains.K: its runner's, within 5 % of its wall. */
static const struct ct_chain *recorded_chain(const struct ts_all *a,
					     const struct ct_chains *t,
					     size_t k)
{
	const struct ct_chain *ch;
	uint64_t pid, wall;
	char key[64];

	snprintf(key, sizeof(key), "chains.%zu.runner_pid", k);
	cr_assert(tj_u64(a->sidecar, key, &pid));
	snprintf(key, sizeof(key), "chains.%zu.wall_ns", k);
	cr_assert(tj_u64(a->sidecar, key, &wall));
	ch = chain_of(t, pid);
	expect_names(a, k, ch);
	cr_assert_not(ch->parallel);
	cr_assert_eq(ch->n_critical, ch->n_steps);
	cr_assert_leq(ch->wall_ns, wall + wall / 20, "%" PRIu64 " vs %" PRIu64,
		      ch->wall_ns, wall);
	cr_assert_geq(ch->wall_ns, wall - wall / 20, "%" PRIu64 " vs %" PRIu64,
		      ch->wall_ns, wall);
	for (uint32_t i = 0; i < ch->n_steps; i++)
		cr_assert_eq(ch->steps[i].after, (int)i - 1, "step %u", i);
	return ch;
}

/*
 * tests/fixtures/chain-warm: the warm runner's three steps, ready before
 * the workflow, each had its request through its client's stdin after
 * the step before: serial, all warm, no cold start on the path.  The
 * pre-warmed runner's: its first step cold, the two pre-warmed ones
 * needed at their requests, each with at most what was left of its own
 * cold start (request -> ready) on the path.
 */
Test(chain, recorded_warm)
{
	struct ts_all a;
	struct ct_chains *t = ct_chains_new(0, fx_model(), NULL, NULL);
	const struct ct_chain *ch;

	ts_replay_all("chain-warm", &a);
	for (size_t i = 0; i < a.n; i++)
		ct_chains_add(t, &a.c[i]);
	ct_chains_flush(t);
	cr_assert_eq(ct_chains_count(t), 2);

	ch = recorded_chain(&a, t, 0);
	cr_assert_eq(ch->cold_ns, 0);
	for (uint32_t i = 0; i < ch->n_steps; i++) {
		cr_assert(ch->steps[i].warm, "warm step %u", i);
		cr_assert_gt(ch->steps[i].stdin_ns, ch->steps[i].ready_ns);
	}

	ch = recorded_chain(&a, t, 1);
	cr_assert_not(ch->steps[0].warm);
	cr_assert_eq(ch->steps[0].stdin_ns, 0, "cold: its request was there");
	cr_assert_gt(ch->steps[0].cold_ns, 0);
	for (uint32_t i = 1; i < ch->n_steps; i++) {
		const struct ct_chain_step *s = &ch->steps[i];

		cr_assert_gt(s->stdin_ns, 0, "pre-warmed step %u", i);
		cr_assert_eq(s->needed_ns, s->stdin_ns);
		cr_assert_lt(s->cold_ns, s->ready_ns - s->request_ns);
	}
	ts_all_free(&a);
	ct_chains_free(t);
}

/* -o DIR: chains.jsonl (meta line, then the chain) and trace.json's
 * process for it, one track per step, cold start then work. */
Test(chain, export_files)
{
	char dir[] = "/tmp/ct-chain-test-XXXXXX", path[512], err[256];
	struct ct_container c[3];
	struct ct_chains *t = ct_chains_new(0, fx_model(), NULL, NULL);
	struct ct_agg *agg = ct_agg_new();
	struct ct_meta m = { .version = "t", .kernel = "k", .chains = t };
	const struct tj *ev;
	struct tj *v;
	size_t len, nl = 0, cold = 0, work = 0;
	char *txt;

	cr_assert(mkdtemp(dir) && agg);
	three(c, RUNNER, "runner", 1000);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(ct_agg_add(agg, &c[i]), 0);
		ct_chains_add(t, &c[i]);
	}
	ct_chains_flush(t);
	cr_assert_eq(ct_export_dir(dir, agg, &m, err, sizeof(err)), 0, "%s",
		     err);

	snprintf(path, sizeof(path), "%s/chains.jsonl", dir);
	txt = tj_slurp(path, &len);
	cr_assert(txt);
	for (size_t i = 0; i < len; i++)
		nl += txt[i] == '\n';
	cr_assert_eq(nl, 2, "%s", txt);
	cr_assert(strstr(txt, "{\"type\":\"meta\""));
	v = tj_parse(strchr(txt, '\n') + 1, len - (strchr(txt, '\n') + 1 - txt),
		     err, sizeof(err));
	cr_assert(v, "%s", err);
	cr_assert_str_eq(tj_str(v, "type"), "chain");
	tj_free(v);
	free(txt);

	snprintf(path, sizeof(path), "%s/trace.json", dir);
	txt = tj_slurp(path, &len);
	v = tj_parse(txt, len, err, sizeof(err));
	cr_assert(v, "%s", err);
	ev = tj_get(v, "traceEvents");
	cr_assert(ev);
	for (size_t i = 0; i < ev->n; i++) {
		const char *cat = tj_str(ev->items[i], "cat");
		const char *name = tj_str(ev->items[i], "name");

		if (!cat || strcmp(cat, "chain"))
			continue;
		cold += !strcmp(name, "cold start");
		work += !strcmp(name, "work");
	}
	cr_assert_eq(cold, 3);
	cr_assert_eq(work, 3);
	tj_free(v);
	free(txt);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	cr_assert_eq(system(path), 0);
	ct_agg_free(agg);
	ct_chains_free(t);
}

/* Steps filled by hand out of order: spans are 0, never wrapped. */
Test(chain, disordered_steps)
{
	struct ct_chain ch = { 0 };

	ch.n_steps = 2;
	ch.steps[0] = (struct ct_chain_step){ .request_ns = 100,
		.ready_ns = 50, .result_ns = 20 };
	ch.steps[1] = (struct ct_chain_step){ .request_ns = 200,
		.ready_ns = 300, .result_ns = 400 };
	ct_chain_close(&ch);
	cr_assert_eq(ch.steps[0].cold_ns, 0);
	cr_assert_eq(ch.steps[0].work_ns, 0);
	cr_assert_eq(ch.wall_ns, 300);
	cr_assert_leq(ch.cold_ns, ch.wall_ns);
}

static void feed_exec(struct ct_chains *t, uint32_t pid, uint64_t ms)
{
	static const char *const argv[] = { "runner", NULL };
	struct ct_fx f;

	fx_init(&f);
	fx_at(&f, ms);
	fx_execv(&f, pid, "/usr/local/bin/runner", argv);
	feed(t, f.buf, f.len);
	fx_free(&f);
}

/*
 * The runner's exec is its identity beside its pid: a second program
 * exec'ed by the same pid (seen before either chain's containers) is
 * another runner, each with its own exec time.
 */
Test(chain, runner_exec)
{
	struct ct_container a[3], b[3];
	struct got g = { 0 };
	struct ct_chains *t = chains(&g);

	feed_exec(t, RUNNER, 500);
	three(a, RUNNER, "runner", 1000);
	feed_exec(t, RUNNER, 4500);
	three(b, RUNNER, "runner", 5000);
	for (int i = 0; i < 3; i++)
		ct_chains_add(t, &b[i]);
	for (int i = 0; i < 3; i++)
		ct_chains_add(t, &a[i]);
	ct_chains_flush(t);
	cr_assert_eq(g.n, 2);
	for (int k = 0; k < 2; k++) {
		const struct ct_chain *ch = &g.ch[k];
		uint64_t want = ch->steps[0].request_ns == 1000 * MS ? 500 : 4500;

		cr_assert_eq(ch->n_steps, 3);
		cr_assert_eq(ch->runner_exec_ns, want * MS);
	}
	cr_assert_eq(g.ch[0].runner_end_ns, 0, "b's runner lives on");
	ct_chains_free(t);
}

/* No exec seen: exec_ns null in JSON. */
Test(chain, runner_exec_unknown)
{
	struct ct_container c[3];
	struct got g = { 0 };
	struct ct_chains *t = chains(&g);
	char *buf = NULL, err[128];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct tj *v;

	three(c, RUNNER, "runner", 1000);
	for (int i = 0; i < 3; i++)
		ct_chains_add(t, &c[i]);
	ct_chains_flush(t);
	cr_assert_eq(g.ch[0].runner_exec_ns, 0);
	ct_jsonl_write(f, &ct_jsonl_chain, &g.ch[0]);
	fclose(f);
	v = tj_parse(buf, len, err, sizeof(err));
	cr_assert(v, "%s", err);
	cr_assert(tj_is(v, "runner.exec_ns", TJ_NULL));
	tj_free(v);
	free(buf);
	ct_chains_free(t);
}

/*
 * The session's wiring: chain-cold replayed through ct_session_feed(),
 * as --replay does: the runner's chain, with its exec and exit from the
 * recording's records, around its steps.
 */
Test(chain, recorded_session, .init = cr_redirect_stdout)
{
	struct ct_cli cli = { .json = true };
	struct ct_session s = { .cli = &cli };
	struct ct_replay_opens *rp;
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;
	const struct ct_chain *ch = NULL;
	const void *rec;
	struct tj *side;
	char err[256];
	uint64_t pid;
	size_t len;
	char *txt;

	txt = tj_slurp("tests/fixtures/chain-cold.json", &len);
	cr_assert(txt);
	side = tj_parse(txt, len, err, sizeof(err));
	cr_assert(side, "%s", err);
	cr_assert(tj_u64(side, "chains.0.runner_pid", &pid));
	cr_assert_eq(ct_rec_reader_open(&r, "tests/fixtures/chain-cold.ctrec",
					&h, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ct_replay_opens_read(r, &rp, err, sizeof(err)), 0);
	s.opens = ct_replay_opens_source(rp);
	s.mono_to_real = h.mono_to_real_ns;
	cr_assert_eq(ct_session_init(&s, h.cgroup_mode), 0);
	while (ct_rec_next(r, &rec, &len, err, sizeof(err)) > 0)
		ct_session_feed(&s, rec, len);
	ct_rec_reader_close(r);
	ct_pipeline_flush(&s.pl);
	for (size_t i = 0; i < ct_chains_count(s.pl.chains); i++)
		if (ct_chains_get(s.pl.chains, i)->runner_pid == pid)
			ch = ct_chains_get(s.pl.chains, i);
	cr_assert(ch, "no chain for runner %" PRIu64, pid);
	cr_assert_eq(ch->n_steps, 3);
	cr_assert_gt(ch->runner_exec_ns, 0);
	cr_assert_lt(ch->runner_exec_ns, ch->start_ns);
	cr_assert_gt(ch->runner_end_ns, ch->start_ns + ch->wall_ns);
	ct_session_free(&s);
	ct_replay_opens_free(rp);
	tj_free(side);
	free(txt);
}
