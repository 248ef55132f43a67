/*
 * cohort.h - per-study cohort statistics: fact_cohort_gene_stats.
 *
 * For one study, one row per illness x gene: n, mean, stddev (sample standard deviation,
 * n - 1), min and max of the finite log2_value over the study's samples labelled with
 * that illness, and the candidate_rank that vw_gene_pairs_candidate pairs genes by
 * (analysis.* in config).  vw_expression_by_cohort reads this table, so a query never
 * aggregates facts.
 *
 * Two ways to the same rows: when the loader's scan sees every value of the study (a
 * full load, or a partial load's digest pass), it accumulates the statistics as it goes
 * (gx_cohort_acc, in core/records.h: Welford's update per illness x gene, a few tens of
 * bytes per pair), ranks them here (gx_cohort_rank) and load/cohort_store.h writes them
 * (gx_cohort_store); otherwise (metadata-only runs, which relabel samples without
 * reading the matrix) gx_cohort_refresh (load/cohort_store.h) aggregates the study's
 * facts and ranks them in SQL, by the same rule.
 * This module computes; it does not write (nothing here knows the database).
 */
#ifndef GX_COHORT_H
#define GX_COHORT_H

#include "core/config.h"
#include "core/err.h"
#include "core/records.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* Forget every gene and cohort, keep the memory. */
void gx_cohort_acc_reset(gx_cohort_acc *a);
void gx_cohort_acc_release(gx_cohort_acc *a);
/* Column of illness 'code' (kept by pointer: it must outlive the accumulator's use).
 * Cohorts are added before the first gene. */
int gx_cohort_acc_cohort(gx_cohort_acc *a, const char *code, size_t *col, gx_err *err);
/* Row of the gene with this hash (gx_gene_hash) and id, added if new (the id is copied:
 * it breaks ties in the candidate ranking). */
int gx_cohort_acc_gene(gx_cohort_acc *a, uint64_t gene_hash, const char *id, size_t *row,
                       gx_err *err);
/*
 * candidate_rank of every cell (rows x n_cohorts, 0 = not a candidate), as the SQL of
 * gx_cohort_refresh numbers them: per cohort, the cells with n >= analysis.pair_min_samples
 * and stddev > 0 and >= analysis.pair_min_stddev, by stddev descending, ties by gene id
 * (bytewise); the first analysis.pair_top_n keep their rank.
 */
int gx_cohort_rank(const gx_cohort_acc *a, const gx_config *cfg, int32_t *rank, gx_err *err);

/* Count log2 value x (non-finite values are not counted). */
static inline void gx_cohort_acc_add(gx_cohort_acc *a, size_t row, size_t col, double x)
{
	gx_cohort_cell *c = &a->cells[row * a->n_cohorts + col];
	double d;

	if (!isfinite(x))
		return;
	if (c->n++ == 0) {
		c->mean = c->min = c->max = x;
		c->m2 = 0;
		return;
	}
	d = x - c->mean;
	c->mean += d / (double)c->n;
	c->m2 += d * (x - c->mean);
	if (x < c->min)
		c->min = x;
	if (x > c->max)
		c->max = x;
}

#endif
