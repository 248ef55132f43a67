#!/bin/sh
# t0600-pg-streams.sh - a study loaded through parallel COPY sessions (one table per range
# of samples, committed by its own session, swapped in by the load transaction): the
# same contents as one session, values exact, partial reloads into the range layout,
# and kill -9 / SIGTERM at any point leave the old state; tables a killed run committed
# are never part of the fact table and are dropped by the next run.
# backends: pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

M="$DATA/GSE1001/GSE1001.tsv"
# the fixtures are small: make every study "big" (copy_streams_min_rows 1)
streams() { # N: load through N range sessions
	streams_config "$T/s.yaml" "$1" "  maintenance_work_mem_mb: 64"
}
gxs() { # like gx, with the streams config
	"$GXLOAD_BIN" --config "$T/s.yaml" --db "$DB" "$@" >"$T/out" 2>&1
	rc=$?
	out=$(cat "$T/out")
}
check_values() { # NAME
	melt_tsv "$M" > "$T/src.tsv"; db_values GSE1001 > "$T/db.tsv"
	same_doubles "$T/src.tsv" "$T/db.tsv"; ok $? "$1: database equals the file"
}
leftovers() { q "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname LIKE 'fact\_gene\_expression\_p%\_s%'
                 AND relnamespace = 'public'::regnamespace"; }
leaves() { q "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
              WHERE i.inhparent = (SELECT oid FROM pg_class WHERE relname =
                                   'fact_gene_expression_p' || (SELECT study_key FROM dim_study WHERE accession = '$1'))"; }

# the reference: one session (the small-study path)
gx load GSE1001 SRP2002; is "$rc" 0 "reference load through the main session"
ref=$(db_snapshot)

for n in 2 3 1; do
	q "DROP TABLE fact_gene_expression_p1, fact_gene_expression_p2" >/dev/null
	q "UPDATE dim_study SET input_fingerprint = NULL" >/dev/null
	streams $n
	gxs load --force GSE1001 SRP2002; is "$rc" 0 "load through $n range session(s)"
	is "$(db_snapshot)" "$ref" "$n range session(s): the same contents as one session"
	check_values "$n range session(s)"
	if [ $n -gt 1 ]; then
		is "$(leaves GSE1001)" "$n" "$n sessions: the partition has $n range partitions"
	else
		is "$(leaves GSE1001)" 0 "1 session: the partition is a plain table"
	fi
	is "$(q "SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'fact_gene_expression_p1%'
	         AND indexdef LIKE '%(gene_key, sample_key)%'")" "$([ $n -gt 1 ] && echo $((n + 1)) || echo 1)" \
	   "$n session(s): the primary key covers every range"
	is "$(leftovers)" 0 "$n session(s): no range table is left outside the partition"
done

# a partial reload into the range layout (GSM5002 is column 5)
streams 2
gxs load --force GSE1001; is "$rc" 0 "back to two ranges"
awk -F'\t' -v OFS='\t' 'NR > 1 { $5 = $5 + 1 } { print }' "$M" > "$T/m" && cp "$T/m" "$M"
gxs load GSE1001; is "$rc" 0 "one sample changed"
is "$(last_run GSE1001 | cut -d'|' -f1,3,4,5)" "succeeded|30|30|1" "partial reload into the ranges"
check_values "partial reload"
ref_check "the partial reload into the ranges" --config "$T/s.yaml"

# kill -9 at every point, the ones after the range sessions committed included
awk -F'\t' -v OFS='\t' 'NR > 1 { $3 = $3 + 1 } { print }' "$M" > "$T/m" && cp "$T/m" "$M"
for point in facts swap staged commit; do
	v=$(db_snapshot)
	GXLOAD_TEST_CRASH_AT=$point "$GXLOAD_BIN" --config "$T/s.yaml" --db "$DB" load --force GSE1001 > "$T/o" 2>&1
	is "$?" 137 "killed at '$point'"
	wait_no_sessions # the server has dropped the dead sessions, the range sessions too
	is "$(db_snapshot)" "$v" "killed at '$point': the database is as it was"
	if [ $point = staged ] || [ $point = commit ]; then
		is "$(leftovers)" 2 "killed at '$point': the committed range tables are left behind"
		is "$(q "SELECT count(*) FROM pg_inherits WHERE inhrelid IN (SELECT oid FROM pg_class
		         WHERE relname LIKE 'fact\_gene\_expression\_p%\_s%')")" 0 \
		   "killed at '$point': and are not part of the fact table"
	else
		is "$(leftovers)" 0 "killed at '$point': nothing was committed"
	fi
done
gxs load GSE1001; is "$rc" 0 "the next run succeeds"
is "$(leftovers)" 0 "and drops what the killed runs left"
check_values "after the kills"
ref_check "after the kills" --config "$T/s.yaml"

# SIGTERM while the range sessions load
v=$(db_snapshot)
BG_CONFIG="$T/s.yaml" bg_start run facts load --force GSE1001
bg_paused run; ok $? "SIGTERM: the run pauses while the range sessions load"
is "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
         AND application_name LIKE 'gxload.load/%.copy%'")" 2 "SIGTERM: two range sessions are open"
kill -TERM "$(bg_pid run)"
bg_wait run
is "$bg_rc" 143 "SIGTERM: exit 143"
is "$(db_snapshot)" "$v" "SIGTERM: the database is as it was"
is "$(leftovers)" 0 "SIGTERM: the range sessions rolled back"
is "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
         AND application_name LIKE 'gxload.load/%.copy%'")" 0 \
   "SIGTERM: no range session is left open (the run closed them before it exited)"

# a failing range session fails the run and leaves the old state: an event trigger
# refuses the CREATE TABLE of the second range's session
q "CREATE FUNCTION gx_no_range() RETURNS event_trigger LANGUAGE plpgsql AS \$\$
   BEGIN IF current_setting('application_name') LIKE '%.copy1' THEN
   RAISE EXCEPTION 'range session refused (test)'; END IF; END \$\$" >/dev/null
q "CREATE EVENT TRIGGER gx_no_range ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
   EXECUTE FUNCTION gx_no_range()" >/dev/null
v=$(db_snapshot)
gxs load --force GSE1001
is "$rc" 70 "a range session that fails fails the run (exit 70, like a failed statement)"
like "$out" "range session refused" "with the server's message"
is "$(db_snapshot)" "$v" "and the database is as it was"
is "$(leftovers)" 0 "and nothing is left behind"
q "DROP EVENT TRIGGER gx_no_range" >/dev/null
gxs load --force GSE1001; is "$rc" 0 "and the next run succeeds"
ref_check "at the end" --config "$T/s.yaml"
done_testing
