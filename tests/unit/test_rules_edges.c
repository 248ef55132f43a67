/*
 * test_rules_edges.c - what a match keeps of long text: the matched text and a captured
 * output are cut to their buffers (GX_RULES_TEXT_MAX, GX_RULES_OUT_MAX) at a character
 * boundary, never inside a UTF-8 sequence, since both are stored in the database and a
 * broken sequence is not text.
 */
#include "core/yaml.h"
#include "tap.h"
#include "transform/fields.h"
#include "transform/rules.h"

#include <stdlib.h>
#include <string.h>

static const char *const outputs[] = { "name", NULL };

/* 1 if s is valid UTF-8 (a strict check of its own, independent of the code under test) */
static int utf8_ok(const unsigned char *s)
{
	while (*s) {
		int n = *s < 0x80 ? 0 : (*s & 0xE0) == 0xC0 ? 1 : (*s & 0xF0) == 0xE0 ? 2
		      : (*s & 0xF8) == 0xF0 ? 3 : -1;
		if (n < 0)
			return 0;
		for (s++; n > 0; n--, s++)
			if ((*s & 0xC0) != 0x80)
				return 0;
	}
	return 1;
}

int main(void)
{
	static const char *yaml =
		"rules:\n"
		"  - {id: long, fields: [title], pattern: '(?<name>a+\\x{e9}+z*)', value: X}\n";
	gx_rules_spec spec = { "rules", outputs, 0, NULL, NULL, NULL };
	gx_yaml_doc *doc = NULL;
	gx_rules *rs = NULL;
	gx_fields *f = NULL;
	gx_rule_match m;
	gx_err err;
	char subj[400];
	size_t i, n = 0;
	int rc;

	gx_err_clear(&err);
	rc = gx_yaml_load_buffer("t.yaml", yaml, strlen(yaml), &doc, &err);
	if (!rc)
		rc = gx_rules_load(doc, &spec, &rs, &err);
	ok(rc == 0 && rs, "rules load");
	if (rc)
		printf("# %s\n", err.msg);
	/* 254 ASCII bytes, then 'é' (2 bytes) at bytes 254-255, then 'zzz': 259 bytes, all
	 * matched; a 256-byte buffer holds 255 bytes, which would end inside the 'é' */
	for (i = 0; i < 254; i++)
		subj[n++] = 'a';
	subj[n++] = (char)0xC3;
	subj[n++] = (char)0xA9;
	memcpy(subj + n, "zzz", 4);
	n += 3;
	ok(n == 259 && GX_RULES_TEXT_MAX == 256 && GX_RULES_OUT_MAX == 256, "a 259-byte subject");
	gx_fields_new(&f, &err);
	gx_fields_put(f, "title", subj, n, &err);
	rc = rs ? gx_rules_first(rs, f, NULL, &m, &err) : -1;
	is_int(rc, 1, "the rule matches the whole subject");
	if (rc == 1) {
		const char *out = gx_rule_match_output(rs, &m, "name");
		is_int((long long)strlen(m.text), 254, "the matched text is cut before the 'é' (254 bytes)");
		ok(utf8_ok((const unsigned char *)m.text), "the matched text is valid UTF-8");
		ok(out && strlen(out) == 254 && utf8_ok((const unsigned char *)out),
		   "the captured output is cut the same way");
		ok(!strncmp(m.text, subj, 254), "and is the subject's first 254 bytes");
	}
	gx_fields_free(f);
	gx_rules_free(rs);
	gx_yaml_doc_free(doc);
	return tap_done();
}
