-- 0007_analysis.sql (SQLite): cohorts by any sample field, and the analysis step's
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
ALTER TABLE dim_study ADD COLUMN cohort_by TEXT;
ALTER TABLE dim_study ADD COLUMN features_hash TEXT;
-- The sample's cohort under the study's cohort_by (NULL: in no cohort), and whether its
-- matrix stores zeros: 1 for sparse inputs (10x, CSR/CSC h5ad), where a value that is not
-- stored is a measured 0 (log2_value 0) rather than a missing one.
ALTER TABLE dim_sample ADD COLUMN cohort TEXT;
ALTER TABLE dim_sample ADD COLUMN sparse INTEGER NOT NULL DEFAULT 0;

-- fact_cohort_gene_stats by cohort rather than by illness: rebuilt (SQLite cannot change
-- a primary key), its rows kept as cohorts by illness.  The views that read it are
-- dropped first and created again below.
DROP VIEW vw_gene_pairs_candidate;
DROP VIEW vw_expression_by_cohort;
CREATE TABLE fact_cohort_gene_stats_0007 (
    study_key        INTEGER NOT NULL,
    cohort_by        TEXT NOT NULL,
    cohort           TEXT NOT NULL,
    illness_key      INTEGER,
    gene_key         INTEGER NOT NULL,
    n                INTEGER NOT NULL,
    mean             REAL,
    stddev           REAL,
    min              REAL,
    max              REAL,
    candidate_rank   INTEGER,
    PRIMARY KEY (study_key, cohort, gene_key)
) WITHOUT ROWID;
INSERT INTO fact_cohort_gene_stats_0007
SELECT c.study_key, 'illness', i.code, c.illness_key, c.gene_key, c.n, c.mean, c.stddev,
       c.min, c.max, c.candidate_rank
FROM fact_cohort_gene_stats c JOIN dim_illness i ON i.illness_key = c.illness_key;
DROP TABLE fact_cohort_gene_stats;
ALTER TABLE fact_cohort_gene_stats_0007 RENAME TO fact_cohort_gene_stats;
CREATE INDEX fact_cohort_gene_stats_rank ON fact_cohort_gene_stats (study_key, cohort, candidate_rank)
    WHERE candidate_rank IS NOT NULL;

-- Kept gene pairs of each study x cohort x method: the top analysis.top_k by |r| and
-- every pair with |r| >= analysis.min_abs_r; gene_a's id sorts before gene_b's.
CREATE TABLE fact_gene_pair_stats (
    study_key        INTEGER NOT NULL,
    cohort_by        TEXT NOT NULL,
    cohort           TEXT NOT NULL,
    method           TEXT NOT NULL CHECK (method IN ('pearson', 'spearman')),
    gene_a_key       INTEGER NOT NULL,
    gene_b_key       INTEGER NOT NULL,
    n                INTEGER NOT NULL,
    r                REAL NOT NULL,
    p_value          REAL NOT NULL,
    q_value          REAL NOT NULL,
    pair_rank        INTEGER NOT NULL,
    n_tested         INTEGER NOT NULL,
    PRIMARY KEY (study_key, cohort_by, cohort, method, gene_a_key, gene_b_key)
) WITHOUT ROWID;

-- Differential statistics of each gene between two cohorts of a study (A against B).
CREATE TABLE fact_cohort_differential (
    study_key        INTEGER NOT NULL,
    cohort_by        TEXT NOT NULL,
    cohort_a         TEXT NOT NULL,
    cohort_b         TEXT NOT NULL,
    gene_key         INTEGER NOT NULL,
    n_a              INTEGER NOT NULL,
    n_b              INTEGER NOT NULL,
    mean_a           REAL,
    mean_b           REAL,
    mean_diff        REAL,
    welch_t          REAL,
    welch_df         REAL,
    welch_p          REAL,
    welch_q          REAL,
    mwu_u            REAL,
    mwu_p            REAL,
    mwu_q            REAL,
    mwu_exact        INTEGER,
    PRIMARY KEY (study_key, cohort_by, cohort_a, cohort_b, gene_key)
) WITHOUT ROWID;

-- Per-sample features (configs/features.yaml): the catalogue, shared by every study,
-- and each sample's value (no row where the sample lacks one of the feature's genes).
CREATE TABLE dim_feature (
    feature_id       TEXT PRIMARY KEY,   -- XXH3-128 hex of the definition: stable
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('log2_diff', 'ratio', 'set_mean')),
    definition       TEXT NOT NULL UNIQUE,
    created_at       TEXT NOT NULL
);
CREATE TABLE fact_feature_values (
    study_key        INTEGER NOT NULL,
    feature_id       TEXT NOT NULL,
    sample_key       INTEGER NOT NULL,
    value            REAL NOT NULL,
    PRIMARY KEY (study_key, feature_id, sample_key)
) WITHOUT ROWID;

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
       CASE WHEN d.mwu_exact = 1 THEN 'exact' WHEN d.mwu_exact = 0 THEN 'normal' END AS mwu_method
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
