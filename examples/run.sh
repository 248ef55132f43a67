#!/bin/sh
# run.sh - `make run`: load the bundled example study into the embedded SQLite database
# and print a summary.  Uses the default configuration (configs/gxload.yaml): the
# database is var/gxload.db, the data root examples/data.
set -eu
cd "$(dirname "$0")/.."
echo "== gxload load GSE71270   (examples/data/GSE71270: zebrafish microarray, 10 samples)"
./gxload load GSE71270
echo
echo "== gxload load GSE71270   (again: unchanged files are skipped)"
./gxload load GSE71270
echo
echo "== gxload status GSE71270"
./gxload status GSE71270
echo
db=var/gxload.db
echo "== sqlite3 $db: one gene across all samples"
sqlite3 -header -column "$db" "
SELECT s.accession AS sample, s.title, printf('%!.17g', f.value) AS value
FROM fact_gene_expression f
JOIN dim_gene g ON g.gene_key = f.gene_key
JOIN dim_sample s ON s.sample_key = f.sample_key
WHERE g.gene_id = 'ENSDARG00000000018'
ORDER BY s.accession;"
echo
echo "Query it yourself:  sqlite3 $db"
