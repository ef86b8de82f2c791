// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Names, total and exclusive time of struct ct_container. */
#include <criterion/criterion.h>
#include <string.h>
#include "container.h"
#include "engine.h"

static void ph(struct ct_container *c, enum ct_phase p, uint64_t s,
	       uint64_t e)
{
	c->phase_mask |= 1u << p;
	c->phases[p].start_ns = s;
	c->phases[p].end_ns = e;
}

Test(container, names)
{
	cr_expect_str_eq(ct_phase_name(CT_PH_ATTACH), "attach");
	cr_expect_str_eq(ct_phase_name(CT_PH_DISCONNECT), "disconnect");
	cr_expect_str_eq(ct_phase_name(CT_PH_DESTROY), "destroy");
	cr_expect_str_eq(ct_phase_name(CT_PH_MAX), "?");
	cr_expect_str_eq(ct_runtime_name(CT_RT_RUNSC), "runsc");
	cr_expect_str_eq(ct_runtime_name(CT_RT_MAX), "?");
	cr_expect_str_eq(ct_engine_name(CT_ENG_DIRECT), "direct");
	cr_expect_str_eq(ct_engine_name((enum ct_engine_kind)-1), "?");
	cr_expect_eq(ct_runtime_from_name("crun"), CT_RT_CRUN);
	cr_expect_eq(ct_runtime_from_name("kata"), CT_RT_KATA);
	cr_expect_eq(ct_runtime_from_name("unknown"), -1);
	cr_expect_eq(ct_runtime_from_name("RUNC"), -1);
	cr_expect_eq(ct_runtime_from_name(NULL), -1);
}

/* A row of the engine table fits where its words go: the table's 6-wide
 * ENGINE column, --engine's item (under 16 bytes), one name per kind. */
Test(container, engine_rows_fit_their_columns)
{
	for (int k = 0; k < CT_ENG_MAX; k++) {
		const struct ct_engine *e = ct_engine(k);
		const char *col = e->column ? e->column : e->name;

		cr_assert_not_null(e->name, "kind %d has no row", k);
		cr_expect_leq(strlen(col), 6, "%s: column '%s'", e->name, col);
		cr_expect_lt(strlen(e->name), 16, "%s", e->name);
		for (int j = 0; j < k; j++)
			cr_expect_str_neq(ct_engine(j)->name, e->name);
	}
}

Test(container, total)
{
	struct ct_container c;

	memset(&c, 0, sizeof(c));
	cr_expect_eq(ct_total_ns(&c), 0);
	c.first_ns = 100;
	c.last_ns = 350;
	cr_expect_eq(ct_total_ns(&c), 250);
	c.last_ns = 50;
	cr_expect_eq(ct_total_ns(&c), 0);
}

/* connect nested in create counts for connect only; disconnect nested in
 * destroy likewise; sums never exceed the total. */
Test(container, exclusive_nested)
{
	struct ct_container c;
	uint64_t x[CT_PH_MAX], sum = 0;

	memset(&c, 0, sizeof(c));
	ph(&c, CT_PH_ATTACH, 0, 72);
	ph(&c, CT_PH_CREATE, 72, 585);
	ph(&c, CT_PH_CONNECT, 277, 548);
	ph(&c, CT_PH_START, 628, 681);
	ph(&c, CT_PH_RUN, 681, 686);
	ph(&c, CT_PH_DIE, 686, 722);
	ph(&c, CT_PH_DESTROY, 722, 889);
	ph(&c, CT_PH_DISCONNECT, 885, 886);
	c.first_ns = 0;
	c.last_ns = 889;
	ct_exclusive_ns(&c, x);
	cr_expect_eq(x[CT_PH_ATTACH], 72);
	cr_expect_eq(x[CT_PH_CREATE], 513 - 271);
	cr_expect_eq(x[CT_PH_CONNECT], 271);
	cr_expect_eq(x[CT_PH_START], 53);
	cr_expect_eq(x[CT_PH_RUN], 5);
	cr_expect_eq(x[CT_PH_DIE], 36);
	cr_expect_eq(x[CT_PH_DISCONNECT], 1);
	cr_expect_eq(x[CT_PH_DESTROY], 167 - 1);
	for (int p = 0; p < CT_PH_MAX; p++)
		sum += x[p];
	cr_expect_leq(sum, ct_total_ns(&c));
	cr_expect_eq(sum, 889 - (628 - 585), "gap 585..628 is nobody's");
}

/* Open, absent and inverted phases count nothing. */
Test(container, exclusive_open_and_overlap)
{
	struct ct_container c;
	uint64_t x[CT_PH_MAX];

	memset(&c, 0, sizeof(c));
	ph(&c, CT_PH_CREATE, 10, 0);	/* open */
	ph(&c, CT_PH_START, 50, 40);	/* inverted */
	ph(&c, CT_PH_RUN, 100, 200);
	ph(&c, CT_PH_DIE, 150, 250);	/* partial overlap: later start wins */
	ct_exclusive_ns(&c, x);
	cr_expect_eq(x[CT_PH_CREATE], 0);
	cr_expect_eq(x[CT_PH_START], 0);
	cr_expect_eq(x[CT_PH_RUN], 50);
	cr_expect_eq(x[CT_PH_DIE], 100);
	cr_expect_eq(ct_phase_dur(&c, CT_PH_START), 0);
	cr_expect_eq(ct_phase_dur(&c, CT_PH_RUN), 100);
}
