-- 0008_operations.sql (SQLite): what operators need to read a retried run (issue 15).
-- A run that meets a transient database error is started again as a new run (a new
-- meta_etl_run row); 'attempt' numbers the runs of one load of a study (1 = the first)
-- and 'sqlstate' keeps the database's SQLSTATE of a run's error.
ALTER TABLE meta_etl_run ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE meta_etl_run ADD COLUMN sqlstate TEXT;
