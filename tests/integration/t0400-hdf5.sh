#!/bin/sh
# t0400-hdf5.sh - HDF5 matrices load like TSV: the same matrix written as TSV and in
# every HDF5 layout gives identical rows and identical per-sample digests; HDF5 files in
# a study folder are found by content; obs/col_attrs become sample metadata the rules
# read; a malformed file fails with exit 65 and loads nothing.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

W="$GXLOAD_TOOLS/h5write"
SRC="$DATA/GSE1001/GSE1001.tsv"
gx load GSE1001; is "$rc" 0 "the TSV study loads"
digests() { # ACC -> sample=digest lines
	q "SELECT s.accession || '=' || s.value_digest || '=' || s.n_values FROM dim_sample s
	   JOIN dim_study st USING (study_key) WHERE st.accession = '$1' ORDER BY s.accession"
}
want=$(digests GSE1001)
melt_tsv "$SRC" > "$T/src.tsv"

for layout in 10x3 10x2 h5ad h5ad-csr h5ad-csc h5ad7 h5ad6 loom3 loom2 archs4; do
	acc="H5$(echo "$layout" | tr -d '-' | tr 'a-z' 'A-Z')"
	mkdir -p "$DATA/$acc"
	# a name that says nothing: the layout is detected from the content
	"$W" "$layout" "$SRC" "$DATA/$acc/matrix.bin" > "$T/w" 2>&1; ok $? "$layout: fixture written"
	gx load "$acc"
	is "$rc" 0 "$layout: loads from a study folder without a TSV"
	is "$(digests "$acc")" "$want" "$layout: same per-sample digests as the TSV"
	gx verify "$acc"; is "$rc" 0 "$layout: verify finds the database equal to the file"
	db_values "$acc" > "$T/db.tsv"
	same_doubles "$T/src.tsv" "$T/db.tsv"; ok $? "$layout: same values as the TSV"
done
is "$(q "SELECT DISTINCT format FROM meta_source_file WHERE role = 'matrix' ORDER BY 1" | tr '\n' ' ')" \
   "hdf5 tsv " "meta_source_file tells HDF5 from TSV"

# --file PATH --study ACC
"$W" h5ad "$SRC" "$T/one.h5ad"
gx load --file "$T/one.h5ad" --study ONEFILE; is "$rc" 0 "load --file PATH --study ACC"
is "$(digests ONEFILE)" "$want" "--file gives the same digests"
gx load --file "$T/one.h5ad" --study ONEFILE; like "$out" "skipped" "--file re-run is skipped"

# sample attributes from the file become metadata the rules read
mkdir -p "$DATA/LOOMATTR"
"$W" loom3 "$SRC" "$DATA/LOOMATTR/x.loom" --col-attr "disease state=septic shock,healthy,septic shock,healthy,healthy"
gx load LOOMATTR; is "$rc" 0 "a Loom file with a column attribute"
if [ "$BACKEND" = pg ]; then
	meta() { q "SELECT s.metadata ->> 'disease state' FROM dim_sample s JOIN dim_study st USING (study_key)
	            WHERE st.accession = 'LOOMATTR' AND s.accession = '$1'"; }
else
	meta() { q "SELECT json_extract(s.metadata, '\$.\"disease state\"') FROM dim_sample s JOIN dim_study st USING (study_key)
	            WHERE st.accession = 'LOOMATTR' AND s.accession = '$1'"; }
fi
is "$(meta GSM5003)" "septic shock" "col_attrs become sample metadata"
is "$(q "SELECT i.code FROM dim_sample s JOIN dim_illness i USING (illness_key) JOIN dim_study st USING (study_key)
         WHERE st.accession = 'LOOMATTR' AND s.accession = 'GSM5003'")" "SEPTIC_SHOCK" "and the illness rules read them"

# a malformed file: exit 65, the file and dataset named, nothing loaded
before=$(db_snapshot)
mkdir -p "$DATA/BROKEN"
"$W" 10x3 "$SRC" "$T/full.h5"
head -c 3000 "$T/full.h5" > "$DATA/BROKEN/cut.h5"
gx load BROKEN; is "$rc" 65 "a truncated HDF5 file: exit 65"
like "$out" "BROKEN/cut.h5" "the message names the file"
is "$(last_run BROKEN | cut -d'|' -f1,2)" "failed|2030" "a failed run with error 2030"
is "$(db_snapshot)" "$before" "nothing loaded"
printf '\211HDF\r\n\032\nnot really' > "$DATA/BROKEN/cut.h5"
gx load BROKEN; is "$rc" 65 "a file with only the HDF5 signature: exit 65"
done_testing
