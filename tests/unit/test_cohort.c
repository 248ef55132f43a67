/* test_cohort.c - the loader's cohort accumulator: the same n, mean, sample stddev, min
 * and max as a two-pass computation, per gene x cohort; non-finite values not counted;
 * rows found again by gene hash; cohorts fixed before the first gene; stable where the
 * spread is tiny next to the mean. */
#include "analyze/cohort.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	gx_cohort_acc a = { 0 };
	gx_err err;
	size_t ca, cb, cx, r1, r2, r1again, i;
	const gx_cohort_cell *c;
	double xs[8] = { 2, 4, 4, 4, 5, 5, 7, 9 }, m = 0, ss = 0;

	gx_err_clear(&err);
	ok(!gx_cohort_acc_cohort(&a, "SEPSIS", &ca, &err) && ca == 0, "first cohort is column 0");
	ok(!gx_cohort_acc_cohort(&a, "CONTROL", &cb, &err) && cb == 1, "second cohort is column 1");
	ok(!gx_cohort_acc_cohort(&a, "SEPSIS", &cx, &err) && cx == 0, "a known code finds its column");
	ok(!gx_cohort_acc_gene(&a, 0x1234, NULL, &r1, &err) && r1 == 0, "first gene is row 0");
	ok(!gx_cohort_acc_gene(&a, 0x5678, NULL, &r2, &err) && r2 == 1, "second gene is row 1");
	ok(!gx_cohort_acc_gene(&a, 0x1234, NULL, &r1again, &err) && r1again == 0, "a known gene finds its row");
	ok(gx_cohort_acc_cohort(&a, "UNKNOWN", &cx, &err) == -(int)GX_E_INTERNAL,
	   "a cohort added after the first gene is refused");

	for (i = 0; i < 8; i++) {
		gx_cohort_acc_add(&a, r1, ca, xs[i]);
		m += xs[i];
	}
	m /= 8;
	for (i = 0; i < 8; i++)
		ss += (xs[i] - m) * (xs[i] - m);
	gx_cohort_acc_add(&a, r1, ca, NAN);
	gx_cohort_acc_add(&a, r1, ca, INFINITY);
	gx_cohort_acc_add(&a, r1, ca, -INFINITY);
	c = &a.cells[r1 * a.n_cohorts + ca];
	is_int(c->n, 8, "8 finite values counted, NaN and infinities not");
	ok(fabs(c->mean - m) < 1e-12, "mean: %.17g", c->mean);
	ok(fabs(sqrt(c->m2 / (double)(c->n - 1)) - sqrt(ss / 7)) < 1e-12,
	   "sample stddev (n - 1): %.17g", sqrt(c->m2 / (double)(c->n - 1)));
	is_double(c->min, 2, "min");
	is_double(c->max, 9, "max");
	c = &a.cells[r1 * a.n_cohorts + cb];
	is_int(c->n, 0, "the other cohort of the gene is untouched");

	/* 1e9 + {4, 7, 13, 16}: stddev sqrt(30) with no cancellation */
	gx_cohort_acc_add(&a, r2, cb, 1e9 + 4);
	gx_cohort_acc_add(&a, r2, cb, 1e9 + 7);
	gx_cohort_acc_add(&a, r2, cb, 1e9 + 13);
	gx_cohort_acc_add(&a, r2, cb, 1e9 + 16);
	c = &a.cells[r2 * a.n_cohorts + cb];
	ok(fabs(sqrt(c->m2 / 3) - sqrt(30)) < 1e-6, "stable next to a large mean: %.17g",
	   sqrt(c->m2 / 3));

	/* growth past the first allocation keeps earlier rows */
	for (i = 0; i < 5000; i++) {
		size_t r;
		if (gx_cohort_acc_gene(&a, 0x10000 + i, NULL, &r, &err))
			break;
		gx_cohort_acc_add(&a, r, cb, (double)i);
	}
	is_int(a.n_genes, 5002, "5,000 more genes");
	c = &a.cells[r1 * a.n_cohorts + ca];
	ok(c->n == 8 && c->min == 2 && c->max == 9, "the first gene's statistics survive growth");
	ok(!gx_cohort_acc_gene(&a, 0x10000 + 4999, NULL, &r2, &err) && a.cells[r2 * a.n_cohorts + cb].n == 1 &&
	   a.cells[r2 * a.n_cohorts + cb].mean == 4999, "the last gene is found with its value");

	gx_cohort_acc_reset(&a);
	ok(a.n_genes == 0 && a.n_cohorts == 0, "reset forgets genes and cohorts");

	/* ranking: per cohort, by stddev descending, ties by gene id bytewise; too few
	 * values, zero or small spread are not candidates; only the top n keep a rank */
	{
		gx_config cfg;
		int32_t rank[6 * 2];
		/* gene ids in insertion order, and the spread of their values in cohort 0 */
		const char *ids[6] = { "g_b", "g_a", "G_c", "g_d", "g_e", "g_f" };
		const double spread[6] = { 2, 2, 2, 5, 0, 0.01 };
		size_t r, g;
		memset(&cfg, 0, sizeof(cfg));
		cfg.pair_min_samples = 3;
		cfg.pair_min_stddev = 0.1;
		cfg.pair_top_n = 3;
		ok(!gx_cohort_acc_cohort(&a, "SEPSIS", &ca, &err) &&
		   !gx_cohort_acc_cohort(&a, "CONTROL", &cb, &err), "two cohorts again");
		for (g = 0; g < 6; g++) {
			gx_cohort_acc_gene(&a, 0x100 + g, ids[g], &r, &err);
			gx_cohort_acc_add(&a, r, ca, 10 - spread[g]);
			gx_cohort_acc_add(&a, r, ca, 10);
			gx_cohort_acc_add(&a, r, ca, 10 + spread[g]);
			gx_cohort_acc_add(&a, r, cb, 1); /* two values: too few */
			gx_cohort_acc_add(&a, r, cb, 1 + (double)g);
		}
		is_str(gx_cohort_acc_gene_id(&a, 2), "G_c", "a gene keeps its id");
		ok(!gx_cohort_rank(&a, &cfg, rank, &err), "ranked");
		is_int(rank[3 * 2 + ca], 1, "largest spread first");
		is_int(rank[2 * 2 + ca], 2, "a tie goes by id bytewise: 'G_c' before 'g_a'");
		is_int(rank[1 * 2 + ca], 3, "then 'g_a'");
		is_int(rank[0 * 2 + ca], 0, "'g_b' is past the top 3");
		is_int(rank[4 * 2 + ca], 0, "zero spread is no candidate");
		is_int(rank[5 * 2 + ca], 0, "spread under pair_min_stddev is no candidate");
		for (g = 0; g < 6; g++)
			if (rank[g * 2 + cb])
				break;
		is_int(g, 6, "a cohort with fewer than pair_min_samples values ranks nothing");
		cfg.pair_min_samples = 2;
		ok(!gx_cohort_rank(&a, &cfg, rank, &err) && rank[5 * 2 + cb] == 1 &&
		   rank[4 * 2 + cb] == 2 && rank[0 * 2 + cb] == 0, "ranks are per cohort");
		gx_cohort_acc_reset(&a);
	}
	ok(!gx_cohort_acc_cohort(&a, "CONTROL", &ca, &err) && ca == 0 &&
	   !gx_cohort_acc_gene(&a, 0x1234, NULL, &r1, &err) && r1 == 0 &&
	   a.cells[0].n == 0, "after reset, a gene starts from nothing");
	gx_cohort_acc_release(&a);
	return tap_done();
}
