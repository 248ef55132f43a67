#!/bin/sh
# t0210-incremental.sh - a changed matrix rewrites only new, changed and removed samples;
# more than load.full_reload_fraction changed rebuilds the study (the boundary itself is
# still partial); a metadata change touches only dimensions; --dry-run decides the same
# mode and writes nothing; after every step the whole database equals a clean
# `load --force` of the same files into a fresh database (ref_check).
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

M="$DATA/GSE1001/GSE1001.tsv"
MD="$DATA/GSE1001/metadata_GSE1001.tsv"
mode() { q "SELECT mode FROM meta_etl_run WHERE study_accession = '$1' ORDER BY run_id DESC LIMIT 1"; }
digest() { q "SELECT value_digest FROM dim_sample WHERE accession = '$1'"; }
check_values() { # NAME
	melt_tsv "$M" > "$T/src.tsv"; db_values GSE1001 > "$T/db.tsv"
	same_doubles "$T/src.tsv" "$T/db.tsv"; ok $? "$1: database equals the file"
}
# set column COL (1-based, gene id is 1) of data rows to f(value)
edit_col() { # COL AWK-EXPR
	awk -F'\t' -v OFS='\t' -v c="$1" "NR > 1 { \$c = $2 } { print }" "$M" > "$T/m" && cp "$T/m" "$M"
}
# the columns whose cells differ between two versions of the matrix, by sample name
changed_samples() { # OLD NEW -> number of samples whose cells differ or that are new
	melt_tsv "$1" > "$T/c_old"; melt_tsv "$2" > "$T/c_new"
	LC_ALL=C comm -13 "$T/c_old" "$T/c_new" | cut -f1 | sort -u | wc -l | tr -d ' '
}
summary() { # MODE SAMPLES GENES VALUES INSERTED DELETED CHANGED -> the summary line's regex
	echo "^GSE1001: succeeded \($1\) $2 samples, $3 genes, $4 values \(log2\); $5 rows inserted, $6 deleted, $7 samples changed \[run [0-9]+, "
}

gx load GSE1001; is "$rc" 0 "initial load"
d5001=$(digest GSM5001); d5004=$(digest GSM5004)
runs=$(q "SELECT count(*) FROM meta_etl_run")

# one sample re-processed: column 5 is GSM5002; --dry-run first
cp "$M" "$T/before"
edit_col 5 '$c + 1'
is "$(changed_samples "$T/before" "$M")" 1 "the edit changed one sample (awk)"
snap=$(db_snapshot)
gx load --dry-run GSE1001
is "$rc" 0 "--dry-run after one sample changed"
is "$out" "GSE1001: dry run: would do a partial load of 1 sample" "--dry-run decides a partial run of the one changed sample"
is "$(q "SELECT count(*) FROM meta_etl_run")" "$runs" "--dry-run records no run"
is "$(db_snapshot)" "$snap" "--dry-run changes nothing"
gx load GSE1001; is "$rc" 0 "load after one sample changed"
like "$out" "$(summary partial 5 30 150 30 30 1)" "only the changed sample is rewritten (partial)"
is "$(mode GSE1001)" partial "meta_etl_run says partial"
is "$(last_run GSE1001)" "succeeded||30|30|1|0" "rows_inserted 30, rows_deleted 30, samples_changed 1"
is "$(digest GSM5001)" "$d5001" "an unchanged sample keeps its digest"
check_values "one sample changed"
ref_check "one sample changed"

# the same data with the columns in another order: nothing to rewrite
awk -F'\t' -v OFS='\t' '{ print $1, $6, $5, $4, $3, $2 }' "$M" > "$T/m" && cp "$T/m" "$M"
gx load GSE1001; is "$rc" 0 "load after reordering columns"
like "$out" "$(summary partial 5 30 150 0 0 0)" "digests do not depend on column order: nothing rewritten"
is "$(last_run GSE1001)" "succeeded||0|0|0|0" "meta_etl_run: nothing rewritten"
is "$(digest GSM5004)" "$d5004" "digest unchanged by column order"
check_values "columns reordered"
ref_check "columns reordered"

# a sample removed (GSM5003 is now column 6) and one added
awk -F'\t' -v OFS='\t' '{ if (NR == 1) $6 = "GSM5006"; else $6 = $6 * 2 } { print }' "$M" > "$T/m" && cp "$T/m" "$M"
gx load GSE1001; is "$rc" 0 "load after a sample was replaced by another"
is "$(last_run GSE1001)" "succeeded||30|30|2|0" "one new sample inserted, one removed"
is "$(q "SELECT count(*) FROM dim_sample WHERE accession = 'GSM5003'")" 0 "the removed sample is gone from dim_sample"
is "$(q "SELECT count(*) FROM dim_sample WHERE accession = 'GSM5006'")" 1 "the new sample is in dim_sample"
is "$(q "SELECT l.message FROM meta_etl_process_log l JOIN meta_etl_run r USING (run_id)
         WHERE r.run_id = (SELECT max(run_id) FROM meta_etl_run) AND l.level = 'warning'")" \
   "1 of 5 matrix columns have no row in '$MD'; they are loaded without metadata
1 metadata rows have no matrix column (samples without data)" "the column without metadata is logged"
check_values "sample replaced"
ref_check "sample replaced"

# a sample removed, nothing else: only its cohort changes
cp "$M" "$T/with5"
gone=$(head -1 "$M" | cut -f2)
cut -f1,3- "$T/with5" > "$M"
gx load GSE1001; is "$rc" 0 "load after a sample was removed"
like "$out" "$(summary partial 4 30 120 0 30 1)" "its rows are deleted, nothing is inserted"
is "$(q "SELECT count(*) FROM dim_sample WHERE accession = '$gone'")" 0 "the removed sample ($gone) is gone"
ref_check "sample removed (its cohort recomputed, the others kept)"
cp "$T/with5" "$M"
gx load GSE1001; is "$rc" 0 "the sample is back"
like "$out" "$(summary partial 5 30 150 30 0 1)" "its rows are inserted, nothing is deleted"
ref_check "sample back"

# most samples changed: the study is rebuilt whole
cp "$M" "$T/before"
edit_col 2 '$c - 1'; edit_col 3 '$c - 1'; edit_col 4 '$c - 1'
is "$(changed_samples "$T/before" "$M")" 3 "the edit changed three samples of five (awk)"
gx load GSE1001; is "$rc" 0 "load after most samples changed"
like "$out" "$(summary full 5 30 150 150 150 5)" "more than load.full_reload_fraction (0.5) changed: full rebuild"
is "$(mode GSE1001)" full "meta_etl_run says full"
is "$(last_run GSE1001)" "succeeded||150|150|5|0" "full rebuild counts"
check_values "full rebuild"
ref_check "full rebuild"

# load.full_reload_fraction: exactly the fraction changed is not more than it (partial)
cp "$M" "$T/before"
edit_col 2 '$c + 0.5'; edit_col 3 '$c + 0.5'
is "$(changed_samples "$T/before" "$M")" 2 "two samples of five changed (awk): 2 = 0.4 x 5"
gx --set load.full_reload_fraction=0.4 load GSE1001; is "$rc" 0 "load with full_reload_fraction 0.4"
like "$out" "$(summary partial 5 30 150 60 60 2)" "2 of 5 changed is not more than 0.4: partial"
ref_check "at the boundary" --set load.full_reload_fraction=0.4
cp "$M" "$T/before"
edit_col 2 '$c + 0.5'; edit_col 3 '$c + 0.5'; edit_col 4 '$c + 0.5'
is "$(changed_samples "$T/before" "$M")" 3 "three samples of five changed (awk)"
gx --set load.full_reload_fraction=0.4 load GSE1001; is "$rc" 0 "load with full_reload_fraction 0.4"
like "$out" "$(summary full 5 30 150 150 150 5)" "3 of 5 changed is more than 0.4: full"
ref_check "past the boundary" --set load.full_reload_fraction=0.4

# a gene removed: every sample changes
sed -i '/^ENSG00000000010\t/d' "$M"
gx load GSE1001; is "$rc" 0 "load after a gene was removed"
like "$out" "$(summary full 5 29 145 145 150 5)" "a gene removed: every sample rewritten"
is "$(q "SELECT count(*) FROM fact_gene_expression f JOIN dim_gene g USING (gene_key) WHERE g.gene_id = 'ENSG00000000010'")" 0 "the gene's facts are gone"
check_values "gene removed"
ref_check "gene removed"

# metadata only: dimensions change, facts are not touched; --dry-run says so first
facts_before=$(q "SELECT count(*), sum(value) FROM fact_gene_expression")
sed -i 's/patient 2, day 1/patient 2, day 2/' "$MD"
snap=$(db_snapshot); runs=$(q "SELECT count(*) FROM meta_etl_run")
gx load --dry-run GSE1001
is "$(printf '%s\n' "$out" | grep -v '^gxload: warning: ')" "GSE1001: dry run: would do a metadata load of 1 sample" \
   "--dry-run decides a metadata-only run of the one changed sample"
is "$(q "SELECT count(*) FROM meta_etl_run")" "$runs" "--dry-run records no run"
is "$(db_snapshot)" "$snap" "--dry-run changes nothing"
gx load GSE1001; is "$rc" 0 "load after a metadata change"
like "$out" "$(summary metadata 5 29 145 0 0 1)" "only the dimensions are rewritten"
is "$(mode GSE1001)" metadata "meta_etl_run says metadata"
is "$(last_run GSE1001)" "succeeded||0|0|1|0" "one sample's metadata changed"
is "$(q "SELECT title FROM dim_sample WHERE accession = 'GSM5002'")" "patient 2, day 2" "the new title is stored"
is "$(q "SELECT count(*), sum(value) FROM fact_gene_expression")" "$facts_before" "facts untouched"
ref_check "metadata only"

gx load GSE1001; like "$out" "^GSE1001: skipped \(unchanged since the last load\)" "and then the study is unchanged"
gx load --dry-run GSE1001
is "$out" "GSE1001: dry run: unchanged since the last load: would skip" "--dry-run of an unchanged study"
done_testing
