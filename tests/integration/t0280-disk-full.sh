#!/bin/sh
# t0280-disk-full.sh - a disk that fills up or fails a write at any moment of a run on
# SQLite: an LD_PRELOAD shim (tests/shim/failwrite.c) makes the Nth write, fsync or
# truncate of the database's files fail with ENOSPC (and every one after it: the disk
# stays full) or once with EIO, for every N up to the run's last write.  After each: the
# database passes integrity_check and the run exited 74 with exactly the old study, or
# 74 with the new one when the failure hit the run's log after its commit (which it
# says), or 0 with the new study and its log when only SQLite's checkpoint at close
# failed (the WAL holds the commit); and a plain re-run converges to a clean load.
# backends: sqlite
. "$GXLOAD_TOP/tests/lib/lib.sh"

SHIM="$GXLOAD_TOOLS/libfailwrite.so"
[ -f "$SHIM" ] || { echo "not ok 1 - the shim is built ($SHIM)"; echo "1..1"; exit 1; }
# a sanitizer build wants its runtime first; the shim only wraps libc's write calls
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
M="$DATA/GSE1001/GSE1001.tsv"

# the user-visible contents (as lib.sh's db_snapshot) in one sqlite3 call; "empty" for no
# file or an empty one
cat > "$T/snap.sql" <<'EOSQL'
SELECT study_key, accession, n_samples, n_values, input_fingerprint FROM dim_study ORDER BY 1;
SELECT sample_key, study_key, accession, value_digest, n_values, content_hash, n_missing,
       n_negative, printf('%!.17g', value_min), printf('%!.17g', value_max) FROM dim_sample ORDER BY 1;
SELECT gene_key, gene_id FROM dim_gene ORDER BY 1;
SELECT study_key, sample_key, gene_key, printf('%!.17g', value), printf('%!.17g', log2_value)
  FROM fact_gene_expression ORDER BY 1, 2, 3;
SELECT study_key, illness_key, gene_key, n, round(mean, 9), round(stddev, 9), printf('%!.17g', min),
       printf('%!.17g', max), candidate_rank FROM fact_cohort_gene_stats ORDER BY 1, 2, 3;
EOSQL
snap_of() { # FILE
	[ -s "$1" ] || { echo empty; return; }
	sqlite3 -batch -noheader -separator '|' "$1" < "$T/snap.sql" 2>&1 | cksum
}
ref_load() { # FILE: a clean load of the data as it is now into FILE
	rm -f "$1"*
	"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "sqlite:$1" load GSE1001 > /dev/null 2>&1
}
shimmed() { # N ERRNO STICKY ARGS...: one run with the Nth write failing
	n=$1 e=$2 st=$3; shift 3
	GXFAIL_AT=$n GXFAIL_ERRNO=$e GXFAIL_STICKY=$st GXFAIL_PATH="$T/gx.db" \
	GXFAIL_COUNT="$T/count" LD_PRELOAD="$SHIM" \
		"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" "$@" > "$T/out" 2>&1
	rc=$?
}
db_ok() { [ ! -s "$T/gx.db" ] || [ "$(sqlite3 "$T/gx.db" 'PRAGMA integrity_check')" = ok ]; }

loop() { # NAME ERRNO STICKY OLD NEW PREP: every N; OLD/NEW snapshots, PREP restores the db
	name=$1 e=$2 st=$3 old=$4 new=$5 prep=$6
	$prep; shimmed 0 "$e" 0 load GSE1001; total=$(cat "$T/count")
	bad=0 n=1 committed=0 closed=0
	while [ $n -le "$total" ]; do
		$prep
		shimmed $n "$e" "$st" load GSE1001
		if ! db_ok; then bad=$((bad + 1)); diag "$name N=$n: integrity_check fails"; fi
		s=$(snap_of "$T/gx.db")
		if [ "$rc" -eq 0 ]; then
			# the failure hit SQLite's checkpoint as the connection closed: the commit
			# and the run's log are in the WAL already, and the run succeeded whole
			closed=$((closed + 1))
			[ "$s" = "$new" ] && [ "$(q "SELECT count(*) FROM meta_etl_process_log l JOIN
			    meta_etl_run r USING (run_id) WHERE r.status = 'succeeded' AND r.run_id =
			    (SELECT max(run_id) FROM meta_etl_run)" | awk '{print ($1 > 0)}')" = 1 ] || {
				bad=$((bad + 1)); diag "$name N=$n: exit 0 without the new study and its log"; }
		elif [ "$rc" -ne 74 ]; then
			bad=$((bad + 1)); diag "$name N=$n: exit $rc: $(head -c 300 "$T/out")"
		elif [ "$s" = "$new" ]; then
			committed=$((committed + 1))
			grep -q "the run committed, but its log could not be written" "$T/out" || {
				bad=$((bad + 1)); diag "$name N=$n: new data, but the failure was not about the log"; }
		elif [ "$s" != "$old" ] && ! { [ "$old" = none ] && no_study; }; then
			bad=$((bad + 1)); diag "$name N=$n: exit 74, the database is neither the old study nor the new"
		fi
		# a plain re-run converges (every third N: the run itself is the same each time)
		[ $((n % 3)) -eq 0 ] || { n=$((n + 1)); continue; }
		gx load GSE1001
		if [ "$rc" -ne 0 ] || [ "$(snap_of "$T/gx.db")" != "$new" ]; then
			bad=$((bad + 1)); diag "$name N=$n: the re-run gives exit $rc or other contents"
		fi
		if [ "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'running'")" != 0 ]; then
			bad=$((bad + 1)); diag "$name N=$n: a run is left running after the re-run"
		fi
		n=$((n + 1))
	done
	is "$bad" 0 "$name: each of $total writes failing ($committed in the log after the commit, $closed at close)"
}

# 1. a first load into a new database
ref_load "$T/ref.db"; new=$(snap_of "$T/ref.db")
fresh() { rm -f "$T/gx.db" "$T/gx.db-wal" "$T/gx.db-shm"; }
# before: no study (no file, an empty one, or some or all of the migrations committed,
# each in its own transaction, and no row of the study)
no_study() {
	[ "$(sqlite3 "$T/gx.db" "SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'dim_study')
	     AND ((SELECT count(*) FROM dim_study) + (SELECT count(*) FROM fact_gene_expression)) > 0" \
	     2>/dev/null || echo 0)" = 0 ]
}
loop "first load, ENOSPC" ENOSPC 1 none "$new" fresh

# 2. a partial reload after one value changed, on a loaded database
fresh; gx load GSE1001; cp "$T/gx.db" "$T/loaded.db"; old=$(snap_of "$T/gx.db")
cp "$M" "$T/m.orig"
awk -F'\t' 'BEGIN { OFS = "\t" } NR == 3 { $2 = "1.25" } { print }' "$T/m.orig" > "$M"
ref_load "$T/ref2.db"; new2=$(snap_of "$T/ref2.db")
restore() { rm -f "$T/gx.db-wal" "$T/gx.db-shm"; cp "$T/loaded.db" "$T/gx.db"; }
loop "partial reload, ENOSPC" ENOSPC 1 "$old" "$new2" restore
loop "partial reload, one EIO" EIO 0 "$old" "$new2" restore
done_testing
