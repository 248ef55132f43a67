#!/bin/sh
# t0700-incremental-edges.sh - incremental runs at their edges, each compared with a clean
# load of the same files and settings into a fresh database (dimensions, facts, labels,
# cohort statistics): exactly load.full_reload_fraction of the samples changed (partial,
# not full); a vanished sample's cohort; cohort rows tampered with are repaired by the
# next partial run; a gene row removed where only one sample had a value (its fact is
# deleted although the matrix no longer names the gene); a rule's value changed under the
# same rule id.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

A=INC7
M="$DATA/$A/$A.tsv"
MD="$DATA/$A/metadata_$A.tsv"
mkdir -p "$DATA/$A"
# 6 samples x 6 genes, log2 scale, no two genes of a cohort with the same spread (a tie in
# exact arithmetic is broken by rounding, differently by SQL and by the loader);
# CONTROL = S1 S3 S5, SEPTIC_SHOCK = S2 S4 S6.  S5 is the mean of S1 and S3, so that
# removing it scales every CONTROL stddev by the same factor: the candidate ranks stay,
# and only the vanished sample itself tells that the cohort changed.
awk 'BEGIN {
	OFS = "\t"; print "Gene", "S1", "S2", "S3", "S4", "S5", "S6"
	for (g = 1; g <= 6; g++) {
		for (s = 1; s <= 6; s++)
			v[s] = sprintf("%.3f", 2 + ((g * g * 31 + s * s * 17 + g * s * 7) % 97) / 11)
		v[5] = sprintf("%.4f", (v[1] + v[3]) / 2)
		print sprintf("ENSG%011d", g), v[1], v[2], v[3], v[4], v[5], v[6]
	}
}' > "$M"
{
	printf 'refinebio_accession_code\texperiment_accession\trefinebio_disease\trefinebio_platform\n'
	for s in 1 2 3 4 5 6; do
		[ $((s % 2)) -eq 1 ] && d=healthy || d="septic shock"
		printf 'S%s\t%s\t%s\tIllumina HiSeq 2500\n' "$s" "$A" "$d"
	done
} > "$MD"
# every run of this test uses these settings (they are part of the fingerprint); with
# pair_min_stddev 0 every CONTROL gene is a candidate with and without S5
cat >> "$T/gxload.yaml" <<EOC
extract:
  na_values:
    - NA
analysis:
  pair_min_samples: 2
  pair_min_stddev: 0
EOC

mode() { q "SELECT mode FROM meta_etl_run WHERE study_accession = '$A' ORDER BY run_id DESC LIMIT 1"; }
edit_cols() { # AWK-EXPR COL... : set the listed columns (2 = S1) of data rows to f($c)
	expr=$1; shift
	awk -F'\t' -v OFS='\t' -v cols="$*" "BEGIN { n = split(cols, cs, \" \") }
		NR > 1 { for (i = 1; i <= n; i++) { c = cs[i]; \$c = $expr } } { print }" "$M" > "$T/m" &&
		cp "$T/m" "$M"
}

# ---- a clean load into a fresh database, compared by natural keys ----
# qdb DB SQL: run SQL (several statements) against DB (a sqlite:PATH or postgresql URL);
# fails on any error
qdb() {
	case "$1" in
	sqlite:*) sqlite3 -batch -bail -noheader -separator '|' "${1#sqlite:}" "$2" ;;
	*) printf '%s\n' "$2" | psql -X -qAt -F'|' -v ON_ERROR_STOP=1 "$1" -f - ;;
	esac
}
# dump DB: every user-visible row of study $A, surrogate keys and times left out, one
# client call per database (each row tagged with its table, then sorted)
dump() {
	qdb "$1" "SELECT 'study', accession, n_samples, n_values, n_genes, value_scale, input_fingerprint,
	                 rules_hash, content_hash FROM dim_study WHERE accession = '$A';
	          SELECT 'sample', s.accession, s.column_name, s.value_digest, s.n_values, s.n_missing,
	                 s.n_negative, $(vexpr s.value_min), $(vexpr s.value_max), s.content_hash,
	                 i.code, s.illness_source, s.illness_rule_id, $(vexpr s.illness_confidence),
	                 p.code, s.metadata
	          FROM dim_sample s JOIN dim_study st USING (study_key)
	          LEFT JOIN dim_illness i USING (illness_key)
	          LEFT JOIN dim_platform p USING (platform_key) WHERE st.accession = '$A';
	          SELECT 'fact', s.accession, g.gene_id, g.gene_symbol, $(vexpr f.value), $(vexpr f.log2_value)
	          FROM fact_gene_expression f JOIN dim_sample s USING (sample_key)
	          JOIN dim_gene g ON g.gene_key = f.gene_key
	          JOIN dim_study st ON st.study_key = f.study_key WHERE st.accession = '$A';
	          SELECT 'cohort', i.code, g.gene_id, c.n, $(vround c.mean), $(vround c.stddev), $(vexpr c.min),
	                 $(vexpr c.max), c.candidate_rank
	          FROM fact_cohort_gene_stats c JOIN dim_illness i USING (illness_key)
	          JOIN dim_gene g ON g.gene_key = c.gene_key
	          JOIN dim_study st ON st.study_key = c.study_key WHERE st.accession = '$A';" > "$T/dump.raw" &&
	LC_ALL=C sort "$T/dump.raw"
}
nref=0
# same_as_clean NAME [gxload options...]: the database equals a --force load of the same
# files and settings into a fresh database
same_as_clean() {
	name=$1; shift
	nref=$((nref + 1))
	if [ "$BACKEND" = pg ]; then
		refname="${PGDB}_r$nref"
		psql -X -q -h 127.0.0.1 -p "$GXTEST_PGPORT" -U gxtest -d postgres -v ON_ERROR_STOP=1 \
			-c "CREATE DATABASE $refname" >/dev/null || { ok 1 "$name: reference database"; return; }
		ref=$(pg_url "$refname")
	else
		ref="sqlite:$T/ref$nref.db"
	fi
	"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$ref" "$@" load --force "$A" > "$T/ref.out" 2>&1
	refrc=$?
	dump "$DB" > "$T/dump.inc"; st1=$?
	dump "$ref" > "$T/dump.ref"; st2=$?
	if [ "$refrc" -ne 0 ] || [ "$st1" -ne 0 ] || [ "$st2" -ne 0 ] || [ ! -s "$T/dump.ref" ]; then
		ok 1 "$name: reference load (exit $refrc) and dumps (status $st1, $st2)"
		sed 's/^/# /' "$T/ref.out" | head -5
	else
		cmp -s "$T/dump.inc" "$T/dump.ref"
		ok $? "$name: the database equals a clean load into a fresh database"
		diff "$T/dump.ref" "$T/dump.inc" | head -8 | sed 's/^/# /'
	fi
	if [ "$BACKEND" = pg ]; then
		psql -X -q -h 127.0.0.1 -p "$GXTEST_PGPORT" -U gxtest -d postgres \
			-c "DROP DATABASE IF EXISTS $refname WITH (FORCE)" >/dev/null 2>&1
	fi
}
# cohort CODE: "gene|n|min|max" per gene of a cohort, as stored
cohort() {
	q "SELECT g.gene_id || '|' || c.n || '|' || $(vexpr c.min) || '|' || $(vexpr c.max)
	   FROM fact_cohort_gene_stats c JOIN dim_illness i USING (illness_key)
	   JOIN dim_gene g ON g.gene_key = c.gene_key WHERE i.code = '$1' ORDER BY g.gene_id"
}
# expect_cohort SAMPLE...: the same from the matrix file (awk), over the listed columns
expect_cohort() {
	awk -F'\t' -v want=" $* " '
		NR == 1 { for (i = 2; i <= NF; i++) if (index(want, " " $i " ")) use[i] = 1; next }
		{ n = 0; for (i = 2; i <= NF; i++) if (use[i] && $i != "NA") {
			v = $i + 0; if (!n || v < mn) mn = v; if (!n || v > mx) mx = v; n++ }
		  if (n) printf "%s|%d|%.17g|%.17g\n", $1, n, mn, mx }' "$M" | sort
}
# the stored min/max text of each client, read back as numbers for the comparison
numeric() { awk -F'|' '{ printf "%s|%d|%.17g|%.17g\n", $1, $2, $3, $4 }'; }

gx load "$A"; is "$rc" 0 "initial load"
same_as_clean "initial load"

# exactly load.full_reload_fraction (0.5) of the samples changed: partial, not full
edit_cols '$c + 0.25' 2 3 4
gx load "$A"; is "$rc" 0 "load after 3 of 6 samples changed"
is "$(mode)" partial "3 of 6 changed is not more than 0.5 of the samples: partial"
is "$(last_run "$A")" "succeeded||18|18|3|0" "18 facts rewritten, 3 samples changed"
same_as_clean "half the samples changed"

# one more than the fraction: the study is rebuilt whole
edit_cols '$c - 0.25' 2 3 4 5
gx load "$A"; is "$rc" 0 "load after 4 of 6 samples changed"
is "$(mode)" full "4 of 6 changed is more than 0.5: full"
is "$(last_run "$A")" "succeeded||36|36|6|0" "every fact rewritten"
same_as_clean "most samples changed"

# a sample vanishes (S5, CONTROL) and nothing else changes: its cohort is recomputed,
# although its rows and ranks would pass the check of kept cohorts
awk -F'\t' -v OFS='\t' '{ $6 = ""; sub(/\t\t/, "\t"); print }' "$M" > "$T/m" && cp "$T/m" "$M"
is "$(head -1 "$M" | tr '\t' ' ')" "Gene S1 S2 S3 S4 S6" "column S5 removed from the file"
gx load "$A"; is "$rc" 0 "load after a sample vanished"
is "$(mode)" partial "a vanished sample alone: partial"
is "$(last_run "$A")" "succeeded||0|6|1|0" "its 6 facts deleted, nothing inserted"
is "$(cohort CONTROL | numeric)" "$(expect_cohort S1 S3)" "CONTROL statistics now cover S1 and S3 only"
is "$(cohort SEPTIC_SHOCK | numeric)" "$(expect_cohort S2 S4 S6)" "SEPTIC_SHOCK statistics unchanged"
same_as_clean "a sample vanished"

# cohort rows tampered with: the next partial run checks the kept cohorts' row counts and
# ranks against its scan and rewrites them
sk=$(q "SELECT study_key FROM dim_study WHERE accession = '$A'")
ss=$(q "SELECT illness_key FROM dim_illness WHERE code = 'SEPTIC_SHOCK'")
ranks=$(q "SELECT count(*) FROM fact_cohort_gene_stats WHERE study_key = $sk AND illness_key = $ss
           AND candidate_rank IS NOT NULL")
[ "$ranks" -ge 2 ]; ok $? "SEPTIC_SHOCK has ranked genes ($ranks)"
q "UPDATE fact_cohort_gene_stats SET candidate_rank = $ranks + 1 - candidate_rank
   WHERE study_key = $sk AND illness_key = $ss AND candidate_rank IS NOT NULL" > /dev/null
edit_cols '$c + 0.5' 2
gx load "$A"; is "$rc" 0 "partial run after SEPTIC_SHOCK's ranks were reversed by hand"
is "$(mode)" partial "one CONTROL sample changed: partial"
same_as_clean "reversed ranks of an unchanged cohort"
q "DELETE FROM fact_cohort_gene_stats WHERE study_key = $sk AND illness_key = $ss
   AND gene_key = (SELECT min(gene_key) FROM fact_cohort_gene_stats WHERE study_key = $sk
                   AND illness_key = $ss)" > /dev/null
edit_cols '$c + 0.5' 2
gx load "$A"; is "$rc" 0 "partial run after a SEPTIC_SHOCK row was deleted by hand"
is "$(cohort SEPTIC_SHOCK | numeric)" "$(expect_cohort S2 S4 S6)" "the row is back"
same_as_clean "a row of an unchanged cohort deleted"

# a gene with a value in S4 only (NA elsewhere): adding it changes S4 alone; removing the
# row again must delete S4's fact although the new matrix does not name the gene
awk -F'\t' -v OFS='\t' '{ print } END { print "ENSG00000000099", "NA", "NA", "NA", "7.5", "NA" }' \
	"$M" > "$T/m" && cp "$T/m" "$M"
gx load "$A"; is "$rc" 0 "a gene with one value added"
is "$(last_run "$A")" "succeeded||7|6|1|0" "S4 rewritten: 7 facts in, its 6 old ones out"
sed -i '/^ENSG00000000099\t/d' "$M"
gx load "$A"; is "$rc" 0 "the gene removed again"
is "$(mode)" partial "only S4 changed: partial"
is "$(last_run "$A")" "succeeded||6|7|1|0" "S4 rewritten: its fact of the removed gene deleted too"
is "$(q "SELECT count(*) FROM fact_gene_expression f JOIN dim_gene g USING (gene_key)
         WHERE g.gene_id = 'ENSG00000000099'")" 0 "no fact of the removed gene is left"
melt_tsv "$M" NA > "$T/src.tsv"; db_values "$A" > "$T/db.tsv"
same_doubles "$T/src.tsv" "$T/db.tsv"; ok $? "the facts equal the file"
same_as_clean "a gene row removed"

# a rule's value changed, its id kept: the samples it labels are relabelled
awk '/^  - id: healthy_value$/ { r = 1 } r && /^    value: CONTROL$/ { sub(/CONTROL/, "NO_SEPSIS"); r = 0 }
     { print }' "$GXLOAD_TOP/rules/illness.yaml" > "$T/illness.yaml"
is "$(grep -A4 'id: healthy_value' "$T/illness.yaml" | grep -c 'value: NO_SEPSIS')" 1 \
   "healthy_value now says NO_SEPSIS (a copy of the rules)"
gx --set rules.illness="$T/illness.yaml" load "$A"; is "$rc" 0 "load with the changed rule"
is "$(mode)" metadata "a rules change alone: metadata"
is "$(q "SELECT i.code || '|' || s.illness_rule_id FROM dim_sample s JOIN dim_illness i
         USING (illness_key) WHERE s.accession = 'S1'")" "NO_SEPSIS|healthy_value" \
   "S1 relabelled by the same rule id"
same_as_clean "a rule's value changed" --set rules.illness="$T/illness.yaml"
done_testing
