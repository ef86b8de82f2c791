// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The process table's ancestry walk (proc.h: ct_proc_below()). */
#include <criterion/criterion.h>

#include "proc.h"

Test(proc, below_walks_the_known_parents)
{
	struct ct_proc_table *t = ct_proc_table_new(16);
	struct ct_proc *root;

	cr_assert_not_null(t);
	root = ct_proc_add(t, 10);	/* a runtime: 10 <- 11 <- 12 */
	cr_assert_not_null(root);
	root->role = CT_ROLE_RT_CMD;
	cr_assert_not_null(ct_proc_fork(t, 10, 11));
	cr_assert_not_null(ct_proc_fork(t, 11, 12));
	cr_assert_not_null(ct_proc_add(t, 20));
	cr_expect(ct_proc_below(t, 12, 10));
	cr_expect(ct_proc_below(t, 12, 12));
	cr_expect(ct_proc_below(t, 11, 10));
	cr_expect_not(ct_proc_below(t, 10, 12));
	cr_expect_not(ct_proc_below(t, 20, 10));
	/* a parent the table never saw ends the walk */
	cr_expect_not(ct_proc_below(t, 99, 10));
	cr_expect_not(ct_proc_below(t, 0, 0));
	ct_proc_table_free(t);
}
