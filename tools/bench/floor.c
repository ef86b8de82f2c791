// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loads the empty programs of floor.bpf.c that are named on the command
 * line, attaches them, prints "attached N" and holds them until SIGINT,
 * SIGTERM or SIGHUP.  Used by tools/bench/bpf-cost.
 *
 * With -c COUNT it attaches and detaches them COUNT times instead, GAP ms
 * apart (-g, default 100), and prints "attach_ns detach_ns" per cycle:
 * what coldtrace's --arm=auto pays each time it arms or disarms (the
 * kernel's work is the tracepoints', whatever the programs do).  Used by
 * tools/bench/arm-cost.
 *
 * With -u FILE:OFFSET its uprobe programs (SEC("uprobe")) are attached
 * at that offset of FILE, in every process that runs it.  Used by
 * tools/bench/uprobe-cost.
 *
 * Usage: floor [-c COUNT [-g GAP_MS]] [-u FILE:OFFSET] OBJ PROG [PROG...]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#define MAX_LINKS	16

static int wanted(const char *name, int argc, char **argv)
{
	int i;

	for (i = 2; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

/* Only the named programs are loaded: the others would run for nothing. */
static int select_progs(struct bpf_object *obj, int argc, char **argv)
{
	struct bpf_program *p;
	int n = 0;

	bpf_object__for_each_program(p, obj) {
		int on = wanted(bpf_program__name(p), argc, argv);

		bpf_program__set_autoload(p, on);
		n += on;
	}
	return n;
}

/* -u FILE:OFFSET, where the uprobe programs go */
struct upoint {
	const char *file;
	size_t offset;
};

/* A uprobe program at u, any other where its section says. */
static struct bpf_link *attach_one(struct bpf_program *p,
				   const struct upoint *u)
{
	if (strcmp(bpf_program__section_name(p), "uprobe"))
		return bpf_program__attach(p);
	if (!u->file) {
		errno = EINVAL;
		return NULL;
	}
	return bpf_program__attach_uprobe(p, false, -1, u->file, u->offset);
}

static int attach_all(struct bpf_object *obj, const struct upoint *u)
{
	struct bpf_program *p;
	int n = 0;

	bpf_object__for_each_program(p, obj) {
		if (!bpf_program__autoload(p))
			continue;
		/* the link lives until exit: the kernel detaches it then */
		if (!attach_one(p, u)) {
			fprintf(stderr, "floor: cannot attach %s: %s\n",
				bpf_program__name(p), strerror(errno));
			return -1;
		}
		n++;
	}
	return n;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Attach every loaded program into links[]; their number or -1. */
static int attach_links(struct bpf_object *obj, const struct upoint *u,
			struct bpf_link **links)
{
	struct bpf_program *p;
	int n = 0;

	bpf_object__for_each_program(p, obj) {
		if (!bpf_program__autoload(p) || n == MAX_LINKS)
			continue;
		links[n] = attach_one(p, u);
		if (!links[n]) {
			fprintf(stderr, "floor: cannot attach %s: %s\n",
				bpf_program__name(p), strerror(errno));
			return -1;
		}
		n++;
	}
	return n;
}

/* count attach + detach cycles, gap_ms apart, timed one by one. */
static int cycle(struct bpf_object *obj, const struct upoint *u, long count,
		 long gap_ms)
{
	struct bpf_link *links[MAX_LINKS];
	uint64_t t0, t1, t2;
	int n, i;

	for (; count > 0; count--) {
		t0 = now_ns();
		n = attach_links(obj, u, links);
		t1 = now_ns();
		if (n < 0)
			return 1;
		usleep(gap_ms * 1000);
		t2 = now_ns();
		for (i = 0; i < n; i++)
			bpf_link__destroy(links[i]);
		printf("%llu %llu\n", (unsigned long long)(t1 - t0),
		       (unsigned long long)(now_ns() - t2));
		fflush(stdout);
		usleep(gap_ms * 1000);
	}
	return 0;
}

static void wait_for_signal(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigwait(&set, &sig);
}

int main(int argc, char **argv)
{
	struct upoint u = { NULL, 0 };
	struct bpf_object *obj;
	long count = 0, gap_ms = 100;
	char *colon;
	int n, opt;

	while ((opt = getopt(argc, argv, "+c:g:u:")) != -1) {
		if (opt == 'c') {
			count = strtol(optarg, NULL, 10);
		} else if (opt == 'g') {
			gap_ms = strtol(optarg, NULL, 10);
		} else if (opt == 'u' && (colon = strrchr(optarg, ':'))) {
			*colon = '\0';
			u.file = optarg;
			u.offset = strtoul(colon + 1, NULL, 0);
		} else {
			count = -1;
		}
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 3 || count < 0 || gap_ms < 0) {
		fprintf(stderr, "usage: floor [-c COUNT [-g GAP_MS]] [-u FILE:OFFSET] OBJ PROG [PROG...]\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "floor: cannot open %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	if (select_progs(obj, argc, argv) != argc - 2) {
		fprintf(stderr, "floor: %s lacks one of the programs named\n",
			argv[1]);
		return 1;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "floor: cannot load %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	if (count)
		return cycle(obj, &u, count, gap_ms);
	n = attach_all(obj, &u);
	if (n < 0)
		return 1;
	printf("attached %d\n", n);
	fflush(stdout);
	wait_for_signal();
	bpf_object__close(obj);
	return 0;
}
