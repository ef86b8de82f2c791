// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Real recordings (coldtrace --record on the target machine, private
 * dockerd + containerd) replayed through the tracker.  Each recording also
 * holds whatever else ran on the host at the time, so every case selects
 * its container by id prefix, like -c does.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tracker.h"
#include "recfile.h"
#include "fixture.h"

/* ready is set at emission (user/enrich/ready.c), not by the tracker */
#define ALL_PHASES	(((1u << CT_PH_MAX) - 1) & ~(1u << CT_PH_READY) & \
			 ~(1u << CT_PH_PREPARE))
#define SHIM_PHASES	((1u << CT_PH_ATTACH) | (1u << CT_PH_CREATE) | \
			 (1u << CT_PH_START) | (1u << CT_PH_RUN) | \
			 (1u << CT_PH_DIE) | (1u << CT_PH_DESTROY))
#define DIRECT_PHASES	((1u << CT_PH_CREATE) | (1u << CT_PH_RUN) | \
			 (1u << CT_PH_DESTROY))

/* What a recording's sidecar FILE.json says about one container. */
struct rcase {
	char id[CT_ID_LEN];
	enum ct_runtime rt;
	enum ct_engine_kind eng;
	bool has_exit_code;	/* "exit_code": null: none is seen */
	int exit_code;
	uint32_t phases;
	enum ct_failure failed;	/* "failed": "create": it never ran */
	char name[CT_NAME_LEN];	/* "name": the engine's, if the sidecar says */
	bool is_pod;		/* "is_pod": true: a CRI pod's sandbox */
	char pod[CT_ID_LEN];	/* "pod_id": the sandbox of an app container */
	bool partial;	/* "partial": true: running before the session */
};

#define MAX_CASES	16

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = calloc(1, 1 << 16);
	cr_assert(buf);
	n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The string or number after "key": at or after p; NULL if absent. */
static const char *field(const char *p, const char *key, char *out,
			 size_t outlen)
{
	char pat[64];
	const char *v;
	size_t n = 0;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(p, pat);
	if (!p)
		return NULL;
	v = p + strlen(pat);
	while (*v == ' ' || *v == ':')
		v++;
	if (*v == '"')
		v++;
	while (v[n] && v[n] != '"' && v[n] != ',' && v[n] != '\n' &&
	       v[n] != '}' && n + 1 < outlen) {
		out[n] = v[n];
		n++;
	}
	out[n] = '\0';
	return v + n;
}

static uint32_t phases_for(enum ct_engine_kind eng)
{
	switch (eng) {
	case CT_ENG_DOCKER:
		return ALL_PHASES;
	case CT_ENG_CONTAINERD:
	case CT_ENG_PODMAN:	/* conmon in the shim's place, no network */
	case CT_ENG_CRI:	/* app containers: the pod has the network */
		return SHIM_PHASES;
	default:
		return DIRECT_PHASES;
	}
}

static enum ct_engine_kind engine_from_name(const char *s)
{
	for (int k = 0; k < CT_ENG_MAX; k++)
		if (!strcmp(s, ct_engine_name(k)))
			return k;
	return CT_ENG_UNKNOWN;
}

/* Parses "containers": [{"id", "runtime", "engine", "exit_code"}...]. */
/* "phases": ["create", ...] in obj (one container's object), if there. */
static bool phase_list(const char *obj, uint32_t *mask)
{
	const char *l = strstr(obj, "\"phases\""), *end;
	char q[32];

	if (!l || !(end = strchr(l, ']')))
		return false;
	*mask = 0;
	for (int p = 0; p < CT_PH_MAX; p++) {
		const char *at;

		snprintf(q, sizeof(q), "\"%s\"", ct_phase_name(p));
		at = strstr(l, q);
		if (at && at < end)
			*mask |= 1u << p;
	}
	return true;
}

static void load_case(const char *obj, struct rcase *c)
{
	char v[CT_ID_LEN];

	field(obj, "id", c->id, CT_ID_LEN);
	field(obj, "runtime", v, sizeof(v));
	c->rt = ct_runtime_from_name(v);
	field(obj, "engine", v, sizeof(v));
	c->eng = engine_from_name(v);
	field(obj, "exit_code", v, sizeof(v));
	c->has_exit_code = strcmp(v, "null") != 0;
	c->exit_code = atoi(v);
	if (!phase_list(obj, &c->phases))
		c->phases = phases_for(c->eng);
	if (!field(obj, "name", c->name, sizeof(c->name)))
		c->name[0] = '\0';
	c->is_pod = field(obj, "is_pod", v, sizeof(v)) && !strcmp(v, "true");
	c->partial = field(obj, "partial", v, sizeof(v)) && !strcmp(v, "true");
	if (!field(obj, "pod_id", c->pod, sizeof(c->pod)))
		c->pod[0] = '\0';
	c->failed = CT_FAIL_NONE;
	if (field(obj, "failed", v, sizeof(v)))
		for (int f = 1; f < CT_FAIL_MAX; f++)
			if (!strcmp(v, ct_failure_name(f)))
				c->failed = f;
}

/* Parses "containers": [{"id", "runtime", "engine", "exit_code", and
 * optionally "phases", "failed", "name"}...], one flat object each. */
static int load_cases(const char *json, struct rcase *c, int max)
{
	const char *p = strstr(json, "\"containers\"");
	static char obj[4096];
	int n = 0;

	while (p && n < max && (p = strchr(p, '{'))) {
		const char *end = strchr(p, '}');

		cr_assert(end && (size_t)(end - p) < sizeof(obj));
		memcpy(obj, p, (size_t)(end - p));
		obj[end - p] = '\0';
		load_case(obj, &c[n++]);
		p = end;
	}
	return n;
}

static struct fx_sink sink;

/* Replays NAME.ctrec into sink, keeping containers whose id has prefix
 * (NULL: all) and whose engine is in engine_mask (0: all). */
static void replay(const char *name, const char *prefix, uint32_t engine_mask)
{
	char path[256], err[256];
	const char *dir = getenv("CT_FIXTURES");
	struct ct_rec_file_hdr fh;
	struct ct_rec_reader *r;
	struct ct_tracker *tk;
	struct ct_tracker_opts o;
	const void *rec;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.ctrec", dir ? dir : "tests/fixtures",
		 name);
	cr_assert_eq(access(path, R_OK), 0, "%s: recording missing", path);
	cr_assert_eq(ct_rec_reader_open(&r, path, &fh, err, sizeof(err)), 0,
		     "%s: %s", path, err);
	memset(&sink, 0, sizeof(sink));
	memset(&o, 0, sizeof(o));
	o.mono_to_real_ns = fh.mono_to_real_ns;
	o.cgroup_mode = fh.cgroup_mode;
	o.filter.id_prefix = prefix;
	o.filter.engine_mask = engine_mask;
	o.on_container = fx_sink_cb;
	o.ctx = &sink;
	tk = ct_tracker_new(&o);
	cr_assert(tk);
	while ((rc = ct_rec_next(r, &rec, &len, err, sizeof(err))) > 0)
		cr_assert_eq(ct_tracker_feed(tk, rec, len), 0, "%s", path);
	cr_assert_eq(rc, 0, "%s: %s", path, err);
	ct_tracker_flush(tk);
	ct_tracker_free(tk);
	ct_rec_reader_close(r);
}

/* A CRI pod's network comes up before its sandbox's shim (CNI ADD in
 * RunPodSandbox) and goes down inside its destroy (DEL, netns umount). */
static void check_pod_network(const struct ct_container *c)
{
	cr_expect(ct_has_phase(c, CT_PH_CONNECT), "%s: pod without connect",
		  c->id);
	cr_expect_leq(c->phases[CT_PH_CONNECT].end_ns,
		      c->phases[CT_PH_ATTACH].start_ns, "%s: connect", c->id);
	cr_expect_geq(c->phases[CT_PH_DISCONNECT].start_ns,
		      c->phases[CT_PH_DESTROY].start_ns, "%s: disconnect",
		      c->id);
	cr_expect_leq(c->phases[CT_PH_DISCONNECT].end_ns,
		      c->phases[CT_PH_DESTROY].end_ns, "%s: disconnect", c->id);
}

/* docs/design.md "Phases" order of starts; connect inside create
 * (Docker 28: up to start), disconnect inside destroy. */
static void check_order(const struct ct_container *c)
{
	static const enum ct_phase seq[] = { CT_PH_ATTACH, CT_PH_CREATE,
					     CT_PH_START, CT_PH_RUN,
					     CT_PH_DIE, CT_PH_DESTROY };
	uint64_t prev = 0;

	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		const struct ct_interval *iv = &c->phases[seq[i]];

		if (!ct_has_phase(c, seq[i]))
			continue;
		cr_expect_geq(iv->start_ns, prev, "%s: %s starts early", c->id,
			      ct_phase_name(seq[i]));
		cr_expect_geq(iv->end_ns, iv->start_ns, "%s: %s open", c->id,
			      ct_phase_name(seq[i]));
		prev = iv->end_ns;
	}
	if (c->is_pod) {
		check_pod_network(c);
		return;
	}
	/* the hook's inside create; Docker 28's from create's end to start */
	if (ct_has_phase(c, CT_PH_CONNECT)) {
		cr_expect_geq(c->phases[CT_PH_CONNECT].start_ns,
			      c->phases[CT_PH_CREATE].start_ns);
		cr_expect(c->phases[CT_PH_CONNECT].end_ns <=
				  c->phases[CT_PH_CREATE].end_ns ||
			  c->phases[CT_PH_CONNECT].end_ns ==
				  c->phases[CT_PH_START].start_ns,
			  "%s: connect neither in create nor before start",
			  c->id);
	}
	if (ct_has_phase(c, CT_PH_DISCONNECT)) {
		cr_expect_geq(c->phases[CT_PH_DISCONNECT].start_ns,
			      c->phases[CT_PH_DESTROY].start_ns);
		cr_expect_leq(c->phases[CT_PH_DISCONNECT].end_ns,
			      c->phases[CT_PH_DESTROY].end_ns);
	}
}

/*
 * A sidecar lists each generation of an id (docker start, restart keep
 * it) in order: ngen of them, k its gen-th (0-based).
 */
static void check_case(const char *file, const struct rcase *k, int gen,
		       int ngen)
{
	const struct ct_container *c = &sink.got[gen];

	cr_assert_eq(sink.n, ngen, "%s %s: %d records", file, k->id, sink.n);
	/* seen from the middle: never complete */
	cr_expect_eq(c->complete, !k->partial, "%s: complete", file);
	cr_expect_eq(c->partial, k->partial, "%s: partial", file);
	cr_expect_eq(c->runtime, k->rt, "%s: runtime %s", file,
		     ct_runtime_name(c->runtime));
	cr_expect_eq(c->engine, k->eng, "%s: engine %s", file,
		     ct_engine_name(c->engine));
	cr_expect_eq(c->has_exit_code, k->has_exit_code, "%s: exit code",
		     file);
	if (k->has_exit_code)
		cr_expect_eq(c->exit_code, k->exit_code, "%s: exit %d", file,
			     c->exit_code);
	cr_expect_eq(c->failed, k->failed, "%s: failed %d", file, c->failed);
	if (k->name[0])
		cr_expect_str_eq(c->name, k->name, "%s: name", file);
	cr_expect_eq(c->is_pod, k->is_pod, "%s %s: is_pod", file, k->id);
	cr_expect_str_eq(c->pod, k->pod, "%s %s: pod", file, k->id);
	cr_expect_eq(c->phase_mask, k->phases, "%s: phases %#x", file,
		     c->phase_mask);
	/* the key is taken when the program begins on the host (an adopted
	 * one began before the session: no key) */
	if (ct_has_phase(c, CT_PH_RUN) && !k->partial)
		cr_expect_neq(c->cgroup_key, 0, "%s: no cgroup key", file);
	cr_expect_lt(ct_total_ns(c), 10000000000ull, "%s", file);
	check_order(c);
}

/* How many of the first n cases have case i's id. */
static int same_id(const struct rcase *k, int n, int i)
{
	int m = 0;

	for (int j = 0; j < n; j++)
		m += !strcmp(k[j].id, k[i].id);
	return m;
}

/* Every FILE.ctrec with a FILE.json in tests/fixtures (or $CT_FIXTURES). */
Test(tracker_replay, recordings)
{
	const char *dir = getenv("CT_FIXTURES");
	char cmd[512], name[256];
	int replayed = 0;
	FILE *ls;

	snprintf(cmd, sizeof(cmd), "ls %s/*.json 2>/dev/null",
		 dir ? dir : "tests/fixtures");
	ls = popen(cmd, "r");
	cr_assert(ls);
	while (fgets(name, sizeof(name), ls)) {
		struct rcase k[MAX_CASES];
		char *json, *base;
		int n;

		name[strcspn(name, "\n")] = '\0';
		json = slurp(name);
		cr_assert(json, "%s: cannot read", name);
		n = load_cases(json, k, MAX_CASES);
		free(json);
		base = strrchr(name, '/');
		base = base ? base + 1 : name;
		base[strlen(base) - 5] = '\0';	/* drop .json */
		for (int i = 0; i < n; i++) {
			replay(base, k[i].id, 0);
			replayed++;
			check_case(base, &k[i], same_id(k, i, i),
				   same_id(k, n, i));
		}
	}
	pclose(ls);
	/* a test that passes on no input proves nothing */
	cr_assert_gt(replayed, 0, "no recordings in %s",
		     dir ? dir : "tests/fixtures");
}

/* --engine cri: a pod's record and its app containers', nothing else
 * (the recording holds other engineers' docker containers too). */
Test(tracker_replay, engine_filter)
{
	const struct ct_container *pod = NULL;
	int apps = 0;

	replay("cri-runc", NULL, 1u << CT_ENG_CRI);
	for (int i = 0; i < sink.n; i++) {
		cr_expect_eq(sink.got[i].engine, CT_ENG_CRI, "%s: engine %s",
			     sink.got[i].id, ct_engine_name(sink.got[i].engine));
		if (sink.got[i].is_pod)
			pod = &sink.got[i];
	}
	cr_assert(pod, "no pod record");
	for (int i = 0; i < sink.n; i++)
		apps += !strcmp(sink.got[i].pod, pod->id);
	cr_expect_eq(apps, 2, "%d app containers name the pod", apps);
	cr_expect_eq(sink.n, 3, "%d records", sink.n);
	replay("cri-runc", NULL, 1u << CT_ENG_PODMAN);
	cr_expect_eq(sink.n, 0, "%d records of podman", sink.n);
}

/* -c takes a whole name too (docker ps shows names); not a name's prefix. */
Test(tracker_replay, container_filter_by_name)
{
	replay("chain-cold", "fx-chain-1", 0);
	cr_assert_eq(sink.n, 1, "%d records", sink.n);
	cr_expect_str_eq(sink.got[0].name, "fx-chain-1");
	cr_expect(!strncmp(sink.got[0].id, "9a744c6de289", 12), "%s",
		  sink.got[0].id);
	replay("chain-cold", "9a744c6d", 0);
	cr_expect_eq(sink.n, 1, "by id prefix: %d records", sink.n);
	replay("chain-cold", "fx-chain", 0);
	cr_expect_eq(sink.n, 0, "a name's prefix: %d records", sink.n);
}

/*
 * docker-runc's container with its program's exec (/bin/true, the init
 * pid's) taken out of the recording: with a CT_EV_LOST record where it
 * was, the ring buffer lost it, and the container is incomplete
 * (records_lost), not failed; without, nothing was lost and a runc
 * container started without its program's exec did fail to start.
 */
static struct ct_container lost_exec_replay(bool say_lost)
{
	struct fx_sink *sink = calloc(1, sizeof(*sink));
	struct ct_tracker_opts o = { .on_container = fx_sink_cb,
				     .ctx = sink };
	struct ct_tracker *tk = ct_tracker_new(&o);
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *r;
	struct ct_container c;
	const void *rec;
	char err[256];
	size_t len;
	int skipped = 0;

	cr_assert(sink);
	cr_assert_eq(ct_rec_reader_open(&r, "tests/fixtures/docker-runc.ctrec",
					&h, err, sizeof(err)), 0, "%s", err);
	while (ct_rec_next(r, &rec, &len, err, sizeof(err)) > 0) {
		const struct ct_exec *x = rec;
		struct ct_lost l = { .hdr = x->hdr, .lost = 1 };

		if (x->hdr.type != CT_EV_EXEC ||
		    strcmp(x->filename, "/bin/true")) {
			ct_tracker_feed(tk, rec, len);
			continue;
		}
		skipped++;
		l.hdr.type = CT_EV_LOST;
		l.hdr.size = sizeof(l);
		if (say_lost)
			ct_tracker_feed(tk, &l, sizeof(l));
	}
	ct_rec_reader_close(r);
	ct_tracker_flush(tk);
	cr_assert_eq(skipped, 1);
	cr_assert_eq(sink->n, 1);
	c = sink->got[0];
	ct_tracker_free(tk);
	free(sink);
	return c;
}

Test(tracker_replay, lost_program_exec_is_not_a_failure)
{
	struct ct_container lost = lost_exec_replay(true);
	struct ct_container gone = lost_exec_replay(false);

	cr_expect_eq(lost.failed, CT_FAIL_NONE, "failed %d", lost.failed);
	cr_expect(!lost.complete);
	cr_expect(lost.records_lost);
	cr_expect_eq(gone.failed, CT_FAIL_START);
	cr_expect(!gone.records_lost);
}
