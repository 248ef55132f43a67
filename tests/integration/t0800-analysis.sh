#!/bin/sh
# t0800-analysis.sh - every statistic `gxload analyze` stores, against scipy and numpy
# (tests/stats/check_db.py, computing from the input files themselves) to 1e-9 relative,
# BH against a hand computation: all-pairs Pearson and Spearman within each cohort (top K
# and |r| >= R kept, pairwise-complete n), differential statistics between cohorts
# (Welch, Wilcoxon rank-sum exact and tie-corrected), the cohort statistics; on generated
# data with ties, missing values and constant genes, on a real study (GSE71270, 300 genes),
# by illness and by a metadata field; every new view read with the real client.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

. "$GXLOAD_TOP/tests/lib/stats.sh"
c() { echo "COALESCE($(vexpr "$1"), '')"; } # a double as exact text, NULL as ''
cohorts_of() { # ACC -> sample<TAB>cohort, from dim_sample
	q "SELECT s.accession || '	' || s.cohort FROM dim_sample s JOIN dim_study st
	   ON st.study_key = s.study_key WHERE st.accession = '$1' AND s.cohort IS NOT NULL"
}
pairs_of() { # ACC COHORT_BY METHOD -> the view's rows for check_db.py pairs
	q "SELECT cohort || '|' || gene_a || '|' || gene_b || '|' || n || '|' || $(c r) || '|' ||
	          $(c p_value) || '|' || $(c q_value) || '|' || pair_rank || '|' || n_tested
	   FROM vw_gene_pairs_candidate WHERE study_accession = '$1' AND cohort_by = '$2'
	   AND method = '$3'"
}
diff_of() { # ACC COHORT_BY -> the view's rows for check_db.py diff
	q "SELECT cohort_a || '|' || cohort_b || '|' || gene_id || '|' || n_a || '|' || n_b || '|' ||
	          $(c mean_a) || '|' || $(c mean_b) || '|' || $(c mean_diff) || '|' || $(c welch_t) || '|' ||
	          $(c welch_df) || '|' || $(c welch_p) || '|' || $(c welch_q) || '|' || $(c mwu_u) || '|' ||
	          $(c mwu_p) || '|' || $(c mwu_q) || '|' ||
	          CASE mwu_method WHEN 'exact' THEN '1' WHEN 'normal' THEN '0' ELSE '' END
	   FROM vw_cohort_differential WHERE study_accession = '$1' AND cohort_by = '$2'"
}
stats_of() { # ACC -> the view's rows for check_db.py cohorts
	q "SELECT cohort || '|' || gene_id || '|' || n || '|' || $(c mean) || '|' || $(c stddev) || '|' ||
	          $(c min) || '|' || $(c max)
	   FROM vw_expression_by_cohort WHERE study_accession = '$1'"
}

# ---- a generated study: 60 genes x 24 samples, ties, NA cells, constant genes
"$PY" "$CHECK" gen "$DATA/GEN1" GEN1 --genes 60 --samples 24 --seed 7
M1="$DATA/GEN1/GEN1.tsv"
SETS="--set extract.na_values=NA --set analysis.top_k=40 --set analysis.min_abs_r=0.8"
gx $SETS load GEN1; is "$rc" 0 "the generated study loads"
gx $SETS analyze GEN1; is "$rc" 0 "gxload analyze GEN1"
like "$out" "^GEN1: analyzed 3 cohort\(s\), 60 genes x 24 samples; 3 correlated: [0-9]+ pairs kept of [0-9]+ tested; 2 comparison\(s\); [0-9]+ rows \[run 2, [0-9.]+ s\]$" \
     "its summary: 3 cohorts correlated, each illness against CONTROL"
cohorts_of GEN1 > "$T/co1"
awk -F'\t' 'NR > 1 { print $1 "\t" ($3 == "healthy" ? "CONTROL" : $3 == "sepsis" ? "SEPSIS" : "SEPTIC_SHOCK") }' \
	"$DATA/GEN1/metadata_GEN1.tsv" | sort > "$T/co1.want"
is "$(sort "$T/co1")" "$(cat "$T/co1.want")" "the samples' cohorts: their illness labels"
pairs_of GEN1 illness pearson > "$T/p1"
check pairs --name "GEN1" --matrix "$M1" --na NA --cohorts "$T/co1" --rows "$T/p1" \
	--method pearson --top 40 --min-r 0.8
diff_of GEN1 illness > "$T/d1"
check diff --name "GEN1" --matrix "$M1" --na NA --cohorts "$T/co1" --rows "$T/d1" \
	--compare SEPSIS:CONTROL --compare SEPTIC_SHOCK:CONTROL --both-paths
stats_of GEN1 > "$T/s1"
check cohorts --name "GEN1 cohort statistics" --matrix "$M1" --na NA --cohorts "$T/co1" --rows "$T/s1"

# Spearman: ranks, ties averaged, pairwise-complete samples ranked again
gx $SETS analyze --method spearman --correlation-only GEN1; is "$rc" 0 "analyze --method spearman"
pairs_of GEN1 illness spearman > "$T/p2"
check pairs --name "GEN1" --matrix "$M1" --na NA --cohorts "$T/co1" --rows "$T/p2" \
	--method spearman --top 40 --min-r 0.8
is "$(q "SELECT count(*) FROM fact_gene_pair_stats WHERE method = 'pearson'")" "$(wc -l < "$T/p1" | tr -d ' ')" \
   "the Pearson rows stay beside the Spearman ones"

# cohorts by a metadata field, a gene subset, top K only
awk -F'\t' 'NR > 1 { print $1 "\t" $4 }' "$DATA/GEN1/metadata_GEN1.tsv" > "$T/co3"
awk -F'\t' 'NR > 1 && NR % 3 != 0 { print $1 } END { print "ENSG_NOT_THERE" }' "$M1" > "$T/genes"
gx --set extract.na_values=NA analyze --cohort-by cell_type --top 25 --min-r 1.1 --genes "$T/genes" \
	--compare "T cell:B cell" --compare "NK cell:T cell" GEN1
is "$rc" 0 "analyze --cohort-by cell_type --genes FILE --compare A:B"
like "$out" "1 of the 41 genes of '.*' are not genes of the study" "the unknown gene is said"
pairs_of GEN1 field:cell_type pearson > "$T/p3"
check pairs --name "GEN1 by cell_type, 40 genes" --matrix "$M1" --na NA --cohorts "$T/co3" --rows "$T/p3" \
	--genes "$T/genes" --method pearson --top 25 --min-r 1.1
diff_of GEN1 field:cell_type > "$T/d3"
check diff --name "GEN1 by cell_type, 40 genes" --matrix "$M1" --na NA --cohorts "$T/co3" --rows "$T/d3" \
	--genes "$T/genes" --compare "T cell:B cell" --compare "NK cell:T cell"
is "$(q "SELECT DISTINCT illness_code IS NULL FROM vw_gene_pairs_candidate WHERE cohort_by = 'field:cell_type'")" \
   "$([ "$BACKEND" = pg ] && echo t || echo 1)" "vw_gene_pairs_candidate: no illness_code for cohorts by a field"
is "$(q "SELECT count(*) FROM fact_gene_pair_stats WHERE cohort_by = 'illness' AND method = 'pearson'")" \
   "$(wc -l < "$T/p1" | tr -d ' ')" "rows of another cohort definition are kept"

# --cohort: one cohort replaced, the others kept
before=$(q "SELECT count(*) FROM fact_gene_pair_stats WHERE cohort_by = 'illness' AND method = 'pearson' AND cohort <> 'SEPSIS'")
gx $SETS analyze --cohort SEPSIS --top 5 --min-r 1.1 --correlation-only GEN1
is "$rc" 0 "analyze --cohort SEPSIS --top 5 --min-r 1.1"
is "$(q "SELECT cohort || '=' || count(*) FROM fact_gene_pair_stats WHERE cohort_by = 'illness' AND method = 'pearson'
         AND cohort = 'SEPSIS' GROUP BY cohort")|$(q "SELECT count(*) FROM fact_gene_pair_stats WHERE cohort_by = 'illness'
         AND method = 'pearson' AND cohort <> 'SEPSIS'")" "SEPSIS=5|$before" "SEPSIS has its 5 pairs, the other cohorts theirs"

# ---- the real study: GSE71270, 300 genes x 10 zebrafish samples, control against CREB
mkdir -p "$DATA/GSE71270"
cp "$GXLOAD_TOP/tests/stats/fixtures/GSE71270_300.tsv" "$DATA/GSE71270/GSE71270.tsv"
awk -F'\t' 'BEGIN { print "refinebio_accession_code\trefinebio_organism\tgenotype" }
	NR > 1 { print $1 "\tDANIO_RERIO\t" ($2 == "control" ? "control" : "CREB") }' \
	"$GXLOAD_TOP/tests/stats/fixtures/GSE71270_groups.tsv" > "$DATA/GSE71270/metadata_GSE71270.tsv"
gx --set analysis.cohort_by=genotype load GSE71270; is "$rc" 0 "GSE71270 loads with cohorts by genotype"
gx analyze --top 200 --min-r 0.97 --compare CREB:control GSE71270; is "$rc" 0 "GSE71270 analyzed"
awk -F'\t' 'NR > 1 { print $1 "\t" $3 }' "$DATA/GSE71270/metadata_GSE71270.tsv" > "$T/co4"
M4="$DATA/GSE71270/GSE71270.tsv"
pairs_of GSE71270 field:genotype pearson > "$T/p4"
check pairs --name "GSE71270" --matrix "$M4" --cohorts "$T/co4" --rows "$T/p4" --method pearson --top 200 --min-r 0.97
diff_of GSE71270 field:genotype > "$T/d4"
check diff --name "GSE71270" --matrix "$M4" --cohorts "$T/co4" --rows "$T/d4" --compare CREB:control --both-paths
gx analyze --method spearman --top 200 --min-r 0.97 --correlation-only GSE71270
pairs_of GSE71270 field:genotype spearman > "$T/p5"
check pairs --name "GSE71270" --matrix "$M4" --cohorts "$T/co4" --rows "$T/p5" --method spearman --top 200 --min-r 0.97
stats_of GSE71270 > "$T/s4"
check cohorts --name "GSE71270 cohort statistics" --matrix "$M4" --cohorts "$T/co4" --rows "$T/s4"
is "$(q "SELECT DISTINCT cohort_by FROM vw_expression_by_cohort WHERE study_accession = 'GSE71270'")" \
   "field:genotype" "vw_expression_by_cohort shows the cohort definition"

# ---- the runs: one row each, command analyze
is "$(q "SELECT count(*) || '|' || min(status) || '|' || min(mode) FROM meta_etl_run WHERE command = 'analyze'")" \
   "6|succeeded|analysis" "each analyze is a run of its own (meta_etl_run)"
done_testing
