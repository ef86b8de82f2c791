// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A session's outputs, a row each: see outputs.h. */
#include <errno.h>
#include <string.h>

#include "export.h"
#include "httpd.h"
#include "otlp_push.h"
#include "outputs.h"
#include "report.h"
#include "session.h"
#include "version.h"

/* ---- metrics: --listen's /metrics, served from the live loop ---- */

static bool metrics_wanted(const struct ct_cli *cli)
{
	return cli->listen;
}

static void metrics_poll(struct ct_sink_out *o, uint64_t now_mono_ns)
{
	httpd_poll(o->priv, now_mono_ns);
}

/* The end: the others' ends must not change what a scrape would get. */
static void metrics_end(struct ct_sink_out *o, const struct ct_agg *agg,
			const struct ct_meta *m)
{
	(void)agg;
	(void)m;
	httpd_close(o->priv);
	o->priv = NULL;
}

static const struct ct_sink metrics_sink = {
	.poll = metrics_poll,
	.end = metrics_end,
};

static int metrics_open(struct ct_session *s, struct ct_session_sink *k)
{
	const char *addr = s->cli->listen;
	struct httpd *h;
	int err = httpd_open(&h, addr, ct_session_serve, s);

	if (err) {
		ct_report_err("--listen %s: %s", addr, err == -EINVAL ?
			      "expected ADDR:PORT" : strerror(-err));
		return err;
	}
	k->sink = &metrics_sink;
	k->out.priv = h;
	return 0;
}

static void metrics_close(struct ct_session *s, struct ct_session_sink *k)
{
	(void)s;
	httpd_close(k->out.priv);
	k->out.priv = NULL;
}

/* ---- otlp: --otlp's sender ---- */

static bool otlp_wanted(const struct ct_cli *cli)
{
	return cli->otlp_url;
}

/*
 * Its requests' resource is the session's host as it is known when each
 * record is encoded (CT_EV_HOST comes early).
 */
static int otlp_open(struct ct_session *s, struct ct_session_sink *k)
{
	struct ct_otlp_push_opts o = {
		.url = s->cli->otlp_url,
		.res = {
			.version = COLDTRACE_VERSION,
			.kernel = s->kernel,
			.host_name = s->host.host_name,
			.host_id = s->host.host_id,
			.node_name = s->host.node_name,
		},
	};
	char err[CT_REPORT_ERRLEN];
	struct ct_otlp_push *p;
	int ret = ct_otlp_push_new(&p, &o, err, sizeof(err));

	if (ret) {
		ct_report_err("%s", err);
		return ret;
	}
	k->sink = &ct_sink_otlp;
	k->out.priv = p;
	return 0;
}

static void otlp_close(struct ct_session *s, struct ct_session_sink *k)
{
	(void)s;
	ct_otlp_push_free(k->out.priv);
	k->out.priv = NULL;
}

/* ---- stdout: the mode's ---- */

static bool stdout_wanted(const struct ct_cli *cli)
{
	(void)cli;
	return true;
}

static int stdout_open(struct ct_session *s, struct ct_session_sink *k)
{
	const struct ct_cli *cli = s->cli;

	k->sink = ct_sink_pick(cli->json, cli->dump);
	k->out = (struct ct_sink_out){
		.f = stdout,
		.wall = cli->timestamps,
		.why = cli->why,
		.paths = cli->paths,
	};
	return 0;
}

/* ---- dir: -o DIR's files ---- */

static bool dir_wanted(const struct ct_cli *cli)
{
	return cli->output_dir;
}

/* Every file, or none changed: said.  0 or -1. */
static int dir_write(const struct ct_sink_out *o, const struct ct_agg *agg,
		     const struct ct_meta *m)
{
	const struct ct_session *s = o->session;
	const char *dir = s->cli->output_dir;
	char err[CT_REPORT_ERRLEN];

	if (ct_export_dir(dir, agg, m, err, sizeof(err))) {
		ct_report_err("%s (no file in %s was changed)", err, dir);
		return -1;
	}
	return 0;
}

/* A period's rewrite that failed leaves the last files; the next may
 * succeed: only the end's decides the status. */
static void dir_refresh(struct ct_sink_out *o, const struct ct_agg *agg,
			const struct ct_meta *m)
{
	dir_write(o, agg, m);
}

static void dir_end(struct ct_sink_out *o, const struct ct_agg *agg,
		    const struct ct_meta *m)
{
	const struct ct_session *s = o->session;

	o->failed = dir_write(o, agg, m) != 0;
	if (!o->failed)
		ct_report_info("files written to %s", s->cli->output_dir);
}

static const struct ct_sink dir_sink = {
	.refresh = dir_refresh,
	.end = dir_end,
};

static int dir_open(struct ct_session *s, struct ct_session_sink *k)
{
	(void)s;
	k->sink = &dir_sink;
	return 0;
}

/* ---- the table ---- */

const struct ct_output ct_outputs[CT_OUTPUTS] = {
	[CT_OUT_METRICS] = { "metrics", metrics_wanted, metrics_open,
			     metrics_close },
	[CT_OUT_OTLP] = { "otlp", otlp_wanted, otlp_open, otlp_close },
	[CT_OUT_STDOUT] = { "stdout", stdout_wanted, stdout_open, NULL },
	[CT_OUT_DIR] = { "dir", dir_wanted, dir_open, NULL },
};

/* Its sink's place, and its report's, in the session: what it opened. */
static void opened(struct ct_session *s, struct ct_session_sink *k)
{
	k->out.session = s;
	s->nsinks++;
	if (!k->sink->report)
		return;
	s->reports[s->nreports++] = (struct ct_meta_report){
		.ops = k->sink->report,
		.priv = k->out.priv,
	};
}

int ct_outputs_open(struct ct_session *s)
{
	struct ct_session_sink *k;
	int ret;

	for (size_t i = 0; i < CT_OUTPUTS; i++) {
		if (!ct_outputs[i].wanted(s->cli))
			continue;
		k = &s->sinks[s->nsinks];
		*k = (struct ct_session_sink){ .row = &ct_outputs[i] };
		ret = ct_outputs[i].open(s, k);
		if (ret)
			return ret;
		opened(s, k);
	}
	return 0;
}

void ct_outputs_close(struct ct_session *s)
{
	struct ct_session_sink *k;

	s->nreports = 0;
	while (s->nsinks) {
		k = &s->sinks[--s->nsinks];
		if (k->row->close)
			k->row->close(s, k);
	}
}
