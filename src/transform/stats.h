/*
 * stats.h - per-sample value statistics, collected while the matrices stream.
 *
 * The pipeline's scan hands every batch of cells to gx_stats_add_cells (one call per
 * batch).  Only samples marked with gx_stats_want are counted: a reader does not convert
 * the values of samples a run does not rewrite, so their cells carry no information.
 * Counting only: after gx_stats_init nothing allocates, fails or does I/O, and a gx_stats
 * that was never initialized (or has no wanted sample) ignores every batch.
 * transform/validate.c turns the figures into checks; they are stored per sample in
 * dim_sample (n_values, n_missing, n_negative, value_min, value_max).
 */
#ifndef GX_STATS_H
#define GX_STATS_H

#include "core/err.h"
#include "core/records.h"

#include <stddef.h>
#include <stdint.h>

typedef struct gx_stats {
	size_t n;               /* samples */
	gx_sample_stats *s;     /* n entries */
	unsigned char *want;    /* n flags: count this sample */
	size_t n_wanted;
} gx_stats;

/* Room for n samples, none wanted, all counts zero.  {0} is a valid empty gx_stats. */
int gx_stats_init(gx_stats *st, size_t n_samples, gx_err *err);

/* Count (want = 1) or ignore (0) sample i from now on; i < n. */
void gx_stats_want(gx_stats *st, size_t i, int want);

/*
 * Count one batch of cells of a matrix with n_cols sample columns: colmap[col] is the
 * sample index of each column (NULL: the identity).  Dense batches start on a row
 * boundary (matrix.h).  NULL st, or no wanted sample: no operation.
 */
void gx_stats_add_cells(gx_stats *st, const gx_cells *c, const size_t *colmap, size_t n_cols);

/* Free the arrays; the gx_stats is {0} afterwards.  NULL is accepted. */
void gx_stats_release(gx_stats *st);

#endif
