// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * user/lib/ustack.c on a live process, for tests/gosym/ustacks.py to hold
 * against the Go runtime's own traceback: PROC_DIR PID are the process
 * (PROC_DIR laid out as /proc: its PID/maps and PID/map_files), and each
 * address on standard input (0x...), a frame's pc as a traceback prints
 * it (a return address), gives one line: its name.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "ustack.h"

int main(int argc, char **argv)
{
	struct ct_ustack_stats st;
	struct ct_ustack *u;
	char buf[64];

	if (argc != 3) {
		fprintf(stderr, "usage: %s PROC_DIR PID <ADDRESSES\n", argv[0]);
		return 2;
	}
	u = ct_ustack_new(argv[1]);
	if (!u)
		return 1;
	while (fgets(buf, sizeof(buf), stdin)) {
		uint64_t a = strtoull(buf, NULL, 16);
		/* a return address is named as the second frame of a stack */
		uint64_t ips[2] = { a, a };
		char frames[512];
		uint16_t cut;
		size_t n = ct_ustack_name(u, strtoul(argv[2], NULL, 10), ips, 2,
					  frames, sizeof(frames), &cut);
		const char *second = frames;

		while (n == 2 && *second)
			second++;
		puts(n == 2 ? second + 1 : "?");
	}
	ct_ustack_stats(u, &st);
	fprintf(stderr, "named %" PRIu64 ", unnamed %" PRIu64 ", gone %" PRIu64 "\n",
		st.named, st.unnamed, st.gone);
	ct_ustack_free(u);
	return 0;
}
