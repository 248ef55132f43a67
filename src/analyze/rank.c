/*
 * rank.c - average ranks with ties (see rank.h).
 *
 * Sorts (value, index) pairs by radix on the bits of the doubles (no comparisons to
 * mispredict: a merge sort spent 24 us on 500 random values, this 9 us; ranking runs once
 * per gene and load on Spearman's path and once per gene in the differential pass), then
 * gives each run of equal values the mean of its ranks.  The order of equal values is
 * not kept; ranks and q-values do not depend on it.
 */
#include "analyze/rank.h"

#include <stdint.h>
#include <string.h>

/* unsigned integer with the order of the double (NaN excluded; -0 just below +0) */
static inline uint64_t sort_key(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return (u >> 63) ? ~u : u | (1ULL << 63);
}

/* LSD radix sort of src (n items) on key bytes lo..7, ping-ponging with dst; returns
 * where the result is */
static gx_rank_item *radix(gx_rank_item *src, gx_rank_item *dst, size_t n, unsigned lo)
{
	size_t cnt[256], i, c, sum;
	unsigned shift;

	for (shift = 8 * lo; shift < 64; shift += 8) {
		gx_rank_item *t;

		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < n; i++)
			cnt[(sort_key(src[i].v) >> shift) & 255]++;
		if (cnt[(sort_key(src[0].v) >> shift) & 255] == n)
			continue; /* every key has this byte: nothing moves */
		for (c = 0, sum = 0; c < 256; c++) {
			size_t k = cnt[c];

			cnt[c] = sum;
			sum += k;
		}
		for (i = 0; i < n; i++)
			dst[cnt[(sort_key(src[i].v) >> shift) & 255]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	return src;
}

void gx_rank_sort(gx_rank_item *w, gx_rank_item *tmp, size_t n)
{
	gx_rank_item *r;
	size_t i, moves = 0;

	if (n < 2)
		return;
	/* the top 32 bits of the key first (sign, exponent and 20 bits of mantissa: values
	 * of one gene rarely share them), then insertion puts the rest right; if that would
	 * move many items, a full radix sort instead */
	r = radix(w, tmp, n, 4);
	if (r != w)
		memcpy(w, r, n * sizeof(*w));
	for (i = 1; i < n && moves <= 4 * n; i++) {
		gx_rank_item x = w[i];
		size_t k = i;

		while (k > 0 && w[k - 1].v > x.v) {
			w[k] = w[k - 1];
			k--;
		}
		w[k] = x;
		moves += i - k;
	}
	if (i < n) {
		r = radix(w, tmp, n, 0);
		if (r != w)
			memcpy(w, r, n * sizeof(*w));
	}
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
