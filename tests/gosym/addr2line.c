// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `go tool addr2line` through user/lib/gosym.c, for tests/gosym/check.py
 * to hold against Go's own: the ELF file is the argument, pcs (0x...) come
 * one a line on standard input, and each gives two lines, the function,
 * then file:line, as Go's prints them ("?" and "?:0" in no function; an
 * empty file and line -1 where the function's tables say nothing).
 * `-t`: runtime.text instead; `-f`: function names on standard input,
 * each giving its entry and end, or "?".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gosym.h"

static void by_name(const struct ct_gosym *g)
{
	char name[4096];

	while (fgets(name, sizeof(name), stdin)) {
		uint64_t entry, end;

		name[strcspn(name, "\n")] = '\0';
		if (ct_gosym_func(g, name, &entry, &end))
			puts("?");
		else
			printf("0x%" PRIx64 " 0x%" PRIx64 "\n", entry, end);
	}
}

static void by_pc(const struct ct_gosym *g)
{
	char buf[64];

	while (fgets(buf, sizeof(buf), stdin)) {
		struct ct_gosym_line l;
		uint64_t pc = strtoull(buf, NULL, 16);

		if (ct_gosym_pc(g, pc, &l))
			printf("?\n?:0\n");
		else
			printf("%s\n%s:%d\n", l.func, l.file ? l.file : "",
			       l.line ? l.line : -1);
	}
}

int main(int argc, char **argv)
{
	struct ct_gosym *g;
	int rc;

	if (argc < 2 || argc > 3 ||
	    (argc == 3 && strcmp(argv[2], "-t") && strcmp(argv[2], "-f"))) {
		fprintf(stderr, "usage: %s ELF [-t | -f] <PCS_OR_FUNCTIONS\n",
			argv[0]);
		return 2;
	}
	rc = ct_gosym_open(argv[1], &g);
	if (rc) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	if (argc == 2)
		by_pc(g);
	else if (!strcmp(argv[2], "-f"))
		by_name(g);
	else
		printf("0x%" PRIx64 " %s\n", ct_gosym_text(g),
		       ct_gosym_layout(g));
	ct_gosym_free(g);
	return rc;
}
