/*
 * test_feed.c - pipeline/analyze_feed.c: the analysis's values from the load's own scan.
 * Every gene fed comes back once, in the order it first came, with each position's value
 * or its default (0 for a sparse sample, NaN otherwise), whether its cells came gene by
 * gene (rows written whole) or sample by sample (spilled records, over several blocks of
 * rows and many chunks of records); a cell fed twice is an internal error.
 */
#include "tap.h"
#include "pipeline/feed.h"
#include "core/mem.h"

#include <math.h>
#include <stdlib.h>

typedef struct expect {
	size_t n;                   /* positions */
	const unsigned char *sparse;
	double (*value)(size_t pos, size_t g, int *has);
	const int32_t *genes;       /* in the order they first came */
	size_t n_genes, seen, bad_rows;
} expect;

static int check_row(void *ctx, int32_t gene, const double *row, gx_err *err)
{
	expect *e = ctx;
	size_t g = e->seen++, i;
	int bad = 0;

	(void)err;
	if (g >= e->n_genes || gene != e->genes[g]) {
		e->bad_rows++;
		return 0;
	}
	for (i = 0; i < e->n && !bad; i++) {
		int has = 0;
		double v = e->value(i, g, &has);

		if (has)
			bad = row[i] != v;
		else
			bad = e->sparse[i] ? row[i] != 0.0 : !isnan(row[i]);
	}
	e->bad_rows += (size_t)bad;
	return 0;
}

/* ---- a small matrix, gene by gene ---- */

static double small_value(size_t pos, size_t g, int *has)
{
	*has = (pos + g) % 3 != 0;
	return (double)pos * 0.25 - (double)g;
}

static void gene_by_gene(void)
{
	int32_t keys[5] = { 10, 11, 12, 13, 14 };
	unsigned char sparse[5] = { 0, 1, 0, 1, 0 };
	int32_t genes[3] = { 107, 100, 104 };
	pipe_feed *f = NULL;
	expect e = { 5, sparse, small_value, genes, 3, 0, 0 };
	size_t n, g, pos;
	uint64_t cells = 0;
	gx_err err;
	int rc = 0;

	gx_err_clear(&err);
	ok(pipe_feed_new(5, keys, sparse, 3, &f, &err) == 0, "a feed of 5 samples");
	if (!f)
		return;
	for (g = 0; g < 3; g++)
		for (pos = 0; pos < 5; pos++) {
			int has;
			double v = small_value(pos, g, &has);

			if (has) {
				rc |= pipe_feed_put(f, pos, genes[g], v, &err);
				cells++;
			}
		}
	ok(rc == 0 && pipe_feed_end(f, &err) == 0, "fed gene by gene");
	ok(pipe_feed_cells(f) == cells, "cells counted: %llu", (unsigned long long)cells);
	ok(pipe_feed_samples(f, &n)[3] == 13 && n == 5, "the sample keys by position");
	ok(pipe_feed_rows(f, check_row, &e, &err) == 0, "rows read");
	ok(e.seen == 3 && e.bad_rows == 0, "each gene once, in the order it came, with its values "
	   "and the defaults (0 sparse, NaN dense): %zu rows, %zu wrong", e.seen, e.bad_rows);
	pipe_feed_free(f);
}

/* ---- a wide matrix, sample by sample: spilled, several blocks ---- */

#define WIDE 300000             /* 2.4 MB a row: 3 rows a block */
#define WGENES 10

static double wide_value(size_t pos, size_t g, int *has)
{
	/* every gene at the first position fed, then some of them at every 750th */
	*has = pos % 750 == 3 && (pos == 3 || (pos / 750 * 7 + g * 3) % 5 != 0);
	return (double)pos * 0.5 + (double)g;
}

static void sample_by_sample(void)
{
	int32_t *keys = gx_calloc(WIDE, sizeof(*keys));
	unsigned char *sparse = gx_calloc(WIDE, 1);
	int32_t genes[WGENES];
	pipe_feed *f = NULL;
	expect e = { WIDE, sparse, wide_value, genes, WGENES, 0, 0 };
	size_t g, pos;
	gx_err err;
	int rc = 0;

	gx_err_clear(&err);
	if (!keys || !sparse) {
		ok(0, "memory for the wide test");
		return;
	}
	for (pos = 0; pos < WIDE; pos++) {
		keys[pos] = (int32_t)pos + 1;
		sparse[pos] = pos % 2;
	}
	for (g = 0; g < WGENES; g++)
		genes[g] = (int32_t)(5000 - 7 * g);
	/* many genes expected: blocks' buffers of 64 records, so many chunks */
	ok(pipe_feed_new(WIDE, keys, sparse, 1000000, &f, &err) == 0, "a feed of %d samples", WIDE);
	if (!f)
		goto out;
	for (pos = 0; pos < WIDE && !rc; pos++)
		for (g = 0; g < WGENES && !rc; g++) {
			int has;
			double v = wide_value(pos, g, &has);

			if (has)
				rc = pipe_feed_put(f, pos, genes[g], v, &err);
		}
	ok(rc == 0 && pipe_feed_end(f, &err) == 0, "fed sample by sample (%s)", err.msg);
	ok(pipe_feed_rows(f, check_row, &e, &err) == 0, "rows read");
	ok(e.seen == WGENES && e.bad_rows == 0, "each gene once with every spilled value and the "
	   "defaults: %zu rows, %zu wrong", e.seen, e.bad_rows);
	pipe_feed_free(f);
out:
	gx_free(keys);
	gx_free(sparse);
}

static void fed_twice(void)
{
	int32_t keys[2] = { 1, 2 };
	unsigned char sparse[2] = { 0, 0 };
	pipe_feed *f = NULL;
	gx_err err;

	gx_err_clear(&err);
	if (pipe_feed_new(2, keys, sparse, 1, &f, &err)) {
		ok(0, "a feed of 2 samples");
		return;
	}
	ok(pipe_feed_put(f, 0, 9, 1.0, &err) == 0 && pipe_feed_put(f, 1, 9, 2.0, &err) == 0,
	   "two cells of a gene");
	ok(pipe_feed_put(f, 0, 9, 3.0, &err) < 0 && err.code == GX_E_INTERNAL,
	   "a third is an internal error: %s", err.msg);
	gx_err_clear(&err);
	ok(pipe_feed_put(f, 2, 8, 3.0, &err) < 0 && err.code == GX_E_INTERNAL,
	   "so is a position past the samples: %s", err.msg);
	pipe_feed_free(f);
	pipe_feed_free(NULL);
}

int main(void)
{
	gene_by_gene();
	sample_by_sample();
	fed_twice();
	return tap_done();
}
