/*
 * yaml.c - YAML document tree from libyaml events (see yaml.h for what is refused).
 *
 * The tree is built with an explicit stack so that hostile nesting cannot exhaust the C
 * stack; the depth limit is checked on every start event.
 */
#include "core/yaml.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

static void node_free(gx_yaml *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->n; i++) {
		node_free(n->items[i]);
		if (n->keys)
			node_free(n->keys[i]);
	}
	gx_free(n->items);
	gx_free(n->keys);
	gx_free(n->str);
	gx_free(n);
}

void gx_yaml_doc_free(gx_yaml_doc *doc)
{
	if (!doc)
		return;
	node_free(doc->root);
	gx_free(doc->name);
	gx_free(doc);
}

static gx_yaml *node_new(gx_yaml_kind kind, const yaml_mark_t *mark)
{
	gx_yaml *n = gx_calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = kind;
	n->line = (long)mark->line + 1;
	n->column = (long)mark->column + 1;
	return n;
}

/* Append 'child' to a sequence, or as key or value of a mapping. */
static int node_add(gx_yaml *parent, gx_yaml *child, gx_yaml **pending_key)
{
	if (parent->kind == GX_YAML_MAP && !*pending_key) {
		*pending_key = child;
		return 0;
	}
	gx_yaml **items = gx_reallocarray(parent->items, parent->n + 1, sizeof(*items));
	if (!items)
		return -1;
	parent->items = items;
	if (parent->kind == GX_YAML_MAP) {
		gx_yaml **keys = gx_reallocarray(parent->keys, parent->n + 1, sizeof(*keys));
		if (!keys)
			return -1;
		parent->keys = keys;
		keys[parent->n] = *pending_key;
		*pending_key = NULL;
	}
	items[parent->n++] = child;
	return 0;
}

typedef struct frame {
	gx_yaml *node;
	gx_yaml *pending_key;
} frame;

/*
 * The node a scalar or collection-start event makes.  Refused: anchors, scalars longer
 * than GX_YAML_MAX_SCALAR or holding NUL, nesting deeper than GX_YAML_MAX_DEPTH.
 */
static int event_node(const yaml_event_t *ev, const char *name, int depth, gx_yaml **out,
                      gx_err *err)
{
	const unsigned char *anchor =
		ev->type == YAML_SCALAR_EVENT ? ev->data.scalar.anchor :
		ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.anchor :
		ev->data.mapping_start.anchor;
	gx_yaml *node;

	*out = NULL;
	if (anchor)
		return gx_err_at(err, GX_E_CONFIG, name, (long)ev->start_mark.line + 1,
		                 (long)ev->start_mark.column + 1, "anchors are not allowed");
	if (ev->type == YAML_SCALAR_EVENT) {
		if (ev->data.scalar.length > GX_YAML_MAX_SCALAR ||
		    memchr(ev->data.scalar.value, 0, ev->data.scalar.length))
			return gx_err_at(err, GX_E_CONFIG, name, (long)ev->start_mark.line + 1,
			                 (long)ev->start_mark.column + 1,
			                 "scalar is longer than %u bytes or contains NUL",
			                 GX_YAML_MAX_SCALAR);
		node = node_new(GX_YAML_SCALAR, &ev->start_mark);
		if (node) {
			node->str = gx_strndup((const char *)ev->data.scalar.value,
			                       ev->data.scalar.length);
			node->len = ev->data.scalar.length;
			node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			if (!node->str) {
				node_free(node);
				node = NULL;
			}
		}
	} else {
		if (depth >= GX_YAML_MAX_DEPTH)
			return gx_err_at(err, GX_E_CONFIG, name, (long)ev->start_mark.line + 1,
			                 (long)ev->start_mark.column + 1,
			                 "nesting deeper than %d levels", GX_YAML_MAX_DEPTH);
		node = node_new(ev->type == YAML_SEQUENCE_START_EVENT ? GX_YAML_SEQ : GX_YAML_MAP,
		                &ev->start_mark);
	}
	if (!node)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	*out = node;
	return 0;
}

/*
 * Hang 'node' under the innermost open collection (or make it the root) and open it when
 * it is a collection.  Mapping keys must be scalars and unique.  On failure the node is
 * freed.
 */
static int attach(gx_yaml_doc *doc, frame *stack, int *depth, gx_yaml *node,
                  const char *name, gx_err *err)
{
	int rc = 0;

	if (*depth == 0) {
		doc->root = node;
	} else {
		frame *f = &stack[*depth - 1];
		if (f->node->kind == GX_YAML_MAP && !f->pending_key) {
			size_t i;
			if (node->kind != GX_YAML_SCALAR) {
				rc = gx_err_at(err, GX_E_CONFIG, name, node->line, node->column,
				               "mapping keys must be scalars");
				node_free(node);
				return rc;
			}
			for (i = 0; i < f->node->n; i++) {
				if (strcmp(f->node->keys[i]->str, node->str) == 0) {
					rc = gx_err_at(err, GX_E_CONFIG, name, node->line,
					               node->column, "duplicate key '%s'", node->str);
					break;
				}
			}
			if (rc) {
				node_free(node);
				return rc;
			}
		}
		if (node_add(f->node, node, &f->pending_key) < 0) {
			node_free(node);
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		}
	}
	if (node->kind != GX_YAML_SCALAR) {
		stack[*depth].node = node;
		stack[*depth].pending_key = NULL;
		(*depth)++;
	}
	return 0;
}

int gx_yaml_load_buffer(const char *name, const char *data, size_t len, gx_yaml_doc **out,
                        gx_err *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	frame stack[GX_YAML_MAX_DEPTH + 1];
	int depth = 0, done = 0, docs = 0, rc = 0;
	gx_yaml_doc *doc;

	*out = NULL;
	if (len > GX_YAML_MAX_BYTES)
		return gx_err_at(err, GX_E_CONFIG, name, 0, 0,
		                 "file is larger than %u bytes", GX_YAML_MAX_BYTES);
	doc = gx_calloc(1, sizeof(*doc));
	if (!doc || !(doc->name = gx_strdup(name))) {
		gx_free(doc);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	if (!yaml_parser_initialize(&parser)) {
		gx_yaml_doc_free(doc);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	memset(stack, 0, sizeof(stack));

	while (!done) {
		gx_yaml *node = NULL;

		if (!yaml_parser_parse(&parser, &ev)) {
			rc = gx_err_at(err, GX_E_CONFIG, name, (long)parser.problem_mark.line + 1,
			               (long)parser.problem_mark.column + 1, "invalid YAML: %s%s%s",
			               parser.problem ? parser.problem : "syntax error",
			               parser.context ? " " : "", parser.context ? parser.context : "");
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				rc = gx_err_at(err, GX_E_CONFIG, name, (long)ev.start_mark.line + 1,
				               (long)ev.start_mark.column + 1,
				               "more than one YAML document");
			break;
		case YAML_ALIAS_EVENT:
			rc = gx_err_at(err, GX_E_CONFIG, name, (long)ev.start_mark.line + 1,
			               (long)ev.start_mark.column + 1, "aliases are not allowed");
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (!(rc = event_node(&ev, name, depth, &node, err)))
				rc = attach(doc, stack, &depth, node, name, err);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (rc)
			break;
	}
	/* a key without value can only remain after an error; free it */
	while (depth > 0) {
		depth--;
		node_free(stack[depth].pending_key);
	}
	yaml_parser_delete(&parser);
	if (rc) {
		gx_yaml_doc_free(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

int gx_yaml_load_file(const char *path, gx_yaml_doc **out, gx_err *err)
{
	struct stat st;
	FILE *f;
	int fd;
	char *data = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	/* O_NONBLOCK and the check below: a FIFO, a device or a directory is refused at
	 * once, never read (a FIFO would block, /dev/zero never end) */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return gx_err_set(err, GX_E_CONFIG_IO, "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
		close(fd);
		return gx_err_set(err, GX_E_CONFIG_IO, "cannot read '%s': %s", path,
		                  dir ? "is a directory" : "not a regular file");
	}
	if (!(f = fdopen(fd, "rb"))) {
		close(fd);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	for (;;) {
		size_t n;
		if (len + 65536 > cap) {
			char *p;
			if (cap > GX_YAML_MAX_BYTES) {
				gx_free(data);
				fclose(f);
				return gx_err_at(err, GX_E_CONFIG, path, 0, 0,
				                 "file is larger than %u bytes", GX_YAML_MAX_BYTES);
			}
			cap = cap ? cap * 2 : 65536;
			p = gx_realloc(data, cap + 1);
			if (!p) {
				gx_free(data);
				fclose(f);
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
			}
			data = p;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		rc = gx_err_set(err, GX_E_CONFIG_IO, "cannot read '%s': %s", path, strerror(errno));
		gx_free(data);
		fclose(f);
		return rc;
	}
	fclose(f);
	rc = gx_yaml_load_buffer(path, data ? data : "", len, out, err);
	gx_free(data);
	return rc;
}

const gx_yaml *gx_yaml_get(const gx_yaml *map, const char *key)
{
	size_t i;

	if (!map || map->kind != GX_YAML_MAP)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (strcmp(map->keys[i]->str, key) == 0)
			return map->items[i];
	return NULL;
}

int gx_yaml_is_null(const gx_yaml *n)
{
	if (!n)
		return 1;
	if (n->kind != GX_YAML_SCALAR || !n->plain)
		return 0;
	return n->len == 0 || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
	       !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

int gx_yaml_error(const gx_yaml_doc *doc, const gx_yaml *node, gx_err *err, const char *fmt,
                  ...)
{
	char msg[GX_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gx_err_at(err, GX_E_CONFIG, doc ? doc->name : NULL, node ? node->line : 0,
	                 node ? node->column : 0, "%s", msg);
}

static int need_scalar(const gx_yaml_doc *doc, const gx_yaml *n, const char *what, gx_err *err)
{
	if (!n || n->kind != GX_YAML_SCALAR)
		return gx_yaml_error(doc, n, err, "%s must be a scalar", what);
	return 0;
}

int gx_yaml_str(const gx_yaml_doc *doc, const gx_yaml *n, const char *what, const char **out,
                gx_err *err)
{
	int rc = need_scalar(doc, n, what, err);
	if (rc)
		return rc;
	*out = n->str;
	return 0;
}

int gx_yaml_bool(const gx_yaml_doc *doc, const gx_yaml *n, const char *what, int *out,
                 gx_err *err)
{
	static const char *yes[] = { "true", "True", "TRUE", "yes", "Yes", "on", "On", NULL };
	static const char *no[] = { "false", "False", "FALSE", "no", "No", "off", "Off", NULL };
	int rc = need_scalar(doc, n, what, err);
	size_t i;

	if (rc)
		return rc;
	for (i = 0; yes[i]; i++)
		if (!strcmp(n->str, yes[i]))
			return *out = 1, 0;
	for (i = 0; no[i]; i++)
		if (!strcmp(n->str, no[i]))
			return *out = 0, 0;
	return gx_yaml_error(doc, n, err, "%s must be true or false, not '%s'", what, n->str);
}

int gx_yaml_long(const gx_yaml_doc *doc, const gx_yaml *n, const char *what, long *out,
                 gx_err *err)
{
	int rc = need_scalar(doc, n, what, err);
	char *end;
	long v;

	if (rc)
		return rc;
	errno = 0;
	v = strtol(n->str, &end, 10);
	if (n->len == 0 || *end || errno)
		return gx_yaml_error(doc, n, err, "%s must be an integer, not '%s'", what, n->str);
	*out = v;
	return 0;
}

int gx_yaml_double(const gx_yaml_doc *doc, const gx_yaml *n, const char *what, double *out,
                   gx_err *err)
{
	int rc = need_scalar(doc, n, what, err);
	char *end;
	double v;

	if (rc)
		return rc;
	errno = 0;
	v = strtod(n->str, &end);
	if (n->len == 0 || *end || errno || !isfinite(v))
		return gx_yaml_error(doc, n, err, "%s must be a number, not '%s'", what, n->str);
	*out = v;
	return 0;
}
