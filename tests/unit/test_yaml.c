/* test_yaml.c - the YAML tree: structure, positions, and what hostile input gets refused. */
#include "core/yaml.h"
#include "tap.h"

#include <stdlib.h>

static int load(const char *text, gx_yaml_doc **doc, gx_err *err)
{
	gx_err_clear(err);
	return gx_yaml_load_buffer("t.yaml", text, strlen(text), doc, err);
}

static void refused(const char *text, const char *what, const char *msg_part)
{
	gx_yaml_doc *doc = NULL;
	gx_err err;
	int rc = load(text, &doc, &err);
	ok(rc < 0 && doc == NULL && err.code == GX_E_CONFIG && strstr(err.msg, msg_part),
	   "refuses %s ('%s')", what, err.msg);
}

int main(void)
{
	gx_yaml_doc *doc = NULL;
	gx_err err;
	const gx_yaml *n;
	long l = 0;
	double d = 0;
	int b = 0;
	char *deep;
	size_t i;

	ok(load("a: 1\nb:\n  c: [x, 'y', \"z\"]\n  d: true\nempty:\nq: 'null'\n", &doc, &err) == 0,
	   "parses a small document");
	n = gx_yaml_get(doc->root, "a");
	ok(n && gx_yaml_long(doc, n, "a", &l, &err) == 0 && l == 1, "integer scalar");
	n = gx_yaml_get(gx_yaml_get(doc->root, "b"), "c");
	ok(n && n->kind == GX_YAML_SEQ && n->n == 3 && !strcmp(n->items[2]->str, "z"), "flow sequence");
	ok(n->items[0]->plain && !n->items[1]->plain, "plain vs quoted scalars");
	is_int(n->line, 3, "line of a node");
	is_int(n->column, 6, "column of a node");
	n = gx_yaml_get(gx_yaml_get(doc->root, "b"), "d");
	ok(gx_yaml_bool(doc, n, "d", &b, &err) == 0 && b == 1, "boolean scalar");
	ok(gx_yaml_is_null(gx_yaml_get(doc->root, "empty")), "empty value is null");
	ok(!gx_yaml_is_null(gx_yaml_get(doc->root, "q")), "quoted 'null' is a string");
	ok(gx_yaml_is_null(gx_yaml_get(doc->root, "absent")), "absent key is null");
	n = gx_yaml_get(doc->root, "a");
	ok(gx_yaml_double(doc, n, "a", &d, &err) == 0 && d == 1.0, "double scalar");
	ok(gx_yaml_bool(doc, n, "a", &b, &err) < 0 && err.line == 1 && !strcmp(err.file, "t.yaml"),
	   "a type error names file and line");
	gx_yaml_doc_free(doc);

	refused("a: &x 1\nb: *x\n", "aliases", "anchors are not allowed");
	refused("a: *x\n", "undefined aliases", "");
	refused("a: 1\na: 2\n", "duplicate keys", "duplicate key 'a'");
	refused("? [a]\n: 1\n", "non-scalar keys", "mapping keys must be scalars");
	refused("a: 1\n---\nb: 2\n", "several documents", "more than one YAML document");
	refused("a: [1, 2\n", "syntax errors", "invalid YAML");
	deep = malloc(4 * 100 + 1);
	for (i = 0; i < 100; i++)
		memcpy(deep + i, "[", 1);
	deep[100] = '\0';
	refused(deep, "nesting deeper than the limit", "nesting deeper than");
	free(deep);
	{
		size_t big = GX_YAML_MAX_SCALAR + 10;
		char *s = malloc(big + 8);
		memcpy(s, "a: ", 3);
		memset(s + 3, 'x', big);
		s[3 + big] = '\0';
		refused(s, "huge scalars", "longer than");
		free(s);
	}
	ok(gx_yaml_load_file("/nonexistent/x.yaml", &doc, &err) < 0 && err.code == GX_E_CONFIG_IO,
	   "a missing file is GX_E_CONFIG_IO");
	ok(load("", &doc, &err) == 0 && doc->root == NULL, "an empty document has no root");
	gx_yaml_doc_free(doc);
	return tap_done();
}
