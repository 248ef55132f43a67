-- 0009_queries_genes.sql (SQLite): the queries analysts ask most, fast, and genes as
-- analysts name them (issue 17; docs/ARCHITECTURE.md "Queries", docs/VIEWS.md).
--
-- SQLite has one fact table for all studies, so it is itself the gene-major layout:
-- its key becomes (gene_key, study_key, sample_key), and one gene across every study is
-- one range of it.  A covering index by sample_key holds each sample's values together
-- (one sample's profile, and joins through dim_sample that name only the sample key).
-- The loader runs ANALYZE after each load, so the planner knows both.

DROP VIEW vw_expression_long;
DROP VIEW vw_expression_by_cohort;
DROP VIEW vw_gene_pairs_candidate;
DROP VIEW vw_cohort_differential;

-- Genes as analysts name them: dim_gene keeps the organism (the study's, as
-- HOMO_SAPIENS; '' unknown), the id as the file gives it, the symbol, the stable id with
-- its version, the version-free id and the biotype apart; one gene per (organism,
-- gene_id).  Genes loaded before 0009 get organism '*' and every study goes on using
-- them (the loader looks an id up in its study's organism first, then in '*').  Filled from
-- the files and from dim_gene_annotation, which `gxload genes import` fills.
CREATE TABLE dim_gene_0009 (
    gene_key         INTEGER PRIMARY KEY,
    organism         TEXT NOT NULL DEFAULT '',
    gene_id          TEXT NOT NULL,
    gene_symbol      TEXT,
    stable_id        TEXT,
    base_id          TEXT,
    biotype          TEXT,
    created_at       TEXT NOT NULL,
    UNIQUE (organism, gene_id)
);
INSERT INTO dim_gene_0009 (gene_key, organism, gene_id, gene_symbol, created_at)
SELECT gene_key, '*', gene_id, gene_symbol, created_at FROM dim_gene;
DROP TABLE dim_gene;
ALTER TABLE dim_gene_0009 RENAME TO dim_gene;
CREATE INDEX dim_gene_symbol ON dim_gene (gene_symbol);
CREATE INDEX dim_gene_gene_id ON dim_gene (gene_id);
CREATE INDEX dim_gene_base_id ON dim_gene (base_id);

CREATE TABLE dim_gene_annotation (
    organism         TEXT NOT NULL DEFAULT '',
    stable_id        TEXT NOT NULL,
    base_id          TEXT NOT NULL,
    symbol           TEXT,
    biotype          TEXT,
    PRIMARY KEY (organism, stable_id)
);
CREATE INDEX dim_gene_annotation_base ON dim_gene_annotation (base_id);
CREATE INDEX dim_gene_annotation_symbol ON dim_gene_annotation (symbol);

CREATE TABLE fact_gene_expression_0009 (
    study_key        INTEGER NOT NULL,
    sample_key       INTEGER NOT NULL,
    gene_key         INTEGER NOT NULL,
    value            REAL NOT NULL,
    log2_value       REAL,
    PRIMARY KEY (gene_key, study_key, sample_key)
) WITHOUT ROWID;
INSERT INTO fact_gene_expression_0009 (study_key, sample_key, gene_key, value, log2_value)
SELECT study_key, sample_key, gene_key, value, log2_value FROM fact_gene_expression
ORDER BY gene_key, study_key, sample_key;
DROP TABLE fact_gene_expression;
ALTER TABLE fact_gene_expression_0009 RENAME TO fact_gene_expression;
CREATE INDEX fact_gene_expression_sample ON fact_gene_expression (sample_key, gene_key, value,
    log2_value);

-- samples by accession (a sample's profile) and by study
CREATE INDEX dim_sample_accession ON dim_sample (accession);

-- the run that last wrote a sample's values: what changed in a run
ALTER TABLE dim_sample ADD COLUMN facts_run_id INTEGER;
CREATE INDEX dim_sample_facts_run ON dim_sample (facts_run_id);

-- as in 0004
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

-- One gene across every study: filter on gene_id or gene_symbol (the table's key).
CREATE VIEW vw_expression_by_gene AS
SELECT st.accession AS study_accession,
       s.accession AS sample_accession,
       i.code AS illness_code,
       g.gene_id,
       g.gene_symbol,
       f.value,
       f.log2_value
FROM fact_gene_expression f
JOIN dim_gene g ON g.gene_key = f.gene_key
JOIN dim_study st ON st.study_key = f.study_key
JOIN dim_sample s ON s.sample_key = f.sample_key
LEFT JOIN dim_illness i ON i.illness_key = s.illness_key;

-- One sample's whole profile: filter on sample_accession (the index by sample).
CREATE VIEW vw_expression_by_sample AS
SELECT st.accession AS study_accession,
       s.accession AS sample_accession,
       i.code AS illness_code,
       g.gene_id,
       g.gene_symbol,
       f.value,
       f.log2_value
FROM dim_sample s
JOIN dim_study st ON st.study_key = s.study_key
JOIN fact_gene_expression f ON f.sample_key = s.sample_key
JOIN dim_gene g ON g.gene_key = f.gene_key
LEFT JOIN dim_illness i ON i.illness_key = s.illness_key;

-- The samples whose values each run changed (new or changed values; a sample a run
-- rewrote with the same values keeps the run that last changed them).
CREATE VIEW vw_etl_sample_changes AS
SELECT r.run_id,
       r.study_accession,
       r.mode,
       r.started_at,
       r.finished_at,
       s.accession AS sample_accession,
       s.n_values
FROM dim_sample s
JOIN meta_etl_run r ON r.run_id = s.facts_run_id;

-- the symbols next to the ids (the views of 0007, dropped above with dim_gene's rebuild)
CREATE VIEW vw_expression_by_cohort AS
SELECT st.accession AS study_accession,
       i.code AS illness_code,
       g.gene_id,
       c.n,
       c.mean,
       c.stddev,
       c.min,
       c.max,
       c.cohort_by,
       c.cohort,
       g.gene_symbol
FROM fact_cohort_gene_stats c
JOIN dim_study st ON st.study_key = c.study_key
LEFT JOIN dim_illness i ON i.illness_key = c.illness_key
JOIN dim_gene g ON g.gene_key = c.gene_key;

CREATE VIEW vw_gene_pairs_candidate AS
SELECT st.accession AS study_accession,
       CASE WHEN p.cohort_by = 'illness' THEN p.cohort END AS illness_code,
       ga.gene_id AS gene_a,
       gb.gene_id AS gene_b,
       ca.candidate_rank AS rank_a,
       cb.candidate_rank AS rank_b,
       ca.n AS n_a,
       cb.n AS n_b,
       ca.stddev AS stddev_a,
       cb.stddev AS stddev_b,
       p.cohort_by,
       p.cohort,
       p.method,
       p.n,
       p.r,
       p.p_value,
       p.q_value,
       p.pair_rank,
       p.n_tested,
       ga.gene_symbol AS symbol_a,
       gb.gene_symbol AS symbol_b
FROM fact_gene_pair_stats p
JOIN dim_study st ON st.study_key = p.study_key
JOIN dim_gene ga ON ga.gene_key = p.gene_a_key
JOIN dim_gene gb ON gb.gene_key = p.gene_b_key
LEFT JOIN fact_cohort_gene_stats ca ON ca.study_key = p.study_key AND ca.cohort = p.cohort
     AND ca.gene_key = p.gene_a_key AND ca.cohort_by = p.cohort_by
LEFT JOIN fact_cohort_gene_stats cb ON cb.study_key = p.study_key AND cb.cohort = p.cohort
     AND cb.gene_key = p.gene_b_key AND cb.cohort_by = p.cohort_by;

CREATE VIEW vw_cohort_differential AS
SELECT st.accession AS study_accession,
       d.cohort_by,
       d.cohort_a,
       d.cohort_b,
       g.gene_id,
       g.gene_symbol,
       d.n_a,
       d.n_b,
       d.mean_a,
       d.mean_b,
       d.mean_diff,
       d.welch_t,
       d.welch_df,
       d.welch_p,
       d.welch_q,
       d.mwu_u,
       d.mwu_p,
       d.mwu_q,
       CASE WHEN d.mwu_exact = 1 THEN 'exact' WHEN d.mwu_exact = 0 THEN 'normal' END AS mwu_method
FROM fact_cohort_differential d
JOIN dim_study st ON st.study_key = d.study_key
JOIN dim_gene g ON g.gene_key = d.gene_key;

ANALYZE;
