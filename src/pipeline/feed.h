/*
 * feed.h - the analysis's values from the load's own scan (analyze_feed.c; private to
 * src/pipeline/).
 *
 * A full load with an analysis after it (analysis.differential_after_load or
 * correlate_after_load) hands every fact it writes to a feed; the analysis then takes
 * its values from the feed instead of reading the facts back (analyze_data.c).  Rows are
 * indexed by position: the run's samples, in their order.
 */
#ifndef GX_PIPELINE_FEED_H
#define GX_PIPELINE_FEED_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct pipe_feed pipe_feed;

/* A feed of n positions: keys[i] is position i's sample key, sparse[i] whether a value
 * it is not fed is 0 (a sample of a sparse matrix) rather than missing (NaN);
 * gene_hint: about how many genes will come.  Owned by the caller (pipe_feed_free). */
int pipe_feed_new(size_t n, const int32_t *keys, const unsigned char *sparse,
                  size_t gene_hint, pipe_feed **out, gx_err *err);
/* One fact as it is written: position ix, its gene's key, its log2 value. */
int pipe_feed_put(pipe_feed *f, size_t ix, int32_t gene, double log2v, gx_err *err);
/* After the scan: everything fed is in the feed's files. */
int pipe_feed_end(pipe_feed *f, gx_err *err);
/* The sample key of each position (the feed's). */
const int32_t *pipe_feed_samples(const pipe_feed *f, size_t *n);
/* Cells fed. */
uint64_t pipe_feed_cells(const pipe_feed *f);
/* Each gene fed, once, with its row: row[i] is position i's log2 value, or its default
 * when it was not fed (0 or NaN, as pipe_feed_new was told).  The row is the feed's,
 * valid during the call; a negative return of fn stops with it. */
typedef int (*pipe_feed_row_fn)(void *ctx, int32_t gene, const double *row, gx_err *err);
int pipe_feed_rows(const pipe_feed *f, pipe_feed_row_fn fn, void *ctx, gx_err *err);
/* NULL accepted. */
void pipe_feed_free(pipe_feed *f);

#endif
