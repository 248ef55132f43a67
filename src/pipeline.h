/*
 * pipeline.h - one study end to end: extract -> transform -> load.
 *
 * gx_pipeline_load runs one study under its lock: resolve and hash the files, skip the
 * run when nothing changed, read the sample metadata, decide what to rewrite (everything,
 * only the changed samples, or only the dimensions), stream the matrices into facts, and
 * commit facts, dimensions and the run's meta rows in one transaction.  A failure at any
 * point rolls everything back; the run is then recorded as failed (or aborted, after a
 * signal) with its error code and message.
 */
#ifndef GX_PIPELINE_H
#define GX_PIPELINE_H

#include "core/config.h"
#include "core/err.h"
#include "core/hash.h"
#include "load/meta.h"
#include "load/sink.h"
#include "analyze/feature_set.h"
#include "transform/rulebook.h"

typedef struct gx_load_opts {
	int force;              /* reload everything even if unchanged */
	int dry_run;            /* decide and report, write nothing */
	const char *file;       /* load this one matrix file as the study (--file) */
	int show_progress;
	const gx_rulebook *rules; /* illness and platform rules (labels every sample) */
	const char *cohort_by;  /* --cohort-by: overrides analysis.cohort_by; NULL: config */
	const gx_feature_set *features; /* per-sample features (analysis.features), or NULL */
} gx_load_opts;

typedef struct gx_load_result {
	long run_id;            /* 0 for a dry run */
	char status[16];        /* succeeded | skipped | failed | aborted | dry-run */
	char mode[16];          /* full | partial | metadata | none */
	gx_run_counts counts;
	long n_samples;
	long n_genes;
	int64_t n_values;
	char value_scale[8];
	double seconds;
	int attempts;           /* runs it took (more than 1 after transient errors) */
} gx_load_result;

/*
 * Load study 'accession' through the open sink (migrated).  Returns 0 or negative with
 * 'err' filled; 'res' is filled in both cases as far as the run got (its last attempt).
 * A run that fails with a transient database error (core/retry.h) is rolled back,
 * recorded as failed and started again from the beginning as a new run, on a new
 * session if the old one was lost, up to cfg->pg_retries times.
 */
int gx_pipeline_load(gx_sink *s, const gx_config *cfg, const char *accession,
                     const gx_load_opts *opts, gx_load_result *res, gx_err *err);

/* What `gxload analyze` computes (docs/CLI.md); unset fields take analysis.* of config. */
typedef struct gx_analyze_opts {
	const char *cohort_by;      /* NULL: the study's own definition (dim_study.cohort_by) */
	const char *cohort;         /* correlate this cohort only; NULL: every cohort */
	int correlate;              /* all-pairs correlation within each cohort */
	int differential;           /* differential statistics between pairs of cohorts */
	const char *method;         /* "pearson" | "spearman"; NULL: analysis.method */
	long top_k;                 /* < 0: analysis.top_k */
	double min_abs_r;           /* NaN: analysis.min_abs_r */
	const char *genes_file;     /* only these genes (one id a line); NULL: every gene */
	char *const *compare;       /* "A:B"; none: analysis.compare, else each illness
	                             * against CONTROL */
	size_t n_compare;
} gx_analyze_opts;

typedef struct gx_analyze_result {
	long run_id;
	char status[16];            /* succeeded | failed | aborted */
	size_t n_cohorts, n_genes, n_samples;
	size_t correlated, compared; /* cohorts correlated, pairs of cohorts compared */
	uint64_t pairs_tested, pairs_kept;
	int64_t rows;               /* rows written */
	double seconds, read_s, corr_s, diff_s;
	size_t peak_bytes;          /* the correlation's own high-water mark */
	int threads;                /* BLAS threads it ran with */
} gx_analyze_result;

/*
 * Analyze study 'accession' as the database holds it, under the study's lock: its log2
 * values are read into a scratch file, correlated and compared, and the rows replace
 * those of the same cohorts (and method) in one transaction with the run's meta_etl_run
 * row (command 'analyze').  Returns 0 or negative with 'err' filled.
 */
int gx_pipeline_analyze(gx_sink *s, const gx_config *cfg, const char *accession,
                        const gx_analyze_opts *opts, gx_analyze_result *res, gx_err *err);

/* A sample's digest and value count (core/hash.h), as a load computes them. */
typedef struct gx_sample_digest {
	char *accession;
	char digest[GX_HASH_HEX];
	long n_values;
} gx_sample_digest;

/*
 * The digest of every sample of study 'accession' (or of the one matrix 'file', as
 * load --file reads it), computed from the files exactly as a load computes them - the
 * same readers, column-to-sample mapping and scan - without a database.  *out holds *n
 * entries in matrix column order, owned by the caller (gx_sample_digests_free).
 */
int gx_pipeline_digests(const gx_config *cfg, const char *accession, const char *file,
                        gx_sample_digest **out, size_t *n, gx_err *err);
void gx_sample_digests_free(gx_sample_digest *d, size_t n);

#endif
