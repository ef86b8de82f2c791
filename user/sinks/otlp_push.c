// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --otlp's sender: see otlp_push.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include "otlp_http.h"
#include "otlp_push.h"
#include "otlp_url.h"
#include "pb.h"
#include "util.h"

/* One record's request, queued. */
struct item {
	struct item *next;
	size_t len;
	uint64_t spans;
	uint8_t body[];
};

/* What one request carries: the items' requests, one after another. */
struct batch {
	struct item *items;
	const uint8_t *body;
	size_t len;
	uint64_t spans;
};

struct ct_otlp_push {
	struct ct_otlp_url url;
	char endpoint[sizeof(((struct ct_otlp_url *)0)->authority) +
		      sizeof(((struct ct_otlp_url *)0)->target) + 8];
	struct ct_otlp_res res;
	struct ct_pb pb;		/* the tracing thread's encoding */
	size_t max_records;
	size_t max_bytes;
	/* the sending thread's */
	struct ct_otlp_conn conn;
	uint8_t *batch_buf;		/* CT_OTLP_BATCH_BYTES */
	unsigned int seed;		/* the backoff's jitter */
	int abort_fd;			/* written: give the I/O up */
	pthread_t thread;
	bool synced;			/* mu and cv made */
	bool running;			/* started, not joined */
	bool flushed;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* queued, idle, stop, deadline */
	/* under mu */
	struct item *head, *tail;
	size_t records;
	size_t bytes;
	bool busy;			/* a batch in flight */
	bool stop;
	uint64_t deadline_ns;		/* flushing until then; 0: not */
	struct ct_otlp_stats st;
};

static const char *const drop_names[CT_OTLP_DROPS] = {
	[CT_OTLP_DROP_QUEUE_FULL] = "queue_full",
	[CT_OTLP_DROP_RETRIES] = "retries_exhausted",
	[CT_OTLP_DROP_REJECTED] = "rejected",
	[CT_OTLP_DROP_SHUTDOWN] = "shutdown",
};

const char *ct_otlp_drop_name(enum ct_otlp_drop d)
{
	return (unsigned int)d < CT_OTLP_DROPS ? drop_names[d] : "?";
}

uint64_t ct_otlp_backoff_ns(unsigned int n, uint64_t retry_after_ns,
			    uint32_t rnd)
{
	uint64_t base, wait;

	if (!n || n > CT_OTLP_RETRIES)
		return 0;
	base = CT_OTLP_BACKOFF_NS << (n - 1);
	if (base > CT_OTLP_BACKOFF_MAX_NS)
		base = CT_OTLP_BACKOFF_MAX_NS;
	wait = base - base / 4 + rnd % (base / 2 + 1);
	if (retry_after_ns > wait)
		wait = retry_after_ns < CT_OTLP_RETRY_AFTER_MAX_NS ?
		       retry_after_ns : CT_OTLP_RETRY_AFTER_MAX_NS;
	return wait;
}

/* ---- accounting, under mu ---- */

static void lock(const struct ct_otlp_push *p)
{
	pthread_mutex_lock((pthread_mutex_t *)&p->mu);
}

static void unlock(const struct ct_otlp_push *p)
{
	pthread_mutex_unlock((pthread_mutex_t *)&p->mu);
}

static void set_error(struct ct_otlp_push *p, const char *why)
{
	if (why && why[0])
		snprintf(p->st.last_error, sizeof(p->st.last_error), "%s", why);
}

/* The batch is over: its spans leave the queue's count for drop's. */
static void account(struct ct_otlp_push *p, const struct batch *b,
		    enum ct_otlp_drop drop, const struct ct_otlp_answer *a)
{
	lock(p);
	p->st.queued -= b->spans;
	p->st.dropped[drop] += b->spans;
	set_error(p, a->why);
	unlock(p);
}

/* Taken, but for what a partial success says was rejected. */
static void account_sent(struct ct_otlp_push *p, const struct batch *b,
			 const struct ct_otlp_answer *a)
{
	uint64_t rej = a->rejected < b->spans ? a->rejected : b->spans;

	lock(p);
	p->st.queued -= b->spans;
	p->st.sent += b->spans - rej;
	p->st.dropped[CT_OTLP_DROP_REJECTED] += rej;
	p->st.requests++;
	set_error(p, a->why);
	unlock(p);
}

/* ---- the tracing thread's side ---- */

void ct_otlp_push_record(struct ct_otlp_push *p, const struct ct_otlp_rec *r)
{
	struct item *it = NULL;
	size_t spans = 0;
	bool room;

	if (!ct_otlp_pb(&p->pb, &p->res, r, &spans) && spans)
		it = malloc(sizeof(*it) + p->pb.len);
	if (!spans)
		return;		/* nothing to say: no phase ended */
	lock(p);
	room = it && !p->stop && p->records < p->max_records &&
	       p->bytes + p->pb.len <= p->max_bytes;
	if (!room) {
		p->st.dropped[p->stop ? CT_OTLP_DROP_SHUTDOWN :
			      CT_OTLP_DROP_QUEUE_FULL] += spans;
		unlock(p);
		free(it);
		return;
	}
	*it = (struct item){ .len = p->pb.len, .spans = spans };
	memcpy(it->body, p->pb.buf, it->len);
	if (p->tail)
		p->tail->next = it;
	else
		p->head = it;
	p->tail = it;
	p->records++;
	p->bytes += it->len;
	p->st.queued += spans;
	pthread_cond_broadcast(&p->cv);
	unlock(p);
}

/* ---- the sending thread ---- */

static void free_items(struct item *it)
{
	while (it) {
		struct item *next = it->next;

		free(it);
		it = next;
	}
}

/*
 * Under mu: what is queued, up to CT_OTLP_BATCH_BYTES (one item at
 * least), taken out of the queue; false once stopped.
 */
static bool take(struct ct_otlp_push *p, struct batch *b)
{
	struct item **end = &p->head;

	while (!p->head && !p->stop)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->stop)
		return false;
	*b = (struct batch){ .items = p->head };
	while (*end && (!b->len ||
			b->len + (*end)->len <= CT_OTLP_BATCH_BYTES)) {
		b->len += (*end)->len;
		b->spans += (*end)->spans;
		p->records--;
		p->bytes -= (*end)->len;
		end = &(*end)->next;
	}
	p->head = *end;
	if (!p->head)
		p->tail = NULL;
	*end = NULL;
	p->busy = true;
	return true;
}

/* One item goes as it is, several one after another: protobuf merges
 * them into one request of their ResourceSpans. */
static void batch_body(struct ct_otlp_push *p, struct batch *b)
{
	size_t at = 0;

	if (!b->items->next) {
		b->body = b->items->body;
		return;
	}
	for (const struct item *it = b->items; it; it = it->next) {
		memcpy(p->batch_buf + at, it->body, it->len);
		at += it->len;
	}
	b->body = p->batch_buf;
}

/*
 * After a failed attempt: wait for retry n, unless the session's end
 * comes first.  CT_OTLP_DROPS to try again, else why to give up.
 */
static enum ct_otlp_drop backoff(struct ct_otlp_push *p, unsigned int n,
				 const struct ct_otlp_answer *a)
{
	uint64_t wait = ct_otlp_backoff_ns(n, a->retry_after_ns,
					   (uint32_t)rand_r(&p->seed));
	uint64_t until = ct_mono_ns() + wait;
	enum ct_otlp_drop d = CT_OTLP_DROPS;
	struct timespec ts = { until / 1000000000, until % 1000000000 };

	lock(p);
	set_error(p, a->why);
	if (!wait)
		d = CT_OTLP_DROP_RETRIES;
	while (d == CT_OTLP_DROPS && !p->stop && ct_mono_ns() < until) {
		/* the flush ends before this retry: no more tries */
		if (p->deadline_ns && until >= p->deadline_ns)
			d = CT_OTLP_DROP_RETRIES;
		else
			pthread_cond_timedwait(&p->cv, &p->mu, &ts);
	}
	if (p->stop)
		d = CT_OTLP_DROP_SHUTDOWN;
	if (d == CT_OTLP_DROPS)
		p->st.retries++;
	unlock(p);
	return d;
}

static uint64_t flush_deadline(struct ct_otlp_push *p)
{
	uint64_t d;

	lock(p);
	d = p->deadline_ns;
	unlock(p);
	return d;
}

/* Attempts until the batch is sent, rejected or given up. */
static void deliver(struct ct_otlp_push *p, const struct batch *b)
{
	struct ct_otlp_answer a;
	enum ct_otlp_result r;
	enum ct_otlp_drop d;
	unsigned int n = 0;
	uint64_t until, flush;
	bool by_flush;

	for (;;) {
		until = ct_mono_ns() + CT_OTLP_REQUEST_NS;
		flush = flush_deadline(p);
		by_flush = flush && flush < until;
		r = ct_otlp_post(&p->conn, &p->url, b->body, b->len,
				 by_flush ? flush : until, p->abort_fd, &a);
		if (r == CT_OTLP_ACCEPTED) {
			account_sent(p, b, &a);
			return;
		}
		if (r == CT_OTLP_REJECTED)
			d = CT_OTLP_DROP_REJECTED;
		else if (r == CT_OTLP_ABORTED ||
			 (by_flush && ct_mono_ns() >= flush))
			d = CT_OTLP_DROP_SHUTDOWN;
		else
			d = backoff(p, ++n, &a);
		if (d != CT_OTLP_DROPS) {
			account(p, b, d, &a);
			return;
		}
	}
}

static void *sender(void *arg)
{
	struct ct_otlp_push *p = arg;
	struct batch b;

	lock(p);
	while (take(p, &b)) {
		unlock(p);
		batch_body(p, &b);
		deliver(p, &b);
		free_items(b.items);
		lock(p);
		p->busy = false;
		pthread_cond_broadcast(&p->cv);
	}
	unlock(p);
	return NULL;
}

/* ---- life ---- */

/* The thread takes no signal: they are the tracing loop's. */
static int start(struct ct_otlp_push *p)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&p->thread, NULL, sender, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	p->running = !err;
	return -err;
}

static int init_sync(struct ct_otlp_push *p)
{
	pthread_condattr_t ca;
	int err;

	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	/* waits are against the monotonic clock, as every deadline */
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	err = pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (err)
		pthread_mutex_destroy(&p->mu);
	p->synced = !err;
	return -err;
}

int ct_otlp_push_new(struct ct_otlp_push **out,
		     const struct ct_otlp_push_opts *o, char *err,
		     size_t errlen)
{
	struct ct_otlp_push *p = calloc(1, sizeof(*p));
	int ret;

	*out = NULL;
	if (!p || ct_otlp_url_parse(o->url, &p->url, err, errlen)) {
		free(p);
		return p ? -EINVAL : -ENOMEM;
	}
	snprintf(p->endpoint, sizeof(p->endpoint), "http://%s%s",
		 p->url.authority, p->url.target);
	p->res = o->res;
	p->max_records = o->max_records ? o->max_records :
			 CT_OTLP_QUEUE_RECORDS;
	p->max_bytes = o->max_bytes ? o->max_bytes : CT_OTLP_QUEUE_BYTES;
	p->seed = (unsigned int)(ct_mono_ns() ^ (uint64_t)getpid());
	ct_pb_init(&p->pb);
	p->abort_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->batch_buf = malloc(CT_OTLP_BATCH_BYTES);
	ret = ct_otlp_conn_init(&p->conn);
	if (!ret)
		ret = p->abort_fd < 0 ? -errno : !p->batch_buf ? -ENOMEM : 0;
	if (!ret)
		ret = init_sync(p);
	if (!ret)
		ret = start(p);
	if (ret) {
		snprintf(err, errlen, "--otlp: cannot start its sender: %s",
			 strerror(-ret));
		ct_otlp_push_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

/* What no attempt will send any more. */
static void drop_queue(struct ct_otlp_push *p)
{
	lock(p);
	for (struct item *it = p->head; it; it = it->next) {
		p->st.dropped[CT_OTLP_DROP_SHUTDOWN] += it->spans;
		p->st.queued -= it->spans;
	}
	free_items(p->head);
	p->head = p->tail = NULL;
	p->records = p->bytes = 0;
	p->stop = true;
	unlock(p);
}

void ct_otlp_push_flush(struct ct_otlp_push *p, uint64_t within_ns)
{
	uint64_t until = ct_mono_ns() + within_ns;
	struct timespec ts = { until / 1000000000, until % 1000000000 };

	if (p->flushed)
		return;
	p->flushed = true;
	if (p->running) {
		lock(p);
		p->deadline_ns = until;
		pthread_cond_broadcast(&p->cv);
		while ((p->head || p->busy) && ct_mono_ns() < until)
			pthread_cond_timedwait(&p->cv, &p->mu, &ts);
		p->stop = true;
		pthread_cond_broadcast(&p->cv);
		unlock(p);
		eventfd_write(p->abort_fd, 1);
		pthread_join(p->thread, NULL);
		p->running = false;
	}
	drop_queue(p);
}

void ct_otlp_push_free(struct ct_otlp_push *p)
{
	if (!p)
		return;
	if (p->running)
		ct_otlp_push_flush(p, 0);
	free_items(p->head);
	ct_otlp_conn_free(&p->conn);
	if (p->abort_fd >= 0)
		close(p->abort_fd);
	ct_pb_free(&p->pb);
	free(p->batch_buf);
	if (p->synced) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
	}
	free(p);
}

void ct_otlp_push_stats(const struct ct_otlp_push *p, struct ct_otlp_stats *st)
{
	lock(p);
	*st = p->st;
	unlock(p);
}

const char *ct_otlp_push_url(const struct ct_otlp_push *p)
{
	return p->endpoint;
}

/* ---- what the session says of it ---- */

static void otlp_text(FILE *f, const void *priv)
{
	const struct ct_otlp_push *p = priv;
	struct ct_otlp_stats st;
	uint64_t dropped = 0;

	ct_otlp_push_stats(p, &st);
	for (int d = 0; d < CT_OTLP_DROPS; d++)
		dropped += st.dropped[d];
	fprintf(f, "otlp %s: %" PRIu64 " spans sent in %" PRIu64 " requests, "
		"%" PRIu64 " retries; dropped %" PRIu64, p->endpoint, st.sent,
		st.requests, st.retries, dropped);
	for (int d = 0; d < CT_OTLP_DROPS && dropped; d++)
		fprintf(f, "%s%s %" PRIu64, d ? ", " : " (",
			drop_names[d], st.dropped[d]);
	fputs(dropped ? ")" : "", f);
	if (st.queued)
		fprintf(f, "; still queued %" PRIu64, st.queued);
	if (st.last_error[0])
		fprintf(f, "; last error: %s", st.last_error);
	fputc('\n', f);
}

static void otlp_json(struct ct_json *w, const void *priv)
{
	const struct ct_otlp_push *p = priv;
	struct ct_otlp_stats st;

	ct_otlp_push_stats(p, &st);
	ct_json_key(w, "otlp");
	ct_json_start_object(w);
	ct_json_kv_string(w, "url", p->endpoint);
	ct_json_kv_u64(w, "spans_sent", st.sent);
	ct_json_kv_u64(w, "requests", st.requests);
	ct_json_kv_u64(w, "retries", st.retries);
	ct_json_kv_u64(w, "spans_queued", st.queued);
	ct_json_key(w, "spans_dropped");
	ct_json_start_object(w);
	for (int d = 0; d < CT_OTLP_DROPS; d++)
		ct_json_kv_u64(w, drop_names[d], st.dropped[d]);
	ct_json_end_object(w);
	ct_json_key(w, "last_error");
	if (st.last_error[0])
		ct_json_string(w, st.last_error);
	else
		ct_json_null(w);
	ct_json_end_object(w);
}

static void otlp_prom(FILE *f, const void *priv)
{
	const struct ct_otlp_push *p = priv;
	struct ct_otlp_stats st;

	ct_otlp_push_stats(p, &st);
	ct_prom_family(f, "coldtrace_otlp_spans_sent_total", "counter",
		       "Spans the --otlp collector took.");
	fprintf(f, "coldtrace_otlp_spans_sent_total %" PRIu64 "\n", st.sent);
	ct_prom_family(f, "coldtrace_otlp_spans_dropped_total", "counter",
		       "Spans not delivered to the --otlp collector, by "
		       "reason.");
	for (int d = 0; d < CT_OTLP_DROPS; d++)
		fprintf(f, "coldtrace_otlp_spans_dropped_total{reason=\"%s\"} "
			"%" PRIu64 "\n", drop_names[d], st.dropped[d]);
	ct_prom_family(f, "coldtrace_otlp_requests_total", "counter",
		       "Requests the --otlp collector answered 2xx.");
	fprintf(f, "coldtrace_otlp_requests_total %" PRIu64 "\n",
		st.requests);
	ct_prom_family(f, "coldtrace_otlp_retries_total", "counter",
		       "Attempts to the --otlp collector retried (no answer, "
		       "429, 502, 503, 504).");
	fprintf(f, "coldtrace_otlp_retries_total %" PRIu64 "\n", st.retries);
	ct_prom_family(f, "coldtrace_otlp_queued_spans", "gauge",
		       "Spans queued for the --otlp collector or in flight.");
	fprintf(f, "coldtrace_otlp_queued_spans %" PRIu64 "\n", st.queued);
}

/* ---- the sink ---- */

static void otlp_container(struct ct_sink_out *o, const struct ct_container *c)
{
	ct_otlp_push_record(o->priv, &(struct ct_otlp_rec){ .c = c });
}

static void otlp_chain(struct ct_sink_out *o, const struct ct_chain *ch)
{
	ct_otlp_push_record(o->priv, &(struct ct_otlp_rec){ .chain = ch });
}

static void otlp_pull(struct ct_sink_out *o, const struct ct_pull *pl)
{
	ct_otlp_push_record(o->priv, &(struct ct_otlp_rec){ .pull = pl });
}

/* Before stdout's end, whose summary counts what this one dropped. */
static void otlp_end(struct ct_sink_out *o, const struct ct_agg *agg,
		     const struct ct_meta *m)
{
	(void)agg;
	(void)m;
	ct_otlp_push_flush(o->priv, CT_OTLP_FLUSH_NS);
}

static const struct ct_output_report otlp_report = {
	.text = otlp_text,
	.json = otlp_json,
	.prom = otlp_prom,
};

const struct ct_sink ct_sink_otlp = {
	.report = &otlp_report,
	.container = otlp_container,
	.chain = otlp_chain,
	.pull = otlp_pull,
	.end = otlp_end,
};
