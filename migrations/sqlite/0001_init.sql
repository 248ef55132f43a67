-- 0001_init.sql (SQLite): gxload's dimensions, facts and meta tables.
--
-- The same tables and columns as migrations/postgresql/0001_init.sql in SQLite's
-- dialect: timestamps are ISO-8601 UTC text, JSON is text (query it with json_extract),
-- booleans are 0/1.  The fact table is one WITHOUT ROWID table keyed in the loader's
-- emission order (study, gene, sample), plus an index for one gene across studies.

CREATE TABLE dim_study (
    study_key        INTEGER PRIMARY KEY,
    accession        TEXT NOT NULL UNIQUE,
    title            TEXT,
    description      TEXT,
    technology       TEXT,
    organism         TEXT,
    source_database  TEXT,
    value_scale      TEXT CHECK (value_scale IN ('log2', 'linear')),
    n_samples        INTEGER NOT NULL DEFAULT 0,
    n_genes          INTEGER NOT NULL DEFAULT 0,
    n_values         INTEGER NOT NULL DEFAULT 0,
    metadata         TEXT,
    content_hash     TEXT NOT NULL,
    rules_hash       TEXT,
    input_fingerprint TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE dim_sample (
    sample_key       INTEGER PRIMARY KEY,
    study_key        INTEGER NOT NULL REFERENCES dim_study (study_key) ON DELETE CASCADE,
    accession        TEXT NOT NULL,
    column_name      TEXT NOT NULL,
    title            TEXT,
    platform_raw     TEXT,
    organism         TEXT,
    disease_raw      TEXT,
    source_database  TEXT,
    metadata         TEXT NOT NULL DEFAULT '{}',
    content_hash     TEXT NOT NULL,
    value_digest     TEXT,
    n_values         INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (study_key, accession)
);

CREATE TABLE dim_gene (
    gene_key         INTEGER PRIMARY KEY,
    gene_id          TEXT NOT NULL UNIQUE,
    gene_symbol      TEXT,
    created_at       TEXT NOT NULL
);
CREATE INDEX dim_gene_symbol ON dim_gene (gene_symbol);

CREATE TABLE fact_gene_expression (
    study_key        INTEGER NOT NULL,
    sample_key       INTEGER NOT NULL,
    gene_key         INTEGER NOT NULL,
    value            REAL NOT NULL,
    log2_value       REAL,
    PRIMARY KEY (study_key, gene_key, sample_key)
) WITHOUT ROWID;
CREATE INDEX fact_gene_expression_gene ON fact_gene_expression (gene_key);

CREATE TABLE meta_etl_run (
    run_id           INTEGER PRIMARY KEY AUTOINCREMENT,
    study_accession  TEXT NOT NULL,
    status           TEXT NOT NULL
                     CHECK (status IN ('running', 'succeeded', 'failed', 'skipped', 'aborted')),
    started_at       TEXT NOT NULL,
    finished_at      TEXT,
    rows_inserted    INTEGER NOT NULL DEFAULT 0,
    rows_deleted     INTEGER NOT NULL DEFAULT 0,
    samples_changed  INTEGER NOT NULL DEFAULT 0,
    files_skipped    INTEGER NOT NULL DEFAULT 0,
    error_code       INTEGER,
    message          TEXT,
    mode             TEXT,
    command          TEXT,
    forced           INTEGER NOT NULL DEFAULT 0,
    dry_run          INTEGER NOT NULL DEFAULT 0,
    gxload_version   TEXT,
    hash_version     INTEGER,
    host             TEXT,
    pid              INTEGER
);
CREATE INDEX meta_etl_run_study ON meta_etl_run (study_accession, run_id);

CREATE TABLE meta_etl_process_log (
    log_id           INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL REFERENCES meta_etl_run (run_id) ON DELETE CASCADE,
    ts               TEXT NOT NULL,
    level            TEXT NOT NULL CHECK (level IN ('debug', 'info', 'warning', 'error')),
    step             TEXT,
    error_code       INTEGER,
    message          TEXT NOT NULL,
    file             TEXT,
    line             INTEGER,
    col              INTEGER,
    sqlstate         TEXT
);
CREATE INDEX meta_etl_process_log_run ON meta_etl_process_log (run_id);

CREATE TABLE meta_source_file (
    study_key        INTEGER NOT NULL REFERENCES dim_study (study_key) ON DELETE CASCADE,
    path             TEXT NOT NULL,
    role             TEXT NOT NULL,
    format           TEXT,
    size_bytes       INTEGER NOT NULL,
    mtime            TEXT NOT NULL,
    content_hash     TEXT NOT NULL,
    hash_algorithm   TEXT NOT NULL DEFAULT 'xxh3-128',
    run_id           INTEGER,
    loaded_at        TEXT NOT NULL,
    PRIMARY KEY (study_key, path)
);

CREATE TABLE meta_data_validation_log (
    validation_id    INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL REFERENCES meta_etl_run (run_id) ON DELETE CASCADE,
    study_accession  TEXT,
    check_name       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('PASS', 'WARN', 'FAIL')),
    observed         REAL,
    threshold        REAL,
    message          TEXT,
    created_at       TEXT NOT NULL
);
CREATE INDEX meta_data_validation_log_run ON meta_data_validation_log (run_id);
