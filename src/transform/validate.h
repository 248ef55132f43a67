/*
 * validate.h - validation checks of one run: meta_data_validation_log,
 * meta_data_attrition and meta_etl_step (docs/VALIDATION.md).
 *
 * A run's gx_valid lives from the run's start to its end:
 *   gx_valid_new            at the start of the run (times the run's steps);
 *   gx_valid_begin          in the load transaction, before the facts stream: the run's
 *   + gx_valid_sample         samples, which of them are scanned, what the rules made
 *                             of them;
 *   gx_valid_cells          per batch of cells of the scan (transform/stats.h);
 *   gx_valid_finish         in the load transaction, before the run is marked succeeded:
 *                           stores the scanned samples' statistics in dim_sample,
 *                           evaluates every check from the study's complete figures and
 *                           writes checks, attrition and step timings - or, if a check
 *                           FAILs, writes nothing and returns GX_E_VALIDATION so that
 *                           the caller rolls the whole transaction back;
 *   gx_valid_failed         after a failed run's rollback: records the integrity check a
 *                           structural error belongs to as FAIL, and every row the
 *                           rollback took back, in a transaction of its own.
 * Integrity checks (structural errors, detected by the readers, which stop the run) are
 * kept apart from quality checks (figures compared with thresholds from config) by the
 * 'kind' column.  Checks never drop data: a sample or value is kept or the run fails.
 */
#ifndef GX_VALIDATE_H
#define GX_VALIDATE_H

#include "core/config.h"
#include "core/err.h"
#include "extract/matrix.h"
#include "extract/metadata.h"
#include "load/sink.h"

#include <stddef.h>
#include <stdint.h>

typedef enum gx_check_status {
	GX_CHECK_PASS,
	GX_CHECK_WARN,
	GX_CHECK_FAIL,
} gx_check_status;

/* "PASS", "WARN", "FAIL" */
const char *gx_check_status_name(gx_check_status st);

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

/* Count one batch of cells (see gx_stats_add_cells).  NULL v: no operation. */
void gx_valid_cells(gx_valid *v, const gx_cells *c, const size_t *colmap, size_t n_cols);

/*
 * Store the scanned samples' statistics, evaluate the checks for study 'study'
 * (study_key, with its metadata table and aggregated_metadata.json entry, either may be
 * NULL) and write them under run_id - all inside the caller's open transaction.
 * Returns GX_E_VALIDATION (nothing written) when a check FAILs.
 */
int gx_valid_finish(gx_valid *v, gx_sink *s, long run_id, const char *study,
                    int32_t study_key, const gx_metadata *md, const gx_study_meta *sm,
                    gx_err *err);

/*
 * After the run failed with 'failure' and its transaction was rolled back: write what the
 * rollback took back, plus a FAIL row for the integrity check of a structural error.
 * Errors are logged, not returned.  NULL v or run_id 0: no operation.
 */
void gx_valid_failed(gx_valid *v, gx_sink *s, long run_id, const char *study,
                     const gx_err *failure);

/* ---- the evaluation itself, without a database (gx_valid_finish uses it) ---- */

typedef struct gx_check {
	const char *name;       /* stable check name: "missing_values", ... */
	const char *kind;       /* "integrity" | "quality" */
	gx_check_status status;
	double observed;        /* NAN = not applicable (NULL) */
	double threshold;       /* NAN = none (NULL) */
	char *message;
} gx_check;

typedef struct gx_attrition {
	const char *reason;     /* "missing_value", ... */
	const char *unit;       /* "value" | "sample" */
	int64_t n;
	char *message;
} gx_attrition;

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
