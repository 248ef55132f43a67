#!/bin/sh
# t0720-verify-edges.sh - `gxload verify` where the easy cases do not look: facts of no
# sample of dim_sample (orphans), a wrong dim_sample.n_values next to a right digest, the
# first sample of the database missing from the files, and a study of more facts than
# one chunk of the read-back (50,000 rows), read across the chunk boundary.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

A=VER7
mkdir -p "$DATA/$A"
M="$DATA/$A/$A.tsv"
printf 'Gene\tV1\tV2\tV3\n' > "$M"
for g in 1 2 3 4; do
	printf 'ENSG%011d\t%s.5\t%s.25\t%s.125\n' "$g" "$g" "$((g * 3))" "$((g + 7))" >> "$M"
done
meta() { # ACC SAMPLE...: a metadata file naming the samples
	acc=$1; shift
	{ printf 'refinebio_accession_code\texperiment_accession\trefinebio_disease\n'
	  for smp in "$@"; do printf '%s\t%s\thealthy\n' "$smp" "$acc"; done; } > "$DATA/$acc/metadata_$acc.tsv"
}
meta "$A" V1 V2 V3
sk() { q "SELECT study_key FROM dim_study WHERE accession = '$1'"; }

gx load "$A"; is "$rc" 0 "a study of 3 samples loads"
gx verify "$A"; is "$rc" 0 "verify: all agree"
like "$out" "^$A: all 3 samples agree$" "the summary says so"

# a fact of no sample (the fact table has no foreign key to dim_sample)
gk=$(q "SELECT min(gene_key) FROM dim_gene")
q "INSERT INTO fact_gene_expression (study_key, sample_key, gene_key, value, log2_value)
   VALUES ($(sk "$A"), 999999, $gk, 1.5, 1.5)" > /dev/null
is "$(q "SELECT count(*) FROM fact_gene_expression WHERE sample_key = 999999")" 1 "an orphan fact inserted"
gx verify "$A"; is "$rc" 65 "an orphan fact: exit 65"
like "$out" "^$A: 1 facts belong to no sample of dim_sample$" "the orphan is counted"
like "$out" "error: $A: 1 facts belong to no sample of dim_sample" "and named in the error"
like "$out" "^$A: all 3 samples agree$" "the samples themselves agree"
q "DELETE FROM fact_gene_expression WHERE sample_key = 999999" > /dev/null
gx verify "$A"; is "$rc" 0 "the orphan deleted: exit 0"

# a stored count that is wrong while the stored digest is right
q "UPDATE dim_sample SET n_values = n_values + 1 WHERE accession = 'V2'" > /dev/null
gx verify "$A"; is "$rc" 65 "a wrong dim_sample.n_values: exit 65"
like "$out" "^$A V2 +STALE +files: 4 values [0-9a-f]{32}; database: 4 values [0-9a-f]{32}; dim_sample: 5 values [0-9a-f]{32}$" \
     "V2 is STALE, with the stored count"
q "UPDATE dim_sample SET n_values = n_values - 1 WHERE accession = 'V2'" > /dev/null
gx verify "$A"; is "$rc" 0 "restored: exit 0"

# the first sample of the database (lowest sample_key) is gone from the files
is "$(q "SELECT accession FROM dim_sample WHERE study_key = $(sk "$A") ORDER BY sample_key LIMIT 1")" V1 \
   "V1 is the database's first sample"
cut -f1,3,4 "$M" > "$T/m" && cp "$T/m" "$M"
gx verify "$A"; is "$rc" 65 "V1 removed from the file: exit 65"
like "$out" "^$A V1 +EXTRA +in the database \(4 values\), not in the files$" "V1 is only in the database"
like "$out" "^$A: 1 of 3 samples disagree: V1$" "the summary names it"

# more facts than one chunk (50,000 rows) of the read-back: 2 samples x 25,001 genes
B=VER7BIG
mkdir -p "$DATA/$B"
awk 'BEGIN { print "Gene\tB1\tB2"
	for (g = 1; g <= 25001; g++) printf "ENSG%011d\t%d.5\t%d.25\n", g, g % 97, g % 89 }' \
	> "$DATA/$B/$B.tsv"
meta "$B" B1 B2
gx load "$B"; is "$rc" 0 "a study of 50,002 facts loads"
is "$(q "SELECT count(*) FROM fact_gene_expression WHERE study_key = $(sk "$B")")" 50002 "50,002 facts stored"
gx verify "$B"; is "$rc" 0 "verify reads them back in two chunks: exit 0"
like "$out" "^$B B1 +ok +25001 values$" "B1: every value read back"
like "$out" "^$B B2 +ok +25001 values$" "B2: every value read back"
done_testing
