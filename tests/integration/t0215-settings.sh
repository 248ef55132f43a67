#!/bin/sh
# t0215-settings.sh - every setting that changes what is stored is part of the input
# fingerprint and reloads what it affects: transform.value_scale, linear_threshold and
# scale_probe_rows (a scale other than the study's rewrites every sample),
# extract.na_values (the samples whose cells it turns missing or back), analysis.*
# (cohort statistics, facts untouched); settings that change nothing stored
# (validation.*, extract.max_field_bytes, load.*, the backends' tuning) skip the study,
# and a stricter validation limit judges only the next run that loads something.  After
# every step the database equals a clean `load --force` with the same settings
# (ref_check); expected values come from awk over the files.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

M="$DATA/GSE1001/GSE1001.tsv"
S="$DATA/SRP2002/SRP2002.tsv"
# SRP2002 (counts, linear) gets a negative value: its log2_value is NULL
awk -F'\t' -v OFS='\t' 'NR == 3 { $2 = -5 } { print }' "$S" > "$T/s" && cp "$T/s" "$S"

# line ACC MODE SAMPLES GENES VALUES SCALE INSERTED DELETED CHANGED -> the summary line's regex
line() { echo "^$1: succeeded \($2\) $3 samples, $4 genes, $5 values \($6\); $7 rows inserted, $8 deleted, $9 samples changed \[run"; }
gxs() { gx $SETS "$@"; } # gx with the step's settings
# how many facts of ACC have log2_value = value, log2(value + 1) (1e-12), NULL
log2_is_value() { q "SELECT count(*) FROM fact_gene_expression f JOIN dim_study s USING (study_key)
                     WHERE s.accession = '$1' AND f.log2_value = f.value"; }
log2_is_linear() { q "SELECT count(*) FROM fact_gene_expression f JOIN dim_study s USING (study_key)
                      WHERE s.accession = '$1' AND f.value >= 0
                      AND abs(f.log2_value - ln(CASE WHEN f.value >= 0 THEN f.value + 1 ELSE 1 END) / ln(2)) < 1e-12"; }
log2_null() { q "SELECT count(*) FROM fact_gene_expression f JOIN dim_study s USING (study_key)
                 WHERE s.accession = '$1' AND f.log2_value IS NULL"; }
cells() { awk -F'\t' -v na="${2-}" 'NR > 1 { for (i = 2; i <= NF; i++) if ($i != na || na == "") n++ } END { print n + 0 }' "$1"; }
negative() { awk -F'\t' 'NR > 1 { for (i = 2; i <= NF; i++) if ($i + 0 < 0) n++ } END { print n + 0 }' "$1"; }
nm=$(cells "$M"); ns=$(cells "$S")

SETS=""
gxs load GSE1001 SRP2002; is "$rc" 0 "both studies load with the defaults"
is "$(log2_is_value GSE1001)" "$nm" "GSE1001 is log2 data: log2_value = value"
is "$(log2_is_linear SRP2002)" "$((ns - $(negative "$S")))" "SRP2002 is counts: log2_value = log2(value + 1)"
is "$(log2_null SRP2002)" "$(negative "$S")" "and NULL for its negative value"

# transform.value_scale: log2 rewrites the linear study whole, the other keeps its facts
SETS="--set transform.value_scale=log2"
gxs load GSE1001 SRP2002; is "$rc" 0 "transform.value_scale=log2"
like "$out" "$(line SRP2002 full 3 40 "$ns" log2 "$ns" "$ns" 3)" "SRP2002 is rewritten as log2 data"
like "$out" "$(line GSE1001 partial 5 30 "$nm" log2 0 0 0)" "GSE1001 (log2 already): its digests match, nothing rewritten"
is "$(log2_is_value SRP2002)" "$ns" "SRP2002: log2_value = value now"
ref_check "value_scale log2" $SETS
gxs load GSE1001 SRP2002
is "$(printf '%s\n' "$out" | cut -d'(' -f1)" "GSE1001: skipped 
SRP2002: skipped " "the same settings again: both skipped"

SETS="--set transform.value_scale=linear"
gxs load GSE1001 SRP2002; is "$rc" 0 "transform.value_scale=linear"
like "$out" "$(line GSE1001 full 5 30 "$nm" linear "$nm" "$nm" 5)" "GSE1001 is rewritten as linear data"
like "$out" "$(line SRP2002 full 3 40 "$ns" linear "$ns" "$ns" 3)" "SRP2002 too (it was log2 by the last setting)"
is "$(log2_null GSE1001)" "$(negative "$M")" "GSE1001's negative values have a NULL log2_value"
is "$(log2_is_linear GSE1001)" "$((nm - $(negative "$M")))" "the others log2(value + 1)"
ref_check "value_scale linear" $SETS

SETS=""
gxs load GSE1001 SRP2002; is "$rc" 0 "back to transform.value_scale=auto"
like "$out" "$(line GSE1001 full 5 30 "$nm" log2 "$nm" "$nm" 5)" "GSE1001 is detected log2 again: rewritten"
like "$out" "$(line SRP2002 partial 3 40 "$ns" linear 0 0 0)" "SRP2002 is detected linear, as stored: nothing rewritten"
ref_check "value_scale auto" $SETS

# transform.linear_threshold and scale_probe_rows decide the detected scale: the largest
# value of the first data row and of the whole matrix (awk) bracket the threshold
m1=$(awk -F'\t' 'NR == 2 { for (i = 2; i <= NF; i++) if (m == "" || $i + 0 > m) m = $i + 0 } END { print m }' "$M")
mall=$(awk -F'\t' 'NR > 1 { for (i = 2; i <= NF; i++) if (m == "" || $i + 0 > m) m = $i + 0 } END { print m }' "$M")
thr=$(awk -v a="$m1" -v b="$mall" 'BEGIN { print (a + b) / 2 }')
awk -v a="$m1" -v b="$mall" 'BEGIN { exit !(a < b) }'; ok $? "the first row's largest value ($m1) is below the matrix's ($mall)"
SETS="--set transform.linear_threshold=$thr"
gxs load GSE1001 SRP2002; is "$rc" 0 "transform.linear_threshold=$thr"
like "$out" "$(line GSE1001 full 5 30 "$nm" linear "$nm" "$nm" 5)" "a value above it: GSE1001 is detected linear, rewritten"
ref_check "linear_threshold" $SETS
SETS="--set transform.linear_threshold=$thr --set transform.scale_probe_rows=1"
gxs load GSE1001 SRP2002; is "$rc" 0 "transform.scale_probe_rows=1"
like "$out" "$(line GSE1001 full 5 30 "$nm" log2 "$nm" "$nm" 5)" "only the first row probed: log2, rewritten"
is "$(awk -F'\t' 'NR == 2 { for (i = 2; i <= NF; i++) if ($i + 0 > 1) n++ } END { print n + 0 }' "$S")" 0 \
   "SRP2002's first row has no value above 1 (awk): not counts"
like "$out" "$(line SRP2002 full 3 40 "$ns" log2 "$ns" "$ns" 3)" "so SRP2002 is detected log2 from its first row: rewritten"
ref_check "scale_probe_rows" $SETS
SETS=""
gxs load GSE1001 SRP2002; is "$rc" 0 "back to the default detection"
like "$out" "$(line GSE1001 partial 5 30 "$nm" log2 0 0 0)" "GSE1001: log2 as stored, nothing rewritten"
like "$out" "$(line SRP2002 full 3 40 "$ns" linear "$ns" "$ns" 3)" "SRP2002: counts again, rewritten as linear"
ref_check "default detection" $SETS

# extract.na_values: cells of GSM5001 (column 3) become NA
awk -F'\t' -v OFS='\t' 'NR == 4 || NR == 7 { $3 = "NA" } { print }' "$M" > "$T/m" && cp "$T/m" "$M"
SETS="--set extract.na_values=NA"
gxs load GSE1001 SRP2002; is "$rc" 0 "two NA cells with extract.na_values=NA"
like "$out" "$(line GSE1001 partial 5 30 "$(cells "$M" NA)" log2 28 30 1)" "GSM5001 is rewritten without them"
ref_check "na_values NA" $SETS
SETS="--set extract.na_values=NA,n/a"
gxs load GSE1001 SRP2002; is "$rc" 0 "extract.na_values=NA,n/a: a token no cell has"
like "$out" "$(line GSE1001 partial 5 30 "$(cells "$M" NA)" log2 0 0 0)" "the digests decide: nothing rewritten"
ref_check "na_values NA,n/a" $SETS
# a token that is also a number in the file: the cells of GSM5003 (column 2) equal to 0.0
zeros=$(awk -F'\t' 'NR > 1 && $2 == "0.0" { n++ } END { print n + 0 }' "$M")
[ "$zeros" -gt 0 ]; ok $? "GSM5003 has $zeros cells '0.0' (awk)"
SETS="--set extract.na_values=NA,0.0"
gxs load GSE1001 SRP2002; is "$rc" 0 "extract.na_values=NA,0.0"
expect=$(( $(cells "$M" NA) - $(awk -F'\t' 'NR > 1 { for (i = 2; i <= NF; i++) if ($i == "0.0") n++ } END { print n + 0 }' "$M") ))
like "$out" "$(line GSE1001 partial 5 30 "$expect" log2 "$((30 - zeros))" 30 1)" "'0.0' is now missing: GSM5003 rewritten"
is "$(q "SELECT n_missing FROM dim_sample WHERE accession = 'GSM5003'")" "$zeros" "GSM5003's missing cells are counted"
ref_check "na_values NA,0.0" $SETS
SETS=""
good=$(db_snapshot)
gxs load GSE1001; is "$rc" 65 "without extract.na_values the NA cells are errors again: exit 65"
like "$out" "line 4, column 3: value is not a number \(sample 'GSM5001'\): \"NA\"" "naming the first one"
is "$(db_snapshot)" "$good" "and the database is as it was"
SETS="--set extract.na_values=NA"
gxs load GSE1001 SRP2002; is "$rc" 0 "extract.na_values=NA again"
like "$out" "$(line GSE1001 partial 5 30 "$(cells "$M" NA)" log2 30 "$((30 - zeros))" 1)" "'0.0' is a value again: GSM5003 rewritten"
ref_check "na_values back to NA" $SETS

# analysis.*: relabel-like metadata-only runs, cohort statistics recomputed from the facts
SETS="--set extract.na_values=NA --set analysis.pair_top_n=2 --set analysis.pair_min_samples=2"
gxs load GSE1001 SRP2002; is "$rc" 0 "analysis.pair_top_n=2, pair_min_samples=2"
like "$out" "$(line GSE1001 metadata 5 30 "$(cells "$M" NA)" log2 0 0 0)" "GSE1001: metadata-only run"
like "$out" "$(line SRP2002 metadata 3 40 "$ns" linear 0 0 0)" "SRP2002 (NULL log2 values aside in its cohorts): metadata-only run"
is "$(q "SELECT count(*) FROM fact_cohort_gene_stats WHERE candidate_rank > 2")" 0 "no candidate ranked past 2"
ref_check "analysis settings" $SETS

# settings that change nothing stored: skipped
for set in "validation.missing_values_warn=0.5" "extract.max_field_bytes=100000" "load.full_reload_fraction=0.9" \
           "sqlite.cache_mb=8" "postgresql.copy_streams=1"; do
	gxs --set "$set" load GSE1001 SRP2002
	is "$(printf '%s\n' "$out" | cut -d'(' -f1)" "GSE1001: skipped 
SRP2002: skipped " "$set is not part of the fingerprint: skipped"
done
# a stricter validation limit does not judge a skipped study; the next loading run does
runs=$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'failed'")
gxs --set validation.min_samples=4 load GSE1001 SRP2002
is "$rc" 0 "validation.min_samples=4: both skipped, exit 0"
is "$(printf '%s\n' "$out" | cut -d'(' -f1)" "GSE1001: skipped 
SRP2002: skipped " "a limit is not part of the fingerprint"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'failed'")" "$runs" "nothing judged"
good=$(db_snapshot)
gxs --set validation.min_samples=4 load --force SRP2002 GSE1001
is "$rc" 65 "load --force judges them now: exit 65"
like "$out" "^gxload: error: SRP2002: validation failed: sample_count 3 < 4 " "SRP2002 (3 samples) fails"
like "$out" "$(line GSE1001 full 5 30 "$(cells "$M" NA)" log2 "$(cells "$M" NA)" "$(cells "$M" NA)" 5)" "GSE1001 (5 samples) passes"
is "$(q "SELECT CAST(threshold AS integer) FROM meta_data_validation_log WHERE check_name = 'sample_count' AND run_id =
         (SELECT max(run_id) FROM meta_etl_run WHERE study_accession = 'GSE1001')")" 4 "judged with the new limit"
gxs load --force SRP2002 GSE1001; is "$rc" 0 "with the default limits both load"
ref_check "at the end" $SETS
done_testing
