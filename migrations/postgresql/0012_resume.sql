-- 0012_resume.sql (PostgreSQL): loads that resume from checkpointed chunks (issue 18).
-- A load of more than resume.min_values values commits its staging range tables
-- (fact_gene_expression_p<K>_s<i>) in chunks of resume.chunk_values; these tables say
-- what a later run of the same study, with the same matrices and settings, may keep.
-- A checkpoint is deleted by the load transaction that attaches its tables, discarded by
-- a run of the study that cannot resume from it, and swept with its tables when it is
-- older than resume.keep_hours (docs/ARCHITECTURE.md, "Loads that resume").
CREATE TABLE meta_load_checkpoint (
    accession          text PRIMARY KEY,
    study_key          integer NOT NULL,
    facts_fingerprint  text NOT NULL,
    chunk_values       bigint NOT NULL,
    leaf_lo            integer[] NOT NULL,  -- each range table's lowest sample_key
    run_id             bigint,              -- the run that made it
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
-- the sample keys the staged facts carry: a resumed run gives its samples these keys
CREATE TABLE meta_load_checkpoint_sample (
    accession          text NOT NULL REFERENCES meta_load_checkpoint ON DELETE CASCADE,
    sample_accession   text NOT NULL,
    sample_key         integer NOT NULL,
    PRIMARY KEY (accession, sample_accession)
);
-- per range table: how many chunks its session committed; complete: keyed and whole
CREATE TABLE meta_load_checkpoint_leaf (
    accession          text NOT NULL REFERENCES meta_load_checkpoint ON DELETE CASCADE,
    leaf               integer NOT NULL,
    chunks             bigint NOT NULL DEFAULT 0,
    complete           boolean NOT NULL DEFAULT false,
    PRIMARY KEY (accession, leaf)
);
-- the run ledger: a run that resumed, from which chunk, and how many values it kept
ALTER TABLE meta_etl_run ADD COLUMN resumed_from_chunk bigint;
ALTER TABLE meta_etl_run ADD COLUMN values_resumed bigint;
