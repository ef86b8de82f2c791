// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The outputs' table (outputs.c): a row for every value of enum
 * ct_output_id, so that the session's arrays, CT_OUTPUTS long, hold
 * every output a command line can ask for, and a missing row is caught
 * here rather than by a NULL call.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "outputs.h"

Test(outputs, a_row_per_id)
{
	for (size_t i = 0; i < CT_OUTPUTS; i++) {
		cr_assert_not_null(ct_outputs[i].name, "row %zu", i);
		cr_expect_not_null(ct_outputs[i].wanted, "%s", ct_outputs[i].name);
		cr_expect_not_null(ct_outputs[i].open, "%s", ct_outputs[i].name);
		for (size_t j = 0; j < i; j++)
			cr_expect_str_neq(ct_outputs[i].name, ct_outputs[j].name);
	}
}

/* Each row is asked for by its option: all at once fit the session. */
Test(outputs, each_row_asked_by_its_option)
{
	struct ct_cli cli = { 0 };

	cli.listen = "127.0.0.1:1";
	cli.otlp_url = "http://127.0.0.1:9";
	cli.output_dir = "out";
	for (size_t i = 0; i < CT_OUTPUTS; i++)
		cr_expect(ct_outputs[i].wanted(&cli), "%s", ct_outputs[i].name);
	cr_expect_str_eq(ct_outputs[CT_OUT_METRICS].name, "metrics");
	cr_expect_str_eq(ct_outputs[CT_OUT_DIR].name, "dir");
}
