/*
 * rank.h - average ranks with ties (scipy.stats.rankdata(method='average')).
 *
 * Shared by Spearman's correlation (ranks, then Pearson) and the Wilcoxon rank-sum
 * test (rank sums and the tie term).
 */
#ifndef GX_RANK_H
#define GX_RANK_H

#include <stddef.h>

/* Sort scratch for gx_rank_avg: 2n of these. */
typedef struct gx_rank_item {
	double v;
	size_t i;
} gx_rank_item;

/*
 * ranks[i] = the 1-based rank of x[i] among x[0 .. n-1], tied values sharing the mean
 * of their ranks.  x must not hold NaN.  'work' is caller scratch of 2n items.  Returns
 * the tie term sum over groups of tied values of (t^3 - t), 0 without ties.
 */
double gx_rank_avg(const double *x, size_t n, double *ranks, gx_rank_item *work);

/* Sort w[0 .. n-1] by v ascending (no NaN), tmp is scratch of n items.  Equal values
 * may come out in any order. */
void gx_rank_sort(gx_rank_item *w, gx_rank_item *tmp, size_t n);

#endif
