// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The runtimes and engines installed (user/core/installed.h): a program
 * of its name, executable and a file, in one of PATH's usual directories
 * of a root made here.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "container.h"
#include "fixture.h"
#include "installed.h"

/* A program NAME under root, of mode m. */
static void put(const char *root, const char *name, mode_t m)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, name);
	cr_assert(fx_put(root, name, "#!/bin/sh\n", 10), "%s", p);
	cr_assert_eq(chmod(p, m), 0, "%s", p);
}

Test(installed, programs_on_path_under_root)
{
	char root[] = "/tmp/ct-installed-XXXXXX", cmd[64];
	uint32_t rt, eng;

	cr_assert_not_null(mkdtemp(root));
	put(root, "usr/sbin/runc", 0755);
	put(root, "usr/local/bin/runsc", 0700);
	put(root, "usr/bin/crun", 0644);		/* not executable */
	put(root, "opt/bin/containerd-shim-kata-v2", 0755); /* off PATH */
	put(root, "bin/dockerd", 0755);
	/* a directory of the name */
	cr_assert(fx_put(root, "usr/local/sbin/kubelet/x", "", 0));
	put(root, "usr/bin/podman", 0755);
	ct_installed(root, &rt, &eng);
	cr_expect_eq(rt, 1u << CT_RT_RUNC | 1u << CT_RT_RUNSC, "%#x", rt);
	cr_expect_eq(eng, 1u << CT_ENG_DOCKER | 1u << CT_ENG_PODMAN,
		     "%#x", eng);
	/* the host init's root when readable and not ours, else ours */
	cr_expect_str_eq(ct_installed_root(root), root);
	cr_expect_str_eq(ct_installed_root("/"), "/");
	cr_expect_str_eq(ct_installed_root("/nonexistent/root"), "/");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_expect_eq(system(cmd), 0);
}
