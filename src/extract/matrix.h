/*
 * matrix.h - the interface every expression-matrix reader implements.
 *
 * A matrix is a gene x sample table of doubles held in one file (TSV, or HDF5 in one of
 * several layouts).  gx_matrix_open detects the format from the file's own bytes and
 * structure, never from its name.  Readers stream: gx_matrix_scan pushes the cells to a
 * callback in batches whose size does not depend on the file size, so memory stays flat.
 *
 * Contract of a reader (checked by tests/unit/test_matrix_*.c):
 *   - sample ids (column names, barcodes, cells) are known after open, unique, non-empty;
 *   - gene ids are non-empty and, unless opts.allow_dup_genes, unique across the whole
 *     scan (duplicates are an error naming the file and the line or dataset); gene ids
 *     are reported in file order, each batch's table a run of consecutive gene rows
 *     starting at gene_row0 (with allow_dup_genes, repeated ids are passed on as they
 *     are: the caller applies genes.duplicates, transform/dups.h);
 *   - every value passed on is finite; cells that the file marks missing are flagged in
 *     'missing' (TSV NA tokens) or simply not passed (sparse formats);
 *   - errors name the file and the line/column (TSV) or dataset path (HDF5), and use the
 *     GX_E_* codes of err.h (2xxx for bad input, GX_E_IO for read failures);
 *   - scan may be called several times (the loader makes two passes over a changed
 *     matrix); each call starts from the beginning.
 */
#ifndef GX_MATRIX_H
#define GX_MATRIX_H

#include "core/err.h"
#include "core/records.h"

#include <stddef.h>
#include <stdint.h>

/* Per-sample attributes the file itself carries (AnnData obs, Loom col_attrs, ...). */
typedef struct gx_matrix_attrs {
	size_t n_attrs;
	const char *const *names;   /* n_attrs column names */
	const char *const *values;  /* n_samples * n_attrs, row-major by sample; NULL = absent */
} gx_matrix_attrs;

typedef struct gx_matrix_info {
	const char *format;         /* "tsv", "10x-v3", "10x-v2", "h5ad", "loom", "dense-h5" */
	size_t n_samples;
	const char *const *sample_ids;
	long n_genes;               /* -1 if unknown before the scan (TSV) */
	uint64_t bytes;             /* file size, for progress */
	int sparse;                 /* 1 if only stored entries are passed on */
	gx_matrix_attrs attrs;      /* n_attrs == 0 if none */
} gx_matrix_info;

typedef struct gx_matrix_opts {
	/* tokens that mean "missing" in text matrices (exact match); none by default */
	const char *const *na_values;
	size_t n_na_values;
	size_t max_field_bytes;     /* longest accepted field/string; 0 = 1 MiB */
	/* progress: called now and then with the bytes (or cells) consumed so far */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
	/* dataset/group inside an HDF5 file when it holds several matrices; NULL = detect */
	const char *h5_path;
	/* seconds the HDF5 reader process may go without a word (the open's result, a batch,
	 * progress) while gxload waits for it, before it counts as looping on a damaged file
	 * (GX_E_HDF5); 0 = 300 */
	unsigned h5_idle_s;
	/* 1: a gene id on several rows is passed on (the caller decides); 0: an error */
	int allow_dup_genes;
} gx_matrix_opts;

typedef struct gx_matrix gx_matrix;

/*
 * Open a matrix file; the format is detected from its content.  On success *out is owned
 * by the caller (gx_matrix_close).  The header (sample ids) is read and checked here.
 */
int gx_matrix_open(const char *path, const gx_matrix_opts *opts, gx_matrix **out, gx_err *err);

/* Information about an open matrix; owned by the matrix. */
const gx_matrix_info *gx_matrix_info_of(const gx_matrix *m);

/*
 * Stream all cells to 'fn'.  'want' (n_samples flags, NULL = all) lets a reader skip the
 * value conversion of samples the caller does not need; it still checks the file's
 * structure (field counts, duplicate genes) for all of them.
 */
int gx_matrix_scan(gx_matrix *m, const unsigned char *want, gx_cells_fn fn, void *ctx,
                   gx_err *err);

/* Called with a batch of gene ids (and symbols, NULL if none) by gx_matrix_genes. */
typedef int (*gx_genes_fn)(void *ctx, size_t n, const char *const *ids,
                           const char *const *symbols, gx_err *err);

/*
 * Stream the gene ids alone, cheaply (the TSV reader splits lines without parsing values;
 * HDF5 readers have the gene table at hand).  The loader uses it to resolve gene keys
 * before the facts stream.  It need not validate: gx_matrix_scan does.  Returns 0, or
 * GX_MATRIX_NO_GENES when the reader has no such fast path.
 */
#define GX_MATRIX_NO_GENES 2
int gx_matrix_genes(gx_matrix *m, gx_genes_fn fn, void *ctx, gx_err *err);

/* Close; NULL is accepted. */
void gx_matrix_close(gx_matrix *m);

/* 1 if the file starts with the HDF5 signature (at offset 0, 512, 1024, ...). */
int gx_matrix_is_hdf5(const char *path);

/*
 * Reader table (PostgreSQL pg_dump's archive-format pattern): matrix.c tries each
 * reader's probe in order.  A reader's open fills m->info and m->impl.
 */
typedef struct gx_matrix_reader {
	const char *name;
	/* 1 if this reader handles the file, 0 if not, negative on error */
	int (*probe)(const char *path, gx_err *err);
	int (*open)(gx_matrix *m, const char *path, const gx_matrix_opts *opts, gx_err *err);
	int (*scan)(gx_matrix *m, const unsigned char *want, gx_cells_fn fn, void *ctx,
	            gx_err *err);
	/* optional (NULL): see gx_matrix_genes */
	int (*genes)(gx_matrix *m, gx_genes_fn fn, void *ctx, gx_err *err);
	void (*close)(gx_matrix *m);
} gx_matrix_reader;

struct gx_matrix {
	const gx_matrix_reader *reader;
	gx_matrix_info info;
	gx_matrix_opts opts;
	char *path;
	void *impl;
};

extern const gx_matrix_reader gx_matrix_tsv_reader;   /* matrix_tsv.c */
/* every HDF5 layout, read by a reader process of its own (h5_proc.c) */
extern const gx_matrix_reader gx_matrix_hdf5_reader;

/*
 * Open 'path' with reader r, skipping detection: r->open, or, when 'open' is not NULL,
 * open(m, ctx, err) on the new matrix (m->path and m->opts set).  For the reader process
 * and the image opener below; gx_matrix_open is the entry point for everyone else.
 */
int gx_matrix_open_with(const gx_matrix_reader *r, const char *path,
                        const gx_matrix_opts *opts,
                        int (*open)(gx_matrix *m, void *ctx, gx_err *err), void *ctx,
                        gx_matrix **out, gx_err *err);

/*
 * Open an HDF5 file image held in memory (buf[0..len), copied), in this process: no
 * file, no reader process (matrix_h5.c).  'layout' forces one ("10x-v3", "10x-v2",
 * "h5ad", "loom", "dense-h5"; NULL: detected), 'name' names it in messages.  For the fuzz
 * targets: libhdf5 runs in the caller's process, so a libhdf5 crash is the caller's.
 */
int gx_matrix_open_h5_image(const char *name, const void *buf, size_t len,
                            const char *layout, const gx_matrix_opts *opts, gx_matrix **out,
                            gx_err *err);

#endif
