/*
 * h5_layout.c - the bookkeeping every HDF5 layout module uses (see h5_layout.h): pool
 * paths, picking a column dataset, the gene table, sample attributes, sparse parts, the
 * checks of a finished layout, and the indexed cell batch both engines pass on.
 * Kept apart from matrix_h5.c (detection and the reader table) so that the layout
 * modules and the engines depend on this file and matrix_h5.c on them, not both ways.
 * Not here: reading values or tables (layout modules, engines, h5.c).
 */
#include "extract/h5_layout.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
		/* a second array over the same strings: the ids, the names their symbols */
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
	                     L->sample_ids, L->n_samples, GX_H5_UNIQUE_REQUIRED, err);
	if (rc)
		return rc;
	rc = gx_h5_check_ids(&L->h, L->gene_src ? L->gene_src : "(gene ids)", 1, L->gene_ids,
	                     L->n_genes,
	                     L->opts->allow_dup_genes ? GX_H5_UNIQUE_ALLOWED : GX_H5_UNIQUE_REQUIRED,
	                     err);
	if (rc)
		return rc;
	if (L->genes_from_names && !L->gene_symbols) {
		/* the ids are names: they are the genes' symbols too */
		L->gene_symbols = gx_malloc((L->n_genes ? L->n_genes : 1) * sizeof(*L->gene_symbols));
		if (!L->gene_symbols)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		memcpy(L->gene_symbols, L->gene_ids, L->n_genes * sizeof(*L->gene_ids));
	}
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

