/*
 * metadata.h - sample metadata (metadata_<ACC>.tsv) and study metadata
 * (aggregated_metadata.json).
 *
 * The sample table is read whole (it is small: one row per sample) with every column
 * kept by its header name: refine.bio's refinebio_* columns, experiment_accession and
 * all submitter columns (characteristics_ch1_*, MetaSRA_*, 2018 unprefixed keys, ...).
 * Well-known columns are found by name in both the current and the 2018 layouts:
 * refinebio_accession_code | accession_code, refinebio_title | title, ...
 * Rows must have exactly as many fields as the header; accessions must be unique and
 * non-empty; text must be valid UTF-8.  Errors name the file, line and column.
 */
#ifndef GX_METADATA_H
#define GX_METADATA_H

#include "core/buf.h"
#include "core/err.h"

#include <stddef.h>

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

/* Read a metadata table.  *out is owned by the caller (gx_metadata_free). */
int gx_metadata_read(const char *path, size_t max_field_bytes, gx_metadata **out,
                     gx_err *err);
void gx_metadata_free(gx_metadata *md);

/* Row of the sample whose accession (or, with by_title, title) is 'key'; NULL if none
 * or, for titles, if several rows share it. */
const gx_sample_row *gx_metadata_find(const gx_metadata *md, const char *key, int by_title);

/* Index of the column named 'name', or -1. */
int gx_metadata_col(const gx_metadata *md, const char *name);

/* Value of a well-known column of a row: NULL when the column is absent or empty. */
const char *gx_metadata_get(const gx_metadata *md, const gx_sample_row *row, gx_meta_col c);

/*
 * Append the row as a JSON object {"column": "value", ...} with keys sorted and empty
 * values left out (an absent key means an empty cell).  The text is canonical: the same
 * row gives the same bytes whatever the column order of the file.
 */
int gx_metadata_row_json(const gx_metadata *md, const gx_sample_row *row, gx_buf *out);

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

/* Read what aggregated_metadata.json says of study 'acc'; GX_E_JSON if malformed. */
int gx_study_meta_read(const char *path, const char *acc, gx_study_meta **out, gx_err *err);
void gx_study_meta_free(gx_study_meta *sm);

#endif
