-- 0013_citus.sql (PostgreSQL): the Citus layout of docs/SCALE.md, guarded by the
-- extension's presence (issue 18).
--
-- On plain PostgreSQL (no 'citus' row in pg_extension) this migration does nothing: the
-- DO block returns before it reads or changes anything, and the schema stays exactly as
-- 0001-0012 left it.  When Citus is installed in the database, it
--   1. refuses a database holding a study partition that is itself partitioned (a study
--      loaded through several copy streams is partitioned by sample_key range below its
--      study partition, and Citus does not distribute multi-level partitioned tables):
--      such studies must be loaded again with postgresql.copy_streams = 1 first; and a
--      database whose study partitions are foreign tables (postgres_fdw shards,
--      docs/SHARDS.md), which Citus does not distribute either;
--   2. widens the key of every study partition from (gene_key, sample_key) to
--      (gene_key, sample_key, study_key): Citus accepts a primary key only when it
--      contains the distribution column;
--   3. makes the dimensions, and meta_source_file and meta_study_shard (the meta tables
--      with a foreign key to a dimension; the second is empty: its shards are the
--      postgres_fdw kind), reference tables, referenced tables before the tables that
--      refer to them;
--   4. distributes fact_gene_expression by study_key (its study partitions follow) and
--      the fact-like tables co-located with it, so that one study's facts, companion
--      rows and statistics live on one worker.
-- The other meta tables (runs, logs, steps, validation, attrition) stay local tables of
-- the coordinator.  Citus could not be run where this migration was written (it is not
-- in Debian): the Citus branch is checked through its plan only (below), not against a
-- Citus cluster.  docs/SCALE.md says what is known and what is not.
--
-- The plan without Citus: with the setting gxload.citus_plan = 'show' the block makes
-- the same checks and prints the statements it would run as NOTICEs ("citus: ...")
-- instead of running them, on any server, changing nothing:
--   psql -c "SET gxload.citus_plan = 'show'" -f migrations/postgresql/0013_citus.sql
DO $$
DECLARE
    show_only boolean := COALESCE(current_setting('gxload.citus_plan', true), '') = 'show';
    plan text[] := ARRAY[]::text[];
    t text;
    r record;
BEGIN
    IF NOT show_only AND NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;

    -- 1. study partitions partitioned again (by sample range): not distributable
    SELECT string_agg(c.relname, ', ' ORDER BY c.relname) INTO t
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'fact_gene_expression'::regclass AND c.relkind = 'p';
    IF t IS NOT NULL THEN
        RAISE EXCEPTION 'citus cannot distribute study partitions that are partitioned by sample range: %', t
            USING HINT = 'load these studies again with postgresql.copy_streams = 1 (--force), then migrate';
    END IF;

    -- study partitions on other servers (postgres_fdw shards, docs/SHARDS.md): a
    -- database is sharded one way or the other
    SELECT string_agg(c.relname, ', ' ORDER BY c.relname) INTO t
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'fact_gene_expression'::regclass AND c.relkind = 'f';
    IF t IS NOT NULL THEN
        RAISE EXCEPTION 'citus cannot distribute study partitions that are foreign tables: %', t
            USING HINT = 'a database sharded through postgres_fdw is not distributed by Citus as well';
    END IF;

    -- the distributed tables' statements run one after the other in this transaction,
    -- which also writes reference tables
    plan := array_append(plan, 'SET LOCAL citus.multi_shard_modify_mode TO ''sequential''');

    -- 2. the study partitions' keys gain the distribution column
    FOR r IN
        SELECT c.relname, k.conname
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'p'
        WHERE i.inhparent = 'fact_gene_expression'::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                          WHERE a.attrelid = c.oid AND a.attname = 'study_key'
                            AND a.attnum = ANY (k.conkey))
        ORDER BY c.relname
    LOOP
        plan := array_append(plan, format('ALTER TABLE %I DROP CONSTRAINT %I, '
                               'ADD CONSTRAINT %I PRIMARY KEY (gene_key, sample_key, study_key)',
                               r.relname, r.conname, r.conname));
    END LOOP;

    -- 3. reference tables: a referenced table before those that refer to it
    FOREACH t IN ARRAY ARRAY['dim_study', 'dim_illness', 'dim_platform', 'dim_sample',
                             'dim_gene', 'dim_gene_annotation', 'dim_feature',
                             'meta_source_file', 'meta_study_shard']
    LOOP
        plan := array_append(plan, format('SELECT create_reference_table(%L)', t));
    END LOOP;

    -- 4. the facts by study_key, and the fact-like tables in the same co-location group
    plan := array_append(plan, format('SELECT create_distributed_table(%L, %L, colocate_with => %L)',
                           'fact_gene_expression', 'study_key', 'none'));
    FOREACH t IN ARRAY ARRAY['fact_gene_expression_by_gene', 'fact_gene_expression_by_sample',
                             'fact_cohort_gene_stats', 'fact_gene_pair_stats',
                             'fact_cohort_differential', 'fact_feature_values']
    LOOP
        plan := array_append(plan, format('SELECT create_distributed_table(%L, %L, colocate_with => %L)',
                               t, 'study_key', 'fact_gene_expression'));
    END LOOP;

    FOREACH t IN ARRAY plan
    LOOP
        IF show_only THEN
            RAISE NOTICE 'citus: %', t;
        ELSE
            EXECUTE t;
        END IF;
    END LOOP;
END
$$;
