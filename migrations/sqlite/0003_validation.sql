-- 0003_validation.sql (SQLite): what validation measured and decided for each run, and
-- the per-study cohort statistics the loader maintains (docs/VALIDATION.md, docs/VIEWS.md).

-- Statistics of each sample's values from its last scan (NULL: loaded before 0003).
ALTER TABLE dim_sample ADD COLUMN n_missing INTEGER;
ALTER TABLE dim_sample ADD COLUMN n_negative INTEGER;
ALTER TABLE dim_sample ADD COLUMN value_min REAL;
ALTER TABLE dim_sample ADD COLUMN value_max REAL;

-- Structural integrity checks are told apart from quality checks.
ALTER TABLE meta_data_validation_log ADD COLUMN kind TEXT NOT NULL DEFAULT 'quality'
    CHECK (kind IN ('integrity', 'quality'));

-- What a run's study lost on the way, one row per reason: values not stored, log2
-- values left NULL, samples or metadata rows without a counterpart.
CREATE TABLE meta_data_attrition (
    attrition_id     INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL REFERENCES meta_etl_run (run_id) ON DELETE CASCADE,
    study_accession  TEXT NOT NULL,
    reason           TEXT NOT NULL,
    unit             TEXT NOT NULL CHECK (unit IN ('value', 'sample')),
    n                INTEGER NOT NULL,
    message          TEXT,
    created_at       TEXT NOT NULL
);
CREATE INDEX meta_data_attrition_run ON meta_data_attrition (run_id);

-- Where a run spent its time, one row per step.
CREATE TABLE meta_etl_step (
    run_id           INTEGER NOT NULL REFERENCES meta_etl_run (run_id) ON DELETE CASCADE,
    step             TEXT NOT NULL,
    seconds          REAL NOT NULL,
    PRIMARY KEY (run_id, step)
);

-- Per study x illness x gene statistics of log2_value, rewritten in each load
-- transaction of the study; candidate_rank (1 = largest stddev) marks the genes
-- vw_gene_pairs_candidate pairs, NULL for the others.  No foreign keys, like the
-- fact table: the loader writes both from the same dimension rows.
CREATE TABLE fact_cohort_gene_stats (
    study_key        INTEGER NOT NULL,
    illness_key      INTEGER NOT NULL,
    gene_key         INTEGER NOT NULL,
    n                INTEGER NOT NULL,
    mean             REAL,
    stddev           REAL,
    min              REAL,
    max              REAL,
    candidate_rank   INTEGER,
    PRIMARY KEY (study_key, illness_key, gene_key)
) WITHOUT ROWID;
CREATE INDEX fact_cohort_gene_stats_rank ON fact_cohort_gene_stats (study_key, illness_key, candidate_rank)
    WHERE candidate_rank IS NOT NULL;
