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

/* Every kind is a byte: a bool or a uint8_t; a PART's at its value. */
uint8_t ct_figure_value(const struct ct_container *c, enum ct_figure f)
{
	size_t at = rows[f].kind == CT_FIG_PART ? rows[f].value : rows[f].off;

	return *((const uint8_t *)c + at);
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

#define CT_FUSE_FIGURE_ROW(field, k, ...)				\
	{ .name = #field, .off = offsetof(struct ct_fuse_use, field),	\
	  .kind = CT_FUSE_FIG_##k, __VA_ARGS__ },
static const struct ct_fuse_figure_row use_rows[CT_FUSE_FIG_MAX] = {
	CT_FUSE_FIGURES(CT_FUSE_FIGURE_ROW)
};
#undef CT_FUSE_FIGURE_ROW

#define CT_FUSE_LAYER_ROW(field, k, ...)				\
	{ .name = #field, .off = offsetof(struct ct_fuse_layer, field),	\
	  .kind = CT_FUSE_FIG_##k, __VA_ARGS__ },
static const struct ct_fuse_figure_row layer_rows[] = {
	CT_FUSE_LAYER_FIGURES(CT_FUSE_LAYER_ROW)
};
#undef CT_FUSE_LAYER_ROW

#define N_ROWS(a)	((int)(sizeof(a) / sizeof((a)[0])))
/* a writer's set[] holds CT_FUSE_FIG_MAX rows of either table */
_Static_assert(N_ROWS(layer_rows) <= CT_FUSE_FIG_MAX, "set[] too short");

const struct ct_fuse_figures ct_fuse_use_figures = {
	.rows = use_rows, .n = N_ROWS(use_rows),
};
const struct ct_fuse_figures ct_fuse_layer_figures = {
	.rows = layer_rows, .n = N_ROWS(layer_rows),
};

uint64_t ct_fuse_figure_value(const struct ct_fuse_figure_row *r,
			      const void *base)
{
	const char *p = (const char *)base + r->off;

	switch (r->kind) {
	case CT_FUSE_FIG_U64:
		return *(const uint64_t *)p;
	case CT_FUSE_FIG_U32:
		return *(const uint32_t *)p;
	default:
		return *(const bool *)p;
	}
}

unsigned int ct_fuse_use_holds(const struct ct_fuse_use *u)
{
	unsigned int h = 0;

	if (u->fetched_layers || u->fetched_unknown)
		h |= CT_FUSE_IF_FETCHED;
	if (u->fetched_layers)
		h |= CT_FUSE_IF_KNOWN;
	if (u->has_ready)
		h |= CT_FUSE_IF_READY;
	return h;
}

/* A layer is sampled only when its bytes are known: FETCHED is KNOWN. */
unsigned int ct_fuse_layer_holds(const struct ct_fuse_use *u,
				 const struct ct_fuse_layer *l)
{
	unsigned int h = 0;

	if (l->fetched == CT_FETCHED_KNOWN)
		h |= CT_FUSE_IF_FETCHED | CT_FUSE_IF_KNOWN;
	if (u->has_ready)
		h |= CT_FUSE_IF_READY;
	return h;
}

static bool fuse_said(const struct ct_fuse_figure_row *r, const void *base,
		      unsigned int holds, enum ct_figure_out out)
{
	unsigned int when = out == CT_FIG_NOTE ? r->note_when : r->when;

	if (when & ~CT_FUSE_IF_SET & ~holds)
		return false;
	return !(when & CT_FUSE_IF_SET) || ct_fuse_figure_value(r, base);
}

static unsigned int fuse_place(const struct ct_fuse_figure_row *r,
			       enum ct_figure_out out)
{
	if (out == CT_FIG_JSON)
		return r->json_at;
	return out == CT_FIG_OTLP ? r->otlp_at : r->note_at;
}

int ct_fuse_figures_said(const struct ct_fuse_figures *t, const void *base,
			 unsigned int holds, enum ct_figure_out out,
			 unsigned int group,
			 const struct ct_fuse_figure_row *set[CT_FUSE_FIG_MAX])
{
	const struct ct_fuse_figure_row *r;
	int n = 0;

	for (unsigned int at = 10 * group; at < 10 * group + 10; at++)
		for (r = t->rows; r < t->rows + t->n; r++)
			if (fuse_place(r, out) == at &&
			    fuse_said(r, base, holds, out))
				set[n++] = r;
	return n;
}
