#!/bin/sh
# b91-shards.sh - one gene across 1,000 studies spread over two shard servers (issue 18).
# Two more throwaway servers (the shards) next to the bench server (the coordinator);
# b80's 1,000 small studies (2,000 genes x 8 samples) loaded twice: into a coordinator
# with shards.servers a and b (placed by the hash of the accession) and into a plain
# database on the same server.  Timed by bench/qtime (3 untimed runs, median of 20):
#   gene_view     one gene across every study, through vw_expression_by_gene (what
#                 analysts use: the coordinator's gene-major table, no foreign scan)
#   gene_facts    the same gene straight from fact_gene_expression: one foreign scan per
#                 partition on the shards (what the gene-major table avoids)
#   study_gene    one gene of one study from fact_gene_expression: pruned to the study's
#                 partition, the filter sent to its shard
# and the plans (EXPLAIN (ANALYZE, VERBOSE): partition pruning, the remote SQL).
# Output: bench/results/b91-shards.md.
set -eu
. "$BENCH_DIR/lib.sh"
. "$GXLOAD_TOP/tests/lib/pg.sh"
bench_init b91-shards
Q="$BENCH_TOOLS/qtime"
N=${B91_SMALL:-1000}
G=ENSG00000000042

i=1
while [ $i -le "$N" ]; do
	acc=$(printf 'Q%04d' $i)
	[ -f "$BENCH_DATA/$acc/$acc.tsv" ] ||
		"$BENCH_TOOLS/gen_study" --out "$BENCH_DATA" --acc "$acc" --genes 2000 --samples 8 --seed $i --digits 9
	i=$((i + 1))
done
accs=$(awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) printf "Q%04d\n", i }')

# the shards: their own servers, stopped when the bench ends
sa=$(mktemp -d /tmp/gxload-b91a.XXXXXX) sb=$(mktemp -d /tmp/gxload-b91b.XXXXXX)
trap 'pg_stop_dir "$sa"; pg_stop_dir "$sb"; rm -rf "$sa" "$sb"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
pg_start_extra a "$sa" shared_buffers=256MB
pg_start_extra b "$sb" shared_buffers=256MB
for p in "$GXTEST_PGPORT_a" "$GXTEST_PGPORT_b"; do
	psql -X -q -h 127.0.0.1 -p "$p" -U gxtest -d postgres -c "CREATE DATABASE gxshard" >/dev/null
done
cat > "$W/sh.yaml" <<EOC
shards:
  servers: ['a:host=127.0.0.1 port=$GXTEST_PGPORT_a user=gxtest dbname=gxshard',
            'b:host=127.0.0.1 port=$GXTEST_PGPORT_b user=gxtest dbname=gxshard']
EOC
load_many() { # URL CONFIG: the studies in batches of 50, two loads at a time
	printf '%s\n' $accs | nice xargs -n 50 -P 2 "$GXLOAD_BIN" -q --config "$2" --db "$1" \
		--data-root "$BENCH_DATA" --set lock_dir="$BENCH_WORK/lock" --progress never load
}
qt() { "$Q" --db "$1" --runs 20 --warm 3 --name "$2" "$3" || printf '%s\tfailed\t-\t-\t0\n' "$2"; }

: > "$W/empty.yaml"
for db in gxsh gxpl; do
	$PSQL -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
done
t0=$(date +%s)
load_many "$(pg_url gxsh)" "$W/sh.yaml"
t1=$(date +%s)
load_many "$(pg_url gxpl)" "$W/empty.yaml"
t2=$(date +%s)
$PSQL -d gxsh -c "VACUUM ANALYZE" >/dev/null
$PSQL -d gxpl -c "VACUUM ANALYZE" >/dev/null
K=$($PSQL -d gxsh -Atc "SELECT study_key FROM dim_study WHERE accession = '$(printf 'Q%04d' $((N / 2)))'")
GK=$($PSQL -d gxsh -Atc "SELECT gene_key FROM dim_gene WHERE gene_id = '$G'")
SQL_VIEW="SELECT study_accession, sample_accession, value FROM vw_expression_by_gene WHERE gene_id = '$G'"
SQL_FACTS="SELECT study_key, sample_key, value FROM fact_gene_expression WHERE gene_key = $GK"
SQL_STUDY="SELECT sample_key, value FROM fact_gene_expression WHERE study_key = $K AND gene_key = $GK"
for db in gxsh gxpl; do
	u="host=127.0.0.1 port=$GXTEST_PGPORT user=gxtest dbname=$db"
	{ qt "$u" gene_view "$SQL_VIEW"; qt "$u" gene_facts "$SQL_FACTS"; qt "$u" study_gene "$SQL_STUDY"; } > "$W/q.$db"
done
{
	for name in VIEW FACTS STUDY; do
		eval "sql=\$SQL_$name"
		echo "-- $sql"
		$PSQL -d gxsh -Atc "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY ON) $sql" |
			awk '/Foreign Scan on/ { f++ } f > 3 && /Foreign Scan on|Output:|Remote SQL:|Relations:/ { next } { print }
				END { if (f > 3) print "(... " f " foreign scans in all)" }'
	done
} > "$W/plans"
# every fact there, read through the coordinator
want=$($PSQL -d gxsh -Atc "SELECT sum(n_values) FROM dim_study")
got=$($PSQL -d gxsh -Atc "SELECT count(*) FROM fact_gene_expression")
[ "$want" = "$got" ] || { echo "b91: $got facts through the coordinator, $want loaded" >&2; exit 1; }
mbq() { # PORT DB SQL -> MB
	psql -X -q -h 127.0.0.1 -p "$1" -U gxtest -d "$2" -Atc "SELECT round(($3) / 1e6)"; }
size_sh=$(mbq "$GXTEST_PGPORT" gxsh "pg_database_size(current_database())")
size_pl=$(mbq "$GXTEST_PGPORT" gxpl "pg_database_size(current_database())")
size_comp=$(mbq "$GXTEST_PGPORT" gxsh "pg_total_relation_size('fact_gene_expression_by_gene') + pg_total_relation_size('fact_gene_expression_by_sample')")
size_a=$(mbq "$GXTEST_PGPORT_a" gxshard "pg_database_size(current_database())")
size_b=$(mbq "$GXTEST_PGPORT_b" gxshard "pg_database_size(current_database())")
per=$($PSQL -d gxsh -Atc "SELECT shard || ' ' || count(*) FROM meta_study_shard GROUP BY shard ORDER BY 1" | tr '\n' ',' )
ft=$($PSQL -d gxsh -Atc "SELECT count(*) FROM pg_foreign_table")
{
	echo "# b91: one gene across $N studies on two shard servers"
	echo
	echo "$N studies of 2,000 genes x 8 samples ($((N * 16000)) values), placed by the hash of"
	echo "the accession (studies per shard: ${per%,}; $ft foreign partitions, postgresql.copy_streams 2);"
	echo "medians of 20 runs with warm caches, ms (bench/qtime). $note"
	echo
	echo "| query | sharded median | min | max | rows | one server median | min | max |"
	echo "|---|---|---|---|---|---|---|---|"
	for name in gene_view gene_facts study_gene; do
		s=$(awk -F'\t' -v n=$name '$1 == n { print $2 " | " $3 " | " $4 " | " $5 }' "$W/q.gxsh")
		p=$(awk -F'\t' -v n=$name '$1 == n { print $2 " | " $3 " | " $4 }' "$W/q.gxpl")
		echo "| $name | $s | $p |"
	done
	echo
	echo "Loads, two at a time in batches of 50: sharded $((t1 - t0)) s, one server $((t2 - t1)) s."
	echo
	echo "Disk (pg_database_size, MB): coordinator $size_sh (of which the gene-major and"
	echo "sample-major tables $size_comp), shard a $size_a, shard b $size_b; the same studies on"
	echo "one server $size_pl (an empty database is about 8 MB)."
	echo
	echo '```'
	cat "$W/plans"
	echo '```'
} > "$res"
cat "$res"
