#!/bin/sh
# t0710-settings-cohorts.sh - a linear study's cohort statistics and the settings that
# change stored rows: log2_value of zero is 0 and of a negative value NULL (on both
# backends); a NULL log2 value is not counted in a cohort; a cohort of one sample has a
# NULL stddev; a gene without spread is no candidate; a metadata-only run (the matrix
# scanned for the cohorts alone) gives the same rows as a full load; extract.na_values,
# transform.value_scale and analysis.pair_top_n are part of the input fingerprint (a
# change is not skipped).
# Expected values are computed from the file with awk.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

A=LIN7
M="$DATA/$A/$A.tsv"
MD="$DATA/$A/metadata_$A.tsv"
mkdir -p "$DATA/$A"
printf 'Gene\tL1\tL2\tL3\tL4\n' > "$M"
printf 'ENSG00000000001\t120.5\t0\t310.25\t45\n' >> "$M"
printf 'ENSG00000000002\t-3.5\t88\t140\t0\n' >> "$M"
printf 'ENSG00000000003\t150\t150\t150\t77\n' >> "$M"
printf 'ENSG00000000004\t10\t0\t2\t1000\n' >> "$M"
printf 'ENSG00000000005\t512\t256\t64\t3.5\n' >> "$M"
{
	printf 'refinebio_accession_code\texperiment_accession\trefinebio_title\trefinebio_disease\n'
	printf 'L1\t%s\tdonor 1\thealthy\nL2\t%s\tdonor 2\thealthy\n' "$A" "$A"
	printf 'L3\t%s\tdonor 3\thealthy\nL4\t%s\tpatient 4\tseptic shock\n' "$A" "$A"
} > "$MD"
# only stddev > 0 keeps a gene from being a candidate
cat >> "$T/gxload.yaml" <<EOC
analysis:
  pair_min_stddev: 0
EOC

run_status() { q "SELECT status || '|' || mode FROM meta_etl_run WHERE study_accession = '$A'
                  ORDER BY run_id DESC LIMIT 1"; }
# the stored cohort rows of the study by natural key; means and stddevs to 9 decimals
cohorts() {
	q "SELECT i.code || '|' || g.gene_id || '|' || c.n || '|' || COALESCE(CAST($(vround c.mean) AS text), '-')
	          || '|' || COALESCE(CAST($(vround c.stddev) AS text), 'NULL') || '|' || $(vexpr c.min)
	          || '|' || $(vexpr c.max) || '|' || COALESCE(CAST(c.candidate_rank AS text), '-')
	   FROM fact_cohort_gene_stats c JOIN dim_illness i USING (illness_key)
	   JOIN dim_gene g ON g.gene_key = c.gene_key JOIN dim_study s ON s.study_key = c.study_key
	   WHERE s.accession = '$A' ORDER BY 1"
}
# expect_n SAMPLE...: "gene|n" over the listed samples, counting values >= 0 (the others
# have a NULL log2_value in a linear study)
expect_n() {
	awk -F'\t' -v want=" $* " '
		NR == 1 { for (i = 2; i <= NF; i++) if (index(want, " " $i " ")) use[i] = 1; next }
		{ n = 0; for (i = 2; i <= NF; i++) if (use[i] && $i + 0 >= 0) n++; if (n) print $1 "|" n }' "$M"
}
stored_n() {
	q "SELECT g.gene_id || '|' || c.n FROM fact_cohort_gene_stats c JOIN dim_illness i USING (illness_key)
	   JOIN dim_gene g ON g.gene_key = c.gene_key WHERE i.code = '$1' ORDER BY g.gene_id"
}
zeros=$(awk -F'\t' 'NR > 1 { for (i = 2; i <= NF; i++) if ($i + 0 == 0) n++ } END { print n }' "$M")
negatives=$(awk -F'\t' 'NR > 1 { for (i = 2; i <= NF; i++) if ($i + 0 < 0) n++ } END { print n }' "$M")

gx load "$A"; is "$rc" 0 "a linear study loads"
is "$(q "SELECT value_scale FROM dim_study WHERE accession = '$A'")" linear "detected as linear"
is "$(q "SELECT count(*) FROM fact_gene_expression WHERE value = 0 AND log2_value = 0")" "$zeros" \
   "log2_value of each of the $zeros zeros is 0, not NULL"
is "$(q "SELECT count(*) FROM fact_gene_expression WHERE log2_value IS NULL")" "$negatives" \
   "log2_value of the $negatives negative value is NULL"
is "$(q "SELECT accession || '|' || n_negative FROM dim_sample ORDER BY accession" | tr '\n' ' ')" \
   "L1|1 L2|0 L3|0 L4|0 " "n_negative counts values below zero only (zeros are not negative)"
is "$(stored_n CONTROL)" "$(expect_n L1 L2 L3)" "CONTROL: a NULL log2_value is not counted"
is "$(stored_n SEPTIC_SHOCK)" "$(expect_n L4)" "SEPTIC_SHOCK: one value per gene"
is "$(q "SELECT count(*) FROM fact_cohort_gene_stats c JOIN dim_illness i USING (illness_key)
         WHERE i.code = 'SEPTIC_SHOCK' AND c.n = 1 AND c.stddev IS NULL")" 5 \
   "a cohort of one sample: stddev NULL for each of its 5 genes"
is "$(q "SELECT count(*) FROM fact_cohort_gene_stats WHERE n = 1 AND stddev IS NOT NULL")" 0 \
   "no stddev where n = 1"
is "$(q "SELECT count(*) FROM fact_cohort_gene_stats c JOIN dim_gene g ON g.gene_key = c.gene_key
         WHERE g.gene_id = 'ENSG00000000003' AND c.stddev = 0 AND c.candidate_rank IS NULL")" 1 \
   "a gene with no spread (150, 150, 150) is no candidate"
is "$(q "SELECT count(candidate_rank) FROM fact_cohort_gene_stats c JOIN dim_illness i USING (illness_key)
         WHERE i.code = 'CONTROL'")" 3 "CONTROL ranks its 3 genes with n >= 3 and spread"
full=$(cohorts)

# a metadata-only run recomputes the statistics from a scan for them alone: the same rows
sed -i 's/patient 4/patient four/' "$MD"
gx load "$A"; is "$rc" 0 "load after a title changed"
is "$(run_status)" "succeeded|metadata" "a metadata-only run"
is "$(cohorts)" "$full" "the metadata-only run gives the rows the full load gave"
is "$(stored_n CONTROL)" "$(expect_n L1 L2 L3)" "and does not count the NULL log2_value"

# settings that change what is stored are part of the fingerprint: never skipped
gx --set extract.na_values=NA load "$A"
like "$rc|$(run_status)" "^0\|succeeded\|" "extract.na_values changed: not skipped"
gx --set extract.na_values=NA load "$A"
is "$rc|$(run_status)" "0|skipped|none" "the same settings again: skipped"
gx --set extract.na_values=NA --set transform.value_scale=linear load "$A"
like "$rc|$(run_status)" "^0\|succeeded\|" "transform.value_scale changed: not skipped"
gx --set extract.na_values=NA --set transform.value_scale=linear --set analysis.pair_top_n=2 load "$A"
like "$rc|$(run_status)" "^0\|succeeded\|" "analysis.pair_top_n changed: not skipped"
is "$(q "SELECT count(candidate_rank) || '|' || max(candidate_rank) FROM fact_cohort_gene_stats c
         JOIN dim_illness i USING (illness_key) WHERE i.code = 'CONTROL'")" "2|2" \
   "CONTROL keeps only its top 2 ranks"
done_testing
