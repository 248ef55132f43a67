/*
 * diff.h - differential statistics of one gene between two cohorts (A against B).
 *
 * Per gene: the mean difference of log2 values, Welch's t test (scipy.stats.ttest_ind
 * with equal_var=False) and the Wilcoxon rank-sum / Mann-Whitney U test
 * (scipy.stats.mannwhitneyu, two-sided, method='auto', use_continuity=True); per study,
 * Benjamini-Hochberg q-values of both over its genes (gx_diff_fdr).  Missing values (NaN
 * or infinite) are dropped gene by gene; n_a and n_b say how many values each test used.
 * docs/ANALYSIS.md states every convention.  No database, no I/O.
 */
#ifndef GX_DIFF_H
#define GX_DIFF_H

#include "analyze/dist.h"
#include "analyze/rank.h"
#include "core/err.h"

#include <stddef.h>

/* The U test is exact when one cohort has at most this many values and no value is tied
 * (scipy's method='auto'); otherwise the normal approximation with tie and continuity
 * corrections. */
#define GX_DIFF_EXACT_MAX 8

typedef struct gx_diff_result {
	size_t n_a, n_b;            /* values used from cohort A and B (missing dropped) */
	double mean_a, mean_b;      /* NaN for an empty cohort */
	double mean_diff;           /* mean_a - mean_b */
	double welch_t, welch_df;   /* NaN when a cohort has < 2 values or both variances are 0 */
	double welch_p, welch_q;
	double mwu_u;               /* U of cohort A: rank sum of A - n_a (n_a + 1) / 2 */
	double mwu_p, mwu_q;        /* NaN when a cohort is empty */
	int mwu_exact;              /* 1: exact null distribution, 0: normal approximation */
} gx_diff_result;

/* Scratch kept between genes.  {0} is empty; gx_diff_release frees it. */
typedef struct gx_diff {
	double *vals, *ranks;
	gx_rank_item *work;
	size_t cap;
	gx_mwu_exact exact;
} gx_diff;

/*
 * Statistics of one gene from its values in cohort A (a[0 .. na-1]) and B; q-values are
 * left NaN (gx_diff_fdr fills them).  0, or -1 and err when out of memory.
 */
int gx_diff_gene(gx_diff *d, const double *a, size_t na, const double *b, size_t nb,
                 gx_diff_result *res, gx_err *err);

/* BH q-values over the n genes of a study, for Welch and for U separately: m is the number
 * of genes whose test has a p-value.  0, or -1 and err when out of memory. */
int gx_diff_fdr(gx_diff_result *res, size_t n, gx_err *err);

void gx_diff_release(gx_diff *d);

#endif
