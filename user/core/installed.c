// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The runtimes and engines installed on the host: installed.h. */
#include <stdio.h>
#include <sys/stat.h>
#include "container.h"
#include "engine.h"
#include "installed.h"

/* Debian's default PATH for root, and the one a package's or an
 * installer's program lands in */
static const char *const path_dirs[] = {
	"usr/local/sbin", "usr/local/bin", "usr/sbin", "usr/bin", "sbin", "bin",
};

const char *ct_installed_root(const char *proc_root)
{
	struct stat ours, host;

	if (stat(proc_root, &host) || stat("/", &ours) ||
	    (ours.st_dev == host.st_dev && ours.st_ino == host.st_ino))
		return "/";
	return proc_root;
}

/* Whether an executable file NAME is in one of root's PATH dirs. */
static bool on_path(const char *root, const char *name)
{
	char p[4096];
	struct stat st;

	for (size_t i = 0; i < sizeof(path_dirs) / sizeof(path_dirs[0]); i++) {
		if (snprintf(p, sizeof(p), "%s/%s/%s", root, path_dirs[i],
			     name) >= (int)sizeof(p))
			continue;
		if (!stat(p, &st) && S_ISREG(st.st_mode) && (st.st_mode & 0111))
			return true;
	}
	return false;
}

void ct_installed(const char *root, uint32_t *runtimes, uint32_t *engines)
{
	const char *b;

	*runtimes = *engines = 0;
	for (unsigned int r = 0; r < CT_RT_MAX; r++)
		if ((b = ct_runtime_binary(r)) && on_path(root, b))
			*runtimes |= 1u << r;
	for (unsigned int e = 0; e < CT_ENG_MAX; e++)
		if ((b = ct_engine(e)->binary) && on_path(root, b))
			*engines |= 1u << e;
}
