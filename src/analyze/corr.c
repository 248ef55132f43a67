/*
 * corr.c - all-pairs gene correlation within one cohort (see corr.h): the run.
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
#include "analyze/corr_impl.h"
#include "analyze/dist.h"
#include "core/hash.h"
#include "core/mem.h"

#include <cblas.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- memory, counted against the budget ---- */

void *corr_alloc(run *R, size_t count, size_t size)
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

void corr_free(run *R, void *p, size_t count, size_t size)
{
	if (!p)
		return;
	gx_free(p);
	R->cur -= count * size;
}

void *corr_grow(run *R, void *p, size_t old, size_t count, size_t size)
{
	void *q;

	if (!(q = gx_reallocarray(p, count, size)))
		return NULL;
	R->cur += (count - old) * size;
	if (R->cur > R->peak)
		R->peak = R->cur;
	return q;
}

int corr_oom(run *R)
{
	return gx_err_set(R->err, GX_E_NOMEM, "out of memory");
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

int corr_sweep(run *R)
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
		if (corr_block_pairs(R, i0, bi, i0, bi, 1, ri, ri) < 0)
			return -1;
		for (j0 = i0 + bi; j0 < G; j0 += b) {
			size_t bj = G - j0 < b ? G - j0 : b;

			if (prep_block(R, j0, bj, rj, R->zj) < 0)
				return -1;
			t = now();
			cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)bi, (int)bj, (int)n,
			            1.0, R->zi, (int)n, R->zj, (int)n, 0.0, R->c, (int)bi);
			R->blas_s += now() - t;
			if (corr_block_pairs(R, i0, bi, j0, bj, 0, ri, rj) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- planning ---- */

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
int corr_make_plan(size_t budget, size_t G, size_t n, const gx_corr_opts *o, int need_raw,
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

	corr_free(R, R->flag, R->G, 1);
	corr_free(R, R->vhash, R->G, sizeof(uint64_t));
	corr_free(R, R->tmp, R->n, sizeof(double));
	corr_free(R, R->pa, R->n, sizeof(double));
	corr_free(R, R->pb, R->n, sizeof(double));
	corr_free(R, R->qa, R->n, sizeof(double));
	corr_free(R, R->qb, R->n, sizeof(double));
	corr_free(R, R->work, 2 * R->n, sizeof(gx_rank_item));
	corr_free(R, R->zi, nb, sizeof(double));
	corr_free(R, R->zj, nb, sizeof(double));
	corr_free(R, R->ri, nb, sizeof(double));
	corr_free(R, R->rj, nb, sizeof(double));
	corr_free(R, R->c, R->b * R->b, sizeof(double));
	corr_free(R, R->h, R->hcap, sizeof(kept));
	corr_free(R, R->e1, R->e1cap, sizeof(double));
	corr_free(R, R->e2, R->e2cap, sizeof(double));
	corr_free(R, R->hist, R->nb, sizeof(uint64_t));
	corr_free(R, R->edge, R->nb + 1, sizeof(double));
	corr_free(R, R->want, R->nb, 1);
	corr_free(R, R->bmin_r, R->nb, sizeof(double));
	corr_free(R, R->bmax_p, R->nb, sizeof(double));
	corr_free(R, R->col, R->colcap, sizeof(coll));
}

/* Sweep 0: every gene read once for its flags (missing values, constant, too few
 * values) and the hash of its values. */
static int flag_genes(run *R, gx_corr_stats *stats)
{
	size_t g0, g, G = R->G, n = R->n;

	if (!(R->flag = corr_alloc(R, G, 1)) || !(R->vhash = corr_alloc(R, G, sizeof(uint64_t))) ||
	    !(R->tmp = corr_alloc(R, n, sizeof(double))) ||
	    !(R->pa = corr_alloc(R, n, sizeof(double))) ||
	    !(R->pb = corr_alloc(R, n, sizeof(double))) ||
	    !(R->qa = corr_alloc(R, n, sizeof(double))) ||
	    !(R->qb = corr_alloc(R, n, sizeof(double))) ||
	    !(R->work = corr_alloc(R, 2 * n, sizeof(gx_rank_item))) ||
	    !(R->ri = corr_alloc(R, R->b * n, sizeof(double))))
		return corr_oom(R);
	for (g0 = 0; g0 < G; g0 += R->b) {
		size_t cnt = G - g0 < R->b ? G - g0 : R->b;

		if (load_block(R, g0, cnt, R->ri) < 0)
			return -1;
		for (g = 0; g < cnt; g++) {
			unsigned f = gene_flag(R, R->ri + g * n);

			R->flag[g0 + g] = (uint8_t)f;
			R->vhash[g0 + g] = gx_hash_bytes(R->ri + g * n, n * sizeof(double)).lo;
			stats->genes_missing += (f & F_MISSING) != 0;
			stats->genes_constant += (f & F_CONST) != 0;
		}
	}
	corr_free(R, R->ri, R->b * n, sizeof(double));
	R->ri = NULL;
	return 0;
}

/* What sweep 1 holds: the blocks of plan pl, the exact store and, when m may exceed the
 * store, the p-value bins. */
static int alloc_sweep(run *R, const plan *pl)
{
	size_t n = R->n;
	double pairs = (double)R->G * (double)(R->G - 1) / 2;

	R->b = pl->b;
	R->S = pl->S;
	R->hmax = pl->hmax;
	if (!(R->zi = corr_alloc(R, R->b * n, sizeof(double))) ||
	    !(R->zj = corr_alloc(R, R->b * n, sizeof(double))) ||
	    !(R->ri = corr_alloc(R, R->b * n, sizeof(double))) ||
	    (R->need_raw && !(R->rj = corr_alloc(R, R->b * n, sizeof(double)))) ||
	    !(R->c = corr_alloc(R, R->b * R->b, sizeof(double))))
		return corr_oom(R);
	R->e1cap = pairs < 2.0 * (double)R->S ? (size_t)pairs : 2 * R->S;
	R->e2max = 2 * R->S;
	R->e1tau = R->e2tau = -INFINITY;
	if (!(R->e1 = corr_alloc(R, R->e1cap, sizeof(double))))
		return corr_oom(R);
	if (pairs > (double)R->S) {
		size_t c;
		double ne = (double)(n > 3 ? n : 3);

		R->nb = pl->nb;
		if (!(R->hist = corr_alloc(R, R->nb, sizeof(uint64_t))) ||
		    !(R->edge = corr_alloc(R, R->nb + 1, sizeof(double))) ||
		    !(R->want = corr_alloc(R, R->nb, 1)) ||
		    !(R->bmin_r = corr_alloc(R, R->nb, sizeof(double))) ||
		    !(R->bmax_p = corr_alloc(R, R->nb, sizeof(double))))
			return corr_oom(R);
		memset(R->hist, 0, R->nb * sizeof(uint64_t));
		for (c = 0; c < R->nb; c++) {
			R->bmin_r[c] = INFINITY;
			R->bmax_p[c] = -1;
		}
		for (c = 0; c <= R->nb; c++)
			R->edge[c] = gx_r_p2((double)c / (double)R->nb, ne);
	}
	return 0;
}

int gx_corr_run(size_t n_genes, size_t n_samples, gx_corr_load_fn load, void *load_ctx,
                const gx_corr_opts *opts, gx_corr_emit_fn emit, void *emit_ctx,
                gx_corr_stats *stats, gx_err *err)
{
	run R = { 0 };
	plan pl;
	gx_corr_stats st0;
	size_t budget, n = n_samples, G = n_genes;
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
	if (corr_make_plan(budget, G, n, &R.o, 1, &pl) < 0) {
		size_t need = budget;

		while (corr_make_plan(need, G, n, &R.o, 1, &pl) < 0 && need < SIZE_MAX / 4)
			need *= 2;
		return gx_err_set(err, GX_E_CONFIG, "memory budget of %zu bytes is too small for "
		                  "%zu genes over %zu samples: give it %zu or more", budget, G, n,
		                  need);
	}
	if (R.o.top_k > pl.hmax)
		return gx_err_set(err, GX_E_CONFIG, "top %zu pairs do not fit in a memory budget of "
		                  "%zu bytes (at most %zu)", R.o.top_k, budget, pl.hmax);
	R.b = pl.b;
	if (flag_genes(&R, stats) < 0)
		goto out;
	/* the blocks, planned again now that it is known whether raw values are needed */
	R.need_raw = stats->genes_missing > 0;
	corr_make_plan(budget, G, n, &R.o, R.need_raw, &pl);
	if (alloc_sweep(&R, &pl) < 0)
		goto out;
	R.pass = 1;
	R.passes = 1;
	if (corr_sweep(&R) < 0)
		goto out;
	if (corr_finish(&R, emit, emit_ctx, &pl) < 0)
		goto out;
	rc = 0;
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
