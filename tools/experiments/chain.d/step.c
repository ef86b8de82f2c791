// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One step of the chain experiment (tools/experiments/chain): a service
 * that serves one request and exits, as the study's Knative functions
 * did.  It listens (coldtrace's readiness marker: the first listen), says
 * "ready", reads one request line on stdin, works MS milliseconds (a
 * sleep, as the study's services did), answers "done" on stdout, exits.
 * The request and answer go through the container's stdin/stdout (docker
 * run -i): a unix socket in a bind mount cannot be reached from the host
 * under runsc 20221219 (no --host-uds), and the containers keep
 * --network none.  Built static: the image holds this file alone.
 *   step MS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int say(const char *s)
{
	size_t n = strlen(s);

	return write(1, s, n) == (ssize_t)n ? 0 : -1;
}

/* An abstract unix socket: nothing to clean up, no network needed. */
static int serve(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "ct-step-%d",
		 (int)getpid());
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(fd, 1))
		return -1;
	return 0;
}

/* One line of stdin, byte by byte: nothing read past it. */
static int request(void)
{
	char ch;

	for (;;) {
		ssize_t n = read(0, &ch, 1);

		if (n <= 0)
			return -1;
		if (ch == '\n')
			return 0;
	}
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (serve() || say("ready\n"))
		return 2;
	if (request())
		return 3;
	while (nanosleep(&ts, &ts))
		;
	return say("done\n") ? 4 : 0;
}
