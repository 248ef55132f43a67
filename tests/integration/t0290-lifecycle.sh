#!/bin/sh
# t0290-lifecycle.sh - the operators' commands (issue 15): `load --all` (every study folder,
# one line per study, exit code the worst), `load --json` and `status --json` (stable
# keys), `studies`, and `drop` (every row of the study in one transaction, logged as a
# run, --dry-run says what would go, under the study's lock; shared dimensions and the
# run history stay; a reload equals a clean load).
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

# ---- load --all ----
mkdir "$DATA/BAD" "$DATA/.hidden"        # a folder without a matrix; a hidden one
: > "$DATA/notes.txt"                     # a file, not a study
gx load --all; is "$rc" 65 "load --all: a study without a matrix makes it exit 65"
is "$(printf '%s\n' "$out" | grep -v '^gxload: error:' | sed 's/ \[run .*//')" "BAD: failed (error 2002 no_file, exit 65)
E-GEOD-3003: succeeded (full) 3 samples, 25 genes, 75 values (log2); 75 rows inserted, 0 deleted, 3 samples changed
GSE1001: succeeded (full) 5 samples, 30 genes, 150 values (log2); 150 rows inserted, 0 deleted, 5 samples changed
SRP2002: succeeded (full) 3 samples, 40 genes, 120 values (linear); 120 rows inserted, 0 deleted, 3 samples changed" \
   "load --all: one line per study folder, in name order, the failure too; hidden folders and files are not studies"
like "$out" "^gxload: error: BAD: .*has no expression matrix" "the failure's reason is on stderr as usual"
gx load --all GSE1001; is "$rc" 64 "--all with an accession: exit 64"
gx -q load --all; is "$rc" 65 "-q load --all: the same exit code"
is "$(printf '%s\n' "$out" | grep -vc '^gxload: error:')" 0 "-q: only the errors"
rmdir "$DATA/BAD"
gx load --all; is "$rc" 0 "without the bad folder: exit 0"
is "$(printf '%s\n' "$out" | grep -c ': skipped (unchanged since the last load)')" 3 "every study skipped"

# the worst exit code: a locked study (75) and a bad one (65) give 65 in either order
mkdir "$DATA/BAD"
bg_start held locked load --force SRP2002
bg_paused held; ok $? "SRP2002 is held by a paused run"
gx load --all; is "$rc" 65 "locked (75) and bad input (65): exit 65, the worst (BAD comes first)"
gx load SRP2002 BAD; is "$rc" 65 "and in the other order (75 first)"
gx load SRP2002; is "$rc" 75 "the locked study alone: 75"
bg_release held; bg_wait held; is "$bg_rc" 0 "the held run succeeds"
rmdir "$DATA/BAD"

# ---- load --json ----
keys_load="study,status,mode,run_id,attempts,samples,genes,values,value_scale,rows_inserted,rows_deleted,samples_changed,seconds,exit_code,error"
gx load --json --force GSE1001 GSE9999; is "$rc" 65 "load --json: an unknown study exits 65"
printf '%s\n' "$out" | grep '^{' > "$T/json"
is "$(wc -l < "$T/json" | tr -d ' ')" 2 "load --json: one line per study, the failure too"
is "$(jq -r 'keys_unsorted | join(",")' "$T/json" | sort -u)" "$keys_load" "load --json: the same keys, in order, for every study"
is "$(jq -r 'select(.study == "GSE1001") | [.status, .mode, .samples, .genes, .values, .value_scale, .rows_inserted, .rows_deleted, .samples_changed, .exit_code, .attempts] | join(" ")' "$T/json")" \
   "succeeded full 5 30 150 log2 150 150 5 0 1" "load --json: the summary of a load"
is "$(jq -r 'select(.study == "GSE9999") | [.status, .exit_code, .error.code, .error.name, .run_id != null] | join(" ")' "$T/json")" \
   "failed 65 2001 no_study true" "load --json: a failure with its exit code and error"
gx load --json --dry-run GSE1001
is "$(printf '%s\n' "$out" | jq -r '[.status, .mode, .run_id] | join(" ")')" "dry-run none " "load --json --dry-run: would skip (mode none, no run)"
gx -q load --json GSE1001
is "$(printf '%s\n' "$out" | jq -r .status)" skipped "-q load --json: the JSON is still printed (it was asked for)"

# ---- status --json ----
keys_status="study,loaded,samples,genes,values,value_scale,updated_at,last_success_at,run_id,status,mode,command,attempt,started_at,finished_at,rows_inserted,rows_deleted,samples_changed,resumed_from_chunk,values_resumed,checks_fail,checks_warn,error"
gx status --json; is "$rc" 0 "status --json"
printf '%s\n' "$out" > "$T/sj"
is "$(jq -r .study "$T/sj" | tr '\n' ' ')" "BAD E-GEOD-3003 GSE1001 GSE9999 SRP2002 " "status --json: one object per study with a run, by accession"
is "$(jq -r 'keys_unsorted | join(",")' "$T/sj" | sort -u)" "$keys_status" "status --json: the same keys, in order, for every study"
is "$(jq -r 'select(.study == "GSE1001") | [.loaded, .samples, .genes, .values, .value_scale, .status] | join(" ")' "$T/sj")" \
   "true 5 30 150 log2 skipped" "status --json: a loaded study's figures and latest run"
is "$(jq -r 'select(.study == "GSE9999") | [.loaded, .samples, .status, .error.code, .error.name] | join(" ")' "$T/sj")" \
   "false  failed 2001 no_study" "status --json: a study that only failed"
is "$(jq -r 'select(.study == "GSE1001") | .run_id' "$T/sj")" \
   "$(q "SELECT max(run_id) FROM meta_etl_run WHERE study_accession = 'GSE1001'")" "status --json: the latest run's id"
like "$(jq -r 'select(.study == "GSE1001") | .finished_at' "$T/sj")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$' \
     "status --json: times are ISO-8601 UTC"
gx status --json GSE1001
is "$(printf '%s\n' "$out" | jq -r '[.study, (.files | length), (.runs | length), .runs[0].status] | join(" ")')" \
   "GSE1001 3 $(q "SELECT count(*) FROM meta_etl_run WHERE study_accession = 'GSE1001'") skipped" \
   "status --json ACCESSION: the study with its files and runs"
gx status --json NOPE; is "$rc" 65 "status --json of an unknown study: 65"
gx status --bogus; is "$rc" 64 "status with an unknown option: 64"

# ---- studies ----
gx studies; is "$rc" 0 "studies"
is "$(printf '%s\n' "$out" | awk 'NR > 1 { print $1, $2, $3, $4 }')" "E-GEOD-3003 3 25 75
GSE1001 5 30 150
SRP2002 3 40 120
3 studies, 11 samples," "studies: the loaded studies (not the one that only failed) with samples, genes, values; then the totals"
gx studies --json
is "$(printf '%s\n' "$out" | jq -r '[.study, .samples, .values] | join(" ")' | tr '\n' ',')" \
   "E-GEOD-3003 3 75,GSE1001 5 150,SRP2002 3 120," "studies --json"

# ---- drop ----
key=$(q "SELECT study_key FROM dim_study WHERE accession = 'GSE1001'")
other=$(q "SELECT study_key FROM dim_study WHERE accession = 'SRP2002'")
# tables a later migration might add: one naming studies, one naming samples only
q "CREATE TABLE t0290_by_study (study_key integer NOT NULL, note text);
   INSERT INTO t0290_by_study VALUES ($key, 'a'), ($key, 'b'), ($other, 'c');
   CREATE TABLE t0290_by_sample (sample_key integer NOT NULL);
   INSERT INTO t0290_by_sample SELECT sample_key FROM dim_sample WHERE study_key IN ($key, $other)"
in_tables() { # the study's rows in each table that has them: "table n" lines
	companions="" # PostgreSQL's gene-major and sample-major copies of the facts (0009)
	[ "$BACKEND" = pg ] && companions="fact_gene_expression_by_gene fact_gene_expression_by_sample"
	for t in dim_sample fact_gene_expression fact_cohort_gene_stats meta_source_file dim_study \
	         t0290_by_study $companions; do
		n=$(q "SELECT count(*) FROM $t WHERE study_key = $key")
		[ "$n" -gt 0 ] && echo "$t $n"
	done
	n=$(q "SELECT count(*) FROM t0290_by_sample b JOIN dim_sample s ON s.sample_key = b.sample_key
	       WHERE s.study_key = $key")
	[ "$n" -gt 0 ] && echo "t0290_by_sample $n"
}
expect=$(in_tables | sort | tr '\n' ',')
others=$(db_dump | grep -v "|GSE1001|" | grep -vE '^(gene|illness|platform)\|' | cksum)
genes=$(q "SELECT count(*) FROM dim_gene")
snap=$(db_snapshot)
runs=$(q "SELECT count(*) FROM meta_etl_run")
gx drop --dry-run GSE1001; is "$rc" 0 "drop --dry-run"
like "$out" "^GSE1001: dry run: would drop 5 samples and 150 values \(" "drop --dry-run: what would go"
is "$(printf '%s\n' "$out" | sed 's/.*(\(.*\))$/\1/' | tr ',' '\n' | sed 's/^ //' | sort | tr '\n' ',')" "$expect" \
   "drop --dry-run: every table's count is the study's rows in it"
is "$(db_snapshot)" "$snap" "drop --dry-run: nothing changed"
is "$(q "SELECT count(*) FROM meta_etl_run")" "$runs" "drop --dry-run: no run recorded"

# the study's lock: a paused load keeps drop out (75)
bg_start held locked load --force GSE1001
bg_paused held; ok $? "GSE1001 is held by a paused load"
gx drop GSE1001; is "$rc" 75 "drop takes the study's lock: 75 while a load holds it"
bg_release held; bg_wait held

# killed before its commit: nothing happened
GXLOAD_TEST_CRASH_AT=dropped "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" drop GSE1001 > "$T/o" 2>&1
is "$?" 137 "drop killed just before its commit"
wait_no_sessions
is "$(db_snapshot)" "$snap" "a killed drop leaves the database as it was"

gx drop GSE1001; is "$rc" 0 "drop"
like "$out" "^GSE1001: dropped 5 samples and 150 values \(.*\) \[run [0-9]+, " "drop: what went"
is "$(in_tables)" "" "drop: no row of the study is left in any table"
is "$(q "SELECT count(*) FROM t0290_by_study WHERE study_key = $key")|$(q "SELECT count(*) FROM t0290_by_study")" "0|1" \
   "drop: a table that names the study by study_key loses the study's rows, keeps the others'"
is "$(q "SELECT count(*) FROM t0290_by_sample")" 3 "drop: one that names its samples by sample_key too"
is "$(db_dump | grep -v "|GSE1001|" | grep -vE '^(gene|illness|platform)\|' | cksum)" "$others" "drop: the other studies are untouched"
is "$(q "SELECT count(*) FROM dim_gene")" "$genes" "drop: the shared genes stay"
is "$(q "SELECT status || '|' || mode || '|' || command || '|' || rows_deleted || '|' || samples_changed
         FROM meta_etl_run ORDER BY run_id DESC LIMIT 1")" "succeeded|drop|drop|150|5" "drop: logged as a run"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE study_accession = 'GSE1001' AND status = 'aborted'")" 1 \
   "drop marks the killed drop's run aborted, as a load would"
if [ "$BACKEND" = pg ]; then
	is "$(q "SELECT count(*) FROM pg_class WHERE relname LIKE 'fact_gene_expression_p${key}%'")" 0 \
	   "drop: the study's partition is gone"
fi
gx status; unlike "$out" "^GSE1001 " "status no longer lists the dropped study"
gx studies; unlike "$out" "^GSE1001 " "studies no longer lists it"
gx status --json; is "$(printf '%s\n' "$out" | jq -r 'select(.study == "GSE1001") | .study')" "" "status --json neither"
gx drop GSE1001; is "$rc" 65 "dropping a study that is not loaded: 65"
like "$out" "study 'GSE1001' is not loaded" "drop names the reason"
gx status; unlike "$out" "^GSE1001 " "a failed drop of a study not loaded does not list it"
gx drop GSE1001 --json --dry-run; is "$rc" 65 "drop --dry-run of a study not loaded: 65"

gx load GSE1001; is "$rc" 0 "the dropped study loads again"
like "$out" "^GSE1001: succeeded \(full\) 5 samples, 30 genes, 150 values" "as a first, full load"
ref_check "after drop and reload"
gx drop --json SRP2002
is "$(printf '%s\n' "$out" | jq -r '[.study, .status, .samples, .values, .rows.dim_study, .rows.fact_gene_expression] | join(" ")')" \
   "SRP2002 dropped 3 120 1 120" "drop --json"
ref_check "after dropping another study"
done_testing
