#!/bin/sh
# t0210-incremental.sh - a changed matrix rewrites only new, changed and removed samples;
# a metadata change touches only dimensions; the result always equals a clean load.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

M="$DATA/GSE1001/GSE1001.tsv"
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

gx load GSE1001; is "$rc" 0 "initial load"
d5001=$(digest GSM5001); d5004=$(digest GSM5004)

# one sample re-processed: column 5 is GSM5002
edit_col 5 '$c + 1'
gx load GSE1001; is "$rc" 0 "load after one sample changed"
is "$(mode GSE1001)" partial "only the changed sample is rewritten (partial)"
is "$(last_run GSE1001)" "succeeded||30|30|1|0" "rows_inserted 30, rows_deleted 30, samples_changed 1"
is "$(digest GSM5001)" "$d5001" "an unchanged sample keeps its digest"
check_values "one sample changed"

# the same data with the columns in another order: nothing to rewrite
awk -F'\t' -v OFS='\t' '{ print $1, $6, $5, $4, $3, $2 }' "$M" > "$T/m" && cp "$T/m" "$M"
gx load GSE1001; is "$rc" 0 "load after reordering columns"
is "$(last_run GSE1001)" "succeeded||0|0|0|0" "digests do not depend on column order: nothing rewritten"
is "$(digest GSM5004)" "$d5004" "digest unchanged by column order"
check_values "columns reordered"

# a sample removed (GSM5003 is now column 6) and one added
awk -F'\t' -v OFS='\t' '{ if (NR == 1) $6 = "GSM5006"; else $6 = $6 * 2 } { print }' "$M" > "$T/m" && cp "$T/m" "$M"
gx load GSE1001; is "$rc" 0 "load after a sample was replaced by another"
is "$(last_run GSE1001)" "succeeded||30|30|2|0" "one new sample inserted, one removed"
is "$(q "SELECT count(*) FROM dim_sample WHERE accession = 'GSM5003'")" 0 "the removed sample is gone from dim_sample"
is "$(q "SELECT count(*) FROM dim_sample WHERE accession = 'GSM5006'")" 1 "the new sample is in dim_sample"
like "$(q "SELECT l.message FROM meta_etl_process_log l JOIN meta_etl_run r USING (run_id)
          WHERE r.run_id = (SELECT max(run_id) FROM meta_etl_run)")" "no row in .*metadata_GSE1001.tsv" \
     "a column without metadata is logged"
check_values "sample replaced"

# most samples changed: the study is rebuilt whole
edit_col 2 '$c - 1'; edit_col 3 '$c - 1'; edit_col 4 '$c - 1'
gx load GSE1001; is "$rc" 0 "load after most samples changed"
is "$(mode GSE1001)" full "more than load.full_reload_fraction changed: full rebuild"
is "$(last_run GSE1001)" "succeeded||150|150|5|0" "full rebuild counts"
check_values "full rebuild"

# a gene removed: every sample changes
sed -i '/^ENSG00000000010\t/d' "$M"
gx load GSE1001; is "$rc" 0 "load after a gene was removed"
is "$(q "SELECT count(*) FROM fact_gene_expression f JOIN dim_gene g USING (gene_key) WHERE g.gene_id = 'ENSG00000000010'")" 0 "the gene's facts are gone"
check_values "gene removed"

# metadata only: dimensions change, facts are not touched
facts_before=$(q "SELECT count(*), sum(value) FROM fact_gene_expression")
sed -i 's/patient 2, day 1/patient 2, day 2/' "$DATA/GSE1001/metadata_GSE1001.tsv"
gx load GSE1001; is "$rc" 0 "load after a metadata change"
is "$(mode GSE1001)" metadata "only the dimensions are rewritten"
is "$(last_run GSE1001)" "succeeded||0|0|1|0" "one sample's metadata changed"
is "$(q "SELECT title FROM dim_sample WHERE accession = 'GSM5002'")" "patient 2, day 2" "the new title is stored"
is "$(q "SELECT count(*), sum(value) FROM fact_gene_expression")" "$facts_before" "facts untouched"

# the incremental result equals a clean load of the same files
inc=$(db_values GSE1001 | cksum)
gx load --force GSE1001
is "$(db_values GSE1001 | cksum)" "$inc" "a forced clean reload gives the same facts"
gx load GSE1001; like "$out" "skipped" "and then the study is unchanged"
done_testing
