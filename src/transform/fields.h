/*
 * fields.h - one sample's metadata as the named "logical fields" that rules look at.
 *
 * The loader hands over a sample's metadata exactly as it has it: (column name, cell
 * text) pairs from a refine.bio metadata TSV (any era), a labelled TSV, or later the obs
 * columns of an HDF5 file.  gx_fields_add_raw() maps each raw name to a logical field,
 * so that rules do not depend on which era or format the sample came from:
 *
 *   title            <- refinebio_title, else title
 *   source_name      <- source_name_ch1, else source_name
 *   description      <- description
 *   platform         <- refinebio_platform, else platform (2018 downloads)
 *   platform_id      <- platform_id (the GEO GPL accession)
 *   refinebio_<x>    <- refinebio_<x> (refinebio_disease, refinebio_subject, ...)
 *   ch:<key>         <- characteristics_ch1_<key>, characteristics_ch2_<key>,
 *                       characteristic_<key> (ArrayExpress), MetaSRA_<key>, any column
 *                       not listed in fields.c as a GEO bookkeeping column (unprefixed
 *                       characteristics of pre-2021 downloads, HDF5 obs columns), and
 *                       each "key: value" pair of a column named characteristics
 *   characteristics  every ch: field joined as "key: value | key: value", in order
 *
 * <key> is normalized: ASCII lower case, '_' and runs of white space become one space,
 * trimmed.  So `characteristics_ch1_Disease_State` and `disease state` both give
 * `ch:disease state`.  Identifier and bookkeeping columns (accessions, contact_*,
 * protocols, dates, file names, ...) are dropped.  Empty values are dropped.
 * When two raw columns feed the same single-valued field (title, source_name,
 * platform), the better source wins whatever the column order.
 *
 * A gx_fields owns copies of everything added; clear and reuse it per sample.  Reading
 * is reentrant; adding is not (one gx_fields per thread).
 */
#ifndef GX_FIELDS_H
#define GX_FIELDS_H

#include "core/err.h"

#include <stddef.h>

#define GX_FIELDS_NAME_MAX 128  /* longest logical field name kept; longer keys are cut */

typedef struct gx_fields gx_fields;

/* A new, empty field set (caller frees with gx_fields_free). */
int gx_fields_new(gx_fields **out, gx_err *err);
/* Forget all fields, keep the memory for the next sample.  NULL is accepted. */
void gx_fields_clear(gx_fields *f);
void gx_fields_free(gx_fields *f);

/*
 * Add one raw metadata column (name as in the file's header, value as in the cell;
 * NULL counts as empty).  Maps it as described above; may add nothing (ignored column,
 * empty value) or several
 * fields (a joined characteristics column).  Only fails on allocation (GX_E_NOMEM).
 */
int gx_fields_add_raw(gx_fields *f, const char *name, const char *value, gx_err *err);

/* Add a logical field by its final name (no mapping); 'len' bytes of 'value'. */
int gx_fields_put(gx_fields *f, const char *logical, const char *value, size_t len,
                  gx_err *err);

/* Number of fields, including the joined `characteristics` when any ch: field exists. */
size_t gx_fields_count(const gx_fields *f);
/* Name and value of field i (< count); owned by 'f', valid until it changes. */
const char *gx_fields_name(const gx_fields *f, size_t i);
const char *gx_fields_value(const gx_fields *f, size_t i, size_t *len);
/* Value of the first field called 'name', or NULL. */
const char *gx_fields_get(const gx_fields *f, const char *name);

/*
 * 1 if 'name' is a field name this module produces outside the ch: namespace (title,
 * source_name, description, platform, platform_id, characteristics, refinebio_*).
 * Rule files use it to keep their own names (field sets) apart from field names.
 */
int gx_fields_is_builtin(const char *name);

#endif
