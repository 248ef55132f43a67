/*
 * rules.h - the generic rule engine: ordered PCRE2 rules over a sample's fields.
 *
 * A rule set is read from a list in a YAML rule file (src/core/yaml.h: no anchors or
 * aliases, bounded sizes) and compiled once.  Each rule has an id, the fields it looks
 * at, a pattern, flags, a priority, a confidence, the value it produces, optional
 * static outputs (`set:`), an optional study scope (`studies:`), an optional class
 * (`class:`, checked by the caller), an optional pattern over the field's key (`key:`)
 * and a `mask:` flag; named capture groups whose names are outputs of the rule set fill
 * those outputs.  The file-level
 * sections `defaults:` (flags, priority, confidence) and `field_sets:` (named lists of
 * field selectors, each with its own priority and confidence) apply to every list read
 * from the file.  docs/RULES.md describes the format.
 *
 * Evaluation.  A rule names field sets and/or field selectors.  Each (rule, field set)
 * pair is one candidate with priority = set priority + rule priority and confidence =
 * set confidence x rule confidence (a rule's own selectors form a set with priority 0
 * and confidence 1).  Candidates are tried by priority, highest first; ties go to the
 * rule that comes first in the file, then to the set named first.  Inside a candidate
 * the fields are tried in selector order (a glob in field order); the first match wins.
 * Selectors are exact names or fnmatch(3) globs ("ch:*disease*"); "!glob" excludes.
 *
 * Keys and masks.  A field's key is its name after "ch:" for a characteristic, else
 * the field name itself.  A rule with `key:` matches a field only when that pattern
 * matches the key and `pattern:` matches the value, so a rule can read a coded value
 * ("0", "sep_l") through the condition its key names.  A rule with `mask: true`
 * produces nothing: before the other rules read a field, every match of every mask
 * rule that selects the field is blanked (replaced by spaces), so words that never
 * decide a label (outcome, time) cannot be mistaken for others ("nonsurvivor" is no
 * negation).  Mask rules are never a match of gx_rules_first/each; gx_rules_each_field
 * reports them, on the unmasked text, with info.mask set.
 *
 * Limits.  Patterns are compiled with UTF (invalid UTF-8 subjects are matched, not
 * rejected) and JIT where the platform has it.  Every match runs under explicit match,
 * depth and heap limits, and only the first GX_RULES_MAX_SUBJECT bytes of a field are
 * examined.  A limit hit is an error (GX_E_RULES naming rule, file, line and field), not
 * a silent non-match: a catastrophic pattern is a bug in the rule file.
 *
 * After loading, a rule set is immutable: matching is reentrant and thread-safe.
 * Nothing here prints or touches a database.
 */
#ifndef GX_RULES_H
#define GX_RULES_H

#include "core/err.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/yaml.h"
#include "transform/fields.h"

#include <stddef.h>

/* Metadata fields are short; 16 KiB covers any real title or characteristic. */
#define GX_RULES_MAX_SUBJECT (16u << 10)
/* Backtracking steps per match: a sane pattern on 16 KiB needs far fewer. */
#define GX_RULES_MATCH_LIMIT 1000000u
/* Nested backtracking depth (interpreter; JIT is bounded by its stack). */
#define GX_RULES_DEPTH_LIMIT 5000u
/* Heap for backtracking frames, KiB. */
#define GX_RULES_HEAP_LIMIT_KIB 8192u
#define GX_RULES_MAX_PATTERN 4096   /* bytes in one pattern */

#define GX_RULES_MAX_OUT 8          /* outputs a rule set may declare */
#define GX_RULES_OUT_MAX 256        /* bytes kept of an output value (cut at a character) */
#define GX_RULES_TEXT_MAX 256       /* bytes kept of the matched text */
#define GX_RULES_ID_MAX 64          /* rule ids: [A-Za-z0-9_.-]{1,63} */

typedef struct gx_rules gx_rules;

/* What the caller accepts in a rule list. */
typedef struct gx_rules_spec {
	const char *list_key;           /* key of the list in the file: "rules", ... */
	const char *const *outputs;     /* NULL-terminated output names, or NULL for none */
	int value_required;             /* every rule must have `value:` (mask rules never) */
	/* Return 0 if 'value' is acceptable, else fill 'why' (cap bytes) and return -1. */
	int (*check_value)(void *ctx, const char *value, char *why, size_t cap);
	void *check_ctx;
	/* Return 0 if class 'cls' is acceptable (NULL: no rule may have a class). */
	int (*check_class)(void *ctx, const char *cls, char *why, size_t cap);
} gx_rules_spec;

/* A rule as read from the file; owned by the rule set. */
typedef struct gx_rule_info {
	const char *id;
	const char *value;      /* "" when the rule has none */
	const char *note;       /* curator's comment, "" if none */
	const char *pattern;
	const char *cls;        /* `class:`, "" if none */
	const char *key;        /* `key:` pattern, "" if none */
	int mask;               /* `mask: true` */
	int priority;           /* the rule's own priority (field sets add theirs) */
	double confidence;      /* the rule's own confidence (field sets multiply theirs) */
	long line;              /* of the rule in the file */
} gx_rule_info;

/* One successful match. */
typedef struct gx_rule_match {
	const gx_rule_info *rule;
	int priority;                       /* effective: set + rule */
	double confidence;                  /* effective: set x rule */
	const char *field_set;              /* set name, "" for the rule's own selectors */
	char field[GX_FIELDS_NAME_MAX];     /* the field that matched */
	size_t field_index;                 /* its index in the gx_fields */
	char text[GX_RULES_TEXT_MAX];       /* what the pattern matched (group 0), cut */
	unsigned out_mask;                  /* bit i: out[i] holds output i */
	char out[GX_RULES_MAX_OUT][GX_RULES_OUT_MAX];
} gx_rule_match;

/*
 * Compile the list doc->root[spec->list_key] (absent = empty set).  Errors are
 * GX_E_RULES located at the offending node of doc->name and name the rule id; a bad
 * pattern's message gives PCRE2's reason and the offset in the pattern.  The spec's
 * strings must outlive the rule set.  On success *out is owned by the caller.
 */
int gx_rules_load(const gx_yaml_doc *doc, const gx_rules_spec *spec, gx_rules **out,
                  gx_err *err);
void gx_rules_free(gx_rules *rs);

size_t gx_rules_count(const gx_rules *rs);
/* Rule i in file order (i < count). */
const gx_rule_info *gx_rules_info(const gx_rules *rs, size_t i);

/*
 * The best match for a sample: 1 and *m filled, 0 if no rule matched, or a negative
 * error (GX_E_RULES for a limit hit, GX_E_NOMEM).  'study' may be NULL (rules scoped
 * with `studies:` then never apply).
 */
int gx_rules_first(const gx_rules *rs, const gx_fields *f, const char *study,
                   gx_rule_match *m, gx_err *err);

/*
 * Every candidate that matches, best first (for explaining a decision): fn is called
 * once per matching (rule, field set); a non-zero return from fn stops the walk and is
 * returned.  Returns 0, fn's value, or a negative error.
 */
typedef int (*gx_rules_each_fn)(void *ctx, const gx_rule_match *m);
int gx_rules_each(const gx_rules *rs, const gx_fields *f, const char *study,
                  gx_rules_each_fn fn, void *ctx, gx_err *err);

/*
 * Every match on every field, best candidate first and, inside a candidate, in field
 * order (gx_rules_each stops at a candidate's first matching field).  Mask rules are
 * reported first, each with the text it blanks.  Same returns as gx_rules_each.
 */
int gx_rules_each_field(const gx_rules *rs, const gx_fields *f, const char *study,
                        gx_rules_each_fn fn, void *ctx, gx_err *err);

/* 1 if the named field set of 'rs' selects field 'name' (0 if no such set). */
int gx_rules_set_selects(const gx_rules *rs, const char *set, const char *name);

/* The key of a field name: the part after "ch:", else the name. */
const char *gx_rules_field_key(const char *name);

/* Output 'name' of a match, or NULL if the rule did not fill it. */
const char *gx_rule_match_output(const gx_rules *rs, const gx_rule_match *m,
                                 const char *name);

/*
 * Content hash of rule files.  Each document is added as a canonical serialization of
 * its YAML tree tagged with a role ("illness", "override:GSE1.yaml", ...), so comments
 * and formatting do not count but every value, key and order does.  {0} is empty.
 */
typedef struct gx_rules_digest {
	gx_buf buf;
} gx_rules_digest;
int gx_rules_digest_add(gx_rules_digest *d, const char *role, const gx_yaml_doc *doc,
                        gx_err *err);
void gx_rules_digest_hex(const gx_rules_digest *d, char out[GX_HASH_HEX]);
void gx_rules_digest_release(gx_rules_digest *d);

/*
 * Re-label a YAML reader error as a rule file error (GX_E_RULES, exit 78), keeping its
 * message and location.  For callers that read rule files with gx_yaml_*.
 */
int gx_rules_yaml_err(gx_err *err, int rc);

/* Fail with GX_E_RULES at a node of a rule file (printf format); returns negative. */
int gx_rules_error(const gx_yaml_doc *doc, const gx_yaml *node, gx_err *err,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * map[key] as a string in *out (owned by the document).  Absent: an error if
 * 'required' (which also refuses ""), else *out = NULL.  'what' names the owner in
 * messages ("override 'x'").
 */
int gx_rules_get_str(const gx_yaml_doc *doc, const gx_yaml *map, const char *key,
                     const char *what, int required, const char **out, gx_err *err);

/*
 * map[key] as a list in *out: NULL when absent or null, an error (naming 'key') when
 * it is not a sequence.
 */
int gx_rules_get_list(const gx_yaml_doc *doc, const gx_yaml *map, const char *key,
                      const gx_yaml **out, gx_err *err);

/*
 * Refuse keys of 'map' not in 'keys' (NULL-terminated): unknown keys in a rule file
 * are typos.  'what' names the mapping in the message.
 */
int gx_rules_only_keys(const gx_yaml_doc *doc, const gx_yaml *map, const char *what,
                       const char *const *keys, gx_err *err);

/* Load a YAML rule file; errors are GX_E_RULES (GX_E_CONFIG_IO if unreadable). */
int gx_rules_load_doc(const char *path, gx_yaml_doc **out, gx_err *err);

/*
 * Check that a file's top-level mapping has `kind: <kind>` and only the given keys
 * (NULL-terminated).  Fails with GX_E_RULES at the offending key.
 */
int gx_rules_check_top(const gx_yaml_doc *doc, const char *kind, const char *const *keys,
                       gx_err *err);

#endif
