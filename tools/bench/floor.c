// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loads the empty programs of floor.bpf.c that are named on the command
 * line, attaches them, prints "attached N" and holds them until SIGINT,
 * SIGTERM or SIGHUP.  Used by tools/bench/bpf-cost.
 *
 * Usage: floor OBJ PROG [PROG...]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

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

static int attach_all(struct bpf_object *obj)
{
	struct bpf_program *p;
	int n = 0;

	bpf_object__for_each_program(p, obj) {
		if (!bpf_program__autoload(p))
			continue;
		/* the link lives until exit: the kernel detaches it then */
		if (!bpf_program__attach(p)) {
			fprintf(stderr, "floor: cannot attach %s: %s\n",
				bpf_program__name(p), strerror(errno));
			return -1;
		}
		n++;
	}
	return n;
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
	struct bpf_object *obj;
	int n;

	if (argc < 3) {
		fprintf(stderr, "usage: floor OBJ PROG [PROG...]\n");
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
	n = attach_all(obj);
	if (n < 0)
		return 1;
	printf("attached %d\n", n);
	fflush(stdout);
	wait_for_signal();
	bpf_object__close(obj);
	return 0;
}
