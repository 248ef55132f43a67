/*
 * cohort_store.c - a study's cohort statistics written (see cohort_store.h).
 *
 * gx_cohort_store writes the loader's accumulated statistics in bulk
 * (gx_sink_copy_rows: COPY on PostgreSQL), candidate ranks included (computed by
 * analyze/cohort.c, gx_cohort_rank), and keeps the rows of the cohorts a partial run did
 * not change after checking them.  Every row is the accumulator's: a run that writes no
 * facts scans the matrices for its cohorts (pipeline/load.c), so that the rows are those
 * of a clean load bit for bit, sparse matrices' zeros included.
 * Does not: compute statistics (analyze/cohort.c does), or correlations.
 */
#include "load/cohort_store.h"
#include "load/sink_impl.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* study_key, cohort_by, cohort, illness_key, gene_key, n, mean, stddev, min, max,
 * candidate_rank */
#define COLS 11

/* Rows of gx_cohort_store go to the sink in batches of this many. */
#define BATCH 4096

static const char *const store_cols[COLS] = {
	"study_key", "cohort_by", "cohort", "illness_key", "gene_key", "n", "mean", "stddev", "min",
	"max", "candidate_rank"
};

/* Cohorts whose stored rows must be kept: not changed, and the stored rows are the ones
 * 'a' gives (row and rank counts per cohort, and every stored rank).  Clears keep[c]
 * where the check fails. */
static int check_kept(gx_sink *s, const char *sk, const gx_cohort_acc *a,
                      const gx_hset *gene_keys, const int32_t *rank, unsigned char *keep,
                      gx_err *err)
{
	const char *par[1] = { sk };
	gx_rows *r = NULL;
	gx_hset rows = { 0 };
	size_t g, c, i;
	int rc;

	if ((rc = gx_sink_query(s, "SELECT cohort, count(*), count(candidate_rank) "
	                        "FROM fact_cohort_gene_stats WHERE study_key = $1 GROUP BY cohort",
	                        1, par, &r, err)))
		return rc;
	for (c = 0; c < a->n_cohorts; c++) {
		long want_rows = 0, want_ranks = 0, got_rows = -1, got_ranks = -1;
		if (!keep[c])
			continue;
		for (g = 0; g < a->n_genes; g++) {
			want_rows += a->cells[g * a->n_cohorts + c].n > 0;
			want_ranks += rank[g * a->n_cohorts + c] > 0;
		}
		for (i = 0; i < r->nrows; i++) {
			if (!strcmp(gx_rows_get(r, i, 0), a->codes[c])) {
				got_rows = atol(gx_rows_get(r, i, 1));
				got_ranks = atol(gx_rows_get(r, i, 2));
			}
		}
		keep[c] = got_rows == want_rows && got_ranks == want_ranks;
	}
	gx_rows_free(r);
	r = NULL;
	/* the stored ranks, gene by gene (gene key -> row of 'a') */
	for (g = 0; g < a->n_genes; g++) {
		uint64_t key;
		if (!gx_hset_get(gene_keys, a->gene_hash[g], &key))
			return gx_err_set(err, GX_E_INTERNAL, "cohort statistics: a gene has no key");
		if (gx_hset_put(&rows, key, g, NULL) < 0) {
			gx_hset_release(&rows);
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		}
	}
	if (!(rc = gx_sink_query(s, "SELECT cohort, gene_key, candidate_rank "
	                         "FROM fact_cohort_gene_stats WHERE study_key = $1 "
	                         "AND candidate_rank IS NOT NULL", 1, par, &r, err))) {
		for (i = 0; i < r->nrows; i++) {
			uint64_t row;
			for (c = 0; c < a->n_cohorts; c++)
				if (keep[c] && !strcmp(gx_rows_get(r, i, 0), a->codes[c]))
					break;
			if (c == a->n_cohorts)
				continue;
			if (!gx_hset_get(&rows, (uint64_t)atol(gx_rows_get(r, i, 1)), &row) ||
			    rank[row * a->n_cohorts + c] != atol(gx_rows_get(r, i, 2)))
				keep[c] = 0;
		}
	}
	gx_rows_free(r);
	gx_hset_release(&rows);
	return rc;
}

/* Delete the study's rows but those of the kept cohorts (keep[c] for labels[c],
 * c < n_cohorts; with n_cohorts 0, every row).  The labels are bound, never SQL text. */
static int delete_unkept(gx_sink *s, const char *sk, size_t n_cohorts,
                         const char *const *labels, const unsigned char *keep, gx_err *err)
{
	const char **par = gx_calloc(n_cohorts + 1, sizeof(*par));
	gx_buf sql = { 0 };
	size_t c, n = 0;
	int rc;

	if (!par)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	par[n++] = sk;
	gx_buf_puts(&sql, "DELETE FROM fact_cohort_gene_stats WHERE study_key = $1");
	for (c = 0; c < n_cohorts; c++) {
		if (!keep[c])
			continue;
		gx_buf_printf(&sql, "%s$%zu", n > 1 ? ", " : " AND cohort NOT IN (", n + 1);
		par[n++] = labels[c];
	}
	if (n > 1)
		gx_buf_putc(&sql, ')');
	if (!gx_buf_cstr(&sql))
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	else
		rc = gx_sink_query(s, sql.data, (int)n, par, NULL, err);
	gx_buf_release(&sql);
	gx_free(par);
	return rc;
}

int gx_cohort_store(gx_sink *s, int32_t study_key, const gx_cohort_acc *a,
                    const int32_t *rank, const gx_hset *gene_keys, const char *cohort_by,
                    const char *const *illness_keys, const unsigned char *changed,
                    long *n_rows, gx_err *err)
{
	char sk[16];
	char (*txt)[COLS][32];
	const char **cells;
	unsigned char *keep;
	size_t g, c, k, pending = 0, kept = 0;
	double t0 = gx_mono();
	long n = 0;
	int rc;

	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	txt = gx_calloc(BATCH, sizeof(*txt));
	cells = gx_calloc(BATCH * COLS, sizeof(*cells));
	keep = gx_calloc(a->n_cohorts + 1, 1);
	if (!txt || !cells || !keep) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	for (c = 0; changed && c < a->n_cohorts; c++)
		keep[c] = !changed[c];
	if (changed && (rc = check_kept(s, sk, a, gene_keys, rank, keep, err)))
		goto out;
	if ((rc = delete_unkept(s, sk, a->n_cohorts, a->codes, keep, err)))
		goto out;
	for (g = 0; g < a->n_genes; g++) {
		uint64_t key;
		if (!gx_hset_get(gene_keys, a->gene_hash[g], &key)) {
			rc = gx_err_set(err, GX_E_INTERNAL, "cohort statistics: a gene has no key");
			goto out;
		}
		for (c = 0; c < a->n_cohorts; c++) {
			const gx_cohort_cell *cell = &a->cells[g * a->n_cohorts + c];
			char (*t)[32] = txt[pending];
			const char **row = &cells[pending * COLS];
			if (!cell->n || keep[c])
				continue;
			snprintf(t[4], 32, "%d", (int)(int32_t)key);
			snprintf(t[5], 32, "%lld", (long long)cell->n);
			snprintf(t[6], 32, "%.17g", cell->mean);
			if (cell->n > 1)
				snprintf(t[7], 32, "%.17g", gx_cohort_stddev(cell));
			snprintf(t[8], 32, "%.17g", cell->min);
			snprintf(t[9], 32, "%.17g", cell->max);
			snprintf(t[10], 32, "%d", (int)rank[g * a->n_cohorts + c]);
			for (k = 4; k < COLS; k++)
				row[k] = t[k];
			row[0] = sk;
			row[1] = cohort_by;
			row[2] = a->codes[c];
			row[3] = illness_keys ? illness_keys[c] : NULL;
			row[7] = cell->n > 1 ? t[7] : NULL; /* stddev_samp of one value is NULL */
			row[10] = rank[g * a->n_cohorts + c] ? t[10] : NULL;
			n++;
			if (++pending == BATCH) {
				if ((rc = gx_sink_copy_rows(s, "fact_cohort_gene_stats", store_cols, COLS,
				                            pending, cells, err)))
					goto out;
				pending = 0;
			}
		}
	}
	if ((rc = gx_sink_copy_rows(s, "fact_cohort_gene_stats", store_cols, COLS, pending, cells,
	                            err)))
		goto out;
	if (n_rows)
		*n_rows = n;
	for (c = 0; c < a->n_cohorts; c++)
		kept += keep[c];
	gx_log(GX_LOG_INFO, "load", "cohort statistics: %ld cohort x gene rows written in %.3f s "
	       "(%zu of %zu cohorts unchanged, kept)", n, gx_mono() - t0, kept, a->n_cohorts);
out:
	gx_free(txt);
	gx_free(cells);
	gx_free(keep);
	return rc;
}
