#!/bin/sh
# t0200-load.sh - load real-looking studies end to end; values round-trip exactly; a
# re-run is skipped; the meta tables tell what happened.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

gx load GSE1001 SRP2002 E-GEOD-3003
is "$rc" 0 "three studies load (exit 0)"
like "$out" "^GSE1001: succeeded \(full\) 5 samples, 30 genes, 150 values \(log2\); 150 rows inserted, 0 deleted, 5 samples changed" "summary line for GSE1001"
like "$out" "^SRP2002: succeeded \(full\) 3 samples, 40 genes, 120 values \(linear\)" "RNA-seq counts are detected as linear"
like "$out" "^E-GEOD-3003: succeeded \(full\) 3 samples, 25 genes, 75 values" "the 2018 layout loads"

# values: the database holds exactly the doubles of the source text
for acc in GSE1001 SRP2002; do
	melt_tsv "$DATA/$acc/$acc.tsv" > "$T/src.tsv"
	db_values "$acc" > "$T/db.tsv"
	same_doubles "$T/src.tsv" "$T/db.tsv"; ok $? "$acc: every value read back equals the source text as a double"
done
is "$(q "SELECT $(vexpr value) FROM fact_gene_expression f JOIN dim_gene g USING (gene_key)
        JOIN dim_sample s USING (sample_key) WHERE g.gene_id = 'ENSG00000000010' AND s.accession = 'GSM5001'")" \
   "-2.0516810011537772e-05" "a 17-digit value with an exponent is stored exactly"
is "$(q "SELECT count(*) FROM fact_gene_expression f JOIN dim_study st USING (study_key)
        WHERE st.accession = 'GSE1001' AND f.log2_value = f.value")" 150 "log2 data: log2_value = value"
is "$(q "SELECT count(*) FROM fact_gene_expression f JOIN dim_study st USING (study_key)
        WHERE st.accession = 'SRP2002' AND abs(f.log2_value - ln(f.value + 1) / ln(2)) < 1e-12")" 120 \
   "linear data: log2_value = log2(value + 1)"

# legacy layout: titles as columns are mapped to accessions through the metadata
is "$(q "SELECT accession || '=' || column_name FROM dim_sample WHERE column_name = 'Unamputated wildtype, sample 1'")" \
   "E-GEOD-3003-GSM980281=Unamputated wildtype, sample 1" "2018 title column mapped to its accession"

# dimensions
is "$(q "SELECT title || '|' || technology || '|' || organism FROM dim_study WHERE accession = 'GSE1001'")" \
   "Whole-blood expression in septic shock (test fixture)|MICROARRAY|HOMO_SAPIENS" "study title and technology from aggregated_metadata.json"
is "$(q "SELECT count(*) FROM dim_sample s JOIN dim_study st USING (study_key) WHERE st.accession = 'GSE1001'")" 5 "5 samples in dim_sample"
is "$(q "SELECT title FROM dim_sample WHERE accession = 'GSM5003'")" "blood \"whole\" sample	with tab" \
   "a quoted metadata field with \"\" and a tab is read exactly"
is "$(q "SELECT platform_raw FROM dim_sample WHERE accession = 'GSM5001'")" \
   "Affymetrix Human Genome U133 Plus 2.0 Array (hgu133plus2)" "platform_raw kept"
if [ "$BACKEND" = pg ]; then
	meta_get() { q "SELECT metadata ->> '$2' FROM dim_sample WHERE accession = '$1'"; }
else
	meta_get() { q "SELECT json_extract(metadata, '\$.\"$2\"') FROM dim_sample WHERE accession = '$1'"; }
fi
is "$(meta_get GSM5001 'characteristics_ch1_disease state')" "control" "every metadata column is kept (characteristics)"
is "$(meta_get GSM5001 series_id)" "['GSE1001', 'GSE1000']" "Python list reprs are kept as text"
is "$(meta_get SRR9001 MetaSRA_age)" "8 weeks" "MetaSRA columns are kept"
is "$(q "SELECT count(*) FROM dim_sample WHERE value_digest IS NULL OR length(value_digest) <> 32")" 0 "every sample has a 128-bit digest"
is "$(q "SELECT count(DISTINCT gene_id) FROM dim_gene")" 95 "genes of all studies in dim_gene"

# meta tables
is "$(last_run GSE1001)" "succeeded||150|0|5|0" "meta_etl_run: succeeded with counts"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE finished_at IS NULL OR started_at IS NULL")" 0 "runs have start and end times"
is "$(q "SELECT role || ' ' || path || ' ' || size_bytes FROM meta_source_file f JOIN dim_study st USING (study_key)
        WHERE st.accession = 'GSE1001' ORDER BY role")" \
"aggregated_metadata aggregated_metadata.json $(wc -c < "$DATA/GSE1001/aggregated_metadata.json" | tr -d ' ')
matrix GSE1001.tsv $(wc -c < "$DATA/GSE1001/GSE1001.tsv" | tr -d ' ')
metadata metadata_GSE1001.tsv $(wc -c < "$DATA/GSE1001/metadata_GSE1001.tsv" | tr -d ' ')" "meta_source_file: every file with its size"
is "$(q "SELECT count(*) FROM meta_source_file WHERE length(content_hash) = 32 AND hash_algorithm = 'xxh3-128'")" 7 "files carry XXH3-128 hashes"
like "$(q "SELECT l.level || ' ' || l.step || ' ' || l.message FROM meta_etl_process_log l JOIN meta_etl_run r USING (run_id)
          WHERE r.study_accession = 'SRP2002'")" "info transform value scale linear" "meta_etl_process_log: the run's steps"

# re-run: skipped, nothing parsed, nothing changed
before=$(db_snapshot)
gx load GSE1001 SRP2002 E-GEOD-3003
is "$rc" 0 "re-run exits 0"
like "$out" "^GSE1001: skipped \(unchanged since the last load\)" "re-run is skipped"
is "$(last_run GSE1001)" "skipped||0|0|0|3" "meta_etl_run: skipped, 3 files skipped"
is "$(db_snapshot)" "$before" "a skipped run changes nothing"
gx -q load GSE1001; is "$out" "" "-q: no output on success"

# --force reloads everything to the same content
gx load --force GSE1001
like "$out" "^GSE1001: succeeded \(full\) 5 samples, 30 genes, 150 values \(log2\); 150 rows inserted, 150 deleted, 5 samples changed \[run 8, " "--force reloads the study"
is "$(db_snapshot)" "$before" "--force gives the same database content"

# status
gx status
like "$out" "^GSE1001 +5 +30 +150 " "status lists the study"
gx status GSE1001
like "$out" "source files:" "status ACC lists source files"
like "$out" "succeeded +full" "status ACC lists runs"
gx status NOPE; is "$rc" 65 "status of an unknown study: exit 65"

# dry run writes nothing
before=$(db_snapshot); runs=$(q "SELECT count(*) FROM meta_etl_run")
touch "$DATA/GSE1001/GSE1001.tsv"; printf '' >/dev/null
gx load --dry-run --force GSE1001
is "$rc" 0 "--dry-run exits 0"
like "$out" "dry run: would do a full load of 5 samples" "--dry-run says what it would do"
is "$(q "SELECT count(*) FROM meta_etl_run")" "$runs" "--dry-run records no run"
is "$(db_snapshot)" "$before" "--dry-run changes nothing"

# a PostgreSQL fact table is partitioned by study
if [ "$BACKEND" = pg ]; then
	is "$(q "SELECT count(*) FROM pg_inherits WHERE inhparent = 'fact_gene_expression'::regclass")" 3 "one partition per study"
	is "$(q "SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'fact_gene_expression_p%' AND indexdef LIKE '%(gene_key, sample_key)%'")" 3 "each partition has its primary key"
fi
done_testing
