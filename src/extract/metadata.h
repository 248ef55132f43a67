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
#include "core/records.h"

#include <stddef.h>

/* Read a metadata table.  *out is owned by the caller (gx_metadata_free). */
int gx_metadata_read(const char *path, size_t max_field_bytes, gx_metadata **out,
                     gx_err *err);
void gx_metadata_free(gx_metadata *md);

/* Row of the sample whose accession (or, with by_title, title) is 'key'; NULL if none
 * or, for titles, if several rows share it. */
const gx_sample_row *gx_metadata_find(const gx_metadata *md, const char *key, int by_title);

/*
 * Append the row as a JSON object {"column": "value", ...} with keys sorted and empty
 * values left out (an absent key means an empty cell).  The text is canonical: the same
 * row gives the same bytes whatever the column order of the file.
 */
int gx_metadata_row_json(const gx_metadata *md, const gx_sample_row *row, gx_buf *out);

/* Read what aggregated_metadata.json (experiments[ACC]) says of study 'acc' (types in
 * core/records.h); GX_E_JSON if malformed. */
int gx_study_meta_read(const char *path, const char *acc, gx_study_meta **out, gx_err *err);
/* The same from the file's text held in memory (text[0..len), any bytes; 'path' names
 * it in messages): what gx_study_meta_read does once it has read the file. */
int gx_study_meta_parse(const char *path, const char *text, size_t len, const char *acc,
                        gx_study_meta **out, gx_err *err);
void gx_study_meta_free(gx_study_meta *sm);

#endif
