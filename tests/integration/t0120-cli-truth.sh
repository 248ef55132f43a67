#!/bin/sh
# t0120-cli-truth.sh - what the command line says is true (issue 15): a bad flag value
# is a bad command line (64); `make help` in a tree that has a build lists clean target
# descriptions; `rules --help` names the one subcommand that reads a database, and the
# others run without one; a dry run counts the samples the run then changes; a
# metadata-only run's summary gives the study's genes; `status` keeps its columns
# aligned for accessions over 16 characters.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

if [ "$BACKEND" = sqlite ]; then
	# ---- flags with a bad value: 64, as CLI.md says of a bad command line ----
	gx --progress sometimes status; is "$rc" 64 "--progress sometimes: exit 64 (bad command line)"
	like "$out" "^gxload: error: --progress: 'sometimes' is not one of: auto, always, never$" \
	     "the message names the flag and its values"
	gx --log-format xml status; is "$rc" 64 "--log-format xml: exit 64"
	like "$out" "^gxload: error: --log-format: 'xml' is not one of: text, json$" \
	     "the message names the flag"
	gx --set progress=sometimes status; is "$rc" 78 "the same value through --set is a bad config: 78"

	# ---- make help in a tree that has a build (the .d files are included) ----
	ls "$GXLOAD_TOP"/build/*/obj/*.d > /dev/null 2>&1; ok $? "the tree has a build (dependency files)"
	make -s -C "$GXLOAD_TOP" help > "$T/help" 2>&1; is "$?" 0 "make help exits 0"
	unlike "$(cat "$T/help")" "Makefile:|##" "make help prints no raw Makefile lines"
	is "$(sed -n 1p "$T/help")" "gxload make targets:" "make help: the title first"
	is "$(sed -n '2,/^variables:/p' "$T/help" | grep -v '^variables:' |
	      grep -cvE '^  [a-z][a-z-]* +[a-zA-Z(]')" 0 "make help: every target line is '  name  description'"
	for t in all test check install uninstall help; do
		like "$(cat "$T/help")" "^  $t +[a-z]" "make help lists '$t'"
	done

	# ---- rules: which subcommands read a database ----
	gx rules --help; is "$rc" 0 "rules --help exits 0"
	like "$(printf '%s' "$out" | tr '\n' ' ')" "Only explaining a loaded study \\(explain ACCESSION, explain --changed\\) +reads +the database" "rules --help: only explaining a loaded study reads the database"
	like "$out" "none$|none writes" "rules --help: none writes it"
	nodb="sqlite:$T/no-such-dir/none.db"
	run_nodb() { "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$nodb" "$@" > "$T/o" 2>&1; }
	run_nodb rules check; is "$?" 0 "rules check runs without a database"
	run_nodb rules platform "Illumina HiSeq 2500"; is "$?" 0 "rules platform runs without a database"
	run_nodb rules eval "$GXLOAD_TOP/rules/tests/illness_labeled.tsv"; is "$?" 0 "rules eval runs without a database"
	run_nodb rules test "$GXLOAD_TOP/rules/tests/platform_cases.tsv"; is "$?" 0 "rules test runs without a database"
	run_nodb rules explain "$DATA/GSE1001/metadata_GSE1001.tsv"; is "$?" 0 "rules explain FILE.tsv runs without a database"
	run_nodb rules explain GSE1001; is "$?" 69 "rules explain ACCESSION needs the database (69)"
	[ ! -e "$T/no-such-dir" ]; ok $? "and none of them created one"
fi

# ---- a dry run counts the samples the run will change ----
M="$DATA/GSE1001/GSE1001.tsv"
gx load GSE1001; is "$rc" 0 "initial load"
awk -F'\t' -v OFS='\t' 'NR == 3 { $3 = $3 + 1.5 } { print }' "$M" > "$T/m" && cp "$T/m" "$M"
gx load --dry-run GSE1001; is "$rc" 0 "dry run after one sample's values changed"
is "$out" "GSE1001: dry run: would do a partial load of 1 sample" "the dry run counts the one changed sample"
gx load GSE1001
like "$out" "^GSE1001: succeeded \(partial\) 5 samples, 30 genes, 150 values \(log2\); 30 rows inserted, 30 deleted, 1 samples changed" \
     "the run then changes that one sample"
# three of five samples take another's values (the value scale stays as it was)
awk -F'\t' -v OFS='\t' 'NR > 1 { $2 = $3; $4 = $3; $5 = $3 } { print }' "$M" > "$T/m" && cp "$T/m" "$M"
gx load --dry-run GSE1001
is "$out" "GSE1001: dry run: would do a full load of 5 samples" "over load.full_reload_fraction: a full load of every sample"
gx load GSE1001; like "$out" "succeeded \(full\).* 5 samples changed" "and the run rewrites all five"
MD="$DATA/GSE1001/metadata_GSE1001.tsv"
sed 's/patient 2, day 1/patient 2, day 2/; s/patient 4, day 1/patient 4, day 2/' "$MD" > "$T/md" && cp "$T/md" "$MD"
gx load --dry-run GSE1001
is "$out" "GSE1001: dry run: would do a metadata load of 2 samples" "two titles changed: a metadata load of 2 samples"
gx load GSE1001
# the summary of a metadata-only run gives the study's genes, not the none it scanned
like "$out" "^GSE1001: succeeded \(metadata\) 5 samples, 30 genes, 150 values \(log2\); 0 rows inserted, 0 deleted, 2 samples changed" \
     "the metadata run changes those two; its summary says 30 genes, not 0"
gx load --dry-run GSE1001; is "$out" "GSE1001: dry run: unchanged since the last load: would skip" "then: would skip"

# ---- status: columns aligned whatever the accession's length ----
L=GSE1001_A_LONGER_ACCESSION
mkdir "$DATA/$L"
cp "$M" "$DATA/$L/$L.tsv"
cp "$MD" "$DATA/$L/metadata_$L.tsv"
gx load "$L"; is "$rc" 0 "a study with a 26-character accession loads"
gx load SRP2002; is "$rc" 0 "and another"
gx status; is "$rc" 0 "status"
printf '%s\n' "$out" > "$T/status"
# every column ends where its header ends: the right-aligned counts and the left-aligned
# status column start at the header's offsets
bad=$(awk 'NR == 1 { s = index($0, "samples") + 6; v = index($0, "values") + 5;
                     st = index($0, "status"); next }
	   { if (substr($0, s, 1) !~ /[0-9-]/ || substr($0, s + 1, 1) != " " ||
	         substr($0, v, 1) !~ /[0-9-]/ || substr($0, v + 1, 1) != " " ||
	         substr($0, st - 1, 1) != " " || substr($0, st, 1) !~ /[a-z]/) print NR ": " $0 }' "$T/status")
is "$bad" "" "status: the counts and the status column line up under their headers"
is "$(awk 'NR > 1 { print $1 }' "$T/status" | tr '\n' ' ')" "GSE1001 $L SRP2002 " "status lists the three studies"
fin=$(awk 'NR == 1 { f = index($0, "finished") } NR > 1 { print substr($0, f, 24) }' "$T/status" | sort -u | grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z$')
is "$fin" 0 "status: finished times are ISO-8601 UTC in their column (both backends)"
done_testing
