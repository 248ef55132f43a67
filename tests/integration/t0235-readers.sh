#!/bin/sh
# t0235-readers.sh - a reader never sees a mix of two versions of a study (docs/CLI.md):
# while a load is paused at each of its test points, a query from a second connection
# (the real client) reads the study's row, samples, facts, cohort statistics, the number
# of successful runs and the latest run's checks in one statement, and gets exactly what
# it got before the load (every point up to 'commit') or exactly what the database holds
# after it ('committed').  Full and partial loads; on PostgreSQL also a load through
# range sessions (the point 'staged').  On PostgreSQL a full load swaps the study's
# partition (DDL): from the swap to the commit a reader of the fact table waits for the
# commit (point 'commit') and then reads the new version, never a part of it.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

M="$DATA/GSE1001/GSE1001.tsv"
cp "$M" "$T/v1.tsv"
# v2: GSM5001 (column 2) changed; v3: every sample changed
awk -F'\t' -v OFS='\t' 'NR > 1 { $2 = $2 + 1 } { print }' "$T/v1.tsv" > "$T/v2.tsv"
awk -F'\t' -v OFS='\t' 'NR > 1 { for (i = 2; i <= NF; i++) $i = $i * 2 } { print }' "$T/v1.tsv" > "$T/v3.tsv"

# the reader's one statement: every line of the study's data, sorted
c() { echo "COALESCE(CAST($1 AS text), '-')"; }
x() { echo "COALESCE($(vexpr "$1"), '-')"; }
cat > "$T/read.sql" <<EOS
SELECT line FROM (
  SELECT 'study|' || accession || '|' || $(c n_samples) || '|' || $(c n_values) || '|' ||
         $(c value_scale) || '|' || $(c input_fingerprint) || '|' || $(c facts_fingerprint) AS line
  FROM dim_study
  UNION ALL
  SELECT 'sample|' || $(c st.accession) || '|' || s.accession || '|' || $(c s.value_digest) || '|' ||
         $(c s.n_values) || '|' || s.content_hash || '|' || $(x s.value_min) || '|' || $(x s.value_max)
  FROM dim_sample s LEFT JOIN dim_study st ON st.study_key = s.study_key
  UNION ALL
  SELECT 'fact|' || $(c st.accession) || '|' || $(c s.accession) || '|' || $(c g.gene_id) || '|' ||
         $(x f.value) || '|' || $(x f.log2_value)
  FROM fact_gene_expression f LEFT JOIN dim_study st ON st.study_key = f.study_key
  LEFT JOIN dim_sample s ON s.sample_key = f.sample_key LEFT JOIN dim_gene g ON g.gene_key = f.gene_key
  UNION ALL
  SELECT 'cohort|' || $(c st.accession) || '|' || $(c c.illness_key) || '|' || $(c g.gene_id) || '|' ||
         $(c c.n) || '|' || $(x c.mean) || '|' || $(x c.stddev) || '|' || $(c c.candidate_rank)
  FROM fact_cohort_gene_stats c LEFT JOIN dim_study st ON st.study_key = c.study_key
  LEFT JOIN dim_gene g ON g.gene_key = c.gene_key
  UNION ALL
  SELECT 'runs|' || $(c "count(*)") FROM meta_etl_run WHERE status = 'succeeded'
  UNION ALL
  SELECT 'check|' || v.check_name || '|' || v.status || '|' || $(x v.observed)
  FROM meta_data_validation_log v
  WHERE v.run_id = (SELECT max(run_id) FROM meta_etl_run WHERE status = 'succeeded')
) t ORDER BY line
EOS
read_all() { q "$(cat "$T/read.sql")"; }

gx load GSE1001 SRP2002; is "$rc" 0 "two studies load"
ver=v1

# reader POINT MODE CONFIG ARGS...: pause a load that changes GSE1001 to the next version
# at POINT, read from another connection, check old/new
reader() {
	point=$1; what=$2; cfg=$3; shift 3
	next=$([ "$ver" = v1 ] && echo "$what" || echo v1)
	old=$(read_all)
	cp "$T/$next.tsv" "$M"
	BG_CONFIG=$cfg bg_start run "$point" "$@" GSE1001
	if ! bg_paused run; then
		ok 1 "$what $point: the load pauses there"
		bg_wait run; return
	fi
	rm -f "$T/reader.done"
	( PGAPPNAME=gxtest-reader read_all > "$T/reader.out" 2> "$T/reader.err"; echo $? > "$T/reader.done" ) &
	rpid=$!
	# finished, or (PostgreSQL) waiting for a lock the paused load holds
	waited=no; i=0
	while [ ! -f "$T/reader.done" ] && [ $i -lt 1500 ]; do
		if [ "$BACKEND" = pg ] && [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		      AND application_name = 'gxtest-reader' AND wait_event_type = 'Lock'")" = 1 ]; then
			waited=yes; break
		fi
		sleep 0.02; i=$((i + 1))
	done
	bg_release run; bg_wait run
	wait "$rpid"
	is "$bg_rc" 0 "$what $point: the load succeeds"
	new=$(read_all)
	ver=$next
	[ "$old" != "$new" ]; ok $? "$what $point: the load changed what the reader reads"
	is "$(cat "$T/reader.done" 2>/dev/null)" 0 "$what $point: the reader's query succeeds"
	if [ "$point" = committed ]; then
		want=new; sees="$new"
	else
		want=old; sees="$old"
	fi
	if [ "$BACKEND" = pg ] && [ "$point" = commit ] && [ "$what" != v2 ]; then
		# the partition swap holds the fact table until the commit
		is "$waited" yes "$what $point: the reader waits for the commit"
		want=new; sees="$new"
	else
		is "$waited" no "$what $point: the reader does not wait"
	fi
	if [ "$(cat "$T/reader.out")" = "$sees" ]; then
		ok 0 "$what $point: the reader sees exactly the $want version"
	else
		ok 1 "$what $point: the reader sees exactly the $want version"
		printf '%s\n' "$sees" > "$T/want"
		diff "$T/want" "$T/reader.out" | head -10 | sed 's/^/#   /'
	fi
}

for point in locked begin facts swap commit committed; do
	reader "$point" v3 "$T/gxload.yaml" load --force
done
for point in begin facts swap commit committed; do
	reader "$point" v2 "$T/gxload.yaml" load
done
if [ "$BACKEND" = pg ]; then
	streams_config "$T/s.yaml" 2
	for point in facts staged commit; do
		reader "$point" v3 "$T/s.yaml" load --force
	done
fi
ref_check "after the paused loads"
done_testing
