/*
 * rules.c - the generic rule engine (see rules.h for the evaluation order).
 *
 * Loading turns a YAML list into compiled rules and expands every (rule, field set)
 * pair into a candidate; candidates are sorted once by priority so that a match is a
 * walk down one array.  Matching resolves each field set against the sample's field
 * names at most once per call (fnmatch), then runs the rule's pattern on each field.
 *
 * Invariants: a rule set is never modified after gx_rules_load returns; PCRE2 memory
 * goes through gx_malloc/gx_free (a general context), so allocation failures can be
 * injected in tests like everywhere else.
 *
 * Here: loading (field sets, rules, candidates).  Matching is in rules_match.c, the
 * rule files' errors, top-level check and content hash in rules_yaml.c; the types they
 * share in rules_impl.h.
 * Not here: what values mean (illness.c, platform.c), where files are (rulebook.c).
 */
#include "transform/rules.h"
#include "transform/rules_impl.h"
#include "core/mem.h"

#include <ctype.h>
#include <fnmatch.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PRIORITY_MAX 1000000L   /* keeps set + rule priority far from int overflow */

/* Load-time defaults from the file's `defaults:` section. */
typedef struct defaults {
	uint32_t flags;
	long priority;
	double confidence;
} defaults;

static void *pcre_alloc(PCRE2_SIZE n, void *ctx)
{
	(void)ctx;
	return gx_malloc(n);
}

static void pcre_free(void *p, void *ctx)
{
	(void)ctx;
	gx_free(p);
}

/* ---- small readers --------------------------------------------------------------- */

static int need_str(const gx_yaml_doc *doc, const gx_yaml *n, const char *what,
                    const char **out, gx_err *err)
{
	return gx_rules_yaml_err(err, gx_yaml_str(doc, n, what, out, err));
}

int gx_rules_get_str(const gx_yaml_doc *doc, const gx_yaml *map, const char *key,
                     const char *what, int required, const char **out, gx_err *err)
{
	const gx_yaml *n = gx_yaml_get(map, key);

	*out = NULL;
	if (!n) {
		if (required)
			return gx_rules_error(doc, map, err, "%s: missing '%s'", what, key);
		return 0;
	}
	if (n->kind != GX_YAML_SCALAR)
		return gx_rules_error(doc, n, err, "%s: '%s' must be a string", what, key);
	if (required && !n->len)
		return gx_rules_error(doc, n, err, "%s: '%s' must not be empty", what, key);
	*out = n->str;
	return 0;
}

int gx_rules_get_list(const gx_yaml_doc *doc, const gx_yaml *map, const char *key,
                      const gx_yaml **out, gx_err *err)
{
	const gx_yaml *n = gx_yaml_get(map, key);

	*out = NULL;
	if (gx_yaml_is_null(n))
		return 0;
	if (n->kind != GX_YAML_SEQ)
		return gx_rules_error(doc, n, err, "%s must be a list", key);
	*out = n;
	return 0;
}

/* A list of strings; a single scalar counts as a list of one. */
static int str_list(const gx_yaml_doc *doc, const gx_yaml *n, const char *what,
                    const gx_yaml *const **items, size_t *count, gx_err *err)
{
	size_t i;

	if (n->kind == GX_YAML_SCALAR) {
		*items = NULL;
		*count = 1;
		return 0;
	}
	if (n->kind != GX_YAML_SEQ)
		return gx_rules_error(doc, n, err, "%s must be a list of strings", what);
	for (i = 0; i < n->n; i++)
		if (n->items[i]->kind != GX_YAML_SCALAR)
			return gx_rules_error(doc, n->items[i], err, "%s must be a list of strings", what);
	*items = (const gx_yaml *const *)n->items;
	*count = n->n;
	return 0;
}

/* Item i of a list read with str_list. */
static const gx_yaml *list_item(const gx_yaml *n, const gx_yaml *const *items, size_t i)
{
	return items ? items[i] : n;
}

static int read_flags(const gx_yaml_doc *doc, const gx_yaml *n, uint32_t *flags, gx_err *err)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} known[] = {
		{ "caseless", PCRE2_CASELESS },
		{ "extended", PCRE2_EXTENDED },
		{ "dotall", PCRE2_DOTALL },
		{ "multiline", PCRE2_MULTILINE },
		{ "anchored", PCRE2_ANCHORED },
	};
	const gx_yaml *const *items;
	size_t count, i, j;
	int rc = str_list(doc, n, "flags", &items, &count, err);

	if (rc)
		return rc;
	*flags = 0;
	for (i = 0; i < count; i++) {
		const gx_yaml *it = list_item(n, items, i);
		for (j = 0; j < sizeof(known) / sizeof(known[0]); j++)
			if (!strcmp(it->str, known[j].name))
				break;
		if (j == sizeof(known) / sizeof(known[0]))
			return gx_rules_error(doc, it, err, "unknown flag '%s' (known: caseless, "
			                      "extended, dotall, multiline, anchored)", it->str);
		*flags |= known[j].bit;
	}
	return 0;
}

static int read_priority(const gx_yaml_doc *doc, const gx_yaml *n, long *out, gx_err *err)
{
	int rc = gx_rules_yaml_err(err, gx_yaml_long(doc, n, "priority", out, err));

	if (!rc && (*out < -PRIORITY_MAX || *out > PRIORITY_MAX))
		rc = gx_rules_error(doc, n, err, "priority must be within [-%ld, %ld]", PRIORITY_MAX,
		                    PRIORITY_MAX);
	return rc;
}

static int read_confidence(const gx_yaml_doc *doc, const gx_yaml *n, double *out, gx_err *err)
{
	int rc = gx_rules_yaml_err(err, gx_yaml_double(doc, n, "confidence", out, err));

	if (!rc && (*out < 0 || *out > 1))
		rc = gx_rules_error(doc, n, err, "confidence must be within [0, 1]");
	return rc;
}

int gx_rules_only_keys(const gx_yaml_doc *doc, const gx_yaml *map, const char *what,
                       const char *const *keys, gx_err *err)
{
	size_t i, j;

	for (i = 0; i < map->n; i++) {
		for (j = 0; keys[j]; j++)
			if (!strcmp(map->keys[i]->str, keys[j]))
				break;
		if (!keys[j])
			return gx_rules_error(doc, map->keys[i], err, "%s: unknown key '%s'", what,
			                      map->keys[i]->str);
	}
	return 0;
}

static int read_defaults(const gx_yaml_doc *doc, defaults *d, gx_err *err)
{
	static const char *const keys[] = { "flags", "priority", "confidence", NULL };
	const gx_yaml *n = gx_yaml_get(doc->root, "defaults"), *v;
	int rc;

	d->flags = 0;
	d->priority = 0;
	d->confidence = 1.0;
	if (gx_yaml_is_null(n))
		return 0;
	if (n->kind != GX_YAML_MAP)
		return gx_rules_error(doc, n, err, "defaults must be a mapping");
	if ((rc = gx_rules_only_keys(doc, n, "defaults", keys, err)))
		return rc;
	if ((v = gx_yaml_get(n, "flags")) && (rc = read_flags(doc, v, &d->flags, err)))
		return rc;
	if ((v = gx_yaml_get(n, "priority")) && (rc = read_priority(doc, v, &d->priority, err)))
		return rc;
	if ((v = gx_yaml_get(n, "confidence")) &&
	    (rc = read_confidence(doc, v, &d->confidence, err)))
		return rc;
	return 0;
}

/* ---- field sets ------------------------------------------------------------------ */

static int valid_id(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= GX_RULES_ID_MAX - 1 ||
		    !(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	return i > 0;
}

static int valid_set_name(const char *s)
{
	size_t i;

	if (!(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (i = 1; s[i]; i++)
		if (i >= GX_RULES_ID_MAX - 1 ||
		    !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/*
 * A selector as field names are spelled (fields.h): lower case; in the ch: namespace
 * '_' and white space runs become one space, as characteristic keys do.
 */
static char *norm_selector(const char *s)
{
	char *out = gx_malloc(strlen(s) + 1);
	size_t i, o = 0;
	int ch = strncasecmp(s, "ch:", 3) == 0, space = 0;

	if (!out)
		return NULL;
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (ch && i >= 3 && (c == '_' || isspace(c))) {
			space = o > 3;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = 0;
		out[o++] = (char)tolower(c);
	}
	out[o] = '\0';
	return out;
}

static int is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static void fset_release(fset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		gx_free(s->s[i].glob);
	gx_free(s->s);
	gx_free(s->name);
}

static int add_set(gx_rules *rs, size_t *idx, gx_err *err)
{
	fset *ns = gx_reallocarray(rs->sets, rs->n_sets + 1, sizeof(*ns));

	if (!ns)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	rs->sets = ns;
	memset(&ns[rs->n_sets], 0, sizeof(*ns));
	ns[rs->n_sets].confidence = 1.0;
	*idx = rs->n_sets++;
	return 0;
}

static int add_selector(const gx_yaml_doc *doc, const gx_yaml *node, fset *s, gx_err *err)
{
	const char *text = node->str;
	int exclude = text[0] == '!';
	sel *ns;

	if (exclude)
		text++;
	if (!text[0] || strlen(text) >= GX_FIELDS_NAME_MAX)
		return gx_rules_error(doc, node, err, "field selector '%s' is empty or too long",
		                      node->str);
	ns = gx_reallocarray(s->s, s->n + 1, sizeof(*ns));
	if (!ns)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	s->s = ns;
	if (!(ns[s->n].glob = norm_selector(text)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	ns[s->n].exclude = exclude;
	s->n++;
	return 0;
}

static int check_set_has_include(const gx_yaml_doc *doc, const gx_yaml *node, const fset *s,
                                 const char *what, gx_err *err)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!s->s[i].exclude)
			return 0;
	return gx_rules_error(doc, node, err, "%s selects no field (only exclusions)", what);
}

static int read_field_sets(gx_rules *rs, const gx_yaml_doc *doc, gx_err *err)
{
	static const char *const keys[] = { "fields", "priority", "confidence", "note", NULL };
	const gx_yaml *fs = gx_yaml_get(doc->root, "field_sets");
	size_t i, j, idx;
	int rc;

	if (gx_yaml_is_null(fs))
		return 0;
	if (fs->kind != GX_YAML_MAP)
		return gx_rules_error(doc, fs, err, "field_sets must be a mapping of name to fields");
	for (i = 0; i < fs->n; i++) {
		const gx_yaml *key = fs->keys[i], *def = fs->items[i], *list = def, *v;
		const gx_yaml *const *items;
		size_t count;
		long prio = 0;
		fset *s;

		if (!valid_set_name(key->str) || gx_fields_is_builtin(key->str))
			return gx_rules_error(doc, key, err, "field set name '%s' must match "
			                      "[a-z][a-z0-9_]* and not be a field name", key->str);
		if ((rc = add_set(rs, &idx, err)))
			return rc;
		s = &rs->sets[idx];
		if (!(s->name = gx_strdup(key->str)))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		if (def->kind == GX_YAML_MAP) {
			if ((rc = gx_rules_only_keys(doc, def, "field set", keys, err)))
				return rc;
			list = gx_yaml_get(def, "fields");
			if (!list)
				return gx_rules_error(doc, def, err, "field set '%s' has no fields",
				                      key->str);
			if ((v = gx_yaml_get(def, "priority")) &&
			    (rc = read_priority(doc, v, &prio, err)))
				return rc;
			if ((v = gx_yaml_get(def, "confidence")) &&
			    (rc = read_confidence(doc, v, &s->confidence, err)))
				return rc;
			s->priority = (int)prio;
		}
		if ((rc = str_list(doc, list, "fields", &items, &count, err)))
			return rc;
		for (j = 0; j < count; j++)
			if ((rc = add_selector(doc, list_item(list, items, j), s, err)))
				return rc;
		if ((rc = check_set_has_include(doc, key, s, "field set", err)))
			return rc;
	}
	rs->n_named = rs->n_sets;
	return 0;
}

/* ---- rules ----------------------------------------------------------------------- */

static int rule_fields(gx_rules *rs, rule *r, const gx_yaml_doc *doc, const gx_yaml *n,
                       gx_err *err)
{
	const gx_yaml *const *items;
	size_t count, i, idx, own = SIZE_MAX;
	int rc = str_list(doc, n, "fields", &items, &count, err);

	if (rc)
		return rc;
	r->sets = gx_calloc(count, sizeof(*r->sets));
	if (!r->sets)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < count; i++) {
		const gx_yaml *it = list_item(n, items, i);
		const char *name = it->str + (it->str[0] == '!');
		size_t k;

		if (it->str[0] != '!' && find_named_set(rs, it->str, &idx)) {
			for (k = 0; k < r->n_sets && r->sets[k] != idx; k++)
				;
			if (k == r->n_sets)
				r->sets[r->n_sets++] = idx;
			continue;
		}
		if (!strchr(name, ':') && !is_glob(name) && !gx_fields_is_builtin(name))
			return gx_rules_error(doc, it, err, "rule '%s': '%s' is neither a field set nor "
			                      "a field name", r->id, name);
		if (own == SIZE_MAX) {
			if ((rc = add_set(rs, &own, err)))
				return rc;
			if (!(rs->sets[own].name = gx_strdup("")))
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
			r->sets[r->n_sets++] = own;
		}
		if ((rc = add_selector(doc, it, &rs->sets[own], err)))
			return rc;
	}
	if (!r->n_sets)
		return gx_rules_error(doc, n, err, "rule '%s' has no fields", r->id);
	if (own != SIZE_MAX)
		return check_set_has_include(doc, n, &rs->sets[own], "rule's fields", err);
	return 0;
}

static int rule_studies(rule *r, const gx_yaml_doc *doc, const gx_yaml *n, gx_err *err)
{
	const gx_yaml *const *items;
	size_t count, i;
	int rc = str_list(doc, n, "studies", &items, &count, err);

	if (rc)
		return rc;
	if (!(r->studies = gx_calloc(count ? count : 1, sizeof(char *))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < count; i++) {
		if (!(r->studies[i] = gx_strdup(list_item(n, items, i)->str)))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		r->n_studies++;
	}
	return 0;
}

static int rule_set(gx_rules *rs, rule *r, const gx_yaml_doc *doc, const gx_yaml *n,
                    gx_err *err)
{
	size_t i;

	if (n->kind != GX_YAML_MAP)
		return gx_rules_error(doc, n, err, "rule '%s': set must be a mapping", r->id);
	for (i = 0; i < n->n; i++) {
		int o = output_index(rs, n->keys[i]->str);
		if (o < 0)
			return gx_rules_error(doc, n->keys[i], err, "rule '%s': '%s' is not an output "
			                      "of these rules", r->id, n->keys[i]->str);
		if (n->items[i]->kind != GX_YAML_SCALAR)
			return gx_rules_error(doc, n->items[i], err, "rule '%s': set.%s must be a "
			                      "string", r->id, n->keys[i]->str);
		if (n->items[i]->len >= GX_RULES_OUT_MAX)
			return gx_rules_error(doc, n->items[i], err, "rule '%s': set.%s is longer than "
			                      "%d bytes", r->id, n->keys[i]->str, GX_RULES_OUT_MAX - 1);
		if (!(r->set_val[o] = gx_strdup(n->items[i]->str)))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	return 0;
}

static int compile_rule(gx_rules *rs, rule *r, uint32_t flags, const gx_yaml_doc *doc,
                        const gx_yaml *pnode, pcre2_code **out, gx_err *err)
{
	/* UTF with invalid-UTF matching: metadata may hold mojibake, which must not fail */
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_UCP |
	                PCRE2_NEVER_BACKSLASH_C | flags;
	uint32_t captures = 0;
	PCRE2_SIZE off = 0;
	int code = 0;
	size_t i;

	if (pnode->len == 0 || pnode->len > GX_RULES_MAX_PATTERN)
		return gx_rules_error(doc, pnode, err, "rule '%s': pattern must have 1 to %d bytes",
		                      r->id, GX_RULES_MAX_PATTERN);
	*out = pcre2_compile((PCRE2_SPTR)pnode->str, pnode->len, opts, &code, &off, rs->cctx);
	if (!*out) {
		PCRE2_UCHAR msg[256];
		if (code == PCRE2_ERROR_NOMEMORY || code == PCRE2_ERROR_HEAP_FAILED)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		pcre2_get_error_message(code, msg, sizeof(msg));
		return gx_rules_error(doc, pnode, err, "rule '%s': bad pattern at offset %zu: %s",
		                      r->id, (size_t)off, (const char *)msg);
	}
	/* JIT is an optimization: where it is unavailable the interpreter runs instead */
	(void)pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE);
	pcre2_pattern_info(*out, PCRE2_INFO_CAPTURECOUNT, &captures);
	if (captures + 1 > rs->max_pairs)
		rs->max_pairs = captures + 1;
	for (i = 0; out == &r->re && i < rs->n_out; i++) {
		int g = pcre2_substring_number_from_name(r->re, (PCRE2_SPTR)rs->outputs[i]);
		r->cap_group[i] = g > 0 ? g : 0;
	}
	return 0;
}

static int read_rule(gx_rules *rs, rule *r, const gx_yaml_doc *doc, const gx_yaml *n,
                     const defaults *d, const gx_rules_spec *spec, gx_err *err)
{
	static const char *const keys[] = { "id", "fields", "pattern", "flags", "priority",
		"confidence", "value", "set", "note", "studies", "class", "key", "mask", NULL };
	const gx_yaml *v, *pnode;
	const char *s;
	uint32_t flags = d->flags;
	long prio = d->priority;
	size_t i;
	int rc;

	r->info.line = n->line;
	r->info.confidence = d->confidence;
	if (n->kind != GX_YAML_MAP)
		return gx_rules_error(doc, n, err, "each rule must be a mapping");
	v = gx_yaml_get(n, "id");
	if (!v)
		return gx_rules_error(doc, n, err, "rule without id");
	if ((rc = need_str(doc, v, "id", &s, err)))
		return rc;
	if (!valid_id(s))
		return gx_rules_error(doc, v, err, "rule id '%.80s' must match [A-Za-z0-9_.-]{1,%d}",
		                      s, GX_RULES_ID_MAX - 1);
	if (!(r->id = gx_strdup(s)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	r->info.id = r->id;
	for (i = 0; &rs->r[i] != r; i++)
		if (!strcmp(rs->r[i].id, s))
			return gx_rules_error(doc, v, err, "duplicate rule id '%s' (first at line %ld)",
			                      s, rs->r[i].info.line);
	if ((rc = gx_rules_only_keys(doc, n, r->id, keys, err)))
		return rc;

	if ((v = gx_yaml_get(n, "mask"))) {
		if ((rc = need_str(doc, v, "mask", &s, err)))
			return rc;
		if (strcmp(s, "true") && strcmp(s, "false"))
			return gx_rules_error(doc, v, err, "rule '%s': mask must be true or false",
			                      r->id);
		r->info.mask = !strcmp(s, "true");
		rs->n_masks += r->info.mask;
	}
	s = "";
	if ((v = gx_yaml_get(n, "value")) && (rc = need_str(doc, v, "value", &s, err)))
		return rc;
	if (v && r->info.mask)
		return gx_rules_error(doc, v, err, "rule '%s': a mask rule has no value", r->id);
	if (!v && spec->value_required && !r->info.mask)
		return gx_rules_error(doc, n, err, "rule '%s' has no value", r->id);
	if (v && spec->check_value) {
		char why[256] = "";
		if (spec->check_value(spec->check_ctx, s, why, sizeof(why)))
			return gx_rules_error(doc, v, err, "rule '%s': %s", r->id, why);
	}
	if (!(r->value = gx_strdup(s)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	s = "";
	if ((v = gx_yaml_get(n, "note")) && (rc = need_str(doc, v, "note", &s, err)))
		return rc;
	if (!(r->note = gx_strdup(s)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	s = "";
	if ((v = gx_yaml_get(n, "class"))) {
		char why[256] = "";
		if ((rc = need_str(doc, v, "class", &s, err)))
			return rc;
		if (!spec->check_class)
			return gx_rules_error(doc, v, err, "rule '%s': these rules have no classes",
			                      r->id);
		if (spec->check_class(spec->check_ctx, s, why, sizeof(why)))
			return gx_rules_error(doc, v, err, "rule '%s': %s", r->id, why);
	}
	if (!(r->cls = gx_strdup(s)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");

	if ((v = gx_yaml_get(n, "flags")) && (rc = read_flags(doc, v, &flags, err)))
		return rc;
	if ((v = gx_yaml_get(n, "priority")) && (rc = read_priority(doc, v, &prio, err)))
		return rc;
	r->info.priority = (int)prio;
	if ((v = gx_yaml_get(n, "confidence")) &&
	    (rc = read_confidence(doc, v, &r->info.confidence, err)))
		return rc;
	if ((v = gx_yaml_get(n, "set")) && (rc = rule_set(rs, r, doc, v, err)))
		return rc;
	if ((v = gx_yaml_get(n, "studies")) && (rc = rule_studies(r, doc, v, err)))
		return rc;
	v = gx_yaml_get(n, "fields");
	if (!v)
		return gx_rules_error(doc, n, err, "rule '%s' has no fields", r->id);
	if ((rc = rule_fields(rs, r, doc, v, err)))
		return rc;
	pnode = gx_yaml_get(n, "pattern");
	if (!pnode || pnode->kind != GX_YAML_SCALAR)
		return gx_rules_error(doc, pnode ? pnode : n, err, "rule '%s' needs a pattern "
		                      "(a string)", r->id);
	if (!(r->pattern = gx_strdup(pnode->str)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	r->info.pattern = r->pattern;
	r->info.value = r->value;
	r->info.note = r->note;
	r->info.cls = r->cls;
	if ((rc = compile_rule(rs, r, flags, doc, pnode, &r->re, err)))
		return rc;
	v = gx_yaml_get(n, "key");
	if (v && v->kind != GX_YAML_SCALAR)
		return gx_rules_error(doc, v, err, "rule '%s': key must be a pattern (a string)",
		                      r->id);
	if (!(r->key = gx_strdup(v ? v->str : "")))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	r->info.key = r->key;
	return v ? compile_rule(rs, r, flags, doc, v, &r->key_re, err) : 0;
}

static int cand_cmp(const void *a, const void *b)
{
	const cand *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int build_candidates(gx_rules *rs, gx_err *err)
{
	size_t i, j, total = 0;

	for (i = 0; i < rs->n; i++)
		total += rs->r[i].n_sets;
	rs->c = gx_calloc(total ? total : 1, sizeof(*rs->c));
	if (!rs->c)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < rs->n; i++) {
		const rule *r = &rs->r[i];
		for (j = 0; j < r->n_sets; j++) {
			const fset *s = &rs->sets[r->sets[j]];
			cand *c = &rs->c[rs->n_c];
			c->rule = i;
			c->set = r->sets[j];
			c->priority = s->priority + r->info.priority;
			c->confidence = s->confidence * r->info.confidence;
			c->order = rs->n_c++;
		}
	}
	qsort(rs->c, rs->n_c, sizeof(*rs->c), cand_cmp);
	return 0;
}

static int make_contexts(gx_rules *rs, gx_err *err)
{
	rs->gctx = pcre2_general_context_create(pcre_alloc, pcre_free, NULL);
	if (!rs->gctx)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	rs->cctx = pcre2_compile_context_create(rs->gctx);
	rs->mctx = pcre2_match_context_create(rs->gctx);
	if (!rs->cctx || !rs->mctx)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	pcre2_set_max_pattern_length(rs->cctx, GX_RULES_MAX_PATTERN);
	pcre2_set_match_limit(rs->mctx, GX_RULES_MATCH_LIMIT);
	pcre2_set_depth_limit(rs->mctx, GX_RULES_DEPTH_LIMIT);
	pcre2_set_heap_limit(rs->mctx, GX_RULES_HEAP_LIMIT_KIB);
	return 0;
}

int gx_rules_load(const gx_yaml_doc *doc, const gx_rules_spec *spec, gx_rules **out,
                  gx_err *err)
{
	const gx_yaml *list;
	gx_rules *rs;
	defaults d;
	size_t i;
	int rc;

	*out = NULL;
	rs = gx_calloc(1, sizeof(*rs));
	if (!rs)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	rs->max_pairs = 1;
	rs->outputs = spec->outputs;
	while (spec->outputs && spec->outputs[rs->n_out])
		rs->n_out++;
	if (rs->n_out > GX_RULES_MAX_OUT) {
		rc = gx_err_set(err, GX_E_INTERNAL, "more than %d rule outputs", GX_RULES_MAX_OUT);
		goto fail;
	}
	if (!(rs->file = gx_strdup(doc->name))) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto fail;
	}
	if ((rc = make_contexts(rs, err)) || (rc = read_defaults(doc, &d, err)) ||
	    (rc = read_field_sets(rs, doc, err)))
		goto fail;
	if ((rc = gx_rules_get_list(doc, doc->root, spec->list_key, &list, err)))
		goto fail;
	if (list) {
		rs->r = gx_calloc(list->n ? list->n : 1, sizeof(*rs->r));
		if (!rs->r) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto fail;
		}
		for (i = 0; i < list->n; i++) {
			rs->n++;
			if ((rc = read_rule(rs, &rs->r[i], doc, list->items[i], &d, spec, err)))
				goto fail;
		}
	}
	if ((rc = build_candidates(rs, err)))
		goto fail;
	*out = rs;
	return 0;
fail:
	gx_rules_free(rs);
	return rc;
}

void gx_rules_free(gx_rules *rs)
{
	size_t i, j;

	if (!rs)
		return;
	for (i = 0; i < rs->n; i++) {
		rule *r = &rs->r[i];
		pcre2_code_free(r->re);
		pcre2_code_free(r->key_re);
		gx_free(r->cls);
		gx_free(r->key);
		gx_free(r->id);
		gx_free(r->value);
		gx_free(r->note);
		gx_free(r->pattern);
		gx_free(r->sets);
		for (j = 0; j < r->n_studies; j++)
			gx_free(r->studies[j]);
		gx_free(r->studies);
		for (j = 0; j < GX_RULES_MAX_OUT; j++)
			gx_free(r->set_val[j]);
	}
	gx_free(rs->r);
	for (i = 0; i < rs->n_sets; i++)
		fset_release(&rs->sets[i]);
	gx_free(rs->sets);
	gx_free(rs->c);
	pcre2_match_context_free(rs->mctx);
	pcre2_compile_context_free(rs->cctx);
	pcre2_general_context_free(rs->gctx);
	gx_free(rs->file);
	gx_free(rs);
}

size_t gx_rules_count(const gx_rules *rs)
{
	return rs->n;
}

const gx_rule_info *gx_rules_info(const gx_rules *rs, size_t i)
{
	return &rs->r[i].info;
}
