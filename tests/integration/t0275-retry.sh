#!/bin/sh
# t0275-retry.sh - transient PostgreSQL errors are retried (issue 15).  The loading
# session is terminated (pg_terminate_backend: SQLSTATE 57P01) while the run is paused at
# each of several points: the run is recorded as failed with 4003 and the SQLSTATE, a
# new attempt starts from the beginning on a new session (it pauses at the point again:
# the handshake shows the retry) and succeeds, the database equals a clean load and
# verify agrees.  A deadlock (40P01) is retried the same way; retries spent exit 75; a
# non-transient error (a CHECK violation) is never retried; a server that refuses the
# connection is tried again, then exit 69.
# backends: pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

# no wait between attempts in the tests (postgresql.retry_max_s caps each wait)
cat >> "$T/gxload.yaml" <<'EOC'
postgresql:
  retries: 4
  retry_max_s: 0
EOC
M="$DATA/GSE1001/GSE1001.tsv"
gx load GSE1001; is "$rc" 0 "initial load"
awk -F'\t' -v OFS='\t' 'NR > 1 { $2 = $2 * 3 } { print }' "$M" > "$T/m" && cp "$T/m" "$M"

terminate() { # the main session of the paused load (its name has no run id before its row)
	q "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	   WHERE datname = current_database() AND application_name LIKE 'gxload.load%') t"
}
runs_after() { # RUN_ID: the runs after it, "status|code|sqlstate|attempt" per line
	q "SELECT status || '|' || COALESCE(CAST(error_code AS text), '') || '|' ||
	          COALESCE(sqlstate, '') || '|' || attempt
	   FROM meta_etl_run WHERE run_id > $1 ORDER BY run_id" | tr '\n' ' '
}
last_id() { q "SELECT COALESCE(max(run_id), 0) FROM meta_etl_run"; }

for point in locked begin facts swap commit; do
	before=$(last_id)
	bg_start run "$point" load --force GSE1001
	bg_paused run; ok $? "$point: the run pauses there"
	is "$(terminate)" 1 "$point: its session is terminated"
	bg_release run
	bg_paused run; ok $? "$point: a new attempt runs and reaches $point again"
	is "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
	         AND application_name LIKE 'gxload.load%'")" 1 "$point: on a new session"
	bg_release run; bg_wait run
	is "$bg_rc" 0 "$point: the retried load succeeds (exit 0)"
	like "$bg_out" "^gxload: warning: GSE1001: attempt 1 of 5 failed \(SQLSTATE 57P01\), retrying in 0\.0 s: .*terminating connection due to administrator command" \
	     "$point: a warning says which attempt failed, why, and that another follows"
	unlike "$bg_out" "gxload: error:|WARNING" \
	       "$point: no error is printed for a load that succeeded (nor a server warning: the lost lock is not released on the new session)"
	if [ "$point" = locked ]; then
		# lost before its run row: nothing to record; the attempt that ran has number 2
		is "$(runs_after "$before")" "succeeded|||2 " "$point: one run, attempt 2, succeeded"
	else
		is "$(runs_after "$before")" "failed|4003|57P01|1 succeeded|||2 " \
		   "$point: the lost attempt is recorded failed (4003, 57P01), the next succeeded"
		is "$(q "SELECT level || '|' || step || '|' || error_code || '|' || sqlstate
		         FROM meta_etl_process_log WHERE run_id = $((before + 1))
		         AND sqlstate IS NOT NULL ORDER BY log_id")" "warning|retry|4003|57P01" \
		   "$point: the failed attempt's process log row has its SQLSTATE"
	fi
	ref_check "$point: the retried load equals a clean one"
	gx verify GSE1001; is "$rc" 0 "$point: verify agrees"
	wait_no_sessions
done
is "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'running'")" 0 "no run is left running"

# lost after the commit: nothing to retry; the run's log goes through a new session
before=$(last_id)
bg_start run committed -v load --force GSE1001
bg_paused run; ok $? "committed: the run pauses after its commit"
is "$(terminate)" 1 "committed: its session is terminated"
bg_release run; bg_wait run
is "$bg_rc" 0 "committed: the run succeeded (exit 0)"
is "$(runs_after "$before")" "succeeded|||1 " "committed: one run, not retried"
ok $([ "$(q "SELECT count(*) FROM meta_etl_process_log WHERE run_id = $((before + 1))")" -gt 0 ] && echo 0 || echo 1) \
   "committed: its log rows are written through a new session"
ref_check "committed: the database equals a clean load"
wait_no_sessions

# ---- a deadlock (40P01): the run is the victim, rolls back, and starts again ----
# a second session holds meta_source_file (which the run writes after the swap) and waits
# for the run's study lock: the run's deadlock check (1 s) breaks the cycle
before=$(last_id)
# (load.lock_timeout_s: the new attempt waits for the other session to let go of the lock)
bg_start run swap --set load.lock_timeout_s=60 load --force GSE1001
bg_paused run; ok $? "deadlock: the run pauses before the swap"
( "$PSQL" -X -q -v ON_ERROR_STOP=1 "$DB" > "$T/locker.out" 2>&1 <<'EOSQL'
BEGIN;
SET deadlock_timeout = '600s';
LOCK TABLE meta_source_file IN ACCESS EXCLUSIVE MODE;
SELECT pg_advisory_xact_lock(hashtext('gxload'), hashtext('GSE1001'));
COMMIT;
EOSQL
  echo $? > "$T/locker.rc" ) &
locker=$!
i=0 # until the second session waits for the study lock (an event, not a time)
while [ "$(q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")" != 1 ] &&
      [ $i -lt 3000 ]; do sleep 0.02; i=$((i + 1)); done
ok $((i >= 3000)) "deadlock: the other session waits for the study's lock"
bg_release run
bg_paused run; ok $? "deadlock: a new attempt reaches the swap again"
wait $locker; is "$(cat "$T/locker.rc")" 0 "deadlock: the other session got the lock and committed"
bg_release run; bg_wait run
is "$bg_rc" 0 "deadlock: the retried load succeeds"
like "$bg_out" "attempt 1 of 5 failed \(SQLSTATE 40P01\)" "deadlock: retried for its SQLSTATE (40P01)"
is "$(runs_after "$before")" "failed|4004|40P01|1 succeeded|||2 " "deadlock: recorded failed (4004, 40P01), then succeeded"
ref_check "deadlock: the retried load equals a clean one"
wait_no_sessions

# ---- retries spent: exit 75, every attempt recorded ----
before=$(last_id)
snap=$(db_snapshot)
bg_start run begin --set postgresql.retries=2 load --force GSE1001
for a in 1 2 3; do
	bg_paused run; ok $? "spent: attempt $a pauses"
	is "$(terminate)" 1 "spent: attempt $a's session is terminated"
	bg_release run
done
bg_wait run
is "$bg_rc" 75 "spent: exit 75 once the retries are spent"
is "$(printf '%s\n' "$bg_out" | grep -c '^gxload: warning: GSE1001: attempt [12] of 3 failed (SQLSTATE 57P01)')" 2 \
   "spent: two warnings, one per retried attempt"
like "$bg_out" "^gxload: error: GSE1001: .*terminating connection due to administrator command" \
     "spent: then the error"
is "$(runs_after "$before")" "failed|4003|57P01|1 failed|4003|57P01|2 failed|4003|57P01|3 " \
   "spent: three runs, each failed with 4003 and 57P01, numbered"
is "$(db_snapshot)" "$snap" "spent: nothing of them is visible"
wait_no_sessions

# ---- a non-transient error is never retried ----
before=$(last_id)
bg_start run locked load --force GSE1001
bg_paused run; ok $? "final: the run pauses after its lock"
q "ALTER TABLE dim_study ADD CONSTRAINT t0275_no CHECK (accession <> 'GSE1001') NOT VALID" > /dev/null
bg_release run; bg_wait run
is "$bg_rc" 70 "final: a CHECK violation (23514) fails the run at once (exit 70)"
unlike "$bg_out" "retrying" "final: no retry"
is "$(runs_after "$before")" "failed|4002|23514|1 " "final: one run, failed with 23514"
q "ALTER TABLE dim_study DROP CONSTRAINT t0275_no" > /dev/null
wait_no_sessions

# ---- a server that refuses the connection: tried again, then 69 ----
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "postgresql://nobody@127.0.0.1:1/x?connect_timeout=2" \
	--set postgresql.retries=2 load GSE1001 > "$T/o" 2>&1
is "$?" 69 "refused: exit 69 (unavailable) after the retries"
is "$(grep -c 'attempt [12] of 3 failed (SQLSTATE 08001)' "$T/o")" 2 "refused: two more attempts, each said"
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "postgresql://nobody@127.0.0.1:1/x?connect_timeout=2" \
	-q --set postgresql.retries=2 load GSE1001 > "$T/o" 2>&1
is "$(grep -c 'warning' "$T/o")" 0 "refused: -q keeps the retries quiet, only the error shows"
done_testing
