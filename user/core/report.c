// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Errors, notes and standard output: see report.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "report.h"

static bool json_mode;
static bool stdout_failed;
static bool stdout_gone;	/* its reader left (EPIPE) */

void ct_report_json(bool on)
{
	json_mode = on;
}

static void err_json(const char *msg)
{
	struct ct_json w;

	ct_json_init(&w, stdout);
	ct_json_start_object(&w);
	ct_json_kv_string(&w, "type", "error");
	ct_json_kv_string(&w, "error", msg);
	ct_json_end_object(&w);
	fputc('\n', stdout);
	fflush(stdout);
}

void ct_report_err(const char *fmt, ...)
{
	char msg[CT_REPORT_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "coldtrace: %s\n", msg);
	if (json_mode)
		err_json(msg);
}

void ct_report_info(const char *fmt, ...)
{
	va_list ap;

	if (json_mode)
		return;
	va_start(ap, fmt);
	fputs("coldtrace: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

bool ct_report_check_stdout(void)
{
	if (stdout_gone)
		return true;
	if (stdout_failed)
		return false;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return true;
	if (errno == EPIPE) {	/* `| head`: the reader had what it wanted */
		stdout_gone = true;
		return true;
	}
	stdout_failed = true;
	fprintf(stderr, "coldtrace: writing to standard output failed: %s\n",
		strerror(errno ? errno : EIO));
	return false;
}

bool ct_report_stdout_gone(void)
{
	return stdout_gone;
}

int ct_report_close_stdout(void)
{
	if (!ct_report_check_stdout())
		return -1;
	if (stdout_gone) {	/* what is left has nobody to go to */
		fclose(stdout);
		return 0;
	}
	if (fclose(stdout)) {
		fprintf(stderr, "coldtrace: closing standard output failed: "
			"%s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int ct_report_guard_std_fds(void)
{
	bool out_closed = false;

	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			return -1;
		out_closed |= fd == STDOUT_FILENO;
	}
	if (out_closed) {
		fprintf(stderr, "coldtrace: standard output is closed: nowhere "
			"to write the report (use >/dev/null to discard it)\n");
		return -1;
	}
	return 0;
}
