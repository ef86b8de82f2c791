// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * user/lib/ustack.c on processes laid out in a directory like /proc: what
 * it says of addresses it cannot name (a C file, the vDSO, anonymous
 * code, a process gone), and a frames buffer too short.  Naming Go
 * functions is checked against the Go runtime's own traceback by
 * tests/integration/gosym.sh.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "gosym.h"
#include "ustack.h"

#define RUNC	"/usr/sbin/runc"

static char top[64];

static void setup(void)
{
	char path[128];
	FILE *f;

	strcpy(top, "/tmp/ct-test-ustack.XXXXXX");
	cr_assert_not_null(mkdtemp(top));
	snprintf(path, sizeof(path), "%s/7", top);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/7/maps", top);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	/* /bin/sh's inode is not this one: the root's file is not taken */
	fputs("00400000-00401000 r--p 00000000 08:01 1 /bin/sh\n"
	      "00401000-00402000 r-xp 00001000 08:01 1 /bin/sh\n"
	      "7f0000000000-7f0000001000 r-xp 00000000 00:00 0 \n"
	      "7fff00000000-7fff00002000 r-xp 00000000 00:00 0 [vdso]\n", f);
	fclose(f);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(ustack, .init = setup, .fini = teardown);

/* The i-th of n names in frames. */
static const char *nth(const char *frames, size_t i)
{
	while (i--)
		frames += strlen(frames) + 1;
	return frames;
}

Test(ustack, what_cannot_be_named_is_said)
{
	struct ct_ustack *u = ct_ustack_new(top);
	uint64_t ips[] = { 0x400010, 0x7f0000000010, 0x7fff00000100,
			   0x12345, 0x401010, 0 };
	struct ct_ustack_stats st;
	char frames[256];
	uint16_t cut;

	cr_assert_not_null(u);
	cr_assert_eq(ct_ustack_name(u, 7, ips, 6, frames, sizeof(frames),
				    &cut), 5, "named up to the first 0");
	cr_expect_eq(cut, 0);
	cr_expect_str_eq(nth(frames, 0), "?", "not code");
	cr_expect_str_eq(nth(frames, 1), "?", "anonymous code");
	cr_expect_str_eq(nth(frames, 2), "[vdso]");
	cr_expect_str_eq(nth(frames, 3), "?", "in no mapping");
	cr_expect_str_eq(nth(frames, 4), "[sh]", "a file without Go's table");
	ct_ustack_stats(u, &st);
	cr_expect_eq(st.named, 0);
	cr_expect_eq(st.unnamed, 5);
	cr_expect_eq(st.gone, 0);
	cr_expect_eq(st.past_c, 0);
	ct_ustack_free(u);
}

/* C code keeps no frame pointer: its frame is the walk's last, the
 * addresses beyond it are not its callers (crun's `?;[libc.so.6]`). */
Test(ustack, a_frame_of_c_code_ends_the_walk)
{
	struct ct_ustack *u = ct_ustack_new(top);
	uint64_t ips[] = { 0x7fff00000100, 0x401010, 0x12345, 0x401020, 0 };
	struct ct_ustack_stats st;
	char frames[256];
	uint16_t cut;

	cr_assert_eq(ct_ustack_name(u, 7, ips, 5, frames, sizeof(frames),
				    &cut), 2, "the vdso's, then C code's");
	cr_expect_eq(cut, 0);
	cr_expect_str_eq(nth(frames, 0), "[vdso]", "the vdso ends nothing");
	cr_expect_str_eq(nth(frames, 1), "[sh]");
	ct_ustack_stats(u, &st);
	cr_expect_eq(st.past_c, 2, "the two beyond it counted");
	cr_expect_eq(st.named + st.unnamed, 2);
	ct_ustack_free(u);
}

Test(ustack, a_process_gone_and_a_short_buffer)
{
	struct ct_ustack *u = ct_ustack_new(top);
	uint64_t ips[] = { 0x7fff00000100, 0x7f0000000010, 0x401020 };
	struct ct_ustack_stats st;
	char frames[12];
	uint16_t cut;

	cr_assert_eq(ct_ustack_name(u, 8, ips, 3, frames, sizeof(frames),
				    &cut), 3);
	cr_expect_str_eq(nth(frames, 2), "?", "no maps: nothing named");
	/* "[vdso]\0?\0" leaves 3 of 12 bytes: "[sh]\0" is cut */
	cr_assert_eq(ct_ustack_name(u, 7, ips, 3, frames, sizeof(frames),
				    &cut), 2);
	cr_expect_eq(cut, 1);
	cr_expect_str_eq(nth(frames, 1), "?");
	ct_ustack_stats(u, &st);
	cr_expect_eq(st.gone, 1);
	ct_ustack_free(u);
}

/* A process forgotten (it exec'd) has its maps read again. */
Test(ustack, forget_reads_the_maps_again)
{
	struct ct_ustack *u = ct_ustack_new(top);
	uint64_t ips[] = { 0x7fff00000100 };
	char frames[64], path[128];
	uint16_t cut;

	cr_assert_eq(ct_ustack_name(u, 7, ips, 1, frames, sizeof(frames),
				    &cut), 1);
	cr_expect_str_eq(frames, "[vdso]");
	snprintf(path, sizeof(path), "%s/7/maps", top);
	cr_assert_eq(unlink(path), 0);
	ct_ustack_name(u, 7, ips, 1, frames, sizeof(frames), &cut);
	cr_expect_str_eq(frames, "[vdso]", "kept until forgotten");
	ct_ustack_forget(u, 7);
	ct_ustack_name(u, 7, ips, 1, frames, sizeof(frames), &cut);
	cr_expect_str_eq(frames, "?");
	ct_ustack_free(u);
}

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Process 9, child of 7, exec'd exe at exec_ns and gone: its first
 * address's name.  (Each a new process 9: the last one exited.) */
static const char *first(struct ct_ustack *u, const char *exe,
			 uint64_t exec_ns, const uint64_t *ips)
{
	static char frames[256];
	uint16_t cut;

	ct_ustack_forget(u, 9);
	ct_ustack_prime(u, 9, 7, exe, exec_ns);
	ct_ustack_name(u, 9, ips, 2, frames, sizeof(frames), &cut);
	return frames;
}

/*
 * What a uprobe is placed by (user/kern/ufn_bpf.c): functions by the end
 * of their names (runc's main.main and runtime.main among ".main"'s,
 * each one's entry as by its whole name), an entry's file offset, which
 * the LOAD segments map back to it; nothing for no such name or an
 * address in no segment.
 */
Test(ustack, functions_by_the_end_of_their_names_and_their_offsets)
{
	uint64_t e[64], main_entry, rt_entry, end, off, va;
	struct ct_gosym *g;
	bool main_seen = false, rt_seen = false;
	size_t n;

	cr_assert_eq(ct_gosym_open(RUNC, &g), 0, "%s: a dependency", RUNC);
	cr_assert_eq(ct_gosym_func(g, "main.main", &main_entry, &end), 0);
	cr_assert_eq(ct_gosym_func(g, "runtime.main", &rt_entry, &end), 0);
	n = ct_gosym_funcs_ending(g, ".main", e, 64);
	cr_assert(n >= 2 && n <= 64, "%zu functions end in .main", n);
	for (size_t i = 0; i < n; i++) {
		main_seen = main_seen || e[i] == main_entry;
		rt_seen = rt_seen || e[i] == rt_entry;
	}
	cr_expect(main_seen && rt_seen);
	cr_expect_eq(ct_gosym_funcs_ending(g, ".main", e, 1), n,
		     "the count, past max");
	cr_expect_eq(ct_gosym_funcs_ending(g, ".noSuchFunction", e, 64), 0);
	cr_assert_eq(ct_gosym_offset(g, main_entry, &off), 0);
	cr_assert_eq(ct_gosym_vaddr(g, off, &va), 0);
	cr_expect_eq(va, main_entry);
	cr_expect_eq(ct_gosym_offset(g, 0, &off), -ENOENT);
	ct_gosym_free(g);
}

/*
 * A process gone before its exec record was read (its parent 7 still
 * there): named through the exec's file under the parent's root, a
 * non-PIE Go program (Debian's runc, a dependency) copied there, only
 * if the copy was made before the exec; /proc/self/exe through the
 * parent's exe; a memfd and a file not there name nothing.
 */
Test(ustack, a_process_gone_is_named_through_its_exec_s_file)
{
	struct ct_ustack *u = ct_ustack_new(top);
	struct ct_ustack_stats st;
	struct ct_gosym *g;
	uint64_t ips[2], end, before = mono_ns(), after;
	char frames[256], cmd[256];
	uint16_t cut;

	cr_assert_eq(ct_gosym_open(RUNC, &g), 0, "%s: a dependency", RUNC);
	cr_assert_eq(ct_gosym_func(g, "main.main", &ips[0], &end), 0);
	cr_assert_eq(ct_gosym_func(g, "runtime.main", &ips[1], &end), 0);
	ips[0] += 1;
	ips[1] += 5;		/* a return address into it */
	ct_gosym_free(g);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/7/root/bin && cp %s "
		 "%s/7/root/bin/prog", top, RUNC, top);
	cr_assert_eq(system(cmd), 0);
	after = mono_ns();

	ct_ustack_prime(u, 9, 7, "/bin/prog", after);
	cr_assert_eq(ct_ustack_name(u, 9, ips, 2, frames, sizeof(frames),
				    &cut), 2);
	cr_expect_str_eq(nth(frames, 0), "main.main");
	cr_expect_str_eq(nth(frames, 1), "runtime.main");
	ct_ustack_stats(u, &st);
	cr_expect_eq(st.by_exe, 1);
	cr_expect_eq(st.gone, 0);

	/* a second exec of the same process (chroot(1)'s command): its
	 * root may be its own, not its parent's */
	ct_ustack_prime(u, 9, 7, "/bin/prog", after);
	cr_assert_eq(ct_ustack_name(u, 9, ips, 2, frames, sizeof(frames),
				    &cut), 2);
	cr_expect_str_eq(nth(frames, 0), "?", "exec'd again: not guessed");
	cr_expect_str_eq(first(u, "/bin/prog", before, ips), "?",
			 "a file changed after the exec");
	cr_expect_str_eq(first(u, "/proc/self/exe", after, ips), "?",
			 "the parent's exe: none");
	snprintf(cmd, sizeof(cmd), "ln -s root/bin/prog %s/7/exe", top);
	cr_assert_eq(system(cmd), 0);
	cr_expect_str_eq(first(u, "/proc/self/exe", after, ips), "main.main",
			 "the parent's exe");
	cr_expect_str_eq(first(u, "/dev/fd/6", after, ips), "?",
			 "a memfd: not known");
	cr_expect_str_eq(first(u, "/bin/sh", after, ips), "?",
			 "no such file in the root");
	/* another copy (runc's init's memfd): its build id's table */
	snprintf(cmd, sizeof(cmd), "cp %s %s/7/root/bin/copy", RUNC, top);
	cr_assert_eq(system(cmd), 0);
	cr_expect_str_eq(first(u, "/bin/copy", mono_ns(), ips), "main.main");
	ct_ustack_stats(u, &st);
	cr_expect_eq(st.files, 1, "a copy's table is read again");
	cr_expect_eq(st.gone, 5, "exec'd again, changed, none, memfd, no file");
	ct_ustack_free(u);
}
