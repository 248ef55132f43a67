#!/bin/sh
# t0270-connection-lost.sh - the PostgreSQL session of a load is terminated while the run
# is paused at a point of its load transaction (pg_terminate_backend, found by its
# application name), with retries off (postgresql.retries 0; t0275 retries): the run
# exits 75 with the server's reason, is recorded as failed (4003, SQLSTATE 57P01) on a
# new session, nothing is visible, and the next run converges to a clean load.
# backends: pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

printf 'postgresql:\n  retries: 0\n' >> "$T/gxload.yaml"
M="$DATA/GSE1001/GSE1001.tsv"
gx load GSE1001; is "$rc" 0 "initial load"
before=$(db_snapshot)
awk -F'\t' -v OFS='\t' 'NR > 1 { $2 = $2 * 3 } { print }' "$M" > "$T/m" && cp "$T/m" "$M"

for point in facts swap commit; do
	bg_start run "$point" load --force GSE1001
	bg_paused run; ok $? "$point: the run pauses there"
	is "$(q "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	         WHERE datname = current_database() AND application_name LIKE 'gxload.load/%') t")" 1 \
	   "$point: the loading session is found by name and terminated"
	bg_release run; bg_wait run # the run then meets the dead connection
	is "$bg_rc" 75 "$point: the run fails as retryable (exit 75)"
	printf '%s\n' "$bg_out" > "$T/msg.$point"
	is "$(q "SELECT status || '|' || error_code || '|' || sqlstate FROM meta_etl_run
	         ORDER BY run_id DESC LIMIT 1")" "failed|4003|57P01" \
	   "$point: its run is recorded failed with 4003 and the SQLSTATE (on a new session)"
	is "$(db_snapshot)" "$before" "$point: nothing of the run is visible"
	wait_no_sessions
done
# the first error line, then libpq's own lines about the lost server
lost="FATAL:  terminating connection due to administrator command"
is "$(grep '^gxload: error:' "$T/msg.facts")" \
   "gxload: error: GSE1001: cannot swap in the new partition of study 1: cannot start COPY: $lost" \
   "facts: the error names the step and the server's reason"
is "$(grep '^gxload: error:' "$T/msg.swap")" \
   "gxload: error: GSE1001: cannot swap in the new partition of study 1: cannot start COPY: $lost" \
   "swap: the error names the step and the server's reason"
is "$(grep '^gxload: error:' "$T/msg.commit")" "gxload: error: GSE1001: statement failed: $lost" \
   "commit: the error gives the server's reason"
for point in facts swap commit; do
	is "$(grep -A1 "^gxload: error:" "$T/msg.$point" | sed -n 2p)" "server closed the connection unexpectedly" \
	   "$point: and libpq's word that the connection is gone"
done
gx load GSE1001; is "$rc" 0 "the next run succeeds"
like "$out" "^GSE1001: succeeded \(partial\) 5 samples, 30 genes, 150 values \(log2\); 30 rows inserted, 30 deleted, 1 samples changed \[run 5, " \
     "and rewrites the changed sample"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'running'")" 0 "no run is left running"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'failed' AND error_code = 4003")" 3 "the three lost runs are recorded failed"
ref_check "after the lost connections"
done_testing
