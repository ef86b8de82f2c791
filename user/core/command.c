// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `coldtrace -- COMMAND`: see command.h. */
#define _GNU_SOURCE	/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "errmsg.h"
#include "util.h"

/* execvp's search path when PATH is unset (glibc's confstr _CS_PATH) */
#define DEFAULT_PATH	"/bin:/usr/bin"

static int check_file(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return access(path, X_OK) ? -errno : 0;
}

/* The first executable PATH entry wins, as for execvp. */
static int search_path(const char *name)
{
	const char *p = getenv("PATH");
	char cand[PATH_MAX];
	int rc = -ENOENT, r;

	if (!p || !*p)
		p = DEFAULT_PATH;
	while (*p) {
		size_t n = strcspn(p, ":");

		if (snprintf(cand, sizeof(cand), "%.*s%s%s", (int)n, p,
			     n ? "/" : "", name) < (int)sizeof(cand)) {
			r = check_file(cand);
			if (!r)
				return 0;
			if (r != -ENOENT && r != -ENOTDIR)
				rc = r;	/* found, not runnable: say why */
		}
		p += n + (p[n] == ':');
	}
	return rc;
}

int ct_cmd_check(char *const *argv, char *err, size_t errlen)
{
	int rc;

	if (!argv || !argv[0] || !argv[0][0])
		return ct_fail(err, errlen, -EINVAL, "empty COMMAND after --");
	if (strchr(argv[0], '/'))
		rc = check_file(argv[0]);
	else
		rc = search_path(argv[0]);
	if (rc == -ENOENT && !strchr(argv[0], '/'))
		return ct_fail(err, errlen, rc,
			    "cannot run '%s': command not found in PATH",
			    argv[0]);
	if (rc)
		return ct_fail(err, errlen, rc, "cannot run '%s': %s", argv[0],
			    strerror(-rc));
	return 0;
}

static void child_exec(char *const *argv, bool stdout_to_stderr, int fd)
{
	int e;

	/* coldtrace ignores SIGPIPE; COMMAND gets the usual dispositions */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (stdout_to_stderr && dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		e = errno;
	} else {
		execvp(argv[0], argv);
		e = errno;
	}
	if (write(fd, &e, sizeof(e)) != sizeof(e))
		_exit(126);
	_exit(127);
}

int ct_cmd_spawn(struct ct_cmd *c, char *const *argv, bool stdout_to_stderr,
		 char *err, size_t errlen)
{
	int fds[2], e = 0, st;
	ssize_t n;

	memset(c, 0, sizeof(*c));
	c->status = -1;
	if (pipe2(fds, O_CLOEXEC))
		return ct_fail(err, errlen, -errno, "pipe: %s", strerror(errno));
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0) {
		e = errno;
		close(fds[0]);
		close(fds[1]);
		c->pid = 0;
		return ct_fail(err, errlen, -e, "fork: %s", strerror(e));
	}
	if (c->pid == 0)
		child_exec(argv, stdout_to_stderr, fds[1]);
	close(fds[1]);
	/* EOF: the exec closed the pipe; 4 bytes: its errno */
	do
		n = read(fds[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	if (n != sizeof(e))
		return 0;
	while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
		;
	c->pid = 0;
	c->status = 127;
	c->done_ns = ct_mono_ns();
	return ct_fail(err, errlen, -e, "cannot run '%s': %s", argv[0],
		    strerror(e));
}

int ct_cmd_exit_code(int wait_status)
{
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return 1;
}

bool ct_cmd_done(struct ct_cmd *c)
{
	int st;

	if (!c->pid)
		return c->status >= 0;
	if (waitpid(c->pid, &st, WNOHANG) != c->pid)
		return false;
	c->pid = 0;
	c->status = ct_cmd_exit_code(st);
	c->done_ns = ct_mono_ns();
	return true;
}

void ct_cmd_stop(struct ct_cmd *c, int sig)
{
	if (ct_cmd_done(c) || c->stop_ns)
		return;
	c->stop_ns = ct_mono_ns();
	if (sig)
		kill(c->pid, sig);
}

bool ct_cmd_wait_grace(struct ct_cmd *c)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	uint64_t end = c->stop_ns + CT_CMD_GRACE_MS * 1000000ull;

	while (!ct_cmd_done(c)) {
		if (!c->stop_ns || ct_mono_ns() >= end)
			return false;
		nanosleep(&tick, NULL);
	}
	return true;
}

int ct_cmd_end_signal(const struct ct_cmd_end *e)
{
	if (!e->sig || e->timed_out)
		return SIGTERM;
	return e->by_terminal ? 0 : e->sig;
}

void ct_cmd_end_stop(struct ct_cmd *c, const struct ct_cmd_end *e)
{
	ct_cmd_stop(c, ct_cmd_end_signal(e));
}

int ct_cmd_end_status(struct ct_cmd *c, char *const *argv,
		      const struct ct_cmd_end *e)
{
	if (!c->stop_ns)
		return c->status;	/* it ended on its own */
	if (!ct_cmd_wait_grace(c))
		fprintf(stderr, "coldtrace: '%s' (pid %d) is still running "
			"after the session ended; left running\n",
			argv[0], (int)c->pid);
	if (e->timed_out)
		return 124;
	return 128 + (e->sig ? e->sig : SIGTERM);
}
