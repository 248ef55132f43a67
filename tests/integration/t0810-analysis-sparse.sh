#!/bin/sh
# t0810-analysis-sparse.sh - sparse inputs (10x, CSR h5ad) store no zeros, and a value
# that is not stored is a zero that was measured: cohort n, mean, stddev, min and max
# count every sample of the cohort (numpy over the dense matrix, zeros included), the
# facts stay sparse, the same matrix as a dense TSV gives the same statistics, cohorts by
# an h5ad obs column (a cell type), one cohort for a file without sample fields, the
# correlations and differential statistics count the zeros too, and a run that reads no
# matrix (a new cohort definition) reads the sparse matrix again for its zeros and equals
# a clean load.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

. "$GXLOAD_TOP/tests/lib/stats.sh"
W="$GXLOAD_TOOLS/h5write"
c() { echo "COALESCE($(vexpr "$1"), '')"; }
cohorts_of() { # ACC -> sample<TAB>cohort
	q "SELECT s.accession || '	' || s.cohort FROM dim_sample s JOIN dim_study st
	   ON st.study_key = s.study_key WHERE st.accession = '$1' AND s.cohort IS NOT NULL"
}
stats_of() { # ACC -> cohort|gene|n|mean|stddev|min|max from vw_expression_by_cohort
	q "SELECT cohort || '|' || gene_id || '|' || n || '|' || $(c mean) || '|' || $(c stddev) || '|' ||
	          $(c min) || '|' || $(c max) FROM vw_expression_by_cohort WHERE study_accession = '$1'"
}
nfacts() { q "SELECT count(*) FROM fact_gene_expression f JOIN dim_study st ON st.study_key = f.study_key
              WHERE st.accession = '$1'"; }

# counts, half of them zeros, two genes (almost) never expressed; 50 genes x 40 cells
"$PY" "$CHECK" gen "$T/gen" CNT --genes 50 --samples 40 --seed 3 --counts
SRC="$T/gen/CNT.tsv"
nonzero=$(awk -F'\t' 'NR > 1 { for (i = 2; i <= NF; i++) n += $i != 0 } END { print n }' "$SRC")
cells=$(awk -F'\t' 'NR == 1 { print NF - 1 }' "$SRC")

# ---- 10x (CSC), no sample fields: one cohort
mkdir -p "$DATA/TENX1"
"$W" 10x3 "$SRC" "$DATA/TENX1/filtered.h5" --nonzero; ok $? "a 10x file that stores only its nonzero counts"
gx load TENX1; is "$rc" 0 "it loads"
is "$(nfacts TENX1)" "$nonzero" "the facts stay sparse: one row per stored count ($nonzero)"
is "$(q "SELECT DISTINCT sparse FROM dim_sample")" "$([ "$BACKEND" = pg ] && echo t || echo 1)" \
   "dim_sample.sparse says so"
cohorts_of TENX1 > "$T/co1"
is "$(cut -f2 "$T/co1" | sort -u)|$(wc -l < "$T/co1" | tr -d ' ')" "UNKNOWN|$cells" "one cohort (UNKNOWN), every cell in it"
stats_of TENX1 > "$T/s1"
check cohorts --name "10x cohort statistics" --matrix "$SRC" --scale linear --cohorts "$T/co1" --rows "$T/s1"
is "$(q "SELECT min(n) || '|' || max(n) || '|' || count(*) FROM vw_expression_by_cohort
         WHERE study_accession = 'TENX1'")" "$cells|$cells|50" "n = all $cells cells for every gene, the all-zero one included"
zero=$(awk -F'\t' 'NR == 2 { print $1 }' "$SRC")
is "$(q "SELECT n || '|' || CASE WHEN mean = 0 AND stddev = 0 AND min = 0 AND max = 0 THEN 'zero' END
         FROM vw_expression_by_cohort WHERE study_accession = 'TENX1' AND gene_id = '$zero'")" \
   "$cells|zero" "a gene that is never expressed: n $cells, mean, stddev, min and max 0"

# the same matrix as a dense TSV (zeros stored): the same statistics
mkdir -p "$DATA/DENSE1"; cp "$SRC" "$DATA/DENSE1/DENSE1.tsv"
awk -F'\t' 'NR == 1 { print "refinebio_accession_code"; for (i = 2; i <= NF; i++) print $i }' "$SRC" \
	> "$DATA/DENSE1/metadata_DENSE1.tsv"
gx load DENSE1; is "$rc" 0 "the same counts as a TSV load"
is "$(nfacts DENSE1)" "$((cells * 50))" "a TSV stores its zeros"
stats_of DENSE1 > "$T/s1d"
check cohorts --name "the dense TSV's cohort statistics" --matrix "$SRC" --scale linear --cohorts "$T/co1" --rows "$T/s1d"

ref_check "a sparse and a dense load"

# cohorts by a field the files do not have: one cohort of every cell
gx load --cohort-by cell_type TENX1 DENSE1; is "$rc" 0 "--cohort-by cell_type on files without sample fields"
is "$(q "SELECT mode FROM meta_etl_run WHERE study_accession = 'TENX1' ORDER BY run_id DESC LIMIT 1")" metadata \
   "a new cohort definition is a metadata-only run"
like "$(q "SELECT message FROM meta_etl_process_log WHERE message LIKE 'cohort statistics:%' AND run_id =
           (SELECT max(run_id) FROM meta_etl_run WHERE study_accession = 'TENX1')" | head -1)" \
     "^cohort statistics: the matrices read again" "which reads the sparse matrix again for its zeros"
is "$(q "SELECT DISTINCT cohort_by || '|' || cohort || '|' || n FROM vw_expression_by_cohort
         WHERE study_accession = 'TENX1'")" "field:cell_type|(none)|$cells" "one cohort, '(none)', of every cell"
cut -f1 "$T/co1" | sed 's/$/	(none)/' > "$T/co1n"
stats_of TENX1 > "$T/s1n"
check cohorts --name "10x after a metadata-only run" --matrix "$SRC" --scale linear --cohorts "$T/co1n" --rows "$T/s1n"
stats_of DENSE1 > "$T/s1e"
check cohorts --name "the TSV after a metadata-only run" --matrix "$SRC" --scale linear --cohorts "$T/co1n" --rows "$T/s1e"
ref_check "after metadata-only runs by a new definition" --set analysis.cohort_by=cell_type

# ---- CSR h5ad with a cell type per cell (an obs column), cohorts by it
types=$(awk -F'\t' 'NR == 1 { for (i = 2; i <= NF; i++) printf "%s%s", (i > 2 ? "," : ""), (i % 4 == 2 ? "B cell" : i % 4 == 3 ? "NK cell" : "T cell") }' "$SRC")
mkdir -p "$DATA/ADATA1"
"$W" h5ad-csr "$SRC" "$DATA/ADATA1/cells.h5ad" --nonzero --col-attr "cell_type=$types"
ok $? "a CSR h5ad with only its nonzeros and an obs column cell_type"
gx --set analysis.cohort_by=cell_type load ADATA1; is "$rc" 0 "it loads with cohorts by cell_type"
is "$(nfacts ADATA1)" "$nonzero" "its facts stay sparse"
awk -F'\t' -v t="$types" 'NR == 1 { split(t, ty, ","); for (i = 2; i <= NF; i++) print $i "\t" ty[i - 1] }' "$SRC" > "$T/co2"
is "$(cohorts_of ADATA1 | sort)" "$(sort "$T/co2")" "each cell in its cell type's cohort"
stats_of ADATA1 > "$T/s2"
check cohorts --name "h5ad by cell type" --matrix "$SRC" --scale linear --cohorts "$T/co2" --rows "$T/s2"
gx --set analysis.cohort_by=cell_type analyze --top 30 --min-r 0.9 --compare "T cell:B cell" --compare "NK cell:B cell" ADATA1
is "$rc" 0 "analyze ADATA1"
q "SELECT cohort || '|' || gene_a || '|' || gene_b || '|' || n || '|' || $(c r) || '|' || $(c p_value) || '|' ||
          $(c q_value) || '|' || pair_rank || '|' || n_tested
   FROM vw_gene_pairs_candidate WHERE study_accession = 'ADATA1'" > "$T/p2"
check pairs --name "h5ad by cell type, zeros counted" --matrix "$SRC" --scale linear --cohorts "$T/co2" \
	--rows "$T/p2" --method pearson --top 30 --min-r 0.9
q "SELECT cohort_a || '|' || cohort_b || '|' || gene_id || '|' || n_a || '|' || n_b || '|' ||
          $(c mean_a) || '|' || $(c mean_b) || '|' || $(c mean_diff) || '|' || $(c welch_t) || '|' ||
          $(c welch_df) || '|' || $(c welch_p) || '|' || $(c welch_q) || '|' || $(c mwu_u) || '|' ||
          $(c mwu_p) || '|' || $(c mwu_q) || '|' ||
          CASE mwu_method WHEN 'exact' THEN '1' WHEN 'normal' THEN '0' ELSE '' END
   FROM vw_cohort_differential WHERE study_accession = 'ADATA1'" > "$T/d2"
check diff --name "h5ad by cell type, zeros counted" --matrix "$SRC" --scale linear --cohorts "$T/co2" \
	--rows "$T/d2" --compare "T cell:B cell" --compare "NK cell:B cell"

# the cohort definition back to illness (metadata-only, the zeros read again): a clean load's
gx load ADATA1 TENX1 DENSE1; is "$rc" 0 "ADATA1 (and the others) by illness again"
is "$(q "SELECT DISTINCT cohort_by || '|' || cohort || '|' || n FROM vw_expression_by_cohort
         WHERE study_accession = 'ADATA1'")" "illness|UNKNOWN|$cells" "one cohort of every cell, by illness"
is "$(q "SELECT count(*) FROM fact_gene_pair_stats p JOIN dim_study st ON st.study_key = p.study_key
         WHERE st.accession = 'ADATA1'")" 0 "the load removed the pairs computed on the earlier cohorts"
ref_check "ADATA1 relabelled by illness, and the others"
done_testing
