/*
 * cohort.c - per-study cohort statistics (see cohort.h).
 *
 * gx_cohort_store writes the loader's accumulated statistics in bulk
 * (gx_sink_copy_rows: COPY on PostgreSQL); gx_cohort_refresh computes the same
 * rows with one INSERT ... SELECT aggregate over the study's facts (count, avg,
 * stddev_samp - SQLite's comes from load/sqlite_func.c - min, max).  Then rank_candidates
 * numbers, per cohort, the genes with n >= analysis.pair_min_samples and stddev >=
 * analysis.pair_min_stddev (and > 0) by stddev (ties by gene id): the first
 * analysis.pair_top_n keep their rank as candidate_rank.
 * Does not: compute correlations (fact_gene_pair_stats belongs to the analysis step).
 */
#include "analyze/cohort.h"
#include "core/log.h"
#include "core/mem.h"

#include <stdio.h>
#include <string.h>

#define COLS 8 /* study_key, illness_key, gene_key, n, mean, stddev, min, max */

void gx_cohort_acc_reset(gx_cohort_acc *a)
{
	a->n_cohorts = 0;
	a->n_genes = 0;
	gx_hset_clear(&a->genes);
}

void gx_cohort_acc_release(gx_cohort_acc *a)
{
	if (!a)
		return;
	gx_free(a->codes);
	gx_free(a->gene_hash);
	gx_free(a->cells);
	gx_hset_release(&a->genes);
	memset(a, 0, sizeof(*a));
}

int gx_cohort_acc_cohort(gx_cohort_acc *a, const char *code, size_t *col, gx_err *err)
{
	const char **c;
	size_t i;

	for (i = 0; i < a->n_cohorts; i++) {
		if (!strcmp(a->codes[i], code)) {
			*col = i;
			return 0;
		}
	}
	if (a->n_genes)
		return gx_err_set(err, GX_E_INTERNAL, "cohort '%s' added after the first gene", code);
	if (!(c = gx_reallocarray(a->codes, a->n_cohorts + 1, sizeof(*c))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	a->codes = c;
	a->codes[a->n_cohorts] = code;
	*col = a->n_cohorts++;
	return 0;
}

int gx_cohort_acc_gene(gx_cohort_acc *a, uint64_t gene_hash, size_t *row, gx_err *err)
{
	uint64_t r;

	if (gx_hset_get(&a->genes, gene_hash, &r)) {
		*row = (size_t)r;
		return 0;
	}
	if (a->n_genes == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 1024;
		uint64_t *h = gx_reallocarray(a->gene_hash, cap, sizeof(*h));
		gx_cohort_cell *c;
		if (h)
			a->gene_hash = h;
		c = h ? gx_reallocarray(a->cells, cap * (a->n_cohorts ? a->n_cohorts : 1),
		                        sizeof(*c)) : NULL;
		if (!c)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		a->cells = c;
		a->cap = cap;
	}
	if (gx_hset_put(&a->genes, gene_hash, a->n_genes, NULL) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	a->gene_hash[a->n_genes] = gene_hash;
	if (a->n_cohorts)
		memset(&a->cells[a->n_genes * a->n_cohorts], 0, a->n_cohorts * sizeof(*a->cells));
	*row = a->n_genes++;
	return 0;
}

/* Number the study's candidate genes per cohort (see the file comment). */
static int rank_candidates(gx_sink *s, const gx_config *cfg, const char *sk, gx_err *err)
{
	char top[24], sd[40], ns[24];
	const char *par[4] = { sk, ns, sd, top };

	snprintf(ns, sizeof(ns), "%ld", cfg->pair_min_samples);
	snprintf(sd, sizeof(sd), "%.17g", cfg->pair_min_stddev);
	snprintf(top, sizeof(top), "%ld", cfg->pair_top_n);
	return gx_sink_query(s,
		"UPDATE fact_cohort_gene_stats SET candidate_rank = r.rk "
		"FROM (SELECT c.illness_key, c.gene_key, "
		"             row_number() OVER (PARTITION BY c.illness_key "
		"                                ORDER BY c.stddev DESC, g.gene_id) AS rk "
		"      FROM fact_cohort_gene_stats c JOIN dim_gene g ON g.gene_key = c.gene_key "
		"      WHERE c.study_key = CAST($1 AS integer) AND c.n >= CAST($2 AS integer) "
		"      AND c.stddev > 0 AND c.stddev >= CAST($3 AS double precision)) r "
		"WHERE fact_cohort_gene_stats.study_key = CAST($1 AS integer) "
		"AND fact_cohort_gene_stats.illness_key = r.illness_key "
		"AND fact_cohort_gene_stats.gene_key = r.gene_key "
		"AND r.rk <= CAST($4 AS integer)", 4, par, NULL, err);
}

static int delete_study(gx_sink *s, const char *sk, gx_err *err)
{
	const char *par[1] = { sk };
	return gx_sink_query(s, "DELETE FROM fact_cohort_gene_stats WHERE study_key = $1", 1,
	                     par, NULL, err);
}

/* Rows of gx_cohort_store go to the sink in batches of this many. */
#define BATCH 4096

static const char *const store_cols[COLS] = {
	"study_key", "illness_key", "gene_key", "n", "mean", "stddev", "min", "max"
};

int gx_cohort_store(gx_sink *s, const gx_config *cfg, int32_t study_key,
                    const gx_cohort_acc *a, const gx_hset *gene_keys,
                    const char *const *illness_keys, long *n_rows, gx_err *err)
{
	char sk[16];
	char (*txt)[COLS][32];
	const char **cells;
	size_t g, c, k, pending = 0;
	double t0 = gx_mono();
	long n = 0;
	int rc;

	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	if ((rc = delete_study(s, sk, err)))
		return rc;
	txt = gx_calloc(BATCH, sizeof(*txt));
	cells = gx_calloc(BATCH * COLS, sizeof(*cells));
	if (!txt || !cells) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
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
			if (!cell->n || !illness_keys[c])
				continue;
			snprintf(t[2], 32, "%d", (int)(int32_t)key);
			snprintf(t[3], 32, "%lld", (long long)cell->n);
			snprintf(t[4], 32, "%.17g", cell->mean);
			if (cell->n > 1)
				snprintf(t[5], 32, "%.17g", sqrt(cell->m2 / (double)(cell->n - 1)));
			snprintf(t[6], 32, "%.17g", cell->min);
			snprintf(t[7], 32, "%.17g", cell->max);
			row[0] = sk;
			row[1] = illness_keys[c];
			for (k = 2; k < COLS; k++)
				row[k] = t[k];
			row[5] = cell->n > 1 ? t[5] : NULL; /* stddev_samp of one value is NULL */
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
	if ((rc = rank_candidates(s, cfg, sk, err)))
		goto out;
	if (n_rows)
		*n_rows = n;
	gx_log(GX_LOG_INFO, "load", "cohort statistics: %ld illness x gene rows written in %.3f s",
	       n, gx_mono() - t0);
out:
	gx_free(txt);
	gx_free(cells);
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
	if ((rc = delete_study(s, sk, err)))
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
		"WHERE f.study_key = CAST($1 AS integer) AND s.illness_key IS NOT NULL "
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
