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
 *   3. rules, read the way a curator reads a study (docs/RULES.md):
 *      a. a pooled sample or cell line (class pooled) is UNKNOWN;
 *      b. the sample's own evidence: the best rule match (rules.h priority) on a field
 *         that is not the same for every sample of the study, made more specific by
 *         the sample's other fields (recovered, said where a state is said, over an
 *         illness; septic shock over sepsis over infection; a negation over an
 *         infection) and, for a control arm, resolved to healthy or patients
 *         (control_arm:);
 *      c. a value of a diagnosis field that only says "patient" in a study whose other
 *         values state sepsis: the patients of the comparison arm;
 *      d. the label most members of the sample's group share (same value of a
 *         diagnosis field that splits the study);
 *      e. the study-wide fields (the same for every sample), read the same way, an
 *         illness word only where the study has no healthy samples or the sample's own
 *         fields call it a case or patient;
 *   4. the default category (UNKNOWN in the shipped file)
 *
 * Rules carry a class (`class:`) that says what kind of evidence they are; the class
 * list and what each means are fixed here (gx_illness_class_name), the words are the
 * file's.  A label is decided for a whole study at once: gx_illness_study_* collects
 * every sample, then decides.  gx_illness_label_sample is a study of one sample.
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

#define GX_ILLNESS_VALUE_MAX 128    /* bytes kept of the deciding field's value */
#define GX_ILLNESS_STUDY_MAX 192    /* bytes kept of the study-level reason */

/* What decided a sample's label; plain data, safe to copy. */
typedef struct gx_illness_label {
	const char *code;                   /* category code, owned by the gx_illness */
	gx_illness_source source;
	char decided_by[GX_RULES_ID_MAX];   /* rule or override id; "default" */
	double confidence;                  /* rule: effective confidence; override: 1; default: 0 */
	char field[GX_FIELDS_NAME_MAX];     /* field that matched; "" for overrides, default */
	char text[GX_RULES_TEXT_MAX];       /* matched text; "" for overrides, default */
	const char *reason;                 /* override's reason or rule's note; owned; "" */
	char cls[24];                       /* class of the deciding rule, "" */
	char value[GX_ILLNESS_VALUE_MAX];   /* the deciding field's value (masked words kept) */
	char study[GX_ILLNESS_STUDY_MAX];   /* the study-level reason, "" when the sample's
	                                     * own field decided alone */
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
/*
 * Forget every override (`rules eval --no-overrides`: the rules alone).  The hash still
 * names the files loaded.  Not thread-safe: call before labelling.
 */
void gx_illness_drop_overrides(gx_illness *ill);

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
 * A study's samples labelled together.  Add every sample (its accession may be NULL),
 * finish, then read each label; the label of sample i depends on all samples added.
 * Errors as for gx_illness_label_sample.  Memory: a few hundred bytes per sample.
 */
typedef struct gx_illness_study gx_illness_study;
int gx_illness_study_new(const gx_illness *ill, const char *study, gx_illness_study **out,
                         gx_err *err);
int gx_illness_study_add(gx_illness_study *st, const char *sample, const gx_fields *f,
                         gx_err *err);
int gx_illness_study_finish(gx_illness_study *st, gx_err *err);
size_t gx_illness_study_count(const gx_illness_study *st);
/* Label of sample i (in the order added); only after finish. */
void gx_illness_study_label(const gx_illness_study *st, size_t i, gx_illness_label *out);
/*
 * Explain sample i (after finish): its label, what decided it (field, key, value, rule,
 * study-level reason), everything else that matched and the masked words.
 */
int gx_illness_study_explain(const gx_illness_study *st, size_t i, gx_buf *out, gx_err *err);
/*
 * The study-level findings: the field that splits the study into groups and what each
 * value says, the fields that are the same for every sample, the control arm.
 */
int gx_illness_study_summary(const gx_illness_study *st, gx_buf *out, gx_err *err);
void gx_illness_study_free(gx_illness_study *st);

/*
 * The evidence of a label as compact JSON, as stored with the sample (dim_sample.
 * illness_evidence): source, rule, class, field, key, value, matched, study, note.
 * Returns 0 or -1 (out of memory).
 */
int gx_illness_label_json(const gx_illness_label *lab, gx_buf *out);

/* A class name (`class:` in the file) is one gxload knows: 1 if so. */
int gx_illness_class_known(const char *cls);

/*
 * Why a sample gets its label, for curators (`gxload rules explain`): appends to 'out'
 * a block of text lines: the sample, its label and what decided it (override with its
 * reason, or rule id, field and matched text), then every other rule that matched, in
 * the order they were weighed.  Returns 0 or a negative error.
 */
int gx_illness_explain(const gx_illness *ill, const char *study, const char *sample,
                       const gx_fields *f, gx_buf *out, gx_err *err);

#endif
