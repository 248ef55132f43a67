#!/bin/sh
# t0231-sqlite-one-writer.sh - two loads of one study on one SQLite file take turns even
# when their lock_dir settings differ: the study lock lives beside the database, so the
# second run waits (or, past load.lock_timeout_s, exits 75) instead of planning from the
# state the first is about to replace.  The result equals a clean load; verify passes.
# backends: sqlite
. "$GXLOAD_TOP/tests/lib/lib.sh"

cfg() { # NAME LOCKDIR TIMEOUT
	printf 'data_root: data\nlock_dir: %s\nload:\n  lock_timeout_s: %s\nlog:\n  level: warning\n' \
		"$2" "$3" > "$T/$1.yaml"
}
cfg a lock_a 0; cfg b lock_b 0; cfg w lock_b 60

# 1. while the first run holds the study between planning and writing, a second run
#    with another lock_dir gives up at once (lock_timeout_s 0): exit 75, names the lock
BG_CONFIG="$T/a.yaml" bg_start first planned load GSE1001
bg_paused first; ok $? "the first run paused after planning"
"$GXLOAD_BIN" --config "$T/b.yaml" --db "$DB" load GSE1001 > "$T/out.b" 2>&1
is "$?" 75 "a second run with another lock_dir: exit 75 while the first holds the study"
is "$(cat "$T/out.b")" "gxload: error: GSE1001: 'GSE1001' is being loaded by another gxload process (lock in '$T/gx.db-gxlock')" \
   "it names the lock beside the database"
bg_release first; bg_wait first; is "$bg_rc" 0 "the first run succeeds"
ref_check "after the first run"

# 2. a second run that may wait (lock_timeout_s 60) waits, then plans from the first's
#    result: skipped
BG_CONFIG="$T/a.yaml" bg_start first planned load --force GSE1001
bg_paused first; ok $? "the first run paused after planning"
BG_CONFIG="$T/w.yaml" bg_start waiter lock_wait:0 load GSE1001
bg_paused waiter; ok $? "a second run with another lock_dir waits for the study"
bg_release waiter
bg_release first; bg_wait first; is "$bg_rc" 0 "the first run succeeds"
bg_wait waiter; is "$bg_rc" 0 "the waiting run: exit 0"
like "$bg_out" "^GSE1001: skipped \(unchanged since the last load\) \[run [0-9]+, [0-9.]+ s\]$" \
     "after the first, it plans from the first's result: skipped"
ref_check "after both"
is "$(q "SELECT count(*) FROM fact_gene_expression f LEFT JOIN dim_sample s USING (sample_key)
        WHERE s.sample_key IS NULL")" 0 "no fact without its sample"
gx verify GSE1001; is "$rc" 0 "verify passes"
done_testing
