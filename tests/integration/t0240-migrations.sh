#!/bin/sh
# t0240-migrations.sh - migrations apply once, in order, with checksums; a changed
# applied migration or an unknown one is refused with exit 78.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

kind=$([ "$BACKEND" = pg ] && echo postgresql || echo sqlite)
n=$(ls "$GXLOAD_TOP/migrations/$kind" | grep -c '\.sql$')
if [ "$BACKEND" = pg ]; then # the database as gxload shows it: no password, keywords
	shown="user=gxtest dbname=$PGDB host=127.0.0.1 port=$GXTEST_PGPORT"
else
	shown="$DB"
fi
gx migrate; is "$rc" 0 "migrate on an empty database"
is "$out" "$n migration(s) applied; database $shown is up to date" "reports what it applied"
is "$(q "SELECT count(*) FROM schema_migrations")" "$n" "every migration recorded"
is "$(q "SELECT count(*) FROM schema_migrations WHERE length(checksum) = 32")" "$n" "with a checksum"
gx migrate; is "$rc" 0 "migrate again"
is "$out" "0 migration(s) applied; database $shown is up to date" "second pass is a no-op"
gx migrate --status; is "$rc" 0 "migrate --status"
is "$(printf '%s\n' "$out" | awk '{ print $1, $2, $3 }')" \
   "version name state
$(ls "$GXLOAD_TOP/migrations/$kind" | sed -n 's/^\([0-9]*\)_\(.*\)\.sql$/\1 \2 applied/p')" \
   "status lists every migration file as applied, in order"
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
like "$(cat "$T/o")" "migration '$share/migrations/$kind/0001_init.sql' was changed after it was applied" "and names the file"
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
gx migrate --status
is "$rc" 78 "migrate --status with a migration this gxload does not know: exit 78"
like "$out" "^9999 +extra +UNKNOWN" "it is listed as UNKNOWN"
is "$(printf '%s\n' "$out" | awk '$3 == "applied"' | wc -l | tr -d ' ')" "$n" "the others are still applied"

# a migration that fails leaves the previous version intact
rm "$share/migrations/$kind/9999_extra.sql"
q "DELETE FROM schema_migrations WHERE version = 9999" >/dev/null
printf 'CREATE TABLE zz_half (x integer);\nTHIS IS NOT SQL;\n' > "$share/migrations/$kind/9998_broken.sql"
GXLOAD_SHARE_DIR="$share" "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" migrate > "$T/o" 2>&1
is $? 78 "a broken migration fails with exit 78"
like "$(cat "$T/o")" "^gxload: error: migration '$share/migrations/$kind/9998_broken.sql' failed" "and names the file"
if [ "$BACKEND" = pg ]; then
	is "$(q "SELECT count(*) FROM pg_class WHERE relname = 'zz_half'")" 0 "its first statement was rolled back with it"
else
	is "$(q "SELECT count(*) FROM sqlite_master WHERE name = 'zz_half'")" 0 "its first statement was rolled back with it"
fi
is "$(q "SELECT count(*) FROM schema_migrations WHERE version = 9998")" 0 "and it is not recorded"
printf 'x' > "$share/migrations/$kind/12_bad.sql"
GXLOAD_SHARE_DIR="$share" "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" migrate > "$T/o" 2>&1
is $? 78 "a badly named migration file: exit 78"
done_testing
