/* test_analyze.c - the analysis library's edge cases: distribution functions at closed
 * forms and domain edges, ranks with ties, BH, the differential statistics of tiny and
 * degenerate cohorts, features (parsing, canonical text, stable ids), and the correlation
 * run's contract: tie order, undefined pairs, budget errors, errors from the source and
 * the sink, a source that changes, and every allocation failure (ASan in `make check`).
 * Accuracy against scipy is test_analyze_scipy's job. */
#include "analyze/bh.h"
#include "analyze/corr.h"
#include "analyze/diff.h"
#include "analyze/dist.h"
#include "analyze/feature.h"
#include "analyze/rank.h"
#include "core/mem.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int near(double a, double b, double rel)
{
	return fabs(a - b) <= rel * fabs(b);
}

static void test_dist(void)
{
	gx_mwu_exact ex = { 0 };
	gx_err err;
	double p;

	ok(isnan(gx_betainc(0, 1, 0.5, 0.5)) && isnan(gx_betainc(1, 1, -0.1, 1.1)),
	   "betainc: NaN outside the domain");
	is_double(gx_betainc(2, 3, 0, 1), 0.0, "betainc: x = 0");
	is_double(gx_betainc(2, 3, 1, 0), 1.0, "betainc: x = 1");
	ok(near(gx_betainc(1, 1, 0.3, 0.7), 0.3, 1e-15), "betainc(1, 1, x) = x");
	ok(near(gx_betainc(4, 1, 0.6, 0.4), pow(0.6, 4), 1e-14), "betainc(a, 1, x) = x^a");
	ok(near(gx_betainc(3.5, 40, 0.1, 0.9), 1 - gx_betainc(40, 3.5, 0.9, 0.1), 1e-13),
	   "betainc: I_x(a, b) = 1 - I_(1-x)(b, a)");
	is_double(gx_t_p2(0, 7), 1.0, "t: p(0) = 1");
	is_double(gx_t_p2(INFINITY, 7), 0.0, "t: p(inf) = 0");
	ok(isnan(gx_t_p2(NAN, 7)) && isnan(gx_t_p2(1, 0)), "t: NaN for NaN t or df <= 0");
	ok(near(gx_t_p2(1.7, 1), 1 - 2 * atan(1.7) / M_PI, 1e-14), "t: df = 1 is Cauchy");
	ok(near(gx_t_p2(-2.2, 2), 1 - 2.2 / sqrt(2 + 2.2 * 2.2), 1e-14), "t: df = 2 closed form");
	is_double(gx_r_p2(1, 10), 0.0, "r: p(1) = 0");
	is_double(gx_r_p2(-1, 10), 0.0, "r: p(-1) = 0");
	is_double(gx_r_p2(0, 10), 1.0, "r: p(0) = 1");
	ok(isnan(gx_r_p2(0.5, 2)), "r: NaN below 3 pairs");
	ok(near(gx_r_p2(0.37, 4), 0.63, 1e-14) && near(gx_r_p2(-0.9, 4), 0.1, 1e-13),
	   "r: n = 4 gives p = 1 - |r|");
	is_double(gx_norm_sf(0), 0.5, "normal: sf(0) = 1/2");
	ok(near(gx_norm_sf(1.959963984540054), 0.025, 1e-13), "normal: sf(1.96) = 0.025");
	is_int(gx_mwu_exact_p2(&ex, 1, 1, 0, &p, &err), 0, "exact U: 1 x 1");
	is_double(p, 1.0, "exact U: 1 x 1 gives p = 1");
	gx_mwu_exact_p2(&ex, 2, 2, 0, &p, &err);
	ok(near(p, 1.0 / 3, 1e-15), "exact U: 2 x 2, U = 0: p = 2/6");
	gx_mwu_exact_p2(&ex, 3, 3, 9, &p, &err);
	ok(near(p, 0.1, 1e-15), "exact U: 3 x 3, U = 9: p = 2/20");
	gx_mwu_exact_p2(&ex, 4, 3, 6, &p, &err);
	is_double(p, 1.0, "exact U: the centre gives p = 1");
	gx_mwu_exact_p2(&ex, 0, 3, 0, &p, &err);
	ok(isnan(p), "exact U: an empty sample gives NaN");
	gx_mwu_exact_release(&ex);
	gx_mwu_exact_release(NULL);
}

static void test_rank_bh(void)
{
	double x[] = { 3, 1, 2, 2, 7, 2 }, r[6], p[6], q[6];
	gx_rank_item w[12];
	gx_err err;

	is_double(gx_rank_avg(x, 6, r, w), 24.0, "ranks: tie term of three tied values");
	ok(r[0] == 5 && r[1] == 1 && r[2] == 3 && r[3] == 3 && r[4] == 6 && r[5] == 3,
	   "ranks: ties share the mean of their ranks");
	is_double(gx_rank_avg(x, 2, r, w), 0.0, "ranks: no ties, no tie term");
	{
		/* negative values, -0 and +0 (equal), and 600 values that share the top 32 bits of
		 * their keys (the radix sort's full pass) in a scrambled order */
		static const double y[] = { -1, 0.0, -0.0, 3, -2.5 };
		double ry[5], *z = malloc(600 * sizeof(*z)), *rz = malloc(600 * sizeof(*rz));
		gx_rank_item *wz = malloc(1200 * sizeof(*wz));
		size_t i, bad = 0;

		gx_rank_avg(y, 5, ry, w);
		ok(ry[0] == 2 && ry[1] == 3.5 && ry[2] == 3.5 && ry[3] == 5 && ry[4] == 1,
		   "ranks: negatives first, -0 tied with +0");
		for (i = 0; i < 600; i++)
			z[i] = 8 + (double)((i * 7919) % 600) * 1e-13;
		is_double(gx_rank_avg(z, 600, rz, wz), 0.0, "ranks: close values are not ties");
		for (i = 0; i < 600; i++)
			bad += rz[i] != (double)((i * 7919) % 600) + 1;
		is_int(bad, 0, "ranks: values within 1e-13 of each other ranked in order");
		for (i = 0; i < 600; i++)
			z[i] = (double)(i % 7) - 3;
		/* 600 = 7 x 85 + 5: the values -3 .. 1 appear 86 times, 2 and 3 85 times */
		is_double(gx_rank_avg(z, 600, rz, wz), 5 * (86.0 * 86 * 86 - 86) + 2 * (85.0 * 85 * 85 - 85),
		          "ranks: tie term of seven groups");
		ok(rz[3] == 86 * 3 + 43.5 && rz[6] == 558, "ranks: each group's mean rank");
		free(z);
		free(rz);
		free(wz);
	}

	p[0] = 0.01, p[1] = 0.04, p[2] = NAN, p[3] = 0.03, p[4] = 0.5, p[5] = 0.03;
	is_int(gx_bh(p, 6, q, &err), 0, "bh");
	/* m = 5: sorted 0.01 0.03 0.03 0.04 0.5 -> 0.05 0.05 0.05 0.05 0.5 */
	ok(near(q[0], 0.05, 1e-15) && near(q[3], 0.05, 1e-15) && near(q[5], 0.05, 1e-15) &&
	   near(q[1], 0.05, 1e-15) && near(q[4], 0.5, 1e-15), "bh: step-up minimum");
	ok(isnan(q[2]), "bh: an untested p stays untested");
	is_int(gx_bh(p, 0, q, &err), 0, "bh: nothing to adjust");
	p[0] = 0.9;
	p[1] = 0.95;
	gx_bh(p, 2, p, &err);
	ok(p[0] == 0.95 && p[1] == 0.95, "bh: in place, capped by the running minimum");
}

static void test_diff(void)
{
	gx_diff d = { 0 };
	gx_diff_result r, res[2];
	gx_err err;
	double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6 }, c2[] = { 3, 3 }, c5[] = { 5, 5 };
	double na[] = { NAN, 2, INFINITY, 3 };

	is_int(gx_diff_gene(&d, a, 3, b, 3, &r, &err), 0, "diff: 3 against 3");
	is_double(r.mean_diff, -3.0, "diff: mean difference");
	ok(near(r.welch_t, -3 / sqrt(2.0 / 3), 1e-15), "diff: Welch t");
	ok(near(r.welch_df, 4, 1e-15), "diff: Welch df of equal variances and sizes");
	ok(near(r.welch_p, 0.021311641128756727, 1e-12), "diff: Welch p (scipy)");
	ok(r.mwu_exact && r.mwu_u == 0 && near(r.mwu_p, 0.1, 1e-15), "diff: exact U = 0, p = 0.1");
	ok(isnan(r.welch_q) && isnan(r.mwu_q), "diff: q-values wait for gx_diff_fdr");

	gx_diff_gene(&d, na, 4, b, 3, &r, &err);
	ok(r.n_a == 2 && r.mean_a == 2.5, "diff: missing and infinite values are dropped");
	gx_diff_gene(&d, a, 0, b, 3, &r, &err);
	ok(r.n_a == 0 && isnan(r.mean_diff) && isnan(r.welch_p) && isnan(r.mwu_p),
	   "diff: an empty cohort has no tests");
	gx_diff_gene(&d, a, 1, b, 3, &r, &err);
	ok(isnan(r.welch_t) && !isnan(r.mwu_p), "diff: one value: no Welch, a U test");
	gx_diff_gene(&d, c2, 2, c5, 2, &r, &err);
	ok(isnan(r.welch_t) && isnan(r.welch_p), "diff: both constant: Welch undefined");
	ok(!r.mwu_exact && r.mwu_p > 0 && r.mwu_p < 1, "diff: ties take the normal approximation");
	gx_diff_gene(&d, c2, 2, c2, 2, &r, &err);
	is_double(r.mwu_p, 1.0, "diff: every value tied: p = 1");

	gx_diff_gene(&d, a, 3, b, 3, &res[0], &err);
	gx_diff_gene(&d, a, 0, b, 3, &res[1], &err);
	is_int(gx_diff_fdr(res, 2, &err), 0, "diff: fdr");
	ok(res[0].mwu_q == res[0].mwu_p && res[0].welch_q == res[0].welch_p && isnan(res[1].mwu_q),
	   "diff: m counts the genes with a test");
	gx_diff_release(&d);
	gx_diff_release(NULL);
}

static void test_feature(void)
{
	gx_feature f, g;
	gx_err err;
	const char *genes[] = { "ENSG2", "ENSG1", "ENSG2" };
	double v[] = { 5.5, 3.0 }, v3[] = { 1, 2, 4 }, vn[] = { 5.5, NAN };
	static const char *const bad[] = {
		"foo(A,B)", "log2_diff(A)", "log2_diff(A,A)", "ratio(A, B C)", "set_mean()",
		"set_mean(A,)", "log2_diff A,B", "ratio(A,B) x", "ratio(A,(B)",
	};
	size_t i;

	is_int(gx_feature_parse(&f, " log2_diff( ENSG1 , ENSG2 ) ", &err), 0, "feature: parse");
	is_str(f.definition, "log2_diff(ENSG1,ENSG2)", "feature: canonical definition");
	is_str(f.id, "5f7999a225228ef61fd75f8d21ebdec3", "feature: stable id (golden)");
	is_double(gx_feature_value(&f, v), 2.5, "feature: log2 difference");
	ok(isnan(gx_feature_value(&f, vn)), "feature: a missing gene gives no value");
	gx_feature_release(&f);

	is_int(gx_feature_parse(&f, "ratio(ENSG1,ENSG2)", &err), 0, "feature: ratio");
	is_double(gx_feature_value(&f, v), exp2(2.5), "feature: ratio on the linear scale");
	is_str(gx_feature_kind_name(f.kind), "ratio", "feature: kind name");
	gx_feature_release(&f);

	is_int(gx_feature_make(&f, GX_FEATURE_SET_MEAN, genes, 3, &err), 0, "feature: set");
	is_str(f.definition, "set_mean(ENSG1,ENSG2)", "feature: a set is sorted and deduplicated");
	is_int(gx_feature_parse(&g, "set_mean(ENSG1, ENSG2)", &err), 0, "feature: the same set");
	is_str(g.id, f.id, "feature: the same set gets the same id");
	is_double(gx_feature_value(&f, v3), 1.5, "feature: set mean");
	gx_feature_release(&g);
	is_int(gx_feature_parse(&g, "log2_diff(ENSG2,ENSG1)", &err), 0, "feature: swapped pair");
	ok(strcmp(g.id, f.id) != 0, "feature: other definitions get other ids");
	gx_feature_release(&g);
	gx_feature_release(&f);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = gx_feature_parse(&f, bad[i], &err);

		ok(rc < 0 && err.code == GX_E_CONFIG && strstr(err.msg, "feature"),
		   "feature: '%s' is refused (%s)", bad[i], err.msg);
		gx_feature_release(&f);
	}
	gx_feature_release(NULL);
}

/* ---- correlation ---- */

typedef struct src {
	const double *v;
	size_t n, calls, fail_at, change_at;
} src;

static int src_load(void *ctx, size_t g0, size_t cnt, double *out, gx_err *err)
{
	src *s = ctx;

	if (++s->calls == s->fail_at)
		return gx_err_set(err, GX_E_IO, "cannot read block at gene %zu", g0);
	memcpy(out, s->v + g0 * s->n, cnt * s->n * sizeof(*out));
	if (s->calls >= s->change_at)
		out[0] += 1;
	return 0;
}

typedef struct sink {
	gx_corr_pair p[64];
	size_t n, fail_at;
} sink;

static int sink_emit(void *ctx, const gx_corr_pair *p, gx_err *err)
{
	sink *k = ctx;

	if (k->n + 1 == k->fail_at)
		return gx_err_set(err, GX_E_DB, "cannot write pair");
	if (k->n < 64)
		k->p[k->n] = *p;
	k->n++;
	return 0;
}

static int run(const double *v, size_t G, size_t n, const gx_corr_opts *o, src *s, sink *k,
               gx_corr_stats *st, gx_err *err)
{
	s->v = v;
	s->n = n;
	s->calls = 0;
	if (!s->change_at)
		s->change_at = (size_t)-1;
	k->n = 0;
	return gx_corr_run(G, n, src_load, s, o, sink_emit, k, st, err);
}

static void test_corr(void)
{
	/* 5 genes x 4 samples: 0, 1, 2 identical; 3 = 0.8 with them; 4 constant */
	static const double v[] = {
		1, 2, 3, 4,
		1, 2, 3, 4,
		1, 2, 3, 4,
		1, 3, 2, 4,
		7, 7, 7, 7,
	};
	static const double m[] = {
		1, 2, NAN, 4, 5, 6,
		2, 1, 4, 3, 6, 5,
		NAN, NAN, NAN, NAN, 1, 2,
	};
	gx_corr_opts o;
	gx_corr_stats st;
	src s = { 0 };
	sink k = { 0 };
	gx_err err;
	double *big;
	size_t i;
	int rc;

	gx_corr_opts_init(&o);
	o.top_k = 2;
	is_int(run(v, 5, 4, &o, &s, &k, &st, &err), 0, "corr: runs");
	is_int(st.pairs_tested, 6, "corr: m leaves out the constant gene's pairs");
	is_int(st.genes_constant, 1, "corr: one constant gene");
	is_int(k.n, 2, "corr: top 2 kept");
	ok(k.p[0].i == 0 && k.p[0].j == 1 && k.p[1].i == 0 && k.p[1].j == 2,
	   "corr: equal |r| in order of gene indexes");
	ok(k.p[0].r == 1 && k.p[0].p == 0 && k.p[0].q == 0 && k.p[0].n == 4,
	   "corr: r = 1 has p = 0 and q = 0");
	o.top_k = 10;
	run(v, 5, 4, &o, &s, &k, &st, &err);
	ok(k.n == 6 && near(k.p[5].r, 0.8, 1e-15) && near(k.p[5].p, 0.2, 1e-14),
	   "corr: r = 0.8 over 4 samples has p = 0.2");
	/* BH over m = 6: three p = 0, three p = 0.2 -> q = 0.2 */
	ok(near(k.p[5].q, 0.2, 1e-14), "corr: q of the weakest pair");
	o.method = GX_CORR_SPEARMAN;
	run(v, 5, 4, &o, &s, &k, &st, &err);
	ok(k.n == 6 && near(k.p[5].r, 0.8, 1e-15), "corr: spearman of ranks 1 3 2 4");
	o.method = GX_CORR_PEARSON;

	/* pairwise-complete: gene 2 has two values, fewer than 3 */
	o.top_k = 10;
	is_int(run(m, 3, 6, &o, &s, &k, &st, &err), 0, "corr: missing values");
	ok(st.pairs_tested == 1 && k.n == 1 && k.p[0].n == 5 && st.genes_missing == 2,
	   "corr: pairwise-complete n, a gene with too few values untested");

	/* nothing to pair */
	is_int(run(v, 1, 4, &o, &s, &k, &st, &err), 0, "corr: one gene");
	ok(k.n == 0 && s.calls == 0, "corr: one gene: no pairs, no reads");
	is_int(run(v, 5, 2, &o, &s, &k, &st, &err), 0, "corr: two samples");
	ok(k.n == 0 && st.pairs_tested == 0, "corr: two samples: nothing tested");
	o.top_k = 0;
	o.min_abs_r = 0.9;
	run(v, 5, 4, &o, &s, &k, &st, &err);
	is_int(k.n, 3, "corr: top 0, |r| >= 0.9 keeps the three r = 1 pairs");
	o.top_k = 10;
	o.min_abs_r = 1.1;

	/* errors from the source and the sink */
	s.fail_at = 2;
	rc = run(v, 5, 4, &o, &s, &k, &st, &err);
	ok(rc < 0 && err.code == GX_E_IO && strstr(err.msg, "cannot read"),
	   "corr: a source error stops the run (%s)", err.msg);
	s.fail_at = 0;
	k.fail_at = 2;
	rc = run(v, 5, 4, &o, &s, &k, &st, &err);
	ok(rc < 0 && err.code == GX_E_DB && k.n == 1, "corr: an emit error stops the run");
	k.fail_at = 0;
	s.change_at = 2;
	rc = run(v, 5, 4, &o, &s, &k, &st, &err);
	ok(rc < 0 && err.code == GX_E_INTERNAL && strstr(err.msg, "later read"),
	   "corr: a source that changes its values is caught (%s)", err.msg);
	s.change_at = 0;

	/* budgets */
	o.mem_budget = 1000;
	rc = run(v, 5, 4, &o, &s, &k, &st, &err);
	ok(rc < 0 && err.code == GX_E_CONFIG && strstr(err.msg, "give it"),
	   "corr: a budget too small says what would do (%s)", err.msg);
	o.mem_budget = 1 << 20;
	o.top_k = 1 << 20;
	rc = run(v, 5, 4, &o, &s, &k, &st, &err);
	ok(rc < 0 && err.code == GX_E_CONFIG && strstr(err.msg, "top"),
	   "corr: top K beyond the budget is refused (%s)", err.msg);

	/* many genes, a small budget: several blocks, peak within it, threshold overflow */
	big = malloc(400 * 30 * sizeof(*big));
	for (i = 0; i < 400 * 30; i++)
		big[i] = (double)((i * 2654435761u) % 1000) / 100 + (double)(i % 30) * 0.3;
	o.top_k = 100;
	o.mem_budget = 1000000;
	is_int(run(big, 400, 30, &o, &s, &k, &st, &err), 0, "corr: 400 genes in 1 MB (%s)", err.msg);
	ok(st.block_genes < 400 && st.peak_bytes <= 1000000 && st.pairs_tested == 79800,
	   "corr: blocks of %zu genes, peak %zu bytes", st.block_genes, st.peak_bytes);
	is_int(k.n, 100, "corr: top 100 streamed");
	o.top_k = 0;
	o.min_abs_r = 0;
	rc = run(big, 400, 30, &o, &s, &k, &st, &err);
	ok(rc < 0 && err.code == GX_E_NOMEM && strstr(err.msg, "threshold"),
	   "corr: more pairs above the threshold than the budget holds (%s)", err.msg);

	/* every allocation failure is GX_E_NOMEM, never a crash or a leak */
	o.top_k = 20;
	o.min_abs_r = 1.1;
	o.exact_cap = 50;
	for (i = 1; i < 400; i++) {
		gx_mem_fail_after((long)i, 1);
		rc = run(big, 60, 30, &o, &s, &k, &st, &err);
		gx_mem_fail_after(-1, 0);
		if (rc == 0)
			break;
		if (err.code != GX_E_NOMEM)
			break;
	}
	ok(rc == 0 && i > 5, "corr: out of memory at each of %zu allocations, then success", i - 1);
	free(big);
}

static void test_oom_misc(void)
{
	gx_diff d = { 0 };
	gx_diff_result r;
	gx_feature f;
	gx_err err;
	double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6 }, p[] = { 0.1, 0.2 };
	long i;
	int rc = -1;

	for (i = 0; i < 20; i++) {
		gx_mem_fail_after(i, 1);
		rc = gx_diff_gene(&d, a, 3, b, 3, &r, &err);
		gx_mem_fail_after(-1, 0);
		gx_diff_release(&d);
		if (rc == 0 || err.code != GX_E_NOMEM)
			break;
	}
	ok(rc == 0 && i > 0, "diff: out of memory reported, then success");
	for (i = 0; i < 20; i++) {
		gx_mem_fail_after(i, 1);
		rc = gx_feature_parse(&f, "set_mean(C, A, B)", &err);
		gx_mem_fail_after(-1, 0);
		gx_feature_release(&f);
		if (rc == 0 || err.code != GX_E_NOMEM)
			break;
	}
	ok(rc == 0 && i > 2, "feature: out of memory at each allocation, then success");
	gx_mem_fail_after(0, 1);
	rc = gx_bh(p, 2, p, &err);
	gx_mem_fail_after(-1, 0);
	ok(rc < 0 && err.code == GX_E_NOMEM, "bh: out of memory reported");
}

int main(void)
{
	test_dist();
	test_rank_bh();
	test_diff();
	test_feature();
	test_corr();
	test_oom_misc();
	return tap_done();
}
