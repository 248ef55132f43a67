/*
 * illness.c - categories, overrides and illness rules (see illness.h for precedence).
 *
 * The rules themselves are the generic engine's (rules.c); this module adds what is
 * specific to illness: the category table every rule value must come from, the
 * default category, and overrides, which are not patterns but fixed labels with a
 * reason.  Override and rule ids share one namespace, because a sample keeps the id
 * of whatever labelled it.
 *
 * Invariants: every code a label can carry is a category of the loaded file; no two
 * overrides target the same sample, or the same study.
 */
#include "transform/illness.h"
#include "core/mem.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CODE_MAX 32

typedef struct override {
	char *id, *study, *sample, *reason, *file;
	long line;
	const char *code;       /* the category's code */
} override;

struct gx_illness {
	gx_illness_category *cats;
	size_t n_cats;
	const char *def;
	gx_rules *rules;
	override *ov;
	size_t n_ov;
	gx_rules_digest digest;
	char hash[GX_HASH_HEX];
};

static const char *const illness_keys[] = { "categories", "default", "defaults",
	"field_sets", "rules", "overrides", NULL };
static const char *const override_file_keys[] = { "overrides", NULL };

const gx_illness_category *gx_illness_category_find(const gx_illness *ill, const char *code)
{
	size_t i;

	for (i = 0; i < ill->n_cats; i++)
		if (!strcmp(ill->cats[i].code, code))
			return &ill->cats[i];
	return NULL;
}

size_t gx_illness_category_count(const gx_illness *ill)
{
	return ill->n_cats;
}

const gx_illness_category *gx_illness_category_at(const gx_illness *ill, size_t i)
{
	return &ill->cats[i];
}

const char *gx_illness_default(const gx_illness *ill)
{
	return ill->def;
}

const gx_rules *gx_illness_rules(const gx_illness *ill)
{
	return ill->rules;
}

size_t gx_illness_override_count(const gx_illness *ill)
{
	return ill->n_ov;
}

const char *gx_illness_hash(const gx_illness *ill)
{
	return ill->hash;
}

static int valid_code(const char *s)
{
	size_t i;

	if (!(s[0] >= 'A' && s[0] <= 'Z'))
		return 0;
	for (i = 1; s[i]; i++)
		if (i >= CODE_MAX || !((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		                       s[i] == '_'))
			return 0;
	return 1;
}

static int read_categories(gx_illness *ill, const gx_yaml_doc *doc, gx_err *err)
{
	static const char *const keys[] = { "code", "label", "description", NULL };
	const gx_yaml *list;
	size_t i;
	int rc = gx_rules_get_list(doc, doc->root, "categories", &list, err);

	if (rc)
		return rc;
	if (!list || !list->n)
		return gx_rules_error(doc, list ? list : doc->root, err,
		                      "an illness file needs a non-empty list 'categories'");
	ill->cats = gx_calloc(list->n, sizeof(*ill->cats));
	if (!ill->cats)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < list->n; i++) {
		const gx_yaml *c = list->items[i];
		const char *code, *label, *desc;
		gx_illness_category *cat = &ill->cats[i];

		if (c->kind != GX_YAML_MAP)
			return gx_rules_error(doc, c, err, "each category must be a mapping");
		if ((rc = gx_rules_only_keys(doc, c, "category", keys, err)) ||
		    (rc = gx_rules_get_str(doc, c, "code", "category", 1, &code, err)) ||
		    (rc = gx_rules_get_str(doc, c, "label", code, 1, &label, err)) ||
		    (rc = gx_rules_get_str(doc, c, "description", code, 1, &desc, err)))
			return rc;
		if (!valid_code(code))
			return gx_rules_error(doc, gx_yaml_get(c, "code"), err, "category code '%.80s' "
			                      "must match [A-Z][A-Z0-9_]{0,%d}", code, CODE_MAX - 1);
		if (gx_illness_category_find(ill, code))
			return gx_rules_error(doc, gx_yaml_get(c, "code"), err,
			                      "duplicate category '%s'", code);
		cat->code = gx_strdup(code);
		cat->label = gx_strdup(label);
		cat->description = gx_strdup(desc);
		ill->n_cats++;
		if (!cat->code || !cat->label || !cat->description)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	return 0;
}

static int check_category(void *ctx, const char *value, char *why, size_t cap)
{
	if (gx_illness_category_find(ctx, value))
		return 0;
	snprintf(why, cap, "value '%.80s' is not a category of this file", value);
	return -1;
}

/* The id is not yet used by a rule or another override. */
static int id_free(const gx_illness *ill, const gx_yaml_doc *doc, const gx_yaml *node,
                   const char *id, gx_err *err)
{
	size_t i;

	for (i = 0; ill->rules && i < gx_rules_count(ill->rules); i++)
		if (!strcmp(gx_rules_info(ill->rules, i)->id, id))
			return gx_rules_error(doc, node, err, "override id '%s' is also a rule id", id);
	for (i = 0; i < ill->n_ov; i++)
		if (!strcmp(ill->ov[i].id, id))
			return gx_rules_error(doc, node, err, "duplicate override id '%s' (first in "
			                      "'%s', line %ld)", id, ill->ov[i].file, ill->ov[i].line);
	return 0;
}

/* No other override targets the same sample (or, for study overrides, the same study). */
static int target_free(const gx_illness *ill, const gx_yaml_doc *doc, const gx_yaml *node,
                       const char *study, const char *sample, gx_err *err)
{
	size_t i;

	for (i = 0; i < ill->n_ov; i++) {
		const override *o = &ill->ov[i];
		int same = sample ? o->sample && !strcmp(o->sample, sample) :
		           !o->sample && !strcmp(o->study, study);
		if (same)
			return gx_rules_error(doc, node, err, "%s '%s' is already overridden by '%s' "
			                      "('%s', line %ld)", sample ? "sample" : "study",
			                      sample ? sample : study, o->id, o->file, o->line);
	}
	return 0;
}

static int read_override(gx_illness *ill, const gx_yaml_doc *doc, const gx_yaml *n,
                         gx_err *err)
{
	static const char *const keys[] = { "id", "study", "sample", "label", "reason", NULL };
	const char *id, *study, *sample, *label, *reason;
	const gx_illness_category *cat;
	override *o;
	int rc;

	if (n->kind != GX_YAML_MAP)
		return gx_rules_error(doc, n, err, "each override must be a mapping");
	if ((rc = gx_rules_get_str(doc, n, "id", "override", 1, &id, err)) ||
	    (rc = gx_rules_only_keys(doc, n, id, keys, err)) ||
	    (rc = gx_rules_get_str(doc, n, "label", id, 1, &label, err)) ||
	    (rc = gx_rules_get_str(doc, n, "reason", id, 1, &reason, err)) ||
	    (rc = gx_rules_get_str(doc, n, "study", id, 0, &study, err)) ||
	    (rc = gx_rules_get_str(doc, n, "sample", id, 0, &sample, err)))
		return rc;
	if (strlen(id) >= GX_RULES_ID_MAX)
		return gx_rules_error(doc, n, err, "override id '%.80s' is longer than %d bytes", id,
		                      GX_RULES_ID_MAX - 1);
	if (!study && !sample)
		return gx_rules_error(doc, n, err, "override '%s' needs a study or a sample", id);
	if (!(cat = gx_illness_category_find(ill, label)))
		return gx_rules_error(doc, gx_yaml_get(n, "label"), err, "override '%s': label "
		                      "'%.80s' is not a category", id, label);
	if ((rc = id_free(ill, doc, n, id, err)) ||
	    (rc = target_free(ill, doc, n, study, sample, err)))
		return rc;
	o = gx_reallocarray(ill->ov, ill->n_ov + 1, sizeof(*o));
	if (!o)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	ill->ov = o;
	o = &ill->ov[ill->n_ov];
	memset(o, 0, sizeof(*o));
	ill->n_ov++;
	o->line = n->line;
	o->code = cat->code;
	o->id = gx_strdup(id);
	o->reason = gx_strdup(reason);
	o->file = gx_strdup(doc->name);
	o->study = study ? gx_strdup(study) : NULL;
	o->sample = sample ? gx_strdup(sample) : NULL;
	if (!o->id || !o->reason || !o->file || (study && !o->study) || (sample && !o->sample))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	return 0;
}

static int read_overrides(gx_illness *ill, const gx_yaml_doc *doc, gx_err *err)
{
	const gx_yaml *list;
	size_t i;
	int rc = gx_rules_get_list(doc, doc->root, "overrides", &list, err);

	for (i = 0; !rc && list && i < list->n; i++)
		rc = read_override(ill, doc, list->items[i], err);
	return rc;
}

int gx_illness_add_overrides(gx_illness *ill, const char *path, gx_err *err)
{
	gx_yaml_doc *doc = NULL;
	gx_buf role = { 0 };
	const char *base = strrchr(path, '/');
	int rc;

	if ((rc = gx_rules_load_doc(path, &doc, err)))
		return rc;
	if ((rc = gx_rules_check_top(doc, "overrides", override_file_keys, err)) ||
	    (rc = read_overrides(ill, doc, err)))
		goto done;
	if (gx_buf_printf(&role, "override:%s", base ? base + 1 : path) < 0) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto done;
	}
	if ((rc = gx_rules_digest_add(&ill->digest, gx_buf_cstr(&role), doc, err)))
		goto done;
	gx_rules_digest_hex(&ill->digest, ill->hash);
done:
	gx_buf_release(&role);
	gx_yaml_doc_free(doc);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.yaml of 'dir', in name order (so that the hash and errors are stable). */
static int load_overrides_dir(gx_illness *ill, const char *dir, gx_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (!d)
		return gx_err_set(err, errno == ENOENT ? GX_E_RULES : GX_E_CONFIG_IO,
		                  "cannot open overrides directory '%s': %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **nn;
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".yaml"))
			continue;
		nn = gx_reallocarray(names, n + 1, sizeof(*names));
		if (!nn) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto done;
		}
		names = nn;
		if (!(names[n] = gx_strdup(de->d_name))) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto done;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n && !rc; i++) {
		gx_buf path = { 0 };
		if (gx_buf_printf(&path, "%s/%s", dir, names[i]) < 0)
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		else
			rc = gx_illness_add_overrides(ill, gx_buf_cstr(&path), err);
		gx_buf_release(&path);
	}
done:
	for (i = 0; i < n; i++)
		gx_free(names[i]);
	gx_free(names);
	closedir(d);
	return rc;
}

int gx_illness_load(const char *path, const char *overrides_dir, gx_illness **out,
                    gx_err *err)
{
	gx_rules_spec spec = { "rules", NULL, 1, check_category, NULL };
	gx_illness *ill;
	gx_yaml_doc *doc = NULL;
	const char *def = NULL;
	const gx_illness_category *dc;
	int rc;

	*out = NULL;
	ill = gx_calloc(1, sizeof(*ill));
	if (!ill)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	spec.check_ctx = ill;
	if ((rc = gx_rules_load_doc(path, &doc, err)) ||
	    (rc = gx_rules_check_top(doc, "illness", illness_keys, err)) ||
	    (rc = read_categories(ill, doc, err)) ||
	    (rc = gx_rules_get_str(doc, doc->root, "default", "illness file", 1, &def, err)))
		goto fail;
	if (!(dc = gx_illness_category_find(ill, def))) {
		rc = gx_rules_error(doc, gx_yaml_get(doc->root, "default"), err,
		                    "default '%.80s' is not a category", def);
		goto fail;
	}
	ill->def = dc->code;
	if ((rc = gx_rules_load(doc, &spec, &ill->rules, err)) ||
	    (rc = read_overrides(ill, doc, err)) ||
	    (rc = gx_rules_digest_add(&ill->digest, "illness", doc, err)))
		goto fail;
	gx_rules_digest_hex(&ill->digest, ill->hash);
	if (overrides_dir && *overrides_dir && (rc = load_overrides_dir(ill, overrides_dir, err)))
		goto fail;
	gx_yaml_doc_free(doc);
	*out = ill;
	return 0;
fail:
	gx_yaml_doc_free(doc);
	gx_illness_free(ill);
	return rc;
}

void gx_illness_free(gx_illness *ill)
{
	size_t i;

	if (!ill)
		return;
	for (i = 0; i < ill->n_cats; i++) {
		gx_free((char *)ill->cats[i].code);
		gx_free((char *)ill->cats[i].label);
		gx_free((char *)ill->cats[i].description);
	}
	gx_free(ill->cats);
	for (i = 0; i < ill->n_ov; i++) {
		gx_free(ill->ov[i].id);
		gx_free(ill->ov[i].study);
		gx_free(ill->ov[i].sample);
		gx_free(ill->ov[i].reason);
		gx_free(ill->ov[i].file);
	}
	gx_free(ill->ov);
	gx_rules_free(ill->rules);
	gx_rules_digest_release(&ill->digest);
	gx_free(ill);
}

/* The override that applies to a sample, or NULL: sample overrides before study ones. */
static const override *find_override(const gx_illness *ill, const char *study,
                                     const char *sample)
{
	size_t i;

	for (i = 0; sample && i < ill->n_ov; i++) {
		const override *o = &ill->ov[i];
		if (o->sample && !strcmp(o->sample, sample) &&
		    (!o->study || (study && !strcmp(o->study, study))))
			return o;
	}
	for (i = 0; study && i < ill->n_ov; i++) {
		const override *o = &ill->ov[i];
		if (!o->sample && !strcmp(o->study, study))
			return o;
	}
	return NULL;
}

static void label_from_match(gx_illness_label *out, const gx_illness *ill,
                             const gx_rule_match *m)
{
	out->code = gx_illness_category_find(ill, m->rule->value)->code;
	out->source = GX_ILLNESS_RULE;
	snprintf(out->decided_by, sizeof(out->decided_by), "%s", m->rule->id);
	out->confidence = m->confidence;
	memcpy(out->field, m->field, sizeof(out->field));
	memcpy(out->text, m->text, sizeof(out->text));
	out->reason = m->rule->note;
}

int gx_illness_label_sample(const gx_illness *ill, const char *study, const char *sample,
                            const gx_fields *f, gx_illness_label *out, gx_err *err)
{
	const override *o = find_override(ill, study, sample);
	gx_rule_match m;
	int rc;

	memset(out, 0, sizeof(*out));
	out->reason = "";
	if (o) {
		out->code = o->code;
		out->source = o->sample ? GX_ILLNESS_SAMPLE_OVERRIDE : GX_ILLNESS_STUDY_OVERRIDE;
		snprintf(out->decided_by, sizeof(out->decided_by), "%s", o->id);
		out->confidence = 1.0;
		out->reason = o->reason;
		return 0;
	}
	rc = gx_rules_first(ill->rules, f, study, &m, err);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		label_from_match(out, ill, &m);
		return 0;
	}
	out->code = ill->def;
	out->source = GX_ILLNESS_DEFAULT;
	snprintf(out->decided_by, sizeof(out->decided_by), "default");
	return 0;
}

#define EXPLAIN_SEEN 32   /* (rule, field) pairs remembered to list each once */

typedef struct explain_ctx {
	gx_buf *out;
	int n;                  /* matches listed so far */
	int by_rule;            /* no override: the first match decided the label */
	struct {
		const gx_rule_info *rule;
		char field[GX_FIELDS_NAME_MAX];
	} seen[EXPLAIN_SEEN];
} explain_ctx;

/* 1 if this rule already matched this field through a stronger field set. */
static int explain_seen(explain_ctx *x, const gx_rule_match *m)
{
	int i, n = x->n < EXPLAIN_SEEN ? x->n : EXPLAIN_SEEN;

	for (i = 0; i < n; i++)
		if (x->seen[i].rule == m->rule && !strcmp(x->seen[i].field, m->field))
			return 1;
	if (n < EXPLAIN_SEEN) {
		x->seen[n].rule = m->rule;
		memcpy(x->seen[n].field, m->field, sizeof(m->field));
	}
	return 0;
}

static int explain_one(void *ctx, const gx_rule_match *m)
{
	explain_ctx *x = ctx;
	char q[GX_RULES_TEXT_MAX + 16];
	int first;

	if (explain_seen(x, m))
		return 0;
	first = x->n++ == 0;

	gx_err_quote(m->text, strlen(m->text), q, sizeof(q));
	if (first && x->by_rule)
		return gx_buf_printf(x->out, "  decided by rule '%s' (line %ld) on field '%s'%s%s%s, "
		                     "confidence %.2f: %s\n%s%s%s", m->rule->id, m->rule->line,
		                     m->field, m->field_set[0] ? " [" : "", m->field_set,
		                     m->field_set[0] ? "]" : "", m->confidence, q,
		                     m->rule->note[0] ? "    note: " : "", m->rule->note,
		                     m->rule->note[0] ? "\n" : "");
	if ((first || (x->n == 2 && x->by_rule)) &&
	    gx_buf_puts(x->out, x->by_rule ? "  also matched, weighed lower:\n" :
	                "  the rules alone would give, best first:\n") < 0)
		return -1;
	return gx_buf_printf(x->out, "    %-13s rule '%s' (priority %d) on field '%s': %s\n",
	                     m->rule->value, m->rule->id, m->priority, m->field, q);
}

int gx_illness_explain(const gx_illness *ill, const char *study, const char *sample,
                       const gx_fields *f, gx_buf *out, gx_err *err)
{
	const override *o = find_override(ill, study, sample);
	explain_ctx x;
	gx_illness_label lab;
	int rc = gx_illness_label_sample(ill, study, sample, f, &lab, err);

	if (rc)
		return rc;
	memset(&x, 0, sizeof(x));
	x.out = out;
	x.by_rule = o == NULL;
	if (gx_buf_printf(out, "%s%s%s: %s (%s)\n", sample ? sample : "(no accession)",
	                  study ? " in " : "", study ? study : "", lab.code,
	                  gx_illness_category_find(ill, lab.code)->label) < 0 ||
	    (o && gx_buf_printf(out, "  decided by %s override '%s' ('%s', line %ld): %s\n",
	                        o->sample ? "sample" : "study", o->id, o->file, o->line,
	                        o->reason) < 0))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	/* explain_one returns -1 only when the buffer cannot grow */
	rc = gx_rules_each(ill->rules, f, study, explain_one, &x, err);
	if (rc == -1 || (!x.n && gx_buf_printf(out, "  no rule matched: the default "
	                                        "category\n") < 0))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	return rc < 0 ? rc : 0;
}
