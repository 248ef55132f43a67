/*
 * test_illness.c - categories, overrides, precedence, explain, errors and the hash.
 */
#include "core/buf.h"
#include "core/mem.h"
#include "expect_err.h"
#include "oom.h"
#include "tap.h"
#include "tmpdir.h"
#include "transform/illness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Print a multi-line text as TAP comments. */
static void diag_lines(const char *s)
{
	while (*s) {
		const char *nl = strchr(s, '\n');
		int n = nl ? (int)(nl - s) : (int)strlen(s);
		printf("# %.*s\n", n, s);
		s += n + (nl != NULL);
	}
}

static const char *base_yaml =
	"kind: illness\n"
	"categories:\n"
	"  - {code: SEPSIS, label: Sepsis, description: septic}\n"
	"  - {code: CONTROL, label: Healthy control, description: healthy}\n"
	"  - {code: VIRAL, label: Viral infection, description: added in YAML alone}\n"
	"  - {code: UNKNOWN, label: Unknown, description: not stated}\n"
	"default: UNKNOWN\n"
	"defaults: {flags: [caseless]}\n"
	"field_sets:\n"
	"  dx: {priority: 300, confidence: 0.9, fields: [\"ch:*disease*\"]}\n"
	"rules:\n"
	"  - {id: sepsis, fields: [dx, title], pattern: sepsis, value: SEPSIS,\n"
	"     note: the word}\n"
	"  - {id: healthy, fields: [dx, title], pattern: healthy, value: CONTROL}\n"
	"  - {id: viral, fields: [dx], pattern: 'influenza|covid', value: VIRAL}\n"
	"overrides:\n"
	"  - {id: ovr-s1, study: GSE1, sample: GSM1, label: CONTROL, reason: paper table 1}\n"
	"  - {id: ovr-study2, study: GSE2, label: SEPSIS, reason: all patients septic}\n";

static gx_fields *fields(const char *k1, const char *v1, const char *k2, const char *v2)
{
	gx_fields *f;
	gx_err err;

	gx_fields_new(&f, &err);
	if (k1)
		gx_fields_add_raw(f, k1, v1, &err);
	if (k2)
		gx_fields_add_raw(f, k2, v2, &err);
	return f;
}

static void test_precedence(void)
{
	gx_illness *ill = NULL;
	gx_illness_label lab;
	gx_fields *f = fields("characteristics_ch1_disease state", "sepsis", "title", "healthy");
	gx_err err;
	int rc;

	tmp_write("base.yaml", base_yaml);
	rc = gx_illness_load(tmp_path("base.yaml"), NULL, &ill, &err);
	ok(rc == 0, "illness file loads");
	if (rc) {
		diag(err.msg);
		return;
	}
	is_int(gx_illness_category_count(ill), 4, "four categories");
	is_str(gx_illness_category_at(ill, 2)->code, "VIRAL", "a category added in YAML alone");
	is_str(gx_illness_category_find(ill, "VIRAL")->label, "Viral infection", "with its label");
	is_str(gx_illness_default(ill), "UNKNOWN", "default category");

	gx_illness_label_sample(ill, "GSE1", "GSM1", f, &lab, &err);
	is_str(lab.code, "CONTROL", "sample override beats the rules");
	is_int(lab.source, GX_ILLNESS_SAMPLE_OVERRIDE, "source: sample override");
	is_str(lab.decided_by, "ovr-s1", "decided by the override's id");
	is_str(lab.reason, "paper table 1", "with its reason");
	is_double(lab.confidence, 1.0, "override confidence 1");

	gx_illness_label_sample(ill, "GSE9", "GSM1", f, &lab, &err);
	is_str(lab.code, "SEPSIS", "a sample override with another study does not apply");
	is_int(lab.source, GX_ILLNESS_RULE, "source: rule");
	is_str(lab.decided_by, "sepsis", "the rule's id");
	is_str(lab.field, "ch:disease state", "the field (diagnosis beats title)");
	is_str(lab.text, "sepsis", "the matched text");
	is_double(lab.confidence, 0.9, "set confidence x rule confidence");
	is_str(lab.reason, "the word", "the rule's note");

	gx_illness_label_sample(ill, "GSE2", "GSM7", f, &lab, &err);
	is_str(lab.decided_by, "ovr-study2", "study override beats the rules");
	is_int(lab.source, GX_ILLNESS_STUDY_OVERRIDE, "source: study override");
	gx_fields_free(f);

	f = fields("characteristics_ch1_disease", "COVID-19", NULL, NULL);
	gx_illness_label_sample(ill, "GSE9", "GSM9", f, &lab, &err);
	is_str(lab.code, "VIRAL", "a rule can produce the new category");
	gx_fields_free(f);

	f = fields("title", "sample 3", NULL, NULL);
	gx_illness_label_sample(ill, NULL, NULL, f, &lab, &err);
	is_str(lab.code, "UNKNOWN", "nothing matched: the default");
	is_str(lab.decided_by, "default", "decided by 'default'");
	is_int(lab.source, GX_ILLNESS_DEFAULT, "source: default");
	is_double(lab.confidence, 0.0, "confidence 0");
	gx_fields_free(f);
	gx_illness_free(ill);
}

static void test_explain(void)
{
	gx_illness *ill = NULL;
	gx_fields *f = fields("characteristics_ch1_disease state", "sepsis", "title", "healthy");
	gx_buf b = { 0 };
	gx_err err;

	if (gx_illness_load(tmp_path("base.yaml"), NULL, &ill, &err))
		return;
	ok(gx_illness_explain(ill, "GSE9", "GSM9", f, &b, &err) == 0, "explain a rule decision");
	ok(strstr(gx_buf_cstr(&b), "GSM9 in GSE9: SEPSIS (Sepsis)") &&
	   strstr(gx_buf_cstr(&b), "decided by rule 'sepsis'") &&
	   strstr(gx_buf_cstr(&b), "field 'ch:disease state'") &&
	   strstr(gx_buf_cstr(&b), "\"sepsis\"") &&
	   strstr(gx_buf_cstr(&b), "rule 'healthy' (priority 0) on field 'title': \"healthy\""),
	   "names label, rule, field, text and what else matched");
	diag_lines(gx_buf_cstr(&b));
	gx_buf_reset(&b);
	ok(gx_illness_explain(ill, "GSE1", "GSM1", f, &b, &err) == 0, "explain an override");
	ok(strstr(gx_buf_cstr(&b), "decided by sample override 'ovr-s1'") &&
	   strstr(gx_buf_cstr(&b), "paper table 1") &&
	   strstr(gx_buf_cstr(&b), "the rules alone would give"),
	   "names the override, its file and reason, and what the rules say");
	diag_lines(gx_buf_cstr(&b));
	gx_buf_release(&b);
	gx_fields_free(f);
	gx_illness_free(ill);
}

static void test_overrides_dir(void)
{
	gx_illness *a = NULL, *b = NULL, *c = NULL;
	gx_illness_label lab;
	gx_fields *f = fields("title", "nothing", NULL, NULL);
	char ha[GX_HASH_HEX], hb[GX_HASH_HEX];
	gx_err err;
	int rc;

	mkdir(tmp_path("ovr"), 0700);
	tmp_write("ovr/20-later.yaml", "kind: overrides\noverrides:\n"
	           "  - {id: o2, sample: GSM21, label: SEPSIS, reason: r2}\n");
	tmp_write("ovr/10-first.yaml", "kind: overrides\noverrides:\n"
	           "  - {id: o1, study: GSE20, label: CONTROL, reason: r1}\n");
	tmp_write("ovr/notes.txt", "not yaml: ignored\n");
	rc = gx_illness_load(tmp_path("base.yaml"), tmp_path("ovr"), &a, &err);
	ok(rc == 0, "overrides directory loads");
	if (rc) {
		diag(err.msg);
		gx_fields_free(f);
		return;
	}
	is_int(gx_illness_override_count(a), 4, "2 in the file + 2 in the directory");
	gx_illness_label_sample(a, "GSE20", "GSM21", f, &lab, &err);
	is_str(lab.decided_by, "o2", "sample override from another file beats study override");
	gx_illness_label_sample(a, "GSE20", "GSM22", f, &lab, &err);
	is_str(lab.decided_by, "o1", "study override from the directory");
	snprintf(ha, sizeof(ha), "%s", gx_illness_hash(a));
	rc = gx_illness_load(tmp_path("base.yaml"), tmp_path("ovr"), &b, &err);
	ok(rc == 0 && !strcmp(ha, gx_illness_hash(b)), "same files, same hash");
	tmp_write("ovr/30-new.yaml", "kind: overrides\noverrides:\n"
	           "  - {id: o3, sample: GSM30, label: SEPSIS, reason: r3}\n");
	rc = gx_illness_load(tmp_path("base.yaml"), tmp_path("ovr"), &c, &err);
	snprintf(hb, sizeof(hb), "%s", rc ? "" : gx_illness_hash(c));
	ok(rc == 0 && strcmp(ha, hb) != 0, "a new overrides file changes the hash");
	gx_illness_free(a);
	gx_illness_free(b);
	gx_illness_free(c);
	gx_fields_free(f);
}

/* Loading 'text' as an illness file (plus an overrides file) must fail with needles. */
static void bad(const char *text, const char *ovr, const char *what, const char *n1,
                const char *n2)
{
	gx_illness *ill = NULL;
	gx_err err;
	int rc;

	tmp_write("bad.yaml", text);
	gx_err_clear(&err);
	rc = gx_illness_load(tmp_path("bad.yaml"), NULL, &ill, &err);
	if (!rc && ovr) {
		tmp_write("bad-ovr.yaml", ovr);
		rc = gx_illness_add_overrides(ill, tmp_path("bad-ovr.yaml"), &err);
	}
	expect_err(rc, &err, GX_E_RULES, what, n1, n2);
	gx_illness_free(ill);
}

static void test_errors(void)
{
	static const char *cats =
		"kind: illness\n"
		"categories:\n"
		"  - {code: SEPSIS, label: Sepsis, description: d}\n"
		"  - {code: UNKNOWN, label: Unknown, description: d}\n"
		"default: UNKNOWN\n";
	gx_buf b = { 0 };
	gx_illness *ill = NULL;
	gx_err err;

	gx_buf_printf(&b, "%srules:\n  - {id: r, fields: [title], pattern: x, value: SEPSSIS}\n",
	              cats);
	bad(gx_buf_cstr(&b), NULL, "a rule value that is not a category",
	    "rule 'r': value 'SEPSSIS' is not a category", "line 7");
	gx_buf_reset(&b);
	gx_buf_printf(&b, "%srules:\n  - {id: r, fields: [title], pattern: '(x', value: SEPSIS}\n",
	              cats);
	bad(gx_buf_cstr(&b), NULL, "bad pattern in an illness file", "bad.yaml', line 7",
	    "rule 'r': bad pattern at offset 2");
	bad("kind: illness\ncategories:\n  - {code: A, label: a, description: d}\ndefault: B\n",
	    NULL, "default that is not a category", "default 'B' is not a category", NULL);
	bad("kind: illness\ncategories:\n  - {code: a-b, label: a, description: d}\ndefault: x\n",
	    NULL, "bad category code", "category code 'a-b'", NULL);
	bad("kind: illness\ncategories:\n  - {code: A, label: a}\ndefault: A\n", NULL,
	    "category without description", "missing 'description'", NULL);
	bad("kind: platforms\n", NULL, "wrong kind", "expected 'kind: illness'", NULL);
	bad("kind: illness\ncategoreis: []\n", NULL, "unknown top-level key",
	    "unknown key 'categoreis'", NULL);
	gx_buf_reset(&b);
	gx_buf_printf(&b, "%srules:\n  - {id: r, fields: [title], pattern: x, value: SEPSIS}\n",
	              cats);
	bad(gx_buf_cstr(&b), "kind: overrides\noverrides:\n  - {id: o, sample: S, label: NOPE, "
	    "reason: x}\n", "override with an unknown label", "label 'NOPE' is not a category",
	    "bad-ovr.yaml', line 3");
	bad(gx_buf_cstr(&b), "kind: overrides\noverrides:\n  - {id: o, sample: S, label: SEPSIS}\n",
	    "override without a reason", "missing 'reason'", NULL);
	bad(gx_buf_cstr(&b), "kind: overrides\noverrides:\n  - {id: r, sample: S, label: SEPSIS, "
	    "reason: x}\n", "override id that is a rule id", "also a rule id", NULL);
	bad(gx_buf_cstr(&b), "kind: overrides\noverrides:\n  - {id: o1, sample: S, label: SEPSIS, "
	    "reason: x}\n  - {id: o2, sample: S, label: UNKNOWN, reason: y}\n",
	    "two overrides of one sample", "sample 'S' is already overridden by 'o1'", "line 3");
	bad(gx_buf_cstr(&b), "kind: overrides\noverrides:\n  - {id: o1, label: SEPSIS, "
	    "reason: x}\n", "override without study or sample", "needs a study or a sample",
	    NULL);
	gx_err_clear(&err);
	ok(gx_illness_load(tmp_path("base.yaml"), tmp_path("no-such-dir"), &ill, &err) ==
	   -GX_E_RULES && strstr(err.msg, "no-such-dir"), "a missing overrides directory is an "
	   "error");
	gx_err_clear(&err);
	ok(gx_illness_load(tmp_path("absent.yaml"), NULL, &ill, &err) == -GX_E_CONFIG_IO,
	   "an unreadable file is an I/O error");
	gx_buf_release(&b);
}

/* Load (with an overrides directory), label and explain; frees everything. */
static int oom_step(void *ctx, gx_err *err)
{
	gx_illness *ill = NULL;
	gx_illness_label lab;
	gx_fields *f = NULL;
	gx_buf b = { 0 };
	int rc;

	(void)ctx;
	rc = gx_illness_load(tmp_path("base.yaml"), tmp_path("ovr2"), &ill, err);
	if (!rc)
		rc = gx_fields_new(&f, err);
	if (!rc)
		rc = gx_fields_add_raw(f, "characteristics", "disease state: sepsis | x: y", err);
	if (!rc)
		rc = gx_illness_label_sample(ill, "GSE9", "GSM9", f, &lab, err);
	if (!rc)
		rc = gx_illness_explain(ill, "GSE9", "GSM5", f, &b, err);
	gx_buf_release(&b);
	gx_fields_free(f);
	gx_illness_free(ill);
	return rc;
}


/* ---- a study read as a whole ---------------------------------------------------- */

static const char *study_yaml =
	"kind: illness\n"
	"categories:\n"
	"  - {code: SHOCK, label: Septic shock, description: d}\n"
	"  - {code: SEPSIS, label: Sepsis, description: d}\n"
	"  - {code: ILL, label: Ill not septic, description: d}\n"
	"  - {code: HEALTHY, label: Healthy, description: d}\n"
	"  - {code: UNKNOWN, label: Unknown, description: d}\n"
	"default: UNKNOWN\n"
	"control_arm: {healthy: HEALTHY, patients: ILL}\n"
	"defaults: {flags: [caseless]}\n"
	"field_sets:\n"
	"  diagnosis: {priority: 300, confidence: 0.9, fields: [\"ch:*group*\", \"ch:*disease*\",\n"
	"              \"ch:*cohort*\", \"ch:*sepsis*\"]}\n"
	"  text: {priority: 200, confidence: 0.8, fields: [title, source_name]}\n"
	"  other: {priority: 100, confidence: 0.7, fields: [\"ch:*\"]}\n"
	"rules:\n"
	"  - {id: outcome, class: outcome, mask: true, fields: [diagnosis, text, other],\n"
	"     pattern: '(?:non)?survivor'}\n"
	"  - {id: pool, class: pooled, fields: [diagnosis, text, other], pattern: pooled,\n"
	"     value: UNKNOWN, priority: 1000}\n"
	"  - {id: healthy, class: healthy, fields: [diagnosis, text, other], pattern: healthy,\n"
	"     value: HEALTHY, priority: 95}\n"
	"  - {id: conv, class: recovered, fields: [diagnosis, text, other], pattern: convalescent,\n"
	"     value: ILL, priority: 90}\n"
	"  - {id: conv_time, class: recovered, fields: [\"ch:*time*\"], pattern: convalescent,\n"
	"     value: ILL, priority: 90}\n"
	"  - {id: neg, class: negation, fields: [diagnosis, text, other], pattern: 'no sepsis',\n"
	"     value: ILL, priority: 85}\n"
	"  - {id: shock, class: septic_shock, fields: [diagnosis, text, other],\n"
	"     pattern: 'septic shock', value: SHOCK, priority: 70}\n"
	"  - {id: sepsis, class: sepsis, fields: [diagnosis, text, other],\n"
	"     pattern: '(?<!non)sepsis', value: SEPSIS, priority: 60}\n"
	"  - {id: infection, class: infection, fields: [diagnosis, text, other],\n"
	"     pattern: pneumonia, value: UNKNOWN, priority: 50}\n"
	"  - {id: disease, class: noninfectious, fields: [diagnosis, text, other],\n"
	"     pattern: 'asthma|diabetes', value: ILL, priority: 40}\n"
	"  - {id: coded, class: sepsis, fields: [diagnosis], key: sepsis, pattern: '^y$',\n"
	"     value: SEPSIS, priority: 55}\n"
	"  - {id: control, class: control, fields: [diagnosis, text], pattern: '^control',\n"
	"     value: HEALTHY, priority: 30}\n"
	"  - {id: patient, class: patient, fields: [diagnosis, text, other],\n"
	"     pattern: 'patient|icu', priority: 10}\n"
	"  - {id: case, class: patient, fields: [diagnosis], pattern: '^case$', priority: 12}\n";

/* Label a study given as rows of "k1=v1;k2=v2" raw columns; codes joined with ','. */
static void label_study(const gx_illness *ill, const char *const *rows, gx_buf *codes,
                        gx_buf *rules, gx_illness_study **keep)
{
	gx_illness_study *st = NULL;
	gx_illness_label lab;
	gx_fields *f = NULL;
	gx_err err;
	size_t i;

	gx_buf_reset(codes);
	gx_buf_reset(rules);
	if (gx_fields_new(&f, &err) || gx_illness_study_new(ill, "GSE7", &st, &err))
		goto out;
	for (i = 0; rows[i]; i++) {
		char buf[512], acc[32], *save = NULL, *kv;
		gx_fields_clear(f);
		snprintf(buf, sizeof(buf), "%s", rows[i]);
		for (kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
			char *eq = strchr(kv, '=');
			if (eq) {
				*eq = '\0';
				gx_fields_add_raw(f, kv, eq + 1, &err);
			}
		}
		snprintf(acc, sizeof(acc), "GSM7%02zu", i);
		if (gx_illness_study_add(st, acc, f, &err))
			goto out;
	}
	if (gx_illness_study_finish(st, &err))
		goto out;
	for (i = 0; i < gx_illness_study_count(st); i++) {
		gx_illness_study_label(st, i, &lab);
		gx_buf_printf(codes, "%s%s", i ? "," : "", lab.code);
		gx_buf_printf(rules, "%s%s", i ? "," : "", lab.decided_by);
	}
out:
	gx_fields_free(f);
	if (keep)
		*keep = st;
	else
		gx_illness_study_free(st);
}

static void test_study(void)
{
	static const char *const constant[] = {
		"characteristics_ch1_cohort=sepsis cohort;characteristics_ch1_group=healthy",
		"characteristics_ch1_cohort=sepsis cohort;characteristics_ch1_group=sepsis",
		"characteristics_ch1_cohort=sepsis cohort;characteristics_ch1_group=X", NULL };
	static const char *const alike[] = {
		"characteristics_ch1_disease=septic shock;title=P1 day 1",
		"characteristics_ch1_disease=septic shock;title=P1 day 3", NULL };
	static const char *const healthy_arm[] = {
		"characteristics_ch1_group=control;title=c1",
		"characteristics_ch1_group=sepsis;title=s1", NULL };
	static const char *const icu_arm[] = {
		"characteristics_ch1_group=control;source_name=ICU patient",
		"characteristics_ch1_group=sepsis;source_name=ICU patient", NULL };
	static const char *const disease_arm[] = {
		"characteristics_ch1_group=control;characteristics_ch1_comorbidity=asthma",
		"characteristics_ch1_group=control",
		"characteristics_ch1_group=sepsis", NULL };
	static const char *const comparison[] = {
		"characteristics_ch1_group=ICU patient",
		"characteristics_ch1_group=sepsis", NULL };
	static const char *const group[] = {
		"characteristics_ch1_group=A;title=septic shock 1",
		"characteristics_ch1_group=A;title=septic shock 2",
		"characteristics_ch1_group=A;title=sample 3",
		"characteristics_ch1_group=B;title=healthy 4",
		"characteristics_ch1_group=B;title=recovered 5", NULL };
	static const char *const specific[] = {
		"characteristics_ch1_disease=pneumonia;title=sepsis patient",
		"characteristics_ch1_disease=pneumonia;characteristics_ch1_note=no sepsis",
		"characteristics_ch1_disease=pneumonia and asthma",
		"characteristics_ch1_disease=sepsis nonsurvivor;title=pooled",
		"characteristics_ch1_sepsis (y/n)=y", NULL };
	static const char *const recovered[] = {
		"characteristics_ch1_disease=pneumonia;characteristics_ch1_time=convalescent",
		"characteristics_ch1_disease=pneumonia;characteristics_ch1_time=acute",
		"characteristics_ch1_disease=septic shock;title=P3 convalescent",
		"characteristics_ch1_disease=sepsis;characteristics_ch1_outcome=convalescent", NULL };
	static const char *const case_arm[] = {
		"characteristics_ch1_cohort=sepsis cohort;characteristics_ch1_group=healthy",
		"characteristics_ch1_cohort=sepsis cohort;characteristics_ch1_group=case",
		"characteristics_ch1_cohort=sepsis cohort;characteristics_ch1_group=X", NULL };
	gx_illness *ill = NULL;
	gx_illness_study *st = NULL;
	gx_illness_label lab;
	gx_buf codes = { 0 }, rules = { 0 }, b = { 0 };
	gx_err err;

	tmp_write("study.yaml", study_yaml);
	if (gx_illness_load(tmp_path("study.yaml"), NULL, &ill, &err)) {
		ok(0, "study rules load");
		diag(err.msg);
		return;
	}
	label_study(ill, constant, &codes, &rules, NULL);
	is_str(gx_buf_cstr(&codes), "HEALTHY,SEPSIS,UNKNOWN", "a study-wide 'sepsis cohort' "
	       "labels neither the healthy nor the unlabelled sample");
	label_study(ill, alike, &codes, &rules, &st);
	is_str(gx_buf_cstr(&codes), "SHOCK,SHOCK", "a study-wide diagnosis labels a study of "
	       "alike samples");
	gx_illness_study_label(st, 0, &lab);
	ok(strstr(lab.study, "study-wide field 'ch:disease'") != NULL, "and says so");
	ok(gx_illness_study_summary(st, &b, &err) == 0 &&
	   strstr(gx_buf_cstr(&b), "ch:disease = \"septic shock\"") &&
	   strstr(gx_buf_cstr(&b), "the same for every sample"), "the summary lists it");
	diag_lines(gx_buf_cstr(&b));
	gx_illness_study_free(st);
	label_study(ill, healthy_arm, &codes, &rules, NULL);
	is_str(gx_buf_cstr(&codes), "HEALTHY,SEPSIS", "control among healthy people: healthy");
	label_study(ill, icu_arm, &codes, &rules, &st);
	is_str(gx_buf_cstr(&codes), "ILL,SEPSIS", "control in a study of ICU patients: ill");
	gx_illness_study_label(st, 0, &lab);
	is_str(lab.decided_by, "control", "decided by the control rule");
	is_str(lab.cls, "control", "of class control");
	is_str(lab.field, "ch:group", "on the group field");
	is_str(lab.value, "control", "with the field's value");
	ok(strstr(lab.study, "a control arm of patients: 'source_name' says \"ICU\"") != NULL,
	   "and the study-level reason");
	gx_buf_reset(&b);
	ok(gx_illness_label_json(&lab, &b) == 0 &&
	   strstr(gx_buf_cstr(&b), "\"key\":\"group\"") &&
	   strstr(gx_buf_cstr(&b), "\"class\":\"control\"") &&
	   strstr(gx_buf_cstr(&b), "\"study\":\"a control arm of patients"),
	   "the evidence as JSON: key, class, study reason");
	diag(gx_buf_cstr(&b));
	gx_buf_reset(&b);
	ok(gx_illness_study_explain(st, 0, &b, &err) == 0 &&
	   strstr(gx_buf_cstr(&b), "key 'group', value \"control\"") &&
	   strstr(gx_buf_cstr(&b), "study: a control arm of patients"),
	   "explain shows field, key, value and the study reason");
	diag_lines(gx_buf_cstr(&b));
	gx_illness_study_free(st);
	label_study(ill, disease_arm, &codes, &rules, NULL);
	is_str(gx_buf_cstr(&codes), "ILL,ILL,SEPSIS", "a control arm that carries a disease is "
	       "ill, also where a sample does not say so");
	label_study(ill, comparison, &codes, &rules, NULL);
	is_str(gx_buf_cstr(&codes), "ILL,SEPSIS", "patients as the comparison arm of a sepsis "
	       "group are ill");
	is_str(gx_buf_cstr(&rules), "patient,sepsis", "decided by the patient marker");
	label_study(ill, group, &codes, &rules, &st);
	is_str(gx_buf_cstr(&codes), "SHOCK,SHOCK,SHOCK,HEALTHY,UNKNOWN", "an unlabelled member "
	       "takes its group's label; a group that does not agree gives none");
	gx_illness_study_label(st, 2, &lab);
	ok(strstr(lab.study, "group 'ch:group' = \"A\": 2 of 2 other members are SHOCK") != NULL,
	   "and says which group");
	gx_illness_study_free(st);
	label_study(ill, specific, &codes, &rules, NULL);
	is_str(gx_buf_cstr(&codes), "SEPSIS,ILL,UNKNOWN,UNKNOWN,SEPSIS",
	       "sepsis over infection, negation over infection, infection over a "
	       "non-infectious disease, pooled over all, a key naming sepsis");
	is_str(gx_buf_cstr(&rules), "sepsis,neg,infection,pool,coded", "decided by those rules");
	label_study(ill, recovered, &codes, &rules, &st);
	is_str(gx_buf_cstr(&codes), "ILL,UNKNOWN,ILL,SEPSIS", "convalescent in a time field or "
	       "the title beats the illness of the diagnosis field; not in another field");
	is_str(gx_buf_cstr(&rules), "conv_time,infection,conv,sepsis", "decided by those rules");
	gx_illness_study_label(st, 0, &lab);
	ok(strstr(lab.study, "the state at sampling, over \"pneumonia\" in 'ch:disease'") != NULL,
	   "and says what it overrules");
	gx_illness_study_free(st);
	label_study(ill, case_arm, &codes, &rules, &st);
	is_str(gx_buf_cstr(&codes), "HEALTHY,SEPSIS,UNKNOWN", "a study-wide 'sepsis cohort' labels "
	       "the samples its group calls cases, not the others");
	gx_illness_study_label(st, 1, &lab);
	ok(strstr(lab.study, "study-wide 'ch:cohort' says \"sepsis\" and 'ch:group' says \"case\"")
	   != NULL, "and says why");
	diag(lab.study);
	gx_illness_study_free(st);
	gx_buf_release(&codes);
	gx_buf_release(&rules);
	gx_buf_release(&b);
	gx_illness_free(ill);
}

static void test_class_errors(void)
{
	static const char *cats =
		"kind: illness\n"
		"categories:\n"
		"  - {code: SEPSIS, label: Sepsis, description: d}\n"
		"  - {code: UNKNOWN, label: Unknown, description: d}\n"
		"default: UNKNOWN\n";
	gx_buf b = { 0 };

	gx_buf_printf(&b, "%srules:\n  - {id: r, class: septic, fields: [title], pattern: x, "
	              "value: SEPSIS}\n", cats);
	bad(gx_buf_cstr(&b), NULL, "an unknown class", "unknown class 'septic'", "rule 'r'");
	gx_buf_reset(&b);
	gx_buf_printf(&b, "%srules:\n  - {id: r, class: patient, fields: [title], pattern: x, "
	              "value: SEPSIS}\n", cats);
	bad(gx_buf_cstr(&b), NULL, "a patient rule with a value", "gives no value", "rule 'r'");
	gx_buf_reset(&b);
	gx_buf_printf(&b, "%srules:\n  - {id: r, class: outcome, fields: [title], pattern: x, "
	              "value: SEPSIS}\n", cats);
	bad(gx_buf_cstr(&b), NULL, "an outcome rule that does not mask", "masked (mask: true)",
	    "rule 'r'");
	gx_buf_reset(&b);
	gx_buf_printf(&b, "%srules:\n  - {id: r, class: sepsis, fields: [title], pattern: x}\n",
	              cats);
	bad(gx_buf_cstr(&b), NULL, "a rule without a value", "rule 'r' has no value", NULL);
	gx_buf_reset(&b);
	gx_buf_printf(&b, "%scontrol_arm: {healthy: SEPSIS, patients: NOPE}\n", cats);
	bad(gx_buf_cstr(&b), NULL, "control_arm with an unknown category",
	    "control_arm: 'NOPE' is not a category", NULL);
	gx_buf_reset(&b);
	gx_buf_printf(&b, "%scontrol_arm: {healthy: SEPSIS}\n", cats);
	bad(gx_buf_cstr(&b), NULL, "control_arm without patients", "missing 'patients'", NULL);
	gx_buf_release(&b);
}

static void test_drop_overrides(void)
{
	gx_illness *ill = NULL;
	gx_illness_label lab;
	gx_fields *f = fields("characteristics_ch1_disease state", "sepsis", NULL, NULL);
	gx_err err;

	if (gx_illness_load(tmp_path("base.yaml"), NULL, &ill, &err)) {
		gx_fields_free(f);
		return;
	}
	gx_illness_drop_overrides(ill);
	is_int(gx_illness_override_count(ill), 0, "overrides dropped");
	gx_illness_label_sample(ill, "GSE2", "GSM7", f, &lab, &err);
	is_str(lab.decided_by, "sepsis", "the rules alone decide");
	gx_fields_free(f);
	gx_illness_free(ill);
}

/* A study of three samples, finished, labelled, explained and summarised. */
static int oom_study(void *ctx, gx_err *err)
{
	gx_illness *ill = NULL;
	gx_illness_study *st = NULL;
	gx_illness_label lab;
	gx_fields *f = NULL;
	gx_buf b = { 0 };
	size_t i;
	int rc;

	(void)ctx;
	rc = gx_illness_load(tmp_path("study.yaml"), NULL, &ill, err);
	if (!rc)
		rc = gx_fields_new(&f, err);
	if (!rc)
		rc = gx_illness_study_new(ill, "GSE8", &st, err);
	for (i = 0; !rc && i < 3; i++) {
		gx_fields_clear(f);
		rc = gx_fields_add_raw(f, "characteristics", i == 0 ? "group: control | x: ICU" :
		                       i == 1 ? "group: sepsis | x: ICU" : "group: A | x: ICU", err);
		if (!rc)
			rc = gx_illness_study_add(st, "GSM", f, err);
	}
	if (!rc)
		rc = gx_illness_study_finish(st, err);
	if (!rc) {
		gx_illness_study_label(st, 0, &lab);
		rc = gx_illness_label_json(&lab, &b) < 0 ? gx_err_set(err, GX_E_NOMEM, "oom") : 0;
	}
	if (!rc)
		rc = gx_illness_study_explain(st, 0, &b, err);
	if (!rc)
		rc = gx_illness_study_summary(st, &b, err);
	gx_buf_release(&b);
	gx_illness_study_free(st);
	gx_fields_free(f);
	gx_illness_free(ill);
	return rc;
}

static void test_oom(void)
{
	mkdir(tmp_path("ovr2"), 0700);
	tmp_write("ovr2/a.yaml", "kind: overrides\noverrides:\n"
	          "  - {id: oa, sample: GSM5, label: SEPSIS, reason: r}\n");
	oom_check("illness load, label, explain", oom_step, NULL);
	oom_check("a study labelled, explained, summarised", oom_study, NULL);
}

int main(void)
{
	gx_mem_init();
	if (tmp_init()) {
		ok(0, "temporary directory");
		return tap_done();
	}
	test_precedence();
	test_explain();
	test_overrides_dir();
	test_errors();
	test_study();
	test_class_errors();
	test_drop_overrides();
	test_oom();
	tmp_cleanup();
	return tap_done();
}
