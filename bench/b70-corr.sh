#!/bin/sh
# b70-corr.sh - all-pairs Pearson with the top 1,000 pairs kept, 20,000 genes x 500
# samples: gxload's gx_corr_run (bench/corr_bench.c) against numpy.corrcoef plus the same
# top-K selection (bench/corr_numpy.py) on the same matrix and the same OpenBLAS, run
# alternately BENCH_RUNS times in one go; then Spearman once, and 60,000 genes at the
# default 256 MB budget from a generated source (no matrix in memory) for peak memory;
# and the differential pass over 20,000 genes (bench/diff_bench.c).  Then the same through
# the real binary on PostgreSQL: the 20,000 x 500 study (gen_study, cohorts by its group
# field: 167 controls, 333 patients) loaded plainly (peak RSS: the load's 64 MB) and with
# the differential pass after it (analysis.differential_after_load), and `gxload analyze`
# correlating the study as one cohort of 500 (--cohort-by none) at the default budget.
# Both sides use OpenBLAS's default thread count (every core).  numpy reaches OpenBLAS
# through libblas.so.3, which Debian's alternatives point at the OpenBLAS pthread build
# once libopenblas-dev is installed; the script reads the library numpy's process mapped
# and stops if it is not OpenBLAS.
# Output: bench/results/b70-corr.md
set -eu
. "$BENCH_DIR/lib.sh"
. "$GXLOAD_TOP/tests/lib/pg.sh"
bench_init b70-corr
PY=/usr/bin/python3
data="$BENCH_DATA/corr_20000x500.f64"
[ -f "$data" ] || "$PY" "$BENCH_DIR/corr_numpy.py" --write "$data" 20000 500

i=0
while [ "$i" -lt "$BENCH_RUNS" ]; do
	"$BENCH_TOOLS/corr_bench" 20000 500 --data "$data" --top 1000 >> "$W/gx"
	"$PY" "$BENCH_DIR/corr_numpy.py" "$data" 20000 500 --top 1000 >> "$W/np"
	i=$((i + 1))
done
blas=$(sed -n 's/.* blas=\([^ ]*\).*/\1/p' "$W/np" | head -1)
case "$blas" in
*openblas*) ;;
*)	echo "b70: numpy does not run on OpenBLAS ($blas); point libblas.so.3 at it:" >&2
	echo "  update-alternatives --set libblas.so.3-x86_64-linux-gnu" \
	     "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3" >&2
	exit 1 ;;
esac
gxblas=$(readlink -f "$(ldd "$BENCH_TOOLS/corr_bench" | awk '/openblas/ { print $3 }')")
# the same strongest pair on both sides (both print its |r| to 6 places)
gtop=$(sed -n 's/.* top_r=\([^ ]*\).*/\1/p' "$W/gx" | head -1)
ntop=$(sed -n 's/.* top_r=\([^ ]*\).*/\1/p' "$W/np" | head -1)
[ "$gtop" = "$ntop" ] || { echo "b70: strongest |r| differs: gxload $gtop, numpy $ntop" >&2; exit 1; }
"$BENCH_TOOLS/corr_bench" 20000 500 --data "$data" --top 1000 --method spearman > "$W/sp"
"$BENCH_TOOLS/corr_bench" 60000 500 --top 1000 > "$W/g60k"
# the differential pass over a study's genes: two cohorts of 250, and 5 against 495 (the
# exact U test for every gene)
"$BENCH_TOOLS/diff_bench" 20000 250 250 > "$W/d250"
"$BENCH_TOOLS/diff_bench" 20000 5 495 > "$W/d5"

# the real binary: loads with and without the differential pass, then analyze
gen B20KX500 20000 500
GRP="--set analysis.cohort_by=characteristics_ch1_group --set analysis.compare=patient:control"
i=0
while [ "$i" -lt "$BENCH_RUNS" ]; do
	fresh_db gxbench
	# shellcheck disable=SC2086
	gx_pg "$W/load" gxbench B20KX500 $GRP
	fresh_db gxbench
	# shellcheck disable=SC2086
	gx_pg "$W/loaddiff" gxbench B20KX500 $GRP --set analysis.differential_after_load=true
	i=$((i + 1))
done
[ "$($PSQL -d gxbench -Atc "SELECT count(*) FROM fact_cohort_differential")" -eq 20000 ] ||
	{ echo "b70: the load did not compare 20,000 genes" >&2; exit 1; }
an() { # OUT ARGS...: gxload analyze of B20KX500
	o=$1; shift
	measure "$o" "$GXLOAD_BIN" --db "$(pg_url gxbench)" --set lock_dir="$BENCH_WORK/lock" \
		--progress never analyze "$@" B20KX500
}
an "$W/andiff" --differential-only --compare patient:control
an "$W/ancorr" --cohort-by none --correlation-only --top 1000
grep -q '1000 pairs kept of 199990000 tested' "$W/ancorr.log" ||
	{ echo "b70: analyze did not test every pair:" >&2; cat "$W/ancorr.log" >&2; exit 1; }

kv() { # FILE KEY -> the median of KEY's values
	sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$1" | sort -g |
		awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
gx=$(kv "$W/gx" seconds)
np=$(kv "$W/np" corrcoef_seconds)
nptop=$(kv "$W/np" topk_seconds)
{
	echo "### All-pairs correlation, top 1,000 kept: gxload against numpy (median of $BENCH_RUNS)"
	echo
	echo "$(date -u +%Y-%m-%d); $note; $(nproc) cores."
	echo
	echo "| run | genes x samples | seconds | of which BLAS | sweeps | peak MB (run's own) | peak RSS MB |"
	echo "|---|---|---|---|---|---|---|"
	row() { # LABEL SIZE FILE
		printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$(kv "$3" seconds)" \
			"$(kv "$3" blas_seconds)" "$(kv "$3" passes)" "$(kv "$3" peak_mb)" "$(kv "$3" maxrss_mb)"
	}
	row "gxload Pearson" "20,000 x 500" "$W/gx"
	printf '| numpy.corrcoef | 20,000 x 500 | %s (+ %s for the top K) | - | - | - | %s |\n' "$np" \
		"$nptop" "$(kv "$W/np" maxrss_mb)"
	row "gxload Spearman" "20,000 x 500" "$W/sp"
	row "gxload Pearson, generated source" "60,000 x 500" "$W/g60k"
	echo
	echo "gxload / numpy.corrcoef: $(ratio "$gx" "$np") (target: <= 1.2).  gxload's figure"
	echo "includes p-values, BH q-values and the top-K selection; numpy's does not (its top-K"
	echo "selection over the full 20,000 x 20,000 matrix is shown apart).  The 20,000-gene runs"
	echo "hold the 80 MB input matrix besides the run's own memory; the 60,000-gene run has no"
	echo "matrix: its RSS is the run (budget 256 MB) plus the program."
	echo
	echo "BLAS: numpy $blas; gxload $gxblas."
	echo
	echo "| differential pass, 20,000 genes | wall s | CPU s |"
	echo "|---|---|---|"
	printf '| 250 against 250 (normal approximation) | %s | %s |\n' "$(kv "$W/d250" seconds)" \
		"$(kv "$W/d250" cpu_seconds)"
	printf '| 5 against 495 (exact U) | %s | %s |\n' "$(kv "$W/d5" seconds)" "$(kv "$W/d5" cpu_seconds)"
	echo
	echo "Through the binary, PostgreSQL, 20,000 x 500 (medians of $BENCH_RUNS loads, one analyze each):"
	echo
	echo "| command | wall s | user s | sys s | peak RSS MB | server CPU s |"
	echo "|---|---|---|---|---|---|"
	echo "| load | $(cell "$W/load") |"
	echo "| load, differential pass after it | $(cell "$W/loaddiff") |"
	echo "| analyze --differential-only | $(cell "$W/andiff") |"
	echo "| analyze --cohort-by none --correlation-only --top 1000 | $(cell "$W/ancorr") |"
	echo
	lw=$(median "$W/load" 1); dw=$(median "$W/loaddiff" 1)
	echo "The differential pass in a load: $(awk -v a="$dw" -v b="$lw" 'BEGIN { printf "%.2f s, %.1f%%", a - b, 100 * (a - b) / b }') of the load (target: < 10%)."
	echo "analyze Pearson / numpy.corrcoef: $(ratio "$(median "$W/ancorr" 1)" "$np") (reading the study's facts back included)."
} > "$res"
cat "$res"
