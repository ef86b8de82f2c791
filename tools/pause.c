// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The pod sandbox's process (CRI's pause container) for the private
 * harness: Debian has no pause image and the harness has no registry.
 * It holds the pod's namespaces open until the runtime stops it, and as
 * pid 1 of the pod reaps whatever is reparented to it.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig)
{
	(void)sig;
	_exit(0);
}

static void reap(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(void)
{
	signal(SIGTERM, quit);
	signal(SIGINT, quit);
	signal(SIGCHLD, reap);
	for (;;)
		pause();
}
