/*
 * test_dups.c - transform/dups.c: every genes.duplicates policy on dense and indexed
 * batches, rows told by gene_row0 across batches, the make-unique renaming, the mean of
 * dense (missing cells left out) and sparse (unstored cells as 0) matrices, the counts.
 */
#include "tap.h"
#include "transform/dups.h"

#include <stdlib.h>
#include <string.h>

/* what the callback received: one line per cell, "gene sample value" or "... NA" */
typedef struct got {
	char lines[64][64];
	size_t n;
	size_t batches;
} got;

static int collect(void *ctx, const gx_cells *c, gx_err *err)
{
	got *g = ctx;
	size_t i, ns = 3;

	(void)err;
	g->batches++;
	for (i = 0; i < c->n && g->n < 64; i++) {
		size_t gi = c->gene ? c->gene[i] : i / ns, si = c->sample ? c->sample[i] : i % ns;
		if (c->missing && c->missing[i])
			snprintf(g->lines[g->n++], 64, "%s S%zu NA", c->gene_ids[gi], si);
		else
			snprintf(g->lines[g->n++], 64, "%s S%zu %g", c->gene_ids[gi], si, c->value[i]);
	}
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* the lines received, sorted, joined with ", " */
static const char *joined(got *g)
{
	static char out[4096];
	size_t i;

	qsort(g->lines, g->n, sizeof(g->lines[0]), cmp_line);
	out[0] = '\0';
	for (i = 0; i < g->n; i++) {
		if (i)
			strcat(out, ", ");
		strcat(out, g->lines[i]);
	}
	return out;
}

/*
 * The matrix (3 samples), rows in file order:
 *   0 G1   1  2  3
 *   1 G2   4  5  6
 *   2 G1  10 20 30
 *   3 G1-1 7  8  9
 *   4 G3   1 NA  1
 *   5 G3   3 NA NA
 * passed in two dense batches (rows 0-2, rows 3-5) with their own gene tables.
 */
static const char *const ids[6] = { "G1", "G2", "G1", "G1-1", "G3", "G3" };
static const double vals[18] = { 1, 2, 3, 4, 5, 6, 10, 20, 30, 7, 8, 9, 1, 0, 1, 3, 0, 0 };
static const unsigned char miss[18] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1 };

static const char *run_dense(gx_dup_policy pol, size_t *rows, size_t *n_ids, got *g)
{
	gx_dups *d = gx_dups_new(pol, 3, 0);
	gx_err err;
	size_t b;

	gx_err_clear(&err);
	memset(g, 0, sizeof(*g));
	ok(d != NULL, "%s: created", gx_dup_policy_name(pol));
	gx_dups_add_ids(d, 4, ids, &err);
	gx_dups_add_ids(d, 2, ids + 4, &err);
	is_int(gx_dups_plan(d, &err), 0, "%s: planned", gx_dup_policy_name(pol));
	*rows = gx_dups_rows(d);
	*n_ids = gx_dups_ids(d);
	gx_dups_scan_begin(d);
	for (b = 0; b < 2; b++) {
		gx_cells c;
		memset(&c, 0, sizeof(c));
		c.n_genes = 3;
		c.gene_ids = ids + 3 * b;
		c.gene_row0 = 3 * b;
		c.n = 9;
		c.value = vals + 9 * b;
		c.missing = b ? miss + 9 : NULL;
		gx_dups_cells(d, &c, collect, g, &err);
	}
	gx_dups_scan_end(d, collect, g, &err);
	gx_dups_free(d);
	return joined(g);
}

static void test_dense(void)
{
	size_t rows, n_ids;
	got g;

	is_str(run_dense(GX_DUP_SUFFIX, &rows, &n_ids, &g),
	       "G1 S0 1, G1 S1 2, G1 S2 3, G1-1 S0 7, G1-1 S1 8, G1-1 S2 9, G1-2 S0 10, "
	       "G1-2 S1 20, G1-2 S2 30, G2 S0 4, G2 S1 5, G2 S2 6, G3 S0 1, G3 S1 NA, G3 S2 1, "
	       "G3-1 S0 3, G3-1 S1 NA, G3-1 S2 NA",
	       "suffix: every row kept; G1's repeat is G1-2 (G1-1 is taken), G3's is G3-1");
	is_int(rows, 2, "suffix: 2 repeated rows");
	is_int(n_ids, 2, "suffix: of 2 ids");
	is_str(run_dense(GX_DUP_FIRST, &rows, &n_ids, &g),
	       "G1 S0 1, G1 S1 2, G1 S2 3, G1-1 S0 7, G1-1 S1 8, G1-1 S2 9, G2 S0 4, G2 S1 5, "
	       "G2 S2 6, G3 S0 1, G3 S1 NA, G3 S2 1",
	       "first: each id's first row, the repeats left out");
	is_str(run_dense(GX_DUP_MEAN, &rows, &n_ids, &g),
	       "G1 S0 5.5, G1 S1 11, G1 S2 16.5, G1-1 S0 7, G1-1 S1 8, G1-1 S2 9, G2 S0 4, "
	       "G2 S1 5, G2 S2 6, G3 S0 2, G3 S1 NA, G3 S2 1",
	       "mean: of the rows with a value; missing where none has one");
	is_int(g.batches, 3, "mean: the two batches, then the merged rows in one");
	is_str(run_dense(GX_DUP_SUM, &rows, &n_ids, &g),
	       "G1 S0 11, G1 S1 22, G1 S2 33, G1-1 S0 7, G1-1 S1 8, G1-1 S2 9, G2 S0 4, G2 S1 5, "
	       "G2 S2 6, G3 S0 4, G3 S1 NA, G3 S2 1",
	       "sum: of the rows with a value");
}

/* a sparse matrix: one table for the whole scan, indexed cells, unstored cells are 0 */
static void test_sparse(void)
{
	static const char *const sids[4] = { "A", "B", "A", "A" };
	static const uint32_t gene[5] = { 0, 2, 1, 3, 2 };
	static const uint32_t smp[5] = { 0, 0, 1, 1, 2 };
	static const double v[5] = { 3, 6, 1, 9, 4 };
	gx_dups *d = gx_dups_new(GX_DUP_MEAN, 3, 1);
	size_t n = 0;
	const char *const *made;
	gx_cells c;
	gx_err err;
	got g;

	memset(&g, 0, sizeof(g));
	gx_err_clear(&err);
	gx_dups_add_ids(d, 4, sids, &err);
	gx_dups_plan(d, &err);
	made = gx_dups_new_ids(d, &n);
	is_int(n, 0, "mean makes no new ids");
	(void)made;
	gx_dups_scan_begin(d);
	memset(&c, 0, sizeof(c));
	c.n_genes = 4;
	c.gene_ids = sids;
	c.n = 5;
	c.gene = gene;
	c.sample = smp;
	c.value = v;
	gx_dups_cells(d, &c, collect, &g, &err);
	gx_dups_scan_end(d, collect, &g, &err);
	is_str(joined(&g), "A S0 3, A S1 3, A S2 1.33333, B S1 1", "sparse mean: the id's 3 rows, an "
	       "unstored cell counts as 0 (S0: (3+6+0)/3, S1: 9/3, S2: 4/3); B untouched");
	gx_dups_free(d);

	d = gx_dups_new(GX_DUP_SUFFIX, 3, 1);
	gx_dups_add_ids(d, 4, sids, &err);
	gx_dups_plan(d, &err);
	made = gx_dups_new_ids(d, &n);
	is_int(n, 2, "suffix makes two new ids ...");
	is_str(n == 2 ? made[0] : NULL, "A-1", "... A-1");
	is_str(n == 2 ? made[1] : NULL, "A-2", "... and A-2");
	gx_dups_free(d);
}

/* the anndata test case: A, B, A, A-1 -> A, B, A-2, A-1 */
static void test_make_unique(void)
{
	static const char *const v[4] = { "A", "B", "A", "A-1" };
	gx_dups *d = gx_dups_new(GX_DUP_SUFFIX, 1, 0);
	const char *const *made;
	size_t n = 0;
	gx_err err;

	gx_err_clear(&err);
	gx_dups_add_ids(d, 4, v, &err);
	gx_dups_plan(d, &err);
	made = gx_dups_new_ids(d, &n);
	is_int(n, 1, "A, B, A, A-1: one renamed row");
	is_str(n ? made[0] : NULL, "A-2", "... A-2, since A-1 is taken (var_names_make_unique)");
	gx_dups_free(d);
}

static void test_no_repeats(void)
{
	static const char *const v[3] = { "X", "Y", "Z" };
	static const double x[3] = { 1, 2, 3 };
	gx_dups *d = gx_dups_new(GX_DUP_MEAN, 1, 0);
	gx_cells c;
	gx_err err;
	got g;

	gx_err_clear(&err);
	memset(&g, 0, sizeof(g));
	gx_dups_add_ids(d, 3, v, &err);
	gx_dups_plan(d, &err);
	is_int(gx_dups_rows(d), 0, "no repeats: 0 rows");
	memset(&c, 0, sizeof(c));
	c.n_genes = 3;
	c.gene_ids = v;
	c.n = 3;
	c.value = x;
	gx_dups_cells(d, &c, collect, &g, &err);
	gx_dups_scan_end(d, collect, &g, &err);
	is_int(g.batches, 1, "no repeats: the batch passed on, nothing added");
	gx_dups_free(d);
	is_int(gx_dup_policy_of("sum"), GX_DUP_SUM, "policy names");
	is_str(gx_dup_policy_name(GX_DUP_FIRST), "first", "policy names back");
}

int main(void)
{
	test_dense();
	test_sparse();
	test_make_unique();
	test_no_repeats();
	return tap_done();
}
