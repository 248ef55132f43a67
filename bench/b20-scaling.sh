#!/bin/sh
# b20-scaling.sh - PostgreSQL, time against rows: 20,000 genes x 50, 250, 500, 1000 and
# 2000 samples (1M, 5M, 10M, 20M, 40M values).  For each size, medians of $BENCH_RUNS
# runs of gxload end to end and of psql \copy of the pre-melted rows into the same final
# table with and without its key; the pandas peer (no key) up to $BENCH_PANDAS_MAX rows
# (default 10M: beyond, it takes minutes and gigabytes per run).  A least-squares line
# time = a + b * rows is fitted for each method (R^2 and the largest deviation of a
# point from it are reported), and bench/plot.py draws time against rows.
# Output: bench/results/b20-scaling.md, .tsv and .svg.  With --report, only the table,
# the fit and the plot are made again from bench/results/b20-scaling.tsv.
set -eu
BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "$0")" && pwd)}
BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
BENCH_WORK=${BENCH_WORK:-/tmp}
. "$BENCH_DIR/lib.sh"
tsvout="$BENCH_RESULTS/b20-scaling.tsv"
pandas_max=${BENCH_PANDAS_MAX:-10000000}
report_only=0
[ "${1:-}" = --report ] && report_only=1

measure_all() {
	. "$GXLOAD_TOP/tests/lib/pg.sh"
	bench_init b20-scaling
	conninfo="host=127.0.0.1 port=$GXTEST_PGPORT user=gxtest dbname=gxbench"
	: > "$tsvout"
	for s in 50 250 500 1000 2000; do
		acc="B20KX$s"
		rows=$((20000 * s))
		gen "$acc" 20000 "$s" --melted "$BENCH_DATA/$acc.csv"
		i=0
		while [ $i -lt "$BENCH_RUNS" ]; do
			fresh_db gxbench
			gx_pg "$W/gxload.$s" gxbench "$acc"
			ref_table gxbench pk
			copy_csv "$W/copy_pk.$s" gxbench "$BENCH_DATA/$acc.csv"
			ref_table gxbench nopk
			copy_csv "$W/copy_nopk.$s" gxbench "$BENCH_DATA/$acc.csv"
			if [ $rows -le "$pandas_max" ]; then
				ref_table gxbench nopk
				measure "$W/pandas_nopk.$s" /usr/bin/python3 "$BENCH_DIR/pandas_peer.py" \
					"$BENCH_DATA/$acc/$acc.tsv" "$conninfo" fact_gene_expression
			fi
			[ "$(count_facts gxbench)" -eq $rows ] || { echo "b20: wrong count at $rows" >&2; exit 1; }
			i=$((i + 1))
		done
		for m in gxload copy_pk copy_nopk pandas_nopk; do
			[ -f "$W/$m.$s" ] || continue
			printf '%s\t%s\t%s\t%s\n' "$m" $rows "$(median "$W/$m.$s" 1)" "$(median "$W/$m.$s" 4)" >> "$tsvout"
		done
	done
	echo "Medians of $BENCH_RUNS runs; $(date -u +%Y-%m-%d), $(nproc) cores; $note." > "$tsvout.note"
}

fit() { # METHOD -> "a b r2 maxdev%" of time = a + b * rows (rows in millions)
	awk -F'\t' -v m="$1" '$1 == m { n++; x[n] = $2 / 1e6; y[n] = $3 }
		END {
			for (i = 1; i <= n; i++) { sx += x[i]; sy += y[i]; sxx += x[i] * x[i]; sxy += x[i] * y[i] }
			b = (n * sxy - sx * sy) / (n * sxx - sx * sx); a = (sy - b * sx) / n
			for (i = 1; i <= n; i++) {
				f = a + b * x[i]; r = y[i] - f; ss += r * r; st += (y[i] - sy / n) ^ 2
				d = (r < 0 ? -r : r) / y[i]; if (d > md) md = d
			}
			printf "%.3f %.4f %.4f %.1f\n", a, b, 1 - ss / st, md * 100
		}' "$tsvout"
}
name() { # dash's echo would take the \c of \copy for "stop here": printf
	case $1 in
	gxload) printf '%s' "gxload end to end" ;;
	copy_pk) printf '%s' 'psql \copy, key in place' ;;
	copy_nopk) printf '%s' 'psql \copy, no key' ;;
	pandas_nopk) printf '%s' "pandas peer, no key" ;;
	esac
}
[ $report_only -eq 1 ] || measure_all
res="$BENCH_RESULTS/b20-scaling.md"
{
	echo "### PostgreSQL: time against rows (20,000 genes x 50 ... 2,000 samples)"
	echo
	cat "$tsvout.note"
	echo
	printf '%s\n' '| rows | gxload s | gxload rows/s | gxload peak RSS MB | psql \copy, key in place s | psql \copy, no key s | pandas peer, no key s |'
	echo "|---|---|---|---|---|---|---|"
	for s in 50 250 500 1000 2000; do
		rows=$((20000 * s))
		g=$(awk -F'\t' -v r=$rows '$1 == "gxload" && $2 == r { print $3 }' "$tsvout")
		printf '| %sM | %s | %.2fM | %.1f | %s | %s | %s |\n' $((rows / 1000000)) "$g" \
			"$(awk -v s="$g" -v r=$rows 'BEGIN { print r / s / 1e6 }')" \
			"$(awk -F'\t' -v r=$rows '$1 == "gxload" && $2 == r { print $4 / 1024 }' "$tsvout")" \
			"$(awk -F'\t' -v r=$rows '$1 == "copy_pk" && $2 == r { print $3 }' "$tsvout")" \
			"$(awk -F'\t' -v r=$rows '$1 == "copy_nopk" && $2 == r { print $3 }' "$tsvout")" \
			"$(awk -F'\t' -v r=$rows '$1 == "pandas_nopk" && $2 == r { print $3 } END { }' "$tsvout" | grep . || echo '-')"
	done
	echo
	echo "Least-squares fit, time = a + b x rows (rows in millions); the deviation is the largest"
	echo "distance of a median from the line, relative to the median:"
	echo
	echo "| method | a (s) | b (s per M rows) | R^2 | largest deviation from the line |"
	echo "|---|---|---|---|---|"
	for m in gxload copy_pk copy_nopk pandas_nopk; do
		grep -q "^$m	" "$tsvout" || continue
		set -- $(fit $m)
		printf '| %s | %s | %s | %s | %s%% |\n' "$(name $m)" "$1" "$2" "$3" "$4"
	done
} > "$res"
/usr/bin/python3 "$BENCH_DIR/plot.py" "$tsvout" "$BENCH_RESULTS/b20-scaling.svg" ||
	echo "b20: no plot (python3-matplotlib missing?)" >&2
cat "$res"
