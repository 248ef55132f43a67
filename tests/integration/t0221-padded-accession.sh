#!/bin/sh
# t0221-padded-accession.sh - a metadata row whose sample accession has a leading or
# trailing space is refused (exit 65, error 2015) as the matrix readers refuse such an
# id, instead of loading the sample silently without its metadata; the database keeps
# the study as it was.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

gx load GSE1001; is "$rc" 0 "a clean first load"
before=$(db_snapshot)
md="$DATA/GSE1001/metadata_GSE1001.tsv"
for pad in trailing leading; do
	cp "$md" "$T/md.orig"
	if [ $pad = trailing ]; then
		sed -i '3s/^GSM5002\t/GSM5002 \t/' "$md"; want='"GSM5002 "'
	else
		sed -i '3s/^GSM5002\t/ GSM5002\t/' "$md"; want='" GSM5002"'
	fi
	gx load GSE1001; is "$rc" 65 "$pad space: exit 65"
	is "$out" "gxload: error: GSE1001: '$md', line 3, column 1: sample accession has leading or trailing spaces: $want" \
	   "$pad space: the message names file, line, column and the id"
	is "$(last_run GSE1001)" "failed|2015|0|0|0|0" "$pad space: the run is recorded as failed with 2015"
	is "$(db_snapshot)" "$before" "$pad space: the database is as it was"
	cp "$T/md.orig" "$md"
done
gx load GSE1001; is "$rc" 0 "fixed: loads again"
done_testing
