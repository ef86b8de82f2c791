// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The traced host's names for CT_EV_HOST (user/core/host.h). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host.h"
#include "records.h"

static char path[] = "/tmp/ct-host-test-XXXXXX";

static void machine_id(const char *text)
{
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

/* The DaemonSet's NODE_NAME names the node and the host (a pod's
 * nodename is its own); a machine-id is 32 hex digits or nothing. */
Test(host, names_from_env_uname_and_machine_id)
{
	struct ct_host_rec r;

	unsetenv("NODE_NAME");
	machine_id("3d1219c7c4c5404aaa1f6d2a48adfda4\n");
	ct_host_fill(&r, 5, "box", path);
	cr_expect_eq(r.hdr.type, CT_EV_HOST);
	cr_expect_eq(r.hdr.size, sizeof(r));
	cr_expect_eq(ct_rec_check(&r, sizeof(r)), 0);
	cr_expect_str_eq(r.host_name, "box");
	cr_expect_str_eq(r.host_id, "3d1219c7c4c5404aaa1f6d2a48adfda4");
	cr_expect_str_eq(r.node_name, "");
	unlink(path);

	setenv("NODE_NAME", "node-7", 1);
	strcpy(path, "/tmp/ct-host-test-XXXXXX");
	machine_id("not-an-id\n");
	ct_host_fill(&r, 5, "coldtrace-abcde", path);
	cr_expect_str_eq(r.host_name, "node-7");
	cr_expect_str_eq(r.node_name, "node-7");
	cr_expect_str_eq(r.host_id, "", "a bad machine-id is none");
	unlink(path);
	ct_host_fill(&r, 5, NULL, "/nonexistent/machine-id");
	cr_expect_str_eq(r.host_id, "");
	unsetenv("NODE_NAME");
	ct_host_fill(&r, 5, NULL, "/nonexistent/machine-id");
	cr_expect_str_eq(r.host_name, "");
	cr_expect_eq(ct_rec_check(&r, sizeof(r) - 1), -EINVAL, "fixed size");
}
