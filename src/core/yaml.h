/*
 * yaml.h - a small, hostile-input-safe YAML document tree on top of libyaml's events.
 *
 * Used for the config file and the rule files.  The reader builds a tree of scalars,
 * sequences and mappings with their line/column, and refuses what a config has no use
 * for and an attacker does: anchors and aliases, documents over GX_YAML_MAX_BYTES,
 * nesting deeper than GX_YAML_MAX_DEPTH, scalars longer than GX_YAML_MAX_SCALAR,
 * duplicate mapping keys, non-scalar keys and more than one document.
 * It does not resolve tags or types: accessors interpret scalars on demand.
 */
#ifndef GX_YAML_H
#define GX_YAML_H

#include "core/err.h"

#include <stddef.h>

#define GX_YAML_MAX_BYTES (8u << 20)   /* rule files stay far below this */
#define GX_YAML_MAX_DEPTH 64
#define GX_YAML_MAX_SCALAR (64u << 10)

typedef enum gx_yaml_kind {
	GX_YAML_SCALAR,
	GX_YAML_SEQ,
	GX_YAML_MAP,
} gx_yaml_kind;

typedef struct gx_yaml gx_yaml;
struct gx_yaml {
	gx_yaml_kind kind;
	long line, column;      /* 1-based position of the node in the file */
	/* scalar */
	char *str;              /* NUL-terminated (may contain no NUL: refused) */
	size_t len;
	int plain;              /* 1 if unquoted: only plain scalars can be null/bool/number */
	/* sequence items, or mapping values (with keys[i] the key of items[i]) */
	size_t n;
	gx_yaml **items;
	gx_yaml **keys;
};

typedef struct gx_yaml_doc {
	char *name;             /* file name used in messages */
	gx_yaml *root;          /* NULL for an empty document */
} gx_yaml_doc;

/* Parse a file.  On success *out is owned by the caller (gx_yaml_doc_free). */
int gx_yaml_load_file(const char *path, gx_yaml_doc **out, gx_err *err);
/* Parse a buffer; 'name' is used in messages. */
int gx_yaml_load_buffer(const char *name, const char *data, size_t len, gx_yaml_doc **out,
                        gx_err *err);
/* Free a document; NULL is accepted. */
void gx_yaml_doc_free(gx_yaml_doc *doc);

/* Value of 'key' in a mapping, or NULL (also when 'map' is NULL or not a mapping). */
const gx_yaml *gx_yaml_get(const gx_yaml *map, const char *key);

/* 1 if the node is absent, or a plain scalar "", "~", "null", "Null" or "NULL". */
int gx_yaml_is_null(const gx_yaml *node);

/*
 * Typed reads of scalars.  Each returns 0 and stores the value, or fails with
 * GX_E_CONFIG naming doc->name, the node's line and column, and 'what'.
 */
int gx_yaml_bool(const gx_yaml_doc *doc, const gx_yaml *node, const char *what, int *out,
                 gx_err *err);
int gx_yaml_long(const gx_yaml_doc *doc, const gx_yaml *node, const char *what, long *out,
                 gx_err *err);
int gx_yaml_double(const gx_yaml_doc *doc, const gx_yaml *node, const char *what,
                   double *out, gx_err *err);
/* The scalar's text (owned by the document). */
int gx_yaml_str(const gx_yaml_doc *doc, const gx_yaml *node, const char *what,
                const char **out, gx_err *err);

/* Fail with GX_E_CONFIG at the node's position (printf format); returns negative. */
int gx_yaml_error(const gx_yaml_doc *doc, const gx_yaml *node, gx_err *err,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
