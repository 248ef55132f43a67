/*
 * rules_impl.h - inside the rule engine: a loaded rule set as rules.c builds it and
 * rules_match.c walks it (private to src/transform/rules*.c).
 */
#ifndef GX_RULES_IMPL_H
#define GX_RULES_IMPL_H

#include "transform/rules.h"

#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct sel {
	char *glob;
	int exclude;
} sel;

/* A field set: a named one from `field_sets:` or a rule's own selectors (name ""). */
typedef struct fset {
	char *name;
	sel *s;
	size_t n;
	int priority;
	double confidence;
} fset;

typedef struct rule {
	gx_rule_info info;
	char *id, *value, *note, *pattern, *cls, *key;
	pcre2_code *re;
	pcre2_code *key_re;     /* `key:`, or NULL */
	size_t *sets;           /* indexes into gx_rules.sets, in the order listed */
	size_t n_sets;
	char **studies;
	size_t n_studies;
	char *set_val[GX_RULES_MAX_OUT];   /* static outputs (`set:`), or NULL */
	int cap_group[GX_RULES_MAX_OUT];   /* capture group filling output i, 0 = none */
} rule;

typedef struct cand {
	size_t rule;
	size_t set;
	int priority;
	double confidence;
	size_t order;           /* file order of (rule, set): the tie-breaker */
} cand;

struct gx_rules {
	rule *r;
	size_t n;
	fset *sets;
	size_t n_sets;
	size_t n_named;         /* sets[0..n_named) come from `field_sets:` */
	cand *c;
	size_t n_c;
	const char *const *outputs;
	size_t n_out;
	pcre2_general_context *gctx;
	pcre2_compile_context *cctx;
	pcre2_match_context *mctx;
	uint32_t max_pairs;     /* ovector pairs the largest pattern needs */
	size_t n_masks;         /* rules with `mask: true` */
	char *file;
};

/* The index of output 'name' in rs->outputs, or -1. */
static inline int output_index(const gx_rules *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->n_out; i++)
		if (!strcmp(rs->outputs[i], name))
			return (int)i;
	return -1;
}

/* 1 and *idx set if `field_sets:` has a set named 'name', else 0. */
static inline int find_named_set(const gx_rules *rs, const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < rs->n_named; i++) {
		if (!strcmp(rs->sets[i].name, name)) {
			*idx = i;
			return 1;
		}
	}
	return 0;
}

#endif
