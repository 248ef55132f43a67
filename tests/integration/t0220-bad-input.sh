#!/bin/sh
# t0220-bad-input.sh - bad input fails the run with a message naming file, line and
# column, exit 65, a failed run with its error code in the meta tables, and the database
# as it was.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

gx load GSE1001; is "$rc" 0 "a good load first"
good=$(db_snapshot)
orig="$T/orig"; cp -R "$DATA/GSE1001" "$orig"
M="$DATA/GSE1001/GSE1001.tsv"
MD="$DATA/GSE1001/metadata_GSE1001.tsv"
reset() { rm -rf "$DATA/GSE1001"; cp -R "$orig" "$DATA/GSE1001"; }
sets="" # extra gxload options of the next expect

# expect NAME CODE MESSAGE-REGEX: load GSE1001, check exit 65, message, meta row, database
expect() {
	# shellcheck disable=SC2086
	gx $sets load GSE1001
	is "$rc" 65 "$1: exit 65"
	like "$out" "$3" "$1: message"
	is "$(last_run GSE1001 | cut -d'|' -f1,2)" "failed|$2" "$1: failed run with error code $2"
	like "$(q "SELECT l.error_code || ' ' || l.message FROM meta_etl_process_log l JOIN meta_etl_run r USING (run_id)
	          WHERE r.run_id = (SELECT max(run_id) FROM meta_etl_run) AND l.level = 'error'")" "^$2 " \
	     "$1: error row in meta_etl_process_log"
	is "$(db_snapshot)" "$good" "$1: database unchanged"
	reset
}

sed -i '3s/\t[^\t]*$//' "$M"
expect "ragged row (short)" 2010 "GSE1001.tsv', line 3, column 6: expected 6 fields \(gene id and 5 samples\), got 5"
sed -i '4s/$/\t1.5/' "$M"
expect "ragged row (long)" 2010 "GSE1001.tsv', line 4, column 7: expected 6 fields \(gene id and 5 samples\), got 7"
sed -i '5s/\t[^\t]*/\tabc/2' "$M"
expect "non-numeric cell" 2011 "GSE1001.tsv', line 5, column 3: value is not a number \(sample 'GSM5001'\): \"abc\""
sed -i '6s/\t[^\t]*/\t12,5/3' "$M"
expect "decimal comma" 2011 "line 6, column 4: value is not a number \(sample 'GSM5005'\): \"12,5\"$"
sed -i '7s/\t[^\t]*/\t 4/2' "$M"
expect "padded number" 2011 "line 7, column 3: value is not a number \(sample 'GSM5001'\): \" 4\"$"
sed -i '8s/\t[^\t]*/\t0x1A/2' "$M"
expect "hex number" 2011 "line 8, column 3: value is not a number"
sed -i '9s/\t[^\t]*/\tNaN/2' "$M"
expect "NaN" 2012 "line 9, column 3: value is not finite"
sed -i '9s/\t[^\t]*/\t-inf/2' "$M"
expect "-inf" 2012 "line 9, column 3: value is not finite"
sed -i '10s/\t[^\t]*/\t1e999/2' "$M"
expect "overflow" 2012 "line 10, column 3: value is too large for a double"
sed -i '11s/\t[^\t]*/\t/2' "$M"
expect "empty cell" 2011 "line 11, column 3: value is not a number \(sample 'GSM5001'\): \"\" \(empty cells are only accepted when extract.na_values lists \"\"\)$"
sed -n '2p' "$M" >> "$M"
sets="--set genes.duplicates=refuse" # the default renames a repeat (t0815-duplicates)
expect "duplicate gene id" 2013 "GSE1001.tsv', line 32, column 1: duplicate gene id \"ENSG00000000003\" \(first on line 2\)"
sets=""
sed -i '1s/GSM5005/GSM5001/' "$M"
expect "duplicate sample column" 2014 "GSE1001.tsv', line 1, column 4: duplicate sample column \"GSM5001\" \(also column 3\)"
sed -i '12s/^[^\t]*//' "$M"
expect "empty gene id" 2015 "line 12, column 1: empty gene id"
sed -i '1s/\tGSM5004$/\t/' "$M"
expect "empty sample id" 2015 "line 1, column 6: empty sample id"
sed -i '13s/$/\r/; 13s/\t/\r/' "$M"
expect "lone carriage return" 2019 "GSE1001.tsv', line 13: carriage return not followed by a line feed"
printf 'ENSG99\t1\t2\t3\t4\t5\n' | tr '\n' '\0' >> "$M"
expect "NUL byte" 2017 "NUL byte"
: > "$M"
expect "empty matrix" 2003 "GSE1001.tsv': file is empty"
head -1 "$orig/GSE1001.tsv" > "$M"
expect "header only" 2003 "the matrix has a header but no gene rows"
{ printf '\n\n'; cat "$orig/GSE1001.tsv"; } > "$M"
expect "no header" 2016 "the header line is empty"
{ head -5 "$orig/GSE1001.tsv"; echo; tail -n +6 "$orig/GSE1001.tsv"; } > "$M"
expect "empty line inside" 2010 "line 6: empty line inside the matrix"
printf '\377\376G\000e\000' > "$M"
expect "UTF-16 file" 2017 "UTF-16 text is not supported"
sed -i '2s/^ENSG[0-9]*/ENSG\xff/' "$M"
expect "invalid UTF-8 gene id" 2017 "line 2, column 1: gene id is not valid UTF-8"
rm "$M"
expect "missing matrix" 2002 "has no expression matrix: expected 'GSE1001.tsv'"
# a name that is there but is no file: say what it is, not that it is missing
rm "$M"; mkdir "$M"
expect "matrix is a directory" 2002 "GSE1001.tsv': is a directory, not a regular file$"
rm -r "$M"; mkfifo "$M"
expect "matrix is a FIFO" 2002 "GSE1001.tsv': is a FIFO \(named pipe\), not a regular file$"
rm "$M"; ln -s GSE1001.tsv "$M"
expect "matrix is a symbolic link loop" 2002 "GSE1001.tsv': is a symbolic link that loops \(Too many levels of symbolic links\)$"
rm "$M"; ln -s nowhere.tsv "$M"
expect "matrix is a dangling symbolic link" 2002 "GSE1001.tsv': is a symbolic link to a file that does not exist$"
rm "$MD"; mkdir "$MD"
expect "metadata is a directory" 2002 "metadata_GSE1001.tsv': is a directory, not a regular file$"
# compressed files are not read (docs/CLI.md): said so, not "NUL byte"
gzip -c "$orig/GSE1001.tsv" > "$M"
expect "gzip-compressed matrix" 2017 "GSE1001.tsv': gzip-compressed file: gxload reads plain text; decompress it first \(gunzip\)$"
bzip2 -c "$orig/GSE1001.tsv" > "$M"
expect "bzip2-compressed matrix" 2017 "GSE1001.tsv': bzip2-compressed file: gxload reads plain text; decompress it first$"
gzip -c "$orig/metadata_GSE1001.tsv" > "$MD"
expect "gzip-compressed metadata" 2017 "metadata_GSE1001.tsv': gzip-compressed file: gxload reads plain text"
gzip -c "$orig/aggregated_metadata.json" > "$DATA/GSE1001/aggregated_metadata.json"
expect "gzip-compressed JSON" 2017 "aggregated_metadata.json': gzip-compressed file: gxload reads plain text"
# --file naming a FIFO: refused at once (the probe does not wait for a writer)
mkfifo "$T/fifo"
timeout 30 "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" load --file "$T/fifo" --study FIFO1 > "$T/o" 2>&1
is "$?" 65 "--file naming a FIFO: exit 65, without waiting for a writer"
like "$(cat "$T/o")" "fifo': is a FIFO \(named pipe\), not a regular file$" "--file naming a FIFO: says what it is"
rm "$MD"
expect "missing metadata" 2002 "has no sample metadata: expected 'metadata_GSE1001.tsv'"
sed -i '3s/\t[^\t]*\r$/\r/' "$MD"
expect "ragged metadata row" 2010 "metadata_GSE1001.tsv', line 3: expected 14 fields as in the header, got 13"
sed -i '4s/^GSM5003/GSM5002/' "$MD"
expect "duplicate metadata accession" 2014 "metadata_GSE1001.tsv', line 4, column 1: duplicate sample accession 'GSM5002' \(first on line 3\)"
sed -i '1s/refinebio_accession_code/code/' "$MD"
expect "metadata without accession column" 2020 "no sample accession column"
printf '"GSM5009\tnever closed' >> "$MD"
expect "unterminated quote" 2022 "unterminated quoted field"
printf '{"experiments": ' > "$DATA/GSE1001/aggregated_metadata.json"
expect "malformed JSON" 2021 "aggregated_metadata.json', line 1, column [0-9]+: invalid JSON"

# unknown accession and invalid accession: failed runs recorded too
gx load GSE9999; is "$rc" 65 "unknown accession: exit 65"
is "$out" "gxload: error: GSE9999: unknown accession 'GSE9999': no directory '$DATA/GSE9999'" "unknown accession: message"
is "$(last_run GSE9999 | cut -d'|' -f1,2)" "failed|2001" "unknown accession: failed run 2001"
gx load '../etc'; is "$rc" 65 "accession with path characters: exit 65"
like "$out" "invalid accession '../etc'" "invalid accession: message"

# the good study is still there and loads unchanged afterwards
is "$(db_snapshot)" "$good" "after all failures the database is as it was"
gx load GSE1001; like "$out" "skipped" "the original files are still recognized as loaded"

# one failing study does not stop the next; the exit code is the failure's
gx load GSE9999 SRP2002; is "$rc" 65 "a failure among several: exit 65"
like "$out" "SRP2002: succeeded" "the next study still loads"

# extract.na_values: listed tokens are missing values, not errors
sed -i '2s/\t[^\t]*/\tNA/2' "$M"
gx --set extract.na_values=NA load GSE1001 SRP2002
is "$rc" 0 "NA accepted when extract.na_values lists it"
like "$out" "^GSE1001: succeeded \(partial\) 5 samples, 30 genes, 149 values \(log2\); 29 rows inserted, 30 deleted, 1 samples changed " \
     "the sample with the NA cell is rewritten"
is "$(q "SELECT n_values FROM dim_study WHERE accession = 'GSE1001'")" 149 "the NA cell is not stored"
melt_tsv "$M" NA > "$T/src.tsv"; db_values GSE1001 > "$T/db.tsv"
same_doubles "$T/src.tsv" "$T/db.tsv"; ok $? "the other values are stored exactly"
ref_check "NA cells" --set extract.na_values=NA
done_testing
