/*
 * corr.h - all-pairs gene correlation within one cohort, on OpenBLAS.
 *
 * Input: a samples x genes block of log2 values that a source callback hands out a few
 * genes at a time (so the caller may read them from a file or a database and nothing
 * needs the whole matrix in memory).  For every pair of genes: n, Pearson's or
 * Spearman's r and its two-sided p-value (t with n - 2 df, as scipy.stats.pearsonr and
 * spearmanr); over all pairs with a defined r, Benjamini-Hochberg q-values.  Kept: the
 * top K pairs by |r| and every pair with |r| >= a threshold, streamed to a callback in
 * order of |r| (descending; ties by gene indexes).
 *
 * Genes without missing values go through the fast path: centred, scaled columns and
 * one matrix product per pair of gene blocks (cblas_dsyrk on the diagonal, cblas_dgemm
 * off it).  Pairs with a gene that has missing values use pairwise-complete samples
 * (Spearman ranks those samples again), one pair at a time.  Memory is planned from a
 * budget (default 256 MB) and never depends on genes squared.  docs/ANALYSIS.md describes
 * the algorithm, the conventions and how the budget is enforced.
 * No database, no I/O of its own, no printing.
 */
#ifndef GX_CORR_H
#define GX_CORR_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

#define GX_CORR_DEFAULT_BUDGET ((size_t)256 << 20)

typedef enum gx_corr_method {
	GX_CORR_PEARSON = 0,
	GX_CORR_SPEARMAN = 1,
} gx_corr_method;

/*
 * Source of values: write the values of genes gene0 .. gene0 + count - 1 in every sample
 * of the cohort to out[g * n_samples + s] (gene-major, each gene's values contiguous).
 * A missing value is NaN (any non-finite value counts as missing).  Every call for a
 * gene must give the same values.  Returns 0, or a negative value with err filled; the
 * run stops with that error.
 */
typedef int (*gx_corr_load_fn)(void *ctx, size_t gene0, size_t count, double *out,
                               gx_err *err);

typedef struct gx_corr_pair {
	uint32_t i, j;      /* gene indexes, i < j */
	uint32_t n;         /* samples with a value for both genes */
	double r, p, q;     /* correlation, two-sided p-value, BH q-value */
	uint64_t m;         /* pairs tested in the run: BH's m */
} gx_corr_pair;

/* Receives each kept pair (the pointer is valid during the call only); a negative return
 * stops the run with that error. */
typedef int (*gx_corr_emit_fn)(void *ctx, const gx_corr_pair *pair, gx_err *err);

typedef struct gx_corr_opts {
	gx_corr_method method;
	size_t top_k;        /* keep the K pairs with the largest |r| (0: none by rank) */
	double min_abs_r;    /* and every pair with |r| >= this (above 1: none by value) */
	size_t mem_budget;   /* bytes the run may hold at once; 0: GX_CORR_DEFAULT_BUDGET */
	size_t min_n;        /* a pair with fewer common samples is not tested; 0: 3 (the
	                      * least for which the t test is defined) */
	size_t exact_cap;    /* 0: from the budget; else the number of smallest p-values held
	                      * exactly for BH (tests set it small to use the large-m path) */
} gx_corr_opts;

typedef struct gx_corr_stats {
	size_t n_genes, n_samples;
	size_t genes_missing;   /* genes with a missing value (pairwise-complete path) */
	size_t genes_constant;  /* genes with one value in every sample (their r undefined) */
	uint64_t pairs_tested;  /* pairs with a defined r: BH's m */
	uint64_t pairs_kept;
	int passes;             /* sweeps that computed every r: 1, or 2 when BH needed a
	                         * second look at some p-values */
	uint64_t gene_loads;    /* genes asked of the source, the first sweep included */
	size_t block_genes;     /* genes per block */
	size_t peak_bytes;      /* most memory the run held at once (what the budget bounds) */
	double blas_seconds;    /* wall time inside cblas_dsyrk / cblas_dgemm */
} gx_corr_stats;

/* Default options: Pearson, top 1000, |r| >= 1.1 (none by value), 256 MB, n >= 3. */
void gx_corr_opts_init(gx_corr_opts *o);

/*
 * Correlate every pair of the n_genes genes over n_samples samples.  Calls load for
 * blocks of genes (several sweeps), then emit once per kept pair.  opts NULL means the
 * defaults; emit and stats may be NULL.
 * Errors: GX_E_CONFIG for a budget too small for the cohort (the message says the least
 * that works) or for top_k that does not fit in it; GX_E_NOMEM when more pairs reach
 * min_abs_r than the budget can hold; whatever load or emit return.
 */
int gx_corr_run(size_t n_genes, size_t n_samples, gx_corr_load_fn load, void *load_ctx,
                const gx_corr_opts *opts, gx_corr_emit_fn emit, void *emit_ctx,
                gx_corr_stats *stats, gx_err *err);

/* A source over a matrix in memory: values[g * n_samples + s]. */
typedef struct gx_corr_matrix {
	const double *values;
	size_t n_samples;
} gx_corr_matrix;

int gx_corr_matrix_load(void *ctx, size_t gene0, size_t count, double *out, gx_err *err);

#endif
