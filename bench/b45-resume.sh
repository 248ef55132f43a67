#!/bin/sh
# b45-resume.sh - loads that resume (issue 18) on the 20,000 x 500 study (10M values,
# PostgreSQL), each round into a fresh database, the three kinds interleaved:
#   clean    a load that does not chunk (resume.min_values 0: the load of main)
#   chunked  the same load in 10 checkpointed chunks of 1M values (resume.min_values 1M,
#            resume.chunk_values 1M): what chunking costs a load that is never killed
#   resumed  the chunked load killed (kill -9) as soon as its 5th chunk committed (the
#            'chunk' test point, GXLOAD_TEST_PAUSE_AT), then the next load, which resumes
#            from chunk 5: its time against the clean load is what a resume saves
# Output: bench/results/b45-resume.md
set -eu
. "$BENCH_DIR/lib.sh"
. "$GXLOAD_TOP/tests/lib/pg.sh"
bench_init b45-resume
gen B20KX500 20000 500
CHUNK="--set resume.min_values=1000000 --set resume.chunk_values=1000000"

now() { date +%s.%N; }
sessions() { $PSQL -d "$1" -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'gxload%'"; }
killed_half() { # DB: a chunked load killed -9 once its 5th chunk committed; its seconds to $W/killed
	rm -f "$W/ready"
	t0=$(now)
	# shellcheck disable=SC2086
	GXLOAD_TEST_PAUSE_AT=chunk:600 GXLOAD_TEST_READY="$W/ready" "$GXLOAD_BIN" -q \
		--db "$(pg_url "$1")" --data-root "$BENCH_DATA" --set lock_dir="$BENCH_WORK/lock" \
		--progress never $CHUNK load B20KX500 > "$W/killed.log" 2>&1 &
	pid=$!
	n=0
	while :; do
		while [ ! -f "$W/ready" ]; do
			kill -0 "$pid" 2>/dev/null || { echo "b45: the load ended before chunk 5" >&2; exit 1; }
			sleep 0.02
		done
		n=$((n + 1))
		[ "$n" -ge 5 ] && break
		rm -f "$W/ready"
	done
	kill -9 "$pid"
	t1=$(now)
	wait "$pid" 2>/dev/null || true
	rm -f "$W/ready"
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }' >> "$W/killed"
	while [ "$(sessions "$1")" != 0 ]; do sleep 0.1; done
}
expect() { # DB WANT: the latest run's resumed_from_chunk|values_resumed|rows_inserted
	got=$($PSQL -d "$1" -Atc "SELECT COALESCE(CAST(resumed_from_chunk AS text), '') || '|' || COALESCE(CAST(values_resumed AS text), '') || '|' || rows_inserted FROM meta_etl_run ORDER BY run_id DESC LIMIT 1")
	[ "$got" = "$2" ] || { echo "b45: latest run '$got', expected '$2'" >&2; exit 1; }
	n=$(count_facts "$1")
	[ "$n" -eq 10000000 ] || { echo "b45: $n facts" >&2; exit 1; }
}

i=0
while [ $i -lt "$BENCH_RUNS" ]; do
	fresh_db gxres
	gx_pg "$W/clean" gxres B20KX500 --set resume.min_values=0
	expect gxres "||10000000"
	fresh_db gxres
	# shellcheck disable=SC2086
	gx_pg "$W/chunked" gxres B20KX500 $CHUNK
	expect gxres "||10000000"
	fresh_db gxres
	killed_half gxres
	# shellcheck disable=SC2086
	gx_pg "$W/resumed" gxres B20KX500 $CHUNK
	expect gxres "5|5000000|10000000"
	i=$((i + 1))
done
clean=$(median "$W/clean" 1)
{
	echo "### Loads that resume: the 20,000 x 500 study (10M values), PostgreSQL"
	echo
	echo "Medians of $BENCH_RUNS rounds, each kind into a fresh database; $(date -u +%Y-%m-%d); $note."
	echo
	echo "| load | wall s | user s | sys s | RSS MB | server CPU s | / clean |"
	echo "|---|---|---|---|---|---|---|"
	printf '| clean (not chunked) | %s | 1.00 |\n' "$(cell "$W/clean")"
	printf '| chunked, 10 chunks of 1M, never killed | %s | %s |\n' "$(cell "$W/chunked")" \
		"$(ratio "$(median "$W/chunked" 1)" "$clean")"
	printf '| resumed from chunk 5 after a kill | %s | **%s** |\n' "$(cell "$W/resumed")" \
		"$(ratio "$(median "$W/resumed" 1)" "$clean")"
	echo
	echo "The killed run's time to its kill (5 of 10 chunks committed): median $(median "$W/killed" 1) s."
} > "$res"
cat "$res"
