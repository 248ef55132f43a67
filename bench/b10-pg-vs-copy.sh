#!/bin/sh
# b10-pg-vs-copy.sh - PostgreSQL, 20,000 genes x 500 samples (10M values), side by side:
#   gxload end to end (TSV on disk -> facts queryable in their partition with its primary
#     key, dimensions upserted, meta rows written);
#   psql \copy of the same rows pre-melted as CSV into the same final table (study 1's
#     partition of fact_gene_expression, through the parent) with its primary key
#     (gene_key, sample_key) in place, and without it, and without it then ADD PRIMARY KEY;
#   the pandas peer (bench/pandas_peer.py: read_csv + melt + psycopg COPY) into the same
#     table with and without its key.
# Medians of $BENCH_RUNS runs; every load is checked for 10,000,000 facts.
# Output: bench/results/b10-pg-vs-copy.md and .tsv (one line per method, for b20's plot).
set -eu
. "$BENCH_DIR/lib.sh"
. "$GXLOAD_TOP/tests/lib/pg.sh"
bench_init b10-pg-vs-copy
gen B20KX500 20000 500 --melted "$BENCH_DATA/B20KX500.csv"
tsv="$BENCH_DATA/B20KX500/B20KX500.tsv"
csv="$BENCH_DATA/B20KX500.csv"
rows=10000000
conninfo="host=127.0.0.1 port=$GXTEST_PGPORT user=gxtest dbname=gxbench"

check() { # WHAT
	n=$(count_facts gxbench)
	[ "$n" -eq $rows ] || { echo "b10: $1 left $n facts, expected $rows" >&2; exit 1; }
}

i=0
while [ $i -lt "$BENCH_RUNS" ]; do
	fresh_db gxbench
	gx_pg "$W/gxload" gxbench B20KX500; check gxload
	ref_table gxbench pk
	copy_csv "$W/copy_pk" gxbench "$csv"; check "copy with key"
	ref_table gxbench nopk
	copy_csv "$W/copy_nopk" gxbench "$csv"; check "copy without key"
	ref_table gxbench nopk
	# shellcheck disable=SC2086
	measure "$W/copy_then_pk" $PSQL -d gxbench \
		-c "\\copy fact_gene_expression (study_key, sample_key, gene_key, value, log2_value) FROM '$csv' (FORMAT csv)" \
		-c "ALTER TABLE fact_gene_expression_p1 ADD PRIMARY KEY (gene_key, sample_key)"
	check "copy then key"
	ref_table gxbench pk
	measure "$W/pandas_pk" /usr/bin/python3 "$BENCH_DIR/pandas_peer.py" "$tsv" "$conninfo" fact_gene_expression
	check "pandas with key"
	ref_table gxbench nopk
	measure "$W/pandas_nopk" /usr/bin/python3 "$BENCH_DIR/pandas_peer.py" "$tsv" "$conninfo" fact_gene_expression
	check "pandas without key"
	i=$((i + 1))
done

line() { # NAME INPUT-FILE FILE
	w=$(median "$3" 1)
	printf '| %s | %s MB | %s | %.2fM | %.0f | %s |\n' "$1" "$(mb "$2")" "$w" \
		"$(awk -v s="$w" -v r=$rows 'BEGIN { print r / s / 1e6 }')" \
		"$(awk -v s="$w" -v b="$(wc -c < "$2")" 'BEGIN { print b / s / 1e6 }')" \
		"$(cell "$3" | cut -d'|' -f2-)"
}
gx=$(median "$W/gxload" 1)
{
	echo "### PostgreSQL: 20,000 genes x 500 samples (10M values)"
	echo
	echo "Medians of $BENCH_RUNS runs; $(date -u +%Y-%m-%d), $(nproc) cores, PostgreSQL $($PSQL -d postgres -Atc 'SHOW server_version'); $note."
	echo "wall, user, sys: seconds of the client command (all its threads); RSS: its peak; server CPU: seconds of PostgreSQL's processes."
	echo
	echo "| what | input | wall s | rows/s | MB/s | user s | sys s | peak RSS MB | server CPU s |"
	echo "|---|---|---|---|---|---|---|---|---|"
	line "gxload load (TSV -> partition with key, dims, meta)" "$tsv" "$W/gxload"
	line "psql \\copy CSV -> the same table, key in place" "$csv" "$W/copy_pk"
	line "psql \\copy CSV -> the same table, no key" "$csv" "$W/copy_nopk"
	line "psql \\copy CSV -> no key, then ADD PRIMARY KEY" "$csv" "$W/copy_then_pk"
	line "pandas + psycopg COPY -> the same table, key in place" "$tsv" "$W/pandas_pk"
	line "pandas + psycopg COPY -> the same table, no key" "$tsv" "$W/pandas_nopk"
	echo
	printf -- '- gxload / psql \\copy into the same table with the same key: **%s** (target <= 0.75)\n' \
		"$(ratio "$gx" "$(median "$W/copy_pk" 1)")"
	printf -- '- gxload / psql \\copy, no key: %s; gxload / \\copy then ADD PRIMARY KEY: %s\n' \
		"$(ratio "$gx" "$(median "$W/copy_nopk" 1)")" "$(ratio "$gx" "$(median "$W/copy_then_pk" 1)")"
	printf -- '- pandas peer / gxload: **%s** with the key in place, **%s** without any key (target >= 10)\n' \
		"$(ratio "$(median "$W/pandas_pk" 1)" "$gx")" "$(ratio "$(median "$W/pandas_nopk" 1)" "$gx")"
	printf -- '- peak RSS, pandas peer / gxload: **%s** with the key, %s without (target >= 20)\n' \
		"$(ratio "$(median "$W/pandas_pk" 4)" "$(median "$W/gxload" 4)")" \
		"$(ratio "$(median "$W/pandas_nopk" 4)" "$(median "$W/gxload" 4)")"
} > "$res"
{
	for m in gxload copy_pk copy_nopk copy_then_pk pandas_pk pandas_nopk; do
		printf '%s\t%s\t%s\n' "$m" $rows "$(median "$W/$m" 1)"
	done
} > "$BENCH_RESULTS/b10-pg-vs-copy.tsv"
cat "$res"
