#!/bin/sh
# t0230-concurrency.sh - two runs of one study never interleave: the second exits 75
# (or waits with load.lock_timeout_s); different studies load side by side.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

gx migrate; is "$rc" 0 "migrate"

# a run that holds the study (paused inside its load transaction)
GXLOAD_TEST_PAUSE_AT=begin:4 "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" load GSE1001 \
	> "$T/first" 2>&1 &
first=$!
sleep 1
gx load GSE1001
is "$rc" 75 "a second run of the same study exits 75"
like "$out" "'GSE1001' is being loaded by another gxload process" "and says why"
wait $first; is $? 0 "the first run finishes"
like "$(cat "$T/first")" "GSE1001: succeeded" "the first run loaded the study"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE study_accession = 'GSE1001' AND status = 'succeeded'")" 1 "one successful run"

# with a lock timeout the second run waits, then finds the study loaded
touch "$DATA/GSE1001/x" # no effect on inputs; just a marker
GXLOAD_TEST_PAUSE_AT=begin:2 "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" load --force GSE1001 \
	> "$T/first" 2>&1 &
first=$!
sleep 0.5
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" --set load.lock_timeout_s=30 load GSE1001 > "$T/o" 2>&1
is $? 0 "with load.lock_timeout_s the second run waits for the first"
like "$(cat "$T/o")" "GSE1001: skipped" "and then has nothing to do"
wait $first; is $? 0 "the forced run succeeded"

# another host (another lock directory) is still kept out by the database lock
if [ "$BACKEND" = pg ]; then
	GXLOAD_TEST_PAUSE_AT=begin:4 "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" load --force GSE1001 \
		> "$T/first" 2>&1 &
	first=$!
	sleep 1
	"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" --set lock_dir="$T/otherhost" load --force GSE1001 > "$T/o" 2>&1
	is $? 75 "PostgreSQL advisory lock: a loader with another lock directory exits 75"
	like "$(cat "$T/o")" "PostgreSQL advisory lock is held" "and names the database lock"
	like "$(q "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE 'gxload.load/%'")" \
	     "^gxload\.load/[0-9]+$" "the loading session is named gxload.load/<run_id>"
	wait $first; is $? 0 "the first run finishes"
fi

# different studies at the same time both succeed
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" --set sqlite.busy_timeout_ms=30000 load SRP2002 > "$T/a" 2>&1 &
a=$!
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" --set sqlite.busy_timeout_ms=30000 load E-GEOD-3003 > "$T/b" 2>&1 &
b=$!
wait $a; sa=$?; wait $b; sb=$?
is "$sa$sb" "00" "two studies loaded concurrently both succeed"
is "$(q "SELECT count(*) FROM dim_study")" 3 "three studies loaded"

# many simultaneous runs of one study: one loads, the others exit 75 or skip; no overlap
gx load --force GSE1001
i=0; pids=""
while [ $i -lt 6 ]; do
	"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" --set sqlite.busy_timeout_ms=30000 load --force GSE1001 > "$T/r$i" 2>&1 &
	pids="$pids $!"; i=$((i + 1))
done
codes=""
for p in $pids; do wait "$p"; codes="$codes $?"; done
unlike "$codes" "[^ 075]" "simultaneous runs exit 0 or 75 only (got:$codes)"
like "$codes" " 0" "at least one of them loaded"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'running'")" 0 "no run left running"
is "$(q "SELECT count(*) FROM fact_gene_expression f JOIN dim_study s USING (study_key) WHERE s.accession = 'GSE1001'")" 150 "no duplicate facts"
done_testing
