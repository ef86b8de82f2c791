// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Names and time arithmetic of struct ct_container (container.h). */
#include <stdio.h>
#include <string.h>
#include "container.h"
#include "engine_api.h"

_Static_assert(CT_RT_MAX == CT_OPENS_RT_END, "records name every runtime");

static const char *const phase_names[CT_PH_MAX] = {
	[CT_PH_PREPARE] = "prepare",	   [CT_PH_READY] = "ready",
	[CT_PH_ATTACH] = "attach",	   [CT_PH_CREATE] = "create",
	[CT_PH_CONNECT] = "connect",	   [CT_PH_START] = "start",
	[CT_PH_RUN] = "run",		   [CT_PH_DIE] = "die",
	[CT_PH_DISCONNECT] = "disconnect", [CT_PH_DESTROY] = "destroy",
};

static const char *const runtime_names[CT_RT_MAX] = {
	[CT_RT_UNKNOWN] = "unknown", [CT_RT_RUNC] = "runc",
	[CT_RT_CRUN] = "crun",	     [CT_RT_RUNSC] = "runsc",
	[CT_RT_KATA] = "kata",
};

/* each runtime's program, the one its engines exec (installed.h) */
static const char *const runtime_binaries[CT_RT_MAX] = {
	[CT_RT_RUNC] = "runc", [CT_RT_CRUN] = "crun", [CT_RT_RUNSC] = "runsc",
	[CT_RT_KATA] = "containerd-shim-kata-v2",
};

const char *ct_phase_name(enum ct_phase p)
{
	return (unsigned)p < CT_PH_MAX ? phase_names[p] : "?";
}

const char *ct_runtime_name(enum ct_runtime r)
{
	return (unsigned)r < CT_RT_MAX ? runtime_names[r] : "?";
}

const char *ct_runtime_binary(enum ct_runtime r)
{
	return (unsigned)r < CT_RT_MAX ? runtime_binaries[r] : NULL;
}

const char *ct_engine_name(enum ct_engine_kind e)
{
	return (unsigned)e < CT_ENG_MAX ? ct_engine(e)->name : "?";
}

const char *ct_kind_name(enum ct_kind k)
{
	static const char *const names[CT_KIND_MAX] = {
		[CT_KIND_CONTAINER] = "container",
		[CT_KIND_POD] = "pod",
		[CT_KIND_RESTORE] = "restore",
	};

	return (unsigned)k < CT_KIND_MAX ? names[k] : "?";
}

const char *ct_failure_name(uint8_t f)
{
	switch (f) {
	case CT_FAIL_CREATE:
		return "create";
	case CT_FAIL_START:
		return "start";
	default:
		return NULL;
	}
}

int ct_engine_from_name(const char *name)
{
	if (!name)
		return -1;
	for (int k = CT_ENG_UNKNOWN + 1; k < CT_ENG_MAX; k++)
		if (!strcmp(name, ct_engine(k)->name))
			return k;
	return -1;
}

int ct_runtime_from_name(const char *name)
{
	if (!name)
		return -1;
	for (int r = CT_RT_RUNC; r < CT_RT_MAX; r++)
		if (!strcmp(name, runtime_names[r]))
			return r;
	return -1;
}

const char *ct_split_reason(const struct ct_container *c, enum ct_phase p)
{
	if ((unsigned)p >= CT_PH_MAX || c->split[p].valid)
		return NULL;
	switch (c->split[p].none) {
	case CT_SPLIT_ENGINE:
		return ct_engine(c->engine)->work;
	case CT_SPLIT_OPEN:
		return "the phase never ended";
	case CT_SPLIT_NO_RECORDS:
		return "no scheduler records of its carrier";
	default:
		return NULL;
	}
}

const char *ct_waker_kind_name(unsigned int k)
{
	static const char *const names[CT_WAKER_KINDS] = {
		[CT_WAKER_NONE] = "none",
		[CT_WAKER_IRQ] = "interrupt",
		[CT_WAKER_KTHREAD] = "kernel",
		[CT_WAKER_START] = "start",
		[CT_WAKER_OTHER] = "other",
	};

	return k < CT_WAKER_KINDS ? names[k] : "?";
}

const char *ct_wait_state_name(unsigned int st)
{
	return st == CT_TS_IO ? "D" : st == CT_TS_SLEEP ? "S" : "R";
}

const char *ct_wait_via_name(unsigned int v)
{
	return v == CT_VIA_FOLLOWED ? "followed" :
	       v == CT_VIA_UNFOLLOWED ? "unfollowed" : "none";
}

/* A Go function's name without its package path's leading elements:
 * github.com/a/b.(*T).f is b.(*T).f. */
static const char *short_code(const char *f)
{
	size_t head = strcspn(f, "[(");
	const char *s = f;

	for (size_t i = 0; i < head; i++)
		if (f[i] == '/')
			s = f + i + 1;
	return s;
}

void ct_wait_label(const struct ct_wait *w, char *buf, size_t n)
{
	int k = snprintf(buf, n, "%s", w->site);

	if (w->syscall[0] && k >= 0 && (size_t)k < n)
		k += snprintf(buf + k, n - (size_t)k, " (%s)", w->syscall);
	if (w->code[0] && k >= 0 && (size_t)k < n)
		k += snprintf(buf + k, n - (size_t)k, " in %s",
			      short_code(w->code));
	if (w->via == CT_VIA_FOLLOWED && k >= 0 && (size_t)k < n)
		snprintf(buf + k, n - (size_t)k, " via %s", w->via_site);
	else if (w->via == CT_VIA_UNFOLLOWED && k >= 0 && (size_t)k < n)
		snprintf(buf + k, n - (size_t)k, ", unfollowed");
}

bool ct_why_slice_counts(const struct ct_container *c, uint64_t *n,
			 uint64_t *kept)
{
	bool any = false;

	*n = *kept = 0;
	for (int p = 0; p < CT_PH_MAX; p++) {
		if (!c->split[p].valid)
			continue;
		any = true;
		*n += c->split[p].slices;
		*kept += c->split[p].slices_kept;
	}
	return any;
}

uint64_t ct_created_gap_ns(const struct ct_container *c)
{
	if (!c->has_created || c->created.end_ns >= c->first_ns)
		return 0;
	return c->first_ns - c->created.end_ns;
}

const char *ct_prepare_missing_reason(uint8_t m)
{
	static const char *const why[] = {
		[CT_PREP_NO_START] = "created over 60 s before its start, "
				     "whose request was not seen",
		[CT_PREP_NO_CLIENT] = "started by no client's command (its "
				      "engine's API service, a restart "
				      "policy): its request was not seen",
		[CT_PREP_UNARMED] = "begun while the syscall hooks were "
				    "detached: its engine's first acts were "
				    "not seen",
	};

	return m < sizeof(why) / sizeof(why[0]) ? why[m] : NULL;
}

const char *ct_step_name(unsigned int s)
{
	static const char *const name[] = {
		[CT_STEP_CLIENT] = "client", [CT_STEP_REQUEST] = "request",
		[CT_STEP_LAYER] = "layer", [CT_STEP_CONFIG] = "config",
		[CT_STEP_SETUP] = "setup", [CT_STEP_TASK] = "task",
		[CT_STEP_BUNDLE] = "bundle", [CT_STEP_NETWORK] = "network",
		[CT_STEP_DELETE] = "delete",
		[CT_STEP_UNMOUNT] = "unmount", [CT_STEP_REMOVE] = "remove",
		[CT_STEP_IMAGE] = "image",
	};

	return s < CT_STEP_MAX ? name[s] : "?";
}

const char *ct_step_missing_name(unsigned int m)
{
	static const char *const name[] = {
		[CT_MISS_SHARED] = "shared", [CT_MISS_REPROBED] = "reprobed",
		[CT_MISS_UNPROBED] = "unprobed", [CT_MISS_UNSEEN] = "unseen",
	};

	return m < CT_MISS_MAX ? name[m] : NULL;
}

/* The phases with steps: their slot in c->steps, plus one (0: none). */
static unsigned int steps_slot(enum ct_phase p)
{
	static const unsigned char slot[CT_PH_MAX] = {
		[CT_PH_PREPARE] = 1, [CT_PH_DESTROY] = 2,
	};

	_Static_assert(2 == CT_STEPS_PHASES, "a slot per phase with steps");
	return (unsigned int)p < CT_PH_MAX ? slot[p] : 0;
}

struct ct_steps *ct_steps_mut(struct ct_container *c, enum ct_phase p)
{
	unsigned int k = steps_slot(p);

	return k ? &c->steps[k - 1] : NULL;
}

const struct ct_steps *ct_steps_of(const struct ct_container *c,
				   enum ct_phase p)
{
	return ct_steps_mut((struct ct_container *)c, p);
}

unsigned int ct_steps_missing(const struct ct_container *c, enum ct_phase p,
			      const char *why[CT_STEP_MAX])
{
	const struct ct_steps *s = ct_has_phase(c, p) ? ct_steps_of(c, p) :
				   NULL;
	unsigned int n = 0;

	for (unsigned int st = 0; st < CT_STEP_MAX; st++) {
		why[st] = s ? ct_step_missing_name(s->missing[st]) : NULL;
		n += why[st] != NULL;
	}
	return n;
}

uint64_t ct_step_end_ns(const struct ct_container *c, enum ct_phase p,
			unsigned int i)
{
	const struct ct_steps *s = ct_steps_of(c, p);

	if (!s)
		return 0;
	return i + 1 < s->n ? s->start_ns[i + 1] : c->phases[p].end_ns;
}

uint64_t ct_step_dur_ns(const struct ct_container *c, enum ct_phase p,
			unsigned int i)
{
	return ct_step_end_ns(c, p, i) - ct_steps_of(c, p)->start_ns[i];
}

uint64_t ct_steps_unattributed_ns(const struct ct_container *c,
				  enum ct_phase p)
{
	const struct ct_steps *s = ct_steps_of(c, p);

	return s && s->n ? s->start_ns[0] - c->phases[p].start_ns : 0;
}

void ct_steps_mark(struct ct_container *c, enum ct_phase p, enum ct_step st,
		   uint64_t t)
{
	struct ct_steps *s = ct_steps_mut(c, p);

	if (!s || !t || !c->phases[p].start_ns || t < c->phases[p].start_ns ||
	    s->n == CT_STEP_MAX || (s->n && t <= s->start_ns[s->n - 1]))
		return;
	for (unsigned int i = 0; i < s->n; i++)
		if (s->step[i] == st)
			return;
	s->step[s->n] = (uint8_t)st;
	s->start_ns[s->n++] = t;
}

void ct_steps_first_act(struct ct_container *c, enum ct_phase p,
			enum ct_step first, enum ct_step next, uint64_t t)
{
	ct_steps_mark(c, p, first, c->phases[p].start_ns);
	ct_steps_mark(c, p, next, t);
}

void ct_steps_settle(struct ct_container *c)
{
	for (int p = 0; p < CT_PH_MAX; p++) {
		struct ct_steps *s = ct_steps_mut(c, p);

		while (s && s->n && (!ct_has_phase(c, p) ||
				     s->start_ns[s->n - 1] >= c->phases[p].end_ns))
			s->n--;
	}
}

bool ct_cni_exec_said(const struct ct_container *c, unsigned int k)
{
	const struct ct_cni_exec *x = &c->cni.x[k];

	/* a child is said inside its parent only (parent < k) */
	return k < c->cni.n && x->end_ns && x->end_ns >= x->start_ns &&
	       ct_has_phase(c, x->phase) &&
	       (!x->parent || ct_cni_exec_said(c, x->parent - 1u));
}

int ct_cni_exec_step(const struct ct_container *c, unsigned int k)
{
	const struct ct_steps *s = ct_steps_of(c, c->cni.x[k].phase);
	int i = s && s->n ? (int)s->n - 1 : -1;

	while (i > 0 && s->start_ns[i] > c->cni.x[k].start_ns)
		i--;
	return i;
}

bool ct_cni_exec_in(const struct ct_container *c, unsigned int k,
		    enum ct_phase p, int step, unsigned int parent)
{
	if (!ct_cni_exec_said(c, k) || c->cni.x[k].phase != p)
		return false;
	if (parent || c->cni.x[k].parent)
		return c->cni.x[k].parent == parent;
	return ct_cni_exec_step(c, k) == step;
}

unsigned int ct_cni_execs_in(const struct ct_container *c, enum ct_phase p,
			     int step, unsigned int parent)
{
	unsigned int n = 0;

	for (unsigned int k = 0; k < c->cni.n; k++)
		n += ct_cni_exec_in(c, k, p, step, parent);
	return n;
}

const char *ct_cni_exec_name(const struct ct_container *c, unsigned int k,
			     char *buf, size_t len)
{
	snprintf(buf, len, "cni:%.*s", (int)sizeof(c->cni.x[k].plugin),
		 c->cni.x[k].plugin);
	return buf;
}

uint64_t ct_total_ns(const struct ct_container *c)
{
	if (!c->last_ns || c->last_ns <= c->first_ns)
		return 0;
	return c->last_ns - c->first_ns;
}

uint64_t ct_cold_start_ns(const struct ct_container *c)
{
	const struct ct_interval *rd = &c->phases[CT_PH_READY];
	uint64_t end = 0;

	if (c->is_pod)
		end = c->pod_ready_ns;
	else if (ct_has_phase(c, CT_PH_READY) && rd->end_ns >= rd->start_ns)
		end = rd->end_ns;
	else if (ct_has_phase(c, CT_PH_RUN))
		end = c->phases[CT_PH_RUN].start_ns;
	if (!end || !c->first_ns || end < c->first_ns)
		return 0;
	return end - c->first_ns;
}

static bool closed(const struct ct_container *c, int p)
{
	const struct ct_interval *iv = &c->phases[p];

	return ct_has_phase(c, p) && iv->end_ns > iv->start_ns;
}

/* Of the phases covering [t, next), the one that started last wins (the
 * inner one); on equal starts the later phase in docs/design.md "Phases"
 * order wins. */
static int owner_at(const struct ct_container *c, uint64_t t)
{
	int best = -1;

	for (int p = 0; p < CT_PH_MAX; p++) {
		const struct ct_interval *iv = &c->phases[p];

		if (!closed(c, p) || t < iv->start_ns || t >= iv->end_ns)
			continue;
		if (best < 0 || iv->start_ns >= c->phases[best].start_ns)
			best = p;
	}
	return best;
}

void ct_exclusive_ns(const struct ct_container *c, uint64_t out[CT_PH_MAX])
{
	uint64_t b[2 * CT_PH_MAX];
	int n = 0;

	memset(out, 0, sizeof(uint64_t) * CT_PH_MAX);
	for (int p = 0; p < CT_PH_MAX; p++) {
		if (!closed(c, p))
			continue;
		b[n++] = c->phases[p].start_ns;
		b[n++] = c->phases[p].end_ns;
	}
	/* insertion sort: at most 16 boundaries */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && b[j - 1] > b[j]; j--) {
			uint64_t t = b[j];

			b[j] = b[j - 1];
			b[j - 1] = t;
		}
	for (int i = 0; i + 1 < n; i++) {
		int p;

		if (b[i + 1] == b[i])
			continue;
		p = owner_at(c, b[i]);
		if (p >= 0)
			out[p] += b[i + 1] - b[i];
	}
}

void ct_name_copy(char *dst, size_t cap, const char *name, size_t n)
{
	size_t mark = sizeof(CT_NAME_CUT) - 1;

	if (n < cap) {
		memcpy(dst, name, n);
		dst[n] = '\0';
		return;
	}
	memcpy(dst, name, cap - 1 - mark);
	memcpy(dst + cap - 1 - mark, CT_NAME_CUT, mark + 1);
}

bool ct_name_same(const char *a, size_t acap, const char *b)
{
	size_t mark = sizeof(CT_NAME_CUT) - 1;
	size_t la = strlen(a), lb = strlen(b);
	bool a_cut = la + 1 >= acap;
	bool b_cut = lb >= mark && !memcmp(b + lb - mark, CT_NAME_CUT, mark);

	lb -= b_cut ? mark : 0;
	/* a whole name shorter than what the other keeps is another name */
	if ((!a_cut && la < lb) || (!b_cut && lb < la) ||
	    (!a_cut && !b_cut && la != lb))
		return false;
	return !memcmp(a, b, la < lb ? la : lb);
}

const char *ct_opens_cut_when(const struct ct_container *c)
{
	if (!ct_has_phase(c, CT_PH_READY))
		return "before any listen was seen; a TCP listen after it "
		       "is still seen";
	if (c->phases[CT_PH_READY].end_ns > c->opens.traced_until_ns)
		return "before it was ready: its ready is a TCP listen seen "
		       "later, its opens before it not all counted";
	return "once its cold start was over";
}

bool ct_k8s_pod_is(const struct ct_container *c, const char *ns_pod)
{
	const struct ct_k8s *k = &c->k8s;
	const char *pod = strchr(ns_pod, '/');
	size_t nlen;

	if (!pod)
		return false;
	nlen = (size_t)(pod - ns_pod);
	pod++;
	if (strnlen(k->pod_namespace, sizeof(k->pod_namespace)) != nlen ||
	    memcmp(k->pod_namespace, ns_pod, nlen))
		return false;
	return !*pod || !strncmp(k->pod_name, pod, sizeof(k->pod_name));
}
