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
#include "transform/illness_int.h"
#include "core/mem.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CODE_MAX 32

typedef gx_illness_override override;

static const char *const illness_keys[] = { "categories", "default", "defaults",
	"field_sets", "rules", "overrides", "control_arm", NULL };

/*
 * The classes a rule may have, by the class enum of illness_int.h; what each says:
 * docs/RULES.md.
 */
static const char *const class_names[C_COUNT] = { "", "pooled", "healthy", "recovered",
	"negation", "septic_shock", "sepsis", "infection", "patient_control", "noninfectious",
	"control", "patient", "outcome", "time" };

int gx_illness_class_of(const char *cls)
{
	int i;

	for (i = 1; i < C_COUNT; i++)
		if (!strcmp(class_names[i], cls))
			return i;
	return C_NONE;
}

int gx_illness_class_known(const char *cls)
{
	return gx_illness_class_of(cls) != C_NONE;
}

static int check_class(void *ctx, const char *cls, char *why, size_t cap)
{
	(void)ctx;
	if (gx_illness_class_known(cls))
		return 0;
	snprintf(why, cap, "unknown class '%.80s' (known: pooled, healthy, recovered, negation, "
	         "septic_shock, sepsis, infection, patient_control, noninfectious, control, "
	         "patient, outcome, time)", cls);
	return -1;
}

/*
 * What a class asks of a rule: mask rules are outcome and time words (and only they
 * mask); a patient rule marks a sample as a patient and gives no label; every other
 * rule gives one.
 */
static int check_rule_kinds(const gx_illness *ill, const gx_yaml_doc *doc, gx_err *err)
{
	size_t i;

	for (i = 0; i < gx_rules_count(ill->rules); i++) {
		const gx_rule_info *r = gx_rules_info(ill->rules, i);
		int masking = !strcmp(r->cls, "outcome") || !strcmp(r->cls, "time");
		int patient = !strcmp(r->cls, "patient");
		if (masking != r->mask && r->cls[0])
			return gx_err_at(err, GX_E_RULES, doc->name, r->line, 0, "rule '%s': class '%s' "
			                 "%s", r->id, r->cls, masking ? "words are masked (mask: true)" :
			                 "rules do not mask");
		if (patient && r->value[0])
			return gx_err_at(err, GX_E_RULES, doc->name, r->line, 0, "rule '%s': a patient "
			                 "rule marks a sample and gives no value", r->id);
		if (!patient && !r->mask && !r->value[0])
			return gx_err_at(err, GX_E_RULES, doc->name, r->line, 0, "rule '%s' has no value",
			                 r->id);
	}
	return 0;
}

/* control_arm: {healthy: CODE, patients: CODE}, optional. */
static int read_control_arm(gx_illness *ill, const gx_yaml_doc *doc, gx_err *err)
{
	static const char *const keys[] = { "healthy", "patients", NULL };
	const gx_yaml *n = gx_yaml_get(doc->root, "control_arm");
	const char *h, *p;
	const gx_illness_category *ch, *cp;
	int rc;

	if (gx_yaml_is_null(n))
		return 0;
	if (n->kind != GX_YAML_MAP)
		return gx_rules_error(doc, n, err, "control_arm must be a mapping");
	if ((rc = gx_rules_only_keys(doc, n, "control_arm", keys, err)) ||
	    (rc = gx_rules_get_str(doc, n, "healthy", "control_arm", 1, &h, err)) ||
	    (rc = gx_rules_get_str(doc, n, "patients", "control_arm", 1, &p, err)))
		return rc;
	if (!(ch = gx_illness_category_find(ill, h)))
		return gx_rules_error(doc, gx_yaml_get(n, "healthy"), err, "control_arm: '%.80s' is "
		                      "not a category", h);
	if (!(cp = gx_illness_category_find(ill, p)))
		return gx_rules_error(doc, gx_yaml_get(n, "patients"), err, "control_arm: '%.80s' "
		                      "is not a category", p);
	ill->arm_healthy = ch->code;
	ill->arm_patients = cp->code;
	return 0;
}
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
	gx_rules_spec spec = { "rules", NULL, 0, check_category, NULL, check_class };
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
	    (rc = check_rule_kinds(ill, doc, err)) ||
	    (rc = read_control_arm(ill, doc, err)) ||
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

void gx_illness_drop_overrides(gx_illness *ill)
{
	size_t i;

	for (i = 0; i < ill->n_ov; i++) {
		gx_free(ill->ov[i].id);
		gx_free(ill->ov[i].study);
		gx_free(ill->ov[i].sample);
		gx_free(ill->ov[i].reason);
		gx_free(ill->ov[i].file);
	}
	gx_free(ill->ov);
	ill->ov = NULL;
	ill->n_ov = 0;
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
	gx_illness_drop_overrides(ill);
	gx_rules_free(ill->rules);
	gx_rules_digest_release(&ill->digest);
	gx_free(ill);
}

const gx_illness_override *gx_illness_find_override(const gx_illness *ill, const char *study,
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
