#!/bin/sh
# t0545-genes.sh - genes as analysts name them: dim_gene keeps organism, the file's id,
# stable id, version-free id, symbol and biotype apart; a study keyed by symbols finds
# its genes by symbol, and `gxload genes import` resolves them to ids where the
# annotation allows (a unique row of the study's organism) and keeps the symbol
# otherwise; an annotation imported first names the genes of a later load; ids never
# change, so digests and verify agree; a bad table changes nothing.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

M="$DATA/GSE1001/GSE1001.tsv"
S="$DATA/SRP2002/SRP2002.tsv"
# GSE1001 (human): rows 2-4 keyed by symbols, row 5 by a versioned Ensembl id;
# SRP2002 (mouse): row 2 keyed by a symbol the human study uses too
awk -F'\t' -v OFS='\t' 'NR == 2 { $1 = "TSPAN6" } NR == 3 { $1 = "AMBIG" } NR == 4 { $1 = "NOTINANN" }
	NR == 5 { $1 = "ENSG00000000419.12" } { print }' "$M" > "$T/m" && cp "$T/m" "$M"
awk -F'\t' -v OFS='\t' 'NR == 2 { $1 = "TSPAN6" } { print }' "$S" > "$T/m" && cp "$T/m" "$S"
id10=$(awk -F'\t' 'NR == 6 { print $1 }' "$M")
gx load GSE1001 SRP2002; is "$rc" 0 "studies keyed by symbols and ids load"

gene() { # ORGANISM ID -> symbol|stable_id|base_id|biotype
	q "SELECT COALESCE(gene_symbol, '-') || '|' || COALESCE(stable_id, '-') || '|' ||
	          COALESCE(base_id, '-') || '|' || COALESCE(biotype, '-')
	   FROM dim_gene WHERE organism = '$1' AND gene_id = '$2'"
}
is "$(gene HOMO_SAPIENS TSPAN6)" "TSPAN6|-|-|-" "a symbol as id: it is the gene's symbol"
is "$(gene MUS_MUSCULUS TSPAN6)" "TSPAN6|-|-|-" "the mouse gene of that name is another gene"
is "$(q "SELECT count(*) FROM dim_gene WHERE gene_id = 'TSPAN6'")" 2 "two organisms, two rows"
is "$(gene HOMO_SAPIENS ENSG00000000419.12)" "-|ENSG00000000419.12|ENSG00000000419|-" \
   "a versioned Ensembl id: stable id and version-free id"
is "$(gene HOMO_SAPIENS "$id10")" "-|$id10|$id10|-" "an Ensembl id without a version"
is "$(q "SELECT count(*) FROM vw_expression_by_gene WHERE gene_symbol = 'TSPAN6'")" 8 \
   "by symbol across both studies (5 + 3 samples)"
is "$(q "SELECT count(*) FROM vw_expression_by_gene WHERE gene_symbol = 'TSPAN6' AND study_accession = 'GSE1001'")" 5 \
   "and in one study"
snap_digests=$(q "SELECT accession || value_digest FROM dim_sample ORDER BY accession")

# a BioMart export for human (two genes share the symbol AMBIG: ambiguous)
printf 'Gene stable ID\tGene stable ID version\tGene name\tGene type\tChromosome\n' > "$T/biomart.tsv"
printf 'ENSG00000000003\tENSG00000000003.15\tTSPAN6\tprotein_coding\tX\n' >> "$T/biomart.tsv"
printf 'ENSG00000000419\tENSG00000000419.14\tDPM1\tprotein_coding\t20\n' >> "$T/biomart.tsv"
printf 'ENSG00000099999\tENSG00000099999.1\tAMBIG\tlncRNA\t1\n' >> "$T/biomart.tsv"
printf 'ENSG00000088888\tENSG00000088888.2\tAMBIG\tlncRNA\t2\n' >> "$T/biomart.tsv"
printf '%s\t%s.3\tSYM10\tprotein_coding\t1\n' "$id10" "$id10" >> "$T/biomart.tsv"
printf '%s\t%s.3\tSYM10\tprotein_coding\t1\n' "$id10" "$id10" >> "$T/biomart.tsv" # a repeat
printf '\t\tNOID\tprotein_coding\t1\n' >> "$T/biomart.tsv"
gx genes import --organism 'Homo sapiens' "$T/biomart.tsv"
is "$rc" 0 "genes import"
like "$out" "5 genes imported for HOMO_SAPIENS \(1 rows without an id, 1 repeated ids left out\); 3 loaded genes updated" \
     "says what it imported and updated"
is "$(gene HOMO_SAPIENS TSPAN6)" "TSPAN6|ENSG00000000003.15|ENSG00000000003|protein_coding" \
   "a human symbol resolves to its id"
is "$(gene MUS_MUSCULUS TSPAN6)" "TSPAN6|-|-|-" "the human table does not name the mouse gene"
is "$(gene HOMO_SAPIENS AMBIG)" "AMBIG|-|-|-" "an ambiguous symbol stays a symbol"
is "$(gene HOMO_SAPIENS NOTINANN)" "NOTINANN|-|-|-" "a symbol the table lacks stays a symbol"
is "$(gene HOMO_SAPIENS ENSG00000000419.12)" "DPM1|ENSG00000000419.12|ENSG00000000419|protein_coding" \
   "a versioned id is named by its version-free id (the file's version kept)"
is "$(gene HOMO_SAPIENS "$id10")" "SYM10|$id10|$id10|protein_coding" "an id gets its symbol"
is "$(q "SELECT count(*) FROM vw_expression_by_gene WHERE gene_symbol = 'DPM1'")" 5 \
   "the view finds the id by its new symbol"
is "$(q "SELECT accession || value_digest FROM dim_sample ORDER BY accession")" "$snap_digests" \
   "digests unchanged (ids never change)"
gx verify GSE1001; is "$rc" 0 "verify agrees after the import"
gx load GSE1001; like "$out" "skipped" "the next run has nothing to do"

# imported first, the table names the genes of a later load (zebrafish, GENCODE-style
# header, no version column)
printf 'gene_id\tgene_name\tgene_type\n' > "$T/zfish.tsv"
awk -F'\t' 'NR > 1 && NR <= 4 { print $1 "\tzsym" NR "\tprotein_coding" }' \
	"$DATA/E-GEOD-3003/E-GEOD-3003.tsv" >> "$T/zfish.tsv"
z1=$(awk -F'\t' 'NR == 2 { print $1 }' "$DATA/E-GEOD-3003/E-GEOD-3003.tsv")
gx genes import --organism DANIO_RERIO "$T/zfish.tsv"; is "$rc" 0 "a second organism's table"
gx load E-GEOD-3003; is "$rc" 0 "then a zebrafish study loads"
is "$(gene DANIO_RERIO "$z1")" "zsym2|$z1|$z1|protein_coding" "its genes are named as they are loaded"
is "$(gene HOMO_SAPIENS TSPAN6)" "TSPAN6|ENSG00000000003.15|ENSG00000000003|protein_coding" \
   "the human table is still there"
is "$(q "SELECT count(*) FROM dim_gene_annotation")" 8 "both tables: 5 + 3 rows"

# a table without an id column: exit 65 naming the file, nothing changed
snap=$(db_snapshot)
printf 'name\tsymbol\nx\tTSPAN6\n' > "$T/bad.tsv"
gx genes import "$T/bad.tsv"
is "$rc" 65 "a table without an id column: exit 65"
like "$out" "bad.tsv', line 1.*no gene id column" "names the file and the line"
is "$(db_snapshot)" "$snap" "and changes nothing"
is "$(q "SELECT count(*) FROM dim_gene_annotation")" 8 "the tables imported before are kept"
gx genes; is "$rc" 64 "genes without a subcommand: usage error"
gx genes import; is "$rc" 64 "import without a FILE: usage error"
done_testing
