/*
 * corr.c - all-pairs gene correlation within one cohort (see corr.h).
 *
 * A run is:
 *   sweep 0   read every gene once: which genes have missing values, which are constant
 *             or have too few values; plan the blocks from the memory budget;
 *   sweep 1   for each block I of genes: load, standardize (Spearman: rank first), the
 *             block's own pairs by cblas_dsyrk, then every later block J by cblas_dgemm;
 *             each r goes to the kept heap (top K by |r|, or |r| >= threshold), to the
 *             exact store (the S smallest p-values, held as |r| for the fast path whose
 *             p falls as |r| rises) and to a histogram over p-value bins (exact counts);
 *   BH        q of a kept pair = min(1, min over ranks j >= its own of m p_(j) / j).  The
 *             exact store gives the ranks 1..S; beyond S the histogram bounds m p / j from
 *             below in each bin, so only the bins that could hold a smaller value matter;
 *   sweep 2   only when such bins exist: compute every r again and keep the exact p-values
 *             falling in those bins (their count is known), which makes every q exact.
 * Invariants: a pair's r, n and p are computed by the same code in every sweep, so the
 * same pair lands in the same bin; the run's own allocations go through ralloc/rfree and
 * never exceed opts.mem_budget (stats.peak_bytes is their high-water mark).
 * Does not: keep the matrix, run BLAS in more threads than OpenBLAS chooses, or write
 * anything anywhere but through the emit callback.
 */
#include "analyze/corr.h"
#include "analyze/dist.h"
#include "analyze/rank.h"
#include "core/hash.h"
#include "core/mem.h"

#include <cblas.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define F_MISSING 1u  /* some sample has no value: pairwise-complete path */
#define F_CONST 2u    /* complete and one value everywhere: r undefined */
#define F_FEW 4u      /* fewer than min_n values: every pair untested */

#define HIST_MAX ((size_t)1 << 16)
#define HIST_MIN ((size_t)1 << 8)

typedef struct kept {
	double r;
	uint32_t i, j, n;
} kept;

typedef struct coll {
	double p;
	uint32_t bin;
} coll;

/* an exactly ranked p-value: the suffix minimum of m p / rank from here on */
typedef struct ranked {
	uint64_t rank;
	double p, sm;
} ranked;

typedef struct run {
	size_t G, n;
	gx_corr_opts o;
	gx_corr_load_fn load;
	void *lctx;
	gx_err *err;
	size_t cur, peak;
	uint8_t *flag;
	uint64_t *vhash; /* per gene: hash of its values, to catch a source that changes */
	/* blocks */
	size_t b;
	int need_raw;
	double *zi, *zj, *ri, *rj, *c;
	double *tmp, *pa, *pb, *qa, *qb;
	gx_rank_item *work;
	uint64_t loads;
	/* kept pairs: a min-heap by |r|, root = the weakest */
	kept *h;
	size_t hn, hcap, hmax;
	/* exact store: the S largest |r| of the fast path (e1) and the S largest -p of the
	 * others (e2), each a buffer of up to 2S values cut back to the S largest when full;
	 * only values above the cut (tau) enter */
	double *e1, *e2, e1tau, e2tau;
	size_t e1n, e1cap, e2n, e2cap, e2max, S;
	/* p-value bins: bin c holds p in (edge[c+1], edge[c]], edge[c] = p(r = c/nb) */
	size_t nb;
	uint64_t *hist;
	double *edge;
	double *bmin_r;   /* per bin: the smallest |r| of the fast path (its largest p) */
	double *bmax_p;   /* per bin: the largest p of the slow path */
	uint64_t m;
	int pass;
	uint8_t *want;
	coll *col;
	size_t coln, colcap;
	int passes;
	uint64_t kept_out;
	double blas_s;
} run;

/* ---- memory, counted against the budget ---- */

static void *ralloc(run *R, size_t count, size_t size)
{
	size_t bytes;
	void *p;

	if (size && count > SIZE_MAX / size)
		return NULL;
	bytes = count * size;
	if (!(p = gx_malloc(bytes ? bytes : 1)))
		return NULL;
	R->cur += bytes;
	if (R->cur > R->peak)
		R->peak = R->cur;
	return p;
}

static void rfree(run *R, void *p, size_t count, size_t size)
{
	if (!p)
		return;
	gx_free(p);
	R->cur -= count * size;
}

static void *rgrow(run *R, void *p, size_t old, size_t count, size_t size)
{
	void *q;

	if (!(q = gx_reallocarray(p, count, size)))
		return NULL;
	R->cur += (count - old) * size;
	if (R->cur > R->peak)
		R->peak = R->cur;
	return q;
}

static int oom(run *R)
{
	return gx_err_set(R->err, GX_E_NOMEM, "out of memory");
}

/* ---- heaps ---- */

/* a is weaker than b: smaller |r|, or equal |r| and later (i, j) */
static int weaker(const kept *a, const kept *b)
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

		if (l < n && weaker(&h[l], &h[s]))
			s = l;
		if (l + 1 < n && weaker(&h[l + 1], &h[s]))
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

		if (!weaker(&h[i], &h[p]))
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
static double cut_top(double *v, size_t *n, size_t S)
{
	if (*n > S) {
		select_top(v, *n, S);
		*n = S;
	}
	return *n == S ? v[S - 1] : -INFINITY;
}

/* ---- per pair ---- */

static int keep(run *R, double r, uint32_t i, uint32_t j, uint32_t n)
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
			if (!(h = rgrow(R, R->h, R->hcap, cap, sizeof(*h))))
				return oom(R);
			R->h = h;
			R->hcap = cap;
		}
		R->h[R->hn] = x;
		kept_up(R->h, R->hn++);
		if (R->hn > R->o.top_k && fabs(R->h[0].r) < R->o.min_abs_r) {
			R->h[0] = R->h[--R->hn];
			kept_down(R->h, R->hn, 0);
		}
	} else if (R->hn > 0 && weaker(&R->h[0], &x)) {
		R->h[0] = x;
		kept_down(R->h, R->hn, 0);
	}
	return 0;
}

static size_t cell_of(const run *R, double ar)
{
	size_t c = (size_t)(ar * (double)R->nb);

	return c < R->nb ? c : R->nb - 1;
}

/* largest c < nb with edge[c] >= p (edge falls from 1 at c = 0 to 0 at nb) */
static size_t bin_of_p(const run *R, double p)
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

static void collect(run *R, double p, size_t bin)
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
			size_t c = cell_of(R, ar);

			if (R->want[c])
				collect(R, gx_r_p2(ar, (double)R->n), c);
		}
		return 0;
	}
	R->m++;
	if (R->hist) {
		size_t c = cell_of(R, ar);

		R->hist[c]++;
		if (ar < R->bmin_r[c])
			R->bmin_r[c] = ar;
	}
	if (ar > R->e1tau) {
		if (R->e1n == R->e1cap)
			R->e1tau = cut_top(R->e1, &R->e1n, R->S);
		if (ar > R->e1tau)
			R->e1[R->e1n++] = ar;
	}
	if (R->hn < R->o.top_k || ar >= R->o.min_abs_r ||
	    (R->hn && ar >= fabs(R->h[0].r)))
		return keep(R, r, i, j, (uint32_t)R->n);
	return 0;
}

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
static int slow_pair(run *R, const double *x, const double *y, uint32_t i, uint32_t j)
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
		size_t c = bin_of_p(R, p);

		if (R->want[c])
			collect(R, p, c);
		return 0;
	}
	R->m++;
	if (R->hist) {
		size_t c = bin_of_p(R, p);

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
			if (!(e = rgrow(R, R->e2, R->e2cap, cap, sizeof(*e))))
				return oom(R);
			R->e2 = e;
			R->e2cap = cap;
		}
		if (R->e2n == R->e2cap)
			R->e2tau = cut_top(R->e2, &R->e2n, R->S);
		if (-p > R->e2tau)
			R->e2[R->e2n++] = -p;
	}
	return keep(R, r, i, j, (uint32_t)k);
}

/* every pair of genes i0+a (a < bi) and j0+b (b < bj) from the product c (bi x bj,
 * column-major); diag: the same block, upper triangle only */
static int block_pairs(run *R, size_t i0, size_t bi, size_t j0, size_t bj, int diag,
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
				rc = slow_pair(R, rawi + a * R->n, rawj + b * R->n, (uint32_t)gi,
				               (uint32_t)gj);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* ---- loading and standardizing ---- */

static unsigned gene_flag(const run *R, const double *x)
{
	size_t s, k = 0;
	double lo = INFINITY, hi = -INFINITY;

	for (s = 0; s < R->n; s++) {
		if (!isfinite(x[s]))
			continue;
		k++;
		if (x[s] < lo)
			lo = x[s];
		if (x[s] > hi)
			hi = x[s];
	}
	if (k < R->o.min_n)
		return F_FEW | (k < R->n ? F_MISSING : 0);
	if (k < R->n)
		return F_MISSING;
	return lo == hi ? F_CONST : 0;
}

static int load_block(run *R, size_t g0, size_t cnt, double *raw)
{
	int rc;

	gx_err_clear(R->err);
	if ((rc = R->load(R->lctx, g0, cnt, raw, R->err)) < 0) {
		if (R->err->code == GX_OK)
			gx_err_set(R->err, GX_E_INTERNAL, "correlation source failed");
		return rc;
	}
	R->loads += cnt;
	return 0;
}

/* load genes g0.. into raw and their standardized columns into z (zero for flagged genes) */
static int prep_block(run *R, size_t g0, size_t cnt, double *raw, double *z)
{
	size_t g, s, n = R->n;

	if (load_block(R, g0, cnt, raw) < 0)
		return -1;
	for (g = 0; g < cnt; g++) {
		const double *x = raw + g * n, *v = x;
		double *zz = z + g * n, mean = 0, norm = 0;

		if (gx_hash_bytes(x, n * sizeof(*x)).lo != R->vhash[g0 + g])
			return gx_err_set(R->err, GX_E_INTERNAL,
			                  "correlation source gave gene %zu other values on a later read",
			                  g0 + g);
		if (R->flag[g0 + g]) {
			memset(zz, 0, n * sizeof(*zz));
			continue;
		}
		if (R->o.method == GX_CORR_SPEARMAN) {
			gx_rank_avg(x, n, R->tmp, R->work);
			v = R->tmp;
		}
		for (s = 0; s < n; s++)
			mean += v[s];
		mean /= (double)n;
		for (s = 0; s < n; s++)
			norm += (v[s] - mean) * (v[s] - mean);
		norm = sqrt(norm);
		for (s = 0; s < n; s++)
			zz[s] = (v[s] - mean) / norm;
	}
	return 0;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int sweep(run *R)
{
	size_t i0, j0, G = R->G, n = R->n, b = R->b;
	double *ri = R->ri, *rj = R->need_raw ? R->rj : R->ri;

	for (i0 = 0; i0 < G; i0 += b) {
		size_t bi = G - i0 < b ? G - i0 : b;

		double t;

		if (prep_block(R, i0, bi, ri, R->zi) < 0)
			return -1;
		t = now();
		cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)bi, (int)n, 1.0, R->zi,
		            (int)n, 0.0, R->c, (int)bi);
		R->blas_s += now() - t;
		if (block_pairs(R, i0, bi, i0, bi, 1, ri, ri) < 0)
			return -1;
		for (j0 = i0 + bi; j0 < G; j0 += b) {
			size_t bj = G - j0 < b ? G - j0 : b;

			if (prep_block(R, j0, bj, rj, R->zj) < 0)
				return -1;
			t = now();
			cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)bi, (int)bj, (int)n,
			            1.0, R->zi, (int)n, R->zj, (int)n, 0.0, R->c, (int)bi);
			R->blas_s += now() - t;
			if (block_pairs(R, i0, bi, j0, bj, 0, ri, rj) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- planning ---- */

typedef struct plan {
	size_t hmax, S, nb, colcap, b;
} plan;

/* bytes of the blocks for b genes: z_i, z_j, one or two raw blocks, the product */
static double block_bytes(size_t b, size_t n, int need_raw)
{
	return 8.0 * ((double)b * (double)b + (need_raw ? 4.0 : 3.0) * (double)n * (double)b);
}

/*
 * Shares of the budget: kept pairs 1/8 (24 bytes each in the heap, 8 more for their
 * p-values at the end), the exact store up to 1/4 (64 bytes per value: the two heaps,
 * the sorted p-values and their ranks), the bins up to 1/64 (41 bytes a bin), sweep 2's
 * p-values 1/8 (40 bytes each with their ranks); the blocks get what is left.
 * 0, or -1 if the blocks cannot hold one gene.
 */
static int make_plan(size_t budget, size_t G, size_t n, const gx_corr_opts *o, int need_raw,
                     plan *pl)
{
	double fixed, left, lo, hi;
	size_t nb;

	pl->hmax = budget / 8 / (sizeof(kept) + sizeof(double));
	/* as many as the kept-pair heap holds (budget / 256 both), so that every kept pair
	 * of the fast path has its rank in the exact store; converting |r| to p at the end
	 * costs an incomplete beta a value, about 0.3 s per million */
	pl->S = o->exact_cap ? o->exact_cap : budget / 4 / 64;
	if (pl->S < 1)
		pl->S = 1;
	for (nb = HIST_MAX; nb > HIST_MIN && nb * 41 > budget / 64; nb /= 2)
		;
	pl->nb = nb;
	pl->colcap = budget / 8 / (sizeof(coll) + sizeof(ranked));
	fixed = 9.0 * (double)G                            /* flags, value hashes */
	        + 8.0 * 5 * (double)n + 16.0 * 2 * (double)n /* tmp, pa, pb, qa, qb, work */
	        + (double)budget / 8                       /* kept */
	        + 64.0 * (double)pl->S                     /* exact store */
	        + 41.0 * (double)(nb + 1)                  /* bins */
	        + (double)budget / 8;                      /* sweep 2 */
	left = (double)budget - fixed;
	if (left < block_bytes(1, n, need_raw))
		return -1;
	lo = 1;
	hi = (double)G;
	if (block_bytes(G, n, need_raw) <= left) {
		pl->b = G;
		return 0;
	}
	while (hi - lo > 1) {
		double mid = floor((lo + hi) / 2);

		if (block_bytes((size_t)mid, n, need_raw) <= left)
			lo = mid;
		else
			hi = mid;
	}
	pl->b = (size_t)lo;
	return 0;
}

/* ---- BH for the kept pairs ---- */

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

	if (weaker(x, y))
		return 1;
	return weaker(y, x) ? -1 : 0;
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
	return is_fast(R, k) ? cell_of(R, fabs(k->r)) : bin_of_p(R, p);
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

/*
 * The kept pairs' p- and q-values, and emit them.  E = the exact store sorted (ranks
 * 1..sE).  When m > sE, cb[c] counts the values in bins before c (smaller p); a kept
 * pair's q is at most u = its q over E alone (or m p / (cb + 1) past E), and the minimum
 * past every kept pair's rank is at most U = min over the bins there of m p_max /
 * (cb + count), a value some p-value attains (a bin's largest p has its last rank).
 * A bin whose values all have m p / rank >= min(max u, U) cannot change any kept q; the
 * other bins (and those of kept pairs past E) are read exactly in sweep 2.
 */
static int finish(run *R, gx_corr_emit_fn emit, void *ectx, const plan *pl)
{
	size_t i, sE, nL = 0, nE, Lcap = 0;
	double *E = NULL, *pk = NULL, m = (double)R->m, pS, lambda = 0, pU = 0;
	uint64_t rU = 0;
	uint64_t *cb = NULL, need = 0;
	ranked *L = NULL;
	int truncated, rc = -1;

	if (!R->hn)
		return 0;
	/* the exact store as sorted p-values: e1 holds |r| of the fast path, e2 -p */
	cut_top(R->e1, &R->e1n, R->S);
	cut_top(R->e2, &R->e2n, R->S);
	nE = R->e1n + R->e2n;
	if (!(E = ralloc(R, nE, sizeof(*E))))
		return oom(R);
	for (i = 0; i < R->e1n; i++)
		E[i] = gx_r_p2(R->e1[i], (double)R->n);
	for (i = 0; i < R->e2n; i++)
		E[R->e1n + i] = -R->e2[i];
	rfree(R, R->e1, R->e1cap, sizeof(double));
	R->e1 = NULL;
	rfree(R, R->e2, R->e2cap, sizeof(double));
	R->e2 = NULL;
	qsort(E, nE, sizeof(*E), cmp_double);
	sE = nE < R->S ? nE : R->S;
	truncated = R->m > sE;
	pS = E[sE - 1];

	qsort(R->h, R->hn, sizeof(*R->h), cmp_kept);
	if (!(pk = ralloc(R, R->hn, sizeof(*pk))))
		goto nomem;
	for (i = 0; i < R->hn; i++)
		pk[i] = gx_r_p2(R->h[i].r, (double)R->h[i].n);
	if (!(L = ralloc(R, sE + 1, sizeof(*L))))
		goto nomem;
	Lcap = sE + 1;
	for (i = 0; i < sE; i++)
		L[nL++] = (ranked){ i + 1, E[i], 0 };

	if (truncated) {
		size_t c;
		uint64_t acc = 0, rmin = sE + 1;

		if (!(cb = ralloc(R, R->nb, sizeof(*cb))))
			goto nomem;
		for (c = R->nb; c-- > 0;) {
			cb[c] = acc;
			acc += R->hist[c];
		}
		suffix_min(L, nL, m);
		memset(R->want, 0, R->nb);
		for (i = 0; i < R->hn; i++) {
			double u;

			if (pk[i] < pS) {
				u = L[upper_bound(E, sE, pk[i]) - 1].sm;
			} else {
				c = kept_bin(R, &R->h[i], pk[i]);
				R->want[c] = 1;
				u = m * pk[i] / (double)(cb[c] + 1);
				if (cb[c] + R->hist[c] > rmin)
					rmin = cb[c] + R->hist[c];
			}
			u = u < 1 ? u : 1;
			if (u > lambda)
				lambda = u;
		}
		/* an achieved value past every kept pair's rank: the largest p of a bin has the
		 * bin's last rank */
		for (c = 0; c < R->nb; c++) {
			uint64_t upto = cb[c] + R->hist[c];
			double pmax = R->bmax_p[c];

			if (!R->hist[c] || upto < rmin)
				continue;
			if (R->bmin_r[c] <= 1) {
				double pf = gx_r_p2(R->bmin_r[c], (double)R->n);

				pmax = pf > pmax ? pf : pmax;
			}
			if (m * pmax / (double)upto < lambda) {
				lambda = m * pmax / (double)upto;
				pU = pmax;
				rU = upto;
			}
		}
		for (c = 0; c < R->nb; c++) {
			uint64_t upto = cb[c] + R->hist[c];
			double lo = R->edge[c + 1] > pS ? R->edge[c + 1] : pS;

			if (R->hist[c] && upto > sE && m * lo / (double)upto < lambda)
				R->want[c] = 1;
		}
		for (c = 0; c < R->nb; c++)
			if (R->want[c])
				need += R->hist[c];
		if (need) {
			ranked *l2;
			size_t k, before = 0;
			uint32_t bin = UINT32_MAX;

			if (need > pl->colcap) {
				rc = gx_err_set(R->err, GX_E_NOMEM,
				                "the q-values need %llu exact p-values and the memory "
				                "budget holds %zu: raise the budget",
				                (unsigned long long)need, pl->colcap);
				goto out;
			}
			if (!(R->col = ralloc(R, (size_t)need, sizeof(*R->col))))
				goto nomem;
			R->colcap = (size_t)need;
			R->coln = 0;
			R->pass = 2;
			if (sweep(R) < 0)
				goto out;
			R->passes = 2;
			if (R->coln != need) {
				rc = gx_err_set(R->err, GX_E_INTERNAL,
				                "correlation source gave other values on a later read");
				goto out;
			}
			qsort(R->col, R->coln, sizeof(*R->col), cmp_coll);
			if (!(l2 = rgrow(R, L, Lcap, sE + 1 + R->coln, sizeof(*L))))
				goto nomem;
			L = l2;
			Lcap = sE + 1 + R->coln;
			for (k = 0; k < R->coln; k++) {
				uint64_t rank;

				if (R->col[k].bin != bin) {
					bin = R->col[k].bin;
					before = k;
				}
				rank = cb[bin] + (k - before) + 1;
				if (rank > sE && rank != rU)
					L[nL++] = (ranked){ rank, R->col[k].p, 0 };
			}
		}
		/* the value that set U, read or not: ranks stay ascending after it is placed */
		if (rU) {
			size_t k = nL;

			while (k > 0 && L[k - 1].rank > rU) {
				L[k] = L[k - 1];
				k--;
			}
			L[k] = (ranked){ rU, pU, 0 };
			nL++;
		}
	}
	suffix_min(L, nL, m);
	for (i = 0; i < R->hn; i++) {
		gx_corr_pair pr;
		uint64_t F;
		size_t lo = 0, hi = nL;

		if (!truncated || pk[i] < pS) {
			F = upper_bound(E, sE, pk[i]);
		} else {
			size_t c = kept_bin(R, &R->h[i], pk[i]);

			F = cb[c] + (col_rank(R, c, pk[i], 1) - col_rank(R, c, pk[i], 0));
		}
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (L[mid].rank < F)
				lo = mid + 1;
			else
				hi = mid;
		}
		pr.i = R->h[i].i;
		pr.j = R->h[i].j;
		pr.n = R->h[i].n;
		pr.r = R->h[i].r;
		pr.p = pk[i];
		pr.q = lo < nL && L[lo].sm < 1 ? L[lo].sm : 1;
		if (emit && (rc = emit(ectx, &pr, R->err)) < 0)
			goto out;
		R->kept_out++;
	}
	rc = 0;
	goto out;
nomem:
	rc = oom(R);
out:
	rfree(R, E, nE, sizeof(*E));
	rfree(R, pk, R->hn, sizeof(*pk));
	rfree(R, cb, R->nb, sizeof(*cb));
	rfree(R, L, Lcap, sizeof(*L));
	return rc;
}

/* ---- the run ---- */

void gx_corr_opts_init(gx_corr_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->method = GX_CORR_PEARSON;
	o->top_k = 1000;
	o->min_abs_r = 1.1;
	o->mem_budget = GX_CORR_DEFAULT_BUDGET;
	o->min_n = 3;
}

static void release(run *R)
{
	size_t nb = R->b * R->n;

	rfree(R, R->flag, R->G, 1);
	rfree(R, R->vhash, R->G, sizeof(uint64_t));
	rfree(R, R->tmp, R->n, sizeof(double));
	rfree(R, R->pa, R->n, sizeof(double));
	rfree(R, R->pb, R->n, sizeof(double));
	rfree(R, R->qa, R->n, sizeof(double));
	rfree(R, R->qb, R->n, sizeof(double));
	rfree(R, R->work, 2 * R->n, sizeof(gx_rank_item));
	rfree(R, R->zi, nb, sizeof(double));
	rfree(R, R->zj, nb, sizeof(double));
	rfree(R, R->ri, nb, sizeof(double));
	rfree(R, R->rj, nb, sizeof(double));
	rfree(R, R->c, R->b * R->b, sizeof(double));
	rfree(R, R->h, R->hcap, sizeof(kept));
	rfree(R, R->e1, R->e1cap, sizeof(double));
	rfree(R, R->e2, R->e2cap, sizeof(double));
	rfree(R, R->hist, R->nb, sizeof(uint64_t));
	rfree(R, R->edge, R->nb + 1, sizeof(double));
	rfree(R, R->want, R->nb, 1);
	rfree(R, R->bmin_r, R->nb, sizeof(double));
	rfree(R, R->bmax_p, R->nb, sizeof(double));
	rfree(R, R->col, R->colcap, sizeof(coll));
}

int gx_corr_run(size_t n_genes, size_t n_samples, gx_corr_load_fn load, void *load_ctx,
                const gx_corr_opts *opts, gx_corr_emit_fn emit, void *emit_ctx,
                gx_corr_stats *stats, gx_err *err)
{
	run R = { 0 };
	plan pl;
	gx_corr_stats st0;
	size_t g0, g, budget, n = n_samples, G = n_genes;
	double pairs;
	int rc = -1;

	if (!stats)
		stats = &st0;
	memset(stats, 0, sizeof(*stats));
	stats->n_genes = G;
	stats->n_samples = n;
	if (opts)
		R.o = *opts;
	else
		gx_corr_opts_init(&R.o);
	if (!R.o.mem_budget)
		R.o.mem_budget = GX_CORR_DEFAULT_BUDGET;
	if (R.o.min_n < 3)
		R.o.min_n = 3;
	budget = R.o.mem_budget;
	R.G = G;
	R.n = n;
	R.load = load;
	R.lctx = load_ctx;
	R.err = err;
	if (G > UINT32_MAX || n > INT32_MAX)
		return gx_err_set(err, GX_E_CONFIG, "correlation of %zu genes over %zu samples: too "
		                  "many", G, n);
	if (G < 2 || n < R.o.min_n)
		return 0;
	if (make_plan(budget, G, n, &R.o, 1, &pl) < 0) {
		size_t need = budget;

		while (make_plan(need, G, n, &R.o, 1, &pl) < 0 && need < SIZE_MAX / 4)
			need *= 2;
		return gx_err_set(err, GX_E_CONFIG, "memory budget of %zu bytes is too small for "
		                  "%zu genes over %zu samples: give it %zu or more", budget, G, n,
		                  need);
	}
	if (R.o.top_k > pl.hmax)
		return gx_err_set(err, GX_E_CONFIG, "top %zu pairs do not fit in a memory budget of "
		                  "%zu bytes (at most %zu)", R.o.top_k, budget, pl.hmax);
	R.b = pl.b;
	if (!(R.flag = ralloc(&R, G, 1)) || !(R.vhash = ralloc(&R, G, sizeof(uint64_t))) ||
	    !(R.tmp = ralloc(&R, n, sizeof(double))) ||
	    !(R.pa = ralloc(&R, n, sizeof(double))) || !(R.pb = ralloc(&R, n, sizeof(double))) ||
	    !(R.qa = ralloc(&R, n, sizeof(double))) || !(R.qb = ralloc(&R, n, sizeof(double))) ||
	    !(R.work = ralloc(&R, 2 * n, sizeof(gx_rank_item))) ||
	    !(R.ri = ralloc(&R, R.b * n, sizeof(double))))
		goto nomem;

	/* sweep 0: flags */
	for (g0 = 0; g0 < G; g0 += R.b) {
		size_t cnt = G - g0 < R.b ? G - g0 : R.b;

		if (load_block(&R, g0, cnt, R.ri) < 0)
			goto out;
		for (g = 0; g < cnt; g++) {
			unsigned f = gene_flag(&R, R.ri + g * n);

			R.flag[g0 + g] = (uint8_t)f;
			R.vhash[g0 + g] = gx_hash_bytes(R.ri + g * n, n * sizeof(double)).lo;
			stats->genes_missing += (f & F_MISSING) != 0;
			stats->genes_constant += (f & F_CONST) != 0;
		}
	}
	rfree(&R, R.ri, R.b * n, sizeof(double));
	R.ri = NULL;

	/* the blocks, planned again now that it is known whether raw values are needed */
	R.need_raw = stats->genes_missing > 0;
	make_plan(budget, G, n, &R.o, R.need_raw, &pl);
	R.b = pl.b;
	R.S = pl.S;
	R.hmax = pl.hmax;
	if (!(R.zi = ralloc(&R, R.b * n, sizeof(double))) ||
	    !(R.zj = ralloc(&R, R.b * n, sizeof(double))) ||
	    !(R.ri = ralloc(&R, R.b * n, sizeof(double))) ||
	    (R.need_raw && !(R.rj = ralloc(&R, R.b * n, sizeof(double)))) ||
	    !(R.c = ralloc(&R, R.b * R.b, sizeof(double))))
		goto nomem;
	pairs = (double)G * (double)(G - 1) / 2;
	R.e1cap = pairs < 2.0 * (double)R.S ? (size_t)pairs : 2 * R.S;
	R.e2max = 2 * R.S;
	R.e1tau = R.e2tau = -INFINITY;
	if (!(R.e1 = ralloc(&R, R.e1cap, sizeof(double))))
		goto nomem;
	if (pairs > (double)R.S) {
		/* m may exceed the exact store: bins over p-values */
		size_t c;
		double ne = (double)(n > 3 ? n : 3);

		R.nb = pl.nb;
		if (!(R.hist = ralloc(&R, R.nb, sizeof(uint64_t))) ||
		    !(R.edge = ralloc(&R, R.nb + 1, sizeof(double))) ||
		    !(R.want = ralloc(&R, R.nb, 1)) ||
		    !(R.bmin_r = ralloc(&R, R.nb, sizeof(double))) ||
		    !(R.bmax_p = ralloc(&R, R.nb, sizeof(double))))
			goto nomem;
		memset(R.hist, 0, R.nb * sizeof(uint64_t));
		for (c = 0; c < R.nb; c++) {
			R.bmin_r[c] = INFINITY;
			R.bmax_p[c] = -1;
		}
		for (c = 0; c <= R.nb; c++)
			R.edge[c] = gx_r_p2((double)c / (double)R.nb, ne);
	}

	R.pass = 1;
	R.passes = 1;
	if (sweep(&R) < 0)
		goto out;
	if (finish(&R, emit, emit_ctx, &pl) < 0)
		goto out;
	rc = 0;
	goto out;
nomem:
	rc = oom(&R);
out:
	stats->pairs_tested = R.m;
	stats->pairs_kept = R.kept_out;
	stats->passes = R.passes;
	stats->gene_loads = R.loads;
	stats->block_genes = R.b;
	stats->blas_seconds = R.blas_s;
	release(&R);
	stats->peak_bytes = R.peak;
	return rc;
}

int gx_corr_matrix_load(void *ctx, size_t gene0, size_t count, double *out, gx_err *err)
{
	const gx_corr_matrix *mx = ctx;

	(void)err;
	memcpy(out, mx->values + gene0 * mx->n_samples, count * mx->n_samples * sizeof(*out));
	return 0;
}
