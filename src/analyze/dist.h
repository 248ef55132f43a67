/*
 * dist.h - the distribution functions the analysis step needs, in double precision.
 *
 * Student's t (two-sided tail) through the regularized incomplete beta function, the
 * normal upper tail through erfc, and the exact null distribution of the Mann-Whitney U
 * statistic.  Accuracy: relative error about 1e-13 or better against scipy 1.10 in the
 * ranges tests/stats/ checks (docs/ANALYSIS.md gives the figures).
 * Pure functions: no allocation except the Mann-Whitney table, no I/O, no errors but NaN.
 */
#ifndef GX_DIST_H
#define GX_DIST_H

#include "core/err.h"

#include <stddef.h>

/*
 * Regularized incomplete beta I_x(a, b) for a, b > 0 and 0 <= x <= 1, given both x and
 * y = 1 - x (pass y computed without cancellation where the caller can, e.g. r^2 when
 * x = 1 - r^2).  NaN outside the domain.  Continued fraction by the modified Lentz
 * method (Numerical Recipes 6.4), prefactor x^a y^b / B(a, b) in logs with Stirling
 * corrections for large a or b (as in Boost's ibeta_power_terms), so that large degrees
 * of freedom keep full relative accuracy.
 */
double gx_betainc(double a, double b, double x, double y);

/* Two-sided p-value of Student's t statistic t with df > 0 degrees of freedom:
 * P(|T| >= |t|) = I_{df/(df+t^2)}(df/2, 1/2).  NaN for NaN t or df <= 0. */
double gx_t_p2(double t, double df);

/* Two-sided p-value of a correlation coefficient r over n >= 3 pairs (t with n - 2 df,
 * as scipy.stats.pearsonr and spearmanr): I_{1-r^2}((n-2)/2, 1/2); 0 for |r| = 1. */
double gx_r_p2(double r, double n);

/* Upper tail of the standard normal distribution, P(Z >= z) = erfc(z / sqrt 2) / 2. */
double gx_norm_sf(double z);

/*
 * Exact null distribution of the Mann-Whitney U statistic for samples of sizes m and n
 * without ties.  The counts f(m, n, k) of rankings with U = k are the coefficients of
 * the Gaussian binomial [m+n choose a]_q = prod_{i=1..a} (1 - q^(b+i)) / (1 - q^i),
 * a = min(m, n), b = max(m, n).  Only the lower tail k <= k0 <= ab/2 is needed (the
 * distribution is symmetric); the denominator (partitions into parts <= a) is built with
 * additions only and the numerator's factors remove the partitions with more than b
 * parts, O(a ab/2) once per (m, n): gx_mwu_exact keeps the cumulative counts for the
 * last sizes asked, since the genes of a cohort without missing values all ask the same.
 */
typedef struct gx_mwu_exact {
	double *g;       /* g[k] = rankings with U <= k, k = 0 .. ab/2 */
	size_t cap;
	size_t a, b;     /* sizes g is for (0: none) */
	double binom;    /* (a + b choose a): all rankings */
} gx_mwu_exact;

/* Two-sided exact p-value of U1 (the first sample's U, an integer): 2 P(U >= max(U1,
 * U2)) = 2 P(U <= mn - max(U1, U2)), at most 1 (scipy's method='exact').  -1 and err on
 * allocation failure.  {0} is an empty gx_mwu_exact. */
int gx_mwu_exact_p2(gx_mwu_exact *t, size_t m, size_t n, double u1, double *p, gx_err *err);
void gx_mwu_exact_release(gx_mwu_exact *t);

#endif
