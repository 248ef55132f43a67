#!/bin/sh
# t0910-citus-guard.sh - migration 0013 (the Citus layout, docs/SCALE.md) is guarded by
# the extension's presence: on plain PostgreSQL it is applied and recorded but changes
# nothing in the schema; its Citus branch runs only under the guard, and its plan (the
# setting gxload.citus_plan = 'show' prints the statements instead of running them) is
# the one SCALE.md gives: multi-level and foreign-table study partitions refused, the study partitions'
# keys widened to the distribution column, reference tables in foreign-key order, the
# fact-like tables co-located with the facts.  Citus itself is not installed here (not
# in Debian), so the branch is never run against a real cluster: see SCALE.md.
# backends: pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

mig="$GXLOAD_TOP/migrations/postgresql/0013_citus.sql"
PGDUMP="$PGBIN/pg_dump"
# the schema as pg_dump writes it, without comments and the \restrict lines' random key
schema() { "$PGDUMP" -s -h 127.0.0.1 -p "$GXTEST_PGPORT" -U gxtest "$PGDB" | grep -v '^--\|^\\\(un\)\{0,1\}restrict'; }
# the plan as NOTICE lines "citus: ...", or the ERROR; the schema is left as it was
plan() {
	"$PSQL" -X -q -h 127.0.0.1 -p "$GXTEST_PGPORT" -U gxtest -d "$PGDB" -v ON_ERROR_STOP=1 \
		-c "SET gxload.citus_plan = 'show'" -f "$mig" 2>&1 |
		sed -n 's/^.*NOTICE:  citus: //p; s/^.*ERROR:  /ERROR: /p'
}

# 1. on plain PostgreSQL: applied, recorded, and the schema is the one 0001-0012 give
share="$T/share"; mkdir -p "$share"
cp -R "$GXLOAD_TOP/migrations" "$GXLOAD_TOP/configs" "$GXLOAD_TOP/rules" "$share/"
rm "$share/migrations/postgresql/0013_citus.sql"
GXLOAD_SHARE_DIR="$share" "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" migrate > "$T/o" 2>&1
is $? 0 "the migrations before 0013 apply"
is "$(q "SELECT count(*) FROM pg_extension WHERE extname = 'citus'")" 0 "the server has no Citus"
schema > "$T/before.sql"
gx migrate; is "$rc" 0 "migrate applies 0013 on plain PostgreSQL"
like "$out" "^1 migration\\(s\\) applied" "one migration: 0013"
is "$(q "SELECT name FROM schema_migrations WHERE version = 13")" "citus" "and records it"
schema > "$T/after.sql"
cmp -s "$T/before.sql" "$T/after.sql"; ok $? "0013 changed nothing in the schema"
[ "$(wc -l < "$T/after.sql")" -gt 100 ]; ok $? "(the schema dump is not empty)"

# 2. the Citus functions are named only inside the block, after the guard
guard=$(grep -n "extname = 'citus'" "$mig" | head -1 | cut -d: -f1)
first=$(grep -n "create_reference_table\|create_distributed_table\|citus\.multi_shard" "$mig" |
	grep -v ':--' | head -1 | cut -d: -f1)
[ -n "$guard" ] && [ -n "$first" ] && [ "$first" -gt "$guard" ]
ok $? "create_reference_table / create_distributed_table appear only after the guard (line $guard < $first)"

# 3. the plan: loaded studies, one of them through two copy streams (sample ranges)
gx load GSE1001; is "$rc" 0 "a study loads through the main session"
streams_config "$T/s.yaml" 2
"$GXLOAD_BIN" --config "$T/s.yaml" --db "$DB" load --file "$DATA/GSE1001/GSE1001.tsv" --study RANGED \
	> "$T/o" 2>&1; is $? 0 "a study loads through two copy streams"
k1=$(q "SELECT study_key FROM dim_study WHERE accession = 'GSE1001'")
k2=$(q "SELECT study_key FROM dim_study WHERE accession = 'RANGED'")
is "$(q "SELECT relkind FROM pg_class WHERE relname = 'fact_gene_expression_p$k2'")" "p" \
	"(its partition is partitioned by sample range)"
schema > "$T/loaded.sql"
is "$(plan)" "ERROR: citus cannot distribute study partitions that are partitioned by sample range: fact_gene_expression_p$k2" \
	"a multi-level study partition is refused, named"
gx drop RANGED; is "$rc" 0 "that study dropped"
schema > "$T/loaded.sql"
is "$(plan)" "SET LOCAL citus.multi_shard_modify_mode TO 'sequential'
ALTER TABLE fact_gene_expression_p$k1 DROP CONSTRAINT fact_gene_expression_p${k1}_pkey, ADD CONSTRAINT fact_gene_expression_p${k1}_pkey PRIMARY KEY (gene_key, sample_key, study_key)
SELECT create_reference_table('dim_study')
SELECT create_reference_table('dim_illness')
SELECT create_reference_table('dim_platform')
SELECT create_reference_table('dim_sample')
SELECT create_reference_table('dim_gene')
SELECT create_reference_table('dim_gene_annotation')
SELECT create_reference_table('dim_feature')
SELECT create_reference_table('meta_source_file')
SELECT create_reference_table('meta_study_shard')
SELECT create_distributed_table('fact_gene_expression', 'study_key', colocate_with => 'none')
SELECT create_distributed_table('fact_gene_expression_by_gene', 'study_key', colocate_with => 'fact_gene_expression')
SELECT create_distributed_table('fact_gene_expression_by_sample', 'study_key', colocate_with => 'fact_gene_expression')
SELECT create_distributed_table('fact_cohort_gene_stats', 'study_key', colocate_with => 'fact_gene_expression')
SELECT create_distributed_table('fact_gene_pair_stats', 'study_key', colocate_with => 'fact_gene_expression')
SELECT create_distributed_table('fact_cohort_differential', 'study_key', colocate_with => 'fact_gene_expression')
SELECT create_distributed_table('fact_feature_values', 'study_key', colocate_with => 'fact_gene_expression')" \
	"the plan: keys widened, reference tables in foreign-key order, facts co-located"
schema > "$T/shown.sql"
cmp -s "$T/loaded.sql" "$T/shown.sql"; ok $? "showing the plan changed nothing"

# every table the plan names exists, and every table with a study_key is placed
for t in $(plan | sed -n "s/^SELECT create_[a-z]*_table('\\([a-z_]*\\)'.*/\\1/p"); do
	is "$(q "SELECT count(*) FROM pg_tables WHERE tablename = '$t' AND schemaname = current_schema()")" 1 \
		"the plan's table $t exists"
done
# meta_load_checkpoint (0012, loads that resume) has a study_key but stays a local table
# of the coordinator, like meta_etl_run (docs/SCALE.md): the plan leaves it out
is "$(plan | grep -c meta_load_checkpoint)" 0 "the plan leaves meta_load_checkpoint local to the coordinator"
is "$(q "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_class c
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'study_key'
         WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
           AND NOT c.relispartition AND c.relname <> 'meta_load_checkpoint'")" \
   "dim_sample dim_study fact_cohort_differential fact_cohort_gene_stats fact_feature_values fact_gene_expression fact_gene_expression_by_gene fact_gene_expression_by_sample fact_gene_pair_stats meta_source_file meta_study_shard" \
   "the tables with a study_key are the ones the plan places (a new one must be placed in 0013)"

# a study partition on another server (a postgres_fdw foreign table) is refused too
q "CREATE EXTENSION postgres_fdw; CREATE SERVER gxshard FOREIGN DATA WRAPPER postgres_fdw
   OPTIONS (host '127.0.0.1', dbname 'nowhere');
   CREATE FOREIGN TABLE fact_gene_expression_p999 PARTITION OF fact_gene_expression
   FOR VALUES IN (999) SERVER gxshard" >/dev/null
is "$(plan)" "ERROR: citus cannot distribute study partitions that are foreign tables: fact_gene_expression_p999" \
	"a foreign-table study partition is refused, named"
q "DROP FOREIGN TABLE fact_gene_expression_p999; DROP SERVER gxshard; DROP EXTENSION postgres_fdw" >/dev/null

# 4. a key already widened is left alone
q "ALTER TABLE fact_gene_expression_p$k1 DROP CONSTRAINT fact_gene_expression_p${k1}_pkey,
   ADD CONSTRAINT fact_gene_expression_p${k1}_pkey PRIMARY KEY (gene_key, sample_key, study_key)" >/dev/null
is "$(plan | grep -c '^ALTER TABLE')" 0 "a partition whose key has the study_key is not changed again"
done_testing
