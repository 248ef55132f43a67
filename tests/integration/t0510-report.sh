#!/bin/sh
# t0510-report.sh - `gxload report RUN_ID|ACCESSION [--format text|json]`: a run's checks,
# counts and timings, read from the meta tables; the JSON is valid (jq) and says what the
# tables say; failed runs report their error and their FAIL checks.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

command -v jq > /dev/null || { echo "jq is required (deploy/install-deps.sh installs it)"; exit 1; }
run_of() { q "SELECT max(run_id) FROM meta_etl_run WHERE study_accession = '$1'"; }

if [ "$BACKEND" = sqlite ]; then
	gx report GSE1001; is "$rc" 69 "no database yet: exit 69"
fi
gx load GSE1001 E-GEOD-3003; is "$rc" 0 "two studies load"
r=$(run_of GSE1001)

# text
gx report "$r"; is "$rc" 0 "report RUN_ID"
like "$out" "^run $r of GSE1001: succeeded \(full mode\)" "the run, its study, status and mode"
like "$out" "rows inserted +150" "counts"
like "$out" "checks: 18 \(17 PASS, 1 WARN, 0 FAIL\); integrity errors: 0" "a summary of the checks"
like "$out" "PASS +integrity +duplicate_gene_ids +0 +0 +none" "an integrity check line"
like "$out" "WARN +quality +aggregated_samples_absent +1 +0 +1 of 6 samples listed in aggregated_metadata.json are not in the matrix: GSM5099$" "the WARN with its figures and message"
like "$out" "attrition: 0 values, 1 samples" "attrition totals"
like "$out" "aggregated_sample_absent +1 sample" "attrition with its reason"
like "$out" "prepare +[0-9.]+ s" "timings per step"
like "$out" "total +[0-9.]+ s" "and the run's total"
byrun=$out
gx load GSE1001; like "$out" skipped "a skipped run"
gx report GSE1001; is "$rc" 0 "report ACCESSION"
is "$out" "$byrun" "an accession reports its latest run that was not skipped"
gx report "$(run_of GSE1001)"
like "$out" "none recorded: the run was skipped" "a skipped run has no checks, and says why"

# JSON: valid, and the same as the tables
gx report --format json "$r"; is "$rc" 0 "--format json"
printf '%s\n' "$out" > "$T/r.json"
jq -e . "$T/r.json" > /dev/null; ok $? "the output is valid JSON"
is "$(jq -r '[.run_id, .study_accession, .status, .mode] | join("|")' "$T/r.json")" "$r|GSE1001|succeeded|full" "run fields"
is "$(jq -r '.error' "$T/r.json")" null "no error"
is "$(jq -r '.counts.rows_inserted' "$T/r.json")" 150 "counts.rows_inserted"
is "$(jq -r '.checks | length' "$T/r.json")" "$(q "SELECT count(*) FROM meta_data_validation_log WHERE run_id = $r")" \
   "every check of the run"
is "$(jq -r '.checks[] | select(.status != "PASS") | .name + "=" + .status' "$T/r.json")" \
   "$(q "SELECT check_name || '=' || status FROM meta_data_validation_log WHERE run_id = $r AND status <> 'PASS'")" \
   "the same non-PASS checks as the table"
is "$(jq -r '.checks[] | select(.name == "sample_count") | [.kind, .status, .observed, .threshold] | map(tostring) | join("|")' "$T/r.json")" \
   "quality|PASS|5|1" "a check's kind, status, observed figure and threshold"
is "$(jq -r '.checks[] | select(.name == "negative_linear_values") | .observed' "$T/r.json")" null "n/a figures are null"
is "$(jq -r '[.summary.checks, .summary.pass, .summary.warn, .summary.fail, .summary.integrity_errors] | map(tostring) | join("|")' "$T/r.json")" \
   "18|17|1|0|0" "summary"
is "$(jq -r '.attrition[] | select(.n > 0) | .reason + "=" + (.n | tostring) + " " + .unit' "$T/r.json")" \
   "aggregated_sample_absent=1 sample" "attrition with reasons"
is "$(jq -r '.timings | keys_unsorted | join(" ")' "$T/r.json")" "prepare load validate total" "timings"
jq -e '.timings.total >= .timings.prepare and .duration_s >= 0' "$T/r.json" > /dev/null; ok $? "timings are consistent"
like "$(jq -r '.started_at' "$T/r.json")" "^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]+Z$" "ISO-8601 UTC timestamps"

# a run that failed its validation
gx --set validation.missing_values_warn=0 --set validation.unknown_illness_fail=0.5 load --force E-GEOD-3003
is "$rc" 65 "a validation FAIL"
rf=$(run_of E-GEOD-3003)
gx report E-GEOD-3003
like "$out" "^run $rf of E-GEOD-3003: failed \[3001\]" "the failed run is the study's latest"
like "$out" "message +validation failed: unknown_illness 1 > 0.5" "with its message"
like "$out" "FAIL +quality +unknown_illness +1 +0.5" "and the FAIL check"
gx report --format json "$rf"; printf '%s\n' "$out" > "$T/f.json"
is "$(jq -r '[.error.code, .error.name, .summary.fail, .summary.integrity_errors] | map(tostring) | join("|")' "$T/f.json")" \
   "3001|validation|1|0" "JSON: error 3001, one FAIL, no integrity error"
like "$(jq -r '.messages[] | select(.level == "error") | .message' "$T/f.json")" "validation failed" "JSON: the error message"

# a run stopped by a structural error: an integrity error
sed -n '2p' "$DATA/GSE1001/GSE1001.tsv" >> "$DATA/GSE1001/GSE1001.tsv"
gx --set genes.duplicates=refuse load GSE1001; is "$rc" 65 "a duplicate gene id"
gx report --format json GSE1001; printf '%s\n' "$out" > "$T/i.json"
is "$(jq -r '[.error.code, .summary.integrity_errors, (.checks | length)] | map(tostring) | join("|")' "$T/i.json")" \
   "2013|1|1" "JSON: error 2013, counted as an integrity error"
is "$(jq -r '.checks[0] | .kind + " " + .name + " " + .status' "$T/i.json")" "integrity duplicate_gene_ids FAIL" \
   "the integrity check that failed"

# usage
gx report 99999; is "$rc" 65 "an unknown run: exit 65"
like "$out" "no run 99999" "says so"
gx report NOPE; is "$rc" 65 "an unknown study: exit 65"
gx report --format xml GSE1001; is "$rc" 64 "a bad --format: exit 64"
gx report; is "$rc" 64 "no argument: exit 64"
gx report --help; is "$rc" 0 "--help"
like "$out" "usage: gxload report RUN_ID\|ACCESSION" "usage"
done_testing
