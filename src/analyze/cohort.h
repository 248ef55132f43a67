/*
 * cohort.h - per-study cohort statistics: fact_cohort_gene_stats.
 *
 * For one study, one row per illness x gene: n, mean, stddev (sample standard deviation,
 * n - 1), min and max of log2_value over the study's samples labelled with that illness,
 * computed in SQL from the study's facts as they stand inside the load transaction, and
 * the candidate_rank that vw_gene_pairs_candidate pairs genes by (analysis.* in config).
 * vw_expression_by_cohort reads this table, so a query never aggregates facts.
 */
#ifndef GX_COHORT_H
#define GX_COHORT_H

#include "core/config.h"
#include "core/err.h"
#include "load/sink.h"

#include <stdint.h>

/*
 * Rewrite the study's rows of fact_cohort_gene_stats from its facts and dim_sample's
 * illness labels, inside the caller's transaction.  *n_rows (may be NULL) receives the
 * number of rows written.
 */
int gx_cohort_refresh(gx_sink *s, const gx_config *cfg, int32_t study_key, long *n_rows,
                      gx_err *err);

#endif
