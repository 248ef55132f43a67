/*
 * dist.c - distribution functions for the analysis step (see dist.h).
 *
 * The incomplete beta follows Numerical Recipes (3rd ed.) 6.4: the continued fraction
 * evaluated by the modified Lentz method, on the side of the mean where it converges
 * fast (x < (a + 1) / (a + b + 2)), the other side through I_x(a, b) = 1 - I_y(b, a).
 * The prefactor x^a y^b / B(a, b) is computed in logs; when a or b is 10 or more the
 * log-gamma differences are taken from Stirling's series with its correction term
 * delta(x) (as Boost's ibeta_power_terms and TOMS 708 do), so that thousands of degrees
 * of freedom do not cost digits to cancellation between large log-gamma values.
 * Does not: handle alternatives other than two-sided, or allocate (but the U table).
 */
#include "analyze/dist.h"
#include "core/mem.h"

#include <float.h>
#include <math.h>

#define LN_SQRT_2PI 0.91893853320467274178032973640562
/* iterations of the continued fraction: it needs O(sqrt(max(a, b))) of them, so this
 * covers a and b up to about 1e9 with room to spare */
#define CF_MAXIT 200000
#define CF_EPS (4 * DBL_EPSILON)
#define CF_TINY 1e-300

/* delta(x) = lgamma(x) - ((x - 1/2) ln x - x + ln sqrt(2 pi)), Stirling's series to
 * x^-13 (Bernoulli numbers B2..B14); the first omitted term is below 1e-17 at x = 10 */
static double stirling_delta(double x)
{
	double r = 1.0 / x, r2 = r * r;

	return r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680 +
	       r2 * (1.0 / 1188 + r2 * (-691.0 / 360360 + r2 * (1.0 / 156)))))));
}

/* lgamma(L) - lgamma(L + s) for L >= 10, from Stirling's series (no cancellation
 * between two large log-gamma values) */
static double lgamma_ratio(double L, double s)
{
	return -(L - 0.5) * log1p(s / L) - s * log(L + s) + s + stirling_delta(L) -
	       stirling_delta(L + s);
}

/* ln(x^a y^b / B(a, b)) with y = 1 - x */
static double log_power_terms(double a, double b, double x, double y)
{
	double lx = x < 0.5 ? log(x) : log1p(-y);
	double ly = y < 0.5 ? log(y) : log1p(-x);

	if (a >= 10 && b >= 10) {
		/* = a ln(xc/a) + b ln(yc/b) + ln sqrt(ab/c) - ln sqrt(2 pi)
		 *   + delta(c) - delta(a) - delta(b),  c = a + b, xc - a = xb - ya */
		double c = a + b, e = x * b - y * a, ta, tb;

		/* log1p near xc/a = 1, where it saves digits; plain logs away from it, where
		 * 1 + e/a would itself cancel */
		ta = fabs(e / a) < 0.5 ? a * log1p(e / a) : a * (lx + log(c / a));
		tb = fabs(e / b) < 0.5 ? b * log1p(-e / b) : b * (ly + log(c / b));
		return ta + tb + 0.5 * log(a / c * b) - LN_SQRT_2PI +
		       stirling_delta(c) - stirling_delta(a) - stirling_delta(b);
	}
	if (a >= 10 || b >= 10) {
		/* one large (L), one small (s): lgamma(L) - lgamma(L + s) from Stirling */
		double L = a >= 10 ? a : b, s = a >= 10 ? b : a;

		return a * lx + b * ly - lgamma(s) - lgamma_ratio(L, s);
	}
	return a * lx + b * ly - (lgamma(a) + lgamma(b) - lgamma(a + b));
}

/* continued fraction for I_x(a, b) (NR 6.4 betacf), modified Lentz */
static double betacf(double a, double b, double x)
{
	double qab = a + b, qap = a + 1, qam = a - 1;
	double c = 1, d = 1 - qab * x / qap, h;
	int m;

	if (fabs(d) < CF_TINY)
		d = CF_TINY;
	d = 1 / d;
	h = d;
	for (m = 1; m <= CF_MAXIT; m++) {
		double m2 = 2.0 * m, aa, del;

		aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1 + aa * d;
		if (fabs(d) < CF_TINY)
			d = CF_TINY;
		c = 1 + aa / c;
		if (fabs(c) < CF_TINY)
			c = CF_TINY;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		if (fabs(d) < CF_TINY)
			d = CF_TINY;
		c = 1 + aa / c;
		if (fabs(c) < CF_TINY)
			c = CF_TINY;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < CF_EPS)
			break;
	}
	return h;
}

/*
 * I_x(a, 1/2) for a >= 15 by the asymptotic expansion of DiDonato & Morris (TOMS 708,
 * BGRAT: I_x(a, b) for a large and b <= 1 as a series in incomplete gamma ratios), with
 * b = 1/2, where the ratio is Q(1/2, z) = erfc(sqrt z).  It converges in a few terms where
 * the continued fraction needs O(sqrt a) (the p-values of t and r with hundreds of
 * degrees of freedom, once per kept pair and per exact p-value).  -1 when it does not
 * apply; the caller falls back to the continued fraction.
 */
static double bgrat_half(double a, double x, double y)
{
	const double b = 0.5, bm1 = -0.5, nu = a - 0.25;
	double lnx = y > 0.375 ? log(x) : log1p(-y), z = -nu * lnx;
	double r, u, v, t2, j, sum, t = 1, cn = 1, n2 = 0, c[30], d[30];
	int n, i;

	if (!(z > 0))
		return -1;
	r = exp(-z) * sqrt(z / M_PI);          /* exp(-z) z^b / Gamma(b) */
	u = r * exp(-(lgamma_ratio(a, b) + b * log(nu)));
	if (!(r > 0) || !(u > 0))
		return -1;
	v = 0.25 / (nu * nu);
	t2 = 0.25 * lnx * lnx;
	j = erfc(sqrt(z)) / r;                 /* Q(b, z) / r */
	sum = j;
	for (n = 1; n <= 30; n++) {
		double bp2n = b + n2, s = 0, coef = b - n, dj;

		j = (bp2n * (bp2n + 1) * j + (z + bp2n + 1) * t) * v;
		n2 += 2;
		t *= t2;
		cn /= n2 * (n2 + 1);
		c[n - 1] = cn;
		for (i = 1; i < n; i++) {
			s += coef * c[i - 1] * d[n - i - 1];
			coef += b;
		}
		d[n - 1] = bm1 * cn + s / n;
		dj = d[n - 1] * j;
		sum += dj;
		if (sum <= 0)
			return -1;
		if (fabs(dj) <= 1e-16 * sum)
			return u * sum;
	}
	return -1;
}

double gx_betainc(double a, double b, double x, double y)
{
	double lp;

	if (!(a > 0) || !(b > 0) || !(x >= 0) || !(y >= 0) || !(x <= 1) || !(y <= 1))
		return NAN;
	if (x == 0)
		return 0;
	if (y == 0)
		return 1;
	if (b == 0.5 && a >= 15) {
		double w = bgrat_half(a, x, y);

		if (w >= 0)
			return w;
	}
	lp = log_power_terms(a, b, x, y);
	if (x < (a + 1) / (a + b + 2))
		return exp(lp) * betacf(a, b, x) / a;
	return 1 - exp(lp) * betacf(b, a, y) / b;
}

double gx_t_p2(double t, double df)
{
	double t2;

	if (isnan(t) || !(df > 0))
		return NAN;
	t2 = t * t;
	if (isinf(t2))
		return 0;
	return gx_betainc(df / 2, 0.5, df / (df + t2), t2 / (df + t2));
}

double gx_r_p2(double r, double n)
{
	double ar = fabs(r);

	if (isnan(r) || !(n >= 3))
		return NAN;
	if (ar >= 1)
		return 0;
	return gx_betainc((n - 2) / 2, 0.5, (1 - ar) * (1 + ar), ar * ar);
}

double gx_norm_sf(double z)
{
	return 0.5 * erfc(z * M_SQRT1_2);
}

int gx_mwu_exact_p2(gx_mwu_exact *t, size_t m, size_t n, double u1, double *p, gx_err *err)
{
	size_t a = m < n ? m : n, b = m < n ? n : m, mn = m * n, k0, kmax = mn / 2, i, k;
	double u, *g;

	*p = NAN;
	if (!a || isnan(u1) || u1 < 0 || u1 > (double)mn)
		return 0;
	u = fmax(u1, (double)mn - u1);
	k0 = mn - (size_t)u; /* <= mn / 2 */
	if (t->a != a || t->b != b || !t->g) {
		if (kmax + 1 > t->cap) {
			if (!(g = gx_reallocarray(t->g, kmax + 1, sizeof(*g))))
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
			t->g = g;
			t->cap = kmax + 1;
		}
		g = t->g;
		for (k = 0; k <= kmax; k++)
			g[k] = 0;
		g[0] = 1;
		/* 1 / prod (1 - q^i): partitions of k into parts <= a (additions only) */
		for (i = 1; i <= a && i <= kmax; i++)
			for (k = i; k <= kmax; k++)
				g[k] += g[k - i];
		/* times prod (1 - q^(b+i)): drop the partitions with more than b parts */
		for (i = 1; i <= a && b + i <= kmax; i++)
			for (k = kmax; k >= b + i; k--)
				g[k] -= g[k - b - i];
		/* cumulative: g[k] = number of rankings with U <= k */
		for (k = 1; k <= kmax; k++)
			g[k] += g[k - 1];
		t->binom = 1;
		for (i = 1; i <= a; i++)
			t->binom = t->binom * (double)(b + i) / (double)i;
		t->a = a;
		t->b = b;
	}
	*p = fmin(1.0, 2 * t->g[k0] / t->binom);
	return 0;
}

void gx_mwu_exact_release(gx_mwu_exact *t)
{
	if (!t)
		return;
	gx_free(t->g);
	t->g = NULL;
	t->cap = t->a = t->b = 0;
}
