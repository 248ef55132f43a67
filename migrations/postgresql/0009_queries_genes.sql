-- 0009_queries_genes.sql (PostgreSQL): the queries analysts ask most, fast at thousands
-- of studies, and genes as analysts name them (issue 17; docs/ARCHITECTURE.md
-- "Queries", docs/VIEWS.md).
--
-- fact_gene_expression stays partitioned by study with the key (gene_key, sample_key),
-- which is what makes a load fast and a study's publication atomic.  Next to it, written
-- by the loader from the same stream of facts in the same transaction:
--   fact_gene_expression_by_gene    one row per gene, study and block of 64 sample keys
--                                   (block = sample_key / 64); value and log2_value
--                                   arrays whose subscripts are the sample keys (NULL
--                                   where the sample has no value).  One table for all
--                                   studies: one gene across every study is one index
--                                   range, however many studies there are.
--   fact_gene_expression_by_sample  one row per sample and run of up to 80 of its genes:
--                                   gene_key, value and log2_value arrays in step.  One
--                                   sample's whole profile is one index range.
-- 'part' tells apart rows of one (gene, study, block) or (study, sample) that the loader
-- wrote from different batches of facts.

CREATE TABLE fact_gene_expression_by_gene (
    gene_key         integer NOT NULL,
    study_key        integer NOT NULL,
    block            integer NOT NULL,
    part             integer NOT NULL,
    value            double precision[] NOT NULL,
    log2_value       double precision[] NOT NULL,
    PRIMARY KEY (gene_key, study_key, block, part)
);
-- a study's rows, or a block's (a reload, a partial run)
CREATE INDEX fact_gene_expression_by_gene_study ON fact_gene_expression_by_gene (study_key, block);

CREATE TABLE fact_gene_expression_by_sample (
    study_key        integer NOT NULL,
    sample_key       integer NOT NULL,
    part             integer NOT NULL,
    gene_key         integer[] NOT NULL,
    value            double precision[] NOT NULL,
    log2_value       double precision[] NOT NULL,
    PRIMARY KEY (study_key, sample_key, part)
);

-- the rows of the facts loaded before 0009: by_gene arrays from the lowest to the highest
-- sample key of each block (NULL for a key without a value), by_sample in runs of 80
-- genes.  Blocks whose keys have gaps are built by subscripted assignment, which fills
-- the gaps with NULL.
CREATE FUNCTION gx_0009_put(a double precision[], k integer, v double precision)
RETURNS double precision[] LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF a IS NULL THEN
        a := '{}';
    END IF;
    a[k] := v;
    RETURN a;
END $$;
CREATE AGGREGATE gx_0009_array(integer, double precision) (
    SFUNC = gx_0009_put, STYPE = double precision[]);

INSERT INTO fact_gene_expression_by_gene (gene_key, study_key, block, part, value, log2_value)
SELECT gene_key, study_key, sample_key / 64, 0,
       CAST('[' || min(sample_key) || ':' || max(sample_key) || ']=' ||
            CAST(array_agg(value ORDER BY sample_key) AS text) AS double precision[]),
       CAST('[' || min(sample_key) || ':' || max(sample_key) || ']=' ||
            CAST(array_agg(log2_value ORDER BY sample_key) AS text) AS double precision[])
FROM fact_gene_expression
GROUP BY gene_key, study_key, sample_key / 64
HAVING max(sample_key) - min(sample_key) + 1 = count(*);

INSERT INTO fact_gene_expression_by_gene (gene_key, study_key, block, part, value, log2_value)
SELECT gene_key, study_key, sample_key / 64, 0,
       gx_0009_array(sample_key, value ORDER BY sample_key),
       gx_0009_array(sample_key, log2_value ORDER BY sample_key)
FROM fact_gene_expression
GROUP BY gene_key, study_key, sample_key / 64
HAVING max(sample_key) - min(sample_key) + 1 <> count(*);

DROP AGGREGATE gx_0009_array(integer, double precision);
DROP FUNCTION gx_0009_put(double precision[], integer, double precision);

INSERT INTO fact_gene_expression_by_sample (study_key, sample_key, part, gene_key, value, log2_value)
SELECT study_key, sample_key, (n - 1) / 80,
       array_agg(gene_key ORDER BY gene_key), array_agg(value ORDER BY gene_key),
       array_agg(log2_value ORDER BY gene_key)
FROM (SELECT f.study_key, f.sample_key, f.gene_key, f.value, f.log2_value,
             row_number() OVER (PARTITION BY f.study_key, f.sample_key ORDER BY f.gene_key) AS n
      FROM fact_gene_expression f) x
GROUP BY study_key, sample_key, (n - 1) / 80;

-- samples by accession (a sample's profile) and by key range within a study (the
-- samples of a by_gene row)
CREATE INDEX dim_sample_accession ON dim_sample (accession);
CREATE INDEX dim_sample_study_sample ON dim_sample (study_key, sample_key);

-- the run that last wrote a sample's values: what changed in a run
ALTER TABLE dim_sample ADD COLUMN facts_run_id bigint;
CREATE INDEX dim_sample_facts_run ON dim_sample (facts_run_id);

-- One gene across every study: filter on gene_id or gene_symbol.
CREATE VIEW vw_expression_by_gene AS
SELECT st.accession AS study_accession,
       s.accession AS sample_accession,
       i.code AS illness_code,
       g.gene_id,
       g.gene_symbol,
       a.value[s.sample_key] AS value,
       a.log2_value[s.sample_key] AS log2_value
FROM fact_gene_expression_by_gene a
JOIN dim_gene g ON g.gene_key = a.gene_key
JOIN dim_study st ON st.study_key = a.study_key
JOIN dim_sample s ON s.study_key = a.study_key
     AND s.sample_key BETWEEN array_lower(a.value, 1) AND array_upper(a.value, 1)
LEFT JOIN dim_illness i ON i.illness_key = s.illness_key
WHERE a.value[s.sample_key] IS NOT NULL;

-- One sample's whole profile: filter on sample_accession (and study_accession).
CREATE VIEW vw_expression_by_sample AS
SELECT st.accession AS study_accession,
       s.accession AS sample_accession,
       i.code AS illness_code,
       g.gene_id,
       g.gene_symbol,
       u.value,
       u.log2_value
FROM dim_sample s
JOIN dim_study st ON st.study_key = s.study_key
JOIN fact_gene_expression_by_sample a ON a.study_key = s.study_key AND a.sample_key = s.sample_key
CROSS JOIN LATERAL unnest(a.gene_key, a.value, a.log2_value) AS u(gene_key, value, log2_value)
JOIN dim_gene g ON g.gene_key = u.gene_key
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

-- the symbols next to the ids (the views of 0007 with one more column each)
CREATE OR REPLACE VIEW vw_expression_by_cohort AS
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

CREATE OR REPLACE VIEW vw_gene_pairs_candidate AS
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

-- Genes as analysts name them: dim_gene keeps the organism (the study's, as
-- HOMO_SAPIENS; '' unknown), the id as the file gives it, the symbol, the stable id with
-- its version, the version-free id and the biotype apart; one gene per (organism,
-- gene_id).  Genes loaded before 0009 get organism '*' and every study goes on using
-- them (the loader looks an id up in its study's organism first, then in '*').  Filled from
-- the files and from dim_gene_annotation, which `gxload genes import` fills.
ALTER TABLE dim_gene ADD COLUMN organism text NOT NULL DEFAULT '*';
ALTER TABLE dim_gene ALTER COLUMN organism SET DEFAULT '';
ALTER TABLE dim_gene ADD COLUMN stable_id text;
ALTER TABLE dim_gene ADD COLUMN base_id text;
ALTER TABLE dim_gene ADD COLUMN biotype text;
ALTER TABLE dim_gene DROP CONSTRAINT dim_gene_gene_id_key;
ALTER TABLE dim_gene ADD CONSTRAINT dim_gene_organism_gene_id_key UNIQUE (organism, gene_id);
CREATE INDEX dim_gene_gene_id ON dim_gene (gene_id);
CREATE INDEX dim_gene_base_id ON dim_gene (base_id);

CREATE TABLE dim_gene_annotation (
    organism         text NOT NULL DEFAULT '',
    stable_id        text NOT NULL,
    base_id          text NOT NULL,
    symbol           text,
    biotype          text,
    PRIMARY KEY (organism, stable_id)
);
CREATE INDEX dim_gene_annotation_base ON dim_gene_annotation (base_id);
CREATE INDEX dim_gene_annotation_symbol ON dim_gene_annotation (symbol);
