/*
 * h5_text.h - columns of an HDF5 file read as text or integers, and id tables.
 *
 * A column is a 1-D dataset, an (n, 1) one, or a field of a 1-D compound dataset.  Text
 * columns become pool strings (gx_h5.pool) with NULL for missing values; integer columns
 * become int64 arrays.  Id tables (gene ids, sample ids) are checked, or made unique.
 * Every function returns 0 or a negative GX_E_* code with the file and dataset named.
 */
#ifndef GX_H5_TEXT_H
#define GX_H5_TEXT_H

#include "extract/h5.h"

/* flags for gx_h5_read_text */
#define GX_H5_TEXT_XML     1u  /* decode &#NNN; and &#xHH; (Cell Ranger, Loom < 3) */
#define GX_H5_TEXT_STRINGS 2u  /* only string datasets are accepted (else an error) */

/*
 * Read a column of 'n' values as text: dataset 'path' of shape (n) or (n, 1), or, when
 * 'field' is not NULL, member 'field' of a 1-D compound dataset.  Strings (fixed length,
 * any padding, or variable length), integers, floats (shortest text that reads back to
 * the same value; NaN is missing) and enums (h5py's booleans as "True"/"False", other
 * enums by member name) are accepted.  Missing values (NaN, a NULL variable-length
 * string) are NULL.  Strings must be valid UTF-8 and at most h->max_field bytes.
 * *out is a gx_malloc'd array of n pool strings; the caller frees the array.
 * Returns 0; 1 (nothing read, *out NULL) if the column is of a kind that cannot be text
 * (compound, reference, 2-D with more than one column) and GX_H5_TEXT_STRINGS is not
 * set; negative on error, including a length other than n ("has N values, expected n").
 */
int gx_h5_read_text(gx_h5 *h, const char *path, const char *field, size_t n,
                    unsigned flags, char ***out, gx_err *err);

/*
 * Read a column of n integers (same shapes and 'field' as gx_h5_read_text) into a
 * gx_malloc'd array *out (caller frees).  Returns 0; 1 if the column does not hold
 * integers (*out NULL); negative on error or a length other than n.
 */
int gx_h5_read_ints(gx_h5 *h, const char *path, const char *field, size_t n, int64_t **out,
                    gx_err *err);

/* Shortest decimal text of a double ('single' = it was a float32); buf >= 32 bytes. */
void gx_h5_format_double(double v, int single, char *buf, size_t cap);

typedef enum gx_h5_unique {
	GX_H5_UNIQUE_REQUIRED,   /* a duplicate is an error (GX_E_DUP_GENE / GX_E_DUP_SAMPLE) */
	GX_H5_UNIQUE_ALLOWED     /* duplicates are passed on (genes.duplicates decides later) */
} gx_h5_unique;

/*
 * Check an id table read from dataset 'src': no NULL or empty id (GX_E_EMPTY_ID), no id
 * longer than 512 bytes (GX_E_TOO_BIG), no leading or trailing space or control
 * character (GX_E_EMPTY_ID / GX_E_ENCODING), and uniqueness per 'mode'.  'gene' selects
 * the wording and the duplicate code.
 */
int gx_h5_check_ids(gx_h5 *h, const char *src, int gene, char **ids, size_t n,
                    gx_h5_unique mode, gx_err *err);

#endif
