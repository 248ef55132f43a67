/*
 * config.h - gxload's effective configuration.
 *
 * Sources, lowest precedence first: built-in defaults; the YAML config file
 * (--config, else $GXLOAD_CONFIG, else configs/gxload.yaml in the share directory);
 * environment (GXLOAD_DB, GXLOAD_DATA_ROOT); --set KEY=VALUE; explicit flags (--db,
 * --data-root).  Every key is declared once in config.c's table, with its type, default
 * and check; unknown keys are errors.  Relative paths in the config file are relative to
 * the file's directory; relative paths from flags and the environment to the current
 * directory.  No password is ever accepted from any of these sources.
 */
#ifndef GX_CONFIG_H
#define GX_CONFIG_H

#include "core/err.h"

#include <stddef.h>
#include <stdio.h>

typedef struct gx_config {
	char *config_path;      /* file that was read, NULL if none */
	char *share_dir;        /* where migrations/, rules/, configs/ live */

	char *db_url;           /* database.url */
	char *data_root;        /* data_root */
	char *lock_dir;         /* lock_dir */

	char *log_format;       /* log.format: text | json */
	char *log_level;        /* log.level: debug | info | warning | error */
	char *progress;         /* progress: auto | always | never */

	char **na_values;       /* extract.na_values */
	size_t n_na_values;
	long max_field_bytes;   /* extract.max_field_bytes */
	long hdf5_idle_s;       /* extract.hdf5_idle_s */

	char *value_scale;      /* transform.value_scale: auto | log2 | linear */
	double linear_threshold; /* transform.linear_threshold */
	long scale_probe_rows;  /* transform.scale_probe_rows */

	char *genes_duplicates; /* genes.duplicates: refuse | first | mean | sum | suffix */

	char *rules_illness;    /* rules.illness */
	char *rules_platforms;  /* rules.platforms */
	char *rules_overrides_dir; /* rules.overrides_dir ("" = none) */

	/* validation thresholds (docs/VALIDATION.md): *_warn / *_fail per check */
	long v_min_samples;             /* validation.min_samples */
	double v_no_metadata_warn;      /* validation.samples_without_metadata_warn */
	double v_no_metadata_fail;      /* validation.samples_without_metadata_fail */
	long v_genes_per_sample_warn;   /* validation.genes_per_sample_warn */
	long v_genes_per_sample_fail;   /* validation.genes_per_sample_fail */
	double v_missing_warn;          /* validation.missing_values_warn */
	double v_missing_fail;          /* validation.missing_values_fail */
	double v_negative_warn;         /* validation.negative_values_warn */
	double v_negative_fail;         /* validation.negative_values_fail */
	double v_log2_max_value;        /* validation.log2_max_value */
	double v_unknown_illness_warn;  /* validation.unknown_illness_warn */
	double v_unknown_illness_fail;  /* validation.unknown_illness_fail */
	double v_platform_coverage_warn; /* validation.platform_coverage_warn */
	double v_platform_coverage_fail; /* validation.platform_coverage_fail */

	/* cohort statistics and gene-pair candidates (analysis.*) */
	long pair_top_n;                /* analysis.pair_top_n */
	double pair_min_stddev;         /* analysis.pair_min_stddev */
	long pair_min_samples;          /* analysis.pair_min_samples */
	/* cohorts, correlation, differential statistics, features (docs/ANALYSIS.md) */
	char *cohort_by;                /* analysis.cohort_by: illness | none | field:NAME */
	char *correlate_after_load;     /* analysis.correlate_after_load: true | false */
	char *differential_after_load;  /* analysis.differential_after_load: true | false */
	char *corr_method;              /* analysis.method: pearson | spearman */
	long corr_top_k;                /* analysis.top_k */
	double corr_min_abs_r;          /* analysis.min_abs_r (above 1: none by value) */
	char **compare;                 /* analysis.compare: "A:B" cohort pairs */
	size_t n_compare;
	char *features;                 /* analysis.features: features file ("" = none) */
	long analysis_memory_mb;        /* analysis.memory_mb: the analysis step's budget */
	long analysis_threads;          /* analysis.threads: BLAS threads (0 = every core) */

	double lock_timeout_s;  /* load.lock_timeout_s */
	double full_reload_fraction; /* load.full_reload_fraction */

	long sqlite_busy_timeout_ms; /* sqlite.busy_timeout_ms */
	char *sqlite_synchronous;    /* sqlite.synchronous: off | normal | full */
	long sqlite_cache_mb;        /* sqlite.cache_mb */

	char *pg_schema;             /* postgresql.schema */
	char *pg_application_name;   /* postgresql.application_name */
	long pg_connect_timeout_s;   /* postgresql.connect_timeout_s */
	long pg_copy_streams;        /* postgresql.copy_streams */
	long pg_copy_streams_min_rows; /* postgresql.copy_streams_min_rows */
	long pg_maintenance_work_mem_mb; /* postgresql.maintenance_work_mem_mb (0 = server's) */
	long pg_retries;             /* postgresql.retries: attempts after the first */
	double pg_retry_max_s;       /* postgresql.retry_max_s: longest wait between two */

	char **shard_servers;        /* shards.servers: "NAME:CONNINFO" (core/shard.h) */
	size_t n_shard_servers;
	char **shard_placement;      /* shards.placement: "ACCESSION:SHARD" */
	size_t n_shard_placement;
	char *metrics_textfile;      /* metrics.textfile: Prometheus text file, "" = none */

	long resume_min_values;      /* resume.min_values: bigger loads commit in chunks */
	long resume_chunk_values;    /* resume.chunk_values: values per checkpointed chunk */
	double resume_keep_hours;    /* resume.keep_hours: age of a checkpoint that is swept */
} gx_config;

/* Command-line and environment inputs to gx_config_load. */
typedef struct gx_config_args {
	const char *config_path;    /* --config */
	const char *db_url;         /* --db */
	const char *data_root;      /* --data-root */
	const char *const *sets;    /* --set KEY=VALUE, in order */
	size_t n_sets;
	const char *log_format;     /* --log-format */
	const char *progress;       /* --progress */
	int verbosity;              /* -q = -1, default 0, -v = 1, -vv = 2 (0 keeps config) */
} gx_config_args;

/* Build the effective config.  On success *out is owned by the caller (gx_config_free). */
int gx_config_load(const gx_config_args *args, gx_config **out, gx_err *err);
void gx_config_free(gx_config *cfg);

/*
 * Print the effective config as YAML, with the origin of each value as a comment and
 * secrets masked.
 */
void gx_config_print(const gx_config *cfg, FILE *out);

/* The share directory: $GXLOAD_SHARE_DIR, or found next to the executable. */
const char *gx_share_dir(void);

/* Check an SQL identifier from config: ^[a-z_][a-z0-9_]{0,62}$.  1 if valid. */
int gx_ident_valid(const char *s);

#endif
