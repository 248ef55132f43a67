/*
 * rank.c - average ranks with ties (see rank.h).
 *
 * Sorts (value, index) pairs with a bottom-up merge sort (stable, no comparator calls:
 * ranking runs once per gene and load, so it sits on the correlation's path), then gives
 * each run of equal values the mean of its ranks.
 */
#include "analyze/rank.h"

#include <string.h>

void gx_rank_sort(gx_rank_item *w, gx_rank_item *tmp, size_t n)
{
	gx_rank_item *src = w, *dst = tmp, *t;
	size_t width, i;

	/* insertion sort on runs of 16 first */
	for (i = 0; i < n; i += 16) {
		size_t end = i + 16 < n ? i + 16 : n, j, k;

		for (j = i + 1; j < end; j++) {
			gx_rank_item x = w[j];

			for (k = j; k > i && w[k - 1].v > x.v; k--)
				w[k] = w[k - 1];
			w[k] = x;
		}
	}
	for (width = 16; width < n; width *= 2) {
		for (i = 0; i < n; i += 2 * width) {
			size_t lo = i, mid = i + width < n ? i + width : n;
			size_t hi = i + 2 * width < n ? i + 2 * width : n, a = lo, b = mid, k = lo;

			while (a < mid && b < hi)
				dst[k++] = src[b].v < src[a].v ? src[b++] : src[a++];
			while (a < mid)
				dst[k++] = src[a++];
			while (b < hi)
				dst[k++] = src[b++];
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != w)
		memcpy(w, src, n * sizeof(*w));
}

double gx_rank_avg(const double *x, size_t n, double *ranks, gx_rank_item *work)
{
	double tie = 0;
	size_t i, j;

	for (i = 0; i < n; i++) {
		work[i].v = x[i];
		work[i].i = i;
	}
	gx_rank_sort(work, work + n, n);
	for (i = 0; i < n; i = j) {
		double r;

		for (j = i + 1; j < n && work[j].v == work[i].v; j++)
			;
		r = (double)(i + j + 1) / 2; /* mean of ranks i+1 .. j */
		if (j - i > 1) {
			double t = (double)(j - i);

			tie += t * t * t - t;
		}
		for (size_t k = i; k < j; k++)
			ranks[work[k].i] = r;
	}
	return tie;
}
