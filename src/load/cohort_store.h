/*
 * cohort_store.h - writing a study's cohort statistics: fact_cohort_gene_stats.
 *
 * The statistics are computed elsewhere (analyze/cohort.h accumulates and ranks them;
 * the record is gx_cohort_acc, core/records.h); this module only writes them.
 */
#ifndef GX_COHORT_STORE_H
#define GX_COHORT_STORE_H

#include "core/config.h"
#include "core/err.h"
#include "core/hset.h"
#include "core/records.h"
#include "load/sink.h"

#include <stdint.h>

/*
 * Rewrite the study's rows of fact_cohort_gene_stats from 'a', inside the caller's
 * transaction.  rank holds every cell's candidate_rank (analyze/cohort.h,
 * gx_cohort_rank: rows x n_cohorts, 0 = none).  gene_keys maps gene hashes to gene keys
 * (every gene of 'a' must be in it).  Every row carries cohort_by (the definition) and
 * its cohort's label (a->codes[col]); illness_keys (NULL: none) gives the illness_key
 * column of each cohort as text, NULL for none.  changed (NULL: every cohort) flags the
 * cohorts whose rows may differ from the stored ones; the others keep their rows, after
 * a check that the stored rows and ranks are the ones 'a' gives (counts per cohort,
 * every rank), which rewrites them too when it fails.  Rows of cohorts that are not in
 * 'a' are removed.  *n_rows (may be NULL) receives the number of rows written.
 */
int gx_cohort_store(gx_sink *s, int32_t study_key, const gx_cohort_acc *a,
                    const int32_t *rank, const gx_hset *gene_keys, const char *cohort_by,
                    const char *const *illness_keys, const unsigned char *changed,
                    long *n_rows, gx_err *err);

#endif
