/*
 * stats.c - per-sample value statistics (see stats.h).
 *
 * Invariant: a sample's figures cover exactly the cells the scan passed for it since
 * gx_stats_init (missing cells in n_missing, the others in n_values, min and max).
 * Does not: decide anything about the figures (validate.c does), or keep values.
 */
#include "transform/stats.h"
#include "core/mem.h"

#include <math.h>
#include <string.h>

int gx_stats_init(gx_stats *st, size_t n_samples, gx_err *err)
{
	size_t i;

	gx_stats_release(st);
	st->s = gx_calloc(n_samples ? n_samples : 1, sizeof(*st->s));
	st->want = gx_calloc(n_samples ? n_samples : 1, 1);
	if (!st->s || !st->want) {
		gx_stats_release(st);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	st->n = n_samples;
	for (i = 0; i < n_samples; i++) {
		st->s[i].min = INFINITY;
		st->s[i].max = -INFINITY;
	}
	return 0;
}

void gx_stats_want(gx_stats *st, size_t i, int want)
{
	if (!st || i >= st->n || !st->want[i] == !want)
		return;
	st->want[i] = (unsigned char)!!want;
	st->n_wanted += want ? 1 : (size_t)-1;
}

static inline void count(gx_sample_stats *s, double v, int missing)
{
	if (missing) {
		s->n_missing++;
		return;
	}
	s->n_values++;
	s->n_negative += v < 0;
	if (v < s->min)
		s->min = v;
	if (v > s->max)
		s->max = v;
}

void gx_stats_add_cells(gx_stats *st, const gx_cells *c, const size_t *colmap, size_t n_cols)
{
	const unsigned char *miss = c->missing;
	size_t i, col;

	if (!st || !st->n_wanted || !c->n || !n_cols)
		return;
	if (!c->gene && !c->sample) {
		/* dense, row-major, whole rows: walk columns without a division per cell */
		for (i = 0; i < c->n;) {
			for (col = 0; col < n_cols && i < c->n; col++, i++) {
				size_t k = colmap ? colmap[col] : col;
				if (st->want[k])
					count(&st->s[k], c->value[i], miss && miss[i]);
			}
		}
		return;
	}
	for (i = 0; i < c->n; i++) {
		size_t k;
		col = c->sample ? c->sample[i] : i % n_cols;
		k = colmap ? colmap[col] : col;
		if (st->want[k])
			count(&st->s[k], c->value[i], miss && miss[i]);
	}
}

void gx_stats_release(gx_stats *st)
{
	if (!st)
		return;
	gx_free(st->s);
	gx_free(st->want);
	memset(st, 0, sizeof(*st));
}
