/*
 * dims.h - the dimension rows of a load: dim_study, dim_illness, dim_platform,
 * dim_sample.
 *
 * Every upsert goes through one statement shape (dims.c, upsert_hashed): INSERT ... ON
 * CONFLICT (the row's natural key) DO UPDATE ... WHERE the stored content_hash differs,
 * so a row changes - and its updated_at moves - only when its content does.  The
 * content hashes are computed here from the row's own columns, except a sample's, which
 * covers what the rules made of it as well and comes from the pipeline.
 * All writes run inside the caller's transaction.  Strings are borrowed; NULL is SQL
 * NULL.  Keys travel as int32_t, except illness and platform keys, which the statements
 * take as text (gx_code_keys).
 */
#ifndef GX_DIMS_H
#define GX_DIMS_H

#include "core/err.h"
#include "core/hash.h"
#include "core/records.h"
#include "load/sink.h"

#include <stddef.h>
#include <stdint.h>

/* ---- dim_study ---- */

/* What dim_study holds of a study before a run (read under the study's lock). */
typedef struct gx_study_state {
	int32_t study_key;              /* 0 if the study is not in dim_study */
	char fingerprint[GX_HASH_HEX];  /* input_fingerprint of its last success, "" if none */
	int64_t n_values;
	char value_scale[8];            /* "linear" | "log2", "" if none */
	char facts_fp[GX_HASH_HEX];     /* facts_fingerprint of its last success, "" if none */
	char cohort_by[256];            /* cohort definition of its statistics, "" if none */
	char features_hash[GX_HASH_HEX]; /* of the features its samples have, "" if none */
} gx_study_state;

/* Fill *st for study 'accession' (zeroed when the study is unknown). */
int gx_dim_study_state(gx_sink *s, const char *accession, gx_study_state *st, gx_err *err);

/* dim_study's descriptive columns (all of them hashed into its content_hash). */
typedef struct gx_dim_study {
	const char *accession;
	const char *title;
	const char *description;
	const char *technology;
	const char *organism;
	const char *source_database;
	const char *metadata;           /* the experiment's JSON */
} gx_dim_study;

/* Insert or update the study's row; *study_key receives its key either way. */
int gx_dim_study_upsert(gx_sink *s, const gx_dim_study *d, int32_t *study_key, gx_err *err);

/*
 * Close the study's row after a load: input fingerprint and its facts part (facts_fp),
 * rules hash, cohort definition (cohort_by) and the sample and value counts summed from
 * dim_sample.  When the facts were written, value_scale ("linear" | "log2") and n_genes
 * too; value_scale NULL keeps both.
 */
int gx_dim_study_finish(gx_sink *s, int32_t study_key, const char *fingerprint,
                        const char *facts_fp, const char *rules_hash, const char *cohort_by,
                        const char *value_scale, long n_genes, gx_err *err);

/* The study's value scale (*linear: 1 linear, 0 log2 or unknown) and gene count; both
 * left as they are when the study has no row. */
int gx_dim_study_figures(gx_sink *s, int32_t study_key, int *linear, long *n_genes,
                         gx_err *err);

/* The study as stored, for a run's summary: n_values, n_genes and value_scale ("" if
 * none); left as they are when the study has no row. */
int gx_dim_study_summary(gx_sink *s, int32_t study_key, int64_t *n_values, long *n_genes,
                         char value_scale[8], gx_err *err);

/* ---- dim_illness, dim_platform ---- */

/* One illness category (code, label, description); 'now' is its updated_at. */
int gx_dim_illness_upsert(gx_sink *s, const char *code, const char *label,
                          const char *description, const char *now, gx_err *err);

typedef struct gx_dim_platform {
	const char *code;
	const char *accession;          /* "" or NULL: none */
	const char *name;
	const char *manufacturer;       /* "" or NULL: none */
	const char *technology;
	const char *const *accessions;  /* every accession of the platform (a JSON array) */
	size_t n_accessions;
	int known;                      /* it is in the known-platform table */
} gx_dim_platform;

int gx_dim_platform_upsert(gx_sink *s, const gx_dim_platform *d, gx_err *err);

/* A dimension's codes and their keys, as text. */
typedef struct gx_code_keys gx_code_keys;
int gx_dim_illness_keys(gx_sink *s, gx_code_keys **out, gx_err *err);
int gx_dim_platform_keys(gx_sink *s, gx_code_keys **out, gx_err *err);
/* The key of 'code', or NULL (also for NULL k); owned by k. */
const char *gx_code_keys_find(const gx_code_keys *k, const char *code);
/* NULL is accepted. */
void gx_code_keys_free(gx_code_keys *k);

/* ---- dim_sample ---- */

/* What dim_sample holds of one sample of a study (read before a load plans). */
typedef struct gx_stored_sample {
	int32_t key;
	char *accession;
	char digest[GX_HASH_HEX];       /* value_digest, "" if none */
	long n_values;
	char *cohort;                   /* its cohort, NULL if none */
	char content_hash[GX_HASH_HEX]; /* "" if none */
} gx_stored_sample;

/* Every sample row of the study.  *out (*n entries) is owned by the caller. */
int gx_dim_samples_read(gx_sink *s, int32_t study_key, gx_stored_sample **out, size_t *n,
                        gx_err *err);
void gx_stored_samples_free(gx_stored_sample *d, size_t n);

/* One dim_sample row as a load writes it; content_hash covers the rest (pipeline). */
typedef struct gx_dim_sample {
	int32_t study_key;
	const char *accession;
	const char *column_name;
	const char *title;
	const char *platform_raw;
	const char *organism;
	const char *disease_raw;
	const char *source_database;
	const char *metadata;           /* canonical JSON of the sample's fields */
	const char *content_hash;
	const char *illness_key;        /* gx_code_keys_find of its label */
	const char *illness_source;     /* "rule", "study_override", ... */
	const char *illness_rule_id;
	double illness_confidence;
	const char *illness_field;
	const char *illness_matched_text;
	const char *platform_key;
	const char *platform_accession;
	const char *platform_rule_id;
	const char *illness_evidence;   /* the label's evidence chain, JSON (migration 0006) */
	const char *cohort;             /* its cohort under the study's cohort_by, or NULL */
	int sparse;                     /* its matrix stores no zeros (10x, sparse h5ad) */
} gx_dim_sample;

/* Insert or update the row ('now': created_at of a new row and updated_at); *key
 * receives its key when the row was written, 0 when it already held this content. */
int gx_dim_sample_upsert(gx_sink *s, const gx_dim_sample *d, const char *now, int32_t *key,
                         gx_err *err);

/* Delete the sample's row (its facts go first: gx_sink_delete_samples). */
int gx_dim_sample_delete(gx_sink *s, int32_t sample_key, gx_err *err);

/* Store the sample's value digest and count, with run_id as the run that changed its
 * values (dim_sample.facts_run_id; written only when they differ). */
int gx_dim_sample_digest(gx_sink *s, int32_t sample_key, const char *digest, long n_values,
                         long run_id, gx_err *err);

/* Store the value statistics measured for sample 'accession' of the study. */
int gx_dim_sample_stats_save(gx_sink *s, int32_t study_key, const char *accession,
                             const gx_sample_stats *st, gx_err *err);

/* Every sample's statistics as dim_sample holds them, in accession order.  *out (*n
 * entries) is owned by the caller (gx_stored_stats_free). */
int gx_dim_sample_stats_read(gx_sink *s, int32_t study_key, gx_stored_stats **out,
                             size_t *n, gx_err *err);
void gx_stored_stats_free(gx_stored_stats *d, size_t n);

#endif
