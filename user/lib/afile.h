/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one atomic-file writer: a temp file beside the final name (same
 * directory, so the rename cannot cross filesystems), created with
 * mkstemp (O_EXCL: never through a file or link planted there), and on
 * commit fsync'ed and renamed over the final name, so that a reader sees
 * the old file or the whole new one, never half of one.  Used by
 * --output's files (--record writes in place: recfile.h).
 */
#ifndef __CT_AFILE_H
#define __CT_AFILE_H

#include <limits.h>
#include <stdio.h>

struct ct_afile {
	int fd;			/* -1 when closed */
	FILE *f;		/* set by ct_afile_stdio(), owns fd then */
	char path[PATH_MAX];	/* final name */
	char tmp[PATH_MAX];	/* DIR/.NAME.XXXXXX */
};

/* Creates the temp file (mode 0644).  0 or -errno. */
int ct_afile_create(struct ct_afile *a, const char *path);
/* A stdio stream on the temp file (closed by commit/abort); NULL on error. */
FILE *ct_afile_stdio(struct ct_afile *a);
/*
 * Flush, fsync, close, rename over path.  0 or -errno; on error the temp
 * file is removed and path is left as it was.
 */
int ct_afile_commit(struct ct_afile *a);
/* Close and remove the temp file. */
void ct_afile_abort(struct ct_afile *a);

#endif /* __CT_AFILE_H */
