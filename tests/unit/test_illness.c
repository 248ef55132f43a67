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

static void test_oom(void)
{
	mkdir(tmp_path("ovr2"), 0700);
	tmp_write("ovr2/a.yaml", "kind: overrides\noverrides:\n"
	          "  - {id: oa, sample: GSM5, label: SEPSIS, reason: r}\n");
	oom_check("illness load, label, explain", oom_step, NULL);
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
	test_oom();
	tmp_cleanup();
	return tap_done();
}
