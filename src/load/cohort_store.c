/*
 * cohort_store.c - a study's cohort statistics written (see cohort_store.h).
 *
 * gx_cohort_store writes the loader's accumulated statistics in bulk
 * (gx_sink_copy_rows: COPY on PostgreSQL), candidate ranks included (computed by
 * analyze/cohort.c, gx_cohort_rank); gx_cohort_refresh computes the same rows with one
 * INSERT ... SELECT aggregate over the study's facts (count, avg, stddev_samp - SQLite's
 * comes from load/sqlite_func.c - min, max), then rank_candidates numbers them in SQL.
 * Both number, per cohort, the genes with n >= analysis.pair_min_samples and
 * stddev >= analysis.pair_min_stddev (and > 0) by stddev (ties by gene id, bytewise):
 * the first analysis.pair_top_n keep their rank as candidate_rank.
 * Does not: compute the statistics of a scan (analyze/cohort.c does), or correlations.
 */
#include "load/cohort_store.h"
#include "load/sink_impl.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLS 9 /* study_key, illness_key, gene_key, n, mean, stddev, min, max, candidate_rank */

/* Number the study's candidate genes per cohort (see the file comment), in SQL.  Ties
 * go by gene id bytewise on both backends (SQLite's default; "C" on PostgreSQL), as in
 * gx_cohort_rank. */
static int rank_candidates(gx_sink *s, const gx_config *cfg, const char *sk, gx_err *err)
{
	char top[24], sd[40], ns[24], sql[1024];
	const char *par[4] = { sk, ns, sd, top };

	snprintf(ns, sizeof(ns), "%ld", cfg->pair_min_samples);
	snprintf(sd, sizeof(sd), "%.17g", cfg->pair_min_stddev);
	snprintf(top, sizeof(top), "%ld", cfg->pair_top_n);
	snprintf(sql, sizeof(sql),
		"UPDATE fact_cohort_gene_stats SET candidate_rank = r.rk "
		"FROM (SELECT c.illness_key, c.gene_key, "
		"             row_number() OVER (PARTITION BY c.illness_key "
		"                                ORDER BY c.stddev DESC, g.gene_id%s) AS rk "
		"      FROM fact_cohort_gene_stats c JOIN dim_gene g ON g.gene_key = c.gene_key "
		"      WHERE c.study_key = CAST($1 AS integer) AND c.n >= CAST($2 AS integer) "
		"      AND c.stddev > 0 AND c.stddev >= CAST($3 AS double precision)) r "
		"WHERE fact_cohort_gene_stats.study_key = CAST($1 AS integer) "
		"AND fact_cohort_gene_stats.illness_key = r.illness_key "
		"AND fact_cohort_gene_stats.gene_key = r.gene_key "
		"AND r.rk <= CAST($4 AS integer)", s->kind == GX_DB_POSTGRESQL ? " COLLATE \"C\"" : "");
	return gx_sink_query(s, sql, 4, par, NULL, err);
}

/* Rows of gx_cohort_store go to the sink in batches of this many. */
#define BATCH 4096

static const char *const store_cols[COLS] = {
	"study_key", "illness_key", "gene_key", "n", "mean", "stddev", "min", "max", "candidate_rank"
};

/* Cohorts whose stored rows must be kept: not changed, and the stored rows are the ones
 * 'a' gives (row and rank counts per cohort, and every stored rank).  Clears keep[c]
 * where the check fails. */
static int check_kept(gx_sink *s, const char *sk, const gx_cohort_acc *a,
                      const gx_hset *gene_keys, const char *const *illness_keys,
                      const int32_t *rank, unsigned char *keep, gx_err *err)
{
	const char *par[1] = { sk };
	gx_rows *r = NULL;
	gx_hset rows = { 0 };
	size_t g, c, i;
	int rc;

	if ((rc = gx_sink_query(s, "SELECT CAST(illness_key AS text), count(*), count(candidate_rank) "
	                        "FROM fact_cohort_gene_stats WHERE study_key = $1 GROUP BY illness_key",
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
			if (!strcmp(gx_rows_get(r, i, 0), illness_keys[c])) {
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
	if (!(rc = gx_sink_query(s, "SELECT CAST(illness_key AS text), gene_key, candidate_rank "
	                         "FROM fact_cohort_gene_stats WHERE study_key = $1 "
	                         "AND candidate_rank IS NOT NULL", 1, par, &r, err))) {
		for (i = 0; i < r->nrows; i++) {
			uint64_t row;
			for (c = 0; c < a->n_cohorts; c++)
				if (keep[c] && !strcmp(gx_rows_get(r, i, 0), illness_keys[c]))
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

/* Delete the study's rows but those of the kept cohorts (keep[c] for illness_keys[c],
 * c < n_cohorts; with n_cohorts 0, every row). */
static int delete_unkept(gx_sink *s, const char *sk, size_t n_cohorts,
                         const char *const *illness_keys, const unsigned char *keep,
                         gx_err *err)
{
	const char *par[1] = { sk };
	gx_buf sql = { 0 };
	size_t c, n = 0;
	int rc;

	gx_buf_puts(&sql, "DELETE FROM fact_cohort_gene_stats WHERE study_key = $1");
	for (c = 0; c < n_cohorts; c++)
		if (keep[c])
			gx_buf_printf(&sql, "%s%ld", n++ ? ", " : " AND illness_key NOT IN (",
			              atol(illness_keys[c]));
	if (n)
		gx_buf_putc(&sql, ')');
	if (!gx_buf_cstr(&sql))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	rc = gx_sink_query(s, sql.data, 1, par, NULL, err);
	gx_buf_release(&sql);
	return rc;
}

int gx_cohort_store(gx_sink *s, int32_t study_key, const gx_cohort_acc *a,
                    const int32_t *rank, const gx_hset *gene_keys,
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
		keep[c] = !changed[c] && illness_keys[c];
	if (changed && (rc = check_kept(s, sk, a, gene_keys, illness_keys, rank, keep, err)))
		goto out;
	if ((rc = delete_unkept(s, sk, a->n_cohorts, illness_keys, keep, err)))
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
			if (!cell->n || !illness_keys[c] || keep[c])
				continue;
			snprintf(t[2], 32, "%d", (int)(int32_t)key);
			snprintf(t[3], 32, "%lld", (long long)cell->n);
			snprintf(t[4], 32, "%.17g", cell->mean);
			if (cell->n > 1)
				snprintf(t[5], 32, "%.17g", gx_cohort_stddev(cell));
			snprintf(t[6], 32, "%.17g", cell->min);
			snprintf(t[7], 32, "%.17g", cell->max);
			snprintf(t[8], 32, "%d", (int)rank[g * a->n_cohorts + c]);
			row[0] = sk;
			row[1] = illness_keys[c];
			for (k = 2; k < COLS; k++)
				row[k] = t[k];
			row[5] = cell->n > 1 ? t[5] : NULL; /* stddev_samp of one value is NULL */
			row[8] = rank[g * a->n_cohorts + c] ? t[8] : NULL;
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
	gx_log(GX_LOG_INFO, "load", "cohort statistics: %ld illness x gene rows written in %.3f s "
	       "(%zu of %zu cohorts unchanged, kept)", n, gx_mono() - t0, kept, a->n_cohorts);
out:
	gx_free(txt);
	gx_free(cells);
	gx_free(keep);
	return rc;
}

int gx_cohort_refresh(gx_sink *s, const gx_config *cfg, int32_t study_key, long *n_rows,
                      gx_err *err)
{
	char sk[16];
	const char *par[1] = { sk };
	double t0 = gx_mono();
	long n = 0;
	int rc;

	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	if ((rc = delete_unkept(s, sk, 0, NULL, NULL, err)))
		return rc;
	/* the finite-range test leaves out NaN and infinities on both backends, as the
	 * accumulator does (SQLite stores NaN as NULL; PostgreSQL sorts NaN above all) */
	if ((rc = gx_sink_query(s,
		"INSERT INTO fact_cohort_gene_stats (study_key, illness_key, gene_key, n, mean, "
		"stddev, min, max) "
		"SELECT f.study_key, s.illness_key, f.gene_key, count(*), avg(f.log2_value), "
		"       stddev_samp(f.log2_value), min(f.log2_value), max(f.log2_value) "
		"FROM fact_gene_expression f "
		"JOIN dim_sample s ON s.sample_key = f.sample_key "
		"WHERE f.study_key = CAST($1 AS integer) AND s.study_key = CAST($1 AS integer) "
		"AND s.illness_key IS NOT NULL "
		"AND f.log2_value BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308 "
		"GROUP BY f.study_key, s.illness_key, f.gene_key", 1, par, NULL, err)))
		return rc;
	if ((rc = rank_candidates(s, cfg, sk, err)))
		return rc;
	if ((rc = gx_sink_query_long(s, "SELECT count(*) FROM fact_cohort_gene_stats "
	                             "WHERE study_key = $1", 1, par, &n, err)))
		return rc;
	if (n_rows)
		*n_rows = n;
	gx_log(GX_LOG_INFO, "load", "cohort statistics: %ld illness x gene rows from the facts in "
	       "%.3f s", n, gx_mono() - t0);
	return 0;
}
