/*
 * feature_set.c - the features file read and checked (see feature_set.h).
 */
#include "analyze/feature_set.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int name_ok(const char *s)
{
	size_t i;

	if (!s[0] || strlen(s) > 128)
		return 0;
	for (i = 0; s[i]; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void gx_feature_set_free(gx_feature_set *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		gx_feature_release(&s->f[i]);
		gx_free(s->names[i]);
	}
	gx_free(s->f);
	gx_free(s->names);
	gx_free(s->genes); /* borrowed from the features */
	gx_free(s);
}

/* s->genes: every feature's genes, sorted, each once; s->hash over names and definitions */
static int finish(gx_feature_set *s, gx_err *err)
{
	size_t i, j, total = 0, k = 0;
	gx_buf b = { 0 };

	for (i = 0; i < s->n; i++)
		total += s->f[i].n_genes;
	if (!(s->genes = gx_calloc(total ? total : 1, sizeof(*s->genes))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < s->n; i++)
		for (j = 0; j < s->f[i].n_genes; j++)
			s->genes[k++] = s->f[i].genes[j];
	qsort(s->genes, k, sizeof(*s->genes), cmp_str);
	for (i = 0, s->n_genes = 0; i < k; i++)
		if (!s->n_genes || strcmp(s->genes[s->n_genes - 1], s->genes[i]))
			s->genes[s->n_genes++] = s->genes[i];
	if (!s->n)
		return 0;
	gx_buf_puts(&b, "gxload-features v1\n");
	for (i = 0; i < s->n; i++)
		gx_buf_printf(&b, "%s\t%s\n", s->names[i], s->f[i].definition);
	if (!gx_buf_cstr(&b)) {
		gx_buf_release(&b);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	gx_hash128_hex(gx_hash_bytes(b.data, b.len), s->hash);
	gx_buf_release(&b);
	return 0;
}

/* One entry of 'features:' into s->f[s->n], s->names[s->n]. */
static int add_entry(gx_feature_set *s, const gx_yaml_doc *doc, const gx_yaml *e, gx_err *err)
{
	const gx_yaml *nm = gx_yaml_get(e, "name"), *df = gx_yaml_get(e, "definition");
	const char *name, *def;
	size_t i;
	int rc;

	if (!e || e->kind != GX_YAML_MAP)
		return gx_yaml_error(doc, e, err, "a feature is a mapping with 'name' and "
		                     "'definition'");
	for (i = 0; i < e->n; i++)
		if (strcmp(e->keys[i]->str, "name") && strcmp(e->keys[i]->str, "definition"))
			return gx_yaml_error(doc, e->keys[i], err, "unknown key '%s' in a feature "
			                     "(name, definition)", e->keys[i]->str);
	if (!nm || !df)
		return gx_yaml_error(doc, e, err, "a feature needs 'name' and 'definition'");
	if ((rc = gx_yaml_str(doc, nm, "name", &name, err)) ||
	    (rc = gx_yaml_str(doc, df, "definition", &def, err)))
		return rc;
	if (!name_ok(name))
		return gx_yaml_error(doc, nm, err, "feature name '%.100s' is not 1-128 letters, digits, "
		                     "'_', '.' or '-'", name);
	if ((rc = gx_feature_parse(&s->f[s->n], def, err))) {
		gx_feature_release(&s->f[s->n]);
		snprintf(err->file, sizeof(err->file), "%s", doc->name);
		err->line = df->line;
		err->column = df->column;
		return rc;
	}
	if (!(s->names[s->n] = gx_strdup(name))) {
		gx_feature_release(&s->f[s->n]);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	s->n++;
	for (i = 0; i + 1 < s->n; i++) {
		if (!strcmp(s->names[i], name))
			return gx_yaml_error(doc, nm, err, "feature name '%s' is used twice", name);
		if (!strcmp(s->f[i].definition, s->f[s->n - 1].definition))
			return gx_yaml_error(doc, df, err, "feature '%s' repeats the definition of '%s' "
			                     "(%s)", name, s->names[i], s->f[i].definition);
	}
	return 0;
}

int gx_feature_set_load(const char *path, gx_feature_set **out, gx_err *err)
{
	gx_feature_set *s = gx_calloc(1, sizeof(*s));
	gx_yaml_doc *doc = NULL;
	const gx_yaml *root, *kind, *list;
	size_t i;
	int rc;

	*out = NULL;
	if (!s)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if (!path || !path[0]) {
		if ((rc = finish(s, err)))
			goto fail;
		*out = s;
		return 0;
	}
	if ((rc = gx_yaml_load_file(path, &doc, err)))
		goto fail;
	root = doc->root;
	if (!root || root->kind != GX_YAML_MAP) {
		rc = gx_err_at(err, GX_E_CONFIG, path, 1, 1, "a features file is a mapping with "
		               "'kind: features' and 'features'");
		goto fail;
	}
	for (i = 0; i < root->n; i++) {
		if (strcmp(root->keys[i]->str, "kind") && strcmp(root->keys[i]->str, "features")) {
			rc = gx_yaml_error(doc, root->keys[i], err, "unknown key '%s' (kind, features)",
			                   root->keys[i]->str);
			goto fail;
		}
	}
	kind = gx_yaml_get(root, "kind");
	if (!kind || kind->kind != GX_YAML_SCALAR || strcmp(kind->str, "features")) {
		rc = gx_yaml_error(doc, kind ? kind : root, err, "expected 'kind: features'");
		goto fail;
	}
	list = gx_yaml_get(root, "features");
	if (list && !gx_yaml_is_null(list) && list->kind != GX_YAML_SEQ) {
		rc = gx_yaml_error(doc, list, err, "'features' must be a list");
		goto fail;
	}
	if (list && list->kind == GX_YAML_SEQ && list->n) {
		if (!(s->f = gx_calloc(list->n, sizeof(*s->f))) ||
		    !(s->names = gx_calloc(list->n, sizeof(*s->names)))) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto fail;
		}
		for (i = 0; i < list->n; i++)
			if ((rc = add_entry(s, doc, list->items[i], err)))
				goto fail;
	}
	if ((rc = finish(s, err)))
		goto fail;
	gx_yaml_doc_free(doc);
	*out = s;
	return 0;
fail:
	gx_yaml_doc_free(doc);
	gx_feature_set_free(s);
	return rc < 0 ? rc : -GX_E_CONFIG;
}

long gx_feature_set_gene(const gx_feature_set *s, const char *id)
{
	size_t lo = 0, hi = s->n_genes;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->genes[mid], id);

		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}
