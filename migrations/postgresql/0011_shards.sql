-- 0011_shards.sql (PostgreSQL): where each study's facts live (issue 18, shard servers;
-- docs/SHARDS.md).
--
-- With shards.servers configured, a study's first load places its facts on a shard
-- server (shards.placement, else a hash of the accession) or, when the study already has
-- facts on this server, leaves them here; the choice is recorded here and wins over the
-- config from then on, so a new shard or a new order of shards moves no loaded study.
-- shard is NULL for a study whose facts stay on this server.  Without shards.servers
-- no row is written.  The row goes with the study (gxload drop).
CREATE TABLE meta_study_shard (
    study_key        integer PRIMARY KEY REFERENCES dim_study (study_key) ON DELETE CASCADE,
    shard            text,
    placed_at        timestamptz NOT NULL DEFAULT now()
);
