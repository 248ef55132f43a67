-- 0002_rules.sql (SQLite): illness and platform dimensions filled from the rule files,
-- and each sample's label with what decided it.

CREATE TABLE dim_illness (
    illness_key      INTEGER PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE,
    label            TEXT NOT NULL,
    description      TEXT,
    content_hash     TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE dim_platform (
    platform_key     INTEGER PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE,
    accession        TEXT,
    name             TEXT NOT NULL,
    manufacturer     TEXT,
    technology       TEXT NOT NULL CHECK (technology IN ('MICROARRAY', 'RNA-SEQ', 'UNKNOWN')),
    accessions       TEXT NOT NULL DEFAULT '[]',
    known            INTEGER NOT NULL DEFAULT 1,
    content_hash     TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

ALTER TABLE dim_sample ADD COLUMN illness_key INTEGER REFERENCES dim_illness (illness_key);
ALTER TABLE dim_sample ADD COLUMN illness_source TEXT
    CHECK (illness_source IN ('rule', 'study_override', 'sample_override', 'default'));
ALTER TABLE dim_sample ADD COLUMN illness_rule_id TEXT;
ALTER TABLE dim_sample ADD COLUMN illness_confidence REAL;
ALTER TABLE dim_sample ADD COLUMN illness_field TEXT;
ALTER TABLE dim_sample ADD COLUMN illness_matched_text TEXT;
ALTER TABLE dim_sample ADD COLUMN platform_key INTEGER REFERENCES dim_platform (platform_key);
ALTER TABLE dim_sample ADD COLUMN platform_accession TEXT;
ALTER TABLE dim_sample ADD COLUMN platform_rule_id TEXT;

CREATE INDEX dim_sample_illness ON dim_sample (illness_key);
CREATE INDEX dim_sample_platform ON dim_sample (platform_key);
