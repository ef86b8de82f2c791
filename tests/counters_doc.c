// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * docs/output.md's table of the session's counters and losses, printed
 * from user/model/counters.h's rows (tests/counters.sh compares it with
 * the page, or writes it there).
 */
#include <stdio.h>
#include "counters.h"

#define CT_COUNTER_ROW(field, src, ...)	{ __VA_ARGS__ },
static const struct ct_counter_row rows[CT_CTR_MAX] = {
	CT_COUNTERS(CT_COUNTER_ROW)
};
#undef CT_COUNTER_ROW

static const char *text_of(const struct ct_counter_row *r)
{
	if (!r->text_at)
		return "—";
	return r->flags & CT_CTR_TEXT_ALWAYS ? "always" : "when not 0";
}

static void prom_of(const struct ct_counter_row *r)
{
	if (r->prom_at)
		printf("`coldtrace_%s_total`%s", r->key,
		       r->flags & CT_CTR_BY_MAP ? " by `map`" : "");
	else if (r->prom_own)
		printf("`%s`", r->prom_own);
	else
		printf("—");
}

int main(void)
{
	printf("| `summary.json` | counts | text summary | `metrics.prom` "
	       "| left out of | what |\n");
	printf("| --- | --- | --- | --- | --- | --- |\n");
	for (int i = 0; i < CT_CTR_MAX; i++) {
		const struct ct_counter_row *r = &rows[i];

		printf("| `%s` | %s%s | %s | ", r->key, r->unit,
		       r->type ? " (the largest)" : "", text_of(r));
		prom_of(r);
		printf(" | %s | %s |\n", r->kept_out ? r->kept_out : "—",
		       r->help);
	}
	return 0;
}
