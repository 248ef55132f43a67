/*
 * cohort.c - per-study cohort statistics (see cohort.h).
 *
 * One INSERT ... SELECT over the study's facts, written once for both backends: an
 * aggregate per illness x gene (count, avg, stddev_samp - SQLite's comes from
 * load/sqlite_func.c - min, max), then row_number() by stddev (ties by gene id) over the
 * genes with n >= analysis.pair_min_samples and stddev >= analysis.pair_min_stddev (and
 * > 0): the first analysis.pair_top_n of each cohort keep their rank as candidate_rank.
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
		"INSERT INTO fact_cohort_gene_stats (study_key, illness_key, gene_key, n, mean, "
		"stddev, min, max, candidate_rank) "
		"SELECT a.study_key, a.illness_key, a.gene_key, a.n, a.mean, a.sd, a.lo, a.hi, "
		"       CASE WHEN a.ok = 1 AND a.rk <= CAST($4 AS integer) THEN a.rk END "
		"FROM (SELECT c.study_key, c.illness_key, c.gene_key, c.n, c.mean, c.sd, c.lo, c.hi, "
		"             c.ok, row_number() OVER (PARTITION BY c.illness_key "
		"                                     ORDER BY c.ok DESC, c.sd DESC, g.gene_id) AS rk "
		"      FROM (SELECT b.study_key, b.illness_key, b.gene_key, b.n, b.mean, b.sd, b.lo, "
		"                   b.hi, CASE WHEN b.n >= CAST($2 AS integer) AND b.sd > 0 AND "
		"                   b.sd >= CAST($3 AS double precision) THEN 1 ELSE 0 END AS ok "
		"            FROM (SELECT f.study_key, s.illness_key, f.gene_key, count(*) AS n, "
		"                         avg(f.log2_value) AS mean, stddev_samp(f.log2_value) AS sd, "
		"                         min(f.log2_value) AS lo, max(f.log2_value) AS hi "
		"                  FROM fact_gene_expression f "
		"                  JOIN dim_sample s ON s.sample_key = f.sample_key "
		"                  WHERE f.study_key = CAST($1 AS integer) "
		"                  AND f.log2_value IS NOT NULL AND s.illness_key IS NOT NULL "
		"                  GROUP BY f.study_key, s.illness_key, f.gene_key) b) c "
		"      JOIN dim_gene g ON g.gene_key = c.gene_key) a", 4, par, NULL, err)))
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
