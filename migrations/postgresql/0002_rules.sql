-- 0002_rules.sql (PostgreSQL): illness and platform dimensions filled from the rule
-- files, and each sample's label with what decided it.

CREATE TABLE dim_illness (
    illness_key      integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code             text NOT NULL UNIQUE,
    label            text NOT NULL,
    description      text,
    content_hash     text NOT NULL,
    updated_at       timestamptz NOT NULL
);

CREATE TABLE dim_platform (
    platform_key     integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code             text NOT NULL UNIQUE,      -- the rules' key: refine.bio's code or a GPL
    accession        text,                      -- the chip's primary accession (GPL...)
    name             text NOT NULL,
    manufacturer     text,
    technology       text NOT NULL CHECK (technology IN ('MICROARRAY', 'RNA-SEQ', 'UNKNOWN')),
    accessions       jsonb NOT NULL DEFAULT '[]', -- every accession that names this chip
    known            boolean NOT NULL DEFAULT true, -- false: seen in data, not in the table
    content_hash     text NOT NULL,
    updated_at       timestamptz NOT NULL
);

ALTER TABLE dim_sample
    ADD COLUMN illness_key          integer REFERENCES dim_illness (illness_key),
    ADD COLUMN illness_source       text CHECK (illness_source IN ('rule', 'study_override', 'sample_override', 'default')),
    ADD COLUMN illness_rule_id      text,
    ADD COLUMN illness_confidence   double precision,
    ADD COLUMN illness_field        text,
    ADD COLUMN illness_matched_text text,
    ADD COLUMN platform_key         integer REFERENCES dim_platform (platform_key),
    ADD COLUMN platform_accession   text,       -- the accession the sample was submitted with
    ADD COLUMN platform_rule_id     text;

CREATE INDEX dim_sample_illness ON dim_sample (illness_key);
CREATE INDEX dim_sample_platform ON dim_sample (platform_key);
