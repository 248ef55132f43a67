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

sleep 0.2 # let the server notice the killed session
gx load GSE1001; is "$rc" 0 "the next run succeeds"
like "$out" "succeeded \(partial\)" "and rewrites the changed sample"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'aborted'")" 4 "the killed runs are marked aborted"
like "$(q "SELECT message FROM meta_etl_run WHERE status = 'aborted' LIMIT 1")" "ended before the run finished" \
     "with a reason"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'running'")" 0 "none is left running"
converged=$(db_snapshot)
gx load --force GSE1001
is "$(db_snapshot)" "$converged" "the state equals a clean reload"

# killed after the commit: the data is in, the next run has nothing to do
cp "$T/v1.tsv" "$M"
GXLOAD_TEST_CRASH_AT=committed "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" load GSE1001 > "$T/o" 2>&1
is $? 137 "killed right after the commit"
is "$(last_run GSE1001 | cut -d'|' -f1)" succeeded "the committed run is recorded as succeeded"
gx load GSE1001; like "$out" "skipped" "the next run skips"

# SIGTERM and SIGINT while loading: rollback, run aborted, 143 / 130
cp "$T/v2.tsv" "$M"
for sig in TERM INT; do
	v=$(db_snapshot)
	GXLOAD_TEST_PAUSE_AT=facts:10 "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" load GSE1001 > "$T/o" 2>&1 &
	pid=$!
	sleep 1
	kill -$sig $pid
	wait $pid; st=$?
	is "$st" "$([ $sig = TERM ] && echo 143 || echo 130)" "SIG$sig: exit $([ $sig = TERM ] && echo 143 || echo 130)"
	like "$(cat "$T/o")" "interrupted by SIG$sig" "SIG$sig: says it was interrupted"
	is "$(last_run GSE1001 | cut -d'|' -f1,2)" "aborted|5003" "SIG$sig: the run is aborted with code 5003"
	is "$(db_snapshot)" "$v" "SIG$sig: the database is as it was"
done
gx load GSE1001; is "$rc" 0 "a run after the interruptions succeeds"
done_testing
