/*
 * cohort.h - per-study cohorts and their statistics: fact_cohort_gene_stats.
 *
 * A cohort is a group of a study's samples: by illness label (the default), by any
 * sample field (a metadata column, an h5ad obs or Loom column attribute), or the whole
 * study (gx_cohort_def, analysis.cohort_by).  For one study, one row per cohort x gene:
 * n, mean, stddev (sample standard deviation, n - 1), min and max of the finite
 * log2_value over the cohort's samples - a value a sparse matrix does not store is a
 * measured 0, and counts (gx_cohort_acc_add_zeros) - and the candidate_rank of the gene
 * among the cohort's (analysis.* in config).  vw_expression_by_cohort reads this table,
 * so a query never aggregates facts.
 *
 * The loader's scan sees every value of the study (a full load's fact pass, a partial
 * load's digest pass, or a metadata-only run's scan for the statistics alone) and
 * accumulates the statistics as it goes (gx_cohort_acc, in core/records.h: Welford's
 * update per cohort x gene, a few tens of bytes per pair; a sparse matrix's zeros added
 * in one step, gx_cohort_acc_add_zeros), ranks them here (gx_cohort_rank) and
 * load/cohort_store.h writes them (gx_cohort_store).
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

/* How a study's samples form cohorts (analysis.cohort_by, --cohort-by). */
typedef enum gx_cohort_kind {
	GX_COHORT_ILLNESS = 0,  /* "illness": by illness label (the default) */
	GX_COHORT_NONE = 1,     /* "none": the whole study is one cohort, GX_COHORT_ALL */
	GX_COHORT_FIELD = 2,    /* "field:NAME" or "NAME": by the sample's value of field NAME */
} gx_cohort_kind;

#define GX_COHORT_ALL "all"        /* the one cohort of cohort_by "none" */
#define GX_COHORT_NO_VALUE "(none)" /* the samples without a value of the field */
#define GX_COHORT_DEF_MAX 256

typedef struct gx_cohort_def {
	gx_cohort_kind kind;
	const char *field;              /* the field's name (points into text), or NULL */
	char text[GX_COHORT_DEF_MAX];   /* canonical: "illness", "none" or "field:NAME"; stored
	                                 * with every statistic over the cohorts */
} gx_cohort_def;

/* Parse a cohort definition: "illness", "none", "field:NAME" or a field name.  GX_E_CONFIG
 * when empty or longer than GX_COHORT_DEF_MAX - 1 bytes in canonical form. */
int gx_cohort_def_parse(const char *text, gx_cohort_def *d, gx_err *err);

/* The cohort of a sample: its illness code (GX_COHORT_ILLNESS; NULL if unlabelled), "all"
 * (NONE), or its value of the field, GX_COHORT_NO_VALUE when it has none or an empty
 * one.  'field_value' is the sample's value of d->field, NULL if absent.  The result is
 * borrowed from the arguments or static. */
const char *gx_cohort_of(const gx_cohort_def *d, const char *illness_code,
                         const char *field_value);

/* Forget every gene and cohort, keep the memory. */
void gx_cohort_acc_reset(gx_cohort_acc *a);
void gx_cohort_acc_release(gx_cohort_acc *a);
/* Column of cohort 'code' (its label, kept by pointer: it must outlive the
 * accumulator's use).  Cohorts are added before the first gene. */
int gx_cohort_acc_cohort(gx_cohort_acc *a, const char *code, size_t *col, gx_err *err);
/* Row of the gene with this hash (gx_gene_hash) and id, added if new (the id is copied:
 * it breaks ties in the candidate ranking). */
int gx_cohort_acc_gene(gx_cohort_acc *a, uint64_t gene_hash, const char *id, size_t *row,
                       gx_err *err);
/*
 * candidate_rank of every cell (rows x n_cohorts, 0 = not a candidate): per cohort, the cells with n >= analysis.pair_min_samples
 * and stddev > 0 and >= analysis.pair_min_stddev, by stddev descending, ties by gene id
 * (bytewise); the first analysis.pair_top_n keep their rank.
 */
int gx_cohort_rank(const gx_cohort_acc *a, const gx_config *cfg, int32_t *rank, gx_err *err);

/* Count k measured zeros (values a sparse matrix does not store; log2_value 0 on both
 * scales) in one merge of Welford's update. */
void gx_cohort_acc_add_zeros(gx_cohort_acc *a, size_t row, size_t col, int64_t k);

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
