/*
 * rules_yaml.c - rule files as YAML documents: errors located in them, the top-level
 * check every rule file kind shares, and the content hash of the rules in effect (see
 * rules.h).  Nothing here knows what a rule is.
 */
#include "transform/rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
