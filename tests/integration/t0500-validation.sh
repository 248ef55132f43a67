#!/bin/sh
# t0500-validation.sh - every run writes one row per check to meta_data_validation_log
# (integrity apart from quality), its attrition with reasons and its step timings; the
# figures equal what awk finds in the fixture files; a FAIL (thresholds from --set)
# stops the run with exit 65 and error 3001 and leaves the database as it was; a
# structural error is recorded as a FAIL integrity check; partial and metadata-only runs
# judge the complete study; a database from before the validation migrations upgrades.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

M="$DATA/GSE1001/GSE1001.tsv"
MD="$DATA/GSE1001/metadata_GSE1001.tsv"
orig="$T/orig"; cp -R "$DATA/GSE1001" "$orig"
reset() { rm -rf "$DATA/GSE1001"; cp -R "$orig" "$DATA/GSE1001"; }
run_of() { q "SELECT max(run_id) FROM meta_etl_run WHERE study_accession = '$1'"; }
# a double rounded to 6 decimals as short text: 5, 0.04, 0.008333
if [ "$BACKEND" = pg ]; then
	short() { echo "CAST(CAST(round(CAST($1 AS numeric), 6) AS double precision) AS text)"; }
else
	short() { echo "printf('%.15g', round($1, 6))"; }
fi
# check RUN NAME -> kind|status|observed ('' for NULL)
check() {
	q "SELECT kind || '|' || status || '|' || CASE WHEN observed IS NULL THEN '' ELSE $(short observed) END
	   FROM meta_data_validation_log WHERE run_id = $1 AND check_name = '$2'"
}
threshold() { q "SELECT $(short threshold) FROM meta_data_validation_log WHERE run_id = $1 AND check_name = '$2'"; }
message() { q "SELECT message FROM meta_data_validation_log WHERE run_id = $1 AND check_name = '$2'"; }
attr() { q "SELECT n FROM meta_data_attrition WHERE run_id = $1 AND reason = '$2'"; }
# awk over a matrix: samples, genes, max, and per column min/max
ncols() { head -1 "$1" | awk -F'\t' '{ print NF - 1 }'; }
nrows() { awk 'END { print NR - 1 }' "$1"; }
vmax() { awk -F'\t' 'NR > 1 { for (i = 2; i <= NF; i++) if (m == "" || $i + 0 > m) m = $i + 0 } END { printf "%.15g\n", m }' "$1"; }

gx load GSE1001 SRP2002 E-GEOD-3003; is "$rc" 0 "three studies load"
r1=$(run_of GSE1001); r2=$(run_of SRP2002); r3=$(run_of E-GEOD-3003)

# one row per check per run, integrity apart from quality
for r in $r1 $r2 $r3; do
	is "$(q "SELECT count(*) FROM meta_data_validation_log WHERE run_id = $r")" 18 "run $r: 18 checks"
	is "$(q "SELECT count(*) FROM meta_data_validation_log WHERE run_id = $r AND kind = 'integrity'
	        AND status = 'PASS' AND observed = 0")" 7 "run $r: 7 integrity checks PASS with observed 0"
	is "$(q "SELECT count(*) FROM meta_data_attrition WHERE run_id = $r")" 5 "run $r: 5 attrition reasons"
	is "$(q "SELECT step FROM meta_etl_step WHERE run_id = $r AND seconds >= 0 ORDER BY step" | tr '\n' ' ')" \
	   "load prepare validate " "run $r: step timings"
done
for c in ragged_rows non_numeric_values non_finite_values duplicate_gene_ids duplicate_samples empty_ids file_structure; do
	is "$(check "$r1" $c)" "integrity|PASS|0" "GSE1001: $c PASS"
done

# GSE1001: figures computed from the files by awk
is "$(check "$r1" sample_count)" "quality|PASS|$(ncols "$M")" "sample_count: the matrix's columns"
like "$(message "$r1" sample_count)" "5 samples in the matrix, $(($(wc -l < "$MD") - 1)) rows in 'metadata_GSE1001.tsv', 6 listed in aggregated_metadata.json" \
     "sample_count: matrix vs metadata vs aggregated_metadata.json"
is "$(check "$r1" samples_without_metadata)" "quality|PASS|0" "samples_without_metadata PASS"
is "$(check "$r1" metadata_without_data)" "quality|PASS|0" "metadata_without_data PASS"
is "$(check "$r1" aggregated_samples_absent)" "quality|WARN|1" "a sample listed in aggregated_metadata.json but absent: WARN, not an error"
like "$(message "$r1" aggregated_samples_absent)" "GSM5099" "and named"
is "$(check "$r1" genes_per_sample)" "quality|PASS|$(nrows "$M")" "genes_per_sample: the matrix's rows"
is "$(check "$r1" missing_values)" "quality|PASS|0" "missing_values PASS"
is "$(check "$r1" value_range)" "quality|PASS|$(vmax "$M")" "value_range observes the largest value"
is "$(threshold "$r1" value_range)" 100 "value_range threshold: validation.log2_max_value"
is "$(check "$r1" value_scale)" "quality|PASS|0" "value_scale: log2 (0)"
is "$(check "$r1" negative_linear_values)" "quality|PASS|" "negative_linear_values: n/a for log2 data"
is "$(check "$r1" unknown_illness)" "quality|PASS|0" "unknown_illness PASS"
is "$(check "$r1" platform_coverage)" "quality|PASS|1" "platform_coverage: every platform known"
is "$(attr "$r1" aggregated_sample_absent)" 1 "attrition: one aggregated sample absent"
is "$(attr "$r1" missing_value)" 0 "attrition: no missing value"
is "$(check "$r2" value_scale)" "quality|PASS|1" "SRP2002: value_scale linear (1)"
is "$(check "$r2" negative_linear_values)" "quality|PASS|0" "SRP2002: no negative linear value"
is "$(check "$r2" aggregated_samples_absent)" "quality|PASS|" "SRP2002: no aggregated_metadata.json: n/a"
is "$(check "$r3" unknown_illness)" "quality|WARN|1" "E-GEOD-3003: every sample UNKNOWN: WARN"
is "$(threshold "$r3" unknown_illness)" 0.5 "at validation.unknown_illness_warn"
# per-sample statistics in dim_sample equal the columns' min and max
awk -F'\t' 'NR == 1 { for (i = 2; i <= NF; i++) h[i] = $i; next }
	{ for (i = 2; i <= NF; i++) { v = $i + 0; if (!(i in lo) || v < lo[i]) lo[i] = v; if (!(i in hi) || v > hi[i]) hi[i] = v } }
	END { for (i = 2; i in h; i++) printf "%s|%.9g|%.9g\n", h[i], lo[i], hi[i] }' "$M" | sort > "$T/want"
q "SELECT s.accession, value_min, value_max FROM dim_sample s JOIN dim_study st USING (study_key)
   WHERE st.accession = 'GSE1001'" | awk -F'|' '{ printf "%s|%.9g|%.9g\n", $1, $2, $3 }' | sort > "$T/got"
is "$(cat "$T/got")" "$(cat "$T/want")" "dim_sample value_min / value_max per sample"
is "$(q "SELECT count(*) FROM dim_sample WHERE n_missing = 0 AND n_negative IS NOT NULL")" 11 "n_missing and n_negative for every sample"

# a skipped run checks nothing
gx load GSE1001; like "$out" skipped "an unchanged study is skipped"
is "$(q "SELECT count(*) FROM meta_data_validation_log WHERE run_id = $(run_of GSE1001)")" 0 "a skipped run has no checks"

# a FAIL stops the run: exit 65, 3001, the database as it was, every check recorded
good=$(db_snapshot)
gx --set validation.min_samples=10 load --force GSE1001
is "$rc" 65 "validation.min_samples=10: exit 65"
like "$out" "validation failed: sample_count 5 < 10 \(see 'gxload report [0-9]+'\)" "the message names the check"
rf=$(run_of GSE1001)
is "$(last_run GSE1001 | cut -d'|' -f1,2)" "failed|3001" "run failed with 3001"
is "$(db_snapshot)" "$good" "the database is as it was (facts, dimensions, cohorts)"
is "$(check "$rf" sample_count)" "quality|FAIL|5" "sample_count FAIL recorded"
is "$(threshold "$rf" sample_count)" 10 "with the threshold from --set"
is "$(q "SELECT count(*) FROM meta_data_validation_log WHERE run_id = $rf")" 18 "every check of the failed run recorded"
is "$(q "SELECT count(*) FROM meta_data_attrition WHERE run_id = $rf")" 5 "its attrition too"
like "$(q "SELECT l.error_code || ' ' || l.message FROM meta_etl_process_log l WHERE l.run_id = $rf AND l.level = 'error'")" \
     "^3001 validation failed" "error row in meta_etl_process_log"

# missing values: attrition with its reason; a fail limit turns them into a FAIL
awk -F'\t' -v OFS='\t' 'NR > 1 && NR <= 7 { $3 = "NA" } { print }' "$orig/GSE1001.tsv" > "$M"
gx --set extract.na_values=NA --set validation.missing_values_fail=0.01 load GSE1001
is "$rc" 65 "6 of 150 cells missing above validation.missing_values_fail=0.01: exit 65"
is "$(check "$(run_of GSE1001)" missing_values)" "quality|FAIL|0.04" "missing_values FAIL, observed 6/150"
is "$(attr "$(run_of GSE1001)" missing_value)" 6 "attrition: 6 missing values"
is "$(db_snapshot)" "$good" "the database is as it was"
gx --set extract.na_values=NA load GSE1001 SRP2002 E-GEOD-3003
is "$rc" 0 "with the default limits the same file loads (the other studies: with the same settings)"
rp=$(run_of GSE1001)
is "$(q "SELECT mode FROM meta_etl_run WHERE run_id = $rp")" partial "one sample changed: partial run"
is "$(check "$rp" missing_values)" "quality|PASS|0.04" "partial run: missing share over the whole study"
is "$(check "$rp" genes_per_sample)" "quality|PASS|24" "partial run: fewest values per sample (GSM5001: 30 - 6)"
is "$(check "$rp" sample_count)" "quality|PASS|5" "partial run: every sample counted"
like "$(message "$rp" missing_values)" "most in GSM5001" "the sample with the most missing cells is named"
is "$(attr "$rp" missing_value)" 6 "attrition: 6 missing values (not stored)"
is "$(q "SELECT n_missing || '|' || n_values FROM dim_sample WHERE accession = 'GSM5001'")" "6|24" "dim_sample: GSM5001's counts"
ref_check "partial run with missing values" --set extract.na_values=NA

# metadata-only run: the matrix is not read again, the figures are still the study's
sed -i 's/patient 2, day 1/patient 2, day one/' "$MD"
gx --set extract.na_values=NA load GSE1001 SRP2002 E-GEOD-3003; is "$rc" 0 "metadata change loads"
rm_=$(run_of GSE1001)
is "$(q "SELECT mode FROM meta_etl_run WHERE run_id = $rm_")" metadata "metadata-only run"
is "$(check "$rm_" missing_values)" "quality|PASS|0.04" "metadata run: figures from dim_sample"
is "$(message "$rm_" duplicate_gene_ids)" "none (the matrix was not read again: unchanged since its last load)" \
   "integrity rows say the matrix was not re-read"
ref_check "metadata-only run" --set extract.na_values=NA
reset

# samples without metadata and metadata without samples
sed -i '1s/GSM5003/GSM5006/' "$M"
gx load GSE1001; is "$rc" 0 "a column without a metadata row loads"
r=$(run_of GSE1001)
is "$(check "$r" samples_without_metadata)" "quality|WARN|0.2" "1 of 5 samples without metadata: WARN"
like "$(message "$r" samples_without_metadata)" "GSM5006" "and named"
is "$(check "$r" metadata_without_data)" "quality|WARN|1" "a metadata row without a column: WARN"
like "$(message "$r" metadata_without_data)" "GSM5003" "and named"
is "$(attr "$r" sample_without_metadata)" 1 "attrition: sample without metadata"
is "$(attr "$r" metadata_without_data)" 1 "attrition: metadata row without data"
is "$(check "$r" aggregated_samples_absent)" "quality|WARN|2" "aggregated_metadata.json: GSM5003 and GSM5099 absent"
reset

# linear data with a negative value: log2_value NULL, counted with its reason
S="$DATA/SRP2002/SRP2002.tsv"
awk -F'\t' -v OFS='\t' 'NR == 3 { $2 = -5 } { print }' "$S" > "$T/s" && cp "$T/s" "$S"
gx load --force SRP2002; is "$rc" 0 "a negative value in linear data loads"
r=$(run_of SRP2002)
is "$(check "$r" negative_linear_values)" "quality|WARN|0.008333" "1 of 120 values negative: WARN"
is "$(attr "$r" negative_linear_log2_null)" 1 "attrition: one log2_value NULL"
is "$(q "SELECT count(*) FROM fact_gene_expression f JOIN dim_study st USING (study_key)
        WHERE st.accession = 'SRP2002' AND f.log2_value IS NULL AND f.value = -5")" 1 "the value is stored, its log2_value is NULL"

# the FAIL limits of the checks not failed above: the run fails with 3001 and the
# figure awk finds, the database stays as it was
fail_limit() { # NAME ACC CHECK OBSERVED OP LIMIT SET...
	name=$1; acc=$2; chk=$3; obs=$4; op=$5; lim=$6; shift 6
	before=$(db_snapshot)
	gx "$@" load --force "$acc"
	is "$rc" 65 "$name: exit 65"
	like "$out" "^gxload: error: $acc: validation failed: $chk $obs $op $lim \(see 'gxload report [0-9]+'\)$" \
	     "$name: the message names the check, its figure and the limit"
	is "$(check "$(run_of "$acc")" "${chk##*; }")" "quality|FAIL|$(awk -v x="$obs" 'BEGIN { printf "%.15g", sprintf("%.6f", x) }')" \
	   "$name: the FAIL row"
	is "$(db_snapshot)" "$before" "$name: the database is as it was"
}
share() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6g\n", a / b }'; }
fail_limit "negative_values_fail" SRP2002 negative_linear_values "$(share 1 "$(awk -F'\t' 'NR > 1 { n += NF - 1 } END { print n }' "$S")")" ">" 0.005 \
	--set validation.negative_values_fail=0.005
fail_limit "genes_per_sample_fail" GSE1001 genes_per_sample "$(nrows "$M")" "<" 31 \
	--set validation.genes_per_sample_fail=31
sed -i '1s/GSM5003/GSM5006/' "$M"
fail_limit "samples_without_metadata_fail" GSE1001 samples_without_metadata "$(share 1 "$(ncols "$M")")" ">" 0.1 \
	--set validation.samples_without_metadata_fail=0.1
reset
awk -F'\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "refinebio_platform") c = i }
	NR == 2 { $c = "Mystery chip 9000" } { print }' "$MD" > "$T/md" && cp "$T/md" "$MD"
is "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "refinebio_platform") c = i } NR == 2 { print $c }' "$MD")" \
   "Mystery chip 9000" "one sample's platform is one no table knows (awk)"
fail_limit "platform_coverage_fail" GSE1001 platform_coverage "$(share 4 5)" "<" 0.9 \
	--set validation.platform_coverage_fail=0.9
fail_limit "two FAILs at once" GSE1001 "sample_count 5 < 6; platform_coverage" "$(share 4 5)" "<" 0.9 \
	--set validation.platform_coverage_fail=0.9 --set validation.min_samples=6
reset

# structural errors are recorded as integrity FAILs; the database as it was
good=$(db_snapshot)
integrity_fail() { # NAME CHECK
	# shellcheck disable=SC2086
	gx $sets load GSE1001
	is "$rc" 65 "$1: exit 65"
	r=$(run_of GSE1001)
	is "$(check "$r" "$2")" "integrity|FAIL|1" "$1: $2 FAIL"
	like "$(message "$r" "$2")" "GSE1001" "$1: the message locates the error"
	is "$(q "SELECT count(*) FROM meta_data_validation_log WHERE run_id = $r AND status = 'FAIL'")" 1 "$1: one FAIL row"
	is "$(db_snapshot)" "$good" "$1: database unchanged"
	reset
}
sets="--set genes.duplicates=refuse" # the default renames a repeat (t0815-duplicates)
sed -n '2p' "$M" >> "$M"; integrity_fail "duplicate gene id" duplicate_gene_ids
sets=""
sed -i '5s/\t[^\t]*/\tabc/2' "$M"; integrity_fail "non-numeric cell" non_numeric_values
sed -i '9s/\t[^\t]*/\tNaN/2' "$M"; integrity_fail "NaN" non_finite_values
sed -i '3s/\t[^\t]*$//' "$M"; integrity_fail "ragged row" ragged_rows
sed -i '1s/GSM5005/GSM5001/' "$M"; integrity_fail "duplicate sample column" duplicate_samples
sed -i '12s/^[^\t]*//' "$M"; integrity_fail "empty gene id" empty_ids
printf '{"experiments": ' > "$DATA/GSE1001/aggregated_metadata.json"; integrity_fail "malformed JSON" file_structure
like "$(q "SELECT check_name || ' ' || check_status FROM vw_etl_failures WHERE run_id = $(run_of GSE1001) AND source = 'check'")" \
     "file_structure FAIL" "integrity failures show in vw_etl_failures"

# a study loaded before the validation migrations (simulated: no statistics, no cohort
# rows, a fingerprint of before): the next run re-judges it without reading the matrix
reset
gx load GSE1001; is "$rc" 0 "GSE1001 loads again"
q "UPDATE dim_sample SET n_missing = NULL, n_negative = NULL, value_min = NULL, value_max = NULL;
   DELETE FROM fact_cohort_gene_stats; UPDATE dim_study SET input_fingerprint = 'before'" > /dev/null
gx load GSE1001; is "$rc" 0 "the next run succeeds"
r=$(run_of GSE1001)
is "$(q "SELECT mode FROM meta_etl_run WHERE run_id = $r")" metadata "as a metadata-only run"
is "$(q "SELECT count(*) FROM fact_cohort_gene_stats c JOIN dim_study st USING (study_key)
        WHERE st.accession = 'GSE1001'")" 60 "its cohort statistics are filled (2 cohorts x 30 genes)"
like "$(message "$r" missing_values)" "5 samples loaded before gxload measured them are not counted: reload with --force" \
     "unmeasured samples are said so"
is "$(check "$r" missing_values)" "quality|PASS|" "and not judged"
gx load --force GSE1001; is "$(check "$(run_of GSE1001)" missing_values)" "quality|PASS|0" "--force measures them"

# the migrations apply to a database with rows of before
share="$T/share"; mkdir -p "$share"
cp -R "$GXLOAD_TOP/migrations" "$GXLOAD_TOP/configs" "$GXLOAD_TOP/rules" "$share/"
for f in "$share"/migrations/*/*.sql; do # every migration after 0002 (later ones build on them)
	case "$(basename "$f")" in 0001_*|0002_*) ;; *) rm "$f" ;; esac
done
if [ "$BACKEND" = pg ]; then
	psql -X -q -h 127.0.0.1 -p "$GXTEST_PGPORT" -U gxtest -d postgres -c "CREATE DATABASE ${PGDB}_old" >/dev/null
	OLD=$(pg_url "${PGDB}_old")
	qo() { psql -X -qAt -F'|' -v ON_ERROR_STOP=1 "$OLD" -c "$1"; }
else
	OLD="sqlite:$T/old.db"
	qo() { sqlite3 -batch -noheader -separator '|' "$T/old.db" "$1"; }
fi
GXLOAD_SHARE_DIR="$share" "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$OLD" migrate > "$T/o" 2>&1
is $? 0 "a database at migration 0002"
qo "INSERT INTO meta_etl_run (study_accession, status, started_at) VALUES ('OLD1', 'succeeded', '2020-01-01T00:00:00.000Z');
    INSERT INTO meta_data_validation_log (run_id, study_accession, check_name, status, created_at)
    SELECT max(run_id), 'OLD1', 'old_check', 'WARN', '2020-01-01T00:00:00.000Z' FROM meta_etl_run" > /dev/null
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$OLD" migrate > "$T/o" 2>&1
is $? 0 "migrates to the current schema"
is "$(qo "SELECT kind || '|' || check_name FROM meta_data_validation_log")" "quality|old_check" "an old check row is a quality check"
is "$(qo "SELECT study_accession || '|' || status FROM vw_etl_run_latest")" "OLD1|succeeded" "the views see old runs"
if [ "$BACKEND" = pg ]; then
	psql -X -q -h 127.0.0.1 -p "$GXTEST_PGPORT" -U gxtest -d postgres -c "DROP DATABASE ${PGDB}_old WITH (FORCE)" >/dev/null
fi
done_testing
