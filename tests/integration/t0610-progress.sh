#!/bin/sh
# t0610-progress.sh - the progress bar: drawn on stderr (redrawn in place with a carriage
# return, rows, rate, ETA; after the rows, the step the run is in: keys and swap, digests,
# cohort statistics, validation, commit) when stderr is a terminal or with --progress
# always; never with --progress never, never under cron (stderr not a terminal) and
# never with -q.
# backends: sqlite
. "$GXLOAD_TOP/tests/lib/lib.sh"

run() { # ARGS...: a forced load; stderr into $T/err, stdout into $T/std, status in $st
	"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" "$@" load --force GSE1001 \
		>"$T/std" 2>"$T/err"
	st=$?
}
has_bar() { grep -q "$(printf '\r')GSE1001 .*rows .*rows/s" "$T/err"; }
summary='^GSE1001: succeeded \(full\) 5 samples, 30 genes, 150 values \(log2\); 150 rows inserted'

run --progress always; is "$st" 0 "--progress always: the load succeeds"
has_bar; ok $? "--progress always: a bar with the rows and their rate on stderr"
is "$(tr '\r' '\n' < "$T/err" | tail -1 | od -An -c | tr -s ' ' | head -1)" " 033 [ K" \
   "the bar is erased at the end (the summary line stays clean)"
like "$(cat "$T/std")" "$summary" "the summary line is on stdout"
# after the rows: the bar stays, naming each step the run is in, and the screen is
# never blank until the summary (the only erase is the last one)
tr '\r' '\n' < "$T/err" | grep -v '^$' > "$T/lines"
is "$(sed -n 's/.* rows, \(.*\)'"$(printf '\033')"'\[K$/\1/p' "$T/lines" | tr '\n' '|')" \
   "keys and swap|digests and files|cohort statistics|validation|commit|" \
   "after the rows the bar names each step: keys and swap, digests, cohort statistics, validation, commit"
is "$(grep -c "^GSE1001 .*rows, " "$T/lines")" 5 "each step's line keeps the bar and the rows"
is "$(awk -v e="$(printf '\033')[K" '$0 == e { n++ } END { print n + 0 }' "$T/lines")" 1 \
   "the bar is erased once, at the end: never a blank line while the run finishes"
run --progress never; is "$st" 0 "--progress never: the load succeeds"
has_bar; ok $((! $?)) "--progress never: no bar"
is "$(cat "$T/err")" "" "--progress never: nothing on stderr"
run; is "$st" 0 "auto (the default), stderr not a terminal: the load succeeds"
has_bar; ok $((! $?)) "auto (the default) with stderr not a terminal, as under cron: no bar"
run -q --progress always; is "$st" 0 "-q --progress always: the load succeeds"
has_bar; ok $((! $?)) "-q: no bar, even with --progress always"
is "$(wc -c < "$T/err" | tr -d ' ')" 0 "-q: nothing at all on stderr"
is "$(wc -c < "$T/std" | tr -d ' ')" 0 "-q: nothing at all on stdout"

# a terminal: script(1) (util-linux, deploy/install-deps.sh) gives the command one
if command -v script >/dev/null 2>&1; then
	script -qec "'$GXLOAD_BIN' --config '$T/gxload.yaml' --db '$DB' load --force GSE1001" \
		/dev/null > "$T/err" 2>&1
	is "$?" 0 "on a terminal: the load succeeds"
	has_bar; ok $? "auto on a terminal: the bar is drawn"
	like "$(tr '\r' '\n' < "$T/err")" "^GSE1001 .* rows, cohort statistics" \
	     "on a terminal: the bar names the step after the rows"
	script -qec "'$GXLOAD_BIN' -q --config '$T/gxload.yaml' --db '$DB' load --force GSE1001" \
		/dev/null > "$T/err" 2>&1
	is "$?" 0 "-q on a terminal: the load succeeds"
	is "$(wc -c < "$T/err" | tr -d ' ')" 0 "-q on a terminal: nothing at all, no bar"
else
	skip "script(1) is not installed: no terminal to test the bar on"
	skip "script(1) is not installed: no terminal to test -q on"
fi
done_testing
