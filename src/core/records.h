/*
 * records.h - the records that flow between the stages.
 *
 * Plain structs, owned by whoever made them, so that a stage can hand its output to the
 * next without one stage's header including another's (docs/ARCHITECTURE.md: extract/,
 * transform/, load/ and analyze/ include only core/):
 *   gx_cells         a batch of matrix cells        extract -> pipeline, transform
 *   gx_metadata      the sample metadata table      extract -> pipeline, transform
 *   gx_study_meta    aggregated_metadata.json       extract -> pipeline, transform
 *   gx_study_files   a study's files and hashes     extract -> pipeline, load
 *   gx_sample_stats  a sample's value statistics    transform -> load -> transform
 *   gx_check ...     a run's checks and attrition   transform -> load
 *   gx_cohort_acc    cohort statistics              analyze -> load
 *   gx_gene_notes    a gene annotation table        extract -> load
 * The functions that make and free them live with their makers (extract/metadata.h,
 * extract/study.h, transform/stats.h, transform/validate.h, analyze/cohort.h); the
 * read-only accessors every reader needs are here (records.c).
 */
#ifndef GX_RECORDS_H
#define GX_RECORDS_H

#include "core/buf.h"
#include "core/err.h"
#include "core/hash.h"
#include "core/hset.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* ---- a batch of matrix cells (extract/matrix.h streams them) ---- */

/* One batch of cells, valid only during the callback. */
typedef struct gx_cells {
	/* genes this batch refers to */
	size_t n_genes;
	const char *const *gene_ids;
	const char *const *gene_symbols; /* parallel to gene_ids; NULL if the file has none */
	int genes_unchanged;  /* 1: gene_ids/gene_symbols are the same table as in the previous
	                         batch of this scan (lets the caller reuse per-gene lookups) */
	size_t gene_row0;     /* the file's gene row (0-based, the order gx_matrix_genes
	                         streams) of gene_ids[0]; the table is consecutive rows */
	/* cells */
	size_t n;
	const uint32_t *gene;   /* index into gene_ids; NULL means dense, row-major:
	                           cell i is gene i / n_samples, sample i % n_samples */
	const uint32_t *sample; /* index into the matrix's sample ids; NULL means dense */
	const double *value;
	const unsigned char *missing; /* per cell, 1 = missing (not stored); NULL = none */
} gx_cells;

/* Called for each batch; a non-zero return stops the scan and is returned by it. */
typedef int (*gx_cells_fn)(void *ctx, const gx_cells *cells, gx_err *err);

/* ---- sample metadata (extract/metadata.h reads it) ---- */

typedef struct gx_sample_row {
	char **values;      /* one per column, "" when empty */
	long line;          /* line of the row in the file */
} gx_sample_row;

typedef enum gx_meta_col {
	GX_COL_ACCESSION,   /* refinebio_accession_code | accession_code */
	GX_COL_TITLE,       /* refinebio_title | title */
	GX_COL_PLATFORM,    /* refinebio_platform | platform */
	GX_COL_ORGANISM,    /* refinebio_organism | organism */
	GX_COL_DISEASE,     /* refinebio_disease | disease */
	GX_COL_SOURCE_DB,   /* refinebio_source_database | source_database */
	GX_COL_EXPERIMENT,  /* experiment_accession */
	GX_COL_COUNT
} gx_meta_col;

typedef struct gx_metadata {
	char *path;
	size_t n_cols;
	char **cols;        /* header names */
	size_t n_rows;
	gx_sample_row *rows;
	int col[GX_COL_COUNT]; /* column index of each well-known column, -1 if absent */
} gx_metadata;

/* Index of the column named 'name', or -1. */
int gx_metadata_col(const gx_metadata *md, const char *name);

/* Value of a well-known column of a row: NULL when the column is absent or empty. */
const char *gx_metadata_get(const gx_metadata *md, const gx_sample_row *row, gx_meta_col c);

/* Study-level facts from aggregated_metadata.json (experiments[ACC]). */
typedef struct gx_study_meta {
	char *title;
	char *description;
	char *technology;       /* "RNA-SEQ" | "MICROARRAY" | ... */
	char *organism;         /* first of organisms[] */
	char *source_database;
	char *experiment_json;  /* the experiment's object, compact JSON */
	char **sample_accessions; /* experiments[ACC].sample_accession_codes */
	size_t n_sample_accessions;
} gx_study_meta;

/* ---- a study's files (extract/study.h finds and hashes them) ---- */

typedef struct gx_study_file {
	char *path;         /* data_root/ACC/name */
	char *name;         /* name inside the study directory (stored in meta_source_file) */
	const char *role;   /* "matrix", "metadata", "aggregated_metadata" */
	const char *format; /* "tsv", "hdf5", "json" */
	uint64_t size;
	double mtime;       /* seconds since the epoch */
	char hash[GX_HASH_HEX]; /* filled by gx_study_hash */
} gx_study_file;

typedef struct gx_study_files {
	char *accession;
	char *dir;
	size_t n;
	gx_study_file *files;   /* sorted by role, then name */
} gx_study_files;

/* ---- per-sample value statistics (transform/stats.h measures them) ---- */

typedef struct gx_sample_stats {
	int64_t n_values;   /* values passed on (the facts stored) */
	int64_t n_missing;  /* cells flagged missing (extract.na_values tokens): not stored */
	int64_t n_negative; /* values < 0: log2_value is NULL when the study is linear */
	double min, max;    /* over the values; +inf / -inf while n_values is 0 */
} gx_sample_stats;

/* A sample's statistics as dim_sample stores them (load/dims.h reads a study's back). */
typedef struct gx_stored_stats {
	char *accession;
	int64_t n_values;
	int measured;       /* its statistics are stored (not for samples loaded before
	                     * gxload measured them) */
	gx_sample_stats st; /* when measured; min and max NAN when not stored */
} gx_stored_stats;

/* ---- a run's judgements (transform/validate.h makes them, load/meta.h writes them) ---- */

typedef enum gx_check_status {
	GX_CHECK_PASS,
	GX_CHECK_WARN,
	GX_CHECK_FAIL,
} gx_check_status;

/* "PASS", "WARN", "FAIL" */
static inline const char *gx_check_status_name(gx_check_status st)
{
	return st == GX_CHECK_FAIL ? "FAIL" : st == GX_CHECK_WARN ? "WARN" : "PASS";
}

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

typedef struct gx_step_time {
	const char *name;       /* "prepare", "load", "validate" */
	double seconds;
} gx_step_time;

/* What a run's validation publishes: meta_data_validation_log, meta_data_attrition and
 * meta_etl_step rows.  Borrowed views of the validator's arrays. */
typedef struct gx_run_checks {
	const gx_check *checks;
	size_t n_checks;
	const gx_attrition *attr;
	size_t n_attr;
	const gx_step_time *steps;
	size_t n_steps;
} gx_run_checks;

/* ---- genes ---- */

/*
 * The version-free form of a stable gene id: an Ensembl id (ENS<species>G + 11 digits,
 * e.g. ENSG00000000003 or ENSMUSG00000000001) without its ".<version>".  Returns 1 and
 * fills out (cap >= the id's length + 1) when 'id' is such an id, else 0: anything else
 * (a symbol, a clone name like AL627309.1) is not taken for a stable id by its shape.
 */
int gx_gene_base_id(const char *id, char *out, size_t cap);

/* An organism as dim_gene keys it: trimmed, upper case, spaces and hyphens as '_'
 * ("Homo sapiens" -> "HOMO_SAPIENS"); "" for NULL or empty. */
void gx_organism_key(const char *in, char *out, size_t cap);

/* One row of a gene annotation table (BioMart, GENCODE): ids and what they are called. */
typedef struct gx_gene_note {
	char *stable_id;    /* as the table gives it, with its version when it has one */
	char *base_id;      /* the same without the version */
	char *symbol;       /* NULL if the table has none for it */
	char *biotype;      /* NULL if none */
} gx_gene_note;

typedef struct gx_gene_notes {
	size_t n;
	gx_gene_note *rows;
	long n_skipped;     /* rows without an id */
} gx_gene_notes;

/* ---- cohort statistics (analyze/cohort.h accumulates them, load writes them) ---- */

typedef struct gx_cohort_cell {
	int64_t n;
	double mean, m2, min, max;
} gx_cohort_cell;

/* Statistics of genes (rows, found by gene hash) x cohorts (columns, by illness code). */
typedef struct gx_cohort_acc {
	size_t n_cohorts;
	const char **codes;     /* illness code of each cohort (borrowed) */
	gx_hset genes;          /* gene hash -> row */
	uint64_t *gene_hash;    /* row -> gene hash */
	size_t *id_off;         /* row -> offset of its gene id in ids */
	gx_buf ids;             /* gene ids, NUL-terminated, one after another */
	gx_cohort_cell *cells;  /* rows x n_cohorts */
	size_t n_genes, cap;
} gx_cohort_acc;

static inline const char *gx_cohort_acc_gene_id(const gx_cohort_acc *a, size_t row)
{
	return a->ids.data + a->id_off[row];
}

/* Sample standard deviation (n - 1) of a cell; NaN for fewer than two values. */
static inline double gx_cohort_stddev(const gx_cohort_cell *c)
{
	return c->n > 1 ? sqrt(c->m2 / (double)(c->n - 1)) : NAN;
}

#endif
