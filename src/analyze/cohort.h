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
 * (gx_cohort_acc: Welford's update per illness x gene, a few tens of bytes per pair) and
 * gx_cohort_store writes them, ranked in the client (gx_cohort_rank); otherwise
 * (metadata-only runs, which relabel samples without reading the matrix)
 * gx_cohort_refresh aggregates the study's facts and ranks them in SQL, by the same rule.
 */
#ifndef GX_COHORT_H
#define GX_COHORT_H

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/hset.h"
#include "load/sink.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gx_cohort_cell {
	int64_t n;
	double mean, m2, min, max;
} gx_cohort_cell;

/* Statistics of genes (rows, found by gene hash) x cohorts (columns, by illness code). */
typedef struct gx_cohort_acc {
	size_t n_cohorts;
	const char **codes;     /* illness code of each cohort (borrowed) */
	gx_hset genes;          /* gene hash -> row */
	uint64_t *gene_hash;    /* row -> gene hash */
	size_t *id_off;         /* row -> offset of its gene id in ids */
	gx_buf ids;             /* gene ids, NUL-terminated, one after another */
	gx_cohort_cell *cells;  /* rows x n_cohorts */
	size_t n_genes, cap;
} gx_cohort_acc;

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
static inline const char *gx_cohort_acc_gene_id(const gx_cohort_acc *a, size_t row)
{
	return a->ids.data + a->id_off[row];
}

/*
 * candidate_rank of every cell (rows x n_cohorts, 0 = not a candidate), as the SQL of
 * gx_cohort_refresh numbers them: per cohort, the cells with n >= analysis.pair_min_samples
 * and stddev > 0 and >= analysis.pair_min_stddev, by stddev descending, ties by gene id
 * (bytewise); the first analysis.pair_top_n keep their rank.
 */
int gx_cohort_rank(const gx_cohort_acc *a, const gx_config *cfg, int32_t *rank, gx_err *err);

/* Sample standard deviation (n - 1) of a cell; NaN for fewer than two values. */
static inline double gx_cohort_stddev(const gx_cohort_cell *c)
{
	return c->n > 1 ? sqrt(c->m2 / (double)(c->n - 1)) : NAN;
}

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

/*
 * Rewrite the study's rows of fact_cohort_gene_stats from 'a', inside the caller's
 * transaction.  gene_keys maps gene hashes to gene keys (every gene of 'a' must be in
 * it); illness_keys[col] is the illness_key of cohort col as text, NULL to leave the
 * cohort out.  changed (NULL: every cohort) flags the cohorts whose rows may differ from
 * the stored ones; the others keep their rows, after a check that the stored rows and
 * ranks are the ones 'a' gives (counts per cohort, every rank), which rewrites them too
 * when it fails.  Rows of illnesses that are no cohort of 'a' are removed.  *n_rows (may
 * be NULL) receives the number of rows written.
 */
int gx_cohort_store(gx_sink *s, const gx_config *cfg, int32_t study_key,
                    const gx_cohort_acc *a, const gx_hset *gene_keys,
                    const char *const *illness_keys, const unsigned char *changed,
                    long *n_rows, gx_err *err);

/*
 * Rewrite the study's rows of fact_cohort_gene_stats from its facts and dim_sample's
 * illness labels (one aggregate in SQL), inside the caller's transaction.
 */
int gx_cohort_refresh(gx_sink *s, const gx_config *cfg, int32_t study_key, long *n_rows,
                      gx_err *err);

#endif
