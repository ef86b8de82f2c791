// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Cold-start chains: see chain.h and docs/phases.md "chain". */
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "client.h"
#include "coldtrace.h"
#include "procs.h"
#include "records.h"
#include "util.h"

struct runner {
	bool used;
	struct ct_chain ch;
};

struct ct_chains {
	int64_t mono_to_real;
	/*
	 * A runner's exec (its identity beside its pid) and its end, seen
	 * before its first container was emitted (the usual case: records
	 * come after destroy).  A runner older than the model's history
	 * has exec_ns 0 (unknown).
	 */
	const struct ct_procs *model;
	ct_chain_fn on_chain;
	void *ctx;
	struct runner *open;		/* CT_CHAIN_RUNNERS */
	unsigned int n_ended;		/* open ones whose runner is gone */
	struct ct_chain *kept;		/* ring of CT_CHAIN_KEEP */
	size_t kept_head, kept_n;
	struct ct_chain_stats st;
};

struct ct_chains *ct_chains_new(int64_t mono_to_real_ns,
				const struct ct_procs *model,
				ct_chain_fn on_chain, void *ctx)
{
	struct ct_chains *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->mono_to_real = mono_to_real_ns;
	t->model = model;
	t->on_chain = on_chain;
	t->ctx = ctx;
	/* fixed tables that fill over a long session: resident from now */
	t->open = ct_zalloc_resident(CT_CHAIN_RUNNERS * sizeof(*t->open));
	t->kept = ct_zalloc_resident(CT_CHAIN_KEEP * sizeof(*t->kept));
	if (!t->open || !t->kept) {
		ct_chains_free(t);
		return NULL;
	}
	return t;
}

void ct_chains_free(struct ct_chains *t)
{
	if (!t)
		return;
	free(t->open);
	free(t->kept);
	free(t);
}

/* ---- one chain's numbers ---- */

/*
 * When the workflow needed the step: its request, unless its client
 * waited for the request on its stdin; then when that came.  Warm: its
 * container was ready by then.
 */
static void step_needed(struct ct_chain_step *s, const struct ct_client *cl)
{
	s->needed_ns = s->request_ns;
	if (!cl->stdin_ns || cl->stdin_wait_ns < CT_CHAIN_WAITED_NS ||
	    cl->stdin_ns < s->request_ns || cl->stdin_ns > s->result_ns)
		return;
	s->stdin_ns = cl->stdin_ns;
	s->needed_ns = cl->stdin_ns;
	s->warm = s->needed_ns >= s->ready_ns;
}

bool ct_chain_step_from(struct ct_chain_step *s, const struct ct_container *c)
{
	const struct ct_client *cl = &c->client;

	if (!c->has_client || c->failed || !ct_client_request_ns(cl))
		return false;
	memset(s, 0, sizeof(*s));
	if (ct_has_phase(c, CT_PH_READY) && c->phases[CT_PH_READY].end_ns) {
		s->has_ready = true;
		s->ready_ns = c->phases[CT_PH_READY].end_ns;
	} else if (ct_has_phase(c, CT_PH_START) &&
		   c->phases[CT_PH_START].end_ns) {
		s->ready_ns = c->phases[CT_PH_START].end_ns;
	} else {
		return false;	/* never served: no cold start to speak of */
	}
	s->request_ns = ct_client_request_ns(cl);
	if (ct_has_phase(c, CT_PH_DIE)) {
		s->result_ns = c->phases[CT_PH_DIE].start_ns;
	} else {
		/* a service still running: available from its ready on */
		s->running = true;
		s->result_ns = s->ready_ns;
	}
	/* one order whatever the clocks said: request <= ready <= result */
	if (s->ready_ns < s->request_ns)
		s->ready_ns = s->request_ns;
	if (s->result_ns < s->ready_ns)
		s->result_ns = s->ready_ns;
	step_needed(s, cl);
	ct_copy_str(s->id, sizeof(s->id), c->id, sizeof(c->id));
	ct_copy_str(s->name, sizeof(s->name), c->name, sizeof(c->name));
	s->runtime = c->runtime;
	s->client_pid = cl->pid;
	ct_copy_str(s->client_comm, sizeof(s->client_comm), cl->comm,
		    sizeof(cl->comm));
	return true;
}

static uint64_t span(uint64_t from, uint64_t to)
{
	return to > from ? to - from : 0;
}

static void sort_by_needed(struct ct_chain *ch)
{
	for (uint32_t i = 1; i < ch->n_steps; i++) {
		struct ct_chain_step s = ch->steps[i];
		uint32_t j = i;

		for (; j && ch->steps[j - 1].needed_ns > s.needed_ns; j--)
			ch->steps[j] = ch->steps[j - 1];
		ch->steps[j] = s;
	}
}

/* The step whose result came last at or before j was needed: j waited. */
static int waited_for(const struct ct_chain *ch, uint32_t j)
{
	const struct ct_chain_step *sj = &ch->steps[j];
	int best = -1;

	for (uint32_t i = 0; i < ch->n_steps; i++) {
		const struct ct_chain_step *si = &ch->steps[i];

		if (i == j || si->result_ns > sj->needed_ns)
			continue;
		if (best < 0 || si->result_ns >= ch->steps[best].result_ns)
			best = (int)i;
	}
	return best;
}

static uint32_t last_result(const struct ct_chain *ch)
{
	uint32_t last = 0;

	for (uint32_t i = 1; i < ch->n_steps; i++)
		if (ch->steps[i].result_ns >= ch->steps[last].result_ns)
			last = i;
	return last;
}

/* Back from the last result; n_steps bounds it (equal times may loop). */
static void walk_critical(struct ct_chain *ch)
{
	int k = (int)last_result(ch);

	for (uint32_t n = 0; k >= 0 && n < ch->n_steps; n++) {
		struct ct_chain_step *s = &ch->steps[k];

		if (s->critical)
			break;
		s->critical = true;
		ch->n_critical++;
		ch->cold_ns += s->cold_ns;
		if (s->after >= 0) {
			uint64_t w = ch->steps[s->after].work_ns;

			s->whatif_ns = s->cold_ns < w ? s->cold_ns : w;
			ch->whatif_ns += s->whatif_ns;
		}
		k = s->after;
	}
}

void ct_chain_close(struct ct_chain *ch)
{
	ch->start_ns = ch->end_ns = ch->wall_ns = 0;
	ch->cold_ns = ch->whatif_ns = 0;
	ch->n_critical = 0;
	ch->parallel = false;
	if (!ch->n_steps)
		return;
	for (uint32_t j = 0; j < ch->n_steps; j++)	/* filled by hand */
		if (!ch->steps[j].needed_ns)
			ch->steps[j].needed_ns = ch->steps[j].request_ns;
	sort_by_needed(ch);
	ch->start_ns = ch->steps[0].needed_ns;
	for (uint32_t j = 0; j < ch->n_steps; j++) {
		struct ct_chain_step *s = &ch->steps[j];
		uint64_t from = s->ready_ns;

		if (s->needed_ns > from)
			from = s->needed_ns;	/* warm: it waited */
		/* steps filled by hand may be out of order: no wrap-around */
		s->cold_ns = span(s->needed_ns, s->ready_ns);
		s->work_ns = span(from, s->result_ns);
		s->after = waited_for(ch, j);
		s->critical = false;
		s->whatif_ns = 0;
		/* an earlier step still working: a parallel branch */
		if (j && ch->end_ns > s->needed_ns)
			ch->parallel = true;
		if (s->result_ns > ch->end_ns)
			ch->end_ns = s->result_ns;
	}
	ch->wall_ns = span(ch->start_ns, ch->end_ns);
	walk_critical(ch);
}

/* ---- open chains, by runner ---- */

static void emit(struct ct_chains *t, struct runner *r)
{
	struct ct_chain *ch = &r->ch;

	r->used = false;
	if (ch->runner_end_ns && t->n_ended)
		t->n_ended--;
	if (ch->n_steps < 2) {
		t->st.single++;
		return;
	}
	ct_chain_close(ch);
	if (t->kept_n == CT_CHAIN_KEEP) {
		t->kept_head = (t->kept_head + 1) % CT_CHAIN_KEEP;
		t->kept_n--;
		t->st.dropped_kept++;
	}
	t->kept[(t->kept_head + t->kept_n) % CT_CHAIN_KEEP] = *ch;
	t->kept_n++;
	t->st.emitted++;
	if (t->on_chain)
		t->on_chain(ch, t->ctx);
}

static void runner_ended(struct ct_chains *t, struct runner *r, uint64_t ns)
{
	r->ch.runner_end_ns = ns;
	t->n_ended++;
}

/* Chains whose runner went away more than the grace period ago. */
static void emit_due(struct ct_chains *t, uint64_t now)
{
	for (size_t i = 0; t->n_ended && i < CT_CHAIN_RUNNERS; i++) {
		struct runner *r = &t->open[i];

		if (r->used && r->ch.runner_end_ns &&
		    now > r->ch.runner_end_ns + CT_CHAIN_GRACE_NS)
			emit(t, r);
	}
}

static void process_gone(struct ct_chains *t, uint32_t pid, uint64_t ns)
{
	for (size_t i = 0; i < CT_CHAIN_RUNNERS; i++) {
		struct runner *r = &t->open[i];

		if (r->used && r->ch.runner_pid == pid && !r->ch.runner_end_ns)
			runner_ended(t, r, ns);
	}
}

void ct_chains_feed(struct ct_chains *t, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;
	uint64_t now;

	(void)len;	/* checked where it entered (pipeline.h) */
	now = h->ts_ns + t->mono_to_real;
	/* an exec replaces the runner's program: another runner from now */
	if (h->type == CT_EV_EXIT || h->type == CT_EV_EXEC)
		process_gone(t, h->pid, now);
	emit_due(t, now);
}

/* The model's answers, on the chains' clock (wall ns); 0: not seen. */
static uint64_t gone_after(const struct ct_chains *t, uint32_t pid,
			   uint64_t ns)
{
	uint64_t g = ct_procs_gone_after(t->model, pid, ns - t->mono_to_real);

	return g ? g + t->mono_to_real : 0;
}

/* pid's last exec at or before ns: the program that asked. */
static uint64_t exec_before(const struct ct_chains *t, uint32_t pid,
			    uint64_t ns)
{
	uint64_t x = ct_procs_exec_before(t->model, pid, ns - t->mono_to_real);

	return x ? x + t->mono_to_real : 0;
}

/*
 * The runner's open chain: same pid and comm, the same exec when both
 * are known, still alive at the request.
 */
static struct runner *find_runner(struct ct_chains *t,
				  const struct ct_client *cl, uint64_t exec)
{
	uint64_t req = ct_client_request_ns(cl);

	for (size_t i = 0; i < CT_CHAIN_RUNNERS; i++) {
		struct runner *r = &t->open[i];
		uint64_t rx = r->ch.runner_exec_ns;

		if (r->used && r->ch.runner_pid == cl->ppid &&
		    !strncmp(r->ch.runner_comm, cl->parent_comm,
			     sizeof(r->ch.runner_comm)) &&
		    (!rx || !exec || rx == exec) &&
		    (!r->ch.runner_end_ns || req < r->ch.runner_end_ns))
			return r;
	}
	return NULL;
}

static struct runner *new_runner(struct ct_chains *t,
				 const struct ct_client *cl, uint64_t exec)
{
	uint64_t gone;

	for (size_t i = 0; i < CT_CHAIN_RUNNERS; i++) {
		struct runner *r = &t->open[i];

		if (r->used)
			continue;
		memset(r, 0, sizeof(*r));
		r->used = true;
		r->ch.runner_pid = cl->ppid;
		ct_copy_str(r->ch.runner_comm, sizeof(r->ch.runner_comm),
			    cl->parent_comm, sizeof(cl->parent_comm));
		r->ch.runner_exec_ns = exec;
		gone = gone_after(t, cl->ppid, ct_client_request_ns(cl));
		if (gone)
			runner_ended(t, r, gone);
		return r;
	}
	t->st.dropped_runners++;
	return NULL;
}

void ct_chains_add(struct ct_chains *t, const struct ct_container *c)
{
	struct ct_chain_step s;
	struct runner *r;
	uint64_t exec;

	/* pid 1 adopts orphans: no runner to speak of */
	if (!ct_chain_step_from(&s, c) || c->client.ppid <= 1)
		return;
	exec = exec_before(t, c->client.ppid, s.request_ns);
	r = find_runner(t, &c->client, exec);
	if (!r)
		r = new_runner(t, &c->client, exec);
	if (!r)
		return;
	if (r->ch.n_steps == CT_CHAIN_STEPS) {
		r->ch.dropped_steps++;
		return;
	}
	r->ch.steps[r->ch.n_steps++] = s;
}

void ct_chains_flush(struct ct_chains *t)
{
	for (size_t i = 0; i < CT_CHAIN_RUNNERS; i++)
		if (t->open[i].used)
			emit(t, &t->open[i]);
}

size_t ct_chains_count(const struct ct_chains *t)
{
	return t ? t->kept_n : 0;
}

const struct ct_chain *ct_chains_get(const struct ct_chains *t, size_t i)
{
	if (!t || i >= t->kept_n)
		return NULL;
	return &t->kept[(t->kept_head + i) % CT_CHAIN_KEEP];
}

void ct_chains_stats(const struct ct_chains *t, struct ct_chain_stats *st)
{
	*st = t ? t->st : (struct ct_chain_stats){ 0 };
}

bool ct_chain_is_workflow(const struct ct_chain *ch)
{
	for (uint32_t i = 0; i < ch->n_steps; i++)
		if (ch->steps[i].has_ready || ch->steps[i].stdin_ns)
			return true;
	return false;
}
