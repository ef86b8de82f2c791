// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The atomic-file writer: see afile.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "afile.h"
#include "util.h"

int ct_afile_create(struct ct_afile *a, const char *path)
{
	const char *base = ct_basename(path);
	int dirlen = (int)(base - path);

	a->fd = -1;
	a->f = NULL;
	if (!*base || snprintf(a->path, sizeof(a->path), "%s", path) >=
			      (int)sizeof(a->path) ||
	    snprintf(a->tmp, sizeof(a->tmp), "%.*s.%s.XXXXXX", dirlen, path,
		     base) >= (int)sizeof(a->tmp))
		return *base ? -ENAMETOOLONG : -EINVAL;
	a->fd = mkstemp(a->tmp);
	if (a->fd < 0)
		return -errno;
	/* readers get the usual permissions, not mkstemp's 0600 */
	if (fchmod(a->fd, 0644)) {
		int rc = -errno;

		ct_afile_abort(a);
		return rc;
	}
	return 0;
}

FILE *ct_afile_stdio(struct ct_afile *a)
{
	if (!a->f && a->fd >= 0)
		a->f = fdopen(a->fd, "w");
	return a->f;
}

/* Close the stream or the fd, keeping the first error. */
static int close_temp(struct ct_afile *a, int rc)
{
	errno = 0;
	if (a->f) {
		if ((fflush(a->f) || ferror(a->f)) && !rc)
			rc = -(errno ? errno : EIO);
		if (!rc && fsync(a->fd))
			rc = -errno;
		if (fclose(a->f) && !rc)
			rc = -(errno ? errno : EIO);
	} else if (a->fd >= 0) {
		if (!rc && fsync(a->fd))
			rc = -errno;
		if (close(a->fd) && !rc)
			rc = -errno;
	}
	a->f = NULL;
	a->fd = -1;
	return rc;
}

int ct_afile_commit(struct ct_afile *a)
{
	int rc = close_temp(a, 0);

	if (!rc && rename(a->tmp, a->path))
		rc = -errno;
	if (rc)
		unlink(a->tmp);
	return rc;
}

void ct_afile_abort(struct ct_afile *a)
{
	if (a->f)
		fclose(a->f);
	else if (a->fd >= 0)
		close(a->fd);
	a->f = NULL;
	a->fd = -1;
	unlink(a->tmp);
}
