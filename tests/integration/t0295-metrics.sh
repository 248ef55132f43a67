#!/bin/sh
# t0295-metrics.sh - metrics.textfile (issue 15): after every load and drop, a Prometheus
# text file (node_exporter's textfile collector format) that promtool accepts, with every
# study's latest run as the database holds it; dry runs leave it alone; it is written
# whole or not at all: a write, fsync or rename that fails (a full disk, made by the
# failwrite shim at every step in turn) leaves the old file and no temporary one, and
# exits 74.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

P="$T/prom/gxload.prom"
mkdir "$T/prom"
cat >> "$T/gxload.yaml" <<EOC
metrics:
  textfile: prom/gxload.prom
EOC
promcheck() { promtool check metrics < "$1" > "$T/promtool.out" 2>&1; }
metric() { # NAME STUDY [STATUS]: the value of one sample of the file
	if [ -n "${3:-}" ]; then
		grep "^$1{study=\"$2\",status=\"$3\"} " "$P" | cut -d' ' -f2
	else
		grep "^$1{study=\"$2\"} " "$P" | cut -d' ' -f2
	fi
}
if [ "$BACKEND" = pg ]; then
	epoch() { echo "extract(epoch FROM $1)"; }
else
	epoch() { echo "(julianday($1) - 2440587.5) * 86400.0"; }
fi
same_num() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(a != "" && d < 0.002 && d > -0.002) }'; }

command -v promtool > /dev/null; ok $? "promtool is installed (Debian package prometheus)"
gx load GSE1001 SRP2002 GSE9999; is "$rc" 65 "a load of two studies and an unknown one"
[ -f "$P" ]; ok $? "the metrics file is written (path relative to the config file)"
promcheck "$P"; ok $? "promtool check metrics accepts it"
sed 's/^/#   /' "$T/promtool.out" | head -5
is "$(ls "$T/prom")" "gxload.prom" "no temporary file is left beside it"
is "$(grep '^gxload_studies ' "$P")" "gxload_studies 3" "gxload_studies counts the studies with a run"
is "$(metric gxload_study_last_run_status GSE1001 succeeded)|$(metric gxload_study_last_run_status GSE1001 failed)" "1|0" \
   "GSE1001: its latest run succeeded (a state set: 1 for its status, 0 for the others)"
is "$(grep -c '^gxload_study_last_run_status{study="GSE1001",' "$P")" 5 "one sample per status"
is "$(metric gxload_study_last_run_status GSE9999 failed)|$(metric gxload_study_last_run_error_code GSE9999)" "1|2001" \
   "GSE9999: failed with error 2001"
is "$(metric gxload_study_last_success_timestamp_seconds GSE9999)" 0 "a study that never succeeded: last success 0"
is "$(metric gxload_study_last_run_rows_inserted GSE1001)|$(metric gxload_study_last_run_rows_deleted GSE1001)|$(metric gxload_study_last_run_samples_changed GSE1001)" \
   "150|0|5" "rows inserted, deleted and samples changed of the latest run"
is "$(metric gxload_study_samples SRP2002)|$(metric gxload_study_values SRP2002)|$(metric gxload_study_last_run_attempt SRP2002)" \
   "3|120|1" "the study's samples, values and the run's attempt"
for s in GSE1001 SRP2002; do
	want=$(q "SELECT $(epoch 'max(finished_at)') FROM meta_etl_run WHERE study_accession = '$s' AND status = 'succeeded'")
	same_num "$(metric gxload_study_last_success_timestamp_seconds $s)" "$want"
	ok $? "$s: the last success time is its run's finished_at ($want)"
	want=$(q "SELECT $(epoch finished_at) - $(epoch started_at) FROM meta_etl_run WHERE study_accession = '$s' ORDER BY run_id DESC LIMIT 1")
	same_num "$(metric gxload_study_last_run_duration_seconds $s)" "$want"
	ok $? "$s: the duration is the run's ($want s)"
	for st in FAIL WARN; do
		want=$(q "SELECT count(*) FROM meta_data_validation_log WHERE status = '$st' AND run_id =
		          (SELECT max(run_id) FROM meta_etl_run WHERE study_accession = '$s')")
		is "$(metric gxload_study_validation_checks $s $st)" "$want" "$s: $st checks of its latest run ($want)"
	done
done

# a skipped run: its status, the success time moves on
gx load GSE1001
is "$(metric gxload_study_last_run_status GSE1001 skipped)" 1 "after a skipped run: status skipped"
# a dry run writes nothing
cp "$P" "$T/before"
gx load --dry-run --force GSE1001 SRP2002
cmp -s "$P" "$T/before"; ok $? "a dry run leaves the file as it was"
# drop: the study leaves the file
gx drop SRP2002; is "$rc" 0 "drop"
is "$(grep -c 'study="SRP2002"' "$P")" 0 "after drop the study is not in the file"
is "$(grep '^gxload_studies ' "$P")" "gxload_studies 2" "and gxload_studies counts one fewer"
promcheck "$P"; ok $? "promtool accepts it still"
# studies loaded by other runs are in every file: the file describes the database
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" --set metrics.textfile="$T/other.prom" load SRP2002 > /dev/null 2>&1
is "$(grep -c '^gxload_study_samples{' "$T/other.prom")" 3 "a file written by one load lists every study of the database"

# a directory that does not exist: the data is committed, the run says so and exits 74
gx --set metrics.textfile="$T/nodir/x.prom" load --force GSE1001
is "$rc" 74 "a metrics file that cannot be written: exit 74"
like "$out" "^gxload: error: metrics.textfile not written: cannot write '$T/nodir/x.prom': create: No such file or directory" \
     "the message names the file and the step"
like "$out" "^GSE1001: succeeded \(full\)" "the load itself succeeded"

# a full disk at each write of the file in turn: the old file stays whole
if [ "$BACKEND" = sqlite ]; then
	SHIM="$GXLOAD_TOOLS/libfailwrite.so"
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	shimmed() { # N: one forced load with the Nth write of the metrics file failing, and after
		GXFAIL_AT=$1 GXFAIL_STICKY=1 GXFAIL_PATH="$T/prom/" GXFAIL_COUNT="$T/count" \
		LD_PRELOAD="$SHIM" "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" load --force GSE1001 \
			> "$T/out" 2>&1
		rc=$?
	}
	shimmed 0; is "$rc" 0 "under the shim, nothing failing: exit 0"
	total=$(cat "$T/count")
	ok $((total < 2)) "the file's writes are counted ($total: write and fsync at least)"
	bad=0 n=1
	while [ "$n" -le "$total" ]; do
		cp "$P" "$T/old"
		shimmed "$n"
		if [ "$rc" -ne 74 ] || ! cmp -s "$P" "$T/old" || [ "$(ls "$T/prom")" != gxload.prom ] ||
		   ! promcheck "$P"; then
			bad=$((bad + 1)); diag "N=$n: exit $rc, $(ls "$T/prom" | tr '\n' ' ')$(cmp -s "$P" "$T/old" || echo ' file changed')"
		fi
		n=$((n + 1))
	done
	is "$bad" 0 "each of the $total writes failing in turn: exit 74, the old file whole, no temporary file"
	like "$(cat "$T/out")" "metrics.textfile not written: cannot write '$P': (write|fsync|close): No space left on device" \
	     "the message says the disk is full"
	gx load --force GSE1001; is "$rc" 0 "the disk has room again: exit 0"
	unlike "$(cmp "$P" "$T/old" 2>&1)" "^$" "and the file is new"
	promcheck "$P"; ok $? "and whole"
fi
done_testing
