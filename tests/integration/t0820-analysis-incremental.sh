#!/bin/sh
# t0820-analysis-incremental.sh - the analysis step after a load
# (analysis.correlate_after_load, differential_after_load) and the per-sample features
# (analysis.features) through incremental runs: after a partial run, a relabelling, a
# vanished and a new sample, a changed features file, a new cohort definition and the
# analysis turned off, the database equals a clean load with the same settings
# (ref_check covers fact_gene_pair_stats, fact_cohort_differential, dim_feature and
# fact_feature_values); features are recomputed only for the samples whose values
# changed, and their values are numpy's; migration 0007 keeps a database's cohort rows.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

. "$GXLOAD_TOP/tests/lib/stats.sh"
mode() { q "SELECT mode FROM meta_etl_run WHERE study_accession = '$1' ORDER BY run_id DESC LIMIT 1"; }
computed() { # ACC -> "N of M" from the last run's features message ("" if none)
	q "SELECT message FROM meta_etl_process_log WHERE message LIKE 'features:%' AND run_id =
	   (SELECT max(run_id) FROM meta_etl_run WHERE study_accession = '$1')" |
		sed -n 's/^features: \([0-9]*\) of \([0-9]*\) samples.*/\1 of \2/p'
}
fvalues() { # ACC -> sample|feature name|value
	q "SELECT sample_accession || '|' || feature_name || '|' || $(vexpr value) FROM vw_feature_values
	   WHERE study_accession = '$1'"
}

"$PY" "$CHECK" gen "$DATA/GEN2" GEN2 --genes 40 --samples 18 --seed 11 --na-share 0.3
M="$DATA/GEN2/GEN2.tsv"
MD="$DATA/GEN2/metadata_GEN2.tsv"
g() { awk -F'\t' -v n="$1" 'NR == n + 1 { print $1 }' "$M"; } # the id of the gene on line n + 1
# features over genes with and without missing values (file lines 4 and 6 have NA cells)
F1="log2_diff($(g 2), $(g 7))"; F2="ratio($(g 4), $(g 8))"; F3="set_mean($(g 9), $(g 6), $(g 12))"
cat > "$T/features.yaml" <<EOF
kind: features
features:
  - name: d1
    definition: $F1
  - name: r1
    definition: $F2
  - name: m1
    definition: $F3
EOF
cat >> "$T/gxload.yaml" <<EOF
extract:
  na_values: ["NA"]
analysis:
  features: $T/features.yaml
  correlate_after_load: true
  differential_after_load: true
  top_k: 30
  min_abs_r: 0.95
EOF

gx load GEN2; is "$rc" 0 "GEN2 loads with the analysis after the load"
is "$(computed GEN2)" "18 of 18" "every sample's features computed"
fvalues GEN2 > "$T/f1"
check features --name "features" --matrix "$M" --na NA --rows "$T/f1" \
	--feature "d1=$F1" --feature "r1=$F2" --feature "m1=$F3"
is "$(q "SELECT count(*) FROM dim_feature")" 3 "dim_feature: the three features"
is "$(q "SELECT count(DISTINCT cohort) FROM fact_gene_pair_stats")|$(q "SELECT count(DISTINCT cohort_a) FROM fact_cohort_differential")" \
   "3|2" "pairs of the three cohorts, each illness compared with CONTROL"
ref_check "a load with the analysis after it"

# a partial run: one value of one sample
awk -F'\t' 'BEGIN { OFS = "\t" } NR == 3 { $5 = "7.125" } { print }' "$M" > "$T/m" && mv "$T/m" "$M"
gx load GEN2; is "$rc $(mode GEN2)" "0 partial" "one value changed: a partial run"
is "$(computed GEN2)" "1 of 18" "only the changed sample's features computed"
fvalues GEN2 > "$T/f2"
check features --name "features after a partial run" --matrix "$M" --na NA --rows "$T/f2" \
	--feature "d1=$F1" --feature "r1=$F2" --feature "m1=$F3"
ref_check "a partial run"

# a relabelled sample: a metadata-only run, no feature computed, the analysis redone
s1=$(awk -F'\t' 'NR == 2 { print $1 }' "$MD")
awk -F'\t' 'BEGIN { OFS = "\t" } NR == 2 { $3 = ($3 == "healthy" ? "sepsis" : "healthy") } { print }' "$MD" > "$T/m" && mv "$T/m" "$MD"
gx load GEN2; is "$rc $(mode GEN2)" "0 metadata" "$s1 relabelled: a metadata-only run"
is "$(computed GEN2)" "" "no feature computed"
ref_check "relabelled"

# a vanished sample and a new one
gone=$(awk -F'\t' 'NR == 1 { print $NF }' "$M")
cut -f1-18 "$M" > "$T/m" && mv "$T/m" "$M"
gx load GEN2; is "$rc $(mode GEN2)" "0 partial" "a sample vanished: a partial run"
is "$(q "SELECT count(*) FROM vw_feature_values WHERE sample_accession = '$gone'")|$(q "SELECT count(*) FROM dim_sample")" \
   "0|17" "its features are gone with it"
ref_check "a vanished sample"
awk -F'\t' 'BEGIN { OFS = "\t" } { print $0, (NR == 1 ? "GSM999999" : $2) }' "$M" > "$T/m" && mv "$T/m" "$M"
printf 'GSM999999\tsample new\thealthy\tT cell\n' >> "$MD"
gx load GEN2; is "$rc $(mode GEN2)" "0 partial" "a new sample: a partial run"
is "$(computed GEN2)" "1 of 18" "only the new sample's features computed"
ref_check "a new sample"

# the features file changes: every sample's features computed again
sed -i 's/name: r1/name: r1_renamed/' "$T/features.yaml"
printf '  - name: m2\n    definition: set_mean(%s, %s)\n' "$(g 3)" "$(g 10)" >> "$T/features.yaml"
gx load GEN2; is "$rc $(mode GEN2)" "0 metadata" "a changed features file: a metadata-only run"
is "$(computed GEN2)" "18 of 18" "every sample's features computed again"
fvalues GEN2 > "$T/f3"
check features --name "features of the new file" --matrix "$M" --na NA --rows "$T/f3" \
	--feature "d1=$F1" --feature "r1_renamed=$F2" --feature "m1=$F3" --feature "m2=set_mean($(g 3),$(g 10))"
ref_check "a changed features file"

# another cohort definition, then the analysis turned off
sed 's/^analysis:$/analysis:\n  cohort_by: cell_type\n  compare: ["T cell:B cell"]/' "$T/gxload.yaml" > "$T/cell.yaml"
"$GXLOAD_BIN" --config "$T/cell.yaml" --db "$DB" load GEN2 > "$T/o" 2>&1
is "$? $(mode GEN2)" "0 metadata" "cohorts by cell_type: a metadata-only run"
is "$(q "SELECT DISTINCT cohort_by FROM fact_gene_pair_stats")|$(q "SELECT DISTINCT cohort_a || ':' || cohort_b FROM vw_cohort_differential")" \
   "field:cell_type|T cell:B cell" "pairs and differential rows by cell type"
ref_check "cohorts by cell_type" --config "$T/cell.yaml"
gx --set analysis.correlate_after_load=false --set analysis.differential_after_load=false load GEN2
is "$rc $(mode GEN2)" "0 metadata" "the analysis turned off: a metadata-only run"
is "$(q "SELECT count(*) FROM fact_gene_pair_stats")|$(q "SELECT count(*) FROM fact_cohort_differential")" "0|0" \
   "its rows are gone"
ref_check "the analysis turned off" --set analysis.correlate_after_load=false --set analysis.differential_after_load=false
gx --set analysis.correlate_after_load=false --set analysis.differential_after_load=false load GEN2
is "$rc $(mode GEN2)" "0 none" "the same settings again: skipped"

# migration 0007 on a database of before: its cohort rows become cohorts by illness
share="$T/share"; mkdir -p "$share"
cp -R "$GXLOAD_TOP/migrations" "$GXLOAD_TOP/configs" "$GXLOAD_TOP/rules" "$share/"
for f in "$share"/migrations/*/*.sql; do
	case "$(basename "$f")" in 0001_*|0002_*|0003_*|0004_*|0005_*) ;; *) rm "$f" ;; esac
done
if [ "$BACKEND" = pg ]; then
	pg_admin "CREATE DATABASE ${PGDB}_old"
	OLD=$(pg_url "${PGDB}_old")
	now="now()"
else
	OLD="sqlite:$T/old.db"
	now="'2020-01-01T00:00:00.000Z'"
fi
GXLOAD_SHARE_DIR="$share" "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$OLD" migrate > "$T/o" 2>&1
is $? 0 "a database at migration 0005"
qdb "$OLD" "INSERT INTO dim_study (accession, content_hash, created_at, updated_at) VALUES ('OLD1', 'h', $now, $now);
    INSERT INTO dim_illness (code, label, content_hash, updated_at) VALUES ('SEPSIS', 'Sepsis', 'h', $now);
    INSERT INTO dim_gene (gene_id, created_at) VALUES ('ENSG1', $now);
    INSERT INTO fact_cohort_gene_stats (study_key, illness_key, gene_key, n, mean, stddev, min, max, candidate_rank)
    SELECT st.study_key, i.illness_key, g.gene_key, 3, 1.5, 0.5, 1, 2, 1 FROM dim_study st, dim_illness i, dim_gene g" > /dev/null
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$OLD" migrate > "$T/o" 2>&1
is $? 0 "migrates to 0007"
is "$(qdb "$OLD" "SELECT study_accession || '|' || illness_code || '|' || cohort_by || '|' || cohort || '|' || n FROM vw_expression_by_cohort")" \
   "OLD1|SEPSIS|illness|SEPSIS|3" "its cohort row is a cohort by illness, in the view"
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$OLD" analyze OLD1 > "$T/o" 2>&1
is $? 65 "analyze of a study loaded before 0007: exit 65"
like "$(cat "$T/o")" "study 'OLD1' was loaded before its cohorts were stored: load it again" "saying what to do"
done_testing
