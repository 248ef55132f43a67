#!/bin/sh
# t0840-analysis-bulk.sh - the analysis reads a study's facts back in one pass
# (gx_sink_facts_read: a binary COPY out on PostgreSQL, one stepped statement on SQLite)
# in chunks of 65,536 rows: a study of more than one chunk (1,400 genes x 50 samples,
# missing values included) gives the statistics scipy and numpy compute from the file,
# with and without a --genes filter, NULL log2 values (negative linear values) read as
# missing; and cohort names holding a tab (a quoted metadata
# value) go through the bulk writers (COPY text on PostgreSQL) intact.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

. "$GXLOAD_TOP/tests/lib/stats.sh"
c() { echo "COALESCE($(vexpr "$1"), '')"; }
diff_of() { # ACC [SQL] -> the view's rows for check_db.py diff (SQL: more conditions)
	q "SELECT cohort_a || '|' || cohort_b || '|' || gene_id || '|' || n_a || '|' || n_b || '|' ||
	          $(c mean_a) || '|' || $(c mean_b) || '|' || $(c mean_diff) || '|' || $(c welch_t) || '|' ||
	          $(c welch_df) || '|' || $(c welch_p) || '|' || $(c welch_q) || '|' || $(c mwu_u) || '|' ||
	          $(c mwu_p) || '|' || $(c mwu_q) || '|' ||
	          CASE mwu_method WHEN 'exact' THEN '1' WHEN 'normal' THEN '0' ELSE '' END
	   FROM vw_cohort_differential WHERE study_accession = '$1' ${2:-}"
}
# ---- more facts than one chunk of the bulk reader
"$PY" "$CHECK" gen "$DATA/GEN4" GEN4 --genes 1400 --samples 50 --seed 11 --na-share 0.3
M="$DATA/GEN4/GEN4.tsv"
awk -F'\t' 'NR > 1 { print $1 "\t" $4 }' "$DATA/GEN4/metadata_GEN4.tsv" > "$T/co"
gx --set extract.na_values=NA load --cohort-by cell_type GEN4; is "$rc" 0 "GEN4 loads, cohorts by cell_type"
nf=$(q "SELECT count(*) FROM fact_gene_expression")
[ "$nf" -gt 65536 ]; ok $? "its $nf facts are more than one chunk (65,536) of the reader"
gx --set extract.na_values=NA analyze --top 60 --compare "T cell:B cell" --compare "NK cell:T cell" GEN4
is "$rc" 0 "GEN4 analyzed"
like "$out" "analyzed 3 cohort\(s\), 1400 genes x 50 samples; 3 correlated: 180 pairs kept of " \
     "every gene of every cohort read back (the pairs themselves: t0800)"
diff_of GEN4 > "$T/d"
check diff --name "GEN4 (two chunks)" --matrix "$M" --na NA --cohorts "$T/co" --rows "$T/d" \
	--compare "T cell:B cell" --compare "NK cell:T cell"

# the gene-filtered read: every third gene, the facts of 466 genes
awk -F'\t' 'NR > 1 && NR % 3 == 0 { print $1 }' "$M" > "$T/genes"
gx --set extract.na_values=NA analyze --differential-only --genes "$T/genes" --compare "T cell:B cell" GEN4
is "$rc" 0 "analyze --genes FILE"
diff_of GEN4 "AND cohort_a = 'T cell'" > "$T/d2"
check diff --name "GEN4, --genes" --matrix "$M" --na NA --cohorts "$T/co" --rows "$T/d2" \
	--genes "$T/genes" --compare "T cell:B cell"

# ---- a cohort name with a tab in it, through the bulk writers
"$PY" "$CHECK" gen "$DATA/GEN5" GEN5 --genes 16 --samples 12 --seed 5
awk -F'\t' 'BEGIN { OFS = "\t" } NR > 1 && $4 == "T cell" { $4 = "\"T\tcell\"" } { print }' \
	"$DATA/GEN5/metadata_GEN5.tsv" > "$T/m" && mv "$T/m" "$DATA/GEN5/metadata_GEN5.tsv"
tab=$(printf '\t')
gx --set extract.na_values=NA load --cohort-by cell_type GEN5; is "$rc" 0 "GEN5 loads, a cohort named 'T<tab>cell'"
gx --set extract.na_values=NA analyze --compare "T${tab}cell:B cell" GEN5; is "$rc" 0 "GEN5 analyzed"
is "$(q "SELECT count(*) FROM vw_expression_by_cohort WHERE study_accession = 'GEN5' AND cohort = 'T${tab}cell'")|$(q "SELECT count(*) FROM vw_cohort_differential WHERE cohort_a = 'T${tab}cell'")|$(q "SELECT count(DISTINCT cohort) FROM vw_gene_pairs_candidate WHERE study_accession = 'GEN5' AND cohort = 'T${tab}cell'")" \
   "16|16|1" "the cohort's statistics, differential rows and pairs keep its name"

# ---- NULL log2 values (negative values of a linear study) are missing values
"$PY" "$CHECK" gen "$DATA/GEN6" GEN6 --genes 30 --samples 20 --seed 8 --counts
awk -F'\t' 'BEGIN { OFS = "\t" } NR >= 5 && NR <= 7 { $3 = -3; $8 = -1 } { print }' \
	"$DATA/GEN6/GEN6.tsv" > "$T/m" && mv "$T/m" "$DATA/GEN6/GEN6.tsv"
gx --set transform.value_scale=linear load GEN6; is "$rc" 0 "GEN6 loads (linear, 6 negative values)"
is "$(q "SELECT count(*) FROM fact_gene_expression f JOIN dim_study st ON st.study_key = f.study_key
         WHERE st.accession = 'GEN6' AND f.log2_value IS NULL")" 6 "their log2_value is NULL"
gx --set transform.value_scale=linear analyze --differential-only GEN6; is "$rc" 0 "GEN6 analyzed"
q "SELECT s.accession || '	' || s.cohort FROM dim_sample s JOIN dim_study st
   ON st.study_key = s.study_key WHERE st.accession = 'GEN6'" > "$T/co6"
diff_of GEN6 > "$T/d6"
check diff --name "GEN6, NULL log2 values" --matrix "$DATA/GEN6/GEN6.tsv" --scale linear \
	--cohorts "$T/co6" --rows "$T/d6" --compare SEPSIS:CONTROL --compare SEPTIC_SHOCK:CONTROL
done_testing
