/*
 * platform.c - known platforms, their aliases and accessions, and normalization.
 *
 * The table is indexed three ways with gx_hset (64-bit XXH3 of the text -> entry):
 * aliases by their lower-case letters and digits, accessions upper-cased, keys exact.
 * Every hit is confirmed against the stored text, so a hash collision cannot return a
 * wrong platform.  Every key and canonical name is also an alias of its platform,
 * which is what keeps the key derived for an unknown string from ever equalling a
 * known key (platform.h).
 *
 * Not here: the patterns (rules/platforms.yaml through rules.c); any database.
 */
#include "transform/platform.h"
#include "core/hset.h"
#include "core/mem.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct chip {
	gx_platform_def pub;
	char *key, *name, *manufacturer;
	const char *technology;
	char **acc;
	size_t n_acc;
} chip;

typedef struct lentry {
	char *text;             /* normalized alias, or upper-case accession */
	size_t chip;
} lentry;

typedef struct lookup {
	lentry *e;
	size_t n;
	gx_hset h;
} lookup;

struct gx_platforms {
	chip *c;
	size_t n;
	lookup aliases, accessions;
	gx_hset keys;
	gx_rules *parse, *classify;
	gx_rules_digest digest;
	char hash[GX_HASH_HEX];
};

static const char *const technologies[] = { "MICROARRAY", "RNA-SEQ", "UNKNOWN", NULL };
static const char *const parse_outputs[] = { "accession", "code", "name", NULL };
static const char *const classify_outputs[] = { "manufacturer", NULL };

/* ---- text helpers ---------------------------------------------------------------- */

/* Lower-case letters and digits of 's' (the alias comparison form). */
static void norm_alias(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	for (; *s && o + 1 < cap; s++)
		if (isalnum((unsigned char)*s))
			out[o++] = (char)tolower((unsigned char)*s);
	out[o] = '\0';
}

/*
 * GPL<digits> or A-XXXX-<digits> (ArrayExpress), any case: 1 and the upper-case form in
 * 'out', else 0 and 'out' is "".
 */
static int norm_accession(const char *s, char *out, size_t cap)
{
	size_t i, n = strlen(s);
	int ok;

	out[0] = '\0';
	if (n == 0 || n >= cap)
		return 0;
	for (i = 0; i < n; i++)
		out[i] = (char)toupper((unsigned char)s[i]);
	out[n] = '\0';
	if (!strncmp(out, "GPL", 3)) {
		ok = n > 3;
		for (i = 3; ok && i < n; i++)
			ok = isdigit((unsigned char)out[i]);
		return ok;
	}
	ok = n > 7 && out[0] == 'A' && out[1] == '-' && out[6] == '-';
	for (i = 2; ok && i < 6; i++)
		ok = isupper((unsigned char)out[i]);
	for (i = 7; ok && i < n; i++)
		ok = isdigit((unsigned char)out[i]);
	if (!ok)
		out[0] = '\0';
	return ok;
}

static uint64_t text_hash(const char *s)
{
	return gx_hash_bytes(s, strlen(s)).lo;
}

static const char *tech_const(const char *s)
{
	size_t i;

	for (i = 0; technologies[i]; i++)
		if (!strcmp(technologies[i], s))
			return technologies[i];
	return NULL;
}

/* ---- indexes --------------------------------------------------------------------- */

/* The chip 'text' names in 'ix', or SIZE_MAX. */
static size_t lookup_get(const lookup *ix, const char *text)
{
	uint64_t v;

	if (!gx_hset_get(&ix->h, text_hash(text), &v) || strcmp(ix->e[v].text, text))
		return SIZE_MAX;
	return ix->e[v].chip;
}

/*
 * Map 'text' to chip 'ci'.  Returns 0 if added, 2 if it was already mapped to 'ci',
 * 1 if it maps to another chip (*other set), -1 on allocation failure.
 */
static int lookup_put(lookup *ix, const char *text, size_t ci, size_t *other)
{
	lentry *ne;
	uint64_t old;
	int rc;

	ne = gx_reallocarray(ix->e, ix->n + 1, sizeof(*ne));
	if (!ne)
		return -1;
	ix->e = ne;
	rc = gx_hset_put(&ix->h, text_hash(text), ix->n, &old);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		/* a 64-bit collision between different texts also lands here: refuse it */
		if (ix->e[old].chip == ci && !strcmp(ix->e[old].text, text))
			return 2;
		*other = ix->e[old].chip;
		return 1;
	}
	if (!(ne[ix->n].text = gx_strdup(text)))
		return -1;
	ne[ix->n].chip = ci;
	ix->n++;
	return 0;
}

static void lookup_release(lookup *ix)
{
	size_t i;

	for (i = 0; i < ix->n; i++)
		gx_free(ix->e[i].text);
	gx_free(ix->e);
	gx_hset_release(&ix->h);
}

/* ---- table ----------------------------------------------------------------------- */

/*
 * Claim 'text' for platform 'ci' in 'ix': 0 if added, 2 if it was already the
 * platform's, or a negative error naming the platform that has it ('what' says
 * whether it is an alias or an accession, 'shown' how the file spells it).
 */
static int claim(gx_platforms *p, lookup *ix, const gx_yaml_doc *doc, const gx_yaml *node,
                 const char *what, const char *shown, const char *text, size_t ci,
                 gx_err *err)
{
	size_t other;
	int rc = lookup_put(ix, text, ci, &other);

	if (rc < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if (rc == 1)
		return gx_rules_error(doc, node, err, "platform '%s': %s '%.100s' already names "
		                      "platform '%s'", p->c[ci].key, what, shown, p->c[other].key);
	return rc;
}

static int add_alias(gx_platforms *p, const gx_yaml_doc *doc, const gx_yaml *node,
                     const char *alias, size_t ci, gx_err *err)
{
	char norm[GX_RULES_OUT_MAX];
	int rc;

	norm_alias(alias, norm, sizeof(norm));
	if (!norm[0])
		return 0;
	rc = claim(p, &p->aliases, doc, node, "alias", alias, norm, ci, err);
	return rc < 0 ? rc : 0;
}

static int add_accession(gx_platforms *p, const gx_yaml_doc *doc, const gx_yaml *node,
                         const char *acc, size_t ci, gx_err *err)
{
	char up[GX_PLATFORM_ACC_MAX];
	char **na;
	int rc;

	if (!norm_accession(acc, up, sizeof(up)))
		return gx_rules_error(doc, node, err, "platform '%s': '%.100s' is not a GPL or "
		                      "ArrayExpress (A-XXXX-n) accession", p->c[ci].key, acc);
	rc = claim(p, &p->accessions, doc, node, "accession", up, up, ci, err);
	if (rc)
		return rc < 0 ? rc : 0;
	/* newly claimed: also in the platform's own list, in file order */
	na = gx_reallocarray(p->c[ci].acc, p->c[ci].n_acc + 1, sizeof(*na));
	if (!na)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	p->c[ci].acc = na;
	if (!(na[p->c[ci].n_acc] = gx_strdup(up)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	p->c[ci].n_acc++;
	return 0;
}

static int valid_key(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= GX_PLATFORM_KEY_MAX - 1 ||
		    !(isalnum((unsigned char)s[i]) || strchr("_.+-", s[i])))
			return 0;
	return i > 0;
}

/* A string field that, on an existing platform, must repeat the stored value. */
static int same_or_set(const gx_yaml_doc *doc, const gx_yaml *ent, const char *key,
                       const char *what, char **slot, gx_err *err)
{
	const char *v;
	int rc = gx_rules_get_str(doc, ent, key, what, 0, &v, err);

	if (rc || !v)
		return rc;
	if (*slot && strcmp(*slot, v))
		return gx_rules_error(doc, gx_yaml_get(ent, key), err, "platform '%s': %s "
		                      "'%.100s' differs from the table's '%.100s'", what, key, v,
		                      *slot);
	if (!*slot && !(*slot = gx_strdup(v)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	return 0;
}

static int read_list(gx_platforms *p, const gx_yaml_doc *doc, const gx_yaml *ent,
                     const char *key, size_t ci, gx_err *err)
{
	const gx_yaml *list;
	size_t i;
	int rc = gx_rules_get_list(doc, ent, key, &list, err);

	for (i = 0; !rc && list && i < list->n; i++) {
		const gx_yaml *it = list->items[i];
		if (it->kind != GX_YAML_SCALAR)
			return gx_rules_error(doc, it, err, "platform '%s': %s must be strings",
			                      p->c[ci].key, key);
		rc = strcmp(key, "accessions") ? add_alias(p, doc, it, it->str, ci, err) :
		     add_accession(p, doc, it, it->str, ci, err);
	}
	return rc;
}

/* One table entry; 'merge' allows extending a platform defined earlier. */
static int read_platform(gx_platforms *p, const gx_yaml_doc *doc, const gx_yaml *e,
                         int merge, gx_err *err)
{
	static const char *const keys[] = { "key", "name", "manufacturer", "technology",
		"accessions", "aliases", "note", NULL };
	const char *key, *tech = NULL;
	uint64_t v;
	size_t ci;
	chip *c;
	int rc;

	if (e->kind != GX_YAML_MAP)
		return gx_rules_error(doc, e, err, "each platform must be a mapping");
	if ((rc = gx_rules_get_str(doc, e, "key", "platform", 1, &key, err)) ||
	    (rc = gx_rules_only_keys(doc, e, key, keys, err)))
		return rc;
	if (!valid_key(key))
		return gx_rules_error(doc, gx_yaml_get(e, "key"), err, "platform key '%.80s' must "
		                      "match [A-Za-z0-9_.+-]{1,%d}", key, GX_PLATFORM_KEY_MAX - 1);
	if (gx_hset_get(&p->keys, text_hash(key), &v) && !strcmp(p->c[v].key, key)) {
		if (!merge)
			return gx_rules_error(doc, e, err, "duplicate platform key '%s'", key);
		ci = (size_t)v;
	} else {
		c = gx_reallocarray(p->c, p->n + 1, sizeof(*c));
		if (!c)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		p->c = c;
		ci = p->n;
		memset(&c[ci], 0, sizeof(c[ci]));
		p->n++;
		if (!(c[ci].key = gx_strdup(key)) || gx_hset_put(&p->keys, text_hash(key), ci,
		                                                  NULL) < 0)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	c = &p->c[ci];
	if ((rc = same_or_set(doc, e, "name", key, &c->name, err)) ||
	    (rc = same_or_set(doc, e, "manufacturer", key, &c->manufacturer, err)) ||
	    (rc = gx_rules_get_str(doc, e, "technology", key, 0, &tech, err)))
		return rc;
	if (tech) {
		const char *t = tech_const(tech);
		if (!t)
			return gx_rules_error(doc, gx_yaml_get(e, "technology"), err, "platform '%s': "
			                      "technology must be MICROARRAY, RNA-SEQ or UNKNOWN", key);
		if (c->technology && c->technology != t)
			return gx_rules_error(doc, gx_yaml_get(e, "technology"), err, "platform '%s': "
			                      "technology differs from the table's", key);
		c->technology = t;
	}
	if (!c->name || !c->technology)
		return gx_rules_error(doc, e, err, "platform '%s' needs a name and a technology",
		                      key);
	if (!c->manufacturer && !(c->manufacturer = gx_strdup("")))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if ((rc = add_alias(p, doc, e, c->key, ci, err)) ||
	    (rc = add_alias(p, doc, e, c->name, ci, err)) ||
	    (rc = read_list(p, doc, e, "accessions", ci, err)) ||
	    (rc = read_list(p, doc, e, "aliases", ci, err)))
		return rc;
	return 0;
}

static int read_platforms(gx_platforms *p, const gx_yaml_doc *doc, int merge, gx_err *err)
{
	const gx_yaml *list;
	size_t i;
	int rc = gx_rules_get_list(doc, doc->root, "platforms", &list, err);

	for (i = 0; !rc && list && i < list->n; i++)
		rc = read_platform(p, doc, list->items[i], merge, err);
	return rc;
}

/* A `kind: platform_table` document: its platforms, and its part of the hash. */
static int read_table_doc(gx_platforms *p, const gx_yaml_doc *tdoc, gx_err *err)
{
	static const char *const keys[] = { "platforms", "source", NULL };
	int rc;

	if ((rc = gx_rules_check_top(tdoc, "platform_table", keys, err)) ||
	    (rc = read_platforms(p, tdoc, 0, err)))
		return rc;
	return gx_rules_digest_add(&p->digest, "platform_table", tdoc, err);
}

/* The table file named by `table:`, relative to the platform file's directory. */
static int load_table(gx_platforms *p, const gx_yaml_doc *doc, const char *path, gx_err *err)
{
	const char *table, *slash = strrchr(path, '/');
	gx_yaml_doc *tdoc = NULL;
	gx_buf tpath = { 0 };
	int rc;

	if ((rc = gx_rules_get_str(doc, doc->root, "table", "platform file", 0, &table, err)) ||
	    !table)
		return rc;
	if ((table[0] != '/' && slash &&
	     gx_buf_printf(&tpath, "%.*s/", (int)(slash - path), path) < 0) ||
	    gx_buf_puts(&tpath, table) < 0) {
		gx_buf_release(&tpath);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	if (!(rc = gx_rules_load_doc(gx_buf_cstr(&tpath), &tdoc, err)))
		rc = read_table_doc(p, tdoc, err);
	gx_yaml_doc_free(tdoc);
	gx_buf_release(&tpath);
	return rc;
}

static int check_technology(void *ctx, const char *value, char *why, size_t cap)
{
	(void)ctx;
	if (tech_const(value))
		return 0;
	snprintf(why, cap, "value '%.80s' must be MICROARRAY, RNA-SEQ or UNKNOWN", value);
	return -1;
}

int gx_platforms_load(const char *path, gx_platforms **out, gx_err *err)
{
	static const char *const keys[] = { "table", "defaults", "field_sets", "rules",
		"classify", "platforms", NULL };
	const gx_rules_spec parse_spec = { "rules", parse_outputs, 0, NULL, NULL, NULL };
	const gx_rules_spec classify_spec = { "classify", classify_outputs, 1, check_technology,
		NULL, NULL };
	const gx_yaml *kind;
	gx_platforms *p;
	gx_yaml_doc *doc = NULL;
	size_t i;
	int rc;

	*out = NULL;
	p = gx_calloc(1, sizeof(*p));
	if (!p)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if ((rc = gx_rules_load_doc(path, &doc, err)))
		goto fail;
	kind = gx_yaml_get(doc->root, "kind");
	if (kind && kind->kind == GX_YAML_SCALAR && !strcmp(kind->str, "platform_table")) {
		/* a table alone (`gxload rules check` of the table): no rules */
		if ((rc = read_table_doc(p, doc, err)))
			goto fail;
	} else if ((rc = gx_rules_check_top(doc, "platforms", keys, err)) ||
	           (rc = gx_rules_digest_add(&p->digest, "platforms", doc, err)) ||
	           (rc = load_table(p, doc, path, err)) ||
	           (rc = read_platforms(p, doc, 1, err))) {
		goto fail;
	}
	if ((rc = gx_rules_load(doc, &parse_spec, &p->parse, err)) ||
	    (rc = gx_rules_load(doc, &classify_spec, &p->classify, err)))
		goto fail;
	for (i = 0; i < p->n; i++) {
		chip *c = &p->c[i];
		c->pub.key = c->key;
		c->pub.name = c->name;
		c->pub.manufacturer = c->manufacturer;
		c->pub.technology = c->technology;
		c->pub.accessions = (const char *const *)c->acc;
		c->pub.n_accessions = c->n_acc;
		c->pub.accession = c->n_acc ? c->acc[0] : "";
	}
	gx_rules_digest_hex(&p->digest, p->hash);
	gx_yaml_doc_free(doc);
	*out = p;
	return 0;
fail:
	gx_yaml_doc_free(doc);
	gx_platforms_free(p);
	return rc;
}

void gx_platforms_free(gx_platforms *p)
{
	size_t i, j;

	if (!p)
		return;
	for (i = 0; i < p->n; i++) {
		gx_free(p->c[i].key);
		gx_free(p->c[i].name);
		gx_free(p->c[i].manufacturer);
		for (j = 0; j < p->c[i].n_acc; j++)
			gx_free(p->c[i].acc[j]);
		gx_free(p->c[i].acc);
	}
	gx_free(p->c);
	lookup_release(&p->aliases);
	lookup_release(&p->accessions);
	gx_hset_release(&p->keys);
	gx_rules_free(p->parse);
	gx_rules_free(p->classify);
	gx_rules_digest_release(&p->digest);
	gx_free(p);
}

size_t gx_platforms_count(const gx_platforms *p)
{
	return p->n;
}

const gx_platform_def *gx_platforms_at(const gx_platforms *p, size_t i)
{
	return &p->c[i].pub;
}

const gx_platform_def *gx_platforms_find_key(const gx_platforms *p, const char *key)
{
	uint64_t v;

	if (gx_hset_get(&p->keys, text_hash(key), &v) && !strcmp(p->c[v].key, key))
		return &p->c[v].pub;
	return NULL;
}

static const chip *by_accession(const gx_platforms *p, const char *s);

const gx_platform_def *gx_platforms_find_accession(const gx_platforms *p, const char *acc)
{
	const chip *c = by_accession(p, acc);

	return c ? &c->pub : NULL;
}

const gx_rules *gx_platforms_rules(const gx_platforms *p)
{
	return p->parse;
}

const gx_rules *gx_platforms_classify(const gx_platforms *p)
{
	return p->classify;
}

const char *gx_platforms_hash(const gx_platforms *p)
{
	return p->hash;
}

/* ---- normalization --------------------------------------------------------------- */

int gx_platform_normalize_fields(const gx_platforms *p, const gx_fields *f, gx_platform *out,
                                 gx_err *err)
{
	return gx_platform_normalize(p, gx_fields_get(f, "platform"),
	                             gx_fields_get(f, "platform_id"), out, err);
}

static const chip *by_alias(const gx_platforms *p, const char *s)
{
	char norm[GX_RULES_OUT_MAX];
	size_t ci;

	if (!s)
		return NULL;
	norm_alias(s, norm, sizeof(norm));
	ci = lookup_get(&p->aliases, norm);
	return ci == SIZE_MAX ? NULL : &p->c[ci];
}

static const chip *by_accession(const gx_platforms *p, const char *s)
{
	char up[GX_PLATFORM_ACC_MAX];
	size_t ci;

	if (!s || !norm_accession(s, up, sizeof(up)))
		return NULL;
	ci = lookup_get(&p->accessions, up);
	return ci == SIZE_MAX ? NULL : &p->c[ci];
}

/* Letters and digits in lower case, '-' between runs of anything else. */
static void slug(const char *s, char *out, size_t cap)
{
	size_t o = 0;
	int dash = 0;

	for (; *s && o + 2 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (!isalnum(c)) {
			dash = o > 0;
			continue;
		}
		if (dash)
			out[o++] = '-';
		dash = 0;
		out[o++] = (char)tolower(c);
	}
	out[o] = '\0';
}

static void fill_known(gx_platform *out, const chip *c)
{
	snprintf(out->key, sizeof(out->key), "%s", c->key);
	snprintf(out->name, sizeof(out->name), "%s", c->name);
	snprintf(out->manufacturer, sizeof(out->manufacturer), "%s", c->manufacturer);
	snprintf(out->chip_accession, sizeof(out->chip_accession), "%s", c->pub.accession);
	out->technology = c->technology;
	out->known = 1;
}

static int is_blank(const char *s)
{
	while (s && isspace((unsigned char)*s))
		s++;
	return !s || !*s;
}

/* An unknown platform: name, derived key, manufacturer and technology by `classify`. */
static int fill_unknown(const gx_platforms *p, gx_platform *out, const char *raw,
                        const char *name, gx_fields *f, gx_err *err)
{
	gx_rule_match m;
	const char *s = name ? name : raw, *e;
	int rc;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	snprintf(out->name, sizeof(out->name), "%.*s", (int)(e - s), s);
	slug(out->name, out->key, sizeof(out->key));
	rc = gx_rules_first(p->classify, f, NULL, &m, err);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		const char *man = gx_rule_match_output(p->classify, &m, "manufacturer");
		out->technology = tech_const(m.rule->value);
		snprintf(out->manufacturer, sizeof(out->manufacturer), "%s", man ? man : "");
	}
	return 0;
}

int gx_platform_normalize(const gx_platforms *p, const char *raw, const char *platform_id,
                          gx_platform *out, gx_err *err)
{
	char pid[GX_PLATFORM_ACC_MAX] = "";
	const char *code = NULL, *name = NULL, *acc = NULL;
	const chip *c = NULL;
	gx_fields *f = NULL;
	gx_rule_match m;
	int rc, matched = 0;

	memset(out, 0, sizeof(*out));
	out->technology = "UNKNOWN";
	if (platform_id)
		norm_accession(platform_id, pid, sizeof(pid));
	if (is_blank(raw)) {
		snprintf(out->rule_id, sizeof(out->rule_id), "%s", pid[0] ? "platform_id" : "empty");
		snprintf(out->accession, sizeof(out->accession), "%s", pid);
		if ((c = pid[0] ? by_accession(p, pid) : by_alias(p, "UNKNOWN")))
			fill_known(out, c);
		else
			snprintf(out->key, sizeof(out->key), "%s", pid[0] ? pid : "UNKNOWN");
		if (!c)
			snprintf(out->name, sizeof(out->name), "%s", out->key);
		return 0;
	}
	if ((rc = gx_fields_new(&f, err)) ||
	    (rc = gx_fields_put(f, "platform", raw, strlen(raw), err)))
		goto done;
	rc = gx_rules_first(p->parse, f, NULL, &m, err);
	if (rc < 0)
		goto done;
	if ((matched = rc == 1)) {
		code = gx_rule_match_output(p->parse, &m, "code");
		name = gx_rule_match_output(p->parse, &m, "name");
		acc = gx_rule_match_output(p->parse, &m, "accession");
		snprintf(out->rule_id, sizeof(out->rule_id), "%s", m.rule->id);
	}
	if (!(c = by_alias(p, code)) && !(c = by_alias(p, name)) && !(c = by_accession(p, acc)) &&
	    !(c = by_accession(p, pid)))
		c = by_alias(p, raw);
	if (pid[0])
		snprintf(out->accession, sizeof(out->accession), "%s", pid);
	else if (acc)
		norm_accession(acc, out->accession, sizeof(out->accession));
	rc = 0;
	if (c)
		fill_known(out, c);
	else
		rc = fill_unknown(p, out, raw, name, f, err);
	if (!out->key[0])
		snprintf(out->key, sizeof(out->key), "UNKNOWN");
done:
	gx_fields_free(f);
	return rc;
}
