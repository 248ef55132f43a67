#!/bin/sh
# t0905-shards-faults.sh - faults in a sharded load (issue 18): kill -9 of the loader at
# every point (before the shard's tables commit, after, before and after the
# coordinator's commit), termination of the shard's COPY sessions, a shard that is
# down.  Each leaves the coordinator as it was (or, after its commit, as the new load
# made it): never half a study, and every read through the coordinator still works;
# the next run converges to a clean load and leaves no table behind on the shard.
# backends: pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

shards_start 2; ok $? "two shard servers started"
M="$DATA/GSE1001/GSE1001.tsv"
cat > "$T/sh.yaml" <<EOC
data_root: data
lock_dir: lock
log:
  level: warning
postgresql:
  copy_streams: 2
  retries: 0
shards:
  servers: ['a:$SHARD_1', 'b:$SHARD_2']
  placement: ['GSE1001:b', 'SRP2002:a', 'E-GEOD-3003:a']
EOC
gxs() { "$GXLOAD_BIN" --config "$T/sh.yaml" --db "$DB" "$@" >"$T/out" 2>&1; rc=$?; out=$(cat "$T/out"); }
key() { q "SELECT study_key FROM dim_study WHERE accession = '$1'"; }
on_shard() { # I: the gxload tables on shard I
	qshard "$1" "SELECT count(*) FROM pg_class WHERE relkind = 'r'
	             AND relname ~ '^fact_gene_expression_p[0-9]+_r[0-9]+_s[0-9]+$'"; }
attached() { # the shard tables the coordinator's foreign tables read
	q "SELECT count(*) FROM pg_foreign_table"; }
shard_sessions() { # I: gxload sessions on shard I
	qshard "$1" "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'gxload%'"; }
wait_shard_sessions() { # I
	_w=0
	while [ "$(shard_sessions "$1")" != 0 ] && [ $_w -lt 1500 ]; do sleep 0.02; _w=$((_w + 1)); done
}

# two first loads at once: both would make the foreign servers (and postgres_fdw); the
# second waits for the first's commit (on its dimension rows or on the set-up lock) and
# then uses them
BG_CONFIG="$T/sh.yaml" bg_start first staged load GSE1001
bg_paused first; ok $? "a first load pauses with the foreign servers made in its transaction"
( "$GXLOAD_BIN" --config "$T/sh.yaml" --db "$DB" load SRP2002 E-GEOD-3003 > "$T/second.out" 2>&1
  echo $? > "$T/second.rc" ) &
second=$!
w=0
while [ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE a.datname = current_database() AND NOT l.granted")" = 0 ] &&
      [ ! -f "$T/second.rc" ] && [ $w -lt 3000 ]; do sleep 0.02; w=$((w + 1)); done
[ ! -f "$T/second.rc" ]; ok $? "a second first load waits for it"
bg_release first; bg_wait first; is "$bg_rc" 0 "the first load succeeds"
wait "$second"; is "$(cat "$T/second.rc")" 0 "and so does the second"
[ "$(cat "$T/second.rc")" = 0 ] || diag "$(cat "$T/second.out")"
gxs load GSE1001 SRP2002 E-GEOD-3003; is "$rc" 0 "a first sharded load of three studies (done)"
is "$(on_shard 2)" 2 "GSE1001's two range tables on b"
is "$(attached)" 6 "and the coordinator reads six foreign tables"

# 1. kill -9 at every point of a load that changes the values
awk 'BEGIN { FS = OFS = "\t" } NR > 1 { $3 = $3 + 1 } { print }' "$M" > "$T/m" && cat "$T/m" > "$M"
for point in facts swap staged commit committed; do
	v=$(db_snapshot)
	GXLOAD_TEST_CRASH_AT=$point "$GXLOAD_BIN" --config "$T/sh.yaml" --db "$DB" load GSE1001 > "$T/o" 2>&1
	is "$?" 137 "killed at '$point'"
	wait_no_sessions; wait_shard_sessions 2
	if [ $point = committed ]; then
		isnt_v=$(db_snapshot)
		[ "$isnt_v" != "$v" ]; ok $? "killed at '$point': the new load is what the coordinator shows"
		ref_check "killed at '$point'" --cache new
		is "$(on_shard 2)" 4 "killed at '$point': the replaced load's tables are still on the shard"
	else
		is "$(db_snapshot)" "$v" "killed at '$point': the coordinator is as it was"
		case $point in
		staged|commit) is "$(on_shard 2)" 4 "killed at '$point': the run's committed tables are on the shard" ;;
		*) is "$(on_shard 2)" 2 "killed at '$point': nothing was committed on the shard" ;;
		esac
	fi
	is "$(attached)" 6 "killed at '$point': the coordinator reads six foreign tables"
	# the next run of any study sweeps what the killed one left on the shard
	gxs load SRP2002; is "$rc" 0 "killed at '$point': a run of another study"
	is "$(on_shard 2)" 2 "killed at '$point': swept what no study refers to"
done
gxs load GSE1001; is "$rc" 0 "the next run of GSE1001 succeeds"
is "$(on_shard 2)" 2 "and leaves two tables on the shard"
ref_check "after the kills" --cache new

# a run whose tables are committed on the shard but not yet attached keeps them while
# another run sweeps (verify takes a study's lock, hence sweeps, and waits for no row
# the paused run holds)
awk 'BEGIN { FS = OFS = "\t" } NR > 1 { $2 = $2 + 1 } { print }' "$M" > "$T/m" && cat "$T/m" > "$M"
BG_CONFIG="$T/sh.yaml" bg_start st staged load GSE1001
bg_paused st; ok $? "a run pauses with its tables committed on the shard"
is "$(on_shard 2)" 4 "they are there, next to the attached ones"
gxs verify SRP2002; is "$rc" 0 "meanwhile another run sweeps"
is "$(on_shard 2)" 4 "the paused run's tables were left alone"
bg_release st; bg_wait st
is "$bg_rc" 0 "the paused run goes on and succeeds"
is "$(on_shard 2)" 2 "and drops the tables it replaced"
ref_check "after a sweep during a run"

# a sweep that listed a shard's tables before another run published new ones: it reads
# what the coordinator refers to only once it holds the study's staging lock, so it
# keeps them (the run that published them has let go of the lock by then)
BG_CONFIG="$T/sh.yaml" bg_start pub staged load --force E-GEOD-3003
bg_paused pub; ok $? "a run of E-GEOD-3003 pauses with its new tables committed on shard a"
BG_CONFIG="$T/sh.yaml" bg_start sw sweep verify SRP2002
bg_paused sw; ok $? "a sweep of shard a pauses after listing them"
bg_release pub; bg_wait pub; is "$bg_rc" 0 "the run of E-GEOD-3003 publishes its tables"
bg_release sw; bg_paused sw && bg_release sw; bg_paused sw && bg_release sw; bg_paused sw && bg_release sw
bg_wait sw; is "$bg_rc" 0 "the sweep ends"
is "$(q "SELECT count(*) FROM fact_gene_expression WHERE study_key = $(key E-GEOD-3003)")" \
	"$(q "SELECT n_values FROM dim_study WHERE accession = 'E-GEOD-3003'")" \
	"E-GEOD-3003's new tables were kept: its facts read through the coordinator"
ref_check "after a sweep that raced a publication"

# 2. the shard's COPY sessions terminated while they load: the run fails, nothing changes
awk 'BEGIN { FS = OFS = "\t" } NR > 1 { $4 = $4 + 1 } { print }' "$M" > "$T/m" && cat "$T/m" > "$M"
v=$(db_snapshot)
BG_CONFIG="$T/sh.yaml" bg_start t1 swap load GSE1001
bg_paused t1; ok $? "a run pauses with its COPY sessions open on the shard"
is "$(qshard 2 "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'gxload.load/%.copy%'")" 2 \
	"two COPY sessions on shard b"
qshard 2 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'gxload.load/%.copy%'" >/dev/null
bg_release t1; bg_wait t1
is "$bg_rc" 75 "the shard's sessions terminated: exit 75 (temporary failure; retries: 0)"
like "$bg_out" "shard|connection|terminat" "with the server's message"
wait_shard_sessions 2
is "$(db_snapshot)" "$v" "the coordinator is as it was"
is "$(on_shard 2)" 2 "and nothing is left on the shard"

# ... and with retries, the run starts again and converges by itself
BG_CONFIG="$T/sh.yaml" bg_start t2 swap --set postgresql.retries=2 --set postgresql.retry_max_s=0 load GSE1001
bg_paused t2; ok $? "a run with retries pauses with its COPY sessions open"
qshard 2 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'gxload.load/%.copy%'" >/dev/null
bg_release t2
# the second attempt pauses at the same point again: let it go
bg_paused t2 && bg_release t2
bg_wait t2
is "$bg_rc" 0 "the second attempt succeeds"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE study_accession = 'GSE1001' AND attempt = 2 AND status = 'succeeded'")" 1 \
	"recorded as attempt 2"
is "$(on_shard 2)" 2 "two tables on the shard"
ref_check "after the terminated sessions"

# 3. a shard that is down: its studies fail with exit 69 and change nothing; the
# others still load (the sweep of the missing shard is a warning)
pg_stop_dir "$GXTEST_PGDIR_shard1"
runs=$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'succeeded'")
gxs load --force SRP2002; is "$rc" 69 "a study on a shard that is down: exit 69"
like "$out" "shard 'a'" "the message names the shard"
is "$(q "SELECT status FROM meta_etl_run WHERE study_accession = 'SRP2002' ORDER BY run_id DESC LIMIT 1")" \
	failed "its run is recorded as failed"
is "$(q "SELECT count(*) FROM pg_foreign_table")" 6 "the coordinator still refers to the same tables"
gxs load --force GSE1001; is "$rc" 0 "a study on the other shard still loads"
like "$out" "shard 'a': cannot drop the tables no study refers to" "with a warning about the missing shard"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'succeeded'")" "$((runs + 1))" "and is recorded"
# a filter on study_key prunes the other shard's partitions: no connection to it
is "$(q "SELECT count(*) FROM fact_gene_expression WHERE study_key = $(key GSE1001)")" 150 \
	"its facts are read through the coordinator (the missing shard pruned away)"
done_testing
