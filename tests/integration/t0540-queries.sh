#!/bin/sh
# t0540-queries.sh - the questions analysts ask most, through the documented views
# (docs/VIEWS.md): one gene across every study (by id and by symbol), one sample's whole
# profile, one study x cohort x all genes, what changed in a run.  Each answer equals the
# input files (awk, h5dump), after first loads, a partial run, a dropped sample and a
# full reload; the plans read the gene-major and sample-major layouts (docs/ARCHITECTURE.md
# "Queries"); SQLite keeps statistics after each load, so the natural join of a study's
# facts through dim_sample plans on an index and finishes under a timeout.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

W="$GXLOAD_TOOLS/h5write"
M="$DATA/GSE1001/GSE1001.tsv"
G=ENSG00000000003

# the same matrix as a second study (h5ad), and a real 10x file with gene names
mkdir -p "$DATA/H5COPY" "$DATA/TENX"
"$W" h5ad "$M" "$DATA/H5COPY/matrix.h5ad" > "$T/w" 2>&1; ok $? "h5ad copy written"
cp "$M" "$T/orig" # what H5COPY holds
cp "$GXLOAD_TOP/tests/fixtures/hdf5/tenx_v2_hg19chr21.h5" "$DATA/TENX/"
gx load GSE1001 SRP2002 H5COPY TENX; is "$rc" 0 "four studies load"

# one gene across every study: study \t sample \t value
gene_want() { # GENE -> what the files say, for the studies that hold GSE1001's matrix
	{ melt_tsv "$M" | awk -F'\t' -v g="$1" '$2 == g { print "GSE1001\t" $1 "\t" $3 }'
	  melt_tsv "$T/orig" | awk -F'\t' -v g="$1" '$2 == g { print "H5COPY\t" $1 "\t" $3 }'
	} | sort
}
gene_got() { # COLUMN VALUE
	q "SELECT study_accession || '	' || sample_accession || '	' || $(vexpr value)
	   FROM vw_expression_by_gene WHERE $1 = '$2'" | sort
}
gene_matches() { # MESSAGE
	gene_want "$G" > "$T/want"; gene_got gene_id "$G" > "$T/got"
	same_doubles "$T/want" "$T/got"; ok $? "$1: one gene across every study equals the files"
}
gene_matches "first loads"
is "$(q "SELECT count(*) FROM vw_expression_by_gene WHERE gene_id = 'ENSMUSG00000000012'")" 3 \
   "a mouse gene: the three samples of SRP2002"
# the 10x file: barcode 6 (CGTGTAAAGGATGGAA-1) holds 1 count of gene 11, RRP1B (h5dump
# of /hg19_chr21/indices, data and gene_names)
is "$(q "SELECT study_accession || ' ' || sample_accession || ' ' || CAST(value AS integer) || ' ' || gene_id
         FROM vw_expression_by_gene WHERE gene_symbol = 'RRP1B'")" \
   "TENX CGTGTAAAGGATGGAA-1 1 RRP1B" "one gene by symbol (a 10x file's gene_names)"
is "$(q "SELECT count(*) FROM vw_expression_by_gene WHERE gene_id = 'NO_SUCH_GENE'")" 0 \
   "an unknown gene: no rows"

# one sample's whole profile: gene \t value
sample_want() { melt_tsv "$M" | awk -F'\t' -v s="$1" '$1 == s { print s "\t" $2 "\t" $3 }'; }
sample_got() { # SAMPLE [STUDY]
	q "SELECT sample_accession || '	' || gene_id || '	' || $(vexpr value)
	   FROM vw_expression_by_sample WHERE sample_accession = '$1'
	   ${2:+AND study_accession = '$2'}" | sort
}
profile_matches() { # SAMPLE MESSAGE
	sample_want "$1" > "$T/want"; sample_got "$1" GSE1001 > "$T/got"
	same_doubles "$T/want" "$T/got"; ok $? "$2: the profile of $1 equals its column"
}
profile_matches GSM5002 "first loads"
# without a study filter the accession is found in both studies that hold it
is "$(sample_got GSM5002 | wc -l | tr -d ' ')" "$(( 2 * $(sample_want GSM5002 | wc -l) ))" \
   "a sample accession in two studies: both profiles"
is "$(q "SELECT count(*) FROM vw_expression_by_sample WHERE sample_accession = 'AACACGTGTACGCTGC-1'
         AND gene_symbol = 'APP'")" 0 "a 10x barcode's profile has only its non-zero genes"

# one study x one cohort x all genes (the cohort view, with symbols)
is "$(q "SELECT count(*) FROM vw_expression_by_cohort WHERE study_accession = 'TENX'
         AND illness_code = 'UNKNOWN' AND gene_symbol = gene_id")" \
   "$(q "SELECT count(*) FROM vw_expression_by_cohort WHERE study_accession = 'TENX'")" \
   "the cohort view names each gene by its symbol"

# what changed in a run
changes() { # RUN -> sample accessions the run wrote
	q "SELECT sample_accession FROM vw_etl_sample_changes WHERE run_id = $1
	   ORDER BY sample_accession" | tr '\n' ' '
}
last_run() { q "SELECT max(run_id) FROM meta_etl_run WHERE study_accession = '$1'"; }
is "$(changes "$(last_run GSE1001)")" "GSM5001 GSM5002 GSM5003 GSM5004 GSM5005 " \
   "a first load wrote every sample"
# column 3 is GSM5001: one sample re-processed
awk -F'\t' -v OFS='\t' 'NR > 1 { $3 = $3 + 1 } { print }' "$M" > "$T/m" && cp "$T/m" "$M"
gx load GSE1001; like "$out" "succeeded \(partial\)" "one changed sample: a partial run"
is "$(changes "$(last_run GSE1001)")" "GSM5001 " "the partial run wrote only the changed sample"
gene_matches "after a partial run"
profile_matches GSM5001 "after a partial run"
gx verify GSE1001; is "$rc" 0 "verify agrees after a partial run"
ref_check "after a partial run"

# a sample dropped from the matrix (column 4, GSM5005)
cut -f1-3,5- "$M" > "$T/m" && cp "$T/m" "$M"
gx load GSE1001; is "$rc" 0 "a sample dropped"
gene_matches "after a dropped sample"
is "$(q "SELECT count(*) FROM vw_expression_by_sample WHERE study_accession = 'GSE1001'
         AND sample_accession = 'GSM5005'")" 0 "the dropped sample has no profile"
is "$(q "SELECT count(*) FROM vw_expression_by_gene WHERE study_accession = 'GSE1001'
         AND sample_accession = 'GSM5005'")" 0 "nor values by gene"
if [ "$BACKEND" = pg ]; then # rows the views would hide (they join dim_sample)
	is "$(q "SELECT count(*) FROM fact_gene_expression_by_sample a
	         WHERE NOT EXISTS (SELECT 1 FROM dim_sample s WHERE s.sample_key = a.sample_key)")" 0 \
	   "no sample-major rows of a sample that is gone"
fi
gx verify GSE1001; is "$rc" 0 "verify agrees after a dropped sample"
ref_check "after a dropped sample"

gx load --force GSE1001; is "$rc" 0 "a full reload of the same files"
is "$(changes "$(last_run GSE1001)")" "" "changed no sample's values: none listed"
awk -F'\t' -v OFS='\t' 'NR > 1 { $2 = $2 * 2; $5 = $5 * 2 } { print }' "$M" > "$T/m" && cp "$T/m" "$M"
gx load --force GSE1001; is "$rc" 0 "a full reload of two changed samples"
is "$(changes "$(last_run GSE1001)")" "GSM5003 GSM5004 " "lists the two"
gene_matches "after a full reload"
ref_check "after a full reload"

# the plans read the layouts made for the questions
plan() { # SQL -> the plan as text (PostgreSQL: tables this small are cheaper to scan
	# whole, so sequential scans are switched off to see the path a large database takes)
	if [ "$BACKEND" = pg ]; then q "SET enable_seqscan = off; EXPLAIN $1"; else q "EXPLAIN QUERY PLAN $1"; fi
}
pgene=$(plan "SELECT * FROM vw_expression_by_gene WHERE gene_id = '$G'")
psample=$(plan "SELECT * FROM vw_expression_by_sample WHERE sample_accession = 'GSM5002'")
if [ "$BACKEND" = pg ]; then
	like "$pgene" "Index Scan .* fact_gene_expression_by_gene" \
	     "PostgreSQL: one gene is a range of the gene-major table"
	unlike "$pgene" "fact_gene_expression_p|Seq Scan on fact" "and reads no study partition"
	like "$psample" "Index Scan .* fact_gene_expression_by_sample" \
	     "PostgreSQL: one sample is a range of the sample-major table"
else
	like "$pgene" "SEARCH f USING PRIMARY KEY \(gene_key=\?\)" \
	     "SQLite: one gene is a range of the fact table's key"
	like "$psample" "SEARCH f USING COVERING INDEX fact_gene_expression_sample \(sample_key=\?\)" \
	     "SQLite: one sample is a range of the covering index"
fi

# SQLite: statistics after each load; the natural join plans on an index
if [ "$BACKEND" = sqlite ]; then
	# 300 samples x 1,000 genes: a plan that scans the facts once per sample reads
	# 90M rows (minutes); the index reads 300,000
	mkdir -p "$DATA/GSE9"
	awk 'BEGIN { srand(9); printf "Gene"; for (s = 1; s <= 300; s++) printf "\tGSM9%03d", s; print ""
	     for (g = 1; g <= 1000; g++) { printf "ENSG9%010d", g
	       for (s = 1; s <= 300; s++) printf "\t%.6f", 6 + 4 * rand(); print "" } }' \
		> "$DATA/GSE9/GSE9.tsv"
	awk 'BEGIN { print "refinebio_accession_code\texperiment_accession\trefinebio_organism"
	     for (s = 1; s <= 300; s++) printf "GSM9%03d\tGSE9\tHOMO_SAPIENS\n", s }' \
		> "$DATA/GSE9/metadata_GSE9.tsv"
	stat1() { q "SELECT stat FROM sqlite_stat1 WHERE tbl = 'fact_gene_expression' AND idx = 'fact_gene_expression_sample'"; }
	before=$(stat1)
	gx load GSE9; is "$rc" 0 "a 300,000-value study loads"
	after=$(stat1)
	[ -n "$after" ] && [ "$after" != "$before" ]; ok $? "the load brought sqlite_stat1 up to date ($before -> $after)"
	J="SELECT count(*), sum(f.value) FROM fact_gene_expression f JOIN dim_sample s USING (sample_key)
	   JOIN dim_study st ON st.study_key = s.study_key WHERE st.accession = 'GSE9'"
	unlike "$(plan "$J")" "SCAN f" "the natural join does not scan the facts"
	res=$(timeout 30 sqlite3 "${DB#sqlite:}" "$J"); st=$?
	is "$st" 0 "the natural join finishes under a 30 s timeout"
	want=$(awk -F'\t' 'NR > 1 { for (i = 2; i <= NF; i++) { n++; s += $i } } END { printf "%d|%.2f", n, s }' "$DATA/GSE9/GSE9.tsv")
	is "$(echo "$res" | awk -F'|' '{ printf "%d|%.2f", $1, $2 }')" "$want" "and counts and sums the study's values"
fi

done_testing
