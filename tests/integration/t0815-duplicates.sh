#!/bin/sh
# t0815-duplicates.sh - genes.duplicates: each policy gives the rows awk computes from
# the file, the same for a TSV and for HDF5 files (dense h5ad, sparse 10x v2); the
# duplicate_gene_ids check counts the repeats and `report` shows them; verify agrees
# with the policy's result; changing the policy reloads the facts; refuse fails the run
# with exit 65 and leaves the database as it was; the default loads a real 10x v2 file.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

W="$GXLOAD_TOOLS/h5write"
M="$DATA/GSE1001/GSE1001.tsv"
# rows 2 and 3 both say ENSG00000000003 (row 3's own id, ENSG00000000010, is gone) and
# row 5 says it too: one id on three rows, two repeats
awk -F'\t' -v OFS='\t' 'NR == 3 || NR == 5 { $1 = "ENSG00000000003" } { print }' "$M" > "$T/m" &&
	cp "$T/m" "$M"
X=ENSG00000000003
for layout in h5ad 10x2; do
	acc="DUP$(echo "$layout" | tr 'a-z' 'A-Z')"
	mkdir -p "$DATA/$acc"
	"$W" "$layout" "$M" "$DATA/$acc/matrix.h5" > "$T/w" 2>&1; ok $? "$layout file with the repeats written"
done

# what each policy makes of the file: sample \t gene \t value
want() { # POLICY [FILE]
	tr -d '\r' < "${2:-$M}" | awk -F'\t' -v p="$1" '
		NR == 1 { for (i = 2; i <= NF; i++) h[i] = $i; next }
		{
			k = ++seen[$1]
			for (i = 2; i <= NF; i++) {
				if (p == "first" && k > 1) continue
				if (p == "suffix") { print h[i] "\t" (k > 1 ? $1 "-" (k - 1) : $1) "\t" $i; continue }
				if (p == "mean" || p == "sum") { s[$1, i] += $i; n[$1] = k; ids[$1] = 1; continue }
				print h[i] "\t" $1 "\t" $i
			}
		}
		END {
			for (g in ids) for (i = 2; i in h; i++)
				printf "%s\t%s\t%.17g\n", h[i], g, p == "mean" ? s[g, i] / n[g] : s[g, i]
		}' | sort
}
dup_check() { # ACC -> observed|message of the latest run's duplicate_gene_ids
	q "SELECT CAST(c.observed AS integer) || '|' || c.message FROM meta_data_validation_log c
	   WHERE c.run_id = (SELECT max(run_id) FROM meta_etl_run WHERE study_accession = '$1')
	   AND c.check_name = 'duplicate_gene_ids'"
}

for policy in first mean sum suffix; do
	want "$policy" > "$T/want"
	for acc in GSE1001 DUPH5AD DUP10X2; do
		gx --set genes.duplicates="$policy" load "$acc"
		is "$rc" 0 "$policy: $acc loads"
		db_values "$acc" > "$T/got"
		same_doubles "$T/want" "$T/got"; ok $? "$policy: $acc holds what awk makes of the file"
		like "$(dup_check "$acc")" "^2\|2 rows repeat the ids of earlier rows \(1 ids\): genes.duplicates = $policy" \
		     "$policy: $acc: the check counts two repeated rows of one id"
		gx --set genes.duplicates="$policy" verify "$acc"
		is "$rc" 0 "$policy: $acc: verify agrees with the policy's result"
	done
	gx --set genes.duplicates="$policy" report "$(q "SELECT max(run_id) FROM meta_etl_run WHERE study_accession = 'GSE1001'")"
	like "$out" "PASS +integrity +duplicate_gene_ids +2 .*genes.duplicates = $policy" "$policy: report shows the repeats"
	ref_check "$policy" --set genes.duplicates="$policy"
done
# the last policy's facts came from a changed setting: the runs were not skipped
is "$(q "SELECT count(*) FROM dim_gene WHERE organism = 'HOMO_SAPIENS' AND gene_id = '$X-2'")" 1 "suffix named the second repeat $X-2"

# a dense h5ad of more rows than one batch (65,536 cells: 8,192 rows of 8 samples), whose
# repeats sit in its second batch (rows 9,000 and 9,001) and across batches (row 9,500
# repeats row 100): each batch's rows are the file's, through the HDF5 reader process too
mkdir -p "$T/big" "$DATA/BIGDUP"
awk 'BEGIN { OFS = "\t"; printf "gene"; for (j = 1; j <= 8; j++) printf "\tS%d", j; print ""
	for (i = 1; i <= 10000; i++) {
		id = sprintf("ENSG%011d", i)
		if (i == 9001) id = sprintf("ENSG%011d", 9000)
		if (i == 9500) id = sprintf("ENSG%011d", 100)
		printf "%s", id; for (j = 1; j <= 8; j++) printf "\t%d.%03d", i % 97, (i * j) % 1000; print ""
	} }' > "$T/big/m.tsv"
"$W" h5ad "$T/big/m.tsv" "$DATA/BIGDUP/matrix.h5" > "$T/w" 2>&1; ok $? "a two-batch h5ad with repeats written"
for policy in mean suffix; do
	want "$policy" "$T/big/m.tsv" > "$T/want"
	gx --set genes.duplicates="$policy" load BIGDUP
	is "$rc" 0 "$policy: the two-batch h5ad loads"
	db_values BIGDUP > "$T/got"
	same_doubles "$T/want" "$T/got"; ok $? "$policy: the two-batch h5ad holds what awk makes of its rows"
done

# refuse: exit 65 naming the file, nothing changed
snap=$(db_snapshot)
gx --set genes.duplicates=refuse load --force GSE1001
is "$rc" 65 "refuse: exit 65"
like "$out" "GSE1001.tsv', line 3, column 1: duplicate gene id \"$X\" \(first on line 2\)" "refuse: names the file and line"
gx --set genes.duplicates=refuse load --force DUP10X2
is "$rc" 65 "refuse: a 10x file too"
like "$out" "duplicate gene id" "refuse: says why"
is "$(db_snapshot)" "$snap" "refuse: the database is as it was"

# the default loads a real 10x v2 file (Cell Ranger 2, ids cut to 14 characters)
mkdir -p "$DATA/TENX"
cp "$GXLOAD_TOP/tests/fixtures/hdf5/tenx_v2_hg19chr21.h5" "$DATA/TENX/"
gx load TENX; is "$rc" 0 "the default loads a real 10x v2 file"
like "$(dup_check TENX)" "^0\|none" "its ids do not repeat"
gx verify TENX; is "$rc" 0 "verify agrees"
done_testing
