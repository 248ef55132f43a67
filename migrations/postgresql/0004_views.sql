-- 0004_views.sql (PostgreSQL): the analytics and run-review views (docs/VIEWS.md).
--
-- The same names and columns on SQLite and PostgreSQL; only the duration arithmetic of
-- vw_etl_run_latest is written in each dialect.  A later change to a view is a new
-- migration that drops and recreates it.

-- One row per stored value with its study, sample, gene, illness and platform.
CREATE VIEW vw_expression_long AS
SELECT st.accession AS study_accession,
       s.accession AS sample_accession,
       s.title AS sample_title,
       g.gene_id,
       g.gene_symbol,
       i.code AS illness_code,
       p.name AS platform_name,
       COALESCE(NULLIF(p.technology, 'UNKNOWN'), st.technology, p.technology) AS technology,
       f.value,
       f.log2_value
FROM fact_gene_expression f
JOIN dim_study st ON st.study_key = f.study_key
JOIN dim_sample s ON s.sample_key = f.sample_key
JOIN dim_gene g ON g.gene_key = f.gene_key
LEFT JOIN dim_illness i ON i.illness_key = s.illness_key
LEFT JOIN dim_platform p ON p.platform_key = s.platform_key;

-- Per study x illness x gene statistics of log2_value, from the table the loader
-- rewrites in each load of a study (no aggregate over the facts at query time).
CREATE VIEW vw_expression_by_cohort AS
SELECT st.accession AS study_accession,
       i.code AS illness_code,
       g.gene_id,
       c.n,
       c.mean,
       c.stddev,
       c.min,
       c.max
FROM fact_cohort_gene_stats c
JOIN dim_study st ON st.study_key = c.study_key
JOIN dim_illness i ON i.illness_key = c.illness_key
JOIN dim_gene g ON g.gene_key = c.gene_key;

-- Gene pairs worth correlating: every pair of a study x cohort's candidate genes (the
-- analysis.pair_top_n genes with the largest stddev), gene_a the more variable one.
CREATE VIEW vw_gene_pairs_candidate AS
SELECT st.accession AS study_accession,
       i.code AS illness_code,
       ga.gene_id AS gene_a,
       gb.gene_id AS gene_b,
       a.candidate_rank AS rank_a,
       b.candidate_rank AS rank_b,
       a.n AS n_a,
       b.n AS n_b,
       a.stddev AS stddev_a,
       b.stddev AS stddev_b
FROM fact_cohort_gene_stats a
JOIN fact_cohort_gene_stats b ON b.study_key = a.study_key AND b.illness_key = a.illness_key
     AND b.candidate_rank > a.candidate_rank
JOIN dim_study st ON st.study_key = a.study_key
JOIN dim_illness i ON i.illness_key = a.illness_key
JOIN dim_gene ga ON ga.gene_key = a.gene_key
JOIN dim_gene gb ON gb.gene_key = b.gene_key
WHERE a.candidate_rank IS NOT NULL;

-- Failed and aborted runs, and the FAIL and WARN checks of every run.
CREATE VIEW vw_etl_failures AS
SELECT r.run_id,
       r.study_accession,
       r.started_at,
       r.status AS run_status,
       'run' AS source,
       CAST(NULL AS text) AS check_kind,
       CAST(NULL AS text) AS check_name,
       CAST(NULL AS text) AS check_status,
       r.error_code,
       CAST(NULL AS double precision) AS observed,
       CAST(NULL AS double precision) AS threshold,
       r.message
FROM meta_etl_run r
WHERE r.status IN ('failed', 'aborted')
UNION ALL
SELECT v.run_id,
       v.study_accession,
       r.started_at,
       r.status,
       'check',
       v.kind,
       v.check_name,
       v.status,
       CAST(NULL AS integer),
       v.observed,
       v.threshold,
       v.message
FROM meta_data_validation_log v
JOIN meta_etl_run r ON r.run_id = v.run_id
WHERE v.status IN ('FAIL', 'WARN');

-- The latest run of each study, whatever its status.
CREATE VIEW vw_etl_run_latest AS
SELECT r.study_accession,
       r.run_id,
       r.status,
       r.started_at,
       r.finished_at,
       CAST(round(CAST(EXTRACT(EPOCH FROM r.finished_at - r.started_at) AS numeric), 3)
            AS double precision) AS duration_s,
       r.rows_inserted,
       r.rows_deleted,
       r.samples_changed,
       r.error_code,
       r.message
FROM meta_etl_run r
WHERE r.run_id = (SELECT max(r2.run_id) FROM meta_etl_run r2
                  WHERE r2.study_accession = r.study_accession);
