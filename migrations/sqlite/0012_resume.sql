-- 0012_resume.sql (SQLite): loads that resume (issue 18).  SQLite loads a study in one
-- transaction and does not resume (docs/ARCHITECTURE.md, "Loads that resume"); it gets
-- the run ledger's columns so that status and report read both backends alike.
ALTER TABLE meta_etl_run ADD COLUMN resumed_from_chunk INTEGER;
ALTER TABLE meta_etl_run ADD COLUMN values_resumed INTEGER;
