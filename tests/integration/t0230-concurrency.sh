#!/bin/sh
# t0230-concurrency.sh - two runs of one study never interleave: the second exits 75, or
# waits with load.lock_timeout_s and exits 75 when it runs out; `verify` takes the same
# lock; a SQLite writer that waits past sqlite.busy_timeout_ms exits 75; among several
# accessions the exit code is the first failure's; different studies load side by side.
# Every wait is a handshake with a run paused at a test point (tests/lib/lib.sh bg_*).
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

gx migrate; is "$rc" 0 "migrate"
lockfile="$T/lock/GSE1001.lock"
runs() { q "SELECT count(*) FROM meta_etl_run"; }

# a run that holds the study (paused inside its load transaction)
bg_start first begin load GSE1001
bg_paused first; ok $? "the first run pauses inside its load transaction"
n=$(runs)
gx load GSE1001
is "$rc" 75 "a second run of the same study exits 75"
is "$out" "gxload: error: GSE1001: 'GSE1001' is being loaded by another gxload process (lock '$lockfile' is held)" \
   "and says why, naming the lock"
is "$(runs)" "$n" "and records no run: it never owned the study"
gx verify GSE1001
is "$rc" 75 "verify takes the study's lock too: exit 75"
is "$out" "gxload: error: 'GSE1001' is being loaded by another gxload process (lock '$lockfile' is held)" \
   "verify says why"
bg_release first; bg_wait first
is "$bg_rc" 0 "the first run finishes"
like "$bg_out" "^GSE1001: succeeded \(full\) 5 samples, 30 genes, 150 values \(log2\); 150 rows inserted, 0 deleted, 5 samples changed \[run 1, " \
     "the first run loaded the study"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE study_accession = 'GSE1001' AND status = 'succeeded'")" 1 "one successful run"

# with a lock timeout the second run waits until the first is done, then finds the
# study loaded by it
bg_start first begin load --force GSE1001
bg_paused first; ok $? "a forced run holds the study"
bg_start second lock_wait:0 --set load.lock_timeout_s=60 load GSE1001
bg_paused second; ok $? "with load.lock_timeout_s the second run waits for the lock"
[ ! -f "$T/second.rc" ]; ok $? "and is still waiting while the first is paused"
bg_release first; bg_wait first
is "$bg_rc" 0 "the forced run succeeded"
bg_wait second
is "$bg_rc" 0 "the waiting run then ends well"
like "$bg_out" "^GSE1001: skipped \(unchanged since the last load\) \[run 3, " \
     "it ran after the forced run (run 3 after run 2) and had nothing to do"
is "$(q "SELECT run_id || '|' || status FROM meta_etl_run WHERE run_id >= 2 ORDER BY run_id" | tr '\n' ' ')" \
   "2|succeeded 3|skipped " "the forced run finished before the waiting one started its run"

# the lock timeout runs out: exit 75 after waiting
bg_start first begin load --force GSE1001
bg_paused first; ok $? "a forced run holds the study again"
bg_start second lock_wait:0 --set load.lock_timeout_s=0.3 load GSE1001
bg_paused second; ok $? "a run with load.lock_timeout_s=0.3 waits"
bg_wait second
is "$bg_rc" 75 "and exits 75 when the timeout runs out"
is "$bg_out" "gxload: error: GSE1001: 'GSE1001' is being loaded by another gxload process (lock '$lockfile' is held)" \
   "saying why"
bg_start verify lock_wait:0 --set load.lock_timeout_s=60 verify GSE1001
bg_paused verify; ok $? "verify with load.lock_timeout_s waits for the lock"
bg_release first; bg_wait first; is "$bg_rc" 0 "the forced run succeeded"
bg_wait verify
is "$bg_rc" 0 "verify ran after the load and agrees"
like "$bg_out" "^GSE1001: all 5 samples agree" "verify's summary"

# the worst exit code among several accessions (65 bad input is worse than 75 busy,
# whatever the order); the others still run (paused before its load transaction: on
# SQLite the other studies' runs could not write)
bg_start first locked load --force GSE1001
bg_paused first; ok $? "GSE1001 is held by a paused run"
gx load GSE9999 GSE1001 SRP2002
is "$rc" 65 "unknown study (65), then a locked one (75): exit 65, the worst"
like "$out" "^SRP2002: succeeded \(full\) 3 samples, 40 genes, 120 values \(linear\)" "the study after them still loads"
is "$(printf '%s\n' "$out" | grep -c '^gxload: error:')" 2 "both failures are reported"
gx load GSE1001 GSE9999
is "$rc" 65 "a locked study (75), then an unknown one (65): exit 65, the worst"
like "$out" "^gxload: error: GSE9999: unknown accession 'GSE9999'" "the second is still tried"
bg_release first; bg_wait first; is "$bg_rc" 0 "the held run succeeds"

# another host (another lock directory) is still kept out by the database lock
if [ "$BACKEND" = pg ]; then
	bg_start first begin load --force GSE1001
	bg_paused first; ok $? "a run holds the study's PostgreSQL advisory lock"
	gx --set lock_dir="$T/otherhost" load --force GSE1001
	is "$rc" 75 "PostgreSQL advisory lock: a loader with another lock directory exits 75"
	is "$out" "gxload: error: GSE1001: 'GSE1001' is being loaded by another gxload session (PostgreSQL advisory lock is held)" \
	   "and names the database lock"
	is "$(q "SELECT application_name FROM pg_stat_activity WHERE datname = current_database()
	         AND application_name LIKE 'gxload.load/%'")" "gxload.load/$(q "SELECT max(run_id) FROM meta_etl_run")" \
	   "the loading session is named gxload.load/<run_id>"
	bg_start other lock_wait:0 --set lock_dir="$T/otherhost" --set load.lock_timeout_s=0.3 verify GSE1001
	bg_paused other; ok $? "with load.lock_timeout_s it waits on the advisory lock"
	bg_wait other
	is "$bg_rc" 75 "and exits 75 when the timeout runs out"
	bg_release first; bg_wait first; is "$bg_rc" 0 "the first run finishes"
fi

# SQLite: a writer waits for another study's load transaction up to sqlite.busy_timeout_ms
if [ "$BACKEND" = sqlite ]; then
	bg_start first begin load --force GSE1001
	bg_paused first; ok $? "a load transaction holds SQLite's write lock"
	n=$(runs)
	gx --set sqlite.busy_timeout_ms=200 load E-GEOD-3003
	is "$rc" 75 "a load of another study exits 75 when sqlite.busy_timeout_ms runs out"
	is "$out" "gxload: error: E-GEOD-3003: statement failed: database is locked (another writer held it past sqlite.busy_timeout_ms = 200)" \
	   "and says which limit ran out"
	is "$(runs)" "$n" "the refused run wrote nothing"
	bg_release first; bg_wait first; is "$bg_rc" 0 "the holding run finishes"
fi

# different studies at the same time both succeed
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" --set sqlite.busy_timeout_ms=30000 load --force SRP2002 > "$T/a" 2>&1 &
a=$!
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" --set sqlite.busy_timeout_ms=30000 load E-GEOD-3003 > "$T/b" 2>&1 &
b=$!
wait $a; sa=$?; wait $b; sb=$?
is "$sa$sb" "00" "two studies loaded concurrently both succeed"
is "$(q "SELECT count(*) FROM dim_study")" 3 "three studies loaded"
ref_check "after concurrent loads"

# many simultaneous runs of one study: each loads or exits 75; no overlap
n=$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'succeeded'")
i=0; pids=""
while [ $i -lt 6 ]; do
	"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" --set sqlite.busy_timeout_ms=30000 load --force GSE1001 > "$T/r$i" 2>&1 &
	pids="$pids $!"; i=$((i + 1))
done
zeros=0; others=""
for p in $pids; do
	wait "$p"; c=$?
	case $c in 0) zeros=$((zeros + 1)) ;; 75) ;; *) others="$others $c" ;; esac
done
is "$others" "" "simultaneous runs exit 0 or 75, nothing else"
[ "$zeros" -ge 1 ]; ok $? "at least one of them loaded ($zeros)"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'succeeded'")" "$((n + zeros))" \
   "one successful run row per run that exited 0"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'running'")" 0 "no run left running"
is "$(q "SELECT count(*) FROM fact_gene_expression f JOIN dim_study s USING (study_key) WHERE s.accession = 'GSE1001'")" 150 "no duplicate facts"
ref_check "after simultaneous runs"
done_testing
