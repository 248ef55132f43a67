#!/bin/sh
# b80-queries.sh - the questions analysts ask most, on both backends (issue 17):
# 1,000 small studies (2,000 genes x 8 samples), 20 of 1M values (20,000 x 50) and one
# of 10M (20,000 x 500, b10's study), loaded into one database per backend (the small
# ones by batches of studies, two loads at a time on PostgreSQL); symbols from a gene
# table imported with `gxload genes import`.  Each query goes through its documented
# view (docs/VIEWS.md) and is timed by bench/qtime (sent as text, planned, run, every
# row fetched) with warm caches: 3 untimed runs, then the median of 20:
#   gene_id       one gene across every study, by Ensembl id
#   gene_symbol   the same gene by symbol
#   sample        one sample's whole profile (20,000 genes)
#   cohort        one study x one cohort x all genes (the 10M study)
#   changes       what changed in the last run (the 10M study's load: 500 samples)
# The gene query is also timed after 10, 100 and 1,000 small studies (the plot), and the
# plans (PostgreSQL: EXPLAIN ANALYZE; SQLite: EXPLAIN QUERY PLAN) are kept.
# Output: bench/results/b80-queries.md, .tsv (studies, backend, gene_id median ms) and
# .svg.  The load-time cost of the companion tables is b10's ratio (run b10 with it).
set -eu
. "$BENCH_DIR/lib.sh"
. "$GXLOAD_TOP/tests/lib/pg.sh"
bench_init b80-queries
Q="$BENCH_TOOLS/qtime"
tsvout="$BENCH_RESULTS/b80-queries.tsv"
N_SMALL=${B80_SMALL:-1000}
G=ENSG00000000042

# the studies, generated once (cached in $BENCH_DATA)
i=1
while [ $i -le "$N_SMALL" ]; do
	acc=$(printf 'Q%04d' $i)
	[ -f "$BENCH_DATA/$acc/$acc.tsv" ] ||
		"$BENCH_TOOLS/gen_study" --out "$BENCH_DATA" --acc "$acc" --genes 2000 --samples 8 --seed $i --digits 9
	i=$((i + 1))
done
i=1
while [ $i -le 20 ]; do
	acc=$(printf 'Q1M%02d' $i)
	gen "$acc" 20000 50 --seed $((5000 + i)) --digits 9
	i=$((i + 1))
done
gen B20KX500 20000 500
# a gene table: ENSG00000000001.<v> ... named GENE1 ...
awk 'BEGIN { print "Gene stable ID version\tGene stable ID\tGene name\tGene type"
	for (g = 1; g <= 20000; g++) printf "ENSG%011d.%d\tENSG%011d\tGENE%d\tprotein_coding\n", g, g % 7 + 1, g, g }' \
	> "$W/genes.tsv"

small() { # FROM TO -> accessions
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++) printf "Q%04d\n", i }'
}
load_many() { # URL JOBS ACC...: load in batches of 50 studies, JOBS loads at a time
	url=$1 jobs=$2; shift 2
	printf '%s\n' "$@" | nice xargs -n 50 -P "$jobs" "$GXLOAD_BIN" -q --db "$url" \
		--data-root "$BENCH_DATA" --set lock_dir="$BENCH_WORK/lock" --progress never load
}
qt() { # URL NAME SQL -> "NAME median min max rows" (a failed or empty query: "failed")
	"$Q" --db "$1" --runs 20 --warm 3 --name "$2" "$3" ||
		printf '%s\tfailed\t-\t-\t0\n' "$2"
}

SQL_GENE="SELECT study_accession, sample_accession, value FROM vw_expression_by_gene WHERE gene_id = '$G'"
SQL_SYMBOL="SELECT study_accession, sample_accession, value FROM vw_expression_by_gene WHERE gene_symbol = 'GENE42'"
SQL_SAMPLE="SELECT gene_id, gene_symbol, value FROM vw_expression_by_sample WHERE study_accession = 'Q1M07' AND sample_accession = 'GSM100013'"
SQL_COHORT="SELECT gene_id, gene_symbol, n, mean, stddev FROM vw_expression_by_cohort WHERE study_accession = 'B20KX500' AND illness_code = 'CONTROL'"
SQL_CHANGES="SELECT study_accession, sample_accession, n_values FROM vw_etl_sample_changes WHERE run_id = (SELECT max(run_id) FROM meta_etl_run WHERE status = 'succeeded')"

: > "$tsvout"
for backend in pg sqlite; do
	if [ $backend = pg ]; then
		$PSQL -d postgres -c "DROP DATABASE IF EXISTS gxq" -c "CREATE DATABASE gxq" >/dev/null
		url=$(pg_url gxq); jobs=2
		qurl="host=127.0.0.1 port=$GXTEST_PGPORT user=gxtest dbname=gxq"
	else
		rm -f "$W/q.db" "$W/q.db-wal" "$W/q.db-shm"
		url="sqlite:$W/q.db"; jobs=1; qurl=$url
	fi
	"$GXLOAD_BIN" -q --db "$url" migrate
	"$GXLOAD_BIN" -q --db "$url" genes import "$W/genes.tsv"
	: > "$W/q.$backend"
	from=1
	t0=$(date +%s)
	for n in 10 100 "$N_SMALL"; do
		# shellcheck disable=SC2046
		load_many "$url" $jobs $(small $from "$n")
		from=$((n + 1))
		[ $backend = pg ] && $PSQL -d gxq -c "VACUUM ANALYZE" >/dev/null
		printf '%s\t%s\t%s\n' "$n" $backend "$(qt "$qurl" gene_id "$SQL_GENE" | cut -f2)" >> "$tsvout"
	done
	t1=$(date +%s)
	# shellcheck disable=SC2046
	load_many "$url" $jobs $(awk 'BEGIN { for (i = 1; i <= 20; i++) printf "Q1M%02d\n", i }')
	t2=$(date +%s)
	measure "$W/big.$backend" "$GXLOAD_BIN" -q --db "$url" --data-root "$BENCH_DATA" \
		--set lock_dir="$BENCH_WORK/lock" --progress never load B20KX500
	[ $backend = pg ] && $PSQL -d gxq -c "VACUUM ANALYZE" >/dev/null
	echo "$N_SMALL small studies: $((t1 - t0)) s; 20 x 1M: $((t2 - t1)) s; 10M: $(median "$W/big.$backend" 1) s" \
		> "$W/loads.$backend"
	printf '%s\t%s\t%s\n' "$((N_SMALL + 21))" $backend "$(qt "$qurl" gene_id "$SQL_GENE" | cut -f2)" >> "$tsvout"
	qt "$qurl" gene_id "$SQL_GENE" >> "$W/q.$backend"
	qt "$qurl" gene_symbol "$SQL_SYMBOL" >> "$W/q.$backend"
	qt "$qurl" sample "$SQL_SAMPLE" >> "$W/q.$backend"
	qt "$qurl" cohort "$SQL_COHORT" >> "$W/q.$backend"
	qt "$qurl" changes "$SQL_CHANGES" >> "$W/q.$backend"
	: > "$W/plans.$backend"
	for name in GENE SYMBOL SAMPLE COHORT CHANGES; do
		eval "sql=\$SQL_$name"
		# shellcheck disable=SC2154
		echo "-- $name: $sql" >> "$W/plans.$backend"
		if [ $backend = pg ]; then
			$PSQL -d gxq -Atc "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) $sql" >> "$W/plans.$backend"
		else
			sqlite3 "$W/q.db" "EXPLAIN QUERY PLAN $sql" >> "$W/plans.$backend"
		fi
	done
	if [ $backend = pg ]; then
		$PSQL -d gxq -Atc "SELECT 'facts ' || pg_size_pretty(sum(pg_total_relation_size(c.oid)))
			FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid" \
			-c "SELECT 'by_gene ' || pg_size_pretty(pg_total_relation_size('fact_gene_expression_by_gene'))" \
			-c "SELECT 'by_sample ' || pg_size_pretty(pg_total_relation_size('fact_gene_expression_by_sample'))" \
			>> "$W/loads.$backend"
	else
		echo "file $(du -h "$W/q.db" | cut -f1)" >> "$W/loads.$backend"
	fi
done

{
	echo "# b80: the questions analysts ask most"
	echo
	echo "$N_SMALL studies of 2,000 genes x 8 samples, 20 of 20,000 x 50, one of 20,000 x 500"
	echo "($((N_SMALL * 16000 + 30000000)) values); medians of 20 runs with warm caches, ms (bench/qtime:"
	echo "sent, planned, run, every row fetched). $note"
	echo
	echo "| query | target ms | PostgreSQL median | min | max | SQLite median | min | max | rows |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for name in gene_id gene_symbol sample cohort changes; do
		case $name in gene_*) tgt=20 ;; sample) tgt=50 ;; cohort) tgt=200 ;; *) tgt=- ;; esac
		p=$(awk -F'\t' -v n=$name '$1 == n { print $2 " | " $3 " | " $4 }' "$W/q.pg")
		s=$(awk -F'\t' -v n=$name '$1 == n { print $2 " | " $3 " | " $4 " | " $5 }' "$W/q.sqlite")
		echo "| $name | $tgt | $p | $s |"
	done
	echo
	echo "Gene query (median ms) against the number of studies:"
	echo
	echo "| studies | PostgreSQL | SQLite |"
	echo "|---|---|---|"
	awk -F'\t' '{ v[$1, $2] = $3; if (!($1 in seen)) { seen[$1] = 1; o[++n] = $1 } }
		END { for (i = 1; i <= n; i++) print "| " o[i] " | " v[o[i], "pg"] " | " v[o[i], "sqlite"] " |" }' "$tsvout"
	echo
	for b in pg sqlite; do
		echo "Loads ($b):"
		echo
		sed 's/^/    /' "$W/loads.$b"
		echo
	done
	for b in pg sqlite; do
		echo "Plans ($b):"
		echo
		sed 's/^/    /' "$W/plans.$b"
		echo
	done
} > "$res"
/usr/bin/python3 - "$tsvout" "$BENCH_RESULTS/b80-queries.svg" <<'EOF' || echo "b80: no plot (python3-matplotlib missing?)" >&2
import sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
data = {}
for line in open(sys.argv[1]):
    n, b, ms = line.split("\t")
    data.setdefault(b, []).append((int(n), float(ms)))
fig, ax = plt.subplots(figsize=(6, 4))
for b, pts in sorted(data.items()):
    pts.sort()
    ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-",
            label={"pg": "PostgreSQL", "sqlite": "SQLite"}.get(b, b))
ax.set_xscale("log")
ax.set_xlabel("studies loaded")
ax.set_ylabel("one gene across every study, median ms")
ax.axhline(20, color="grey", linestyle=":", label="target 20 ms")
ax.legend()
fig.tight_layout()
fig.savefig(sys.argv[2])
EOF
cat "$res"
