#!/bin/sh
# backends: sqlite
# t0300-rules.sh - `gxload rules ...` against the shipped rule files; no database.
#
# The rules need no database, so this runs once (the sqlite pass).  Each check is a
# TAP test point; the rule cases in rules/tests/ run through `gxload rules test`,
# whose own TAP lines are folded in as one point per case file.
set -u

bin=${GXLOAD_BIN:?}
top=${GXLOAD_TOP:?}
export GXLOAD_SHARE_DIR="$top"
unset GXLOAD_CONFIG
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0

ok() { # COND-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

# run CMD...: stdout in $tmp/out, stderr in $tmp/err, exit status in $st
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
}

has() { grep -q -- "$1" "$2"; }

show_on_fail() { [ "$1" -eq 0 ] || sed 's/^/#   /' "$tmp/out" "$tmp/err" | head -20; }

# ---- help -------------------------------------------------------------------------
for sub in check eval explain test platform; do
	run "$bin" rules "$sub" --help
	[ "$st" -eq 0 ] && has "usage: gxload rules $sub" "$tmp/out"
	ok $? "rules $sub --help"
done
run "$bin" rules --help
[ "$st" -eq 0 ] && has "gxload rules eval" "$tmp/out"
ok $? "rules --help lists the subcommands"
run "$bin" rules frobnicate
[ "$st" -eq 64 ]
ok $? "unknown subcommand exits 64"

# ---- check ------------------------------------------------------------------------
run "$bin" rules check
r=1
[ "$st" -eq 0 ] && grep -Eq '^rules hash: [0-9a-f]{32}$' "$tmp/out" && r=0
show_on_fail $r
ok $r "rules check validates the configured files and prints the hash"
hash1=$(sed -n 's/^rules hash: //p' "$tmp/out")

run "$bin" -q rules check
[ "$st" -eq 0 ] && [ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ]
ok $? "rules check -q prints nothing when the rules are valid"

run "$bin" rules check "$top/rules/illness.yaml" "$top/rules/platforms.yaml" \
	"$top/rules/platforms_known.yaml"
[ "$st" -eq 0 ] && [ "$(grep -c '^ok: ' "$tmp/out")" -eq 3 ]
ok $? "rules check FILE... checks each file by its kind"

cat >"$tmp/bad.yaml" <<'YAML'
kind: illness
categories:
  - {code: SEPSIS, label: Sepsis, description: d}
default: SEPSIS
rules:
  - id: unbalanced
    fields: [title]
    pattern: 'sepsis (shock'
    value: SEPSIS
YAML
run "$bin" rules check "$tmp/bad.yaml"
r=1
[ "$st" -eq 78 ] && has "bad.yaml', line 8" "$tmp/err" && has "rule 'unbalanced'" "$tmp/err" &&
	has "offset 13" "$tmp/err" && r=0
show_on_fail $r
ok $r "a bad pattern exits 78 naming file, line, rule id and pattern offset"

printf 'kind: illness\nx: &anchor [1]\ny: *anchor\n' >"$tmp/alias.yaml"
run "$bin" rules check "$tmp/alias.yaml"
[ "$st" -eq 78 ] && has "not allowed" "$tmp/err"
ok $? "YAML anchors and aliases are refused (exit 78)"

run "$bin" rules check "$tmp/bad.yaml" "$top/rules/illness.yaml" "$tmp/alias.yaml"
[ "$st" -eq 78 ] && has "ok: $top/rules/illness.yaml" "$tmp/out" &&
	[ "$(grep -c 'error' "$tmp/err")" -eq 2 ]
ok $? "every file is checked and every failure reported"

printf 'kind: overrides\noverrides:\n  - {id: o1, sample: GSM1, label: SEPSSIS, reason: r}\n' \
	>"$tmp/ovr.yaml"
run "$bin" rules check "$tmp/ovr.yaml"
[ "$st" -eq 78 ] && has "label 'SEPSSIS' is not a category" "$tmp/err"
ok $? "an overrides file is checked against the configured categories"

# the hash follows the content, not the layout
cp "$top/rules/illness.yaml" "$tmp/illness.yaml"
printf '# a comment only\n' >>"$tmp/illness.yaml"
run "$bin" --set rules.illness="$tmp/illness.yaml" rules check
hash2=$(sed -n 's/^rules hash: //p' "$tmp/out")
[ "$st" -eq 0 ] && [ "$hash2" = "$hash1" ]
ok $? "a comment does not change the rules hash"
sed 's/confidence: 0.95/confidence: 0.9/' "$top/rules/illness.yaml" >"$tmp/illness.yaml"
run "$bin" --set rules.illness="$tmp/illness.yaml" rules check
hash3=$(sed -n 's/^rules hash: //p' "$tmp/out")
[ "$st" -eq 0 ] && [ -n "$hash3" ] && [ "$hash3" != "$hash1" ]
ok $? "a changed value changes the rules hash"

# ---- cases ------------------------------------------------------------------------
for f in "$top"/rules/tests/*_cases.tsv; do
	run "$bin" rules test "$f"
	r=1
	[ "$st" -eq 0 ] && ! has '^not ok' "$tmp/out" && grep -Eq '^1\.\.[1-9]' "$tmp/out" && r=0
	[ $r -eq 0 ] || grep -A1 '^not ok' "$tmp/out" | sed 's/^/#   /'
	ok $r "rule cases $(basename "$f") ($(grep -c '^ok' "$tmp/out") cases)"
done
sed '2s/\tSEPTIC_SHOCK\tseptic_shock$/\tSEPSIS\tseptic_shock/' "$top/rules/tests/illness_cases.tsv" \
	>"$tmp/wrong_cases.tsv"
run "$bin" rules test "$tmp/wrong_cases.tsv"
[ "$st" -eq 65 ] && has '^not ok 1 ' "$tmp/out"
ok $? "a wrong expectation fails (exit 65)"

# ---- eval -------------------------------------------------------------------------
run "$bin" rules eval "$top/rules/tests/illness_labeled.tsv"
r=1
[ "$st" -eq 0 ] && [ "$(tail -n 1 "$tmp/out")" = "accuracy: 1.0000 (n=49)" ] && r=0
show_on_fail $r
ok $r "eval on the committed labelled excerpt: every sample right"
tail -n 1 "$tmp/out" | grep -Eq '^accuracy: [01]\.[0-9]{4} \(n=[0-9]+\)$'
ok $? "the last line has the documented format"
has '^label .*precision .*recall' "$tmp/out" && has '^confusion matrix' "$tmp/out" &&
	grep -Eq '^GSE236099 +12 +1\.0000$' "$tmp/out"
ok $? "eval prints precision/recall, the confusion matrix and per-study accuracy"
grep -Eq '^SEPTIC_SHOCK +0 +0 +0 +- +-$' "$tmp/out"
ok $? "a label with no gold and no prediction shows '-' for precision and recall"

# a refine.bio-style metadata file (CRLF, prefixed and unprefixed columns) works too
printf 'refinebio_accession_code\texperiment_accession\trefinebio_title\tcharacteristics_ch1_disease state\tcharacteristics_ch1_study\tclinical group\tgold_label\r\n' >"$tmp/meta.tsv"
printf 'GSM1\tGSE1\tpatient 1\tseptic shock\tSepsis study\t\tSEPTIC_SHOCK\r\n' >>"$tmp/meta.tsv"
printf 'GSM2\tGSE1\tcontrol 1\thealthy\tSepsis study\t\tCONTROL\r\n' >>"$tmp/meta.tsv"
printf 'GSM3\tGSE1\tpatient 2\t\tSepsis study\tnon-infectious SIRS\tNO_SEPSIS\r\n' >>"$tmp/meta.tsv"
printf 'GSM4\tGSE1\tpatient 3\t\tSepsis study\t\tUNKNOWN\r\n' >>"$tmp/meta.tsv"
run "$bin" rules eval "$tmp/meta.tsv"
r=1
[ "$st" -eq 0 ] && [ "$(tail -n 1 "$tmp/out")" = "accuracy: 1.0000 (n=4)" ] && r=0
show_on_fail $r
ok $r "eval reads refine.bio column names through the loader's field mapping"

printf 'sample\ttitle\tgold_label\nGSM1\tx\tSEPSIS\nGSM2\ty\tMAYBE\n' >"$tmp/badgold.tsv"
run "$bin" rules eval "$tmp/badgold.tsv"
[ "$st" -eq 65 ] && has "line 3" "$tmp/err" && has "'MAYBE' is not a category" "$tmp/err"
ok $? "a gold label that is not a category exits 65 with its line"

run "$bin" rules eval --misses "$tmp/meta.tsv"
[ "$st" -eq 0 ] && ! has '^miss:' "$tmp/out"
ok $? "--misses prints nothing when nothing is wrong"
sed 's/\tCONTROL\r$/\tSEPSIS\r/' "$tmp/meta.tsv" >"$tmp/meta_wrong.tsv"
run "$bin" rules eval --misses "$tmp/meta_wrong.tsv"
[ "$st" -eq 0 ] && has "^miss: gold SEPSIS, GSM2 in GSE1: CONTROL" "$tmp/out" &&
	[ "$(tail -n 1 "$tmp/out")" = "accuracy: 0.7500 (n=4)" ]
ok $? "--misses explains each wrong label"

# ---- explain and platform ---------------------------------------------------------
run "$bin" rules explain "$top/rules/tests/illness_labeled.tsv" GSM7518291
r=1
[ "$st" -eq 0 ] && has "GSM7518291 in GSE236099: UNKNOWN" "$tmp/out" &&
	has "decided by rule 'pooled_sample'" "$tmp/out" && has "on field 'ch:treatment'" "$tmp/out" &&
	has '"Mixed sample"' "$tmp/out" && r=0
show_on_fail $r
ok $r "explain names label, rule, field and matched text"
run "$bin" rules explain "$top/rules/tests/illness_labeled.tsv" GSM0
[ "$st" -eq 65 ] && [ "$(cat "$tmp/err")" = "gxload: error: 1 of 1 samples not found in '$top/rules/tests/illness_labeled.tsv'" ]
ok $? "explain of an absent sample fails with exit 65 and says so"
run "$bin" --db "sqlite:$tmp/none.db" rules explain GSE54514
[ "$st" -eq 69 ] && has "no database at" "$tmp/err"
ok $? "explain of an accession reads the database (none here: exit 69)"

run "$bin" rules platform "Illumina HiSeq 2500 (IlluminaHiSeq2500)"
[ "$st" -eq 0 ] && has '^key: IlluminaHiSeq2500$' "$tmp/out" && has '^technology: RNA-SEQ$' "$tmp/out"
ok $? "rules platform normalizes a string"
run "$bin" rules platform "Affymetrix Human Genome U133A 2.0 Array (hgu133a2)" GPL9188
[ "$st" -eq 0 ] && has '^accession: GPL9188$' "$tmp/out" && has '^chip_accession: GPL571$' "$tmp/out"
ok $? "rules platform keeps the submitted accession apart from the chip"

echo "1..$n"
