#!/bin/sh
# b10-pg-vs-copy.sh - end-to-end PostgreSQL load of a generated 20,000 genes x 500
# samples study (TSV on disk -> facts queryable, dimensions upserted, meta rows written)
# side by side with `psql \copy` of the same rows pre-melted as CSV into an unindexed
# table; peak RSS of gxload at 20,000 x 500 and 20,000 x 2,000.
# Output: bench/results/b10-pg-vs-copy.md
set -eu
. "$BENCH_DIR/lib.sh"
. "$GXLOAD_TOP/tests/lib/pg.sh"
PSQL="psql -X -q -h 127.0.0.1 -p $GXTEST_PGPORT -U gxtest"
res="$BENCH_RESULTS/b10-pg-vs-copy.md"
work=$(mktemp -d /tmp/gxload-b10.XXXXXX)
trap 'rm -rf "$work"' EXIT

gen() { # ACC GENES SAMPLES [--melted FILE]
	acc=$1 g=$2 s=$3; shift 3
	if [ ! -f "$BENCH_DATA/$acc/$acc.tsv" ] || { [ $# -gt 0 ] && [ ! -f "$2" ]; }; then
		"$BENCH_TOOLS/gen_study" --out "$BENCH_DATA" --acc "$acc" --genes "$g" --samples "$s" "$@"
	fi
}
gen B20KX500 20000 500 --melted "$BENCH_DATA/B20KX500.csv"
gen B20KX2000 20000 2000

fresh_db() {
	$PSQL -d postgres -c "DROP DATABASE IF EXISTS gxbench" -c "CREATE DATABASE gxbench"
	"$GXLOAD_BIN" -q --db "$(pg_url gxbench)" migrate
	$PSQL -d gxbench -c "CHECKPOINT"
}
gxload_run() { # ACC OUT
	fresh_db
	measure "$2" "$GXLOAD_BIN" -q --db "$(pg_url gxbench)" --data-root "$BENCH_DATA" \
		--set lock_dir="$work/lock" --progress never load "$1"
}
copy_run() { # OUT
	$PSQL -d gxbench -c "DROP TABLE IF EXISTS fact_csv" -c "CREATE TABLE fact_csv (study_key integer,
		sample_key integer, gene_key integer, value double precision, log2_value double precision)" \
		-c "CHECKPOINT"
	measure "$1" $PSQL -d gxbench -c "\\copy fact_csv FROM '$BENCH_DATA/B20KX500.csv' (FORMAT csv)"
}

: > "$work/gx"; : > "$work/copy"; : > "$work/gx2000"
i=0
while [ $i -lt "$BENCH_RUNS" ]; do
	gxload_run B20KX500 "$work/gx"
	copy_run "$work/copy"
	i=$((i + 1))
done
gxload_run B20KX2000 "$work/gx2000"
n=$($PSQL -d gxbench -Atc "SELECT count(*) FROM fact_gene_expression")
[ "$n" -eq 40000000 ] || { echo "b10: expected 40,000,000 facts, found $n" >&2; exit 1; }

gx_s=$(median "$work/gx" 1); cp_s=$(median "$work/copy" 1)
ratio=$(awk -v a="$gx_s" -v b="$cp_s" 'BEGIN { printf "%.2f", a / b }')
tsv_mb=$(awk -v b="$(wc -c < "$BENCH_DATA/B20KX500/B20KX500.tsv")" 'BEGIN { printf "%.1f", b / 1e6 }')
csv_mb=$(awk -v b="$(wc -c < "$BENCH_DATA/B20KX500.csv")" 'BEGIN { printf "%.1f", b / 1e6 }')
{
	printf "%s\n" "### PostgreSQL: gxload end to end vs psql \\copy (20,000 genes x 500 samples = 10M values)"
	echo
	echo "Medians of $BENCH_RUNS runs; $(date -u +%Y-%m-%d), $(nproc) cores, PostgreSQL $($PSQL -d postgres -Atc 'SHOW server_version')."
	echo
	echo "| what | input | wall s | rows/s | user s | sys s | peak RSS MB |"
	echo "|---|---|---|---|---|---|---|"
	printf '| gxload load (TSV -> partition, dims, meta) | %s MB TSV | %s | %.2fM | %s | %s | %.1f |\n' "$tsv_mb" \
		"$gx_s" "$(awk -v s="$gx_s" 'BEGIN { print 10 / s }')" "$(median "$work/gx" 2)" "$(median "$work/gx" 3)" \
		"$(awk -v k="$(median "$work/gx" 4)" 'BEGIN { print k / 1024 }')"
	printf '| psql \\copy CSV -> unindexed table | %s MB CSV | %s | %.2fM | %s | %s | %.1f (psql) |\n' "$csv_mb" \
		"$cp_s" "$(awk -v s="$cp_s" 'BEGIN { print 10 / s }')" "$(median "$work/copy" 2)" "$(median "$work/copy" 3)" \
		"$(awk -v k="$(median "$work/copy" 4)" 'BEGIN { print k / 1024 }')"
	echo
	printf "gxload / psql copy time: **%s**.\n" "$ratio"
	echo
	printf 'Peak RSS of gxload: %.1f MB at 20,000 x 500, %.1f MB at 20,000 x 2,000 (%s s for 40M values).\n' \
		"$(awk -v k="$(median "$work/gx" 4)" 'BEGIN { print k / 1024 }')" \
		"$(awk -v k="$(median "$work/gx2000" 4)" 'BEGIN { print k / 1024 }')" "$(median "$work/gx2000" 1)"
} > "$res"
cat "$res"
