#!/bin/sh
# b40-rerun.sh - re-runs of the 20,000 x 500 study, PostgreSQL and SQLite:
#   unchanged files: the run hashes them, finds the fingerprint it stored and skips
#     (median of 5 runs; bench/hash_speed gives the hashing throughput alone);
#   1 of 500 samples changed (gen_study --change-sample 123: every value of one column
#     + 1): digests of every sample, then only that sample's rows are replaced.  Each
#     of $BENCH_RUNS rounds first loads the original study in full (timed too: the
#     full-load reference of the ratio), then the changed one.
# Output: bench/results/b40-rerun.md
set -eu
. "$BENCH_DIR/lib.sh"
. "$GXLOAD_TOP/tests/lib/pg.sh"
bench_init b40-rerun
mkdir -p "$W/data/B20KX500"
gen B20KX500 20000 500 --melted "$BENCH_DATA/B20KX500.csv"
[ -f "$BENCH_DATA/changed/B20KX500/B20KX500.tsv" ] ||
	"$BENCH_TOOLS/gen_study" --out "$BENCH_DATA/changed" --acc B20KX500 --genes 20000 \
		--samples 500 --change-sample 123
orig="$BENCH_DATA/B20KX500/B20KX500.tsv"
chg="$BENCH_DATA/changed/B20KX500/B20KX500.tsv"
cp "$BENCH_DATA/B20KX500/metadata_B20KX500.tsv" "$W/data/B20KX500/"
export BENCH_ROOT="$W/data"

last_run="SELECT status || '|' || mode || '|' || rows_inserted || '|' || rows_deleted FROM meta_etl_run ORDER BY run_id DESC LIMIT 1"
expect() { # BACKEND WANT: the last run's "status|mode|inserted|deleted" (or status) is WANT
	if [ "$1" = pg ]; then got=$($PSQL -d gxbench -Atc "$last_run"); else got=$(sqlite3 "$W/gx.db" "$last_run"); fi
	case "$got" in "$2"*) ;; *) echo "b40: $1: last run '$got', expected '$2'" >&2; exit 1 ;; esac
}

for be in pg sqlite; do
	i=0
	while [ $i -lt "$BENCH_RUNS" ]; do
		cp "$orig" "$W/data/B20KX500/B20KX500.tsv"
		if [ $be = pg ]; then
			fresh_db gxbench
			gx_pg "$W/$be.full" gxbench B20KX500
			if [ $i -eq 0 ]; then
				for k in 1 2 3 4 5; do gx_pg "$W/$be.same" gxbench B20KX500; done
				expect $be skipped
			fi
			cp "$chg" "$W/data/B20KX500/B20KX500.tsv"
			gx_pg "$W/$be.one" gxbench B20KX500
		else
			rm -f "$W"/gx.db*
			gx_sq "$W/$be.full" "$W/gx.db" B20KX500
			if [ $i -eq 0 ]; then
				for k in 1 2 3 4 5; do gx_sq "$W/$be.same" "$W/gx.db" B20KX500; done
				expect $be skipped
			fi
			cp "$chg" "$W/data/B20KX500/B20KX500.tsv"
			gx_sq "$W/$be.one" "$W/gx.db" B20KX500
		fi
		expect $be "succeeded|partial|20000|20000"
		i=$((i + 1))
	done
done
rm -f "$W"/gx.db*
hash=$("$BENCH_TOOLS/hash_speed" "$orig" 9)
{
	echo "### Re-runs of the 20,000 x 500 study"
	echo
	echo "Medians ($BENCH_RUNS full and 1-changed runs, 5 unchanged runs); $(date -u +%Y-%m-%d); $note."
	echo
	echo "| backend | full load s | unchanged re-run s | 1 of 500 samples changed s | changed / full |"
	echo "|---|---|---|---|---|"
	for be in pg sqlite; do
		printf '| %s | %s | %s | %s | **%s** |\n' "$([ $be = pg ] && echo PostgreSQL || echo SQLite)" \
			"$(median "$W/$be.full" 1)" "$(median "$W/$be.same" 1)" "$(median "$W/$be.one" 1)" \
			"$(ratio "$(median "$W/$be.one" 1)" "$(median "$W/$be.full" 1)")"
	done
	echo
	echo "File hashing alone (bench/hash_speed, XXH3-128 from the page cache, 9 runs): $hash"
	echo
	echo "Targets: unchanged re-run <= 0.1 s plus hashing at >= 5 GB/s; 1 of 500 changed <= 10% of the full load."
} > "$res"
cat "$res"
