// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* figures.h's table, read by every output that says a container. */
#include "container.h"
#include "figures.h"

#define CT_FIGURE_ROW(field, k, ...)					\
	{ .name = #field, .off = offsetof(struct ct_container, field),	\
	  .kind = CT_FIG_##k, __VA_ARGS__ },
static const struct ct_figure_row rows[CT_FIG_MAX] = {
	CT_FIGURES(CT_FIGURE_ROW)
};
#undef CT_FIGURE_ROW

const struct ct_figure_row *ct_figure_row(enum ct_figure f)
{
	return &rows[f];
}

/* Both kinds are a byte: a bool or a uint8_t. */
uint8_t ct_figure_value(const struct ct_container *c, enum ct_figure f)
{
	return *((const uint8_t *)c + rows[f].off);
}

int ct_figure_exit(const struct ct_container *c, enum ct_figure f)
{
	return *(const int *)((const char *)c + rows[f].value);
}

const char *ct_figure_words(const struct ct_container *c, enum ct_figure f)
{
	if (rows[f].kind != CT_FIG_REASON)
		return NULL;
	return rows[f].reason(ct_figure_value(c, f));
}

unsigned int ct_figure_place(enum ct_figure f, enum ct_figure_out out)
{
	const struct ct_figure_row *r = &rows[f];
	const unsigned int at[CT_FIG_OUTS] = {
		[CT_FIG_JSON] = r->json_at, [CT_FIG_OTLP] = r->otlp_at,
		[CT_FIG_NOTE] = r->note_at, [CT_FIG_CSV] = r->csv_at,
		[CT_FIG_PROM] = r->prom_at,
	};

	return at[out];
}

/* Rank by rank, so that a row taken out leaves a gap, not an end. */
int ct_figures_set(const struct ct_container *c, enum ct_figure_out out,
		   unsigned int group, enum ct_figure set[CT_FIG_MAX])
{
	int n = 0;

	for (unsigned int at = 10 * group; at < 10 * group + 10; at++)
		for (int f = 0; f < CT_FIG_MAX; f++)
			if (ct_figure_place(f, out) == at &&
			    ct_figure_value(c, f))
				set[n++] = f;
	return n;
}

bool ct_figures_keep_out(const struct ct_container *c, unsigned int mask)
{
	for (int f = 0; f < CT_FIG_MAX; f++)
		if ((rows[f].keep_out & mask) && ct_figure_value(c, f))
			return true;
	return false;
}
