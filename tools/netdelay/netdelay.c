// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* netdelay: hold each packet of an NFQUEUE queue D ms, then accept it.
 * The kernel here has no netem; HTB shapes the rate and this adds latency
 * (tools/registry.sh puts it in the registry's own network namespace).
 * Bounded: at most --max packets held, the rest accepted at once (counted).
 * Stops by itself after --lifetime seconds; on exit every held packet is
 * accepted, so no flow is left stalled. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include "delayq.h"

static volatile sig_atomic_t stop;
static struct delayq q;
static struct nfq_q_handle *qh;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int on_packet(struct nfq_q_handle *h, struct nfgenmsg *m,
		     struct nfq_data *d, void *ctx)
{
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(d);
	uint32_t id;

	(void)m; (void)ctx;
	if (!ph)
		return 0;
	id = ntohl(ph->packet_id);
	if (dq_push(&q, id, now_ns()) < 0)
		return nfq_set_verdict(h, id, NF_ACCEPT, 0, NULL);
	return 0;
}

static void release(int all)
{
	uint32_t id;

	while (all ? dq_pop_any(&q, &id) : dq_pop_due(&q, now_ns(), &id))
		nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: netdelay [-n QUEUE] -d MS [-m MAX] [-l SEC]\n"
"Hold every packet of NFQUEUE QUEUE for MS milliseconds, then accept it.\n"
"  -n, --queue=N     NFQUEUE number (default 0)\n"
"  -d, --delay=MS    delay per packet, 1..10000 ms\n"
"  -m, --max=N       packets held at most (default 4096); more are accepted at once\n"
"  -l, --lifetime=S  exit after S seconds (default 3600)\n"
"Example (inside a namespace): iptables -A OUTPUT -o veth0 -j NFQUEUE --queue-num 0\n"
"                              netdelay -n 0 -d 25 -l 600\n");
}

static long num(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi) {
		fprintf(stderr, "netdelay: bad %s '%s' (%ld..%ld)\n", what, s, lo, hi);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "queue", 1, 0, 'n' }, { "delay", 1, 0, 'd' }, { "max", 1, 0, 'm' },
		{ "lifetime", 1, 0, 'l' }, { "help", 0, 0, 'h' }, { 0 } };
	long qnum = 0, delay = -1, max = 4096, life = 3600;
	struct nfq_handle *h;
	uint64_t deadline;
	char buf[65536] __attribute__((aligned));
	int c, fd;

	while ((c = getopt_long(argc, argv, "n:d:m:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': qnum = num(optarg, 0, 65535, "queue"); break;
		case 'd': delay = num(optarg, 1, 10000, "delay"); break;
		case 'm': max = num(optarg, 1, 1 << 20, "max"); break;
		case 'l': life = num(optarg, 1, 86400, "lifetime"); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (delay < 0 || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (dq_init(&q, max, delay * 1000000ull) < 0) {
		fprintf(stderr, "netdelay: out of memory\n");
		return 1;
	}
	h = nfq_open();
	if (!h || !(qh = nfq_create_queue(h, qnum, on_packet, NULL))) {
		fprintf(stderr, "netdelay: cannot bind NFQUEUE %ld: %s (root? queue in use?)\n",
			qnum, strerror(errno));
		return 1;
	}
	nfq_set_mode(qh, NFQNL_COPY_META, 0);
	nfq_set_queue_maxlen(qh, max);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fd = nfq_fd(h);
	deadline = now_ns() + life * 1000000000ull;
	while (!stop && now_ns() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int t = dq_timeout_ms(&q, now_ns());

		if (t < 0 || t > 1000)
			t = 1000;	/* wake to check the lifetime */
		if (poll(&p, 1, t) > 0) {
			int n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (n > 0)
				nfq_handle_packet(h, buf, n);
			else if (n < 0 && errno == ENOBUFS)
				q.overflow++;	/* kernel queue overran: counted */
		}
		release(0);
	}
	release(1);
	fprintf(stderr, "netdelay: %llu held, %llu released, %llu accepted undelayed (queue full)\n",
		(unsigned long long)q.queued, (unsigned long long)q.released,
		(unsigned long long)q.overflow);
	nfq_destroy_queue(qh);
	nfq_close(h);
	dq_free(&q);
	return 0;
}
