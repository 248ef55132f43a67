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
 * The layout modules fill a gx_h5_layout (h5_layout.h, whose bookkeeping functions are in
 * h5_layout.c); this file detects which module applies, publishes the result as
 * gx_matrix_info, and hands scans to the sparse or dense engine.
 * This is the reader in the process that calls libhdf5: the reader process of h5_proc.c
 * (gx_h5_inproc_reader), or a fuzz target reading a file image from memory
 * (gx_matrix_open_h5_image).  gxload's own process never runs it.
 * Not here: reading of any value or table (layout modules, engines, h5.c).
 */
#include "extract/h5_layout.h"
#include "core/mem.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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

/* layout names a caller may force (gx_matrix_open_h5_image), as gx_matrix_info.format */
static h5_layout_kind kind_named(const char *name)
{
	static const struct { const char *name; h5_layout_kind kind; } names[] = {
		{ "10x-v3", K_10X_V3 }, { "10x-v2", K_10X_V2 }, { "h5ad", K_ANNDATA },
		{ "loom", K_LOOM }, { "dense-h5", K_ARCHS4 },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i].name))
			return names[i].kind;
	return K_NONE;
}

/* open the file (or the image, when 'image' is not NULL) and its layout ('layout' NULL:
 * detected) */
static int h5_open_any(gx_matrix *m, const void *image, size_t len, const char *layout,
                       gx_err *err)
{
	gx_h5_layout *L = gx_calloc(1, sizeof(*L));
	const gx_matrix_opts *opts = &m->opts;
	h5_layout_kind kind;
	struct stat st;
	int rc;

	if (!L)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	m->impl = L;
	L->opts = opts;
	rc = image ? gx_h5_open_image(&L->h, m->path, image, len, opts->max_field_bytes, err)
	           : gx_h5_open_file(&L->h, m->path, opts->max_field_bytes, err);
	if (rc)
		goto fail;
	if (layout)
		kind = kind_named(layout);
	else if ((rc = detect(L, &kind, err)))
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
	m->info.bytes = image ? len : stat(m->path, &st) == 0 ? (uint64_t)st.st_size : 0;
	m->info.sparse = L->sparse;
	m->info.attrs.n_attrs = L->n_attrs;
	m->info.attrs.names = (const char *const *)L->attr_names;
	m->info.attrs.values = (const char *const *)L->attr_values;
	return 0;
fail:
	/* the caller closes on failure; the file path is already in err->file */
	return rc;
}

static int h5_open(gx_matrix *m, const char *path, const gx_matrix_opts *opts, gx_err *err)
{
	(void)path;
	(void)opts; /* m->path and m->opts hold them */
	return h5_open_any(m, NULL, 0, NULL, err);
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

/* The reader in this process: what the reader process runs (h5_proc.c), never gxload's
 * own process; gx_matrix_open goes through gx_matrix_hdf5_reader. */
const gx_matrix_reader gx_h5_inproc_reader = {
	.name = "hdf5-inproc",
	.probe = h5_probe,
	.open = h5_open,
	.scan = h5_scan,
	.genes = h5_genes,
	.close = h5_close,
};

typedef struct image_src {
	const void *buf;
	size_t len;
	const char *layout;
} image_src;

static int image_open(gx_matrix *m, void *ctx, gx_err *err)
{
	const image_src *src = ctx;

	return h5_open_any(m, src->buf, src->len, src->layout, err);
}

int gx_matrix_open_h5_image(const char *name, const void *buf, size_t len,
                            const char *layout, const gx_matrix_opts *opts, gx_matrix **out,
                            gx_err *err)
{
	image_src src;

	src.buf = buf;
	src.len = len;
	src.layout = layout;
	if (layout && kind_named(layout) == K_NONE)
		return gx_err_set(err, GX_E_USAGE, "unknown HDF5 layout '%s'", layout);
	return gx_matrix_open_with(&gx_h5_inproc_reader, name, opts, image_open, &src, out, err);
}
