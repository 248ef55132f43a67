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
cfg a lock_a 0; cfg b lock_b 0; cfg w lock_b 30
run() { # CFG ARGS...: status in $rc, output in $T/out.CFG
	c=$1; shift
	"$GXLOAD_BIN" --config "$T/$c.yaml" --db "$DB" "$@" > "$T/out.$c" 2>&1; rc=$?
}
ready() { # wait until the first run holds its lock (its lock_dir file exists)
	i=0; while [ ! -e "$T/lock_a/GSE1001.lock" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
}

# the reference: a clean load into its own database
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "sqlite:$T/ref.db" load GSE1001 > "$T/o" 2>&1
is $? 0 "reference load"
ref=$(DB="sqlite:$T/ref.db"; q() { sqlite3 -batch -noheader -separator '|' "$T/ref.db" "$1"; }; db_snapshot)

# 1. the second run gives up at once (lock_timeout_s 0): exit 75, names the lock
GXLOAD_TEST_PAUSE_AT=planned:3 "$GXLOAD_BIN" --config "$T/a.yaml" --db "$DB" load GSE1001 \
	> "$T/out.first" 2>&1 &
pid=$!
ready
run b load GSE1001
is "$rc" 75 "a second run with another lock_dir: exit 75 while the first holds the study"
like "$(cat "$T/out.b")" "'GSE1001' is being loaded by another gxload process \(lock in '.*gx.db-gxlock'\)" \
     "it names the lock beside the database"
wait $pid; is $? 0 "the first run succeeds"
is "$(db_snapshot)" "$ref" "the database equals a clean load"

# 2. the second run waits (lock_timeout_s 30), then finds nothing to do
rm -f "$T/lock_a/GSE1001.lock"
GXLOAD_TEST_PAUSE_AT=planned:2 "$GXLOAD_BIN" --config "$T/a.yaml" --db "$DB" load --force GSE1001 \
	> "$T/out.first" 2>&1 &
pid=$!
ready
run w load GSE1001
is "$rc" 0 "a second run that waits: exit 0"
like "$(cat "$T/out.w")" "^GSE1001: skipped \(unchanged since the last load\)" \
     "after the first, it plans from the first's result: skipped"
wait $pid; is $? 0 "the first run succeeds"
is "$(db_snapshot)" "$ref" "the database equals a clean load"
is "$(q "SELECT count(*) FROM fact_gene_expression f LEFT JOIN dim_sample s USING (sample_key)
        WHERE s.sample_key IS NULL")" 0 "no fact without its sample"
run a verify GSE1001; is "$rc" 0 "verify passes"
done_testing
