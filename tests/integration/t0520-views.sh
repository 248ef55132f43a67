#!/bin/sh
# t0520-views.sh - the analytics and run-review views, queried with the real client of
# each backend (sqlite3, psql); expected values computed independently with awk from the
# fixture files; every example query of docs/VIEWS.md runs.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

M="$DATA/GSE1001/GSE1001.tsv"
MD="$DATA/GSE1001/metadata_GSE1001.tsv"
S="$DATA/SRP2002/SRP2002.tsv"
# 4 genes per cohort are paired: 6 pairs
TOP="--set analysis.pair_top_n=4"

# cohorts as the illness rules label the fixture's refinebio_disease
awk -F'\t' 'NR > 1 { c = $4 == "healthy" ? "CONTROL" : $4 == "septic shock" ? "SEPTIC_SHOCK" : "?"; print $1 "\t" c }' \
	"$MD" > "$T/cohorts"
# cohort statistics of log2 values: illness|gene|n|mean|sd|min|max (MATRIX COHORTS LINEAR)
cohort_stats() {
	awk -F'\t' -v lin="$3" '
		FNR == NR { co[$1] = $2; next }
		FNR == 1 { for (i = 2; i <= NF; i++) h[i] = $i; next }
		{
			delete n; delete s; delete v; delete lo; delete hi
			for (i = 2; i <= NF; i++) {
				c = (h[i] in co) ? co[h[i]] : "CONTROL"
				x = lin ? log($i + 1) / log(2) : $i + 0
				n[c]++; s[c] += x; v[c, n[c]] = x
				if (n[c] == 1 || x < lo[c]) lo[c] = x
				if (n[c] == 1 || x > hi[c]) hi[c] = x
			}
			for (c in n) {
				m = s[c] / n[c]; ss = 0
				for (k = 1; k <= n[c]; k++) ss += (v[c, k] - m) ^ 2
				sd = n[c] > 1 ? sprintf("%.17g", sqrt(ss / (n[c] - 1))) : ""
				printf "%s|%s|%d|%.17g|%s|%.17g|%.17g\n", c, $1, n[c], m, sd, lo[c], hi[c]
			}
		}' "$2" "$1" | sort
}
# compare two such listings: same keys and counts, numbers equal to 1e-9 (relative)
close_enough() { # FILE_A FILE_B
	paste -d'#' "$1" "$2" | awk -F'#' '
		{ na = split($1, a, "|"); nb = split($2, b, "|")
		  if (na != nb || a[1] != b[1] || a[2] != b[2] || a[3] != b[3]) { bad++; if (bad < 4) print "# " $0; next }
		  for (i = 4; i <= na; i++) {
			if (a[i] == "" || b[i] == "") { if (a[i] != b[i]) { bad++; print "# " $0 }; continue }
			d = a[i] - b[i]; if (d < 0) d = -d; t = a[i] < 0 ? -a[i] : a[i]
			if (d > 1e-9 * (t > 1 ? t : 1)) { bad++; if (bad < 4) print "# " $0 } } }
		END { exit bad > 0 }' || return 1
	[ "$(wc -l < "$1")" -eq "$(wc -l < "$2")" ] && [ "$(wc -l < "$1")" -gt 0 ]
}
view_cohorts() { # ACC -> illness|gene|n|mean|sd|min|max from the view
	q "SELECT illness_code || '|' || gene_id || '|' || n || '|' || $(vexpr mean) || '|' ||
	          CASE WHEN stddev IS NULL THEN '' ELSE $(vexpr stddev) END || '|' || $(vexpr min) || '|' || $(vexpr max)
	   FROM vw_expression_by_cohort WHERE study_accession = '$1'" | sed 's/|(null)|/||/' | sort
}

cohorts_match() { # MATRIX COHORTS LINEAR ACC MESSAGE: the view's statistics are awk's
	cohort_stats "$1" "$2" "$3" > "$T/want"
	view_cohorts "$4" > "$T/got"
	close_enough "$T/want" "$T/got"; ok $? "$5"
}
nrows() { awk 'END { print NR - 1 }' "$1"; }
# the candidates of GSE1001 as awk ranks them: per cohort of at least pair_min_samples (3)
# values, the genes with stddev >= pair_min_stddev (0.1) and > 0, the largest first, ties
# by gene id (bytewise); the top 4 (pair_top_n) -> cohort|rank|gene, sorted
want_ranks() { # COHORTS
	cohort_stats "$M" "$1" 0 | awk -F'|' '$3 >= 3 && $5 != "" && $5 >= 0.1 && $5 > 0 { print $1 "|" $5 "|" $2 }' |
		LC_ALL=C sort -t'|' -k1,1 -k2,2gr -k3,3 |
		awk -F'|' '$1 != c { c = $1; r = 0 } ++r <= 4 { print $1 "|" r "|" $3 }' | sort
}
set_cell() { # LINE FIELD VALUE: change one cell of GSE1001's matrix
	awk -F'\t' -v l="$1" -v f="$2" -v v="$3" 'BEGIN { OFS = "\t" } NR == l { $f = v } { print }' \
		"$M" > "$T/m" && mv "$T/m" "$M"
}

"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" $TOP load GSE1001 SRP2002 E-GEOD-3003 > "$T/o" 2>&1
is $? 0 "three studies load"

# vw_expression_long
is "$(q "SELECT count(*) FROM vw_expression_long WHERE study_accession = 'GSE1001'")" \
   "$(awk -F'\t' 'NR > 1 { n += NF - 1 } END { print n }' "$M")" "vw_expression_long: one row per cell of the matrix"
melt_tsv "$M" > "$T/src.tsv"
q "SELECT sample_accession || '	' || gene_id || '	' || $(vexpr value) FROM vw_expression_long
   WHERE study_accession = 'GSE1001'" | sort > "$T/view.tsv"
same_doubles "$T/src.tsv" "$T/view.tsv"; ok $? "vw_expression_long: every value equals the file's"
awk -F'\t' 'NR == 1 { for (i = 2; i <= NF; i++) h[i] = $i; next }
	{ for (i = 2; i <= NF; i++) printf "%s\t%s\t%.12f\n", h[i], $1, log($i + 1) / log(2) }' "$S" | sort > "$T/want"
q "SELECT sample_accession || '	' || gene_id || '	' || $(vexpr log2_value) FROM vw_expression_long
   WHERE study_accession = 'SRP2002'" | awk -F'\t' '{ printf "%s\t%s\t%.12f\n", $1, $2, $3 }' | sort > "$T/got"
is "$(cat "$T/got")" "$(cat "$T/want")" "vw_expression_long: log2_value = log2(value + 1) for linear data"
is "$(q "SELECT DISTINCT sample_title || '|' || illness_code || '|' || platform_name || '|' || technology
        FROM vw_expression_long WHERE sample_accession = 'GSM5002'")" \
   "patient 2, day 1|SEPTIC_SHOCK|Affymetrix Human Genome U133 Plus 2.0 Array|MICROARRAY" \
   "vw_expression_long: title, illness, platform, technology"
is "$(q "SELECT DISTINCT technology FROM vw_expression_long WHERE study_accession = 'SRP2002'")" "RNA-SEQ" \
   "vw_expression_long: RNA-seq technology"
is "$(q "SELECT sample_accession || '=' || illness_code FROM vw_expression_long
        WHERE gene_id = 'ENSG00000000003' ORDER BY sample_accession" | tr '\n' ' ')" \
   "$(sed 's/\t/=/' "$T/cohorts" | sort | tr '\n' ' ')" "vw_expression_long: one gene, every sample's cohort"

# vw_expression_by_cohort against awk
cohorts_match "$M" "$T/cohorts" 0 GSE1001 "vw_expression_by_cohort: GSE1001 n, mean, stddev, min, max per cohort x gene"
printf "none\tCONTROL\n" > "$T/none"
cohorts_match "$S" "$T/none" 1 SRP2002 "vw_expression_by_cohort: SRP2002 over log2(value + 1)"
is "$(q "SELECT count(*) FROM vw_expression_by_cohort WHERE study_accession = 'GSE1001' AND illness_code = 'CONTROL'")" \
   "$(awk 'END { print NR - 1 }' "$M")" "one row per gene of a cohort"

# candidate_rank: the 4 most variable genes of each cohort of 3 or more samples
cands() { # ACC COHORT -> the candidates' gene ids, rank 1 first
	q "SELECT g.gene_id FROM fact_cohort_gene_stats c JOIN dim_gene g ON g.gene_key = c.gene_key
	   JOIN dim_study st ON st.study_key = c.study_key WHERE st.accession = '$1'
	   AND c.cohort = '$2' AND c.candidate_rank IS NOT NULL ORDER BY c.candidate_rank"
}
cohort_stats "$M" "$T/cohorts" 0 | awk -F'|' '$1 == "CONTROL" && $3 >= 3 && $5 >= 0.1 { print $5 "|" $2 }' |
	sort -t'|' -k1,1gr -k2,2 | head -4 | cut -d'|' -f2 > "$T/top"
is "$(cands GSE1001 CONTROL)" "$(cat "$T/top")" "candidate_rank: the 4 most variable genes, the more variable first"
is "$(cands GSE1001 SEPTIC_SHOCK)" "" "a cohort of 2 samples (< analysis.pair_min_samples) has no candidates"
is "$(q "SELECT min(candidate_rank) || '|' || max(candidate_rank) || '|' || min(n) FROM fact_cohort_gene_stats c
        JOIN dim_study st ON st.study_key = c.study_key WHERE st.accession = 'E-GEOD-3003'")" \
   "1|4|3" "ranks 1..4, 3 values each"

# run review: known run ids (a fresh database numbers runs from 1)
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" $TOP --set validation.min_samples=6 load --force GSE1001 > "$T/o" 2>&1
is $? 65 "run 4: GSE1001 fails its validation"
GXLOAD_TEST_CRASH_AT=facts "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" $TOP load --force SRP2002 > "$T/o" 2>&1
is $? 137 "run 5: SRP2002 killed while loading"
is "$(q "SELECT study_accession || '|' || run_id || '|' || status || '|' || COALESCE(CAST(error_code AS text), '') ||
                '|' || CASE WHEN finished_at IS NULL THEN 'open' WHEN duration_s >= 0 THEN 'timed' END
         FROM vw_etl_run_latest ORDER BY study_accession")" \
   "E-GEOD-3003|3|succeeded||timed
GSE1001|4|failed|3001|timed
SRP2002|5|running||open" "vw_etl_run_latest: one row per study, its latest run"
wait_no_sessions # PostgreSQL: the killed run's session (and its advisory lock) is gone
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" $TOP load SRP2002 > "$T/o" 2>&1
is $? 0 "run 6: SRP2002 loads again, marking run 5 aborted"
is "$(q "SELECT run_id || '|' || status || '|' || rows_inserted FROM vw_etl_run_latest WHERE study_accession = 'SRP2002'")" \
   "6|skipped|0" "vw_etl_run_latest: the skipped run is the latest"
is "$(q "SELECT run_id || '|' || source || '|' || run_status || '|' || COALESCE(check_name, '-') || '|' ||
                COALESCE(check_status, '-') || '|' || COALESCE(CAST(error_code AS text), '-')
         FROM vw_etl_failures ORDER BY run_id, source DESC, check_name")" \
   "1|check|succeeded|aggregated_samples_absent|WARN|-
3|check|succeeded|unknown_illness|WARN|-
4|run|failed|-|-|3001
4|check|failed|aggregated_samples_absent|WARN|-
4|check|failed|sample_count|FAIL|-
5|run|aborted|-|-|-" "vw_etl_failures: failed and aborted runs, FAIL and WARN checks"
like "$(q "SELECT message FROM vw_etl_failures WHERE run_id = 4 AND check_name = 'sample_count'")" \
     "^5 samples in the matrix" "vw_etl_failures: the check's message"
is "$(q "SELECT CAST(observed AS integer) || '<' || CAST(threshold AS integer) FROM vw_etl_failures
        WHERE run_id = 4 AND check_status = 'FAIL'")" "5<6" "vw_etl_failures: observed and threshold"

# cohort statistics stay right through partial and metadata-only runs (the loader
# accumulates them in its scans of every sample; a run that writes no facts scans the
# matrix for them alone)
mode() { q "SELECT mode FROM meta_etl_run WHERE study_accession = '$1' ORDER BY run_id DESC LIMIT 1"; }
set_cell 3 3 9.75
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" $TOP load GSE1001 > "$T/o" 2>&1
is "$? $(mode GSE1001)" "0 partial" "one value of GSM5001 changed: a partial run"
cohorts_match "$M" "$T/cohorts" 0 GSE1001 "vw_expression_by_cohort after the partial run: the new matrix's statistics"
cohort_source() { # how the last run of GSE1001 computed its cohort statistics
	q "SELECT CASE WHEN count(*) = 2 THEN 'rescan' WHEN count(*) = 1 THEN 'scan' END
	   FROM meta_etl_process_log WHERE message LIKE 'cohort statistics:%' AND run_id =
	   (SELECT max(run_id) FROM meta_etl_run WHERE study_accession = 'GSE1001')"
}
is "$(cohort_source)" scan "the partial run took them from its digest pass, without another scan"
ref_check "a partial run" $TOP
sed '/^GSM5002/{s/\tseptic shock\t/\thealthy\t/;s/\tsepsis\t/\tcontrol\t/;}' "$MD" > "$T/m" && mv "$T/m" "$MD"
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" $TOP load GSE1001 > "$T/o" 2>&1
is "$? $(mode GSE1001)" "0 metadata" "GSM5002 relabelled: a metadata-only run"
sed 's/^GSM5002\tSEPTIC_SHOCK$/GSM5002\tCONTROL/' "$T/cohorts" > "$T/cohorts2"
cohorts_match "$M" "$T/cohorts2" 0 GSE1001 "vw_expression_by_cohort after relabelling: GSM5002 counts in CONTROL"
is "$(cohort_source)" rescan "the metadata-only run read the matrix again for them"
ranks() { # GSE1001's candidates: cohort|rank|gene
	q "SELECT c.cohort || '|' || c.candidate_rank || '|' || g.gene_id FROM fact_cohort_gene_stats c
	   JOIN dim_gene g ON g.gene_key = c.gene_key JOIN dim_study st ON st.study_key = c.study_key
	   WHERE st.accession = 'GSE1001' AND c.candidate_rank IS NOT NULL" | sort
}
is "$(q "SELECT count(*) FROM vw_expression_by_cohort WHERE study_accession = 'GSE1001' AND n = 1
         AND stddev IS NULL")" "$(nrows "$M")" "SEPTIC_SHOCK has one sample left: stddev NULL for each of its genes"
ranks > "$T/ranks_meta"
is "$(cat "$T/ranks_meta")" "$(want_ranks "$T/cohorts2")" "the relabelled cohorts' candidates are awk's"
ref_check "relabelled (metadata-only run)" $TOP
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" $TOP load --force GSE1001 > "$T/o" 2>&1
view_cohorts GSE1001 > "$T/got2"
close_enough "$T/got" "$T/got2"; ok $? "a forced full load gives the statistics of the metadata-only run"
is "$(cohort_source)" scan "the forced full load took them from its scan"
is "$(q "SELECT count(*) FROM vw_expression_by_cohort WHERE study_accession = 'GSE1001' AND n = 1
         AND stddev IS NULL")" "$(nrows "$M")" "and its stddev of a one-sample cohort is NULL too"
is "$(ranks)" "$(cat "$T/ranks_meta")" \
	"and the same candidates, in the same order"
kept() { # "kept of cohorts" from the last run's cohort message
	q "SELECT message FROM meta_etl_process_log WHERE message LIKE 'cohort statistics:%' AND run_id =
	   (SELECT max(run_id) FROM meta_etl_run WHERE study_accession = 'GSE1001')" |
		sed -n 's/.*(\([0-9]*\) of \([0-9]*\) cohorts unchanged.*/\1 of \2/p'
}
# a partial run keeps the rows of cohorts none of whose samples changed...
set_cell 4 5 8.25
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" $TOP load GSE1001 > "$T/o" 2>&1
is "$? $(mode GSE1001) $(kept)" "0 partial 1 of 2" "GSM5002 (CONTROL now) changed: the other cohort is kept"
cohorts_match "$M" "$T/cohorts2" 0 GSE1001 "vw_expression_by_cohort after the partial run that kept a cohort"
ref_check "a partial run that kept a cohort" $TOP
# ...and rewrites both cohorts of a sample relabelled in a partial run
sed '/^GSM5002/{s/\thealthy\t/\tseptic shock\t/;s/\tcontrol\t/\tsepsis\t/;}' "$MD" > "$T/m" && mv "$T/m" "$MD"
set_cell 4 3 8.5
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" $TOP load GSE1001 > "$T/o" 2>&1
is "$? $(mode GSE1001) $(kept)" "0 partial 0 of 2" "GSM5002 relabelled back, a value of GSM5001 changed: both cohorts rewritten"
cohorts_match "$M" "$T/cohorts" 0 GSE1001 "vw_expression_by_cohort after relabelling in a partial run"
is "$(ranks)" "$(want_ranks "$T/cohorts")" "the partial run's ranks are awk's"
ref_check "relabelled in a partial run" $TOP

# every example query of docs/VIEWS.md runs and returns rows: the analysis views need
# gene pairs, differential statistics (GSE1001's two cohorts) and features
cat > "$T/features.yaml" <<EOF
kind: features
features:
  - name: g3_minus_g5
    definition: log2_diff(ENSG00000000003, ENSG00000000010)
EOF
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" $TOP --set analysis.features="$T/features.yaml" \
	--set analysis.correlate_after_load=true --set analysis.differential_after_load=true \
	load GSE1001 > "$T/o" 2>&1
is "$? $(q "SELECT count(*) FROM vw_feature_values") $(q "SELECT count(*) FROM vw_cohort_differential")" \
   "0 5 30" "GSE1001 with its features (5 samples), correlations and differential statistics (30 genes)"
awk '/^```sql$/ { on = 1; q = ""; next } /^```$/ && on { on = 0; n++; print q > (dir "/ex" n ".sql"); next }
     on { q = q $0 "\n" }' dir="$T" "$GXLOAD_TOP/docs/VIEWS.md"
n=0
for f in "$T"/ex*.sql; do
	n=$((n + 1))
	res=$(q " $(cat "$f")" 2>&1); st=$? # a leading "--" would be an option to sqlite3
	[ "$st" -eq 0 ] && [ -n "$res" ] && ! printf '%s' "$res" | grep -qi "error"
	ok $? "docs/VIEWS.md example $n runs: $(sed -n 1p "$f")"
done
[ "$n" -ge 8 ]; ok $? "docs/VIEWS.md has $n example queries"
done_testing
