-- 0003_validation.sql (PostgreSQL): what validation measured and decided for each run,
-- and the per-study cohort statistics the loader maintains (docs/VALIDATION.md,
-- docs/VIEWS.md).

-- Statistics of each sample's values from its last scan (NULL: loaded before 0003).
ALTER TABLE dim_sample
    ADD COLUMN n_missing  integer,
    ADD COLUMN n_negative integer,
    ADD COLUMN value_min  double precision,
    ADD COLUMN value_max  double precision;

-- Structural integrity checks are told apart from quality checks.
ALTER TABLE meta_data_validation_log
    ADD COLUMN kind text NOT NULL DEFAULT 'quality' CHECK (kind IN ('integrity', 'quality'));

-- What a run's study lost on the way, one row per reason: values not stored, log2
-- values left NULL, samples or metadata rows without a counterpart.
CREATE TABLE meta_data_attrition (
    attrition_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id           bigint NOT NULL REFERENCES meta_etl_run (run_id) ON DELETE CASCADE,
    study_accession  text NOT NULL,
    reason           text NOT NULL,
    unit             text NOT NULL CHECK (unit IN ('value', 'sample')),
    n                bigint NOT NULL,
    message          text,
    created_at       timestamptz NOT NULL
);
CREATE INDEX meta_data_attrition_run ON meta_data_attrition (run_id);

-- Where a run spent its time, one row per step.
CREATE TABLE meta_etl_step (
    run_id           bigint NOT NULL REFERENCES meta_etl_run (run_id) ON DELETE CASCADE,
    step             text NOT NULL,
    seconds          double precision NOT NULL,
    PRIMARY KEY (run_id, step)
);

-- Per study x illness x gene statistics of log2_value, rewritten in each load
-- transaction of the study; candidate_rank (1 = largest stddev) marks the genes
-- vw_gene_pairs_candidate pairs, NULL for the others.  No foreign keys, like the
-- fact table: the loader writes both from the same dimension rows.
CREATE TABLE fact_cohort_gene_stats (
    study_key        integer NOT NULL,
    illness_key      integer NOT NULL,
    gene_key         integer NOT NULL,
    n                integer NOT NULL,
    mean             double precision,
    stddev           double precision,
    min              double precision,
    max              double precision,
    candidate_rank   integer,
    PRIMARY KEY (study_key, illness_key, gene_key)
);
CREATE INDEX fact_cohort_gene_stats_rank ON fact_cohort_gene_stats (study_key, illness_key, candidate_rank)
    WHERE candidate_rank IS NOT NULL;
