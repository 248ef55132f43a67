#!/bin/sh
# t0310-rules-db.sh - the rule engines in the database: every sample labelled with what
# decided it, dim_illness and dim_platform filled from the rules, changed rules relabel
# samples without reloading facts, `rules explain ACCESSION`.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

label() { q "SELECT i.code || '|' || s.illness_source || '|' || s.illness_rule_id || '|' ||
                    COALESCE(s.illness_field, '') || '|' || COALESCE(s.illness_matched_text, '')
             FROM dim_sample s JOIN dim_illness i USING (illness_key) WHERE s.accession = '$1'"; }

gx load GSE1001 SRP2002 E-GEOD-3003; is "$rc" 0 "three studies load"
is "$(label GSM5002)" "SEPTIC_SHOCK|rule|septic_shock|refinebio_disease|septic shock" \
   "a septic-shock sample: label, rule, field and matched text"
is "$(label GSM5001)" "CONTROL|rule|healthy_value|refinebio_disease|healthy" "a healthy control"
is "$(label SRR9001)" "CONTROL|rule|control_word|title|Control" "an SRA sample labelled from its title"
is "$(label E-GEOD-3003-GSM980281)" "UNKNOWN|default|default||" "no evidence: UNKNOWN by default"
is "$(q "SELECT count(*) FROM dim_sample WHERE illness_key IS NULL")" 0 "every sample has a label"
is "$(q "SELECT count(*) FROM dim_sample WHERE illness_confidence IS NULL")" 0 "and a confidence"
is "$(q "SELECT code FROM dim_illness ORDER BY code" | tr '\n' ' ')" \
   "CONTROL NO_SEPSIS SEPSIS SEPTIC_SHOCK UNKNOWN " "dim_illness holds the categories"
is "$(q "SELECT label FROM dim_illness WHERE code = 'SEPTIC_SHOCK'")" "Septic shock" "with their labels"
# the platform table's entries, counted from the YAML by awk
known=$(awk '/^  - key:/ { print $3 }' "$GXLOAD_TOP/rules/platforms_known.yaml" "$GXLOAD_TOP/rules/platforms.yaml" |
	sort -u | wc -l | tr -d ' ')
is "$(q "SELECT count(*) FROM dim_platform WHERE known = $([ "$BACKEND" = pg ] && echo true || echo 1)")" "$known" \
   "dim_platform holds every known platform of rules/platforms.yaml"
is "$(q "SELECT p.accession || '|' || p.name || '|' || p.manufacturer || '|' || p.technology
         FROM dim_sample s JOIN dim_platform p USING (platform_key) WHERE s.accession = 'GSM5001'")" \
   "GPL570|Affymetrix Human Genome U133 Plus 2.0 Array|Affymetrix|MICROARRAY" "a sample's platform, normalized"
is "$(q "SELECT p.technology FROM dim_sample s JOIN dim_platform p USING (platform_key)
         WHERE s.accession = 'SRR9001'")" "RNA-SEQ" "an RNA-seq instrument"
is "$(q "SELECT technology FROM dim_study WHERE accession = 'SRP2002'")" "RNA-SEQ" \
   "without aggregated_metadata.json the study's technology comes from its platforms"
is "$(q "SELECT count(DISTINCT rules_hash) FROM dim_study")" 1 "studies record the rules' hash"

# changed rules: relabel, facts untouched
facts=$(q "SELECT count(*), sum(value) FROM fact_gene_expression")
mkdir -p "$T/ov"
cat > "$T/ov/study.yaml" <<EOY
kind: overrides
overrides:
  - id: gse1001-all-sepsis
    study: GSE1001
    label: SEPSIS
    reason: the test decides so
EOY
GX="$GXLOAD_BIN --config $T/gxload.yaml --db $DB --set rules.overrides_dir=$T/ov"
$GX rules explain GSE1001 GSM5001 > "$T/o" 2>&1
like "$(cat "$T/o")" "stored by the last load: CONTROL" "explain shows the stored label"
like "$(cat "$T/o")" "NOTE: the rules in effect now say SEPSIS" "and that the new rules differ"
$GX load GSE1001 SRP2002 E-GEOD-3003 > "$T/o" 2>&1
is $? 0 "load with changed rules"
like "$(cat "$T/o")" "^GSE1001: succeeded \(metadata\) 5 samples, 30 genes, 150 values \(log2\); 0 rows inserted, 0 deleted, 5 samples changed \[run [0-9]+, " \
     "GSE1001 is relabelled without reloading its facts"
like "$(cat "$T/o")" "^SRP2002: succeeded \(metadata\) 3 samples, 40 genes, 120 values \(linear\); 0 rows inserted, 0 deleted, 0 samples changed \[run [0-9]+, " \
     "a study the change does not touch keeps its rows (and its scale and gene count are the stored ones)"
is "$(label GSM5001)" "SEPSIS|study_override|gse1001-all-sepsis||" "the study override decides"
is "$(q "SELECT count(*), sum(value) FROM fact_gene_expression")" "$facts" "facts untouched"
ref_check "relabelled by a study override" --set rules.overrides_dir="$T/ov"
$GX load GSE1001 > "$T/o" 2>&1; like "$(cat "$T/o")" "^GSE1001: skipped \(unchanged since the last load\)" "unchanged rules: skipped"
# the override's label changes while its id and reason stay, with cohorts by a sample
# field (the cohort does not follow the label): the rows still follow the label
$GX --set analysis.cohort_by=refinebio_sex load GSE1001 SRP2002 E-GEOD-3003 > "$T/o" 2>&1
is $? 0 "cohorts by a field"
sed -i 's/label: SEPSIS/label: NO_SEPSIS/' "$T/ov/study.yaml"
$GX --set analysis.cohort_by=refinebio_sex load GSE1001 SRP2002 E-GEOD-3003 > "$T/o" 2>&1
like "$(cat "$T/o")" "^GSE1001: succeeded \(metadata\) .* 5 samples changed" "the override's new label rewrites the samples"
is "$(label GSM5001)" "NO_SEPSIS|study_override|gse1001-all-sepsis||" "the override's new label is stored"
ref_check "an override's label changed, cohorts by a field" --set rules.overrides_dir="$T/ov" --set analysis.cohort_by=refinebio_sex
sed -i 's/label: NO_SEPSIS/label: SEPSIS/' "$T/ov/study.yaml"
$GX load GSE1001 SRP2002 E-GEOD-3003 > "$T/o" 2>&1; is $? 0 "back to the override's first label and cohorts by illness"
gx load GSE1001 SRP2002 E-GEOD-3003
like "$out" "^GSE1001: succeeded \(metadata\) 5 samples, 30 genes, 150 values \(log2\); 0 rows inserted, 0 deleted, 5 samples changed \[run [0-9]+, " \
     "back to the shipped rules: relabelled again"
is "$(label GSM5001)" "CONTROL|rule|healthy_value|refinebio_disease|healthy" "to the rule's label"
ref_check "back to the shipped rules"

# a category added in YAML alone appears in dim_illness
cp "$GXLOAD_TOP/rules/illness.yaml" "$T/illness.yaml"
sed -i 's/^categories:$/categories:\n  - code: VIRAL_INFECTION\n    label: Viral infection\n    description: added by the test/' "$T/illness.yaml"
"$GXLOAD_BIN" rules check "$T/illness.yaml" > "$T/o" 2>&1
is $? 0 "the copy with a category added is valid rules"
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" --set rules.illness="$T/illness.yaml" load GSE1001 SRP2002 E-GEOD-3003 > "$T/o" 2>&1
is $? 0 "load with the extra category"
is "$(q "SELECT label FROM dim_illness WHERE code = 'VIRAL_INFECTION'")" "Viral infection" \
   "the new category is in dim_illness"
ref_check "rules with an extra category" --set rules.illness="$T/illness.yaml"

# explain errors
gx rules explain GSE9999; is "$rc" 65 "explain of an unknown study: exit 65"
gx rules explain GSE1001 GSM0000; is "$rc" 65 "explain of an unknown sample: exit 65"

# a broken rule file stops the load before anything is written
printf 'kind: illness\ncategories: [\n' > "$T/bad.yaml"
runs=$(q "SELECT count(*) FROM meta_etl_run")
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" --set rules.illness="$T/bad.yaml" load GSE1001 > "$T/o" 2>&1
is $? 78 "an invalid rule file: exit 78"
like "$(cat "$T/o")" "bad.yaml" "naming the file"
is "$(q "SELECT count(*) FROM meta_etl_run")" "$runs" "and nothing is written"
done_testing
