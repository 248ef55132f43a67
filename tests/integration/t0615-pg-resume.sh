#!/bin/sh
# t0615-pg-resume.sh - a load of more than resume.min_values values commits its range
# tables in checkpointed chunks; a run killed (kill -9) at a random chunk boundary or in
# the middle of a chunk is resumed by the next load of the same files: it keeps the
# committed chunks (the ledger's values_resumed equals the rows the killed run had
# committed, counted from its tables before the resume), and the database equals a
# clean load that never chunked.  Readers never see the staged rows.  A changed matrix
# after a kill starts over, discarding the checkpoint.  A forced reload of a loaded
# study, killed and resumed, keeps the study's keys.
#
# The kill points come from a seed, printed first: GXTEST_SEED=<seed> replays them.
# backends: pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

SEED=${GXTEST_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
diag "seed $SEED: GXTEST_SEED=$SEED sh tests/run.sh --bin ... t0615-pg-resume replays it"
awk -v s="$SEED" 'BEGIN { srand(s); for (i = 0; i < 100; i++) printf "%.4f\n", rand() }' > "$T/rand"
draws=0
draw() { draws=$((draws + 1)); R=$(sed -n "${draws}p" "$T/rand"); }
pick() { draw; K=$(awk -v r="$R" -v n="$1" 'BEGIN { printf "%d", 1 + int(r * n) }'); } # K in 1..N

gen() { # ACC GENES SAMPLES VERSION: matrix and metadata (version V shifts every value)
	mkdir -p "$DATA/$1"
	awk -v G="$2" -v S="$3" -v V="$4" -v acc="$1" 'BEGIN {
		OFS = "\t"; printf "Gene"
		for (s = 1; s <= S; s++) printf "\t%s_S%03d", acc, s
		printf "\n"
		for (g = 1; g <= G; g++) {
			printf "ENSG%011d", g
			for (s = 1; s <= S; s++) printf "\t%.6f", ((g * 131 + s * 71) % 997) / 97.0 + 1 + V
			printf "\n"
		}
	}' > "$DATA/$1/$1.tsv"
	head -1 "$DATA/GSE1001/metadata_GSE1001.tsv" > "$DATA/$1/metadata_$1.tsv"
	sed -n 2p "$DATA/GSE1001/metadata_GSE1001.tsv" > "$T/row"
	s=1
	while [ "$s" -le "$3" ]; do
		sed "s/^GSM5001\tGSE1001/$(printf '%s_S%03d' "$1" "$s")\t$1/" "$T/row" >> "$DATA/$1/metadata_$1.tsv"
		s=$((s + 1))
	done
}

# 300 genes x 40 samples = 12,000 values: 12 chunks of 1,000 over two range tables
CH=1000; NCH=12
streams_config "$T/r.yaml" 2 "resume:
  min_values: 5000
  chunk_values: $CH"
gxr() { "$GXLOAD_BIN" --config "$T/r.yaml" --db "$DB" "$@" >"$T/out" 2>&1; rc=$?; out=$(cat "$T/out"); }
staged() { # rows in the range tables that are not part of fact_gene_expression
	q "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND NOT relispartition
	   AND relname ~ '^fact_gene_expression_p[0-9]+_s[0-9]+$'" > "$T/ntab"
	_n=0
	for _t in $(q "SELECT relname FROM pg_class WHERE relkind = 'r' AND NOT relispartition
	               AND relname ~ '^fact_gene_expression_p[0-9]+_s[0-9]+$'"); do
		_n=$((_n + $(q "SELECT count(*) FROM $_t")))
	done
	echo "$_n"
}
older() { # ACC XID: rows of the study's partition written before transaction XID
	q "SELECT count(*) FROM fact_gene_expression f JOIN dim_study s USING (study_key)
	   WHERE s.accession = '$1' AND f.xmin::text::bigint < $2"
}
resumed() { # ACC -> resumed_from_chunk|values_resumed of its latest run ("|" if it did not)
	q "SELECT COALESCE(CAST(resumed_from_chunk AS text), '') || '|' ||
	          COALESCE(CAST(values_resumed AS text), '')
	   FROM meta_etl_run WHERE study_accession = '$1' ORDER BY run_id DESC LIMIT 1"
}
kill_at() { # NAME POINT N ARGS...: run ARGS, kill -9 it at its N-th pause at POINT
	_kn=$1; _kp=$2; _kk=$3; shift 3
	BG_CONFIG="$T/r.yaml" bg_start "$_kn" "$_kp" "$@"
	_kc=1
	while :; do
		bg_paused "$_kn" || return 1
		[ "$_kc" -ge "$_kk" ] && break
		bg_release "$_kn" # the run goes on to its next pause at POINT
		_kc=$((_kc + 1))
	done
	kill -9 "$(bg_pid "$_kn")"
	bg_wait "$_kn"
	wait_no_sessions
}
# the reference never chunks: it is a plain clean load
RFLAGS="--config $T/r.yaml --set resume.min_values=0"

gen RES 300 40 0
cp -Rp "$DATA/RES" "$T/res0"

# ---- 1. a first load killed at a random chunk boundary ----
pick $((NCH - 2)); kb=$K
kill_at a chunk "$kb" load RES; is "$bg_rc" 137 "first load killed at chunk boundary $kb"
is "$(q "SELECT count(*) FROM dim_study WHERE accession = 'RES'")" 0 "readers see no study RES"
is "$(q "SELECT count(*) FROM fact_gene_expression f JOIN dim_study s USING (study_key)
         WHERE s.accession = 'RES'")" 0 "and none of its facts"
kept=$(staged)
is "$kept" $((kb * CH)) "its range tables hold the $kb committed chunks ($((kb * CH)) rows)"
is "$(q "SELECT count(*) FROM meta_load_checkpoint WHERE accession = 'RES'")" 1 "its checkpoint is there"
gxs_other() { "$GXLOAD_BIN" --config "$T/r.yaml" --db "$DB" load GSE1001 >/dev/null 2>&1; }
gxs_other; is "$?" 0 "a load of another study (its sweep) meanwhile"
is "$(staged)" "$kept" "leaves the checkpointed tables alone"
xid=$(q "SELECT txid_current()") # every row written from here on has a later xmin
gxr load RES; is "$rc" 0 "the next load of RES succeeds"
is "$(resumed RES)" "$kb|$kept" "it resumed from chunk $kb and kept the $kept committed values"
is "$(older RES "$xid")" "$kept" "the partition holds exactly those $kept rows from before the resume"
run=$(q "SELECT max(run_id) FROM meta_etl_run WHERE study_accession = 'RES'")
gxr status RES
like "$(printf '%s\n' "$out" | grep "^ *$run succeeded")" \
     "^ *$run succeeded  *full  *[-0-9T:.Z]+  *12000  *0  *40  resumed from chunk $kb \\($kept values kept\\)\$" \
     "status shows the run that resumed, from which chunk"
gxr report RES
like "$(printf '%s\n' "$out" | grep '^resumed')" \
     "^resumed     from chunk $kb of an earlier run's checkpoint \\($kept values kept\\)\$" "report says so"
gxr report RES --format json
is "$(printf '%s' "$out" | python3 -c 'import json, sys; r = json.load(sys.stdin)
print(r["resumed_from_chunk"], r["counts"]["values_resumed"])')" "$kb $kept" "and its JSON"
gxr status --json
is "$(printf '%s' "$out" | python3 -c 'import json, sys
print([(s["resumed_from_chunk"], s["values_resumed"]) for s in map(json.loads, sys.stdin)
       if s["study"] == "RES"][0])')" \
   "($kb, $kept)" "status --json too"
is "$(last_run RES)" "succeeded||12000|0|40|0" "the ledger counts all 12,000 values"
is "$(staged)" 0 "no range table is left over"
is "$(q "SELECT count(*) FROM meta_load_checkpoint")" 0 "and no checkpoint"
ref_check "resumed after a kill at a chunk boundary equals a clean load" $RFLAGS GSE1001 RES
gxr verify RES; is "$rc" 0 "verify: the database's digests are the files'"

# ---- 2. a forced reload killed in the middle of a random chunk ----
pick $((NCH - 1)); km=$K
sk=$(q "SELECT study_key FROM dim_study WHERE accession = 'RES'")
snap=$(db_snapshot)
kill_at b chunk_mid "$km" load --force RES; is "$bg_rc" 137 "forced reload killed in the middle of chunk $((km - 1))"
is "$(db_snapshot)" "$snap" "readers still see the study as it was"
kept=$(staged)
is "$kept" $(((km - 1) * CH)) "the $((km - 1)) chunks before it were committed"
xid=$(q "SELECT txid_current()")
gxr load --force RES; is "$rc" 0 "the next forced reload succeeds"
is "$(resumed RES)" "$((km - 1))|$kept" "it resumed from chunk $((km - 1)), keeping $kept values"
is "$(older RES "$xid")" "$kept" "the partition holds exactly those $kept rows from before the resume"
is "$(q "SELECT study_key FROM dim_study WHERE accession = 'RES'")" "$sk" "the study kept its key"
is "$(staged)" 0 "no range table is left over"
ref_check "resumed after a kill mid-chunk equals a clean load" $RFLAGS GSE1001 RES

# ---- 3. a kill, then a changed matrix: the checkpoint is discarded ----
gen NEW 300 40 0
pick $((NCH - 2)); kc=$K
kill_at c chunk "$kc" load NEW; is "$bg_rc" 137 "first load of NEW killed at chunk boundary $kc"
is "$(staged)" $((kc * CH)) "its committed chunks are there"
gen NEW 300 40 1
gxr load NEW; is "$rc" 0 "the load of the changed NEW succeeds"
is "$(resumed NEW)" "|" "it started over"
like "$(q "SELECT l.message FROM meta_etl_process_log l JOIN meta_etl_run r USING (run_id)
           WHERE r.study_accession = 'NEW' AND l.message LIKE 'discarded%'")" \
     "^discarded the checkpoint of 'NEW' \(2 staged tables\): its matrices, settings or samples differ from this run's$" \
     "and said that it discarded the checkpoint"
is "$(staged)" 0 "no range table is left over"
is "$(q "SELECT count(*) FROM meta_load_checkpoint")" 0 "and no checkpoint"
ref_check "a changed matrix after a kill equals a clean load" $RFLAGS GSE1001 RES NEW

# ---- 4. a changed chunk size after a kill also starts over ----
pick $((NCH - 2)); kd=$K
kill_at d chunk "$kd" load --force NEW; is "$bg_rc" 137 "forced reload of NEW killed at chunk boundary $kd"
gxr --set resume.chunk_values=1500 load --force NEW; is "$rc" 0 "a reload with another chunk size succeeds"
is "$(resumed NEW)" "|" "it started over"
is "$(staged)" 0 "no range table is left over"
ref_check "a changed chunk size after a kill equals a clean load" $RFLAGS GSE1001 RES NEW

# ---- 5. a checkpoint nobody resumes is swept once older than resume.keep_hours ----
kill_at e chunk 2 load --force NEW; is "$bg_rc" 137 "forced reload of NEW killed at chunk boundary 2"
is "$(staged)" $((2 * CH)) "its committed chunks are there"
"$GXLOAD_BIN" --config "$T/r.yaml" --db "$DB" load GSE1001 >/dev/null 2>&1
is "$(staged)" $((2 * CH)) "a run of another study keeps a checkpoint younger than resume.keep_hours"
"$GXLOAD_BIN" --config "$T/r.yaml" --db "$DB" --set resume.keep_hours=0 load GSE1001 >/dev/null 2>&1
is "$(staged)" 0 "with resume.keep_hours 0 it sweeps the tables"
is "$(q "SELECT count(*) FROM meta_load_checkpoint")" 0 "and the checkpoint"
gxr load --force NEW; is "$rc" 0 "NEW loads afterwards"
is "$(resumed NEW)" "|" "from the start"
ref_check "after a swept checkpoint equals a clean load" $RFLAGS GSE1001 RES NEW

# ---- 6. killed after every range table is whole and keyed, before the swap ----
GXLOAD_TEST_CRASH_AT=staged gxr load --force RES; is "$rc" 137 "forced reload of RES killed at 'staged'"
wait_no_sessions
is "$(q "SELECT string_agg(leaf || ':' || chunks || ':' || complete, ' ' ORDER BY leaf)
         FROM meta_load_checkpoint_leaf")" "0:$NCH:true 1:$NCH:true" "both range tables are complete"
xid=$(q "SELECT txid_current()")
gxr load --force RES; is "$rc" 0 "the next forced reload succeeds"
is "$(resumed RES)" "$NCH|12000" "it kept every value: nothing was sent again"
is "$(older RES "$xid")" 12000 "every row of the partition is from before the resume"
ref_check "resumed after 'staged' equals a clean load" $RFLAGS GSE1001 RES NEW

# ---- 7. a run that does not chunk discards the checkpoint ----
kill_at f chunk 3 load --force RES; is "$bg_rc" 137 "forced reload of RES killed at chunk boundary 3"
gxr --set resume.min_values=0 load --force RES; is "$rc" 0 "a reload that does not chunk succeeds"
is "$(resumed RES)" "|" "it did not resume"
is "$(staged)" 0 "no range table is left over"
is "$(q "SELECT count(*) FROM meta_load_checkpoint")" 0 "and no checkpoint"
ref_check "a reload that does not chunk, after a kill, equals a clean load" $RFLAGS GSE1001 RES NEW
done_testing
