/*
 * cohort.c - per-study cohort statistics (see cohort.h).
 *
 * Three statements over the study's facts, written once for both backends:
 *   1. n, mean, min, max per illness x gene (one aggregate pass);
 *   2. stddev as the root of the summed squared deviations from that mean over n - 1
 *      (a second pass: stable where sum(x^2) - n*mean^2 cancels; SQLite has no stddev);
 *   3. candidate_rank: row_number() by stddev (ties by gene id) among the genes with
 *      n >= analysis.pair_min_samples and stddev >= analysis.pair_min_stddev (and > 0),
 *      kept for the first analysis.pair_top_n of each cohort.
 * Values whose log2_value is NULL (negative values of linear data) are not counted.
 * Does not: compute correlations (fact_gene_pair_stats belongs to the analysis step).
 */
#include "analyze/cohort.h"
#include "core/log.h"

#include <stdio.h>

int gx_cohort_refresh(gx_sink *s, const gx_config *cfg, int32_t study_key, long *n_rows,
                      gx_err *err)
{
	char sk[16], top[24], sd[40], ns[24];
	const char *par[4] = { sk, ns, sd, top };
	double t0 = gx_mono();
	long n = 0;
	int rc;

	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	snprintf(ns, sizeof(ns), "%ld", cfg->pair_min_samples);
	snprintf(sd, sizeof(sd), "%.17g", cfg->pair_min_stddev);
	snprintf(top, sizeof(top), "%ld", cfg->pair_top_n);
	if ((rc = gx_sink_query(s, "DELETE FROM fact_cohort_gene_stats WHERE study_key = $1", 1,
	                        par, NULL, err)))
		return rc;
	if ((rc = gx_sink_query(s,
		"INSERT INTO fact_cohort_gene_stats (study_key, illness_key, gene_key, n, mean, min, max) "
		"SELECT f.study_key, s.illness_key, f.gene_key, count(*), avg(f.log2_value), "
		"min(f.log2_value), max(f.log2_value) "
		"FROM fact_gene_expression f JOIN dim_sample s ON s.sample_key = f.sample_key "
		"WHERE f.study_key = CAST($1 AS integer) AND f.log2_value IS NOT NULL "
		"AND s.illness_key IS NOT NULL "
		"GROUP BY f.study_key, s.illness_key, f.gene_key", 1, par, NULL, err)))
		return rc;
	if ((rc = gx_sink_query(s,
		"UPDATE fact_cohort_gene_stats SET stddev = d.sd FROM ("
		"  SELECT s.illness_key, f.gene_key, "
		"         sqrt(sum((f.log2_value - c.mean) * (f.log2_value - c.mean)) / (c.n - 1)) AS sd "
		"  FROM fact_gene_expression f "
		"  JOIN dim_sample s ON s.sample_key = f.sample_key "
		"  JOIN fact_cohort_gene_stats c ON c.study_key = f.study_key "
		"       AND c.illness_key = s.illness_key AND c.gene_key = f.gene_key "
		"  WHERE f.study_key = CAST($1 AS integer) AND f.log2_value IS NOT NULL AND c.n > 1 "
		"  GROUP BY s.illness_key, f.gene_key, c.n) d "
		"WHERE fact_cohort_gene_stats.study_key = CAST($1 AS integer) "
		"AND fact_cohort_gene_stats.illness_key = d.illness_key "
		"AND fact_cohort_gene_stats.gene_key = d.gene_key", 1, par, NULL, err)))
		return rc;
	if ((rc = gx_sink_query(s,
		"UPDATE fact_cohort_gene_stats SET candidate_rank = r.rk FROM ("
		"  SELECT c.illness_key, c.gene_key, row_number() OVER ("
		"         PARTITION BY c.illness_key ORDER BY c.stddev DESC, g.gene_id) AS rk "
		"  FROM fact_cohort_gene_stats c JOIN dim_gene g ON g.gene_key = c.gene_key "
		"  WHERE c.study_key = CAST($1 AS integer) AND c.n >= CAST($2 AS integer) "
		"  AND c.stddev > 0 AND c.stddev >= CAST($3 AS double precision)) r "
		"WHERE fact_cohort_gene_stats.study_key = CAST($1 AS integer) "
		"AND fact_cohort_gene_stats.illness_key = r.illness_key "
		"AND fact_cohort_gene_stats.gene_key = r.gene_key "
		"AND r.rk <= CAST($4 AS integer)", 4, par, NULL, err)))
		return rc;
	if ((rc = gx_sink_query_long(s, "SELECT count(*) FROM fact_cohort_gene_stats "
	                             "WHERE study_key = $1", 1, par, &n, err)))
		return rc;
	if (n_rows)
		*n_rows = n;
	gx_log(GX_LOG_INFO, "load", "cohort statistics: %ld illness x gene rows in %.3f s", n,
	       gx_mono() - t0);
	return 0;
}
