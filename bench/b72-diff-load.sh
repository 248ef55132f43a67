#!/bin/sh
# b72-diff-load.sh - what the differential pass after a load costs the load (issue 14's
# target: < 10%), on PostgreSQL and SQLite: the 20,000 x 500 study of b10 (gen_study,
# cohorts by its group field: 167 controls, 333 patients) loaded plainly and with
# analysis.differential_after_load, alternately, BENCH_RUNS times each in one run, into a
# fresh database each time; then `gxload analyze --differential-only` of the loaded study
# once per run (the same pass, its values read back from the facts).  Every load with the
# pass must have taken its values from its own scan (the run's log says so) and stored
# 20,000 rows.  Reported: medians of wall, user, system and server CPU seconds, peak RSS;
# the loader's own CPU (user + system: the pass runs in the loader, the server only stores
# its 20,000 rows) with and without the pass; and the pass's own seconds as the load's
# log gives them (the scratch file filled from the scan and the tests computed: "after
# the load: ... in S s"; writing the 20,000 rows is not in them), which leave out the
# scan's feeding: that is
# timed apart by bench/feed_bench.c (the same 20,000 x 500 values fed gene by gene as a
# TSV's scan feeds them, and sample by sample as a sparse matrix's does).
# Output: bench/results/b72-diff-load.md
set -eu
. "$BENCH_DIR/lib.sh"
. "$GXLOAD_TOP/tests/lib/pg.sh"
bench_init b72-diff-load
gen B20KX500 20000 500
med() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
GRP="--set analysis.cohort_by=characteristics_ch1_group --set analysis.compare=patient:control"
DIFF="--set analysis.differential_after_load=true"
fed_pg() { $PSQL -d gxbench -Atc "SELECT count(*) FROM meta_etl_process_log
	WHERE message LIKE '%read from the load''s scan%'"; }
fed_sq() { sqlite3 "$W/sq.db" "SELECT count(*) FROM meta_etl_process_log
	WHERE message LIKE '%read from the load''s scan%'"; }
rows_pg() { $PSQL -d gxbench -Atc "SELECT count(*) FROM fact_cohort_differential"; }
PASS="SELECT message FROM meta_etl_process_log WHERE message LIKE 'after the load:%'"
pass_s() { sed -n 's/.* rows in \([0-9.]*\) s$/\1/p'; } # the pass's seconds, from its message
rows_sq() { sqlite3 "$W/sq.db" "SELECT count(*) FROM fact_cohort_differential"; }
an() { # OUT DBURL: gxload analyze --differential-only of B20KX500
	measure "$1" "$GXLOAD_BIN" -q --db "$2" --set lock_dir="$BENCH_WORK/lock" --progress never \
		analyze --differential-only --compare patient:control B20KX500
}
i=0
while [ "$i" -lt "$BENCH_RUNS" ]; do
	fresh_db gxbench
	# shellcheck disable=SC2086
	gx_pg "$W/pg_load" gxbench B20KX500 $GRP
	fresh_db gxbench
	# shellcheck disable=SC2086
	gx_pg "$W/pg_diff" gxbench B20KX500 $GRP $DIFF
	[ "$(fed_pg)" = 1 ] && [ "$(rows_pg)" = 20000 ] ||
		{ echo "b72: the PostgreSQL load did not compare 20,000 genes from its scan" >&2; exit 1; }
	$PSQL -d gxbench -Atc "$PASS" | pass_s >> "$W/pg_pass"
	an "$W/pg_an" "$(pg_url gxbench)"
	rm -f "$W"/sq.db*
	# shellcheck disable=SC2086
	gx_sq "$W/sq_load" "$W/sq.db" B20KX500 $GRP
	rm -f "$W"/sq.db*
	# shellcheck disable=SC2086
	gx_sq "$W/sq_diff" "$W/sq.db" B20KX500 $GRP $DIFF
	[ "$(fed_sq)" = 1 ] && [ "$(rows_sq)" = 20000 ] ||
		{ echo "b72: the SQLite load did not compare 20,000 genes from its scan" >&2; exit 1; }
	sqlite3 "$W/sq.db" "$PASS" | pass_s >> "$W/sq_pass"
	an "$W/sq_an" "sqlite:$W/sq.db"
	rm -f "$W"/sq.db*
	"$BENCH_TOOLS/feed_bench" 20000 500 >> "$W/feed_gene"
	"$BENCH_TOOLS/feed_bench" 20000 500 --by-sample >> "$W/feed_sample"
	i=$((i + 1))
done
kv() { # FILE KEY -> the median of KEY's values
	sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$1" | med
}
cpu() { # FILE -> median of the runs' user + sys + server CPU seconds (SQLite: no server;
	# the bench's PostgreSQL server idles then, its autovacuum is not the load's)
	case "$1" in
	*/sq_*) awk '{ printf "%.2f\n", $2 + $3 }' "$1" | med ;;
	*) awk '{ printf "%.2f\n", $2 + $3 + $5 }' "$1" | med ;;
	esac
}
own() { # FILE -> median of the runs' user + sys seconds (the loader's own CPU)
	awk '{ printf "%.2f\n", $2 + $3 }' "$1" | med
}
pct() { # WITH WITHOUT -> "+D s, P%"
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.2f s, %+.1f%%", a - b, 100 * (a - b) / b }'
}
{
	echo "### The differential pass after a load, 20,000 genes x 500 samples (medians of $BENCH_RUNS)"
	echo
	echo "$(date -u +%Y-%m-%d); $note (after: $(cut -d' ' -f1-3 /proc/loadavg)); $(nproc) cores."
	echo
	echo "| backend | command | wall s | user s | sys s | peak RSS MB | server CPU s | loader CPU s | CPU s in all |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for b in pg sq; do
		name=$([ "$b" = pg ] && echo PostgreSQL || echo SQLite)
		echo "| $name | load | $(cell "$W/${b}_load") | $(own "$W/${b}_load") | $(cpu "$W/${b}_load") |"
		echo "| $name | load, differential pass after it | $(cell "$W/${b}_diff") | $(own "$W/${b}_diff") | $(cpu "$W/${b}_diff") |"
		echo "| $name | analyze --differential-only | $(cell "$W/${b}_an") | $(own "$W/${b}_an") | $(cpu "$W/${b}_an") |"
	done
	echo
	for b in pg sq; do
		name=$([ "$b" = pg ] && echo PostgreSQL || echo SQLite)
		lw=$(median "$W/${b}_load" 1); lc=$(cpu "$W/${b}_load")
		echo "- $name: the pass costs the load $(pct "$(median "$W/${b}_diff" 1)" "$lw") wall," \
			"$(pct "$(cpu "$W/${b}_diff")" "$lc") CPU in all; the loader's own CPU" \
			"$(pct "$(own "$W/${b}_diff")" "$(own "$W/${b}_load")"), that is" \
			"$(awk -v d="$(own "$W/${b}_diff")" -v l="$(own "$W/${b}_load")" -v c="$lc" 'BEGIN { printf "%.1f%%", 100 * (d - l) / c }')" \
			"of the load's CPU in all; the pass itself (its log): $(med < "$W/${b}_pass") s," \
			"$(awk -v a="$(med < "$W/${b}_pass")" -v b="$lw" 'BEGIN { printf "%.1f%%", 100 * a / b }') of the load's wall;" \
			"with the feeding during the scan (below, gene by gene):" \
			"$(awk -v a="$(med < "$W/${b}_pass")" -v f="$(kv "$W/feed_gene" feed_seconds)" -v b="$lw" 'BEGIN { printf "%.2f s, %.1f%%", a + f, 100 * (a + f) / b }')" \
			"of the load (target: < 10%)."
	done
	echo
	echo "| the feed alone (bench/feed_bench.c), 20,000 x 500 | feeding: wall s | CPU s | reading back: wall s | CPU s |"
	echo "|---|---|---|---|---|"
	for o in gene sample; do
		echo "| $o by $o | $(kv "$W/feed_$o" feed_seconds) | $(kv "$W/feed_$o" feed_cpu_seconds) |" \
			"$(kv "$W/feed_$o" rows_seconds) | $(kv "$W/feed_$o" rows_cpu_seconds) |"
	done
} > "$res"
cat "$res"
