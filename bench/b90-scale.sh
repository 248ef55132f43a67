#!/bin/sh
# b90-scale.sh - the scale figures (issue 18): a generated ARCHS4-style dense HDF5
# compendium of 20,000 genes x 10,000 samples (200M values) loaded end to end into
# PostgreSQL and into SQLite, next to a 10M-value one (20,000 x 500) of the same
# generator in the same run for the linearity.  For each: wall, user, sys and server CPU
# seconds, gxload's peak RSS, the database's size on disk per value (PostgreSQL: facts
# heap and key, the gene-major and sample-major companion tables of migration 0009, the
# whole database; SQLite: the file), and the load average while it ran (the machine may
# be shared: the figures say how busy it was).
# long: 15-20 minutes on 2 busy cores; not in the default `make bench` set.  Run it with
#     BENCH_ONLY=b90 BENCH_PG_SETTINGS="max_wal_size=4GB" nice make bench
# (max_wal_size bounds the WAL on disk during the 200M load).  B90_SAMPLES (default
# "500 10000") sets the sample counts (20,000 genes each).  SQLite loads only the sizes up
# to B90_SQLITE_MAX values (default 10M: the 200M SQLite load writes its whole
# transaction to the WAL first, about 9 GB at 160 MB/min on a busy machine, nearly an
# hour; B90_SQLITE_MAX=200000000 includes it, 0 leaves SQLite out).  Needs about 35 GB free
# for the 200M PostgreSQL load (checked before it starts from the bytes per value of the
# first size) and 20 GB for the SQLite one (the WAL, then the file); files and databases
# are deleted as soon as they have been measured.  With --report, only the table is made
# again from the .tsv.
# Output: bench/results/b90-scale.md and .tsv
set -eu
BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "$0")" && pwd)}
BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
BENCH_WORK=${BENCH_WORK:-/tmp}
. "$BENCH_DIR/lib.sh"
. "$GXLOAD_TOP/tests/lib/pg.sh"
tsv="$BENCH_RESULTS/b90-scale.tsv"
res="$BENCH_RESULTS/b90-scale.md"
sizes=${B90_SAMPLES:-500 10000}
sqlite_max=${B90_SQLITE_MAX:-10000000}
genes=20000
lw=""

# the load average every 5 s while a load runs: "mean max" of the 1-minute figure
load_watch() { while :; do cut -d' ' -f1 /proc/loadavg >> "$1"; sleep 5; done; }
load_stats() { awk '{ s += $1; if ($1 > m) m = $1 } END { printf "%.2f %.2f", s / NR, m }' "$1"; }

# PostgreSQL sizes in bytes: facts heap, facts key, by_gene, by_sample, whole database
pg_sizes() {
	$PSQL -d "$1" -Atc "SELECT
		(SELECT sum(pg_table_size(relid)) FROM pg_partition_tree('fact_gene_expression') WHERE isleaf),
		(SELECT sum(pg_indexes_size(relid)) FROM pg_partition_tree('fact_gene_expression') WHERE isleaf),
		pg_total_relation_size('fact_gene_expression_by_gene'),
		pg_total_relation_size('fact_gene_expression_by_sample'),
		pg_database_size(current_database())" | tr '|' ' '
}
free_bytes() { df -B1 --output=avail "$1" | tail -1; }

measure_all() {
bench_init b90-scale
# the load watcher must not outlive a failed load
trap '[ -z "$lw" ] || kill $lw 2>/dev/null' EXIT
: > "$tsv"
per_value=0
for s in $sizes; do
	n=$((genes * s))
	acc="ARCHS4X$s"
	root="$W/data"
	rm -rf "$root"
	mkdir -p "$root/$acc"
	"$BENCH_TOOLS/h5_gen_archs4" --genes $genes --samples "$s" "$root/$acc/$acc.h5" > "$W/gen.log"
	h5mb=$(mb "$root/$acc/$acc.h5")
	if [ "$per_value" != 0 ]; then
		need=$(awk -v b="$per_value" -v n=$n 'BEGIN { printf "%.0f", b * n * 1.3 + 5e9 }')
		have=$(free_bytes "$GXTEST_PGDIR")
		[ "$have" -gt "$need" ] || {
			echo "b90: $n values need about $((need / 1000000000)) GB free, $((have / 1000000000)) GB left" >&2
			exit 1; }
	fi

	# PostgreSQL
	fresh_db gxbench
	: > "$W/load.pg.$s"
	load_watch "$W/load.pg.$s" & lw=$!
	BENCH_ROOT=$root gx_pg "$W/pg.$s" gxbench "$acc"
	kill $lw; lw=""
	[ "$(count_facts gxbench)" -eq $n ] || { echo "b90: wrong count at $n" >&2; exit 1; }
	set -- $(pg_sizes gxbench)
	per_value=$(awk -v d="$5" -v n=$n 'BEGIN { printf "%.1f", d / n }')
	printf 'pg\t%s\t%s\t%s\t%s\t%s %s %s %s %s\t%s\n' $n "$(cat "$W/pg.$s")" "$h5mb" \
		"$(load_stats "$W/load.pg.$s")" "$1" "$2" "$3" "$4" "$5" "$(date -u +%H:%M)" >> "$tsv"
	$PSQL -d postgres -c "DROP DATABASE gxbench" >/dev/null
	$PSQL -d postgres -c "CHECKPOINT" >/dev/null

	# SQLite
	if [ $n -le "$sqlite_max" ]; then
		rm -f "$W/x.db"*
		: > "$W/load.sq.$s"
		load_watch "$W/load.sq.$s" & lw=$!
		BENCH_ROOT=$root gx_sq "$W/sq.$s" "$W/x.db" "$acc"
		kill $lw; lw=""
		[ "$(sqlite3 "$W/x.db" 'SELECT count(*) FROM fact_gene_expression')" -eq $n ] ||
			{ echo "b90: wrong SQLite count at $n" >&2; exit 1; }
		bytes=$(cat "$W/x.db"* | wc -c)
		printf 'sqlite\t%s\t%s\t%s\t%s\t%s\t%s\n' $n "$(cat "$W/sq.$s")" "$h5mb" \
			"$(load_stats "$W/load.sq.$s")" "$bytes" "$(date -u +%H:%M)" >> "$tsv"
		rm -f "$W/x.db"*
	fi
	rm -rf "$root"
done
echo "$(date -u +%Y-%m-%d), $(nproc) cores; $note; load average after: $(cut -d' ' -f1-3 /proc/loadavg)" > "$tsv.note"
}
[ "${1:-}" = --report ] || measure_all

# the report: one line per backend and size; the tsv columns are
# backend n "wall user sys rss server_cpu" h5_MB "load_mean load_max" sizes... time
{
	echo "### Scale: ARCHS4-style dense HDF5, 20,000 genes x S samples, one run each"
	echo
	cat "$tsv.note"
	echo
	echo "| backend | values | HDF5 MB | wall s | values/s | user s | sys s | server CPU s | CPU us per value | peak RSS MB | load avg mean / max | bytes per value on disk |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	awk -F'\t' '{
		split($3, t, " "); split($5, l, " "); split($6, z, " ")
		if ($1 == "pg") bpv = sprintf("%.1f (facts %.1f + key %.1f, by_gene %.1f, by_sample %.1f)",
			z[5] / $2, z[1] / $2, z[2] / $2, z[3] / $2, z[4] / $2)
		else bpv = sprintf("%.1f", z[1] / $2)
		cpu = t[2] + t[3] + ($1 == "pg" ? t[5] : 0)
		printf "| %s | %dM | %s | %s | %.2fM | %s | %s | %s | %.2f | %.1f | %s / %s | %s |\n",
			$1 == "pg" ? "PostgreSQL" : "SQLite", $2 / 1e6, $4, t[1], $2 / t[1] / 1e6,
			t[2], t[3], ($1 == "pg" ? t[5] : "-"), cpu / $2 * 1e6, t[4] / 1024, l[1], l[2], bpv
	}' "$tsv"
	echo
	echo "Linearity: wall seconds, and CPU seconds (gxload's user and system time and the"
	echo "server's), per million values at the largest size over the same at the smallest"
	echo "(1.00 = linear; the wall figure also measures how busy the machine was):"
	echo
	for b in pg sqlite; do
		awk -F'\t' -v b=$b '$1 == b { split($3, t, " "); r = t[1] / ($2 / 1e6)
			c = (t[2] + t[3] + (b == "pg" ? t[5] : 0)) / ($2 / 1e6)
			if (!nlo || $2 < nlo) { lo = r; clo = c; nlo = $2 }
			if ($2 > nhi) { hi = r; chi = c; nhi = $2 } }
			END { if (nhi > nlo) printf "- %s: wall %.3f s/M at %dM, %.3f s/M at %dM: ratio %.2f; CPU %.3f and %.3f s/M: ratio %.2f\n",
				b == "pg" ? "PostgreSQL" : "SQLite", lo, nlo / 1e6, hi, nhi / 1e6, hi / lo, clo, chi, chi / clo }' "$tsv"
	done
} > "$res"
cat "$res"
