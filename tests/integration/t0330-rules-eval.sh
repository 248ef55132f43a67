#!/bin/sh
# t0330-rules-eval.sh - `gxload rules eval` over studies: macro accuracy, --by-study (the
# rules that decided each study's misses, the rules only one study needed),
# --no-overrides, rows of one study labelled together; `rules test` reads invented
# studies.  No database.
# backends: sqlite
. "$GXLOAD_TOP/tests/lib/lib.sh"

top=$GXLOAD_TOP
EV="$GXLOAD_BIN --config $T/gxload.yaml"

# two invented studies: an ICU study whose control arm is patients, a healthy one
cat > "$T/labels.tsv" <<'EOF'
study	sample	title	characteristics	gold_label
S1	A1	ICU patient 1	disease state: sepsis	SEPSIS
S1	A2	ICU patient 2	disease state: control	NO_SEPSIS
S1	A3	ICU patient 3	disease state: control	NO_SEPSIS
S1	A4	ICU patient 4	disease state: bacteremia	SEPSIS
S2	B1	donor 1	disease state: control	CONTROL
S2	B2	donor 2	disease state: sepsis	SEPSIS
S2	B3	donor 3	disease state: healthy volunteer	CONTROL
EOF
$EV rules eval --by-study "$T/labels.tsv" > "$T/o" 2>&1; is $? 0 "eval --by-study"
like "$(cat "$T/o")" "^S1 +4 +0\.7500$" "per-study accuracy (rows of one study labelled together)"
like "$(cat "$T/o")" "^    miss: 1 by 'infection' \(gold SEPSIS, predicted UNKNOWN\)$" \
     "the rule that decided a study's miss, with gold and predicted label"
like "$(cat "$T/o")" "^S2 +3 +1\.0000$" "a healthy study: its control arm is healthy"
like "$(cat "$T/o")" "^    only this study needed: 'healthy_value' \(1\)$" \
     "a rule that decided correct labels in one study only"
like "$(cat "$T/o")" "^macro accuracy: 0\.8750 \(2 studies\)$" "macro accuracy: the mean over studies"
is "$(tail -n 1 "$T/o")" "accuracy: 0.8571 (n=7)" "the last line stays the pooled accuracy"
like "$(cat "$T/o")" "^NO_SEPSIS +2 +2 +2 +1\.0000 +1\.0000$" "per-label precision and recall"
like "$(cat "$T/o")" "^UNKNOWN +0 +1 +0 +0\.0000 +-$" "a label predicted but never gold"

# the same rows without a study column are studies of one sample each: no study context
cut -f2- "$T/labels.tsv" > "$T/nostudy.tsv"
$EV rules eval "$T/nostudy.tsv" > "$T/o" 2>&1
like "$(cat "$T/o")" "^\(no study\) +7 +0\.[0-9]{4}$" "rows without a study: one '(no study)' line"
is "$(grep '^macro accuracy: ' "$T/o" | sed 's/ ([0-9]* studies)$//')" \
   "macro accuracy: $(tail -n 1 "$T/o" | sed 's/^accuracy: \([0-9.]*\) .*/\1/')" \
   "one study: the macro accuracy is the pooled one"
like "$(cat "$T/o")" "^macro accuracy: [0-9.]+ \(1 studies\)$" "and counts one study"

# overrides count unless --no-overrides
mkdir -p "$T/ov"
printf 'kind: overrides\noverrides:\n  - {id: a4-septic, sample: A4, study: S1, label: SEPSIS, reason: paper}\n' \
	> "$T/ov/s1.yaml"
$EV --set rules.overrides_dir="$T/ov" rules eval "$T/labels.tsv" > "$T/o" 2>&1
is "$(tail -n 1 "$T/o")" "accuracy: 1.0000 (n=7)" "an override fixes the miss"
$EV --set rules.overrides_dir="$T/ov" rules eval --no-overrides "$T/labels.tsv" > "$T/o" 2>&1
is "$(tail -n 1 "$T/o")" "accuracy: 0.8571 (n=7)" "--no-overrides scores the rules alone"
$EV rules eval --frobnicate "$T/labels.tsv" > "$T/o" 2>&1; is $? 64 "an unknown option: exit 64"

# eval --misses explains with the study-level reason
$EV rules eval --misses "$T/labels.tsv" > "$T/o" 2>&1
like "$(cat "$T/o")" "^miss: gold SEPSIS, A4 in S1: UNKNOWN \(Unknown\)$" "--misses explains the wrong label"
like "$(cat "$T/o")" "^    key 'disease state', value \"bacteremia\"$" "with its key and value"

# rule cases: a case file of an invented study, and a case that must fail
cat > "$T/cases.tsv" <<'EOF'
case	policy	study	sample	source_name	characteristics	expect_label	expect_rule
control arm of ICU patients	read:control-means-healthy	S9	C1	ICU patient	group: control	NO_SEPSIS	control_value
its septic arm	table:SEPSIS	S9	C2	ICU patient	group: sepsis	SEPSIS	sepsis
EOF
$EV rules test "$T/cases.tsv" > "$T/o" 2>&1; is $? 0 "rule cases of an invented study pass"
like "$(cat "$T/o")" "^ok 1 - $T/cases.tsv:2 control arm of ICU patients \[read:control-means-healthy\]$" \
     "a case names the policy point it tests"
sed 's/\tNO_SEPSIS\tcontrol_value$/\tCONTROL\tcontrol_value/' "$T/cases.tsv" > "$T/wrong.tsv"
$EV rules test "$T/wrong.tsv" > "$T/o" 2>&1; is $? 65 "a wrong expectation fails"
like "$(cat "$T/o")" "^#   got NO_SEPSIS by 'control_value' on 'ch:group': \"control\"; study: a control arm of patients: 'source_name' says \"ICU\" \(every sample of the study\); want CONTROL by control_value$" \
     "and the failure shows the study-level reason"

# the shipped cases: every point of the policy is covered, at least 150 cases
n=$(($(wc -l < "$top/rules/tests/illness_cases.tsv") - 1))
[ "$n" -ge 150 ]; ok $? "at least 150 invented illness cases ($n)"
for p in table:SEPTIC_SHOCK table:SEPSIS table:NO_SEPSIS table:CONTROL table:UNKNOWN \
	read:infection-not-sepsis read:control-means-healthy read:key read:study-wide \
	read:negation read:outcome-time read:most-specific; do
	c=$(cut -f2 "$top/rules/tests/illness_cases.tsv" | grep -cx "$p")
	[ "$c" -ge 5 ]; ok $? "policy point $p has cases ($c)"
done
is "$(cut -f2 "$top/rules/tests/illness_cases.tsv" | sed 1d | grep -cv '^\(table\|read\):')" 0 \
   "every case names its policy point"
done_testing
