-- queries.sql: common questions to a gxload database.
-- Unless marked, each query runs unchanged in psql and in sqlite3.

-- One gene across every sample of every study (by Ensembl id).
SELECT st.accession AS study, s.accession AS sample, s.title, f.value, f.log2_value
FROM fact_gene_expression f
JOIN dim_gene g ON g.gene_key = f.gene_key
JOIN dim_sample s ON s.sample_key = f.sample_key
JOIN dim_study st ON st.study_key = f.study_key
WHERE g.gene_id = 'ENSDARG00000000018'
ORDER BY st.accession, s.accession;

-- One sample's whole profile.
SELECT g.gene_id, f.value
FROM fact_gene_expression f
JOIN dim_gene g ON g.gene_key = f.gene_key
JOIN dim_sample s ON s.sample_key = f.sample_key
WHERE s.accession = 'GSM1831680' AND f.study_key = s.study_key
ORDER BY g.gene_id;

-- Samples of a study with a metadata column (PostgreSQL).
SELECT accession, title, metadata ->> 'refinebio_disease' AS disease
FROM dim_sample WHERE study_key = (SELECT study_key FROM dim_study WHERE accession = 'GSE71270');
-- The same in SQLite.
-- SELECT accession, title, json_extract(metadata, '$.refinebio_disease') AS disease FROM dim_sample ...

-- What the last run of each study did.
SELECT r.study_accession, r.run_id, r.status, r.mode, r.started_at, r.finished_at,
       r.rows_inserted, r.rows_deleted, r.samples_changed, r.error_code, r.message
FROM meta_etl_run r
WHERE r.run_id = (SELECT max(run_id) FROM meta_etl_run r2 WHERE r2.study_accession = r.study_accession)
ORDER BY r.study_accession;

-- Failed runs with their error messages.
SELECT r.run_id, r.study_accession, r.error_code, r.message, l.file, l.line, l.col
FROM meta_etl_run r
LEFT JOIN meta_etl_process_log l ON l.run_id = r.run_id AND l.level = 'error'
WHERE r.status IN ('failed', 'aborted')
ORDER BY r.run_id DESC;
