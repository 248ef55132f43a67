/*
 * dups.h - a gene id on several rows of a matrix, handled by genes.duplicates.
 *
 * Real files repeat gene ids: 10x files whose ids were cut to a fixed width, h5ad files
 * keyed by symbol, microarray tables with several probes per gene.  One policy, the same
 * for every reader (docs/CONFIG.md):
 *   refuse  the readers stop the run at the first repeat (exit 65; no gx_dups needed);
 *   first   the id's first row is kept, its later rows are left out;
 *   mean    one row per id: per sample, the mean of the rows' values (dense files: of the
 *           rows that have a value; sparse files: a cell the file does not store counts
 *           as 0, so the mean is the sum over the id's rows);
 *   sum     one row per id: per sample, the sum of the rows' values;
 *   suffix  every row is kept: the k-th repeat of X becomes X-k, skipping names the file
 *           already uses (anndata's make_index_unique, scanpy's var_names_make_unique).
 * Use, per matrix: gx_dups_add_ids with every gene id in file order (gx_matrix_genes),
 * gx_dups_plan; then per scan gx_dups_scan_begin, every batch through gx_dups_cells
 * (which passes batches without a repeated row on untouched), gx_dups_scan_end (mean and
 * sum: the merged rows, one batch).  Repeats are told by the ids' 64-bit hashes, as the
 * TSV reader's own check does.
 * Memory: a 64-bit hash per gene while planning; then per repeated row a few words, and
 * for mean and sum per (repeated id, sample) with a value about 40 bytes until the scan
 * ends.
 */
#ifndef GX_DUPS_H
#define GX_DUPS_H

#include "core/err.h"
#include "core/records.h"

#include <stddef.h>

typedef enum gx_dup_policy {
	GX_DUP_REFUSE,
	GX_DUP_FIRST,
	GX_DUP_MEAN,
	GX_DUP_SUM,
	GX_DUP_SUFFIX,
} gx_dup_policy;

/* The policy named by genes.duplicates (GX_DUP_SUFFIX for an unknown name). */
gx_dup_policy gx_dup_policy_of(const char *name);
const char *gx_dup_policy_name(gx_dup_policy p);

typedef struct gx_dups gx_dups;

/* For a matrix of n_cols samples (sparse: only stored cells are passed); NULL if out of
 * memory. */
gx_dups *gx_dups_new(gx_dup_policy p, size_t n_cols, int sparse);
void gx_dups_free(gx_dups *d);

/* Planning: the next n gene ids of the file, in file order. */
int gx_dups_add_ids(gx_dups *d, size_t n, const char *const *ids, gx_err *err);
/* After the last id: decide what happens to every repeated row. */
int gx_dups_plan(gx_dups *d, gx_err *err);
/* Rows whose id an earlier row has, and the ids on more than one row. */
size_t gx_dups_rows(const gx_dups *d);
size_t gx_dups_ids(const gx_dups *d);
/* The ids the plan made (suffix: X-1, ...), for the caller's gene keys; n via *n. */
const char *const *gx_dups_new_ids(const gx_dups *d, size_t *n);

/* Scanning (after gx_dups_plan): see the header comment.  fn and ctx are the caller's
 * batch callback; gx_dups_cells returns what fn returns. */
void gx_dups_scan_begin(gx_dups *d);
int gx_dups_cells(gx_dups *d, const gx_cells *c, gx_cells_fn fn, void *ctx, gx_err *err);
int gx_dups_scan_end(gx_dups *d, gx_cells_fn fn, void *ctx, gx_err *err);

#endif
