#!/bin/sh
# b50-memory.sh - peak RSS of gxload as the study grows 10 times: 20,000 genes x 5,000
# samples (100M values, a 1.9 GB TSV) into PostgreSQL and into SQLite, next to the
# 20,000 x 500 figures of b10 and b30 (one run each: memory, not time, is the point).
# Output: bench/results/b50-memory.md
set -eu
. "$BENCH_DIR/lib.sh"
. "$GXLOAD_TOP/tests/lib/pg.sh"
bench_init b50-memory
gen B20KX500 20000 500
gen B20KX5000 20000 5000

fresh_db gxbench
gx_pg "$W/pg500" gxbench B20KX500
fresh_db gxbench
gx_pg "$W/pg5000" gxbench B20KX5000
[ "$(count_facts gxbench)" -eq 100000000 ] || { echo "b50: wrong count" >&2; exit 1; }
fresh_db gxbench
gx_sq "$W/sq500" "$W/gx.db" B20KX500
rm -f "$W"/gx.db*
gx_sq "$W/sq5000" "$W/gx.db" B20KX5000
[ "$(sqlite3 "$W/gx.db" "SELECT count(*) FROM fact_gene_expression")" -eq 100000000 ] ||
	{ echo "b50: sqlite: wrong count" >&2; exit 1; }
rm -f "$W"/gx.db*
mbk() { awk -v k="$(median "$1" 4)" 'BEGIN { printf "%.1f", k / 1024 }'; }
{
	echo "### Peak memory as the study grows (one run each)"
	echo
	echo "$(date -u +%Y-%m-%d); $note."
	echo
	echo "| backend | 20,000 x 500 (10M values): peak RSS MB, wall s | 20,000 x 5,000 (100M values): peak RSS MB, wall s |"
	echo "|---|---|---|"
	printf '| PostgreSQL | %s MB, %s s | %s MB, %s s |\n' "$(mbk "$W/pg500")" "$(median "$W/pg500" 1)" \
		"$(mbk "$W/pg5000")" "$(median "$W/pg5000" 1)"
	printf '| SQLite | %s MB, %s s | %s MB, %s s |\n' "$(mbk "$W/sq500")" "$(median "$W/sq500" 1)" \
		"$(mbk "$W/sq5000")" "$(median "$W/sq5000" 1)"
	echo
	echo "Target: <= 64 MB at both sizes."
} > "$res"
cat "$res"
