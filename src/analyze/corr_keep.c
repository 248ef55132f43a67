/*
 * corr_keep.c - what happens to each r (see corr_impl.h): the kept heap (top K by |r|,
 * and every pair at or above the threshold), the exact store of the smallest p-values
 * (held as the largest |r| on the fast path) and the p-value bins; on the second sweep,
 * the exact p-values of the bins BH must read.  corr_block_pairs sends each pair of a
 * block product to the fast path or, when a gene has missing values, to corr_pairwise.c.
 */
#include "analyze/corr_impl.h"
#include "analyze/dist.h"

#include <math.h>
#include <stddef.h>


/* a is weaker than b: smaller |r|, or equal |r| and later (i, j) */
int corr_weaker(const kept *a, const kept *b)
{
	double x = fabs(a->r), y = fabs(b->r);

	if (x != y)
		return x < y;
	if (a->i != b->i)
		return a->i > b->i;
	return a->j > b->j;
}

static void kept_down(kept *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, s = i;
		kept t;

		if (l < n && corr_weaker(&h[l], &h[s]))
			s = l;
		if (l + 1 < n && corr_weaker(&h[l + 1], &h[s]))
			s = l + 1;
		if (s == i)
			return;
		t = h[i];
		h[i] = h[s];
		h[s] = t;
		i = s;
	}
}

static void kept_up(kept *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		kept t;

		if (!corr_weaker(&h[i], &h[p]))
			return;
		t = h[i];
		h[i] = h[p];
		h[p] = t;
		i = p;
	}
}

/* rearrange v[0 .. n-1] so that v[0 .. k-1] are its k largest values (0 < k <= n) and
 * v[k-1] the smallest of them (quickselect, Hoare's partition, median-of-three pivot) */
static void select_top(double *v, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, target = (ptrdiff_t)k - 1;

	while (lo < hi) {
		ptrdiff_t i = lo, j = hi, mid = lo + (hi - lo) / 2;
		double a = v[lo], b = v[mid], c = v[hi], piv, t;

		piv = a > b ? (b > c ? b : (a > c ? c : a)) : (a > c ? a : (b > c ? c : b));
		while (i <= j) {
			while (v[i] > piv)
				i++;
			while (v[j] < piv)
				j--;
			if (i <= j) {
				t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				j--;
			}
		}
		/* v[lo .. j] >= piv >= v[i .. hi], anything between equals piv */
		if (target <= j)
			hi = j;
		else if (target >= i)
			lo = i;
		else
			return;
	}
}

/* cut a buffer of the largest values back to its S largest; returns the new cut */
double corr_cut_top(double *v, size_t *n, size_t S)
{
	if (*n > S) {
		select_top(v, *n, S);
		*n = S;
	}
	return *n == S ? v[S - 1] : -INFINITY;
}

/* ---- per pair ---- */

int corr_keep(run *R, double r, uint32_t i, uint32_t j, uint32_t n)
{
	kept x = { r, i, j, n };
	double ar = fabs(r);

	if (R->hn < R->o.top_k || ar >= R->o.min_abs_r) {
		if (R->hn == R->hcap) {
			size_t cap = R->hcap ? 2 * R->hcap : 1024;
			kept *h;

			if (cap > R->hmax)
				cap = R->hmax;
			if (R->hn == cap)
				return gx_err_set(R->err, GX_E_NOMEM,
				                  "more than %zu gene pairs reach |r| >= %g: raise the "
				                  "memory budget or the threshold", R->hmax, R->o.min_abs_r);
			if (!(h = corr_grow(R, R->h, R->hcap, cap, sizeof(*h))))
				return corr_oom(R);
			R->h = h;
			R->hcap = cap;
		}
		R->h[R->hn] = x;
		kept_up(R->h, R->hn++);
		if (R->hn > R->o.top_k && fabs(R->h[0].r) < R->o.min_abs_r) {
			R->h[0] = R->h[--R->hn];
			kept_down(R->h, R->hn, 0);
		}
	} else if (R->hn > 0 && corr_weaker(&R->h[0], &x)) {
		R->h[0] = x;
		kept_down(R->h, R->hn, 0);
	}
	return 0;
}

size_t corr_cell_of(const run *R, double ar)
{
	size_t c = (size_t)(ar * (double)R->nb);

	return c < R->nb ? c : R->nb - 1;
}

/* largest c < nb with edge[c] >= p (edge falls from 1 at c = 0 to 0 at nb) */
size_t corr_bin_of_p(const run *R, double p)
{
	size_t lo = 0, hi = R->nb - 1;

	while (lo < hi) {
		size_t mid = (lo + hi + 1) / 2;

		if (R->edge[mid] >= p)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

void corr_collect(run *R, double p, size_t bin)
{
	/* the count is known from sweep 1; an overflow means the source changed */
	if (R->coln < R->colcap)
		R->col[R->coln] = (coll){ p, (uint32_t)bin };
	R->coln++;
}

/* a pair of two complete genes: r from the matrix product, n = all samples */
static int fast_pair(run *R, double r, uint32_t i, uint32_t j)
{
	double ar = fabs(r);

	if (ar > 1) {
		ar = 1;
		r = copysign(1.0, r);
	}
	if (R->pass == 2) {
		if (R->hist) {
			size_t c = corr_cell_of(R, ar);

			if (R->want[c])
				corr_collect(R, gx_r_p2(ar, (double)R->n), c);
		}
		return 0;
	}
	R->m++;
	if (R->hist) {
		size_t c = corr_cell_of(R, ar);

		R->hist[c]++;
		if (ar < R->bmin_r[c])
			R->bmin_r[c] = ar;
	}
	if (ar > R->e1tau) {
		if (R->e1n == R->e1cap)
			R->e1tau = corr_cut_top(R->e1, &R->e1n, R->S);
		if (ar > R->e1tau)
			R->e1[R->e1n++] = ar;
	}
	if (R->hn < R->o.top_k || ar >= R->o.min_abs_r ||
	    (R->hn && ar >= fabs(R->h[0].r)))
		return corr_keep(R, r, i, j, (uint32_t)R->n);
	return 0;
}

/* every pair of genes i0+a (a < bi) and j0+b (b < bj) from the product c (bi x bj,
 * column-major); diag: the same block, upper triangle only */
int corr_block_pairs(run *R, size_t i0, size_t bi, size_t j0, size_t bj, int diag,
                       const double *rawi, const double *rawj)
{
	const uint8_t *fl = R->flag;
	size_t a, b;

	for (b = 0; b < bj; b++) {
		const double *cc = R->c + b * bi;
		size_t gj = j0 + b, aend = diag ? b : bi;
		unsigned fj = fl[gj];

		if (fj & (F_CONST | F_FEW))
			continue;
		for (a = 0; a < aend; a++) {
			size_t gi = i0 + a;
			unsigned f = fj | fl[gi];
			int rc;

			if (!f)
				rc = fast_pair(R, cc[a], (uint32_t)gi, (uint32_t)gj);
			else if (f & (F_CONST | F_FEW))
				continue;
			else
				rc = corr_slow_pair(R, rawi + a * R->n, rawj + b * R->n, (uint32_t)gi,
				               (uint32_t)gj);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}
