/*
 * h5_layout.h - what a layout module tells the HDF5 reader about one matrix.
 *
 * A layout module (h5_10x.c, h5_anndata.c, h5_loom.c, h5_archs4.c) looks at a file whose
 * layout matrix_h5.c has detected, reads the per-axis tables (gene ids and symbols,
 * sample ids, sample attributes) and says where the values are: compressed sparse parts
 * (data/indices/indptr) or one dense 2-D dataset.  It reads no matrix values.  The two
 * engines, h5_sparse.c and h5_dense.c, stream the values from that description.
 *
 * All strings are in L->h.pool; the pointer arrays are gx_malloc'd and freed by
 * gx_h5_layout_release.
 *
 * Where things are defined: the layout openers in h5_10x.c, h5_anndata.c, h5_loom.c and
 * h5_archs4.c; the engines in h5_sparse.c and h5_dense.c; the bookkeeping (attributes,
 * parts, paths, gene table, finish, the cell batch) in h5_layout.c.  matrix_h5.c uses
 * all of them and none of them uses matrix_h5.c.
 */
#ifndef GX_H5_LAYOUT_H
#define GX_H5_LAYOUT_H

#include "extract/h5.h"
#include "extract/h5_text.h"
#include "extract/matrix.h"

/* a file gene or sample that the layout drops (e.g. 10x features that are not genes) */
#define GX_H5_SKIP UINT32_MAX

/* One compressed sparse matrix: CSC genes x samples, or CSR samples x genes, or ... */
typedef struct gx_h5_part {
	const char *data, *indices, *indptr;  /* dataset paths */
	int major_is_gene;        /* 1: indptr walks genes (anndata csc); 0: walks samples */
	size_t n_genes, n_samples; /* this part's own extents (from its shape) */
	const char *shape_src;    /* where the shape came from, for messages */
	uint32_t *gene_map;       /* part gene -> layout gene or GX_H5_SKIP; NULL = same */
	uint32_t *sample_map;     /* part sample -> layout sample; NULL = same */
} gx_h5_part;

typedef struct gx_h5_layout {
	gx_h5 h;
	const char *format;       /* gx_matrix_info.format */
	const gx_matrix_opts *opts;

	size_t n_genes;
	char **gene_ids;
	char **gene_symbols;      /* NULL if the file has none */
	const char *gene_src;     /* dataset the ids came from, for messages */
	int genes_from_names;     /* ids are names (symbols) */

	size_t n_samples;
	char **sample_ids;
	const char *sample_src;

	/* sample attributes, added column by column, then laid out row-major by finish */
	size_t n_attrs;
	char **attr_names;
	char ***attr_cols;        /* n_attrs columns of n_samples values */
	char **attr_values;       /* n_samples * n_attrs, row-major by sample */

	int sparse;
	gx_h5_part *parts;
	size_t n_parts;

	uint64_t cells_total;     /* stored entries (sparse) or cells (dense), for progress */

	const char *dense;        /* dense: dataset path */
	int dense_genes_are_rows; /* 1: (genes, samples); 0: (samples, genes) */
} gx_h5_layout;

/* matrix_h5.c: the HDF5 reader that calls libhdf5 in its own process (run by the reader
 * process of h5_proc.c) */
extern const gx_matrix_reader gx_h5_inproc_reader;

/* Layout openers: fill L (L->h is open) or return a negative error. */
int gx_h5_open_10x_v3(gx_h5_layout *L, gx_err *err);
int gx_h5_open_10x_v2(gx_h5_layout *L, gx_err *err);
int gx_h5_open_anndata(gx_h5_layout *L, gx_err *err);
int gx_h5_open_loom(gx_h5_layout *L, gx_err *err);
int gx_h5_open_archs4(gx_h5_layout *L, gx_err *err);

/* Add a sample attribute column (n_samples values, pool strings, NULL = missing); the
 * layout takes the array. */
int gx_h5_layout_add_attr(gx_h5_layout *L, const char *name, char **values, gx_err *err);

/* Add a sparse part; returns it (zeroed apart from the paths) or NULL when out of memory. */
gx_h5_part *gx_h5_layout_add_part(gx_h5_layout *L, const char *data, const char *indices,
                                  const char *indptr);

/*
 * Check what a layout filled in: at least one sample and one gene, fewer than 2^32 of
 * each, sample ids and gene ids valid and unique (repeated gene ids allowed when
 * opts->allow_dup_genes), and lay the attributes out row-major.
 */
int gx_h5_layout_finish(gx_h5_layout *L, gx_err *err);

/* Free everything but the file (gx_h5_close_file). */
void gx_h5_layout_release(gx_h5_layout *L);

/*
 * The first of 'names' (NULL-terminated) that is a column dataset (1-D, or (n, 1)) in
 * 'group', as a pool path; NULL if none.  *which, when not NULL, receives the name.
 */
const char *gx_h5_pick(gx_h5_layout *L, const char *group, const char *const *names,
                       const char **which);

/*
 * Fill the gene table from an id column and/or a symbol column of n strings (flags as
 * gx_h5_read_text): ids from 'id_path' when there is one, else the symbols serve as ids
 * (genes_from_names); symbols from 'name_path' (may be NULL).
 */
int gx_h5_layout_genes(gx_h5_layout *L, const char *id_path, const char *name_path,
                       size_t n, unsigned flags, gx_err *err);

/* Pool copy of a formatted path ("%s/%s"); NULL when out of memory. */
char *gx_h5_path(gx_h5_layout *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Check a compressed sparse part before any cell is read: the three datasets are 1-D
 * integer/number datasets, data and indices have the same length, indptr has
 * n_major + 1 entries, starts at 0, never decreases and ends at the number of entries.
 * indptr is read in bounded windows.
 */
int gx_h5_sparse_check(gx_h5_layout *L, const gx_h5_part *p, gx_err *err);

/* The engines (h5_sparse.c, h5_dense.c): stream all cells to fn, as gx_matrix_scan. */
int gx_h5_scan_sparse(gx_h5_layout *L, const unsigned char *want, gx_cells_fn fn, void *ctx,
                      gx_err *err);
int gx_h5_scan_dense(gx_h5_layout *L, const unsigned char *want, gx_cells_fn fn, void *ctx,
                     gx_err *err);

/* Check a dense dataset before any cell is read: 2-D, numeric, shape matches the axes. */
int gx_h5_dense_check(gx_h5_layout *L, gx_err *err);

/* cells per batch passed to the callback: as the TSV reader (64 Ki doubles = 512 KiB) */
#define GX_H5_BATCH 65536

/*
 * A batch of cells with explicit gene and sample indices, as both engines pass them on:
 * the gene table is the layout's whole table (genes_unchanged after the first batch).
 */
typedef struct gx_h5_batch {
	gx_h5_layout *L;
	gx_cells_fn fn;
	void *ctx;
	uint32_t *gene, *sample;
	double *value;
	size_t n;
	int batches;              /* batches passed on so far, of any kind (dense ones too) */
} gx_h5_batch;

/* Allocate the arrays (GX_H5_BATCH cells); 0 or GX_E_NOMEM. */
int gx_h5_batch_init(gx_h5_batch *b, gx_h5_layout *L, gx_cells_fn fn, void *ctx,
                     gx_err *err);
/* Pass on the cells gathered so far (none: nothing happens); the callback's result. */
int gx_h5_batch_flush(gx_h5_batch *b, gx_err *err);
/* Free the arrays; safe on a zeroed batch. */
void gx_h5_batch_release(gx_h5_batch *b);

/* Add one cell, passing the batch on when it is full. */
static inline int gx_h5_batch_push(gx_h5_batch *b, uint32_t gene, uint32_t sample,
                                   double value, gx_err *err)
{
	b->gene[b->n] = gene;
	b->sample[b->n] = sample;
	b->value[b->n] = value;
	return ++b->n == GX_H5_BATCH ? gx_h5_batch_flush(b, err) : 0;
}

#endif
