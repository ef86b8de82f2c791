/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `coldtrace compare A B`: which phase moved between two runs, by how
 * much, and whether it is real (docs/compare.md).  Exit status as diff(1)
 * and cmp(1): 0 no regression, 1 a --fail-if gate failed, 2 trouble.
 */
#ifndef __CT_COMPARE_H
#define __CT_COMPARE_H

/* argv[0] is "compare"; self is coldtrace's own path (for replays). */
int ct_compare_main(int argc, char **argv, const char *self);

#endif /* __CT_COMPARE_H */
