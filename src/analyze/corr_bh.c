/*
 * corr_bh.c - Benjamini-Hochberg q-values of the kept pairs over every tested pair (see
 * corr.c's file comment and docs/ANALYSIS.md): ranks 1..S from the exact store, bounds
 * from the p-value bins past it, and, only when some bin could change a kept q, a second
 * sweep that reads those bins' p-values exactly.
 */
#include "analyze/corr_impl.h"
#include "analyze/dist.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmp_coll(const void *a, const void *b)
{
	const coll *x = a, *y = b;

	if (x->bin != y->bin)
		return x->bin < y->bin ? 1 : -1; /* higher bin = smaller p first */
	return (x->p > y->p) - (x->p < y->p);
}

static int cmp_kept(const void *a, const void *b)
{
	const kept *x = a, *y = b;

	if (corr_weaker(x, y))
		return 1;
	return corr_weaker(y, x) ? -1 : 0;
}

/* number of v[0..n-1] (sorted) <= x */
static size_t upper_bound(const double *v, size_t n, double x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int is_fast(const run *R, const kept *k)
{
	return !((R->flag[k->i] | R->flag[k->j]) & F_MISSING);
}

static size_t kept_bin(const run *R, const kept *k, double p)
{
	return is_fast(R, k) ? corr_cell_of(R, fabs(k->r)) : corr_bin_of_p(R, p);
}

/* number of sweep-2 values ordered before (bin, p) or equal to it (all = 1), or only
 * those in higher bins (all = 0); col is sorted by bin descending, then p */
static size_t col_rank(const run *R, size_t bin, double p, int all)
{
	size_t lo = 0, hi = R->coln;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const coll *e = &R->col[mid];
		int before = e->bin > bin || (all && e->bin == bin && e->p <= p);

		if (before)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* suffix minima of m p / rank over L[0 .. n-1] */
static void suffix_min(ranked *L, size_t n, double m)
{
	size_t i;

	for (i = n; i-- > 0;) {
		double v = m * L[i].p / (double)L[i].rank;

		L[i].sm = i + 1 < n && L[i + 1].sm < v ? L[i + 1].sm : v;
	}
}

/* The state of BH for the kept pairs: E = the exact store as sorted p-values (ranks
 * 1..sE), pk = the kept pairs' p-values, L = every exactly ranked p-value with its suffix
 * minimum of m p / rank, cb[c] = the values in bins before c (smaller p). */
typedef struct bh {
	double *E, *pk, m, pS, lambda, pU;
	size_t sE, nE, nL, Lcap;
	ranked *L;
	uint64_t *cb, rU;
	int truncated;
} bh;

/* E from the exact store (e1 holds |r| of the fast path, e2 -p), the kept pairs sorted
 * by |r| with their p-values, and L = ranks 1..sE */
static int bh_exact(run *R, bh *B)
{
	size_t i;

	corr_cut_top(R->e1, &R->e1n, R->S);
	corr_cut_top(R->e2, &R->e2n, R->S);
	B->nE = R->e1n + R->e2n;
	if (!(B->E = corr_alloc(R, B->nE, sizeof(*B->E))))
		return corr_oom(R);
	for (i = 0; i < R->e1n; i++)
		B->E[i] = gx_r_p2(R->e1[i], (double)R->n);
	for (i = 0; i < R->e2n; i++)
		B->E[R->e1n + i] = -R->e2[i];
	corr_free(R, R->e1, R->e1cap, sizeof(double));
	R->e1 = NULL;
	corr_free(R, R->e2, R->e2cap, sizeof(double));
	R->e2 = NULL;
	qsort(B->E, B->nE, sizeof(*B->E), cmp_double);
	B->sE = B->nE < R->S ? B->nE : R->S;
	B->truncated = R->m > B->sE;
	B->pS = B->E[B->sE - 1];

	qsort(R->h, R->hn, sizeof(*R->h), cmp_kept);
	if (!(B->pk = corr_alloc(R, R->hn, sizeof(*B->pk))))
		return corr_oom(R);
	for (i = 0; i < R->hn; i++)
		B->pk[i] = gx_r_p2(R->h[i].r, (double)R->h[i].n);
	if (!(B->L = corr_alloc(R, B->sE + 1, sizeof(*B->L))))
		return corr_oom(R);
	B->Lcap = B->sE + 1;
	for (i = 0; i < B->sE; i++)
		B->L[B->nL++] = (ranked){ i + 1, B->E[i], 0 };
	return 0;
}

/*
 * When m > sE: a kept pair's q is at most u = its q over E alone (or m p / (cb + 1) past
 * E), and the minimum past every kept pair's rank is at most U = min over the bins there
 * of m p_max / (cb + count), a value some p-value attains (a bin's largest p has its last
 * rank).  lambda = min(max u, U); a bin whose values all have m p / rank >= lambda cannot
 * change any kept q.  Marks the other bins (and those of kept pairs past E) in R->want.
 */
static int bh_bounds(run *R, bh *B)
{
	size_t i, c;
	uint64_t acc = 0, rmin = B->sE + 1;

	if (!(B->cb = corr_alloc(R, R->nb, sizeof(*B->cb))))
		return corr_oom(R);
	for (c = R->nb; c-- > 0;) {
		B->cb[c] = acc;
		acc += R->hist[c];
	}
	suffix_min(B->L, B->nL, B->m);
	memset(R->want, 0, R->nb);
	for (i = 0; i < R->hn; i++) {
		double u;

		if (B->pk[i] < B->pS) {
			u = B->L[upper_bound(B->E, B->sE, B->pk[i]) - 1].sm;
		} else {
			c = kept_bin(R, &R->h[i], B->pk[i]);
			R->want[c] = 1;
			u = B->m * B->pk[i] / (double)(B->cb[c] + 1);
			if (B->cb[c] + R->hist[c] > rmin)
				rmin = B->cb[c] + R->hist[c];
		}
		u = u < 1 ? u : 1;
		if (u > B->lambda)
			B->lambda = u;
	}
	/* an achieved value past every kept pair's rank: the largest p of a bin has the
	 * bin's last rank */
	for (c = 0; c < R->nb; c++) {
		uint64_t upto = B->cb[c] + R->hist[c];
		double pmax = R->bmax_p[c];

		if (!R->hist[c] || upto < rmin)
			continue;
		if (R->bmin_r[c] <= 1) {
			double pf = gx_r_p2(R->bmin_r[c], (double)R->n);

			pmax = pf > pmax ? pf : pmax;
		}
		if (B->m * pmax / (double)upto < B->lambda) {
			B->lambda = B->m * pmax / (double)upto;
			B->pU = pmax;
			B->rU = upto;
		}
	}
	for (c = 0; c < R->nb; c++) {
		uint64_t upto = B->cb[c] + R->hist[c];
		double lo = R->edge[c + 1] > B->pS ? R->edge[c + 1] : B->pS;

		if (R->hist[c] && upto > B->sE && B->m * lo / (double)upto < B->lambda)
			R->want[c] = 1;
	}
	return 0;
}

/* Sweep 2 over the wanted bins (their 'need' values), their exact ranks into L, then the
 * value that set U, read or not (ranks stay ascending after it is placed). */
static int bh_read_bins(run *R, bh *B, const plan *pl)
{
	uint64_t need = 0;
	size_t c, k, before = 0;
	uint32_t bin = UINT32_MAX;

	for (c = 0; c < R->nb; c++)
		if (R->want[c])
			need += R->hist[c];
	if (need) {
		ranked *l2;

		if (need > pl->colcap)
			return gx_err_set(R->err, GX_E_NOMEM,
			                  "the q-values need %llu exact p-values and the memory "
			                  "budget holds %zu: raise the budget",
			                  (unsigned long long)need, pl->colcap);
		if (!(R->col = corr_alloc(R, (size_t)need, sizeof(*R->col))))
			return corr_oom(R);
		R->colcap = (size_t)need;
		R->coln = 0;
		R->pass = 2;
		if (corr_sweep(R) < 0)
			return -1;
		R->passes = 2;
		if (R->coln != need)
			return gx_err_set(R->err, GX_E_INTERNAL,
			                  "correlation source gave other values on a later read");
		qsort(R->col, R->coln, sizeof(*R->col), cmp_coll);
		if (!(l2 = corr_grow(R, B->L, B->Lcap, B->sE + 1 + R->coln, sizeof(*B->L))))
			return corr_oom(R);
		B->L = l2;
		B->Lcap = B->sE + 1 + R->coln;
		for (k = 0; k < R->coln; k++) {
			uint64_t rank;

			if (R->col[k].bin != bin) {
				bin = R->col[k].bin;
				before = k;
			}
			rank = B->cb[bin] + (k - before) + 1;
			if (rank > B->sE && rank != B->rU)
				B->L[B->nL++] = (ranked){ rank, R->col[k].p, 0 };
		}
	}
	if (B->rU) {
		k = B->nL;
		while (k > 0 && B->L[k - 1].rank > B->rU) {
			B->L[k] = B->L[k - 1];
			k--;
		}
		B->L[k] = (ranked){ B->rU, B->pU, 0 };
		B->nL++;
	}
	return 0;
}

/* Each kept pair's q: the suffix minimum from its own rank F on. */
static int bh_emit(run *R, bh *B, gx_corr_emit_fn emit, void *ectx)
{
	size_t i;
	int rc;

	suffix_min(B->L, B->nL, B->m);
	for (i = 0; i < R->hn; i++) {
		gx_corr_pair pr;
		uint64_t F;
		size_t lo = 0, hi = B->nL;

		if (!B->truncated || B->pk[i] < B->pS) {
			F = upper_bound(B->E, B->sE, B->pk[i]);
		} else {
			size_t c = kept_bin(R, &R->h[i], B->pk[i]);

			F = B->cb[c] + (col_rank(R, c, B->pk[i], 1) - col_rank(R, c, B->pk[i], 0));
		}
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (B->L[mid].rank < F)
				lo = mid + 1;
			else
				hi = mid;
		}
		pr.i = R->h[i].i;
		pr.j = R->h[i].j;
		pr.n = R->h[i].n;
		pr.r = R->h[i].r;
		pr.p = B->pk[i];
		pr.q = lo < B->nL && B->L[lo].sm < 1 ? B->L[lo].sm : 1;
		pr.m = R->m;
		if (emit && (rc = emit(ectx, &pr, R->err)) < 0)
			return rc;
		R->kept_out++;
	}
	return 0;
}

/* The kept pairs' p- and q-values (exact ranks from the store, bounds from the bins,
 * a second sweep over the bins that could change a kept q), emitted in order of |r|. */
int corr_finish(run *R, gx_corr_emit_fn emit, void *ectx, const plan *pl)
{
	bh B;
	int rc;

	if (!R->hn)
		return 0;
	memset(&B, 0, sizeof(B));
	B.m = (double)R->m;
	if (!(rc = bh_exact(R, &B)) && (!B.truncated || (!(rc = bh_bounds(R, &B)) &&
	                                                  !(rc = bh_read_bins(R, &B, pl)))))
		rc = bh_emit(R, &B, emit, ectx);
	corr_free(R, B.E, B.nE, sizeof(*B.E));
	corr_free(R, B.pk, R->hn, sizeof(*B.pk));
	corr_free(R, B.cb, R->nb, sizeof(*B.cb));
	corr_free(R, B.L, B.Lcap, sizeof(*B.L));
	return rc < 0 ? rc : 0;
}
