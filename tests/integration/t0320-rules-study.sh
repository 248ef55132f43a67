#!/bin/sh
# t0320-rules-study.sh - illness labels decided for a study as a whole, in the database:
# a control arm of ICU patients is not healthy, a study-wide field labels nothing alone,
# each label's evidence chain is stored with the sample (dim_sample.illness_evidence),
# `rules explain` shows it, `rules explain --changed` lists the rules that would change a
# stored label, and a rule change relabels without reloading values (a metadata run).
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

# a study of ICU patients: septic, controls, an infection without a sepsis statement
mkdir -p "$DATA/GSE7001"
{
	printf 'refinebio_accession_code\texperiment_accession\trefinebio_title\trefinebio_platform\t'
	printf 'characteristics_ch1_disease state\tcharacteristics_ch1_cohort\tcharacteristics_ch1_time\n'
	printf 'GSM7001\tGSE7001\tICU patient 1\tIllumina HiSeq 2500\tsepsis\tICU sepsis cohort\tday 1\n'
	printf 'GSM7002\tGSE7001\tICU patient 2\tIllumina HiSeq 2500\tseptic shock\tICU sepsis cohort\tday 1\n'
	printf 'GSM7003\tGSE7001\tICU patient 3\tIllumina HiSeq 2500\tcontrol\tICU sepsis cohort\tday 1\n'
	printf 'GSM7004\tGSE7001\tICU patient 4\tIllumina HiSeq 2500\tcontrol\tICU sepsis cohort\tday 2\n'
	printf 'GSM7005\tGSE7001\tICU patient 5\tIllumina HiSeq 2500\tpneumonia\tICU sepsis cohort\tday 1\n'
	printf 'GSM7006\tGSE7001\tICU patient 6\tIllumina HiSeq 2500\tseptic arthritis\tICU sepsis cohort\tday 1\n'
} > "$DATA/GSE7001/metadata_GSE7001.tsv"
{
	printf 'Gene\tGSM7001\tGSM7002\tGSM7003\tGSM7004\tGSM7005\tGSM7006\n'
	printf 'ENSG00000000003\t1.5\t2.5\t3.5\t4.5\t5.5\t6.5\n'
	printf 'ENSG00000000005\t2.0\t3.0\t4.0\t5.0\t6.0\t7.0\n'
	printf 'ENSG00000000419\t0.5\t0.25\t0.125\t1.0\t2.0\t4.0\n'
} > "$DATA/GSE7001/GSE7001.tsv"

label() { q "SELECT i.code || '|' || s.illness_rule_id FROM dim_sample s
             JOIN dim_illness i USING (illness_key) WHERE s.accession = '$1'"; }
ev() { # ACC KEY...: the stored evidence's values of KEY..., '|'-separated (NULL: \N)
	_acc=$1; shift; _cols=""
	for _k in "$@"; do
		if [ "$BACKEND" = pg ]; then _c="coalesce(illness_evidence->>'$_k', '\\N')"
		else _c="coalesce(json_extract(illness_evidence, '\$.$_k'), '\\N')"; fi
		_cols="$_cols${_cols:+ || '|' || }$_c"
	done
	q "SELECT $_cols FROM dim_sample WHERE accession = '$_acc'"
}

gx load GSE7001 GSE1001; is "$rc" 0 "the studies load"
is "$(label GSM7001)" "SEPSIS|sepsis" "a septic ICU patient"
is "$(label GSM7002)" "SEPTIC_SHOCK|septic_shock" "septic shock"
is "$(label GSM7003)" "NO_SEPSIS|control_value" "the control arm of a study of ICU patients is ill, not healthy"
is "$(label GSM7004)" "NO_SEPSIS|control_value" "so is every control of that study"
is "$(label GSM7005)" "UNKNOWN|infection" "an infection without a sepsis statement: unknown"
is "$(label GSM7006)" "UNKNOWN|infection" "septic arthritis is an infection, not sepsis"
is "$(label GSM5001)" "CONTROL|healthy_value" "a healthy control of another study stays healthy"

# the evidence chain, stored with the sample
is "$(ev GSM7003 source decided_by class field key value matched)" \
   "rule|control_value|control|ch:disease state|disease state|control|control" \
   "the evidence: source, rule, class, field, key, value, matched text"
is "$(ev GSM7003 study)" "a control arm of patients: 'ch:cohort' says \"ICU\" (every sample of the study)" \
   "and the study-level reason"
is "$(ev GSM7003 reason)" \
   "$(sed -n "/^  - id: control_value\$/,/^    note:/s/^    note: '\(.*\)'\$/\1/p" "$GXLOAD_TOP/rules/illness.yaml")" \
   "and the deciding rule's note"
is "$(ev GSM7005 source decided_by class key value study)" \
   "rule|infection|infection|disease state|pneumonia|\\N" \
   "a sample its own field decided alone: no study-level reason"
is "$(ev GSM5001 source decided_by class field value)" \
   "rule|healthy_value|healthy|refinebio_disease|healthy" "a sample of another study"
is "$(q "SELECT count(*) FROM dim_sample WHERE illness_evidence IS NULL")" 0 "no sample without evidence"
ref_check "labels and evidence of a first load"

gx rules explain GSE7001; is "$rc" 0 "explain a loaded study"
is "$(sed -n 1,2p "$T/out")" "study GSE7001: 6 samples
  the field that splits it into groups: 'ch:disease state' (5 values)" "the study-level summary"
like "$out" '^    "control" +2 samples: NO_SEPSIS$' "each group value and its label"
like "$out" '^    ch:cohort = "ICU sepsis cohort"$' "the fields that are the same for every sample"
like "$out" '^  control arm: patients \(it carries a disease or says patient\)$' "the control arm"
is "$(grep -A3 '^GSM7003 in GSE7001: ' "$T/out" | sed -n '1p;3,4p')" "GSM7003 in GSE7001: NO_SEPSIS (Ill, not septic)
    key 'disease state', value \"control\"
    study: a control arm of patients: 'ch:cohort' says \"ICU\" (every sample of the study)" \
   "a sample's label, key, value and study-level reason"
is "$(grep -c '^  stored evidence: {' "$T/out")" 6 "every sample shows the evidence stored by the last load"

gx rules explain --changed; is "$rc" 0 "explain --changed with the rules that were loaded"
is "$out" "no stored label would change (2 studies)" "nothing changes"

# a rule change: an override file (what a curator would write)
mkdir -p "$T/ov"
cat > "$T/ov/gse7001.yaml" <<EOY
kind: overrides
overrides:
  - id: gsm7005-septic
    sample: GSM7005
    label: SEPSIS
    reason: the paper's table 2 lists this patient as septic
EOY
GX="$GXLOAD_BIN --config $T/gxload.yaml --db $DB --set rules.overrides_dir=$T/ov"
$GX rules explain --changed > "$T/o" 2>&1; is $? 0 "explain --changed after a rule change"
is "$(cat "$T/o")" "GSE7001: 1 of 6 samples would change
rules that change a stored label:
  gsm7005-septic                1 samples in 1 study: UNKNOWN -> SEPSIS (stored by 'infection')
1 samples in 1 of 2 studies would change; the next load relabels them" \
   "the study, how many samples, and the rule (here an override) that changes a stored label"
$GX rules explain --changed GSE1001 > "$T/o" 2>&1
is "$(cat "$T/o")" "no stored label would change (1 studies)" "--changed for one study"
$GX rules explain --changed GSE9999 > "$T/o" 2>&1; is $? 65 "--changed for an unknown study: exit 65"
like "$(cat "$T/o")" "^gxload: error: study 'GSE9999' has no samples in " "and says which study"

cohort_n() { q "SELECT c.n FROM fact_cohort_gene_stats c JOIN dim_study st USING (study_key)
                JOIN dim_illness i USING (illness_key) JOIN dim_gene g USING (gene_key)
                WHERE st.accession = 'GSE7001' AND i.code = '$1' AND g.gene_id = 'ENSG00000000003'"; }
is "$(cohort_n SEPSIS)|$(cohort_n UNKNOWN)" "1|2" "cohort rows by the loaded labels"
facts=$(q "SELECT count(*), sum(value) FROM fact_gene_expression")
$GX load GSE7001 > "$T/o" 2>&1; is $? 0 "load with the changed rules"
like "$(cat "$T/o")" "^GSE7001: succeeded \(metadata\) 6 samples, 3 genes, 18 values \(log2\); 0 rows inserted, 0 deleted, 1 samples changed \[run [0-9]+, [0-9.]+ s\]$" \
     "relabels without reloading values"
is "$(q "SELECT count(*), sum(value) FROM fact_gene_expression")" "$facts" "facts untouched"
is "$(label GSM7005)" "SEPSIS|gsm7005-septic" "the new label"
is "$(ev GSM7005 source decided_by class field reason)" \
   "sample_override|gsm7005-septic|\\N|\\N|the paper's table 2 lists this patient as septic" \
   "and its evidence: the override and its reason"
is "$(cohort_n SEPSIS)|$(cohort_n UNKNOWN)" "2|1" "the cohort rows follow the new labels"
$GX load GSE1001 > "$T/o" 2>&1
like "$(cat "$T/o")" "^GSE1001: succeeded \(metadata\) 5 samples, 30 genes, 150 values \(log2\); 0 rows inserted, 0 deleted, 0 samples changed \[run [0-9]+, [0-9.]+ s\]$" \
     "a study the override does not name: new rules hash, no label changed"
ref_check "relabelled by an override: labels, evidence and cohorts" \
	--set rules.overrides_dir="$T/ov"
$GX rules explain --changed GSE7001 > "$T/o" 2>&1
is "$(cat "$T/o")" "no stored label would change (1 studies)" "after the load nothing would change"

# a rule's note changed, nothing else: no label changes, the evidence of the samples
# that rule decided is rewritten (the evidence is part of the row's content hash)
sed "/^  - id: control_value\$/,/^    note:/s/^    note: .*/    note: 'the control arm (note edited)'/" \
	"$GXLOAD_TOP/rules/illness.yaml" > "$T/illness.yaml"
is "$(grep -c 'note edited' "$T/illness.yaml")" 1 "a copy of the rules with one note changed"
$GX --set rules.illness="$T/illness.yaml" load GSE7001 > "$T/o" 2>&1; is $? 0 "load with it"
like "$(cat "$T/o")" "^GSE7001: succeeded \(metadata\) 6 samples, 3 genes, 18 values \(log2\); 0 rows inserted, 0 deleted, 2 samples changed \[run [0-9]+, [0-9.]+ s\]$" \
     "the two samples the rule decided are rewritten, values untouched"
is "$(label GSM7003)|$(label GSM7004)" "NO_SEPSIS|control_value|NO_SEPSIS|control_value" \
   "with the same labels"
is "$(ev GSM7003 decided_by reason)|$(ev GSM7004 reason)" \
   "control_value|the control arm (note edited)|the control arm (note edited)" \
   "and the new note in their evidence"
$GX --set rules.illness="$T/illness.yaml" load GSE1001 > "$T/o" 2>&1
ref_check "a note changed: the evidence rewritten" --set rules.overrides_dir="$T/ov" \
	--set rules.illness="$T/illness.yaml"
done_testing
