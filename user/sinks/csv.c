// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* -o DIR/phases.csv: see csv.h. */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include "csv.h"

static bool csv_needs_quotes(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == ',' || c == '"' || c < 0x20 || c >= 0x7f)
			return true;
	}
	return n && (s[0] == ' ' || s[n - 1] == ' ');
}

/*
 * RFC 4180 text is printable: CR and LF may stand inside quotes, other
 * control bytes and invalid UTF-8 become U+FFFD, as in the JSON.
 */
static void csv_field(FILE *f, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = s ? strnlen(s, max) : 0, i = 0, sl;
	bool q = csv_needs_quotes((const char *)p, n);

	if (q)
		fputc('"', f);
	while (i < n) {
		sl = ct_utf8_seq_len(p + i, n - i);
		if (sl == 1 && p[i] == '"')
			fputs("\"\"", f);
		else if (sl == 0 || (sl == 1 && ((p[i] < 0x20 && p[i] != '\r' &&
						  p[i] != '\n') || p[i] == 0x7f)))
			fputs("\xef\xbf\xbd", f);
		else
			fwrite(p + i, 1, sl, f);
		i += sl ? sl : 1;
	}
	if (q)
		fputc('"', f);
}

static const char *const split_cols[] = { "cpu", "runq", "io", "sleep" };

/* --why: are there splits to write (then every row gets the columns)? */
static bool any_split(const struct ct_agg *a)
{
	for (size_t i = 0; i < ct_agg_count(a); i++)
		for (int p = 0; p < CT_PH_MAX; p++)
			if (ct_agg_get(a, i)->split[p].valid)
				return true;
	return false;
}

static void csv_header(FILE *f, bool why)
{
	int p;

	fputs("id,name,runtime,engine,type,pod,image,k8s_namespace,k8s_pod,"
	      "k8s_pod_uid,k8s_container,complete,exit_code,total_us,"
	      "cold_start_us", f);
	for (p = 0; p < CT_PH_MAX; p++)
		fprintf(f, ",%s_us", ct_phase_name(p));
	for (p = 0; why && p < CT_PH_MAX; p++)
		for (size_t k = 0; k < 4; k++)
			fprintf(f, ",%s_%s_us", ct_phase_name(p), split_cols[k]);
	fputs(",client_pid,client_comm,version,kernel\r\n", f);
}

static void csv_split(FILE *f, const struct ct_container *c)
{
	for (int p = 0; p < CT_PH_MAX; p++) {
		const struct ct_split *x = &c->split[p];
		const uint64_t v[4] = { x->cpu_ns, x->runq_ns, x->io_ns,
					x->sleep_ns };

		for (size_t k = 0; k < 4; k++) {
			fputc(',', f);
			if (x->valid)
				ct_fprint_decimal(f, v[k], 3);
		}
	}
}

/* ",image,namespace,pod,uid,container": empty when not known. */
static void csv_ident(FILE *f, const struct ct_container *c)
{
	const char *v[] = { c->image, c->k8s.pod_namespace, c->k8s.pod_name,
			    c->k8s.pod_uid, c->k8s.container_name };
	const size_t n[] = { sizeof(c->image), sizeof(c->k8s.pod_namespace),
			     sizeof(c->k8s.pod_name), sizeof(c->k8s.pod_uid),
			     sizeof(c->k8s.container_name) };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		fputc(',', f);
		csv_field(f, v[i], n[i]);
	}
}

static void csv_row(FILE *f, const struct ct_container *c,
		    const struct ct_meta *m, bool why)
{
	uint64_t v;
	int p;

	csv_field(f, c->id, sizeof(c->id));
	fputc(',', f);
	csv_field(f, c->name, sizeof(c->name));
	fprintf(f, ",%s,%s,%s,", ct_runtime_name(c->runtime),
		ct_engine_name(c->engine), c->is_pod ? "pod" : "container");
	csv_field(f, c->pod, sizeof(c->pod));
	csv_ident(f, c);
	fprintf(f, ",%s,", c->complete ? "true" : "false");
	if (c->has_exit_code)
		fprintf(f, "%d", c->exit_code);
	fputc(',', f);
	ct_fprint_decimal(f, ct_total_ns(c), 3);
	fputc(',', f);
	if (ct_agg_sample(c, CT_AGG_COLD, &v))
		ct_fprint_decimal(f, v, 3);
	for (p = 0; p < CT_PH_MAX; p++) {
		fputc(',', f);
		if (ct_agg_sample(c, p, &v))
			ct_fprint_decimal(f, v, 3);
	}
	if (why)
		csv_split(f, c);
	fputc(',', f);
	if (c->has_client)	/* who asked for it (client.h); else empty */
		fprintf(f, "%u", c->client.pid);
	fputc(',', f);
	if (c->has_client)
		csv_field(f, c->client.comm, sizeof(c->client.comm));
	fputc(',', f);
	csv_field(f, m->version, SIZE_MAX);
	fputc(',', f);
	csv_field(f, m->kernel, SIZE_MAX);
	fputs("\r\n", f);
}

int ct_csv_write(FILE *f, const struct ct_agg *agg, const struct ct_meta *meta)
{
	size_t i, n = ct_agg_count(agg);
	bool why = any_split(agg);

	csv_header(f, why);
	for (i = 0; i < n; i++)
		csv_row(f, ct_agg_get(agg, i), meta, why);
	return 0;
}
