-- 0006_illness_evidence.sql (PostgreSQL): the evidence chain of each sample's illness
-- label, stored with the sample: which field, key and value, which rule and class, and
-- the study-level reason (constant fields, group, control arm), as JSON written by the
-- loader (docs/RULES.md "In the database").  NULL: labelled before 0006.
ALTER TABLE dim_sample ADD COLUMN illness_evidence jsonb;
