-- 0007_analysis.sql (PostgreSQL): cohorts by any sample field, and the analysis step's
-- tables (docs/ANALYSIS.md, docs/SCHEMA.md, docs/VIEWS.md).
--
-- A study's samples are grouped into cohorts by their illness label (the default) or by
-- any sample field (analysis.cohort_by, --cohort-by); the definition is stored with
-- every statistic computed over the cohorts.  The correlation step fills
-- fact_gene_pair_stats, the differential step fact_cohort_differential, the features
-- step dim_feature and fact_feature_values.  No foreign keys on the facts, as for the
-- other fact tables: the loader writes them from the same dimension rows.

-- The cohort definition of the study's statistics ('illness', 'none', 'field:NAME';
-- NULL: loaded before 0007) and the hash of the feature definitions its features were
-- computed with (NULL: none computed).
ALTER TABLE dim_study
    ADD COLUMN cohort_by text,
    ADD COLUMN features_hash text;
-- The sample's cohort under the study's cohort_by (NULL: in no cohort), and whether its
-- matrix stores zeros: true for sparse inputs (10x, CSR/CSC h5ad), where a value that is
-- not stored is a measured 0 (log2_value 0) rather than a missing one.
ALTER TABLE dim_sample
    ADD COLUMN cohort text,
    ADD COLUMN sparse boolean NOT NULL DEFAULT false;

-- fact_cohort_gene_stats by cohort rather than by illness, its rows kept as cohorts by
-- illness.  The views that read it are dropped first and created again below.
DROP VIEW vw_gene_pairs_candidate;
DROP VIEW vw_expression_by_cohort;
ALTER TABLE fact_cohort_gene_stats
    ADD COLUMN cohort_by text,
    ADD COLUMN cohort text;
UPDATE fact_cohort_gene_stats c SET cohort_by = 'illness', cohort = i.code
FROM dim_illness i WHERE i.illness_key = c.illness_key;
DELETE FROM fact_cohort_gene_stats WHERE cohort IS NULL;
DROP INDEX fact_cohort_gene_stats_rank;
ALTER TABLE fact_cohort_gene_stats
    DROP CONSTRAINT fact_cohort_gene_stats_pkey,
    ALTER COLUMN cohort_by SET NOT NULL,
    ALTER COLUMN cohort SET NOT NULL,
    ALTER COLUMN illness_key DROP NOT NULL,
    ADD PRIMARY KEY (study_key, cohort, gene_key);
CREATE INDEX fact_cohort_gene_stats_rank ON fact_cohort_gene_stats (study_key, cohort, candidate_rank)
    WHERE candidate_rank IS NOT NULL;

-- Kept gene pairs of each study x cohort x method: the top analysis.top_k by |r| and
-- every pair with |r| >= analysis.min_abs_r; gene_a's id sorts before gene_b's.
CREATE TABLE fact_gene_pair_stats (
    study_key        integer NOT NULL,
    cohort_by        text NOT NULL,
    cohort           text NOT NULL,
    method           text NOT NULL CHECK (method IN ('pearson', 'spearman')),
    gene_a_key       integer NOT NULL,
    gene_b_key       integer NOT NULL,
    n                integer NOT NULL,
    r                double precision NOT NULL,
    p_value          double precision NOT NULL,
    q_value          double precision NOT NULL,
    pair_rank        integer NOT NULL,
    n_tested         bigint NOT NULL,
    PRIMARY KEY (study_key, cohort_by, cohort, method, gene_a_key, gene_b_key)
);

-- Differential statistics of each gene between two cohorts of a study (A against B).
CREATE TABLE fact_cohort_differential (
    study_key        integer NOT NULL,
    cohort_by        text NOT NULL,
    cohort_a         text NOT NULL,
    cohort_b         text NOT NULL,
    gene_key         integer NOT NULL,
    n_a              integer NOT NULL,
    n_b              integer NOT NULL,
    mean_a           double precision,
    mean_b           double precision,
    mean_diff        double precision,
    welch_t          double precision,
    welch_df         double precision,
    welch_p          double precision,
    welch_q          double precision,
    mwu_u            double precision,
    mwu_p            double precision,
    mwu_q            double precision,
    mwu_exact        boolean,
    PRIMARY KEY (study_key, cohort_by, cohort_a, cohort_b, gene_key)
);

-- Per-sample features (configs/features.yaml): the catalogue, shared by every study,
-- and each sample's value (no row where the sample lacks one of the feature's genes).
CREATE TABLE dim_feature (
    feature_id       text PRIMARY KEY,   -- XXH3-128 hex of the definition: stable
    name             text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('log2_diff', 'ratio', 'set_mean')),
    definition       text NOT NULL UNIQUE,
    created_at       timestamptz NOT NULL
);
CREATE TABLE fact_feature_values (
    study_key        integer NOT NULL,
    feature_id       text NOT NULL,
    sample_key       integer NOT NULL,
    value            double precision NOT NULL,
    PRIMARY KEY (study_key, feature_id, sample_key)
);

-- Per study x cohort x gene statistics of log2_value (the cohort definition shown).
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
       c.cohort
FROM fact_cohort_gene_stats c
JOIN dim_study st ON st.study_key = c.study_key
LEFT JOIN dim_illness i ON i.illness_key = c.illness_key
JOIN dim_gene g ON g.gene_key = c.gene_key;

-- The kept correlated gene pairs of each study x cohort, with each gene's cohort
-- statistics (its candidate rank among them).
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
       p.n_tested
FROM fact_gene_pair_stats p
JOIN dim_study st ON st.study_key = p.study_key
JOIN dim_gene ga ON ga.gene_key = p.gene_a_key
JOIN dim_gene gb ON gb.gene_key = p.gene_b_key
LEFT JOIN fact_cohort_gene_stats ca ON ca.study_key = p.study_key AND ca.cohort = p.cohort
     AND ca.gene_key = p.gene_a_key AND ca.cohort_by = p.cohort_by
LEFT JOIN fact_cohort_gene_stats cb ON cb.study_key = p.study_key AND cb.cohort = p.cohort
     AND cb.gene_key = p.gene_b_key AND cb.cohort_by = p.cohort_by;

-- Each gene's differential statistics between two cohorts of a study.
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
       CASE WHEN d.mwu_exact THEN 'exact' WHEN NOT d.mwu_exact THEN 'normal' END AS mwu_method
FROM fact_cohort_differential d
JOIN dim_study st ON st.study_key = d.study_key
JOIN dim_gene g ON g.gene_key = d.gene_key;

-- Each sample's features.
CREATE VIEW vw_feature_values AS
SELECT st.accession AS study_accession,
       s.accession AS sample_accession,
       s.cohort,
       f.name AS feature_name,
       f.kind AS feature_kind,
       f.definition,
       v.value
FROM fact_feature_values v
JOIN dim_study st ON st.study_key = v.study_key
JOIN dim_sample s ON s.sample_key = v.sample_key
JOIN dim_feature f ON f.feature_id = v.feature_id;
