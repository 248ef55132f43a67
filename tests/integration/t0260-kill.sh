#!/bin/sh
# t0260-kill.sh - a run killed (kill -9) at any point leaves the database as it was, the
# next run marks it aborted and converges to the same state as a clean run; SIGTERM and
# SIGINT roll back, mark the run aborted and exit 143 / 130.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

M="$DATA/GSE1001/GSE1001.tsv"
gx load GSE1001; is "$rc" 0 "initial load"
cp "$M" "$T/v1.tsv"
awk -F'\t' -v OFS='\t' 'NR > 1 { $3 = $3 + 1 } { print }' "$T/v1.tsv" > "$T/v2.tsv"
cp "$T/v2.tsv" "$M"
clean=""

for point in locked begin facts swap commit; do
	v1=$(db_snapshot)
	GXLOAD_TEST_CRASH_AT=$point "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" load GSE1001 > "$T/o" 2>&1
	st=$?
	is "$st" 137 "killed at '$point' (SIGKILL)"
	wait_no_sessions # PostgreSQL: its session (and advisory lock) is gone before the next run
	is "$(db_snapshot)" "$v1" "killed at '$point': the database is as it was"
	if [ $point = locked ]; then # before the run's row is written
		is "$(last_run GSE1001 | cut -d'|' -f1)" succeeded "killed at '$point': no run row yet"
	else
		is "$(last_run GSE1001 | cut -d'|' -f1)" running "killed at '$point': the run is left 'running'"
	fi
	if [ "$BACKEND" = sqlite ]; then
		is "$(q "PRAGMA integrity_check")" ok "killed at '$point': integrity_check ok"
	fi
done

gx load GSE1001; is "$rc" 0 "the next run succeeds"
like "$out" "^GSE1001: succeeded \(partial\) 5 samples, 30 genes, 150 values \(log2\); 30 rows inserted, 30 deleted, 1 samples changed \[run 6, " \
     "and rewrites the changed sample"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'aborted'")" 4 "the killed runs are marked aborted"
is "$(q "SELECT DISTINCT message FROM meta_etl_run WHERE status = 'aborted'")" \
   "the process ended before the run finished (killed or crashed); nothing of this run was committed" "with a reason"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'running'")" 0 "none is left running"
ref_check "after the kills, the next run"

# killed after the commit: the data is in, the next run has nothing to do
cp "$T/v1.tsv" "$M"
GXLOAD_TEST_CRASH_AT=committed "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" load GSE1001 > "$T/o" 2>&1
is $? 137 "killed right after the commit"
wait_no_sessions
is "$(last_run GSE1001 | cut -d'|' -f1)" succeeded "the committed run is recorded as succeeded"
gx load GSE1001; like "$out" "^GSE1001: skipped \(unchanged since the last load\)" "the next run skips"
ref_check "killed after the commit"

# SIGTERM and SIGINT while loading: rollback, run aborted, 143 / 130
cp "$T/v2.tsv" "$M"
for sig in TERM INT; do
	v=$(db_snapshot)
	bg_start run facts load GSE1001
	bg_paused run; ok $? "SIG$sig: the run pauses while it writes facts"
	kill -$sig "$(bg_pid run)"
	bg_wait run
	is "$bg_rc" "$([ $sig = TERM ] && echo 143 || echo 130)" "SIG$sig: exit $([ $sig = TERM ] && echo 143 || echo 130)"
	is "$bg_out" "gxload: error: GSE1001: interrupted by SIG$sig" "SIG$sig: says it was interrupted"
	is "$(last_run GSE1001 | cut -d'|' -f1,2)" "aborted|5003" "SIG$sig: the run is aborted with code 5003"
	is "$(db_snapshot)" "$v" "SIG$sig: the database is as it was"
done
gx load GSE1001; is "$rc" 0 "a run after the interruptions succeeds"
ref_check "after the interruptions"
done_testing
