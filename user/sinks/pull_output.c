// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Image pull JSON, table and timeline: see pull_output.h. */
#include <string.h>
#include "pull_output.h"

/* ---- JSON ---- */

static void json_span(struct ct_json *w, const char *key, uint64_t start,
		      uint64_t dur)
{
	ct_json_key(w, key);
	if (!start) {
		ct_json_null(w);
		return;
	}
	ct_json_start_object(w);
	ct_json_kv_u64(w, "start_ns", start);
	ct_json_kv_u64(w, "dur_ns", dur);
	ct_json_end_object(w);
}

/* A string that may be unknown: null rather than "". */
static void json_str_or_null(struct ct_json *w, const char *key,
			     const char *s, size_t max)
{
	ct_json_key(w, key);
	if (s[0])
		ct_json_string_n(w, s, max);
	else
		ct_json_null(w);
}

/* A size that may be unknown (0): null. */
static void json_u64_or_null(struct ct_json *w, const char *key, uint64_t v)
{
	ct_json_key(w, key);
	if (v)
		ct_json_u64(w, v);
	else
		ct_json_null(w);
}

static uint64_t total_bytes(const struct ct_pull *p);

/* Bytes a second over ns, null if either is 0 or the rate is past any
 * u64 (a damaged recording's bytes over a nanosecond). */
static void json_rate(struct ct_json *w, const char *key, uint64_t bytes,
		      uint64_t ns)
{
	double r = ns ? (double)bytes * 1e9 / (double)ns : 0;

	ct_json_key(w, key);
	if (bytes && ns && r < 18446744073709551615.0)
		ct_json_u64(w, (uint64_t)r);
	else
		ct_json_null(w);
}

static void json_layer(struct ct_json *w, const struct ct_pull *p,
		       const struct ct_pull_layer *l)
{
	ct_json_start_object(w);
	json_str_or_null(w, "digest", l->digest, sizeof(l->digest));
	ct_json_kv_u64(w, "bytes", l->bytes);
	ct_json_kv_bool(w, "cached", l->cached);
	ct_json_kv_bool(w, "untraced", l->untraced);
	json_rate(w, "fetch_bytes_per_s", l->bytes, l->fetch_dur_ns);
	/* the store's, only for a pull whose image it named */
	if (p->manifest_src) {
		json_u64_or_null(w, "size", l->size);
		json_u64_or_null(w, "unpacked_size", l->unpacked);
		json_str_or_null(w, "fetched_by", l->fetched_by,
				 sizeof(l->fetched_by));
	}
	json_span(w, "fetch", l->fetch_start_ns, l->fetch_dur_ns);
	json_span(w, "unpack", l->unpack_start_ns, l->unpack_dur_ns);
	ct_json_end_object(w);
}

/*
 * The pull's fetched bytes over the time a layer was fetching (its
 * throughput from its registry, fetched bytes only), and what held it
 * up: "fetch" if it spent more time fetching than unpacking with no
 * fetch running, else "unpack"; the time before its first fetch apart.
 */
static void json_throughput(struct ct_json *w, const struct ct_pull *p)
{
	ct_json_key(w, "critical");
	ct_json_start_object(w);
	ct_json_kv_u64(w, "before_fetch_ns", p->before_fetch_ns);
	ct_json_kv_u64(w, "fetch_ns", p->fetch_busy_ns);
	ct_json_kv_u64(w, "unpack_only_ns", p->unpack_only_ns);
	ct_json_kv_string(w, "by", p->unpack_only_ns > p->fetch_busy_ns ?
				   "unpack" : "fetch");
	json_rate(w, "fetch_bytes_per_s", total_bytes(p), p->fetch_busy_ns);
	ct_json_end_object(w);
}

/* A count or size that is not known (listed false): null, never 0. */
static void json_listed(struct ct_json *w, const char *key, bool listed,
			uint64_t v)
{
	ct_json_key(w, key);
	if (listed)
		ct_json_u64(w, v);
	else
		ct_json_null(w);
}

/*
 * What the daemon's store said of the image: its manifest, where its
 * layers were read, and the pull's fetched and cached layers and bytes
 * (compressed: a layer's size as the manifest gives it, else the bytes
 * fetched; sizes unknown count 0, and known_sizes says so).  A manifest
 * that could not be read ("unread": true, absent otherwise) lists no
 * layer: what the image has and what was cached is unknown (null), what
 * was fetched is what its blob files say.
 */
static void json_manifest(struct ct_json *w, const struct ct_pull *p)
{
	uint64_t fetched = 0, cached = 0, shared = 0, bf = 0, bc = 0;
	bool known = p->manifest_src == CT_PULL_M_CONTENT;
	bool listed = p->manifest_src != CT_PULL_M_UNREAD;

	for (size_t i = 0; i < p->nlayers; i++) {
		const struct ct_pull_layer *l = &p->layers[i];

		if (l->cached) {
			cached++;
			bc += l->size;
		} else if (l->fetched_by[0]) {
			shared++;
		} else {
			fetched++;
			bf += l->bytes;
		}
	}
	ct_json_key(w, "manifest");
	ct_json_start_object(w);
	json_str_or_null(w, "digest", p->manifest, sizeof(p->manifest));
	if (!listed)
		ct_json_kv_bool(w, "unread", true);
	json_str_or_null(w, "layers_from",
			 !listed ? "" : known ? "manifest" : "image config", 16);
	json_listed(w, "layers", listed, p->layers_total);
	ct_json_kv_u64(w, "fetched", fetched);
	ct_json_kv_u64(w, "fetched_by_other", shared);
	json_listed(w, "cached", listed, cached);
	ct_json_kv_u64(w, "fetched_bytes", bf);
	json_listed(w, "cached_bytes", known, bc);
	ct_json_end_object(w);
}

void ct_json_pull(struct ct_json *w, const struct ct_pull *p)
{
	ct_json_start_object(w);
	ct_json_kv_string(w, "type", "pull");
	json_str_or_null(w, "image", p->image, sizeof(p->image));
	ct_json_kv_string(w, "engine", p->engine ? p->engine : "unknown");
	ct_json_kv_bool(w, "complete", p->complete);
	ct_json_kv_u64(w, "start_ns", p->start_ns);
	ct_json_kv_u64(w, "dur_ns", p->dur_ns);
	ct_json_key(w, "concurrency");
	ct_json_start_object(w);
	ct_json_kv_u64(w, "max", p->conc_max);
	ct_json_kv_double(w, "mean", p->conc_mean);
	ct_json_end_object(w);
	ct_json_kv_u64(w, "ttfb_ns", p->ttfb_ns);
	json_throughput(w, p);
	ct_json_kv_u64(w, "untraced_files", p->untraced_files);
	if (p->manifest_src)
		json_manifest(w, p);
	if (p->traced_from_ns)
		ct_json_kv_u64(w, "traced_from_ns", p->traced_from_ns);
	if (p->records_lost)	/* absent unless the pull ring lost some */
		ct_json_kv_bool(w, "records_lost", true);
	ct_json_key(w, "layers");
	ct_json_start_array(w);
	for (size_t i = 0; i < p->nlayers; i++)
		json_layer(w, p, &p->layers[i]);
	ct_json_end_array(w);
	ct_json_end_object(w);
}

/* ---- table and timeline ---- */

/* The table is for people: make every untrusted byte printable. */
static void put_printable(FILE *f, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char ch = s[i];

		fputc(ch >= 0x20 && ch < 0x7f ? ch : '?', f);
	}
}

static int cell_of(uint64_t t, uint64_t t0, uint64_t span, int width)
{
	double x;

	if (t <= t0 || !span)
		return 0;
	x = (double)(t - t0) * width / (double)span;
	return x >= width ? width - 1 : (int)x;
}

static void fill(char *buf, int width, uint64_t start, uint64_t dur,
		 uint64_t t0, uint64_t span, char ch)
{
	int a, b;

	if (!start)
		return;
	a = cell_of(start, t0, span, width);
	b = cell_of(start + dur, t0, span, width);
	for (int i = a; i <= b; i++)
		buf[i] = ch;
}

void ct_pull_bar(char *buf, int width, const struct ct_pull_layer *l,
		 uint64_t t0, uint64_t span)
{
	memset(buf, '.', width);
	buf[width] = '\0';
	if (width <= 0)
		return;
	fill(buf, width, l->fetch_start_ns, l->fetch_dur_ns, t0, span, '=');
	fill(buf, width, l->unpack_start_ns, l->unpack_dur_ns, t0, span, '#');
}

static uint64_t total_bytes(const struct ct_pull *p)
{
	uint64_t b = 0;

	for (size_t i = 0; i < p->nlayers; i++)
		b += p->layers[i].bytes;
	return b;
}

static double rel_ms(uint64_t t, uint64_t t0)
{
	return t > t0 ? (t - t0) / 1e6 : 0;
}

static void print_layer(FILE *f, const struct ct_pull *p, size_t i)
{
	const struct ct_pull_layer *l = &p->layers[i];
	char bar[CT_PULL_BAR + 1];
	/* "sha256:" + 12 hex, like docker's short ids */
	const char *d = l->digest[0] ? l->digest : "?";

	ct_pull_bar(bar, CT_PULL_BAR, l, p->start_ns, p->dur_ns);
	fprintf(f, "  %2zu ", i + 1);
	put_printable(f, d, 19);
	fprintf(f, "%*s %8.2f %8.1f %8.1f %8.1f %8.1f |%s|",
		(int)(19 - strnlen(d, 19)), "", l->bytes / 1048576.0,
		rel_ms(l->fetch_start_ns, p->start_ns), l->fetch_dur_ns / 1e6,
		rel_ms(l->unpack_start_ns, p->start_ns),
		l->unpack_dur_ns / 1e6, bar);
	if (l->cached)
		fputs(" cached", f);
	if (l->fetched_by[0]) {
		fputs(" fetched by ", f);
		put_printable(f, l->fetched_by, sizeof(l->fetched_by));
	}
	fputc('\n', f);
}

/* A pull whose image the daemon's store named: what it fetched of it. */
static void print_listed(FILE *f, const struct ct_pull *p)
{
	size_t fetched = 0, shared = 0, cached = 0;
	uint64_t bc = 0;

	if (p->manifest_src == CT_PULL_M_UNREAD) {
		fprintf(f, "  its manifest could not be read: %zu blobs "
			"fetched, the image's layers and those cached "
			"unknown\n", p->nlayers);
		return;
	}
	for (size_t i = 0; i < p->nlayers; i++) {
		cached += p->layers[i].cached;
		bc += p->layers[i].cached ? p->layers[i].size : 0;
		shared += !!p->layers[i].fetched_by[0];
	}
	fetched = p->nlayers - cached - shared;
	fprintf(f, "  %zu of %zu layers fetched, %zu fetched by another pull "
		"at once, %zu cached", fetched, p->layers_total, shared, cached);
	if (p->manifest_src == CT_PULL_M_CONTENT)
		fprintf(f, " (%.2f MB compressed)", bc / 1048576.0);
	if (p->layers_total > p->nlayers)
		fprintf(f, "; %zu more not listed", p->layers_total - p->nlayers);
	fputc('\n', f);
}

void ct_pull_print(FILE *f, const struct ct_pull *p)
{
	fputs("pull ", f);
	put_printable(f, p->image[0] ? p->image : "(image unknown)",
		      sizeof(p->image));
	fprintf(f, " [%s]%s: %.1f ms, %zu layers, %.2f MB, ttfb %.1f ms, "
		"concurrency max %u mean %.2f\n",
		p->engine ? p->engine : "?", p->complete ? "" : " (incomplete)",
		p->dur_ns / 1e6, p->nlayers, total_bytes(p) / 1048576.0,
		p->ttfb_ns / 1e6, p->conc_max, p->conc_mean);
	if (p->traced_from_ns)
		fprintf(f, "  hooks attached %.1f ms after its start (its "
			"registry connect): a blob file opened before is not "
			"here\n", rel_ms(p->traced_from_ns, p->start_ns));
	if (p->records_lost)
		fprintf(f, "  records lost by the pull ring buffer meanwhile: "
			"layers, bytes or its end may be missing\n");
	if (p->untraced_files)
		fprintf(f, "  %zu blob files not followed whole (the pull "
			"hooks were off): their bytes are missing\n",
			p->untraced_files);
	if (p->manifest_src)
		print_listed(f, p);
	fprintf(f, "  %2s %-19s %8s %8s %8s %8s %8s  %s\n", "#", "DIGEST", "MB",
		"FETCH@ms", "FETCHms", "UNPK@ms", "UNPKms",
		"timeline (= fetch, # unpack)");
	for (size_t i = 0; i < p->nlayers; i++)
		print_layer(f, p, i);
}

void ct_pull_print_all(FILE *f, const struct ct_pulls *e)
{
	for (size_t i = 0; i < ct_pulls_count(e); i++) {
		fputc('\n', f);
		ct_pull_print(f, ct_pulls_get(e, i));
	}
}

/* ---- --dump ---- */

static void dump_ts(FILE *f, const struct ct_hdr *h, const char *what,
		    int64_t m2r)
{
	/*
	 * Unsigned, as dump.c's other records: a recorded ts_ns plus
	 * mono_to_real may overflow int64_t (undefined); modulo 2^64 it is
	 * defined, exact for any real wall time, and never prints a negative
	 * fraction.
	 */
	uint64_t t = h->ts_ns + (uint64_t)m2r;

	fprintf(f, "%llu.%09llu %-6s pid=%u tid=%u comm=\"",
		(unsigned long long)(t / 1000000000),
		(unsigned long long)(t % 1000000000), what, h->pid, h->tid);
	put_printable(f, h->comm, sizeof(h->comm));
	fputc('"', f);
}

/* Offset of t from base in ms, 0 if t is unset. */
static double since_ms(uint64_t t, uint64_t base)
{
	return t ? ((double)t - (double)base) / 1e6 : 0;
}

static void dump_blob(FILE *f, const struct ct_pull_blob *b)
{
	fprintf(f, " kind=%u fd=%d open=%+.3fms write=%+.3f..%+.3fms "
		"read=%+.3f..%+.3fms written=%llu read=%llu writes=%u "
		"reads=%u path=\"", b->kind, b->fd,
		since_ms(b->open_ns, b->hdr.ts_ns),
		since_ms(b->first_write_ns, b->hdr.ts_ns),
		since_ms(b->last_write_ns, b->hdr.ts_ns),
		since_ms(b->first_read_ns, b->hdr.ts_ns),
		since_ms(b->last_read_ns, b->hdr.ts_ns),
		(unsigned long long)b->bytes_written,
		(unsigned long long)b->bytes_read, b->writes, b->reads);
	put_printable(f, b->path, sizeof(b->path));
	fputs("\"\n", f);
}

bool ct_pull_dump(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_hdr *h = rec;

	if (len < sizeof(*h) || h->size > len)
		return false;
	if ((h->type == CT_EV_PULL_BLOB || h->type == CT_EV_PULL_UNTRACED) &&
	    h->size == sizeof(struct ct_pull_blob)) {
		dump_ts(f, h, h->type == CT_EV_PULL_BLOB ? "BLOB" : "UNTRACED",
			m2r);
		dump_blob(f, rec);
	} else if (h->type == CT_EV_PULL_RENAME &&
		   h->size == sizeof(struct ct_pull_rename)) {
		const struct ct_pull_rename *r = rec;

		dump_ts(f, h, "RENAME", m2r);
		fprintf(f, " kind=%u from=\"", r->kind);
		put_printable(f, r->oldpath, sizeof(r->oldpath));
		fputs("\" to=\"", f);
		put_printable(f, r->newpath, sizeof(r->newpath));
		fputs("\"\n", f);
	} else if (h->type == CT_EV_PULL_CONNECT &&
		   h->size == sizeof(struct ct_pull_connect)) {
		const struct ct_pull_connect *c = rec;

		dump_ts(f, h, "CONN", m2r);
		fprintf(f, " family=%u port=%u\n", c->family, c->port);
	} else {
		return false;
	}
	return true;
}
