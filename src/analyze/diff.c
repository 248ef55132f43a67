/*
 * diff.c - differential statistics of one gene between two cohorts (see diff.h).
 *
 * Welch: t = (mean_a - mean_b) / sqrt(v_a/n_a + v_b/n_b) with sample variances (n - 1),
 * Welch-Satterthwaite degrees of freedom, p = P(|T_df| >= |t|).  Where scipy would divide
 * by zero (both cohorts constant), t and p are NaN here rather than +-inf and 0.
 * Mann-Whitney: ranks of the pooled values (ties averaged), U_a = R_a - n_a (n_a + 1)/2,
 * U = max(U_a, n_a n_b - U_a); exact when min(n_a, n_b) <= 8 and no ties, else
 * z = (U - n_a n_b / 2 - 1/2) / s with s^2 = n_a n_b / 12 ((n + 1) - T / (n (n - 1))),
 * T = sum of t^3 - t over tied groups, and p = min(1, 2 P(Z >= z)): the same steps as
 * scipy 1.10's mannwhitneyu, in the same order.
 */
#include "analyze/diff.h"
#include "analyze/bh.h"
#include "core/mem.h"

#include <math.h>

static int grow(gx_diff *d, size_t n, gx_err *err)
{
	double *v, *r;
	gx_rank_item *w;

	if (n <= d->cap)
		return 0;
	if (!(v = gx_reallocarray(d->vals, n, sizeof(*v))))
		goto oom;
	d->vals = v;
	if (!(r = gx_reallocarray(d->ranks, n, sizeof(*r))))
		goto oom;
	d->ranks = r;
	if (!(w = gx_reallocarray(d->work, 2 * n, sizeof(*w))))
		goto oom;
	d->work = w;
	d->cap = n;
	return 0;
oom:
	return gx_err_set(err, GX_E_NOMEM, "out of memory");
}

/* copy the finite values of x to out; returns how many */
static size_t finite_copy(const double *x, size_t n, double *out)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (isfinite(x[i]))
			out[k++] = x[i];
	return k;
}

static double mean_of(const double *x, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += x[i];
	return n ? s / (double)n : NAN;
}

/* sample variance (n - 1), two passes */
static double var_of(const double *x, size_t n, double mean)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += (x[i] - mean) * (x[i] - mean);
	return s / (double)(n - 1);
}

int gx_diff_gene(gx_diff *d, const double *a, size_t na, const double *b, size_t nb,
                 gx_diff_result *res, gx_err *err)
{
	size_t ka, kb, n, i;
	double *va, *vb;

	res->welch_t = res->welch_df = res->welch_p = res->welch_q = NAN;
	res->mwu_u = res->mwu_p = res->mwu_q = NAN;
	res->mwu_exact = 0;
	if (grow(d, na + nb, err) < 0)
		return -1;
	va = d->vals;
	ka = finite_copy(a, na, va);
	vb = va + ka;
	kb = finite_copy(b, nb, vb);
	n = ka + kb;
	res->n_a = ka;
	res->n_b = kb;
	res->mean_a = mean_of(va, ka);
	res->mean_b = mean_of(vb, kb);
	res->mean_diff = res->mean_a - res->mean_b;

	if (ka >= 2 && kb >= 2) {
		double vna = var_of(va, ka, res->mean_a) / (double)ka;
		double vnb = var_of(vb, kb, res->mean_b) / (double)kb;
		double se2 = vna + vnb;

		if (se2 > 0) {
			res->welch_df = se2 * se2 /
			                (vna * vna / (double)(ka - 1) + vnb * vnb / (double)(kb - 1));
			res->welch_t = res->mean_diff / sqrt(se2);
			res->welch_p = gx_t_p2(res->welch_t, res->welch_df);
		}
	}

	if (ka >= 1 && kb >= 1) {
		double tie = gx_rank_avg(va, n, d->ranks, d->work), r1 = 0, u1, u, mu, s;
		double fa = (double)ka, fb = (double)kb, fn = (double)n;

		for (i = 0; i < ka; i++)
			r1 += d->ranks[i];
		u1 = r1 - fa * (fa + 1) / 2;
		res->mwu_u = u1;
		if ((ka <= GX_DIFF_EXACT_MAX || kb <= GX_DIFF_EXACT_MAX) && tie == 0) {
			res->mwu_exact = 1;
			return gx_mwu_exact_p2(&d->exact, ka, kb, u1, &res->mwu_p, err);
		}
		u = fmax(u1, fa * fb - u1);
		mu = fa * fb / 2;
		s = sqrt(fa * fb / 12 * ((fn + 1) - tie / (fn * (fn - 1))));
		/* s = 0 only when every value is tied: U = mu, scipy's z is -inf and p is 1 */
		res->mwu_p = s > 0 ? fmin(1.0, 2 * gx_norm_sf((u - mu - 0.5) / s)) : 1.0;
	}
	return 0;
}

int gx_diff_fdr(gx_diff_result *res, size_t n, gx_err *err)
{
	double *p;
	size_t i;
	int rc = -1;

	if (!n)
		return 0;
	if (!(p = gx_reallocarray(NULL, n, sizeof(*p))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++)
		p[i] = res[i].welch_p;
	if (gx_bh(p, n, p, err) < 0)
		goto out;
	for (i = 0; i < n; i++)
		res[i].welch_q = p[i];
	for (i = 0; i < n; i++)
		p[i] = res[i].mwu_p;
	if (gx_bh(p, n, p, err) < 0)
		goto out;
	for (i = 0; i < n; i++)
		res[i].mwu_q = p[i];
	rc = 0;
out:
	gx_free(p);
	return rc;
}

void gx_diff_release(gx_diff *d)
{
	if (!d)
		return;
	gx_free(d->vals);
	gx_free(d->ranks);
	gx_free(d->work);
	gx_mwu_exact_release(&d->exact);
	*d = (gx_diff){ 0 };
}
