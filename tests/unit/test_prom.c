// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * metrics.prom and /metrics (one writer, prom.c): families, labels,
 * --metrics-labels, log2 open buckets as le seconds, the loss counters
 * against the summary's fields, and promtool's verdict when installed.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fixture.h"
#include "jsonl.h"
#include "prom.h"
#include "session.h"
#include "tfixture.h"
#include "tjson.h"
#include "tprom.h"
#include "tracker.h"

#define RD	"container_runtime=runc;engine=docker;"
#define RC	"container_runtime=runc;engine=containerd;"
#define SD	"container_runtime=runsc;engine=docker;"
#define PHASE	"coldtrace_phase_duration_seconds"
#define COLD	"coldtrace_cold_start_seconds"
#define OPENS	"coldtrace_open_latency_seconds"

/* Three "web" generations under docker (two restarts), one under
 * containerd, a runsc one whose create failed, a nasty name. */
static struct ct_agg *fixture(void)
{
	struct ct_agg *a = ct_agg_new();
	struct ct_container c;

	tf_container(&c, "aaaa0001", "web", CT_RT_RUNC, 1000 * MS, 100);
	ct_agg_add(a, &c);
	tf_container(&c, "aaaa0002", "web", CT_RT_RUNC, 1200 * MS, 50);
	ct_agg_add(a, &c);
	tf_container(&c, "aaaa0003", "web", CT_RT_RUNC, 1500 * MS, 7);
	ct_agg_add(a, &c);
	tf_container(&c, "cccc0001", "", CT_RT_RUNC, 1000 * MS, 9);
	c.engine = CT_ENG_CONTAINERD;
	ct_agg_add(a, &c);
	tf_container(&c, "bbbb0001", "x\"y\\\nz\xff", CT_RT_RUNSC, 1000 * MS,
		     1);
	c.failed = CT_FAIL_CREATE;
	ct_agg_add(a, &c);
	return a;
}

/* ct_export_prom() text, parsed and checked. */
static struct prom *scrape(const struct ct_agg *a, const struct ct_meta *m,
			   char **text)
{
	struct prom *p = malloc(sizeof(*p));
	char *buf = NULL, *copy;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(p);
	cr_assert_not_null(f);
	cr_assert_eq(ct_export_prom(f, a, m), 0);
	cr_assert_eq(fclose(f), 0);
	copy = strdup(buf);
	prom_parse(copy, p);
	prom_check(p);
	free(copy);
	if (text)
		*text = buf;
	else
		free(buf);
	return p;
}

Test(prom, runtime_and_engine_labels)
{
	struct ct_agg *a = fixture();
	struct ct_meta m = { .version = "v", .kernel = "k" };
	struct prom *p = scrape(a, &m, NULL);

	cr_expect_eq(prom_get(p, "coldtrace_containers_total", RD), 3);
	cr_expect_eq(prom_get(p, "coldtrace_containers_total", RC), 1);
	cr_expect_eq(prom_get(p, "coldtrace_containers_total", SD), 1);
	cr_expect_eq(prom_get(p, "coldtrace_containers_failed_total", SD), 1);
	cr_expect_eq(prom_get(p, "coldtrace_containers_failed_total", RD), 0);
	cr_expect_eq(prom_get(p, "coldtrace_containers_complete_total", RC),
		     1);
	/* create lasts 10 ms: in le 0.01, not in le 0.005 */
	cr_expect_eq(prom_bucket(p, PHASE "_bucket", RD "phase=create;", 0.005),
		     0);
	cr_expect_eq(prom_bucket(p, PHASE "_bucket", RD "phase=create;", 0.01),
		     3);
	cr_expect_eq(prom_get(p, PHASE "_count", RC "phase=create;"), 1);
	/* a failed create is no cold start: counted in no histogram */
	cr_expect_eq(prom_get(p, PHASE "_count", SD "phase=create;"), 0);
	cr_expect_eq(prom_get(p, COLD "_count", SD), 0);
	cr_expect_eq(prom_get(p, "coldtrace_restart_duration_seconds_count",
			      RD), 2);
	free(p);
	ct_agg_free(a);
}

/* How many series of family name (any labels). */
static size_t series(const struct prom *p, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += !strcmp(p->s[i].name, name);
	return n;
}

/*
 * Every (runtime, engine) of a --runtime x --engine the user named is
 * there at 0 before its first container, each family of it, so that
 * rate() and increase() count that container; one outside the scope is
 * not.  The default scope exports only the pairs seen: 20 pairs at 0
 * were ~5,200 lines a scrape on every node.
 */
Test(prom, scope_exported_at_zero)
{
	struct ct_agg *a = ct_agg_new();
	struct ct_meta m = { .version = "v", .kernel = "k" };
	struct prom *p = scrape(a, &m, NULL);

	cr_assert_not_null(a);
	cr_expect_eq(series(p, "coldtrace_containers_total"), 0);
	cr_expect_eq(series(p, PHASE "_count"), 0);
	cr_expect(prom_has(p, "coldtrace_lost_events_total", ""),
		  "the session's own families are there");
	free(p);

	m.runtime_mask = (1u << CT_RT_MAX) - 2;	/* -r runc,crun,runsc,kata */
	p = scrape(a, &m, NULL);
	cr_expect(prom_has(p, "coldtrace_containers_total", SD));
	cr_expect_eq(prom_get(p, "coldtrace_containers_total", SD), 0);
	cr_expect_eq(prom_get(p, "coldtrace_containers_total",
			      "container_runtime=kata;engine=cri;"), 0);
	cr_expect_eq(prom_get(p, "coldtrace_containers_failed_total", SD), 0);
	cr_expect_eq(prom_bucket(p, COLD "_bucket", SD, INFINITY), 0);
	cr_expect_eq(prom_bucket(p, COLD "_bucket", SD, 0.01), 0);
	cr_expect_eq(prom_get(p, PHASE "_count", SD "phase=destroy;"), 0);
	cr_expect_eq(prom_get(p, "coldtrace_restart_duration_seconds_count",
			      SD), 0);
	/* every runtime x every engine; no "unknown" of either */
	cr_expect_eq(series(p, "coldtrace_containers_total"),
		     (CT_RT_MAX - 1) * (CT_ENG_MAX - 1));
	free(p);

	m.runtime_mask = 1u << CT_RT_RUNSC;
	m.engine_mask = 1u << CT_ENG_DOCKER | 1u << CT_ENG_CRI;
	p = scrape(a, &m, NULL);
	cr_expect_eq(series(p, "coldtrace_containers_total"), 2);
	cr_expect(prom_has(p, "coldtrace_containers_total", SD));
	cr_expect(!prom_has(p, "coldtrace_containers_total", RD));
	free(p);
	ct_agg_free(a);
}

/*
 * A live scrape's installed runtimes x engines (core/installed.h): each
 * pair without a container is there at 0, its containers' counters and
 * cold-start histogram only (~25 lines, not its ~200 of phases), in
 * both modes; a pair with containers has every family as before; the
 * pods' families stay away (container kind only); not with
 * per-container labels, whose series are containers.
 */
#define RK	"container_runtime=runc;engine=cri;"
Test(prom, installed_pairs_thin_at_zero)
{
	struct ct_agg *a[2] = { fixture(), ct_agg_new_continuous(4) };
	struct ct_meta m = {
		.version = "v", .kernel = "k",
		.installed_runtimes = 1u << CT_RT_RUNC | 1u << CT_RT_RUNSC,
		.installed_engines = 1u << CT_ENG_DOCKER | 1u << CT_ENG_CRI,
	};
	struct ct_container c;
	struct prom *p;

	tf_container(&c, "aaaa0001", "web", CT_RT_RUNC, 1000 * MS, 100);
	cr_assert_eq(ct_agg_add(a[1], &c), 0);
	for (int k = 0; k < 2; k++) {
		p = scrape(a[k], &m, NULL);
		/* runc, runsc x docker, cri, and the fixture's runc x
		 * containerd (one-shot) */
		cr_expect_eq(series(p, "coldtrace_containers_total"), 4 + !k);
		cr_expect_eq(prom_get(p, "coldtrace_containers_total", RK), 0);
		cr_expect_eq(prom_get(p, "coldtrace_containers_failed_total",
				      RK), 0);
		cr_expect_eq(prom_bucket(p, COLD "_bucket", RK, INFINITY), 0);
		cr_expect_eq(prom_get(p, COLD "_count", RK), 0);
		cr_expect(!prom_has(p, PHASE "_count", RK "phase=create;"));
		cr_expect(!prom_has(p, "coldtrace_restart_duration_seconds_"
				    "count", RK));
		cr_expect(!prom_has(p, "coldtrace_fuse_containers_total", RK));
		cr_expect(!prom_has(p, "coldtrace_pods_total",
				    "container_runtime=runc;engine=cri;"));
		/* seen: every family */
		cr_expect(prom_has(p, PHASE "_count", RD "phase=create;"));
		cr_expect_eq(prom_get(p, "coldtrace_containers_total", RD),
			     k ? 1 : 3);
		cr_expect(prom_has(p, "coldtrace_fuse_containers_total", RD));
		free(p);
	}
	m.prom_labels = CT_PROM_LABEL_ID;	/* the fixture's 5 alone */
	p = scrape(a[0], &m, NULL);
	cr_expect_eq(series(p, "coldtrace_containers_total"), 5);
	free(p);
	ct_agg_free(a[0]);
	ct_agg_free(a[1]);
}

/* cold_start_ns: first phase start to the program's exec, 14 ms here. */
Test(prom, cold_start_histogram)
{
	struct ct_agg *a = fixture();
	struct ct_meta m = { .version = "v", .kernel = "k" };
	struct prom *p = scrape(a, &m, NULL);
	uint64_t v;

	cr_assert(ct_agg_sample(ct_agg_get(a, 0), CT_AGG_COLD, &v));
	cr_assert_eq(v, 14 * MS);
	cr_expect_eq(prom_get(p, COLD "_count", RD), 3);
	cr_expect_float_eq(prom_get(p, COLD "_sum", RD), 0.042, 1e-12);
	cr_expect_eq(prom_bucket(p, COLD "_bucket", RD, 0.01), 0);
	cr_expect_eq(prom_bucket(p, COLD "_bucket", RD, 0.025), 3);
	cr_expect_eq(prom_bucket(p, COLD "_bucket", RD, INFINITY), 3);
	free(p);
	ct_agg_free(a);
}

/* Slot k = [2^k, 2^(k+1)) ns is under le 2^(k+1) ns; slot 31 (and
 * above) only under +Inf; _sum counts each at its slot's middle. */
Test(prom, open_latency_log2_buckets)
{
	struct ct_agg *a = fixture();
	struct ct_meta m = { .version = "v", .kernel = "k" };
	struct ct_container c;
	struct prom *p;

	tf_container(&c, "dddd0001", "", CT_RT_RUNC, 3000 * MS, 1);
	c.opens.valid = true;
	c.opens.slots[11] = 3;
	c.opens.slots[14] = 2;
	ct_agg_add(a, &c);
	c.opens.slots[14] = 0;
	c.opens.slots[31] = 1;
	ct_agg_add(a, &c);
	p = scrape(a, &m, NULL);
	cr_expect_eq(prom_bucket(p, OPENS "_bucket", RD, 2048e-9), 0);
	cr_expect_eq(prom_bucket(p, OPENS "_bucket", RD, 4096e-9), 6);
	cr_expect_eq(prom_bucket(p, OPENS "_bucket", RD, 32768e-9), 8);
	cr_expect_eq(prom_bucket(p, OPENS "_bucket", RD, 2.147483648), 8);
	cr_expect_eq(prom_bucket(p, OPENS "_bucket", RD, INFINITY), 9);
	cr_expect_eq(prom_get(p, OPENS "_count", RD), 9);
	cr_expect_eq(prom_count(p, OPENS "_bucket", RD), 32);
	/* 6 x 3072 (slot 11) + 2 x 24576 (slot 14) + 3 x 2^30 (slot 31) ns */
	cr_expect_float_eq(prom_get(p, OPENS "_sum", RD), 3.221293056, 1e-12);
	cr_expect(!prom_has(p, OPENS "_count", RC), "no opens measured");
	free(p);
	ct_agg_free(a);
}

/* How many families are typed name (0 or 1). */
static size_t typed(const struct prom *p, const char *name)
{
	size_t n = 0, l = strlen(name);

	for (size_t i = 0; i < p->ntypes; i++)
		n += !strncmp(p->types[i], name, l) && p->types[i][l] == ' ';
	return n;
}

#define RCRI	"container_runtime=runc;engine=cri;"
#define PPHASE	"coldtrace_pod_phase_duration_seconds"
#define PCOLD	"coldtrace_pod_cold_start_seconds"

/*
 * A CRI pod: its sandbox (runs 500 ms, its last app's exec 214 ms after
 * its start) and two app containers (cold starts 14 ms each), 4 and 2
 * opens under 2 us, 1 open of the sandbox's under 1 us.
 */
static void add_cri_pod(struct ct_agg *a)
{
	struct ct_container c;

	tf_container(&c, "pod00001", "web-0", CT_RT_RUNC, 5000 * MS, 500);
	c.engine = CT_ENG_CRI;
	c.is_pod = true;
	c.pod_ready_ns = 5214 * MS;
	c.opens.valid = true;
	c.opens.slots[9] = 1;
	cr_assert_eq(ct_agg_add(a, &c), 0);
	for (int i = 0; i < 2; i++) {
		tf_container(&c, i ? "app00002" : "app00001", "app", CT_RT_RUNC,
			     5000 * MS + i * 200 * MS, 100);
		c.engine = CT_ENG_CRI;
		snprintf(c.pod, sizeof(c.pod), "pod00001");
		c.opens.valid = true;
		c.opens.slots[10] = i ? 2 : 4;
		cr_assert_eq(ct_agg_add(a, &c), 0);
	}
}

/*
 * A pod's sandbox is in families of its own, never in the containers'
 * (its cold start holds theirs); its opens are with theirs, as opens.
 * A session without pods has none of those families.
 */
Test(prom, pods_in_families_of_their_own)
{
	struct ct_agg *a = fixture();
	struct ct_meta m = { .version = "v", .kernel = "k" };
	struct prom *p = scrape(a, &m, NULL);

	cr_expect_eq(typed(p, "coldtrace_pods_total"), 0);
	cr_expect_eq(typed(p, PCOLD), 0);
	free(p);
	add_cri_pod(a);
	p = scrape(a, &m, NULL);
	cr_expect_eq(prom_get(p, "coldtrace_pods_total", RCRI), 1);
	cr_expect_eq(prom_get(p, "coldtrace_pods_complete_total", RCRI), 1);
	cr_expect_eq(prom_get(p, "coldtrace_pods_failed_total", RCRI), 0);
	cr_expect_eq(prom_get(p, "coldtrace_containers_total", RCRI), 2);
	cr_expect_eq(prom_get(p, "coldtrace_containers_total", RD), 3);
	cr_expect_eq(prom_get(p, PCOLD "_count", RCRI), 1);
	cr_expect_float_eq(prom_get(p, PCOLD "_sum", RCRI), 0.214, 1e-12);
	cr_expect_eq(prom_bucket(p, PCOLD "_bucket", RCRI, 0.1), 0);
	cr_expect_eq(prom_bucket(p, PCOLD "_bucket", RCRI, 0.25), 1);
	cr_expect_eq(prom_get(p, COLD "_count", RCRI), 2);
	cr_expect_float_eq(prom_get(p, COLD "_sum", RCRI), 0.028, 1e-12);
	cr_expect_eq(prom_get(p, PPHASE "_count", RCRI "phase=run;"), 1);
	cr_expect_float_eq(prom_get(p, PPHASE "_sum", RCRI "phase=run;"), 0.5,
			   1e-12);
	cr_expect_float_eq(prom_get(p, PHASE "_sum", RCRI "phase=run;"), 0.2,
			   1e-12);
	cr_expect_eq(prom_get(p, "coldtrace_pod_restart_duration_seconds_count",
			      RCRI), 0);
	cr_expect_eq(prom_get(p, OPENS "_count", RCRI), 7, "opens of both");
	cr_expect_eq(prom_bucket(p, OPENS "_bucket", RCRI, 1024e-9), 1);
	cr_expect(!prom_has(p, "coldtrace_pods_total", RD));
	free(p);
	ct_agg_free(a);
}

/*
 * The open-latency _sum against true latencies: 20,000 opens from 256 ns
 * to 67 ms (octaves at random, as open latencies spread), in their log2
 * slots as the kernel does (the highest bit), in containers of both
 * modes.  The true sum lies in [2/3, 4/3) of the _sum, as prom.c says.
 */
Test(prom, open_latency_sum_bounds_the_true_sum)
{
	struct ct_agg *a[2] = { ct_agg_new(), ct_agg_new_continuous(4) };
	struct ct_meta m = { .version = "v", .kernel = "k" };
	struct ct_container c;
	uint64_t rng = 0x9e3779b97f4a7c15ull, v;
	double truth = 0, got;
	struct prom *p;

	tf_container(&c, "eeee0001", "", CT_RT_RUNC, 1000 * MS, 10);
	c.opens.valid = true;
	for (int i = 0; i < 20000; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		/* 256 ns .. 67 ms: an octave at random, a value in it */
		v = (256 + rng % 256) << ((rng >> 20) % 18);
		truth += v;
		c.opens.slots[63 - __builtin_clzll(v)]++;
		c.opens.count++;
	}
	for (int k = 0; k < 2; k++) {
		cr_assert_eq(ct_agg_add(a[k], &c), 0);
		p = scrape(a[k], &m, NULL);
		got = prom_get(p, OPENS "_sum", RD) * 1e9;
		cr_expect(truth >= got * 2 / 3 && truth < got * 4 / 3,
			  "true %.0f ns, _sum %.0f ns", truth, got);
		cr_log_info("open latency: true sum %.0f ns, _sum %.0f ns "
			    "(%.3f)", truth, got, got / truth);
		free(p);
		ct_agg_free(a[k]);
	}
}

/* --metrics-labels=id,name: a series per container, never twice. */
Test(prom, per_container_labels)
{
	struct ct_agg *a = fixture();
	struct ct_meta m = { .version = "v", .kernel = "k",
			     .prom_labels = CT_PROM_LABEL_ID |
					    CT_PROM_LABEL_NAME };
	struct prom *p = scrape(a, &m, NULL);

	cr_expect_eq(prom_get(p, "coldtrace_containers_total",
			      RD "container_id=aaaa0002;container_name=web;"),
		     1);
	cr_expect_eq(prom_get(p, "coldtrace_containers_failed_total",
			      SD "container_id=bbbb0001;"
			      "container_name=x\"y\\\nz\xef\xbf\xbd;"), 1);
	cr_expect_eq(prom_get(p, PHASE "_count", RD "container_id=aaaa0003;"
			      "container_name=web;phase=run;"), 1);
	/* a restart counts under the new generation */
	cr_expect_eq(prom_get(p, "coldtrace_restart_duration_seconds_count",
			      RD "container_id=aaaa0002;container_name=web;"),
		     1);
	free(p);
	/* name only: the three generations of "web" are one series */
	m.prom_labels = CT_PROM_LABEL_NAME;
	p = scrape(a, &m, NULL);
	cr_expect_eq(prom_get(p, "coldtrace_containers_total",
			      RD "container_name=web;"), 3);
	cr_expect_eq(prom_get(p, COLD "_count", RD "container_name=web;"), 3);
	free(p);
	ct_agg_free(a);
}

/* --metrics-labels=namespace,pod: a pod's sandbox and its two app
 * containers under their Kubernetes names, each kind in its families;
 * a docker container's labels empty, which Prometheus reads as absent. */
Test(prom, per_pod_labels)
{
	struct ct_agg *a = ct_agg_new();
	struct ct_meta m = { .version = "v", .kernel = "k",
			     .prom_labels = CT_PROM_LABEL_NAMESPACE |
					    CT_PROM_LABEL_POD };
	struct ct_container c;
	struct prom *p;

	for (int i = 0; i < 3; i++) {
		tf_container(&c, i ? "app" : "sandbox", "", CT_RT_RUNC,
			     1000 * MS, 1);
		c.engine = CT_ENG_CRI;
		c.is_pod = !i;
		strcpy(c.k8s.pod_namespace, "shop");
		strcpy(c.k8s.pod_name, "web-7d9f");
		ct_agg_add(a, &c);
	}
	tf_container(&c, "d0c", "web", CT_RT_RUNC, 1000 * MS, 1);
	ct_agg_add(a, &c);
	p = scrape(a, &m, NULL);
	cr_expect_eq(prom_get(p, "coldtrace_containers_total",
			      "container_runtime=runc;engine=cri;"
			      "k8s_namespace=shop;k8s_pod=web-7d9f;"), 2);
	cr_expect_eq(prom_get(p, "coldtrace_containers_total",
			      RD "k8s_namespace=;k8s_pod=;"), 1);
	free(p);
	ct_agg_free(a);
}

/* Every loss field of the summary is a counter of the same name. */
Test(prom, loss_counters_are_the_summary_fields)
{
	static const char *const fields[] = {
		"lost_events", "lost_pull_records", "lost_why_threads",
		"lost_opens", "records_lost_containers",
		"dropped_containers", "dropped_processes",
		"expired_containers", "malformed_records",
		"unkeyed_containers", "restart_keys_forgotten",
		"chain_runners_dropped", "chains_not_kept",
	};
	struct fx_sink sink = { 0 };
	struct ct_tracker_opts o = { .on_container = fx_sink_cb,
				     .ctx = &sink, .max_containers = 2 };
	struct ct_tracker *t = ct_tracker_new(&o);
	struct ct_hdr bad = { .type = CT_EV_EXIT, .size = sizeof(bad) };
	struct ct_lost lost = { .hdr = { .type = CT_EV_LOST,
					 .size = sizeof(lost) },
				.pull_lost = 3, .why_lost = 4, .opens_lost = 5 };
	struct ct_agg *a = ct_agg_new();
	struct ct_meta m = { .version = "v", .kernel = "k",
			     .lost_events = 7, .tracker = t };
	char *buf = NULL, name[96], err[128];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct ct_fx fx;
	struct prom *p;
	struct tj *sum;
	uint64_t u;

	fx_init(&fx);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "shim%d", i);
		fx_exec(&fx, 100 + i, "/usr/bin/containerd-shim-runc-v2",
			"containerd-shim-runc-v2", "-namespace", "moby", "-id",
			name, "start");
	}
	cr_assert_eq(fx_feed(&fx, t), 0);
	fx_enter(t, &bad, sizeof(bad));
	ct_tracker_feed(t, &lost, sizeof(lost));
	ct_jsonl_write_summary(f, a, &m);
	fclose(f);
	sum = tj_parse(buf, len, err, sizeof(err));
	cr_assert_not_null(sum, "%s", err);
	p = scrape(a, &m, NULL);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		snprintf(name, sizeof(name), "coldtrace_%s_total", fields[i]);
		cr_assert(tj_u64(sum, fields[i], &u), "%s", fields[i]);
		cr_expect_eq(prom_get(p, name, ""), (double)u, "%s", name);
	}
	cr_expect_eq(prom_get(p, "coldtrace_dropped_containers_total", ""), 1);
	cr_expect_eq(prom_get(p, "coldtrace_malformed_records_total", ""), 1);
	cr_expect_eq(prom_get(p, "coldtrace_lost_events_total", ""), 7);
	/* each kind under its own name, none in lost_events */
	cr_expect_eq(prom_get(p, "coldtrace_lost_pull_records_total", ""), 3);
	cr_expect_eq(prom_get(p, "coldtrace_lost_why_threads_total", ""), 4);
	cr_expect_eq(prom_get(p, "coldtrace_lost_opens_total", ""), 5);
	/* the two followed shims run on: not in containers_total yet */
	cr_expect_eq(prom_get(p, "coldtrace_containers_pending", ""), 2);
	cr_assert(tj_u64(sum, "partial_running_containers", &u));
	cr_expect_eq(prom_get(p, "coldtrace_containers_partial_running", ""),
		     (double)u, "the gauge is the summary's field");
	free(p);
	tj_free(sum);
	free(buf);
	ct_agg_free(a);
	ct_tracker_free(t);
	fx_free(&fx);
}

/* Prometheus's own checker, when this host has it (install-deps.sh). */
Test(prom, promtool_check_metrics)
{
	struct ct_agg *a = fixture();
	struct ct_meta m = { .version = "v", .kernel = "6.1 \"x\"",
			     .prom_labels = CT_PROM_LABEL_ID |
					    CT_PROM_LABEL_NAME };
	char path[] = "/tmp/ct-prom-test-XXXXXX", cmd[128], *text;
	struct prom *p;
	FILE *f;
	int fd;

	cr_assert_eq(access("/usr/bin/promtool", X_OK), 0,
		     "no /usr/bin/promtool: tools/install-deps.sh installs it");
	add_cri_pod(a);
	p = scrape(a, &m, &text);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/promtool check metrics <%s >/dev/null 2>&1", path);
	cr_expect_eq(system(cmd), 0, "promtool check metrics refused:\n%s",
		     text);
	unlink(path);
	free(text);
	free(p);
	ct_agg_free(a);
}

/*
 * Image pulls: each recorded pull against its registry's layers (NAME.
 * layers.json, written when it was recorded): one pull, complete, its
 * layers and the sum of their sizes, its duration and time to first
 * byte as its pulls.jsonl record says; labelled by engine only.
 */
Test(prom, pull_families_against_the_registry, .init = cr_redirect_stdout)
{
	static const char *const names[] = { "docker-pull", "docker-pull.ctr" };

	for (size_t i = 0; i < 2; i++) {
		char dir[] = "/tmp/ct-prom-pull-XXXXXX", path[512], lb[64];
		char *text, *pl, err[128];
		struct ct_cli cli = { .output_dir = dir };
		struct ct_session s = { .cli = &cli };
		struct prom *p = malloc(sizeof(*p));
		struct tj *truth, *pull;
		uint64_t size, bytes = 0, dur, ttfb;
		const struct tj *layers;
		size_t len;

		cr_assert(p && mkdtemp(dir));
		snprintf(path, sizeof(path), "tests/fixtures/%s.ctrec",
			 names[i]);
		cli.replay_path = path;
		cr_assert_eq(ct_session_replay(&s), 0);
		ct_session_free(&s);
		snprintf(path, sizeof(path), "tests/fixtures/%s.layers.json",
			 names[i]);
		text = tj_slurp(path, &len);
		truth = tj_parse(text, len, err, sizeof(err));
		cr_assert_not_null(truth, "%s: %s", path, err);
		layers = tj_get(truth, "layers");
		for (size_t k = 0; k < layers->n; k++) {
			snprintf(path, sizeof(path), "layers.%zu.size", k);
			cr_assert(tj_u64(truth, path, &size));
			bytes += size;
		}
		snprintf(path, sizeof(path), "%s/pulls.jsonl", dir);
		pl = tj_slurp(path, &len);
		cr_assert_not_null(pl);
		/* its second line: the pull (a meta line first) */
		pull = tj_parse(strchr(pl, '\n') + 1,
				strlen(strchr(pl, '\n') + 1), err,
				sizeof(err));
		cr_assert_not_null(pull, "%s", err);
		cr_assert(tj_u64(pull, "dur_ns", &dur));
		cr_assert(tj_u64(pull, "ttfb_ns", &ttfb));
		snprintf(path, sizeof(path), "%s/metrics.prom", dir);
		free(text);
		text = tj_slurp(path, &len);
		prom_parse(text, p);
		prom_check(p);
		snprintf(lb, sizeof(lb), "engine=%s;", tj_str(truth, "engine"));
		cr_expect_eq(prom_get(p, "coldtrace_pulls_total", lb), 1);
		cr_expect_eq(prom_get(p, "coldtrace_pulls_complete_total", lb),
			     1);
		cr_expect_eq(prom_get(p, "coldtrace_pull_layers_total", lb),
			     layers->n);
		cr_expect_eq(prom_get(p, "coldtrace_pull_bytes_total", lb),
			     bytes, "%s: the registry's layer sizes",
			     names[i]);
		cr_expect_eq(prom_get(p, "coldtrace_pull_untraced_files_total",
				      lb), 0);
		cr_expect_eq(prom_get(p, "coldtrace_pull_manifest_unread_total",
				      lb), 0);
		cr_expect_eq(prom_get(p,
			"coldtrace_pull_duration_seconds_count", lb), 1);
		cr_expect_float_eq(prom_get(p,
			"coldtrace_pull_duration_seconds_sum", lb), dur / 1e9,
			1e-12);
		cr_expect_float_eq(prom_get(p,
			"coldtrace_pull_time_to_first_byte_seconds_sum", lb),
			ttfb / 1e9, 1e-12);
		cr_expect_eq(series(p, "coldtrace_pulls_total"), 1,
			     "only the engine that pulled");
		free(text);
		free(pl);
		tj_free(truth);
		tj_free(pull);
		free(p);
		snprintf(path, sizeof(path), "rm -rf %s", dir);
		cr_assert_eq(system(path), 0);
	}
}

/* A session that pulled nothing has no pull families, unless its scope
 * names the pulling engines: then they are at 0 from the first scrape. */
Test(prom, pull_families_only_when_pulled_or_named)
{
	struct ct_agg *a = fixture();
	struct ct_meta m = { .version = "v", .kernel = "k" };
	struct prom *p = scrape(a, &m, NULL);

	cr_expect_eq(typed(p, "coldtrace_pulls_total"), 0);
	free(p);
	m.engine_mask = 1u << CT_ENG_CONTAINERD | 1u << CT_ENG_PODMAN;
	p = scrape(a, &m, NULL);
	cr_expect_eq(prom_get(p, "coldtrace_pulls_total",
			      "engine=containerd;"), 0);
	cr_expect(!prom_has(p, "coldtrace_pulls_total", "engine=docker;"));
	cr_expect_eq(prom_get(p, "coldtrace_pulls_total", "engine=podman;"),
		     0, "podman pulls are followed");
	cr_expect_eq(prom_get(p, "coldtrace_pull_duration_seconds_count",
			      "engine=containerd;"), 0);
	free(p);
	ct_agg_free(a);
}

/* A container of (rt, docker) whose threads waited on FUSE. */
static void fuse_container(struct ct_container *c, const char *id,
			   enum ct_runtime rt, uint64_t before_ms,
			   uint64_t after_ms)
{
	tf_container(c, id, id, rt, 1000 * MS, 100);
	c->fuse = (struct ct_fuse_use){
		.valid = true, .has_ready = true, .requests = 10, .reads = 4,
		.read_bytes = 1000, .wait_ns = (before_ms + after_ms) * MS,
		.wait_before_ready_ns = before_ms * MS,
		.wait_after_ready_ns = after_ms * MS,
	};
}

/* A summary writer's text (malloc'd) and its length. */
static char *summary_of(const struct ct_agg *a, const struct ct_meta *m,
			void (*fn)(FILE *, const struct ct_agg *,
				   const struct ct_meta *), size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	cr_assert_not_null(f);
	fn(f, a, m);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

/*
 * The records' "fuse" summed per group, the same in one-shot and in
 * continuous mode (whose window keeps 2 of the 7 records), in /metrics
 * and in the summary: a container with dropped requests only in the
 * dropped count, one left out of the statistics (unarmed) in none, the
 * wait of one without a ready phase under no_ready.
 */
Test(prom, fuse_waits_per_group)
{
	struct ct_agg *a[2] = { ct_agg_new(), ct_agg_new_continuous(2) };
	struct ct_meta m = { .version = "v", .kernel = "k" };
	struct ct_container c[7];
	const char *W = "coldtrace_fuse_wait_seconds_total";
	char *buf, err[128], *text;
	size_t len;
	uint64_t u;

	fuse_container(&c[0], "f1", CT_RT_RUNC, 300, 50);
	fuse_container(&c[1], "f2", CT_RT_RUNC, 100, 0);
	fuse_container(&c[2], "f3", CT_RT_RUNC, 0, 0);
	c[2].fuse.has_ready = false;
	c[2].fuse.wait_ns = 70 * MS;
	fuse_container(&c[3], "f4", CT_RT_RUNC, 900, 900);
	c[3].fuse.dropped = 2;
	fuse_container(&c[4], "f5", CT_RT_RUNC, 900, 900);
	c[4].unarmed = true;
	tf_container(&c[5], "n1", "n1", CT_RT_RUNC, 1000 * MS, 100);
	tf_container(&c[6], "n2", "n2", CT_RT_CRUN, 1000 * MS, 100);
	/* fetched bytes: known, shared, unknown, of a dropped one */
	c[0].fuse.fetched_layers = 1;
	c[0].fuse.fetched_bytes = 1000000;
	c[0].fuse.fetched_by_ready_bytes = 600000;
	c[0].fuse.fetched_after_ready_bytes = 300000;
	c[1].fuse.fetched_layers = 1;
	c[1].fuse.fetched_bytes = 2000000;
	c[1].fuse.fetched_shared = true;
	c[2].fuse.fetched_unknown = 1;
	c[3].fuse.fetched_layers = 1;
	c[3].fuse.fetched_bytes = 5000000;
	for (int k = 0; k < 2; k++) {
		struct prom *p;
		struct tj *sum;

		for (int i = 0; i < 7; i++)
			cr_assert_eq(ct_agg_add(a[k], &c[i]), 0);
		p = scrape(a[k], &m, &text);
		cr_expect_eq(prom_get(p, "coldtrace_fuse_containers_total", RD),
			     3, "mode %d", k);
		cr_expect_eq(prom_get(p, "coldtrace_fuse_continued_containers_total",
				      RD), 1);
		cr_expect_eq(prom_get(p, "coldtrace_fuse_requests_total", RD), 30);
		cr_expect_eq(prom_get(p, "coldtrace_fuse_read_bytes_total", RD),
			     3000);
		cr_expect_eq(prom_get(p, "coldtrace_fuse_dropped_containers_total",
				      RD), 1);
		cr_expect_eq(prom_get(p, W, RD "when=before_ready;"), 0.4);
		cr_expect_eq(prom_get(p, W, RD "when=after_ready;"), 0.05);
		cr_expect_eq(prom_get(p, W, RD "when=no_ready;"), 0.07);
		cr_expect_eq(prom_get(p, "coldtrace_fuse_fetched_containers_total",
				      RD), 1);
		cr_expect_eq(prom_get(p, "coldtrace_fuse_fetched_bytes_total", RD),
			     1000000, "the known one's alone");
		cr_expect_eq(prom_get(p, "coldtrace_fuse_fetched_by_ready_bytes_total",
				      RD), 600000);
		cr_expect_eq(prom_get(p, "coldtrace_fuse_fetched_after_ready_bytes_total",
				      RD), 300000);
		cr_expect_eq(prom_get(p, "coldtrace_fuse_fetched_unknown_containers_total",
				      RD), 1);
		cr_expect_eq(prom_get(p, "coldtrace_fuse_fetched_shared_containers_total",
				      RD), 1);
		/* a group without FUSE: its series at 0 */
		cr_expect_eq(prom_get(p, "coldtrace_fuse_containers_total",
				      "container_runtime=crun;engine=docker;"), 0);
		cr_expect_eq(prom_get(p, W, "container_runtime=crun;engine=docker;"
					    "when=after_ready;"), 0);
		free(p);
		free(text);

		buf = summary_of(a[k], &m, ct_jsonl_write_summary, &len);
		sum = tj_parse(buf, len, err, sizeof(err));
		cr_assert_not_null(sum, "%s", err);
		cr_assert(tj_u64(sum, "runtimes.runc.fuse.containers", &u));
		cr_expect_eq(u, 3);
		cr_assert(tj_u64(sum, "runtimes.runc.fuse.wait_after_ready_ns",
				 &u));
		cr_expect_eq(u, 50 * MS);
		cr_assert(tj_u64(sum, "runtimes.runc.fuse.dropped_containers",
				 &u));
		cr_expect_eq(u, 1);
		cr_assert(tj_u64(sum, "runtimes.runc.fuse.fetched_bytes", &u));
		cr_expect_eq(u, 1000000);
		cr_assert(tj_u64(sum, "runtimes.runc.fuse.fetched_shared_containers",
				 &u));
		cr_expect_eq(u, 1);
		cr_expect(!tj_get(sum, "runtimes.crun.fuse"),
			  "no FUSE request: no key");
		tj_free(sum);
		free(buf);

		buf = summary_of(a[k], &m, ct_output_summary, &len);
		cr_expect(strstr(buf, "FUSE runc: 3 containers waited 400.0 ms "
				      "before ready, 50.0 ms after it (1 still "
				      "waiting after ready), 70.0 ms without a "
				      "ready phase; 0.0 MB read; 1.0 MB fetched "
				      "(0.6 MB by ready, 0.3 MB after) for 1 "
				      "container; "
				      "fetched bytes unknown for 1, shared by 1 "
				      "(left out); 1 more with FUSE requests "
				      "dropped (left out)\n"),
			  "%s", buf);
		cr_expect(!strstr(buf, "FUSE crun"), "%s", buf);
		free(buf);
		ct_agg_free(a[k]);
	}
}
