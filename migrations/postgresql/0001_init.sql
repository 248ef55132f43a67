-- 0001_init.sql (PostgreSQL): gxload's dimensions, facts and meta tables.
--
-- Applied by `gxload migrate` (and implicitly by `gxload load`) inside one transaction,
-- recorded with its checksum in schema_migrations.  Never edit an applied migration:
-- add a new file.  Tables live in the schema named by postgresql.schema (search_path).

CREATE TABLE dim_study (
    study_key        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    accession        text NOT NULL UNIQUE,
    title            text,
    description      text,
    technology       text,
    organism         text,
    source_database  text,
    value_scale      text CHECK (value_scale IN ('log2', 'linear')),
    n_samples        integer NOT NULL DEFAULT 0,
    n_genes          integer NOT NULL DEFAULT 0,
    n_values         bigint NOT NULL DEFAULT 0,
    metadata         jsonb,
    content_hash     text NOT NULL,
    rules_hash       text,
    input_fingerprint text,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);

CREATE TABLE dim_sample (
    sample_key       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    study_key        integer NOT NULL REFERENCES dim_study (study_key) ON DELETE CASCADE,
    accession        text NOT NULL,
    column_name      text NOT NULL,
    title            text,
    platform_raw     text,
    organism         text,
    disease_raw      text,
    source_database  text,
    metadata         jsonb NOT NULL DEFAULT '{}',
    content_hash     text NOT NULL,
    value_digest     text,
    n_values         integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (study_key, accession)
);

CREATE TABLE dim_gene (
    gene_key         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    gene_id          text NOT NULL UNIQUE,
    gene_symbol      text,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dim_gene_symbol ON dim_gene (gene_symbol);

-- One partition per study, fact_gene_expression_p<study_key>, each with its own primary
-- key (gene_key, sample_key) built after its data is loaded.  The parent has no index
-- so that the loader can build a study's new partition apart and swap it in atomically.
CREATE TABLE fact_gene_expression (
    study_key        integer NOT NULL,
    sample_key       integer NOT NULL,
    gene_key         integer NOT NULL,
    value            double precision NOT NULL,
    log2_value       double precision
) PARTITION BY LIST (study_key);

CREATE TABLE meta_etl_run (
    run_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    study_accession  text NOT NULL,
    status           text NOT NULL
                     CHECK (status IN ('running', 'succeeded', 'failed', 'skipped', 'aborted')),
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz,
    rows_inserted    bigint NOT NULL DEFAULT 0,
    rows_deleted     bigint NOT NULL DEFAULT 0,
    samples_changed  integer NOT NULL DEFAULT 0,
    files_skipped    integer NOT NULL DEFAULT 0,
    error_code       integer,
    message          text,
    mode             text,
    command          text,
    forced           boolean NOT NULL DEFAULT false,
    dry_run          boolean NOT NULL DEFAULT false,
    gxload_version   text,
    hash_version     integer,
    host             text,
    pid              integer
);
CREATE INDEX meta_etl_run_study ON meta_etl_run (study_accession, run_id);

CREATE TABLE meta_etl_process_log (
    log_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id           bigint NOT NULL REFERENCES meta_etl_run (run_id) ON DELETE CASCADE,
    ts               timestamptz NOT NULL,
    level            text NOT NULL CHECK (level IN ('debug', 'info', 'warning', 'error')),
    step             text,
    error_code       integer,
    message          text NOT NULL,
    file             text,
    line             bigint,
    col              bigint,
    sqlstate         text
);
CREATE INDEX meta_etl_process_log_run ON meta_etl_process_log (run_id);

CREATE TABLE meta_source_file (
    study_key        integer NOT NULL REFERENCES dim_study (study_key) ON DELETE CASCADE,
    path             text NOT NULL,
    role             text NOT NULL,
    format           text,
    size_bytes       bigint NOT NULL,
    mtime            timestamptz NOT NULL,
    content_hash     text NOT NULL,
    hash_algorithm   text NOT NULL DEFAULT 'xxh3-128',
    run_id           bigint,
    loaded_at        timestamptz NOT NULL,
    PRIMARY KEY (study_key, path)
);

CREATE TABLE meta_data_validation_log (
    validation_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id           bigint NOT NULL REFERENCES meta_etl_run (run_id) ON DELETE CASCADE,
    study_accession  text,
    check_name       text NOT NULL,
    status           text NOT NULL CHECK (status IN ('PASS', 'WARN', 'FAIL')),
    observed         double precision,
    threshold        double precision,
    message          text,
    created_at       timestamptz NOT NULL
);
CREATE INDEX meta_data_validation_log_run ON meta_data_validation_log (run_id);
