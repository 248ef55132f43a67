-- 0005_facts_fingerprint.sql (PostgreSQL): the part of the input fingerprint that decides
-- the facts (matrix files, extract.na_values, transform.value_scale and its detection
-- settings, the hash version).  A run whose input changed but whose facts fingerprint did
-- not may rewrite the dimensions alone (a metadata-only run); NULL (a study loaded before
-- 0005) makes the next such run compare every sample's digest instead.
ALTER TABLE dim_study ADD COLUMN facts_fingerprint text;
