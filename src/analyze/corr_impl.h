/*
 * corr_impl.h - the state of one all-pairs correlation run, shared by the files of
 * analyze/corr (private: tests/unit/test_layers.c lets only analyze/corr*.c include it).
 *
 *   corr.c           the run: budget plan, sweeps over gene blocks, cblas_dsyrk/dgemm
 *   corr_keep.c      each r of the fast path: kept heap, exact store, p-value bins
 *   corr_pairwise.c  pairs with a missing value: pairwise-complete r, one pair at a time
 *   corr_bh.c        BH q-values of the kept pairs (second sweep when bins must be read)
 * Every allocation of a run goes through corr_alloc/corr_free/corr_grow, which count it
 * against the memory budget (run.cur, run.peak).
 */
#ifndef GX_CORR_IMPL_H
#define GX_CORR_IMPL_H

#include "analyze/corr.h"
#include "analyze/rank.h"

#include <stddef.h>
#include <stdint.h>

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


typedef struct plan {
	size_t hmax, S, nb, colcap, b;
} plan;

/* ---- corr.c ---- */

/* count * size bytes counted against the budget; NULL when out of memory */
void *corr_alloc(run *R, size_t count, size_t size);
void corr_free(run *R, void *p, size_t count, size_t size);
void *corr_grow(run *R, void *p, size_t old, size_t count, size_t size);
int corr_oom(run *R);
/* one sweep over every pair of blocks (R->pass 1: count, keep; 2: collect) */
int corr_sweep(run *R);
/* shares of the budget (see corr.c); -1 if the blocks cannot hold one gene */
int corr_make_plan(size_t budget, size_t G, size_t n, const gx_corr_opts *o, int need_raw,
                   plan *pl);

/* ---- corr_keep.c ---- */

/* a is weaker than b: smaller |r|, or equal |r| and later (i, j) */
int corr_weaker(const kept *a, const kept *b);
/* cut a buffer of the largest values back to its S largest; returns the new cut */
double corr_cut_top(double *v, size_t *n, size_t S);
/* the pair (i, j) with r over n samples into the kept heap, if it belongs there */
int corr_keep(run *R, double r, uint32_t i, uint32_t j, uint32_t n);
/* second sweep: p-value p of bin 'bin' kept for BH */
void corr_collect(run *R, double p, size_t bin);
/* bin of |r| (fast path), bin of a p-value (any path) */
size_t corr_cell_of(const run *R, double ar);
size_t corr_bin_of_p(const run *R, double p);
/* every pair of genes i0+a (a < bi) and j0+b (b < bj) from the product R->c */
int corr_block_pairs(run *R, size_t i0, size_t bi, size_t j0, size_t bj, int diag,
                     const double *rawi, const double *rawj);

/* ---- corr_pairwise.c ---- */

/* a pair where a gene has missing values: over the samples where both have one */
int corr_slow_pair(run *R, const double *x, const double *y, uint32_t i, uint32_t j);

/* ---- corr_bh.c ---- */

/* the kept pairs' p- and q-values, emitted in order of |r| */
int corr_finish(run *R, gx_corr_emit_fn emit, void *ectx, const plan *pl);

#endif
