#!/bin/sh
# t0845-analysis-feed.sh - the analysis after a full load takes its values from the
# load's own scan (pipeline/analyze_feed.c) instead of reading the facts back: its
# differential rows and kept pairs are those `gxload analyze` computes from the stored
# facts, bit for bit, and scipy's and numpy's, for a dense TSV with missing values (its
# cells come gene by gene), and for a 10x file and a CSR h5ad that store no zeros (cells
# come sample by sample; the zeros are measured values); a partial run writes only its
# changed samples, so its analysis reads the facts, and equals them too; a forced
# reload takes the scan again.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

. "$GXLOAD_TOP/tests/lib/stats.sh"
c() { echo "COALESCE($(vexpr "$1"), '')"; } # a double as exact text, NULL as ''
diff_of() { # ACC -> the view's rows for check_db.py diff
	q "SELECT cohort_a || '|' || cohort_b || '|' || gene_id || '|' || n_a || '|' || n_b || '|' ||
	          $(c mean_a) || '|' || $(c mean_b) || '|' || $(c mean_diff) || '|' || $(c welch_t) || '|' ||
	          $(c welch_df) || '|' || $(c welch_p) || '|' || $(c welch_q) || '|' || $(c mwu_u) || '|' ||
	          $(c mwu_p) || '|' || $(c mwu_q) || '|' ||
	          CASE mwu_method WHEN 'exact' THEN '1' WHEN 'normal' THEN '0' ELSE '' END
	   FROM vw_cohort_differential WHERE study_accession = '$1'" | sort
}
pairs_of() { # ACC -> the view's rows for check_db.py pairs
	q "SELECT cohort || '|' || gene_a || '|' || gene_b || '|' || n || '|' || $(c r) || '|' ||
	          $(c p_value) || '|' || $(c q_value) || '|' || pair_rank || '|' || n_tested
	   FROM vw_gene_pairs_candidate WHERE study_accession = '$1'" | sort
}
cohorts_of() { # ACC -> sample<TAB>cohort
	q "SELECT s.accession || '	' || s.cohort FROM dim_sample s JOIN dim_study st
	   ON st.study_key = s.study_key WHERE st.accession = '$1' AND s.cohort IS NOT NULL"
}
mode() { q "SELECT mode FROM meta_etl_run WHERE study_accession = '$1' ORDER BY run_id DESC LIMIT 1"; }
source_of() { # ACC -> where the last load's analysis read its values from
	q "SELECT message FROM meta_etl_process_log WHERE message LIKE '% cohort(s) (%) read from %'
	   AND run_id = (SELECT max(run_id) FROM meta_etl_run WHERE study_accession = '$1'
	                 AND command LIKE 'load%')" |
		sed -n "s/.* read from \(.*\) into a .*/\1/p"
}
# same ACC WHAT CONFIG...: the rows after the load are those `gxload analyze` computes
# from the facts (which replaces them with its own)
same() {
	acc=$1; what=$2; shift 2
	diff_of "$acc" > "$T/d.load"; pairs_of "$acc" > "$T/p.load"
	"$GXLOAD_BIN" "$@" --db "$DB" analyze "$acc" > "$T/o" 2>&1
	is "$?" 0 "$what: gxload analyze $acc (from the facts)"
	diff_of "$acc" > "$T/d.an"; pairs_of "$acc" > "$T/p.an"
	ok "$([ -s "$T/d.load" ] && cmp -s "$T/d.load" "$T/d.an"; echo $?)" \
	   "$what: the differential rows of the load ($(wc -l < "$T/d.load" | tr -d ' ')) are analyze's, bit for bit"
	ok "$([ -s "$T/p.load" ] && cmp -s "$T/p.load" "$T/p.an"; echo $?)" \
	   "$what: so are its kept pairs ($(wc -l < "$T/p.load" | tr -d ' '))"
}
cat >> "$T/gxload.yaml" <<EOF
extract:
  na_values: ["NA"]
analysis:
  correlate_after_load: true
  differential_after_load: true
  top_k: 40
  min_abs_r: 0.8
EOF
CFG="--config $T/gxload.yaml"

# ---- a dense TSV with missing values, ties and constant genes: cells gene by gene
"$PY" "$CHECK" gen "$DATA/FEED1" FEED1 --genes 60 --samples 30 --seed 21 --na-share 0.3
M1="$DATA/FEED1/FEED1.tsv"
gx load FEED1; is "$rc $(mode FEED1)" "0 full" "FEED1 loads with the analysis after it"
is "$(source_of FEED1)" "the load's scan" "its analysis took the values from the load's scan"
cohorts_of FEED1 > "$T/co1"
diff_of FEED1 > "$T/d1"
check diff --name "FEED1 after its load" --matrix "$M1" --na NA --cohorts "$T/co1" --rows "$T/d1" \
	--compare SEPSIS:CONTROL --compare SEPTIC_SHOCK:CONTROL
pairs_of FEED1 > "$T/p1"
check pairs --name "FEED1 after its load" --matrix "$M1" --na NA --cohorts "$T/co1" --rows "$T/p1" \
	--method pearson --top 40 --min-r 0.8
same FEED1 "FEED1" $CFG

# a partial run: two values of one sample (one of them now missing)
awk -F'\t' 'BEGIN { OFS = "\t" } NR == 3 { $6 = "11.5" } NR == 8 { $6 = "NA" } { print }' "$M1" > "$T/m" &&
	mv "$T/m" "$M1"
gx load FEED1; is "$rc $(mode FEED1)" "0 partial" "one sample changed: a partial run"
is "$(source_of FEED1)" "the database" "its analysis read the facts (the scan saw one sample)"
diff_of FEED1 > "$T/d2"
check diff --name "FEED1 after a partial run" --matrix "$M1" --na NA --cohorts "$T/co1" --rows "$T/d2" \
	--compare SEPSIS:CONTROL --compare SEPTIC_SHOCK:CONTROL
same FEED1 "FEED1 after a partial run" $CFG
gx load --force FEED1; is "$rc $(mode FEED1)" "0 full" "a forced reload"
is "$(source_of FEED1)" "the load's scan" "takes the values from its scan again"
same FEED1 "FEED1 reloaded" $CFG
ref_check "FEED1"

# ---- a 10x file (CSC) that stores only its nonzero counts, cohorts by illness
"$PY" "$CHECK" gen "$T/gen" CNT --genes 50 --samples 40 --seed 9 --counts
SRC="$T/gen/CNT.tsv"
mkdir -p "$DATA/FEED10X"
"$GXLOAD_TOOLS/h5write" 10x3 "$SRC" "$DATA/FEED10X/filtered.h5" --nonzero
ok $? "a 10x file of only its nonzero counts"
cp "$T/gen/metadata_CNT.tsv" "$DATA/FEED10X/metadata_FEED10X.tsv"
gx load FEED10X; is "$rc $(mode FEED10X)" "0 full" "FEED10X loads with the analysis after it"
is "$(source_of FEED10X)" "the load's scan" "from the load's scan"
is "$(q "SELECT count(*) < 50 * 40 FROM fact_gene_expression f JOIN dim_study st
         ON st.study_key = f.study_key WHERE st.accession = 'FEED10X'")" \
   "$([ "$BACKEND" = pg ] && echo t || echo 1)" "its facts stay sparse"
cohorts_of FEED10X > "$T/co2"
diff_of FEED10X > "$T/d3"
check diff --name "FEED10X, zeros counted" --matrix "$SRC" --scale linear --cohorts "$T/co2" \
	--rows "$T/d3" --compare SEPSIS:CONTROL --compare SEPTIC_SHOCK:CONTROL
pairs_of FEED10X > "$T/p3"
check pairs --name "FEED10X, zeros counted" --matrix "$SRC" --scale linear --cohorts "$T/co2" \
	--rows "$T/p3" --method pearson --top 40 --min-r 0.8
same FEED10X "FEED10X" $CFG

# ---- a CSR h5ad that stores only its nonzeros, cohorts by an obs column
types=$(awk -F'\t' 'NR == 1 { for (i = 2; i <= NF; i++) printf "%s%s", (i > 2 ? "," : ""), (i % 3 == 2 ? "B" : i % 3 == 0 ? "NK" : "T") }' "$SRC")
mkdir -p "$DATA/FEEDAD"
"$GXLOAD_TOOLS/h5write" h5ad-csr "$SRC" "$DATA/FEEDAD/cells.h5ad" --nonzero --col-attr "cell_type=$types"
ok $? "a CSR h5ad of only its nonzeros with an obs column cell_type"
sed 's/^analysis:$/analysis:\n  cohort_by: cell_type\n  compare: ["T:B", "NK:B"]/' "$T/gxload.yaml" > "$T/cell.yaml"
"$GXLOAD_BIN" --config "$T/cell.yaml" --db "$DB" load FEEDAD > "$T/o" 2>&1
is "$? $(mode FEEDAD)" "0 full" "FEEDAD loads by cell_type with the analysis after it"
is "$(source_of FEEDAD)" "the load's scan" "from the load's scan"
cohorts_of FEEDAD > "$T/co3"
diff_of FEEDAD > "$T/d4"
check diff --name "FEEDAD by cell type, zeros counted" --matrix "$SRC" --scale linear --cohorts "$T/co3" \
	--rows "$T/d4" --compare T:B --compare NK:B
same FEEDAD "FEEDAD" --config "$T/cell.yaml"
done_testing
