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
 * Not here: what values mean (illness.c, platform.c), where files are (rulebook.c).
 */
#include "transform/rules.h"
#include "core/mem.h"

#include <ctype.h>
#include <fnmatch.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PRIORITY_MAX 1000000L   /* keeps set + rule priority far from int overflow */

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

/* ---- errors ---------------------------------------------------------------------- */

int gx_rules_error(const gx_yaml_doc *doc, const gx_yaml *node, gx_err *err,
                   const char *fmt, ...)
{
	char msg[GX_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gx_err_at(err, GX_E_RULES, doc->name, node ? node->line : 0,
	                 node ? node->column : 0, "%s", msg);
}

int gx_rules_yaml_err(gx_err *err, int rc)
{
	if (rc == -(int)GX_E_CONFIG) {
		if (err)
			err->code = GX_E_RULES;
		return -(int)GX_E_RULES;
	}
	return rc;
}

int gx_rules_load_doc(const char *path, gx_yaml_doc **out, gx_err *err)
{
	int rc = gx_rules_yaml_err(err, gx_yaml_load_file(path, out, err));

	if (rc)
		return rc;
	if (!(*out)->root || (*out)->root->kind != GX_YAML_MAP) {
		rc = gx_rules_error(*out, (*out)->root, err, "a rule file must be a mapping");
		gx_yaml_doc_free(*out);
		*out = NULL;
	}
	return rc;
}

int gx_rules_check_top(const gx_yaml_doc *doc, const char *kind, const char *const *keys,
                       gx_err *err)
{
	const gx_yaml *root = doc->root, *k = gx_yaml_get(root, "kind");
	size_t i, j;

	if (!k || k->kind != GX_YAML_SCALAR)
		return gx_rules_error(doc, k ? k : root, err, "missing 'kind: %s'", kind);
	if (strcmp(k->str, kind))
		return gx_rules_error(doc, k, err, "expected 'kind: %s', found '%s'", kind, k->str);
	for (i = 0; i < root->n; i++) {
		const char *name = root->keys[i]->str;
		int known = !strcmp(name, "kind");
		for (j = 0; keys[j] && !known; j++)
			known = !strcmp(name, keys[j]);
		if (!known)
			return gx_rules_error(doc, root->keys[i], err, "unknown key '%s' in a %s file",
			                      name, kind);
	}
	return 0;
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

static int find_named_set(const gx_rules *rs, const char *name, size_t *idx)
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

static int output_index(const gx_rules *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->n_out; i++)
		if (!strcmp(rs->outputs[i], name))
			return (int)i;
	return -1;
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

/* ---- matching -------------------------------------------------------------------- */

typedef struct mstate {
	const gx_rules *rs;
	const gx_fields *f;
	const char *study;
	size_t nf;
	size_t *idx;            /* n_sets rows of nf field indexes */
	size_t *cnt;            /* fields resolved per set; SIZE_MAX = not yet */
	char **mval;            /* per field: its masked copy, NULL = the value itself */
	size_t *mlen;
	pcre2_match_data *md;
} mstate;

const char *gx_rules_field_key(const char *name)
{
	return strncmp(name, "ch:", 3) ? name : name + 3;
}

/* A field's value, cut to GX_RULES_MAX_SUBJECT at a character boundary. */
static const char *subject(const gx_fields *f, size_t i, size_t *len)
{
	const char *v = gx_fields_value(f, i, len);

	if (*len > GX_RULES_MAX_SUBJECT) {
		*len = GX_RULES_MAX_SUBJECT;
		while (*len > 0 && ((unsigned char)v[*len] & 0xC0) == 0x80)
			(*len)--;
	}
	return v;
}

static int match_failed(const gx_rules *rs, const rule *r, const char *field, int prc,
                        gx_err *err)
{
	PCRE2_UCHAR msg[256];

	if (prc == PCRE2_ERROR_NOMEMORY)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	pcre2_get_error_message(prc, msg, sizeof(msg));
	return gx_err_at(err, GX_E_RULES, rs->file, r->info.line, 0,
	                 "rule '%s' on field '%s': %s (the pattern backtracks too much; "
	                 "make it more specific)", r->id, field, (const char *)msg);
}

/* 1 if a rule's `key:` (if any) matches the field's key, 0 if not, negative on error. */
static int key_ok(mstate *st, const rule *r, const char *name, gx_err *err)
{
	const char *key = gx_rules_field_key(name);
	int prc;

	if (!r->key_re)
		return 1;
	prc = pcre2_match(r->key_re, (PCRE2_SPTR)key, strlen(key), 0, 0, st->md, st->rs->mctx);
	if (prc == PCRE2_ERROR_NOMATCH)
		return 0;
	return prc < 0 ? match_failed(st->rs, r, name, prc, err) : 1;
}

static const size_t *resolve(mstate *st, size_t si, size_t *count);

/* Blank every match of mask rule 'r' in field i's copy. */
static int mask_field(mstate *st, const rule *r, size_t i, gx_err *err)
{
	const char *name = gx_fields_name(st->f, i);
	PCRE2_SIZE off = 0, *ov;
	int rc = key_ok(st, r, name, err), prc;

	if (rc <= 0)
		return rc;
	if (!st->mval[i]) {
		size_t len;
		const char *v = subject(st->f, i, &len);
		if (!(st->mval[i] = gx_malloc(len + 1)))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		memcpy(st->mval[i], v, len);
		st->mval[i][len] = '\0';
		st->mlen[i] = len;
	}
	while (off <= st->mlen[i]) {
		prc = pcre2_match(r->re, (PCRE2_SPTR)st->mval[i], st->mlen[i], off, 0, st->md,
		                  st->rs->mctx);
		if (prc == PCRE2_ERROR_NOMATCH)
			break;
		if (prc < 0)
			return match_failed(st->rs, r, name, prc, err);
		ov = pcre2_get_ovector_pointer(st->md);
		memset(st->mval[i] + ov[0], ' ', ov[1] - ov[0]);
		off = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
		while (off < st->mlen[i] && ((unsigned char)st->mval[i][off] & 0xC0) == 0x80)
			off++;
	}
	return 0;
}

static int apply_masks(mstate *st, gx_err *err)
{
	const gx_rules *rs = st->rs;
	size_t c, i, n;
	int rc;

	st->mval = gx_calloc(st->nf + 1, sizeof(*st->mval));
	st->mlen = gx_calloc(st->nf + 1, sizeof(*st->mlen));
	if (!st->mval || !st->mlen)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (c = 0; c < rs->n_c; c++) {
		const rule *r = &rs->r[rs->c[c].rule];
		const size_t *fields;
		if (!r->info.mask)
			continue;
		fields = resolve(st, rs->c[c].set, &n);
		for (i = 0; i < n; i++)
			if ((rc = mask_field(st, r, fields[i], err)))
				return rc;
	}
	return 0;
}

static int mstate_init(mstate *st, const gx_rules *rs, const gx_fields *f, const char *study,
                       gx_err *err)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->rs = rs;
	st->f = f;
	st->study = study;
	st->nf = gx_fields_count(f);
	st->idx = gx_malloc((rs->n_sets * st->nf + 1) * sizeof(size_t));
	st->cnt = gx_malloc((rs->n_sets + 1) * sizeof(size_t));
	st->md = pcre2_match_data_create(rs->max_pairs, rs->gctx);
	if (!st->idx || !st->cnt || !st->md)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < rs->n_sets; i++)
		st->cnt[i] = SIZE_MAX;
	return rs->n_masks ? apply_masks(st, err) : 0;
}

static void mstate_release(mstate *st)
{
	size_t i;

	for (i = 0; st->mval && i < st->nf; i++)
		gx_free(st->mval[i]);
	gx_free(st->mval);
	gx_free(st->mlen);
	gx_free(st->idx);
	gx_free(st->cnt);
	pcre2_match_data_free(st->md);
}

/* The fields of set 'si', in selector order, each once; resolved on first use. */
static const size_t *resolve(mstate *st, size_t si, size_t *count)
{
	const fset *s = &st->rs->sets[si];
	size_t *row = st->idx + si * st->nf, n = 0, i, k, x;

	if (st->cnt[si] != SIZE_MAX) {
		*count = st->cnt[si];
		return row;
	}
	for (k = 0; k < s->n; k++) {
		if (s->s[k].exclude)
			continue;
		for (i = 0; i < st->nf; i++) {
			const char *name = gx_fields_name(st->f, i);
			int skip = fnmatch(s->s[k].glob, name, 0) != 0;
			for (x = 0; !skip && x < s->n; x++)
				skip = s->s[x].exclude && fnmatch(s->s[x].glob, name, 0) == 0;
			for (x = 0; !skip && x < n; x++)
				skip = row[x] == i;
			if (!skip)
				row[n++] = i;
		}
	}
	st->cnt[si] = n;
	*count = n;
	return row;
}

static int fset_selects(const fset *s, const char *name)
{
	size_t k, x;

	for (k = 0; k < s->n; k++) {
		if (s->s[k].exclude || fnmatch(s->s[k].glob, name, 0))
			continue;
		for (x = 0; x < s->n; x++)
			if (s->s[x].exclude && !fnmatch(s->s[x].glob, name, 0))
				return 0;
		return 1;
	}
	return 0;
}

int gx_rules_set_selects(const gx_rules *rs, const char *set, const char *name)
{
	size_t i;

	return find_named_set(rs, set, &i) && fset_selects(&rs->sets[i], name);
}

/* Copy at most cap-1 bytes without splitting a UTF-8 character. */
static void copy_cut(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap) {
		len = cap - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static int in_scope(const rule *r, const char *study)
{
	size_t i;

	if (!r->n_studies)
		return 1;
	for (i = 0; study && i < r->n_studies; i++)
		if (!strcmp(r->studies[i], study))
			return 1;
	return 0;
}

/*
 * Try candidate c on field fi: 1 and *m filled on a match, 0 if none, negative on
 * error.  'masked': read the field with the mask rules' matches blanked.
 */
static int try_field(mstate *st, const cand *c, size_t fi, int masked, gx_rule_match *m,
                     gx_err *err)
{
	const gx_rules *rs = st->rs;
	const rule *r = &rs->r[c->rule];
	const char *name = gx_fields_name(st->f, fi), *subj;
	PCRE2_SIZE *ov;
	size_t len, j;
	int prc = key_ok(st, r, name, err);

	if (prc <= 0)
		return prc;
	if (masked && st->mval && st->mval[fi]) {
		subj = st->mval[fi];
		len = st->mlen[fi];
	} else {
		subj = subject(st->f, fi, &len);
	}
	prc = pcre2_match(r->re, (PCRE2_SPTR)subj, len, 0, 0, st->md, rs->mctx);
	if (prc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (prc < 0)
		return match_failed(rs, r, name, prc, err);
	ov = pcre2_get_ovector_pointer(st->md);
	memset(m, 0, sizeof(*m));
	m->rule = &r->info;
	m->priority = c->priority;
	m->confidence = c->confidence;
	m->field_set = rs->sets[c->set].name;
	m->field_index = fi;
	copy_cut(m->field, sizeof(m->field), name, strlen(name));
	copy_cut(m->text, sizeof(m->text), subj + ov[0], ov[1] - ov[0]);
	for (j = 0; j < rs->n_out; j++) {
		int g = r->cap_group[j];
		if (g > 0 && (uint32_t)g < (uint32_t)prc && ov[2 * g] != PCRE2_UNSET) {
			copy_cut(m->out[j], GX_RULES_OUT_MAX, subj + ov[2 * g],
			         ov[2 * g + 1] - ov[2 * g]);
			m->out_mask |= 1u << j;
		} else if (r->set_val[j]) {
			copy_cut(m->out[j], GX_RULES_OUT_MAX, r->set_val[j], strlen(r->set_val[j]));
			m->out_mask |= 1u << j;
		}
	}
	return 1;
}

/* Try one candidate on its fields in order: the first match wins. */
static int try_cand(mstate *st, const cand *c, gx_rule_match *m, gx_err *err)
{
	const rule *r = &st->rs->r[c->rule];
	const size_t *fields;
	size_t nfields, i;
	int rc;

	if (r->info.mask || !in_scope(r, st->study))
		return 0;
	fields = resolve(st, c->set, &nfields);
	for (i = 0; i < nfields; i++)
		if ((rc = try_field(st, c, fields[i], 1, m, err)))
			return rc;
	return 0;
}

int gx_rules_first(const gx_rules *rs, const gx_fields *f, const char *study,
                   gx_rule_match *m, gx_err *err)
{
	mstate st;
	size_t i;
	int rc = mstate_init(&st, rs, f, study, err);

	for (i = 0; !rc && i < rs->n_c; i++)
		rc = try_cand(&st, &rs->c[i], m, err);
	mstate_release(&st);
	return rc;
}

int gx_rules_each(const gx_rules *rs, const gx_fields *f, const char *study,
                  gx_rules_each_fn fn, void *ctx, gx_err *err)
{
	gx_rule_match m;
	mstate st;
	size_t i;
	int rc = mstate_init(&st, rs, f, study, err);

	for (i = 0; !rc && i < rs->n_c; i++) {
		rc = try_cand(&st, &rs->c[i], &m, err);
		if (rc == 1)
			rc = fn(ctx, &m);
	}
	mstate_release(&st);
	return rc;
}

int gx_rules_each_field(const gx_rules *rs, const gx_fields *f, const char *study,
                        gx_rules_each_fn fn, void *ctx, gx_err *err)
{
	gx_rule_match m;
	mstate st;
	size_t i, k, n;
	int pass, rc = mstate_init(&st, rs, f, study, err);

	/* pass 0: mask rules on the raw text; pass 1: the others on the masked text */
	for (pass = 0; pass < 2 && !rc; pass++) {
		for (i = 0; !rc && i < rs->n_c; i++) {
			const cand *c = &rs->c[i];
			const rule *r = &rs->r[c->rule];
			const size_t *fields;
			if (r->info.mask != (pass == 0) || !in_scope(r, study))
				continue;
			fields = resolve(&st, c->set, &n);
			for (k = 0; !rc && k < n; k++) {
				rc = try_field(&st, c, fields[k], pass == 1, &m, err);
				if (rc == 1)
					rc = fn(ctx, &m);
			}
		}
	}
	mstate_release(&st);
	return rc;
}

const char *gx_rule_match_output(const gx_rules *rs, const gx_rule_match *m,
                                 const char *name)
{
	int o = output_index(rs, name);

	return o >= 0 && (m->out_mask & (1u << o)) ? m->out[o] : NULL;
}

/* ---- content hash ---------------------------------------------------------------- */

/* Canonical, unambiguous serialization: kind tag, length-prefixed text, counts. */
static int serialize(gx_buf *b, const gx_yaml *n)
{
	size_t i;

	if (!n)
		return gx_buf_puts(b, "~");
	switch (n->kind) {
	case GX_YAML_SCALAR:
		return gx_buf_printf(b, "%c%zu:", n->plain ? 'S' : 'Q', n->len) < 0 ||
		       gx_buf_append(b, n->str, n->len) < 0 ? -1 : 0;
	case GX_YAML_SEQ:
	case GX_YAML_MAP:
		if (gx_buf_printf(b, "%c%zu[", n->kind == GX_YAML_SEQ ? 'L' : 'M', n->n) < 0)
			return -1;
		for (i = 0; i < n->n; i++)
			if ((n->keys && serialize(b, n->keys[i]) < 0) || serialize(b, n->items[i]) < 0)
				return -1;
		return gx_buf_putc(b, ']');
	}
	return -1;
}

int gx_rules_digest_add(gx_rules_digest *d, const char *role, const gx_yaml_doc *doc,
                        gx_err *err)
{
	if (gx_buf_printf(&d->buf, "R%zu:%s", strlen(role), role) < 0 ||
	    serialize(&d->buf, doc->root) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	return 0;
}

void gx_rules_digest_hex(const gx_rules_digest *d, char out[GX_HASH_HEX])
{
	gx_hash128_hex(gx_hash_bytes(d->buf.data ? d->buf.data : "", d->buf.len), out);
}

void gx_rules_digest_release(gx_rules_digest *d)
{
	gx_buf_release(&d->buf);
}
