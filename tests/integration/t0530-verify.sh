#!/bin/sh
# t0530-verify.sh - `gxload verify ACCESSION...` recomputes every sample's digest from the
# files and from the database: exit 0 when all agree; a value changed in the database,
# a fact deleted, a sample changed in the files, a sample missing on either side, or a
# stale dim_sample.value_digest is named, with exit 65.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

sample_key() { q "SELECT sample_key FROM dim_sample WHERE accession = '$1'"; }
# what verify prints for a study whose samples all agree: one line per matrix column, in
# file order, with the column's number of cells (awk), then the summary
want_ok() { # ACC MATRIX
	awk -F'\t' -v acc="$1" 'NR == 1 { for (i = 2; i <= NF; i++) h[i] = $i; n = NF; next }
		{ for (i = 2; i <= NF; i++) c[i]++ }
		END { w = 8; for (i = 2; i <= n; i++) if (length(h[i]) > w) w = length(h[i])
		      for (i = 2; i <= n; i++) printf "%s %-" w "s %-7s %d values\n", acc, h[i], "ok", c[i]
		      printf "%s: all %d samples agree\n", acc, n - 1 }' "$2"
}
# every row of every table, the meta tables' run rows included: verify must leave it all
all_rows() {
	db_snapshot
	for t in meta_etl_run meta_etl_process_log meta_source_file meta_data_validation_log \
	         meta_data_attrition meta_etl_step schema_migrations; do
		q "SELECT * FROM $t" | cksum
	done
}
gene_key() { q "SELECT gene_key FROM dim_gene WHERE gene_id = '$1'"; }

gx load GSE1001 SRP2002 E-GEOD-3003; is "$rc" 0 "three studies load"
before=$(all_rows)
gx verify GSE1001 SRP2002 E-GEOD-3003
is "$rc" 0 "verify: every sample agrees, exit 0"
is "$(printf '%s\n' "$out" | grep -v '^E-GEOD-3003')" "$(want_ok GSE1001 "$DATA/GSE1001/GSE1001.tsv"; want_ok SRP2002 "$DATA/SRP2002/SRP2002.tsv")" \
   "one 'ok' line per sample of each matrix with its number of values, then a summary per study"
is "$(printf '%s\n' "$out" | grep -c '^E-GEOD-3003 .* ok ')" 3 "and the 2018 study's three samples"
is "$(all_rows)" "$before" "verify writes nothing, not even a run row"
like "$out" "E-GEOD-3003 E-GEOD-3003-GSM980281 ok +25 values" "2018 title columns are mapped as the load maps them"
gx -q verify GSE1001; is "$rc" 0 "-q: exit 0"
is "$out" "" "-q: nothing printed when all agree"

# one value changed directly in the database
q "UPDATE fact_gene_expression SET value = value + 0.5
   WHERE sample_key = $(sample_key GSM5004) AND gene_key = $(gene_key ENSG00000000010)" > /dev/null
gx verify GSE1001
is "$rc" 65 "a value changed in the database: exit 65"
like "$out" "GSE1001 GSM5004 +DIFFERS +files: 30 values [0-9a-f]{32}; database: 30 values [0-9a-f]{32}; dim_sample: 30 values [0-9a-f]{32}" \
     "the sample is named, with both digests"
like "$out" "GSE1001: 1 of 5 samples disagree: GSM5004" "the summary names it"
like "$out" "error: GSE1001: 1 of 5 samples disagree with the files: GSM5004" "so does the error message"
unlike "$out" "GSM5001 +DIFFERS" "the other samples agree"
gx -q verify GSE1001
is "$(printf '%s\n' "$out" | grep -c 'GSM500[1235]')" 0 "-q: only the disagreeing sample is printed"
before=$(all_rows)
gx verify GSE1001 SRP2002; is "$rc" 65 "several studies: the exit code is the failure's"
is "$(all_rows)" "$before" "a verify that finds a difference writes nothing either"
like "$out" "SRP2002: all 3 samples agree" "and the other studies are still verified"
q "UPDATE fact_gene_expression SET value = value - 0.5
   WHERE sample_key = $(sample_key GSM5004) AND gene_key = $(gene_key ENSG00000000010)" > /dev/null
gx verify GSE1001; is "$rc" 0 "the value restored: agree again"

# a fact deleted
q "DELETE FROM fact_gene_expression WHERE sample_key = $(sample_key SRR9002) AND gene_key = $(gene_key ENSMUSG00000000012)" > /dev/null
gx verify SRP2002; is "$rc" 65 "a fact deleted: exit 65"
like "$out" "^SRP2002 SRR9002 +DIFFERS +files: 40 values [0-9a-f]{32}; database: 39 values [0-9a-f]{32}; dim_sample: 40 values [0-9a-f]{32}$" "the sample is named, one value short"
gx load --force SRP2002; gx verify SRP2002; is "$rc" 0 "a forced reload repairs it"

# a fact that belongs to no sample of dim_sample
q "INSERT INTO fact_gene_expression (study_key, sample_key, gene_key, value, log2_value)
   SELECT study_key, 999999, $(gene_key ENSG00000000010), 1, 1 FROM dim_study WHERE accession = 'GSE1001'" > /dev/null
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" verify GSE1001 > "$T/o1" 2> "$T/o2"
is "$?" 65 "a fact of no sample: exit 65"
is "$(grep -v ' ok ' "$T/o1")" "GSE1001: 1 facts belong to no sample of dim_sample
GSE1001: all 5 samples agree" "it is counted"
is "$(cat "$T/o2")" "gxload: error: GSE1001: 1 facts belong to no sample of dim_sample" "and is the error"
gx load --force GSE1001; gx verify GSE1001; is "$rc" 0 "a forced reload drops it"

# a stale stored digest
q "UPDATE dim_sample SET value_digest = '00000000000000000000000000000000' WHERE accession = 'GSM5002'" > /dev/null
gx verify GSE1001; is "$rc" 65 "a wrong dim_sample.value_digest: exit 65"
like "$out" "GSM5002 +STALE" "reported as STALE"
gx load --force GSE1001; gx verify GSE1001; is "$rc" 0 "repaired by a reload"

# the files change: the changed sample is named until the next load
M="$DATA/GSE1001/GSE1001.tsv"
awk -F'\t' -v OFS='\t' 'NR == 4 { $3 = $3 * 2 } { print }' "$M" > "$T/m" && cp "$T/m" "$M"
col=$(head -1 "$M" | cut -f3)
gx verify GSE1001; is "$rc" 65 "a value changed in the file: exit 65"
like "$out" "$col +DIFFERS" "the changed column's sample ($col) is named"
gx load GSE1001; gx verify GSE1001; is "$rc" 0 "after the load they agree"

# samples on one side only
awk -F'\t' -v OFS='\t' '{ if (NR == 1) $6 = "GSM5007"; print }' "$M" > "$T/m" && cp "$T/m" "$M"
gx verify GSE1001; is "$rc" 65 "a renamed column: exit 65"
like "$out" "GSM5007 +MISSING +in the files \(30 values\), not in the database" "the new sample is missing from the database"
like "$out" "GSM5004 +EXTRA +in the database \(30 values\), not in the files" "the old one is only in the database"

# errors
gx verify NOPE; is "$rc" 65 "a study that was never loaded: exit 65"
like "$out" "study 'NOPE' is not loaded" "says so"
gx verify '../x'; is "$rc" 65 "an invalid accession: exit 65"
gx verify; is "$rc" 64 "no accession: exit 64"
gx verify --help; is "$rc" 0 "--help"

# --file PATH --study ACC, as loaded
cp "$DATA/SRP2002/SRP2002.tsv" "$T/one.tsv"
gx load --file "$T/one.tsv" --study ONEFILE; is "$rc" 0 "load --file"
gx verify --file "$T/one.tsv" --study ONEFILE; is "$rc" 0 "verify --file: agree"
is "$(printf '%s\n' "$out" | grep -c ' ok ')" 3 "three samples"

# negative zeros: equal to zero as numbers; SQLite stores them as 0, and they still verify
printf 'Gene\tS1\tS2\nG1\t-0.0\t1.5\nG2\t0.0\t-0\n' > "$T/zero.tsv"
gx load --file "$T/zero.tsv" --study NEGZERO; is "$rc" 0 "a matrix with negative zeros loads"
gx verify --file "$T/zero.tsv" --study NEGZERO; is "$rc" 0 "and verifies"
is "$(q "SELECT count(*) FROM fact_gene_expression f JOIN dim_study s USING (study_key)
         WHERE s.accession = 'NEGZERO' AND f.value = 0")" 3 "the three zeros read back as zero"
done_testing
