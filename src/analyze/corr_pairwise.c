/*
 * corr_pairwise.c - pairs in which a gene has missing values (see corr_impl.h):
 * pairwise-complete samples, Pearson's r as scipy computes it (Spearman: the samples
 * ranked again first), one pair at a time, O(n log n) a pair.  Its p-values go to the
 * exact store's slow half and to the bins by value.
 */
#include "analyze/corr_impl.h"
#include "analyze/dist.h"

#include <math.h>
#include <stddef.h>


/* Pearson r of u, v (k values), as scipy: centred, each divided by its norm, then dot */
static double pearson(const double *u, const double *v, size_t k)
{
	double mu = 0, mv = 0, nu = 0, nv = 0, r = 0;
	size_t s;

	for (s = 0; s < k; s++) {
		mu += u[s];
		mv += v[s];
	}
	mu /= (double)k;
	mv /= (double)k;
	for (s = 0; s < k; s++) {
		nu += (u[s] - mu) * (u[s] - mu);
		nv += (v[s] - mv) * (v[s] - mv);
	}
	nu = sqrt(nu);
	nv = sqrt(nv);
	for (s = 0; s < k; s++)
		r += ((u[s] - mu) / nu) * ((v[s] - mv) / nv);
	return r;
}

static int all_equal(const double *x, size_t k)
{
	size_t s;

	for (s = 1; s < k; s++)
		if (x[s] != x[0])
			return 0;
	return 1;
}

/* a pair where a gene has missing values: over the samples where both have one */
int corr_slow_pair(run *R, const double *x, const double *y, uint32_t i, uint32_t j)
{
	size_t s, k = 0;
	double r, p;

	for (s = 0; s < R->n; s++) {
		if (isfinite(x[s]) && isfinite(y[s])) {
			R->pa[k] = x[s];
			R->pb[k++] = y[s];
		}
	}
	if (k < R->o.min_n || all_equal(R->pa, k) || all_equal(R->pb, k))
		return 0;
	if (R->o.method == GX_CORR_SPEARMAN) {
		gx_rank_avg(R->pa, k, R->qa, R->work);
		gx_rank_avg(R->pb, k, R->qb, R->work);
		r = pearson(R->qa, R->qb, k);
	} else {
		r = pearson(R->pa, R->pb, k);
	}
	if (r > 1)
		r = 1;
	if (r < -1)
		r = -1;
	p = gx_r_p2(r, (double)k);
	if (R->pass == 2) {
		size_t c = corr_bin_of_p(R, p);

		if (R->want[c])
			corr_collect(R, p, c);
		return 0;
	}
	R->m++;
	if (R->hist) {
		size_t c = corr_bin_of_p(R, p);

		R->hist[c]++;
		if (p > R->bmax_p[c])
			R->bmax_p[c] = p;
	}
	if (-p > R->e2tau) {
		if (R->e2n == R->e2cap && R->e2cap < R->e2max) {
			size_t cap = R->e2cap ? 2 * R->e2cap : 4096;
			double *e;

			if (cap > R->e2max)
				cap = R->e2max;
			if (!(e = corr_grow(R, R->e2, R->e2cap, cap, sizeof(*e))))
				return corr_oom(R);
			R->e2 = e;
			R->e2cap = cap;
		}
		if (R->e2n == R->e2cap)
			R->e2tau = corr_cut_top(R->e2, &R->e2n, R->S);
		if (-p > R->e2tau)
			R->e2[R->e2n++] = -p;
	}
	return corr_keep(R, r, i, j, (uint32_t)k);
}
