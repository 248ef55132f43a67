/*
 * illness.h - a sample's illness category from rules/illness.yaml and overrides.
 *
 * The illness file (`kind: illness`) declares the categories (code, label,
 * description), the default category, the rules (src/transform/rules.h; each rule's
 * value is a category code) and optionally overrides.  Overrides also come from every
 * *.yaml file of an overrides directory (`kind: overrides`), read in name order.
 *
 * Precedence, first that applies:
 *   1. sample override  (the sample's accession, optionally with its study)
 *   2. study override   (every sample of the study)
 *   3. rules            (by priority; rules.h)
 *   4. the default category (UNKNOWN in the shipped file)
 *
 * After loading, a gx_illness is immutable: labelling is reentrant and thread-safe.
 * Nothing here prints or touches a database.
 */
#ifndef GX_ILLNESS_H
#define GX_ILLNESS_H

#include "core/buf.h"
#include "core/err.h"
#include "core/hash.h"
#include "transform/fields.h"
#include "transform/rules.h"

#include <stddef.h>

typedef struct gx_illness gx_illness;

/* A category, for dim_illness; strings owned by the gx_illness. */
typedef struct gx_illness_category {
	const char *code;           /* SEPSIS, ... : [A-Z][A-Z0-9_]{0,31} */
	const char *label;          /* "Sepsis" */
	const char *description;
} gx_illness_category;

typedef enum gx_illness_source {
	GX_ILLNESS_DEFAULT = 0,     /* nothing matched: the default category */
	GX_ILLNESS_RULE,
	GX_ILLNESS_STUDY_OVERRIDE,
	GX_ILLNESS_SAMPLE_OVERRIDE,
} gx_illness_source;

/* What decided a sample's label; plain data, safe to copy. */
typedef struct gx_illness_label {
	const char *code;                   /* category code, owned by the gx_illness */
	gx_illness_source source;
	char decided_by[GX_RULES_ID_MAX];   /* rule or override id; "default" */
	double confidence;                  /* rule: effective confidence; override: 1; default: 0 */
	char field[GX_FIELDS_NAME_MAX];     /* field that matched; "" for overrides, default */
	char text[GX_RULES_TEXT_MAX];       /* matched text; "" for overrides, default */
	const char *reason;                 /* override's reason or rule's note; owned; "" */
} gx_illness_label;

/*
 * Load the illness file and the overrides directory (NULL or "" for none; a directory
 * that does not exist is an error).  Errors are GX_E_RULES (exit 78) naming the file,
 * line, and rule or override id; GX_E_CONFIG_IO when a file cannot be read.
 * On success *out is owned by the caller (gx_illness_free).
 */
int gx_illness_load(const char *path, const char *overrides_dir, gx_illness **out,
                    gx_err *err);
/* Add one more overrides file (`kind: overrides`); it takes part in the hash. */
int gx_illness_add_overrides(gx_illness *ill, const char *path, gx_err *err);
void gx_illness_free(gx_illness *ill);

/* Categories in file order. */
size_t gx_illness_category_count(const gx_illness *ill);
const gx_illness_category *gx_illness_category_at(const gx_illness *ill, size_t i);
/* The category with this code, or NULL. */
const gx_illness_category *gx_illness_category_find(const gx_illness *ill, const char *code);
/* The default category's code. */
const char *gx_illness_default(const gx_illness *ill);

const gx_rules *gx_illness_rules(const gx_illness *ill);
size_t gx_illness_override_count(const gx_illness *ill);

/* Content hash (hex) of the illness file and every overrides file in effect. */
const char *gx_illness_hash(const gx_illness *ill);

/*
 * Label one sample.  'study' and 'sample' are accessions (either may be NULL: no
 * override of that kind applies).  Returns 0 with *out filled, or a negative error
 * (GX_E_RULES when a rule hits a match limit, GX_E_NOMEM).
 */
int gx_illness_label_sample(const gx_illness *ill, const char *study, const char *sample,
                            const gx_fields *f, gx_illness_label *out, gx_err *err);

/*
 * Why a sample gets its label, for curators (`gxload rules explain`): appends to 'out'
 * a block of text lines: the sample, its label and what decided it (override with its
 * reason, or rule id, field and matched text), then every other rule that matched, in
 * the order they were weighed.  Returns 0 or a negative error.
 */
int gx_illness_explain(const gx_illness *ill, const char *study, const char *sample,
                       const gx_fields *f, gx_buf *out, gx_err *err);

#endif
