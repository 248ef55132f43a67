#!/bin/sh
# b30-sqlite.sh - SQLite (the embedded default), 20,000 genes x 500 samples: gxload end
# to end into a new database file against the sqlite3 shell's .import of the same rows
# pre-melted as CSV into the same table of a freshly migrated database (WAL mode, as
# gxload leaves it).  Medians of $BENCH_RUNS runs; every load is checked for 10M facts.
# Output: bench/results/b30-sqlite.md
set -eu
. "$BENCH_DIR/lib.sh"
bench_init b30-sqlite
gen B20KX500 20000 500 --melted "$BENCH_DATA/B20KX500.csv"
csv="$BENCH_DATA/B20KX500.csv"
tsv="$BENCH_DATA/B20KX500/B20KX500.tsv"

count() { sqlite3 "$1" "SELECT count(*) FROM fact_gene_expression"; }
i=0
while [ $i -lt "$BENCH_RUNS" ]; do
	rm -f "$W"/gx.db*
	gx_sq "$W/gxload" "$W/gx.db" B20KX500
	[ "$(count "$W/gx.db")" -eq 10000000 ] || { echo "b30: gxload: wrong count" >&2; exit 1; }
	rm -f "$W"/imp.db*
	"$GXLOAD_BIN" -q --db "sqlite:$W/imp.db" migrate
	measure "$W/import" sqlite3 "$W/imp.db" ".import --csv $csv fact_gene_expression"
	[ "$(count "$W/imp.db")" -eq 10000000 ] || { echo "b30: .import: wrong count" >&2; exit 1; }
	i=$((i + 1))
done
rm -f "$W"/*.db*
gx=$(median "$W/gxload" 1)
{
	echo "### SQLite: 20,000 genes x 500 samples (10M values)"
	echo
	echo "Medians of $BENCH_RUNS runs; $(date -u +%Y-%m-%d), SQLite $(sqlite3 --version | cut -d' ' -f1); $note."
	echo
	echo "| what | input | wall s | rows/s | user s | sys s | peak RSS MB |"
	echo "|---|---|---|---|---|---|---|"
	printf '| gxload load (TSV -> facts, dims, meta) | %s MB TSV | %s | %.2fM | %s |\n' "$(mb "$tsv")" "$gx" \
		"$(awk -v s="$gx" 'BEGIN { print 10 / s }')" "$(cell "$W/gxload" | cut -d'|' -f2-4)"
	printf '| sqlite3 .import CSV -> the same table | %s MB CSV | %s | %.2fM | %s |\n' "$(mb "$csv")" \
		"$(median "$W/import" 1)" "$(awk -v s="$(median "$W/import" 1)" 'BEGIN { print 10 / s }')" \
		"$(cell "$W/import" | cut -d'|' -f2-4)"
	echo
	printf -- '- gxload / .import: **%s** (target <= 1.0)\n' "$(ratio "$gx" "$(median "$W/import" 1)")"
} > "$res"
cat "$res"
