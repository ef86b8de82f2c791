// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Micro-benchmark of the syscalls coldtrace's BPF programs hook, as a host
 * process (not in a tracked container) sees them: every one of them pays
 * the tracer's filter.  Used by tools/bench/syscall-overhead.
 *
 * Usage: sysbench [-f FILE] [-w GO] OP COUNT [OP COUNT...]
 *   -w GO: wait until the file GO exists before the first op (1 ms polls:
 *       tools/bench/bpf-cost starts its loop in a container this way, where
 *       a fifo from a bind mount may not work, e.g. under runsc)
 *   OP: open (openat+close of FILE), read (1-byte pread of FILE),
 *       sysread (1-byte read(2) of /dev/zero: the syscall prepare's
 *       stdin hooks are on; pread64 is another kernel function),
 *       write (1-byte write to /dev/null), fork (fork+_exit+wait),
 *       exec (fork+execve /bin/true+wait), switch (a 1-byte pipe round
 *       trip with a partner process: two sleeps, two wakeups, the
 *       context switches that --why's sched tracepoints see), connect
 *       (an AF_UNIX connect(2) to a path that does not exist: ENOENT,
 *       little kernel work, the tracer's connect filter all the same),
 *       stat (stat(2) of FILE: a syscall no coldtrace program hooks, so
 *       only a raw syscall tracepoint makes it pay)
 * Prints one line per OP: "OP COUNT BEST_NS_PER_OP MEDIAN_NS_PER_OP" over
 * 10 batches of COUNT/10 calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#define BATCHES	10

static const char *file = "/etc/hostname";
static const char *go;
static int rfd = -1, wfd = -1, zfd = -1;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int op_open(void)
{
	int fd = openat(AT_FDCWD, file, O_RDONLY);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int op_read(void)
{
	char c;

	return pread(rfd, &c, 1, 0) < 0 ? -errno : 0;
}

static int op_sysread(void)
{
	char c;

	return read(zfd, &c, 1) < 0 ? -errno : 0;
}

/* stat: a syscall coldtrace never hooks (newfstatat) */
static int op_stat(void)
{
	struct stat st;

	return stat(file, &st) < 0 ? -errno : 0;
}

static int op_write(void)
{
	return write(wfd, "x", 1) < 0 ? -errno : 0;
}

/* Child work for fork/exec; exits without returning. */
static void child(int do_exec)
{
	if (do_exec) {
		char *const argv[] = { "true", NULL };
		char *const envp[] = { NULL };

		execve("/bin/true", argv, envp);
	}
	_exit(do_exec ? 127 : 0);
}

static int spawn(int do_exec)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		child(do_exec);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

static int op_fork(void)
{
	return spawn(0);
}

static int op_exec(void)
{
	return spawn(1);
}

/* switch: the partner echoes each byte from to[0] back into from[1]. */
static int to[2] = { -1, -1 }, from[2] = { -1, -1 };

static int start_partner(void)
{
	char c;

	if (pipe(to) || pipe(from))
		return -errno;
	switch (fork()) {
	case -1:
		return -errno;
	case 0:
		close(to[1]);
		close(from[0]);
		/* EOF when the benchmark exits: the partner goes too */
		while (read(to[0], &c, 1) == 1)
			if (write(from[1], &c, 1) != 1)
				break;
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	return 0;
}

static int op_switch(void)
{
	char c = 'x';
	int rc;

	if (to[1] < 0 && (rc = start_partner()))
		return rc;
	if (write(to[1], &c, 1) != 1 || read(from[0], &c, 1) != 1)
		return -EPIPE;
	return 0;
}

static int op_connect(void)
{
	static const struct sockaddr_un sa = {
		.sun_family = AF_UNIX,
		.sun_path = "/nonexistent/coldtrace-sysbench.sock",
	};
	static int fd = -1;

	if (fd < 0 && (fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return -errno;
	if (!connect(fd, (const struct sockaddr *)&sa, sizeof(sa)))
		return -EEXIST;	/* someone made the path: not what we time */
	return errno == ENOENT ? 0 : -errno;
}

struct op {
	const char *name;
	int (*fn)(void);
};

static const struct op ops[] = {
	{ "open", op_open },
	{ "read", op_read },
	{ "sysread", op_sysread },
	{ "write", op_write },
	{ "fork", op_fork },
	{ "exec", op_exec },
	{ "switch", op_switch },
	{ "connect", op_connect },
	{ "stat", op_stat },
};

static const struct op *find_op(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].name, name))
			return &ops[i];
	return NULL;
}

static int parse_count(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end || *out <= 0 ? -1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* ns/op of one batch of n calls, or < 0 on failure. */
static double batch(const struct op *op, long n)
{
	uint64_t t0 = now_ns();
	long i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = op->fn();
		if (rc) {
			fprintf(stderr, "sysbench: %s failed: %s\n", op->name,
				strerror(-rc));
			return -1;
		}
	}
	return (double)(now_ns() - t0) / n;
}

/*
 * n calls in BATCHES batches.  The best batch is what the host gives an
 * undisturbed process: on a host shared with other work it is a steadier
 * estimate than the mean.  The median batch is printed too.
 */
static int run(const struct op *op, long n)
{
	double ns[BATCHES];
	long per = n / BATCHES ? n / BATCHES : 1;
	int b;

	for (b = 0; b < BATCHES; b++) {
		ns[b] = batch(op, per);
		if (ns[b] < 0)
			return 1;
	}
	qsort(ns, BATCHES, sizeof(ns[0]), cmp_double);
	printf("%s %ld %.1f %.1f\n", op->name, per * BATCHES, ns[0],
	       (ns[BATCHES / 2 - 1] + ns[BATCHES / 2]) / 2);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: sysbench [-f FILE] [-w GO] OP COUNT [OP COUNT...]\n"
		"  OP: open read sysread write fork exec switch connect stat;"
		" COUNT > 0\n");
	return 2;
}

int main(int argc, char **argv)
{
	const struct op *op;
	long n;
	int i = 1, j;

	if (argc > i + 1 && !strcmp(argv[i], "-f")) {
		file = argv[i + 1];
		i += 2;
	}
	if (argc > i + 1 && !strcmp(argv[i], "-w")) {
		go = argv[i + 1];
		i += 2;
	}
	if (argc - i < 2 || (argc - i) % 2)
		return usage();
	rfd = open(file, O_RDONLY);
	wfd = open("/dev/null", O_WRONLY);
	zfd = open("/dev/zero", O_RDONLY);
	if (rfd < 0 || wfd < 0 || zfd < 0) {
		fprintf(stderr, "sysbench: cannot open %s, /dev/null or "
			"/dev/zero: %s\n",
			file, strerror(errno));
		return 1;
	}
	/* Validate everything first: a typo must not cost a half run. */
	for (j = i; j < argc; j += 2) {
		if (!find_op(argv[j]) || parse_count(argv[j + 1], &n)) {
			fprintf(stderr, "sysbench: bad OP COUNT: %s %s\n",
				argv[j], argv[j + 1]);
			return usage();
		}
	}
	while (go && access(go, F_OK))
		usleep(1000);
	for (; i < argc; i += 2) {
		op = find_op(argv[i]);
		parse_count(argv[i + 1], &n);
		if (run(op, n))
			return 1;
	}
	return 0;
}
