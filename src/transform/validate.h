/*
 * validate.h - validation checks of one run: what meta_data_validation_log,
 * meta_data_attrition and meta_etl_step will say (docs/VALIDATION.md).
 *
 * This module judges; it neither reads nor writes the database.  The pipeline's checks
 * stage (src/pipeline/checks.c) hands it the stored figures and has load/ write what it
 * decided (the records, gx_check, gx_attrition, gx_step_time, are in core/records.h).
 * A run's gx_valid lives from the run's start to its end:
 *   gx_valid_new            at the start of the run (times the run's steps);
 *   gx_valid_begin          in the load transaction, before the facts stream: the run's
 *   + gx_valid_sample         samples, which of them are scanned, what the rules made
 *                             of them;
 *   gx_valid_cells          per batch of cells of the scan (transform/stats.h);
 *   gx_valid_loaded         when the load's writes are done (times the load step);
 *   gx_valid_scanned          the statistics measured for sample i (to be stored);
 *   gx_valid_judge          with the study's complete stored figures: evaluates every
 *                           check, or returns GX_E_VALIDATION when one FAILs so that
 *                           the caller rolls the whole transaction back;
 *   gx_valid_rows           the rows to write (checks, attrition, step timings);
 *   gx_valid_failed         after a failed run's rollback: records the integrity check a
 *                           structural error belongs to as FAIL, next to every row the
 *                           rollback took back; says whether there is anything to write.
 * Integrity checks (structural errors, detected by the readers, which stop the run) are
 * kept apart from quality checks (figures compared with thresholds from config) by the
 * 'kind' column.  Checks never drop data: a sample or value is kept or the run fails.
 */
#ifndef GX_VALIDATE_H
#define GX_VALIDATE_H

#include "core/config.h"
#include "core/err.h"
#include "core/records.h"

#include <stddef.h>
#include <stdint.h>

/*
 * Judge 'observed' against a warn and a fail limit.  upper = 1: beyond means above
 * (observed > limit); upper = 0: beyond means below (observed < limit).  A NAN limit is
 * disabled.  *threshold receives the limit the status refers to (the fail limit for
 * FAIL, else the warn limit, else the fail limit; NAN if both are disabled).
 */
gx_check_status gx_check_judge(double observed, int upper, double warn, double fail,
                               double *threshold);

/* The integrity check a structural error code (2xxx) is recorded as, or NULL. */
const char *gx_integrity_check_of(gx_code code);

typedef struct gx_valid gx_valid;

/* A validator for one run; NULL when out of memory.  'cfg' must outlive it. */
gx_valid *gx_valid_new(const gx_config *cfg);
void gx_valid_free(gx_valid *v);

/*
 * Room for the run's n samples; default_illness is the rules' default category (the
 * "UNKNOWN" of unknown_illness), borrowed.  Times the end of the 'prepare' step.
 */
int gx_valid_begin(gx_valid *v, size_t n_samples, const char *default_illness, gx_err *err);

/*
 * Describe sample i (the index the scan's column maps use).  Strings are borrowed and
 * must live until gx_valid_failed or gx_valid_free.  scanned: its values stream in this
 * run (its statistics are then measured and stored); has_metadata: it has a row in the
 * metadata table; platform_known: its platform is in the platform table.
 */
void gx_valid_sample(gx_valid *v, size_t i, const char *accession, int scanned,
                     int has_metadata, const char *illness_code, int platform_known);

/* The matrix's repeated gene ids, handled by genes.duplicates = 'policy' (a string
 * that must live as long as v): the duplicate_gene_ids check reports them.  NULL v: no
 * operation. */
void gx_valid_dup_genes(gx_valid *v, int64_t rows, int64_t ids, const char *policy);

/* Count one batch of cells (see gx_stats_add_cells).  NULL v: no operation. */
void gx_valid_cells(gx_valid *v, const gx_cells *c, const size_t *colmap, size_t n_cols);

/* The load's writes are done: times the 'load' step and forgets earlier results.
 * NULL v: no operation. */
void gx_valid_loaded(gx_valid *v);

/* Samples described by gx_valid_begin (0 for NULL v). */
size_t gx_valid_n_samples(const gx_valid *v);

/* The statistics measured for sample i and its accession, or NULL if it was not
 * scanned; owned by v. */
const gx_sample_stats *gx_valid_scanned(const gx_valid *v, size_t i, const char **accession);

/*
 * Evaluate the checks of the run's study from its complete figures: 'stored' holds every
 * sample's statistics as dim_sample holds them now (the scanned ones stored, in
 * accession order), linear and n_genes the study's scale and gene count; md and sm are
 * its metadata table and aggregated_metadata.json entry (either may be NULL).  Returns
 * GX_E_VALIDATION, naming the failed checks and run_id, when a check FAILs.  NULL v: no
 * operation.
 */
int gx_valid_judge(gx_valid *v, long run_id, const gx_metadata *md, const gx_study_meta *sm,
                   int linear, long n_genes, const gx_stored_stats *stored, size_t n_stored,
                   gx_err *err);

/* The rows a run publishes (borrowed from v until the next call or gx_valid_free). */
void gx_valid_rows(const gx_valid *v, gx_run_checks *rows);

/*
 * The run failed with 'failure' (and its transaction was rolled back): time the step it
 * failed in and, for a structural error, put a FAIL row for its integrity check in place
 * of that check's PASS row.  Returns 1 when there are rows to write (gx_valid_rows), 0
 * when none (or v is NULL).
 */
int gx_valid_failed(gx_valid *v, const gx_err *failure);

/* ---- the evaluation itself, from the figures (gx_valid_judge uses it) ---- */

/* A study's figures as a run publishes it: every sample, not only the scanned ones. */
typedef struct gx_valid_figures {
	size_t n_samples;               /* samples loaded (matrix columns) */
	int matrix_read;                /* this run read the matrix (full or partial mode) */
	const char *metadata_name;      /* metadata table file name, NULL if none */
	size_t n_metadata_rows;
	size_t n_without_metadata;      /* samples without a metadata row */
	const char *without_metadata;   /* a few of them, "A, B (+3 more)" */
	size_t n_metadata_only;         /* metadata rows without a matrix column */
	const char *metadata_only;
	int has_aggregated;             /* aggregated_metadata.json lists samples */
	size_t n_aggregated;
	size_t n_aggregated_absent;     /* listed there, absent from the matrix */
	const char *aggregated_absent;
	long n_genes;
	size_t n_measured;              /* samples with statistics (all but those loaded
	                                   before gxload measured them) */
	int64_t n_values;               /* over measured samples */
	int64_t n_missing;
	int64_t n_negative;
	double value_min, value_max;    /* over measured samples */
	int64_t fewest_values;          /* over all samples: the smallest n_values ... */
	const char *fewest_sample;      /* ... and its sample */
	int64_t most_values;
	double worst_missing;           /* the largest per-sample missing share ... */
	const char *worst_missing_sample;
	int linear;                     /* the study's value scale */
	const char *scale_setting;      /* transform.value_scale */
	const char *default_illness;
	size_t n_unknown_illness;
	const char *unknown_illness;
	size_t n_platform_known;
	const char *unknown_platform;
	int64_t n_dup_rows;             /* rows whose gene id an earlier row has ... */
	int64_t n_dup_ids;              /* ... the ids on several rows ... */
	const char *dup_policy;         /* ... and genes.duplicates, which handled them */
} gx_valid_figures;

/*
 * Evaluate every check and attrition reason from the figures.  *checks and *attr are
 * owned by the caller (gx_checks_free, gx_attrition_free).
 */
int gx_valid_evaluate(const gx_config *cfg, const gx_valid_figures *f, gx_check **checks,
                      size_t *n_checks, gx_attrition **attr, size_t *n_attr, gx_err *err);
void gx_checks_free(gx_check *c, size_t n);
void gx_attrition_free(gx_attrition *a, size_t n);

#endif
