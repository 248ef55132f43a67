#!/bin/sh
# t0240-migrations.sh - migrations apply once, in order, with checksums; a changed
# applied migration or an unknown one is refused with exit 78.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

kind=$([ "$BACKEND" = pg ] && echo postgresql || echo sqlite)
gx migrate; is "$rc" 0 "migrate on an empty database"
like "$out" "[1-9][0-9]* migration\(s\) applied" "reports what it applied"
n=$(ls "$GXLOAD_TOP/migrations/$kind" | grep -c '\.sql$')
is "$(q "SELECT count(*) FROM schema_migrations")" "$n" "every migration recorded"
is "$(q "SELECT count(*) FROM schema_migrations WHERE length(checksum) = 32")" "$n" "with a checksum"
gx migrate; is "$rc" 0 "migrate again"
like "$out" "^0 migration\(s\) applied" "second pass is a no-op"
gx migrate --status; is "$rc" 0 "migrate --status"
like "$out" "^0001 +init +applied " "status lists 0001_init as applied"
for t in dim_study dim_sample dim_gene fact_gene_expression meta_etl_run meta_etl_process_log \
         meta_source_file meta_data_validation_log schema_migrations; do
	is "$(q "SELECT count(*) FROM $t WHERE 1 = 0")" 0 "table $t exists"
done
for c in "dim_study:study_key, accession, title, technology, organism" \
         "dim_sample:sample_key, study_key, accession, title, platform_raw, content_hash" \
         "dim_gene:gene_key, gene_id" \
         "fact_gene_expression:study_key, sample_key, gene_key, value, log2_value" \
         "meta_etl_run:run_id, study_accession, status, started_at, finished_at, rows_inserted, rows_deleted, samples_changed, files_skipped, error_code, message" \
         "meta_etl_process_log:run_id, ts, level, step, error_code, message" \
         "meta_source_file:study_key, path, role, size_bytes, mtime, content_hash" \
         "meta_data_validation_log:run_id, check_name, status, observed, threshold"; do
	t=${c%%:*}; cols=${c#*:}
	q "SELECT $cols FROM $t WHERE 1 = 0" > /dev/null 2>&1; ok $? "$t has the columns users rely on"
done

# a changed applied migration is refused
share="$T/share"; mkdir -p "$share"
cp -R "$GXLOAD_TOP/migrations" "$GXLOAD_TOP/configs" "$GXLOAD_TOP/rules" "$share/"
echo "-- an edit" >> "$share/migrations/$kind/0001_init.sql"
GXLOAD_SHARE_DIR="$share" "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" load GSE1001 > "$T/o" 2>&1
is $? 78 "an edited applied migration: load exits 78"
like "$(cat "$T/o")" "migration '.*0001_init.sql' was changed after it was applied" "and names the file"
GXLOAD_SHARE_DIR="$share" "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" migrate --status > "$T/o" 2>&1
is $? 78 "migrate --status reports the change with exit 78"
like "$(cat "$T/o")" "0001 +init +CHANGED" "as CHANGED"
is "$(q "SELECT count(*) FROM dim_study")" 0 "nothing was loaded"

# a migration the binary does not know: the database is newer
cp "$GXLOAD_TOP/migrations/$kind/0001_init.sql" "$share/migrations/$kind/0001_init.sql"
printf 'CREATE TABLE zz_extra (x integer);\n' > "$share/migrations/$kind/9999_extra.sql"
GXLOAD_SHARE_DIR="$share" "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" migrate > "$T/o" 2>&1
is $? 0 "a new migration file is applied"
gx load GSE1001
is "$rc" 78 "a database with a migration this gxload does not know: exit 78"
like "$out" "the schema is newer than this binary" "and says so"

# a migration that fails leaves the previous version intact
rm "$share/migrations/$kind/9999_extra.sql"
q "DELETE FROM schema_migrations WHERE version = 9999" >/dev/null
printf 'CREATE TABLE zz_half (x integer);\nTHIS IS NOT SQL;\n' > "$share/migrations/$kind/9998_broken.sql"
GXLOAD_SHARE_DIR="$share" "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" migrate > "$T/o" 2>&1
st=$?
[ "$st" -ne 0 ]; ok $? "a broken migration fails (exit $st)"
like "$(cat "$T/o")" "migration '.*9998_broken.sql' failed" "and names the file"
q "SELECT count(*) FROM zz_half" > /dev/null 2>&1
[ $? -ne 0 ]; ok $? "its first statement was rolled back with it"
is "$(q "SELECT count(*) FROM schema_migrations WHERE version = 9998")" 0 "and it is not recorded"
printf 'x' > "$share/migrations/$kind/12_bad.sql"
GXLOAD_SHARE_DIR="$share" "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" migrate > "$T/o" 2>&1
is $? 78 "a badly named migration file: exit 78"
done_testing
