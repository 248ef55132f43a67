/*
 * test_rules.c - the generic rule engine: order, field sets, captures, errors, limits.
 */
#include "core/log.h"
#include "core/mem.h"
#include "core/yaml.h"
#include "expect_err.h"
#include "oom.h"
#include "tap.h"
#include "transform/fields.h"
#include "transform/rules.h"

#include <stdlib.h>
#include <string.h>

static const char *const outputs[] = { "name", "code", NULL };

static gx_yaml_doc *doc_of(const char *text)
{
	gx_yaml_doc *doc = NULL;
	gx_err err;

	gx_err_clear(&err);
	if (gx_yaml_load_buffer("t.yaml", text, strlen(text), &doc, &err))
		printf("# yaml: %s\n", err.msg);
	return doc;
}

/* Classes these tests accept: "good" and "other". */
static int check_class(void *ctx, const char *cls, char *why, size_t cap)
{
	(void)ctx;
	if (!strcmp(cls, "good") || !strcmp(cls, "other"))
		return 0;
	snprintf(why, cap, "unknown class '%s'", cls);
	return -1;
}

/* Load a rule list from YAML text; NULL (and err filled) on failure. */
static gx_rules *load(const char *text, gx_err *err)
{
	gx_rules_spec spec = { "rules", outputs, 0, NULL, NULL, check_class };
	gx_yaml_doc *doc = NULL;
	gx_rules *rs = NULL;
	int rc;

	gx_err_clear(err);
	rc = gx_rules_yaml_err(err, gx_yaml_load_buffer("t.yaml", text, strlen(text), &doc, err));
	if (!rc)
		rc = gx_rules_load(doc, &spec, &rs, err);
	gx_yaml_doc_free(doc);
	return rc ? NULL : rs;
}

static gx_fields *fields(const char *const *kv)
{
	gx_fields *f = NULL;
	gx_err err;

	gx_fields_new(&f, &err);
	for (; kv && kv[0]; kv += 2)
		gx_fields_put(f, kv[0], kv[1], strlen(kv[1]), &err);
	return f;
}

/* Id of the rule that wins, "" if none, "ERROR" on error. */
static const char *winner(const gx_rules *rs, const char *const *kv, const char *study,
                          gx_rule_match *m)
{
	gx_fields *f = fields(kv);
	gx_err err;
	int rc = gx_rules_first(rs, f, study, m, &err);

	gx_fields_free(f);
	if (rc < 0)
		return "ERROR";
	return rc ? m->rule->id : "";
}

static void test_priority(void)
{
	static const char *yaml =
		"defaults: {flags: [caseless]}\n"
		"field_sets:\n"
		"  strong: {priority: 300, confidence: 0.9, fields: [\"ch:*disease*\"]}\n"
		"  weak: {priority: 100, confidence: 0.5, fields: [title]}\n"
		"rules:\n"
		"  - {id: low_first, fields: [title], pattern: sepsis, value: A}\n"
		"  - {id: high, fields: [title], pattern: sepsis, value: B, priority: 10}\n"
		"  - {id: tie_second, fields: [title], pattern: sepsis, value: C, priority: 10}\n"
		"  - {id: by_set, fields: [weak, strong], pattern: healthy, value: D}\n"
		"  - {id: weak_but_high, fields: [weak], pattern: healthy, value: E, priority: 150}\n"
		"  - {id: neg, fields: [title], pattern: 'non-septic', value: F, priority: 20,\n"
		"     confidence: 0.5}\n";
	const char *t1[] = { "title", "Sepsis patient", NULL };
	const char *t2[] = { "title", "healthy", "ch:disease state", "healthy", NULL };
	const char *t3[] = { "title", "healthy", NULL };
	const char *t4[] = { "title", "non-septic sepsis", NULL };
	gx_rule_match m;
	gx_err err;
	gx_rules *rs = load(yaml, &err);

	ok(rs != NULL, "priority rules load");
	if (!rs) {
		diag(err.msg);
		return;
	}
	is_str(winner(rs, t1, NULL, &m), "high", "higher priority wins over file order");
	is_str(winner(rs, t4, NULL, &m), "neg", "negation rule with higher priority wins");
	is_double(m.confidence, 0.5, "rule's own confidence used with its own selectors");
	is_str(winner(rs, t2, NULL, &m), "by_set", "strong field set outranks weak field");
	is_str(m.field, "ch:disease state", "the field of the winning set is reported");
	is_str(m.field_set, "strong", "the field set is reported");
	is_int(m.priority, 300, "effective priority is set + rule");
	is_double(m.confidence, 0.9, "effective confidence is set x rule");
	is_str(winner(rs, t3, NULL, &m), "weak_but_high", "rule priority adds to the set's");
	is_int(m.priority, 250, "100 + 150");
	gx_rules_free(rs);
}

static int collect(void *ctx, const gx_rule_match *m)
{
	gx_buf *b = ctx;
	return gx_buf_printf(b, "%s@%s;", m->rule->id, m->field);
}

static void test_each_order(void)
{
	static const char *yaml =
		"rules:\n"
		"  - {id: a, fields: [title, source_name], pattern: x, value: A}\n"
		"  - {id: b, fields: [source_name], pattern: x, value: B, priority: 5}\n"
		"  - {id: c, fields: [title], pattern: y, value: C}\n";
	const char *kv[] = { "title", "x", "source_name", "x", NULL };
	gx_fields *f = fields(kv);
	gx_buf b = { 0 };
	gx_err err;
	gx_rules *rs = load(yaml, &err);

	ok(rs && gx_rules_each(rs, f, NULL, collect, &b, &err) == 0, "each walks all matches");
	is_str(gx_buf_cstr(&b), "b@source_name;a@title;", "best first; a rule reports its "
	       "first matching field; no match, no call");
	gx_buf_release(&b);
	gx_fields_free(f);
	gx_rules_free(rs);
}

static void test_keys_masks(void)
{
	static const char *yaml =
		"defaults: {flags: [caseless]}\n"
		"rules:\n"
		"  - {id: outcome, fields: [\"ch:*\", title], mask: true, class: other,\n"
		"     pattern: '(?:non)?survivor'}\n"
		"  - {id: neg, fields: [\"ch:*\", title], pattern: 'non', value: N, priority: 9}\n"
		"  - {id: coded, fields: [\"ch:*\"], key: 'sepsis', pattern: '^y$', value: S,\n"
		"     class: good, priority: 5}\n"
		"  - {id: any, fields: [\"ch:*\", title], pattern: 'sepsis|y', value: W}\n";
	const char *t1[] = { "title", "sepsis nonsurvivor", NULL };
	const char *t2[] = { "ch:sepsis (y/n)", "y", NULL };
	const char *t3[] = { "ch:group", "y", NULL };
	const char *t4[] = { "title", "non-sepsis", NULL };
	gx_fields *f;
	gx_buf b = { 0 };
	gx_rule_match m;
	gx_err err;
	gx_rules *rs = load(yaml, &err);

	ok(rs != NULL, "key, mask and class rules load");
	if (!rs) {
		diag(err.msg);
		return;
	}
	is_str(gx_rules_info(rs, 0)->cls, "other", "a rule keeps its class");
	ok(gx_rules_info(rs, 0)->mask && !gx_rules_info(rs, 1)->mask, "and its mask flag");
	is_str(gx_rules_info(rs, 2)->key, "sepsis", "and its key pattern");
	is_str(winner(rs, t1, NULL, &m), "any", "a masked word is not read: 'non' of "
	       "'nonsurvivor' is no negation");
	is_str(m.text, "sepsis", "the match is on the masked text");
	is_str(winner(rs, t4, NULL, &m), "neg", "unmasked 'non' is read");
	is_str(winner(rs, t2, NULL, &m), "coded", "a key pattern reads the value through its key");
	is_str(winner(rs, t3, NULL, &m), "any", "the key pattern must match the key");
	is_str(gx_rules_field_key("ch:disease state"), "disease state", "a characteristic's key");
	is_str(gx_rules_field_key("title"), "title", "another field's key is its name");
	f = fields(t1);
	ok(gx_rules_each_field(rs, f, NULL, collect, &b, &err) == 0, "each_field walks all fields");
	is_str(gx_buf_cstr(&b), "outcome@title;any@title;", "masks first, on the raw text");
	gx_buf_release(&b);
	gx_fields_free(f);
	gx_rules_free(rs);
	rs = load("rules:\n  - {id: a, fields: [title], pattern: x, value: A, class: bad}\n", &err);
	ok(!rs && strstr(err.msg, "unknown class 'bad'") && strstr(err.msg, "rule 'a'"),
	   "an unknown class is refused by the caller's check");
	gx_rules_free(rs);
	rs = load("rules:\n  - {id: a, fields: [title], pattern: x, value: A, mask: true}\n", &err);
	ok(!rs && strstr(err.msg, "a mask rule has no value"), "a mask rule has no value");
	gx_rules_free(rs);
	rs = load("rules:\n  - {id: a, fields: [title], pattern: x, mask: maybe}\n", &err);
	ok(!rs && strstr(err.msg, "mask must be true or false"), "mask is true or false");
	gx_rules_free(rs);
	rs = load("rules:\n  - {id: a, fields: [title], pattern: x, key: '(', value: A}\n", &err);
	ok(!rs && strstr(err.msg, "bad pattern"), "a bad key pattern is refused");
	gx_rules_free(rs);
}

static void test_selectors(void)
{
	static const char *yaml =
		"field_sets:\n"
		"  chars: [\"ch:*\", \"!ch:study\", \"!ch:*mortality*\"]\n"
		"rules:\n"
		"  - {id: s, fields: [chars], pattern: '(?i)sepsis', value: S}\n"
		"  - {id: exact, fields: [\"ch:Disease_State\"], pattern: 'x', value: X}\n";
	const char *study_only[] = { "ch:study", "Sepsis study", "ch:in hospital mortality",
		"sepsis death", NULL };
	const char *both[] = { "ch:study", "Sepsis study", "ch:group", "sepsis", NULL };
	const char *norm[] = { "ch:disease state", "x", NULL };
	gx_rule_match m;
	gx_err err;
	gx_rules *rs = load(yaml, &err);

	ok(rs != NULL, "selector rules load");
	if (!rs)
		return;
	is_str(winner(rs, study_only, NULL, &m), "", "excluded fields are never examined");
	is_str(winner(rs, both, NULL, &m), "s", "included field still matches");
	is_str(m.field, "ch:group", "on the included field");
	is_str(winner(rs, norm, NULL, &m), "exact", "ch: selectors are normalized like keys");
	gx_rules_free(rs);
}

static void test_captures(void)
{
	static const char *yaml =
		"rules:\n"
		"  - id: code\n"
		"    fields: [platform]\n"
		"    pattern: '^(?<name>.*?\\S)\\s*\\((?<code>[^()]+)\\)$'\n"
		"  - id: fallback\n"
		"    fields: [platform]\n"
		"    pattern: '^(?<name>.+)$'\n"
		"    set: {code: none}\n";
	const char *a[] = { "platform", "Illumina HiSeq 2500 (IlluminaHiSeq2500)", NULL };
	const char *b[] = { "platform", "Something", NULL };
	gx_rule_match m;
	gx_err err;
	gx_rules *rs = load(yaml, &err);

	ok(rs != NULL, "capture rules load");
	if (!rs)
		return;
	is_str(winner(rs, a, NULL, &m), "code", "capture rule matches");
	is_str(gx_rule_match_output(rs, &m, "name"), "Illumina HiSeq 2500",
	       "named capture fills name");
	is_str(gx_rule_match_output(rs, &m, "code"), "IlluminaHiSeq2500", "named capture fills code");
	is_str(m.text, "Illumina HiSeq 2500 (IlluminaHiSeq2500)", "matched text is group 0");
	is_str(winner(rs, b, NULL, &m), "fallback", "fallback rule matches");
	is_str(gx_rule_match_output(rs, &m, "code"), "none", "set: gives a static output");
	ok(gx_rule_match_output(rs, &m, "nope") == NULL, "unknown output is NULL");
	gx_rules_free(rs);
}

static void test_scope(void)
{
	static const char *yaml =
		"rules:\n"
		"  - {id: only_gse1, fields: [title], pattern: x, value: A, studies: [GSE1],\n"
		"     priority: 5}\n"
		"  - {id: any, fields: [title], pattern: x, value: B}\n";
	const char *kv[] = { "title", "x", NULL };
	gx_rule_match m;
	gx_err err;
	gx_rules *rs = load(yaml, &err);

	ok(rs != NULL, "scoped rules load");
	if (!rs)
		return;
	is_str(winner(rs, kv, "GSE1", &m), "only_gse1", "scoped rule applies to its study");
	is_str(winner(rs, kv, "GSE2", &m), "any", "and not to another");
	is_str(winner(rs, kv, NULL, &m), "any", "nor when the study is unknown");
	gx_rules_free(rs);
}

/* Load must fail with GX_E_RULES and a message containing every 'needle'. */
static void bad(const char *yaml, const char *what, const char *n1, const char *n2)
{
	gx_err err;
	gx_rules *rs = load(yaml, &err);

	expect_err(rs ? 0 : -(int)err.code, &err, GX_E_RULES, what, n1, n2);
	gx_rules_free(rs);
}

static void test_errors(void)
{
	gx_err err;
	gx_rules *rs = load("rules:\n  - {id: a, fields: [title], pattern: '('}\n", &err);

	ok(!rs && err.code == GX_E_RULES && gx_err_exit_code(&err) == 78,
	   "a bad rule file is GX_E_RULES, exit 78");
	gx_rules_free(rs);
	bad("rules:\n  - id: broken\n    fields: [title]\n    pattern: 'abc(def'\n",
	    "bad pattern names file, rule, offset", "'t.yaml', line 4",
	    "rule 'broken': bad pattern at offset 7");
	bad("rules:\n  - {id: q, fields: [title], pattern: 'a**'}\n",
	    "quantifier error gives offset", "rule 'q'", "offset 2");
	bad("x: &a [1]\ny: *a\nrules: []\n", "YAML anchors and aliases are refused", "anchors",
	    "t.yaml");
	bad("rules:\n  - {id: a, fields: [title], pattern: x}\n  - {id: a, fields: [title], "
	    "pattern: y}\n", "duplicate rule id", "duplicate rule id 'a'", "line 3");
	bad("rules:\n  - {id: a, fields: [title], pattern: x, paterns: y}\n",
	    "unknown rule key (a typo)", "unknown key 'paterns'", NULL);
	bad("rules:\n  - {id: a, fields: [diagnosys], pattern: x}\n", "unknown field set",
	    "'diagnosys' is neither a field set nor a field name", NULL);
	bad("rules:\n  - {id: a, fields: [title], pattern: x, flags: [caseles]}\n",
	    "unknown flag", "unknown flag 'caseles'", NULL);
	bad("rules:\n  - {id: a, fields: [title], pattern: x, confidence: 1.5}\n",
	    "confidence out of range", "confidence", NULL);
	bad("rules:\n  - {id: 'a b', fields: [title], pattern: x}\n", "bad id", "rule id", NULL);
	bad("rules:\n  - {id: a, pattern: x}\n", "rule without fields", "has no fields", NULL);
	bad("rules:\n  - {id: a, fields: [title]}\n", "rule without pattern", "needs a pattern",
	    NULL);
	bad("rules:\n  - {id: a, fields: [title], pattern: x, set: {color: red}}\n",
	    "set of an unknown output", "'color' is not an output", NULL);
	bad("field_sets:\n  title: [title]\nrules: []\n", "field set named like a field",
	    "field set name 'title'", NULL);
	bad("field_sets:\n  s: [\"!title\"]\nrules: []\n", "field set of exclusions only",
	    "selects no field", NULL);
}

static void test_limits(void)
{
	static const char *yaml =
		"rules:\n"
		"  - {id: catastrophic, fields: [title], pattern: '(a+)+$', value: A}\n";
	char *subject = malloc(64 + 1);
	const char *kv[] = { "title", NULL, NULL };
	gx_fields *f;
	gx_rule_match m;
	gx_err err;
	gx_rules *rs = load(yaml, &err);
	double t0;
	int rc;

	ok(rs != NULL, "catastrophic pattern compiles");
	if (!rs || !subject)
		return;
	memset(subject, 'a', 63);
	subject[63] = 'b';
	subject[64] = '\0';
	kv[1] = subject;
	f = fields(kv);
	t0 = gx_mono();
	gx_err_clear(&err);
	rc = gx_rules_first(rs, f, NULL, &m, &err);
	ok(gx_mono() - t0 < 5.0, "a catastrophic match finishes (%.3f s)", gx_mono() - t0);
	is_int(rc, -GX_E_RULES, "a limit hit is an error, not a non-match");
	ok(strstr(err.msg, "catastrophic") && strstr(err.msg, "title") &&
	   strstr(err.msg, "limit"), "the error names rule, field and the limit");
	diag(err.msg);
	ok(strcmp(err.file, "t.yaml") == 0 && err.line == 2, "and the rule's file and line");
	gx_fields_free(f);
	gx_rules_free(rs);
	free(subject);
}

static void test_subject(void)
{
	static const char *yaml =
		"rules:\n"
		"  - {id: tail, fields: [title], pattern: 'needle', value: A}\n"
		"  - {id: utf, fields: [source_name], pattern: '^caf.$', value: B}\n";
	size_t n = GX_RULES_MAX_SUBJECT + 100;
	char *big = malloc(n + 1);
	const char *kv[] = { "title", NULL, NULL };
	const char *bad_utf[] = { "source_name", "caf\xe9", NULL };
	const char *good_utf[] = { "source_name", "caf\xc3\xa9", NULL };
	gx_rule_match m;
	gx_err err;
	gx_rules *rs = load(yaml, &err);

	ok(rs != NULL, "subject rules load");
	if (!rs || !big)
		return;
	memset(big, 'x', n);
	memcpy(big + n - 6, "needle", 6);
	big[n] = '\0';
	kv[1] = big;
	is_str(winner(rs, kv, NULL, &m), "", "text past the subject cap is not examined");
	memcpy(big + 10, "needle", 6);
	is_str(winner(rs, kv, NULL, &m), "tail", "text before the cap is");
	is_str(winner(rs, bad_utf, NULL, &m), "", "invalid UTF-8 is matched, not an error");
	is_str(winner(rs, good_utf, NULL, &m), "utf", "one UTF-8 character is one '.'");
	gx_rules_free(rs);
	free(big);
}

static void test_digest(void)
{
	gx_yaml_doc *a = doc_of("k: v  # a comment\nl: [1, 2]\n");
	gx_yaml_doc *b = doc_of("# other comment\nk:   v\nl:\n  - 1\n  - 2\n");
	gx_yaml_doc *c = doc_of("k: v\nl: [1, 3]\n");
	gx_yaml_doc *d = doc_of("k: 'v'\nl: [1, 2]\n");
	char ha[GX_HASH_HEX], hb[GX_HASH_HEX], hc[GX_HASH_HEX], hd[GX_HASH_HEX], hr[GX_HASH_HEX];
	gx_rules_digest da = { { 0 } }, db = { { 0 } }, dc = { { 0 } }, dd = { { 0 } },
		dr = { { 0 } };
	gx_err err;

	ok(a && b && c && d, "digest docs parse");
	if (!a || !b || !c || !d)
		return;
	gx_rules_digest_add(&da, "x", a, &err);
	gx_rules_digest_add(&db, "x", b, &err);
	gx_rules_digest_add(&dc, "x", c, &err);
	gx_rules_digest_add(&dd, "x", d, &err);
	gx_rules_digest_add(&dr, "y", a, &err);
	gx_rules_digest_hex(&da, ha);
	gx_rules_digest_hex(&db, hb);
	gx_rules_digest_hex(&dc, hc);
	gx_rules_digest_hex(&dd, hd);
	gx_rules_digest_hex(&dr, hr);
	is_int(strlen(ha), 32, "hash is 32 hex digits");
	is_str(ha, hb, "comments and layout do not change the hash");
	ok(strcmp(ha, hc) != 0, "a changed value changes the hash");
	ok(strcmp(ha, hd) != 0, "quoting (string vs plain scalar) changes the hash");
	ok(strcmp(ha, hr) != 0, "the role is part of the hash");
	gx_rules_digest_release(&da);
	gx_rules_digest_release(&db);
	gx_rules_digest_release(&dc);
	gx_rules_digest_release(&dd);
	gx_rules_digest_release(&dr);
	gx_yaml_doc_free(a);
	gx_yaml_doc_free(b);
	gx_yaml_doc_free(c);
	gx_yaml_doc_free(d);
}

/* Load and match; frees everything. */
static int oom_step(void *ctx, gx_err *err)
{
	static const char *yaml =
		"field_sets: {s: {priority: 5, fields: [title, \"ch:*\"]}}\n"
		"rules:\n"
		"  - {id: a, fields: [s], pattern: '(?<name>x+)', value: A, set: {code: c}}\n";
	static const char *const kv[] = { "title", "xx", "ch:k", "v", NULL };
	gx_fields *f = NULL;
	gx_rules *rs;
	gx_rule_match m;
	size_t i;
	int rc;

	(void)ctx;
	rs = load(yaml, err);
	rc = rs ? gx_fields_new(&f, err) : -(int)err->code;
	for (i = 0; !rc && kv[i]; i += 2)
		rc = gx_fields_put(f, kv[i], kv[i + 1], strlen(kv[i + 1]), err);
	if (!rc && (rc = gx_rules_first(rs, f, NULL, &m, err)) == 1)
		rc = strcmp(gx_rule_match_output(rs, &m, "code"), "c") ? -GX_E_INTERNAL : 0;
	gx_rules_free(rs);
	gx_fields_free(f);
	return rc;
}

static void test_oom(void)
{
	oom_check("rules load and match", oom_step, NULL);
}

int main(void)
{
	gx_mem_init();
	test_priority();
	test_each_order();
	test_keys_masks();
	test_selectors();
	test_captures();
	test_scope();
	test_errors();
	test_limits();
	test_subject();
	test_digest();
	test_oom();
	return tap_done();
}
