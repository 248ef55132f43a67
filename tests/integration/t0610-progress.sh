#!/bin/sh
# t0610-progress.sh - the progress bar: drawn on stderr (redrawn in place with a carriage
# return, rows, rate, ETA) when stderr is a terminal or with --progress always; never with
# --progress never, never under cron (stderr not a terminal) and never with -q.
# backends: sqlite
. "$GXLOAD_TOP/tests/lib/lib.sh"

run() { # ARGS...: stderr of a load into $T/err (stdout discarded)
	"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" "$@" load --force GSE1001 \
		>/dev/null 2>"$T/err"
}
has_bar() { grep -q "$(printf '\r')GSE1001 .*rows .*rows/s" "$T/err"; }

run --progress always; ok $? "--progress always: the load succeeds"
has_bar; ok $? "--progress always: a bar with the rows and their rate on stderr"
like "$(tr '\r' '\n' < "$T/err" | tail -1 | od -c | head -1)" '033' \
     "the bar is erased at the end (the summary line stays clean)"
run --progress never; has_bar; ok $((! $?)) "--progress never: no bar"
run; has_bar; ok $((! $?)) "auto (the default) with stderr not a terminal, as under cron: no bar"
run -q --progress always; has_bar; ok $((! $?)) "-q: no bar, even with --progress always"
is "$(wc -c < "$T/err" | tr -d ' ')" 0 "-q: nothing at all on stderr"

# a terminal: script(1) gives the command a pseudo-terminal
if command -v script >/dev/null 2>&1; then
	script -qec "'$GXLOAD_BIN' --config '$T/gxload.yaml' --db '$DB' load --force GSE1001" \
		/dev/null > "$T/err" 2>&1
	has_bar; ok $? "auto on a terminal: the bar is drawn"
	script -qec "'$GXLOAD_BIN' -q --config '$T/gxload.yaml' --db '$DB' load --force GSE1001" \
		/dev/null > "$T/err" 2>&1
	has_bar; ok $((! $?)) "-q on a terminal: no bar"
else
	ok 0 "# SKIP script(1) not installed"
	ok 0 "# SKIP script(1) not installed"
fi
done_testing
