/*
 * matrix_h5.c - the HDF5 matrix reader: layout detection and the reader entry points.
 *
 * Detection looks only at the file's structure, in this order (the first match wins):
 *   1. '/matrix' is a group holding 'indptr'                       -> 10x-v3 (Cell Ranger 3+)
 *   2. '/matrix' is a 2-D dataset, '/row_attrs' and '/col_attrs'
 *      are groups                                                  -> loom
 *   3. '/data/expression' is a dataset and '/meta' a group          -> dense-h5 (ARCHS4)
 *   4. '/obs' and '/var' exist (groups or compound datasets)        -> h5ad (AnnData)
 *   5. top-level groups holding data, indices, indptr and shape    -> 10x-v2 (Cell Ranger 1/2)
 * A file that matches none is GX_E_HDF5 naming what was looked for.
 *
 * The layout modules fill a gx_h5_layout (h5_layout.h); this file checks and publishes it
 * as gx_matrix_info, and hands scans to the sparse or dense engine.  It also holds the
 * small bookkeeping functions every layout uses (attributes, parts, paths, finish) and
 * the indexed cell batch both engines pass on.
 * Not here: reading of any value or table (layout modules, engines, h5.c).
 */
#include "extract/h5_layout.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* ---- layout bookkeeping ---- */

char *gx_h5_path(gx_h5_layout *L, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return NULL;
	return gx_h5_pool_strndup(&L->h.pool, buf, (size_t)n);
}

const char *gx_h5_pick(gx_h5_layout *L, const char *group, const char *const *names,
                       const char **which)
{
	size_t i, n;

	for (i = 0; names[i]; i++) {
		char *p = gx_h5_path(L, "%s/%s", group, names[i]);
		if (p && gx_h5_column_len(&L->h, p, &n, NULL) == 1) {
			if (which)
				*which = names[i];
			return p;
		}
	}
	return NULL;
}

int gx_h5_layout_genes(gx_h5_layout *L, const char *id_path, const char *name_path,
                       size_t n, unsigned flags, gx_err *err)
{
	char **names = NULL;
	int rc;

	flags |= GX_H5_TEXT_STRINGS;
	if (name_path && (rc = gx_h5_read_text(&L->h, name_path, NULL, n, flags, &names, err)))
		return rc;
	if (id_path) {
		rc = gx_h5_read_text(&L->h, id_path, NULL, n, flags, &L->gene_ids, err);
		L->gene_src = id_path;
	} else {
		/* a second array over the same strings: finish renames repeats in this one */
		L->gene_ids = gx_malloc((n ? n : 1) * sizeof(*L->gene_ids));
		rc = L->gene_ids ? 0 : gx_err_set(err, GX_E_NOMEM, "out of memory");
		if (!rc)
			memcpy(L->gene_ids, names, n * sizeof(*names));
		L->gene_src = name_path;
		L->genes_from_names = 1;
	}
	L->gene_symbols = names;
	L->n_genes = n;
	return rc;
}

int gx_h5_layout_add_attr(gx_h5_layout *L, const char *name, char **values, gx_err *err)
{
	char **names = gx_reallocarray(L->attr_names, L->n_attrs + 1, sizeof(*names));
	char ***cols;
	char *nm;

	if (names)
		L->attr_names = names;
	cols = names ? gx_reallocarray(L->attr_cols, L->n_attrs + 1, sizeof(*cols)) : NULL;
	if (cols)
		L->attr_cols = cols;
	nm = cols ? gx_h5_pool_strndup(&L->h.pool, name, strlen(name)) : NULL;
	if (!nm) {
		gx_free(values);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	L->attr_names[L->n_attrs] = nm;
	L->attr_cols[L->n_attrs] = values;
	L->n_attrs++;
	return 0;
}

gx_h5_part *gx_h5_layout_add_part(gx_h5_layout *L, const char *data, const char *indices,
                                  const char *indptr)
{
	gx_h5_part *p = gx_reallocarray(L->parts, L->n_parts + 1, sizeof(*p));

	if (!p)
		return NULL;
	L->parts = p;
	p += L->n_parts++;
	memset(p, 0, sizeof(*p));
	p->data = data;
	p->indices = indices;
	p->indptr = indptr;
	return p;
}

int gx_h5_layout_finish(gx_h5_layout *L, gx_err *err)
{
	size_t i, a;
	int rc;

	if (L->n_samples == 0)
		return gx_h5_err(&L->h, err, GX_E_NO_SAMPLES, "the %s matrix has no samples%s%s%s",
		                 L->format, L->sample_src ? " ('" : "",
		                 L->sample_src ? L->sample_src : "", L->sample_src ? "' is empty)" : "");
	if (L->n_genes == 0)
		return gx_h5_err(&L->h, err, GX_E_EMPTY, "the %s matrix has no genes%s%s%s", L->format,
		                 L->gene_src ? " ('" : "", L->gene_src ? L->gene_src : "",
		                 L->gene_src ? "' is empty)" : "");
	/* gx_cells indexes genes and samples with uint32 */
	if (L->n_samples >= GX_H5_SKIP || L->n_genes >= GX_H5_SKIP)
		return gx_h5_err(&L->h, err, GX_E_TOO_BIG,
		                 "the matrix has %zu genes and %zu samples; at most %u of each are "
		                 "supported", L->n_genes, L->n_samples, (unsigned)GX_H5_SKIP - 1);
	rc = gx_h5_check_ids(&L->h, L->sample_src ? L->sample_src : "(sample ids)", 0,
	                     L->sample_ids, L->n_samples, GX_H5_UNIQUE_REQUIRED, NULL, err);
	if (rc)
		return rc;
	rc = gx_h5_check_ids(&L->h, L->gene_src ? L->gene_src : "(gene ids)", 1, L->gene_ids,
	                     L->n_genes,
	                     L->genes_from_names ? GX_H5_UNIQUE_SUFFIX : GX_H5_UNIQUE_REQUIRED,
	                     &L->genes_renamed, err);
	if (rc)
		return rc;
	if (L->gene_symbols) {
		for (i = 0; i < L->n_genes; i++)
			if (!L->gene_symbols[i] &&
			    !(L->gene_symbols[i] = gx_h5_pool_strndup(&L->h.pool, "", 0)))
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	if (L->n_attrs) {
		L->attr_values = gx_calloc(L->n_samples * L->n_attrs, sizeof(*L->attr_values));
		if (!L->attr_values)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		for (a = 0; a < L->n_attrs; a++) {
			for (i = 0; i < L->n_samples; i++)
				L->attr_values[i * L->n_attrs + a] = L->attr_cols[a][i];
			gx_free(L->attr_cols[a]);
			L->attr_cols[a] = NULL;
		}
	}
	return 0;
}

void gx_h5_layout_release(gx_h5_layout *L)
{
	size_t i;

	if (!L)
		return;
	gx_free(L->gene_ids);
	gx_free(L->gene_symbols);
	gx_free(L->sample_ids);
	for (i = 0; i < L->n_attrs; i++)
		gx_free(L->attr_cols ? L->attr_cols[i] : NULL);
	gx_free(L->attr_cols);
	gx_free(L->attr_names);
	gx_free(L->attr_values);
	for (i = 0; i < L->n_parts; i++) {
		gx_free(L->parts[i].gene_map);
		gx_free(L->parts[i].sample_map);
	}
	gx_free(L->parts);
	L->gene_ids = L->gene_symbols = L->sample_ids = L->attr_names = L->attr_values = NULL;
	L->attr_cols = NULL;
	L->parts = NULL;
	L->n_attrs = L->n_parts = 0;
}

/* ---- indexed batches (both engines) ---- */

int gx_h5_batch_init(gx_h5_batch *b, gx_h5_layout *L, gx_cells_fn fn, void *ctx,
                     gx_err *err)
{
	memset(b, 0, sizeof(*b));
	b->L = L;
	b->fn = fn;
	b->ctx = ctx;
	b->gene = gx_malloc(GX_H5_BATCH * sizeof(*b->gene));
	b->sample = gx_malloc(GX_H5_BATCH * sizeof(*b->sample));
	b->value = gx_malloc(GX_H5_BATCH * sizeof(*b->value));
	if (!b->gene || !b->sample || !b->value) {
		gx_h5_batch_release(b);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	return 0;
}

int gx_h5_batch_flush(gx_h5_batch *b, gx_err *err)
{
	gx_cells c;

	if (b->n == 0)
		return 0;
	memset(&c, 0, sizeof(c));
	c.n_genes = b->L->n_genes;
	c.gene_ids = (const char *const *)b->L->gene_ids;
	c.gene_symbols = (const char *const *)b->L->gene_symbols;
	c.genes_unchanged = b->batches > 0;
	c.n = b->n;
	c.gene = b->gene;
	c.sample = b->sample;
	c.value = b->value;
	b->n = 0;
	b->batches++;
	return b->fn(b->ctx, &c, err);
}

void gx_h5_batch_release(gx_h5_batch *b)
{
	gx_free(b->gene);
	gx_free(b->sample);
	gx_free(b->value);
	b->gene = b->sample = NULL;
	b->value = NULL;
}

/* ---- detection ---- */

typedef enum h5_layout_kind {
	K_NONE, K_10X_V3, K_LOOM, K_ARCHS4, K_ANNDATA, K_10X_V2
} h5_layout_kind;

static int is_10x_v2_group(const gx_h5 *h, const char *g)
{
	static const char *const need[] = { "data", "indices", "indptr", "shape" };
	char p[600];
	size_t i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		snprintf(p, sizeof(p), "/%s/%s", g, need[i]);
		if (gx_h5_kind_of(h, p) != GX_H5_DATASET)
			return 0;
	}
	return 1;
}

static int detect(gx_h5_layout *L, h5_layout_kind *kind, gx_err *err)
{
	gx_h5 *h = &L->h;
	gx_h5_kind mk = gx_h5_kind_of(h, "/matrix");
	char **top = NULL;
	size_t n = 0, i;
	int rc;

	*kind = K_NONE;
	if (mk == GX_H5_GROUP && gx_h5_kind_of(h, "/matrix/indptr") != GX_H5_NONE) {
		*kind = K_10X_V3;
		return 0;
	}
	if (mk == GX_H5_DATASET && gx_h5_kind_of(h, "/row_attrs") == GX_H5_GROUP &&
	    gx_h5_kind_of(h, "/col_attrs") == GX_H5_GROUP) {
		*kind = K_LOOM;
		return 0;
	}
	if (gx_h5_kind_of(h, "/data/expression") == GX_H5_DATASET &&
	    gx_h5_kind_of(h, "/meta") == GX_H5_GROUP) {
		*kind = K_ARCHS4;
		return 0;
	}
	{
		gx_h5_kind ok = gx_h5_kind_of(h, "/obs"), vk = gx_h5_kind_of(h, "/var");
		if ((ok == GX_H5_GROUP || ok == GX_H5_DATASET) &&
		    (vk == GX_H5_GROUP || vk == GX_H5_DATASET)) {
			*kind = K_ANNDATA;
			return 0;
		}
	}
	if ((rc = gx_h5_members(h, "/", &top, &n, err)))
		return rc;
	for (i = 0; i < n; i++) {
		char p[600];
		snprintf(p, sizeof(p), "/%s", top[i]);
		if (gx_h5_kind_of(h, p) == GX_H5_GROUP && is_10x_v2_group(h, top[i])) {
			*kind = K_10X_V2;
			break;
		}
	}
	gx_free(top);
	if (*kind == K_NONE)
		return gx_h5_err(h, err, GX_E_HDF5,
		                 "no known matrix layout: expected a 10x '/matrix' group, a Loom "
		                 "'/matrix' with '/row_attrs' and '/col_attrs', ARCHS4 "
		                 "'/data/expression' with '/meta', AnnData '/obs' and '/var', or 10x "
		                 "per-genome groups with data, indices, indptr and shape");
	return 0;
}

/* ---- reader ---- */

static void h5_close(gx_matrix *m)
{
	gx_h5_layout *L = m->impl;

	if (!L)
		return;
	gx_h5_layout_release(L);
	gx_h5_close_file(&L->h);
	gx_free(L);
	m->impl = NULL;
}

static int h5_probe(const char *path, gx_err *err)
{
	(void)err;
	return gx_matrix_is_hdf5(path);
}

static int h5_open(gx_matrix *m, const char *path, const gx_matrix_opts *opts, gx_err *err)
{
	gx_h5_layout *L = gx_calloc(1, sizeof(*L));
	h5_layout_kind kind;
	struct stat st;
	int rc;

	if (!L)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	m->impl = L;
	L->opts = opts;
	if ((rc = gx_h5_open_file(&L->h, m->path, opts->max_field_bytes, err)))
		goto fail;
	if ((rc = detect(L, &kind, err)))
		goto fail;
	switch (kind) {
	case K_10X_V3: rc = gx_h5_open_10x_v3(L, err); break;
	case K_10X_V2: rc = gx_h5_open_10x_v2(L, err); break;
	case K_ANNDATA: rc = gx_h5_open_anndata(L, err); break;
	case K_LOOM: rc = gx_h5_open_loom(L, err); break;
	case K_ARCHS4: rc = gx_h5_open_archs4(L, err); break;
	default: rc = gx_h5_err(&L->h, err, GX_E_INTERNAL, "layout detection failed"); break;
	}
	if (rc)
		goto fail;
	if ((rc = gx_h5_layout_finish(L, err)))
		goto fail;
	if (L->sparse) {
		size_t i;
		for (i = 0; i < L->n_parts; i++)
			if ((rc = gx_h5_sparse_check(L, &L->parts[i], err)))
				goto fail;
	} else if ((rc = gx_h5_dense_check(L, err))) {
		goto fail;
	}
	m->info.format = L->format;
	m->info.n_samples = L->n_samples;
	m->info.sample_ids = (const char *const *)L->sample_ids;
	m->info.n_genes = (long)L->n_genes;
	m->info.bytes = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
	m->info.sparse = L->sparse;
	m->info.attrs.n_attrs = L->n_attrs;
	m->info.attrs.names = (const char *const *)L->attr_names;
	m->info.attrs.values = (const char *const *)L->attr_values;
	return 0;
fail:
	/* matrix.c calls close on failure; the file path is already in err->file */
	return rc;
}

static int h5_scan(gx_matrix *m, const unsigned char *want, gx_cells_fn fn, void *ctx,
                   gx_err *err)
{
	gx_h5_layout *L = m->impl;

	return L->sparse ? gx_h5_scan_sparse(L, want, fn, ctx, err)
	                 : gx_h5_scan_dense(L, want, fn, ctx, err);
}

/* The gene table is read and checked at open: hand it over in one batch. */
static int h5_genes(gx_matrix *m, gx_genes_fn fn, void *ctx, gx_err *err)
{
	gx_h5_layout *L = m->impl;

	return fn(ctx, L->n_genes, (const char *const *)L->gene_ids,
	          (const char *const *)L->gene_symbols, err);
}

const gx_matrix_reader gx_matrix_hdf5_reader = {
	.name = "hdf5",
	.probe = h5_probe,
	.open = h5_open,
	.scan = h5_scan,
	.genes = h5_genes,
	.close = h5_close,
};
