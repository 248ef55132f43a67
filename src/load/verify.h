/*
 * verify.h - per-sample digests recomputed from what the database holds.
 *
 * Reads a study's facts back (fact_gene_expression joined to dim_gene for the gene ids),
 * with every value exactly as stored (float8 text is shortest-exact on PostgreSQL 12+;
 * SQLite REAL is printed with 17 significant digits), and folds them into sample
 * digests with the definitions of core/hash.h, so that they compare with the digests
 * a load computes from the files (pipeline.h, gx_pipeline_digests).  The facts are read
 * in key order, a bounded chunk at a time: memory does not grow with the study.
 */
#ifndef GX_VERIFY_H
#define GX_VERIFY_H

#include "core/err.h"
#include "core/hash.h"
#include "load/sink.h"

#include <stdint.h>

typedef struct gx_db_digest {
	char *accession;
	char stored[GX_HASH_HEX];   /* dim_sample.value_digest ("" if NULL) */
	long stored_n;              /* dim_sample.n_values */
	char digest[GX_HASH_HEX];   /* recomputed from fact_gene_expression */
	long n_values;              /* facts read back */
} gx_db_digest;

/*
 * Digests of every sample of study 'accession' as the database holds it.  *out (*n
 * entries, by sample key) is owned by the caller (gx_db_digests_free); *orphans receives
 * the number of facts whose sample is not in dim_sample.  GX_E_NO_STUDY if the study
 * is not loaded.
 */
int gx_db_digests(gx_sink *s, const char *accession, gx_db_digest **out, size_t *n,
                  int64_t *orphans, gx_err *err);
void gx_db_digests_free(gx_db_digest *d, size_t n);

#endif
