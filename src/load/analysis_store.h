/*
 * analysis_store.h - what the analysis step reads from the database and writes to it:
 * a study's samples, genes and log2 values in, fact_gene_pair_stats,
 * fact_cohort_differential, dim_feature and fact_feature_values out.
 *
 * The statistics are computed elsewhere (analyze/, driven by pipeline/analyze.c); the
 * rows here are plain records of this header, so load/ needs nothing of analyze/.
 * Writes run inside the caller's transaction; reads run wherever the caller is (inside
 * the load transaction they see its new facts).  Values never go into SQL text.
 */
#ifndef GX_ANALYSIS_STORE_H
#define GX_ANALYSIS_STORE_H

#include "core/err.h"
#include "load/sink.h"

#include <stddef.h>
#include <stdint.h>

/* ---- reading a study ---- */

/* The study's key and the cohort definition of its statistics ("" if none).
 * GX_E_NO_STUDY when the study is not loaded. */
int gx_an_study(gx_sink *s, const char *accession, int32_t *study_key, char cohort_by[256],
                gx_err *err);

typedef struct gx_an_sample {
	int32_t key;
	char *accession;
	char *cohort;       /* dim_sample.cohort, NULL if none */
	char *illness;      /* its illness code, NULL if none */
	char *metadata;     /* JSON of its fields; NULL unless asked for */
	int sparse;         /* its matrix stores no zeros: a gene without a fact is a 0 */
} gx_an_sample;

/* Every sample of the study, by accession (bytewise).  *out is owned by the caller. */
int gx_an_samples_read(gx_sink *s, int32_t study_key, int with_metadata, gx_an_sample **out,
                       size_t *n, gx_err *err);
void gx_an_samples_free(gx_an_sample *d, size_t n);

typedef struct gx_an_gene {
	int32_t key;
	char *id;
} gx_an_gene;

/* The study's genes - those of its cohort statistics: every gene with a value, and every
 * gene of a sparse matrix - sorted by gene id (bytewise).  *out is owned by the caller. */
int gx_an_genes_read(gx_sink *s, int32_t study_key, gx_an_gene **out, size_t *n,
                     gx_err *err);
void gx_an_genes_free(gx_an_gene *g, size_t n);
/* keys[i] = the key of gene ids[i] when it is one of the study's genes (as
 * gx_an_genes_read lists them), else 0. */
int gx_an_study_gene_keys(gx_sink *s, int32_t study_key, size_t n, const char *const *ids,
                          int32_t *keys, gx_err *err);

/* A chunk of facts: n rows of (sample key, gene key, log2_value; NaN for NULL). */
typedef int (*gx_an_facts_fn)(void *ctx, size_t n, const int32_t *sample,
                              const int32_t *gene, const double *log2, gx_err *err);

/*
 * Every fact of the study - or only those of the n_genes genes 'genes' (NULL: all) - in
 * (gene key, sample key) order, a bounded chunk at a time, log2 values exact.  A negative
 * return of fn stops the scan with it.
 */
int gx_an_facts_scan(gx_sink *s, int32_t study_key, size_t n_genes, const int32_t *genes,
                     gx_an_facts_fn fn, void *ctx, gx_err *err);

/* ---- fact_gene_pair_stats ---- */

typedef struct gx_an_pair {
	int32_t gene_a, gene_b;     /* keys; gene_a's id sorts first */
	int64_t n;                  /* samples with both values */
	double r, p, q;
	int64_t rank;               /* 1 = largest |r| of the cohort */
	int64_t tested;             /* pairs tested in the cohort: BH's m */
} gx_an_pair;

/* Delete the study's pairs: all (cohort_by NULL), or those of cohort_by and method,
 * and of one cohort when 'cohort' is not NULL. */
int gx_an_pairs_delete(gx_sink *s, int32_t study_key, const char *cohort_by,
                       const char *method, const char *cohort, gx_err *err);
int gx_an_pairs_write(gx_sink *s, int32_t study_key, const char *cohort_by,
                      const char *cohort, const char *method, size_t n,
                      const gx_an_pair *pairs, gx_err *err);

/* ---- fact_cohort_differential ---- */

typedef struct gx_an_diff {
	int32_t gene;
	int64_t n_a, n_b;
	double mean_a, mean_b, mean_diff;
	double welch_t, welch_df, welch_p, welch_q;
	double mwu_u, mwu_p, mwu_q;
	int mwu_exact;              /* 1 exact, 0 normal approximation, -1 no test (NULL) */
} gx_an_diff;

/* Delete the study's differential rows: all (cohort_by NULL), or those of cohort_by
 * comparing a against b. */
int gx_an_diff_delete(gx_sink *s, int32_t study_key, const char *cohort_by, const char *a,
                      const char *b, gx_err *err);
int gx_an_diff_write(gx_sink *s, int32_t study_key, const char *cohort_by, const char *a,
                     const char *b, size_t n, const gx_an_diff *rows, gx_err *err);

/* ---- dim_feature, fact_feature_values ---- */

/* The feature's catalogue row (rewritten when its name changed). */
int gx_an_feature_upsert(gx_sink *s, const char *id, const char *name, const char *kind,
                         const char *definition, gx_err *err);
/* Delete feature values of the study: of the n samples 'samples' (NULL: every row),
 * and in either case every row of a sample no longer in dim_sample. */
int gx_an_features_delete(gx_sink *s, int32_t study_key, size_t n, const int32_t *samples,
                          gx_err *err);
/* n values: feature ids[i] of sample samples[i] is values[i] (finite). */
int gx_an_features_write(gx_sink *s, int32_t study_key, size_t n, const char *const *ids,
                         const int32_t *samples, const double *values, gx_err *err);
/* dim_study.features_hash: the feature set the study's values are of (NULL: none). */
int gx_an_study_features_hash(gx_sink *s, int32_t study_key, const char *hash, gx_err *err);

#endif
