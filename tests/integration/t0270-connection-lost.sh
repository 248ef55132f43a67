#!/bin/sh
# t0270-connection-lost.sh - the PostgreSQL session of a load is terminated mid-COPY
# (pg_terminate_backend, found by its application name): the run exits 75, nothing is
# visible, and the next run converges.
# backends: pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

M="$DATA/GSE1001/GSE1001.tsv"
gx load GSE1001; is "$rc" 0 "initial load"
before=$(db_snapshot)
awk -F'\t' -v OFS='\t' 'NR > 1 { $2 = $2 * 3 } { print }' "$M" > "$T/m" && cp "$T/m" "$M"

for point in facts swap commit; do
	GXLOAD_TEST_PAUSE_AT=$point:3 "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" load --force GSE1001 > "$T/o" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 50 ]; do
		n=$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'gxload.load/%'")
		[ "$n" -gt 0 ] && break
		sleep 0.1; i=$((i + 1))
	done
	is "$(q "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	         WHERE application_name LIKE 'gxload.load/%') t")" 1 "$point: the loading session is found by name and terminated"
	wait $pid; st=$? # the pause ends; the run then meets the dead connection
	is "$st" 75 "$point: the run fails as retryable (exit 75)"
	like "$(cat "$T/o")" "server closed the connection|terminating connection|connection" "$point: and says the connection was lost"
	is "$(db_snapshot)" "$before" "$point: nothing of the run is visible"
done
gx load GSE1001; is "$rc" 0 "the next run succeeds"
like "$out" "succeeded" "and loads the changed matrix"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'running'")" 0 "no run is left running"
done_testing
