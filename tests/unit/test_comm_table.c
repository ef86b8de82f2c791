// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The list of comms (include/comms.h): the patterns BPF compares are the
 * names' bytes and NUL, little-endian, in as many slots as the list has
 * names of a role, daemons in enum ct_daemon's order; the roles the
 * arming asks; the engines' rows name their programs.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "coldtrace.h"
#include "comm_table.h"
#include "engine_api.h"

/* What a BPF program does with comm words (task.bpf.h, ct_comm_is()). */
static bool matches(const char *comm, const struct ct_comm_pat *p)
{
	__u64 c[2] = { 0, 0 };

	memcpy(c, comm, strnlen(comm, CT_COMM_LEN - 1));	/* zero padded */
	return p->m[0] && (c[0] & p->m[0]) == p->w[0] &&
	       (c[1] & p->m[1]) == p->w[1];
}

Test(comm_table, words_and_masks)
{
	struct ct_comm_pat p[CT_DAEMONS];

	cr_assert_eq(ct_comm_pats(CT_COMM_DAEMON, p, CT_DAEMONS), CT_DAEMONS);
	/* "dockerd\0": eight bytes, little-endian */
	cr_assert_eq(p[CT_DAEMON_DOCKERD].w[0], 0x006472656b636f64ull);
	cr_assert_eq(p[CT_DAEMON_DOCKERD].m[0], ~0ull);
	cr_assert_eq(p[CT_DAEMON_DOCKERD].m[1], 0);
	/* "containerd\0": three bytes into the second word */
	cr_assert_eq(p[CT_DAEMON_CONTAINERD].w[1], 0x006472ull);
	cr_assert_eq(p[CT_DAEMON_CONTAINERD].m[1], 0xffffffull);
	cr_assert(matches("dockerd", &p[CT_DAEMON_DOCKERD]));
	cr_assert(matches("containerd", &p[CT_DAEMON_CONTAINERD]));
	cr_assert_not(matches("containerd-shim", &p[CT_DAEMON_CONTAINERD]));
	cr_assert_not(matches("docker", &p[CT_DAEMON_DOCKERD]));
	cr_assert_not(matches("dockerd2", &p[CT_DAEMON_DOCKERD]));
}

/* The BPF side's slots are counted from the list: none short, none spare. */
Test(comm_table, slots_are_the_lists)
{
	struct ct_comm_pat p[CT_PROGS];
	int n = ct_comm_pats(CT_COMM_CLIENT, p, CT_CLIENT_PATS);

	cr_assert_eq(n, CT_CLIENT_PATS);
	cr_assert(matches("docker", &p[0]) && matches("podman", &p[1]) &&
		  matches("ctr", &p[2]), "the list's first clients");
	cr_assert_eq(ct_comm_pats(CT_COMM_TRIGGER, p, CT_ARM_PATS),
		     CT_ARM_PATS);
	cr_assert_eq(ct_comm_pats(CT_COMM_SHIM, p, 1), 1);
	/* 15 bytes, the longest comm: its NUL is the 16th */
	cr_assert(matches("containerd-shim", &p[0]));
	cr_assert_eq(p[0].m[1], ~0ull);
	cr_assert_eq(ct_comm_pats(CT_COMM_ASKER, p, 2), -1, "too many");
}

/* --why's roots: at least the five why.bpf.c once named itself. */
Test(comm_table, why_roots)
{
	static const char *const roots[] = {
		"runc", "crun", "runsc", "containerd-shim", "conmon",
	};
	struct ct_comm_pat p[CT_WHY_PATS];
	int n = ct_comm_pats(CT_COMM_ROOT, p, CT_WHY_PATS);

	cr_assert_eq(n, CT_WHY_PATS);
	for (size_t r = 0; r < sizeof(roots) / sizeof(roots[0]); r++) {
		bool found = false;

		for (int i = 0; i < n; i++)
			found |= matches(roots[r], &p[i]);
		cr_assert(found, "%s", roots[r]);
	}
	for (int i = 0; i < n; i++) {
		cr_assert_not(matches("docker", &p[i]));
		cr_assert_not(matches("containerd", &p[i]));
	}
}

/* Each program but the runtimes is one engine's, named by its row. */
Test(comm_table, engines_name_their_programs)
{
	int owners[CT_PROGS] = { 0 };
	const enum ct_prog *g;

	for (int k = 0; k < CT_ENG_MAX; k++)
		for (g = ct_engine(k)->progs; g && *g < CT_PROGS; g++)
			owners[*g]++;
	for (int i = 0; i < CT_PROGS; i++)
		cr_expect_eq(owners[i],
			     ct_comm_has(ct_prog_name(i), CT_COMM_RUNTIME) ? 0 : 1,
			     "%s: named by %d engines' rows", ct_prog_name(i),
			     owners[i]);
}

Test(comm_table, roles)
{
	cr_assert(ct_comm_has("crictl", CT_COMM_ASKER));
	cr_assert_not(ct_comm_has("crictl", CT_COMM_CLIENT));
	cr_assert(ct_comm_has("conmon", CT_COMM_KEEPER));
	cr_assert_not(ct_comm_has("conmon", CT_COMM_ASKER));
	cr_assert(ct_comm_has("runsc", CT_COMM_TRIGGER));
	cr_assert_not(ct_comm_has("dockerd", CT_COMM_TRIGGER));
	cr_assert_not(ct_comm_has("bash", ~0u));
}

/* Every program has its row, and the names user space compares are the
 * base names of a path (argv[0]) or whole comms, never prefixes. */
Test(comm_table, programs_by_name)
{
	for (int i = 0; i < CT_PROGS; i++)
		cr_assert(ct_prog_name(i)[0] && strcmp(ct_prog_name(i), "?"),
			  "program %d has no row", i);
	cr_assert_str_eq(ct_prog_name(CT_PROGS), "?");
	cr_assert(ct_prog_is("/usr/bin/docker", CT_PROG_DOCKER));
	cr_assert(ct_prog_is("ctr", CT_PROG_CTR));
	cr_assert_not(ct_prog_is("/usr/bin/dockerd", CT_PROG_DOCKER));
	cr_assert_not(ct_prog_is("/opt/ctr/bin/nerdctl", CT_PROG_CTR));
	cr_assert(ct_prog_comm_is("dockerd", CT_PROG_DOCKERD));
	cr_assert_not(ct_prog_comm_is("docker", CT_PROG_DOCKERD));
	cr_assert_not(ct_prog_comm_is("containerd-shim", CT_PROG_CONTAINERD));
	/* the daemons' rows are in enum ct_daemon's order (BPF's ids) */
	cr_assert(ct_comm_has(ct_prog_name(CT_PROG_DOCKERD), CT_COMM_DAEMON));
	cr_assert_eq(CT_PROG_CONTAINERD - CT_PROG_DOCKERD,
		     CT_DAEMON_CONTAINERD - CT_DAEMON_DOCKERD);
}
