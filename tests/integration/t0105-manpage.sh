#!/bin/sh
# t0105-manpage.sh - the manual page gxload(1) (docs/gxload.1, mdoc) is clean for mandoc's
# and man's checkers, and says what --help says: a section for every command, every
# global option, every option of every command, the exit codes of docs/CLI.md, and the
# environment variables.
# backends: sqlite
. "$GXLOAD_TOP/tests/lib/lib.sh"

MAN="$GXLOAD_TOP/docs/gxload.1"
mandoc -Tlint -W warning "$MAN" > "$T/lint" 2>&1; is "$?" 0 "mandoc -Tlint finds nothing to warn about"
sed 's/^/#   /' "$T/lint" | head -5
man --warnings -l "$MAN" > /dev/null 2> "$T/warn"; is "$?" 0 "man --warnings renders it"
is "$(cat "$T/warn")" "" "without a warning"
text=$(MANWIDTH=100 man -l "$MAN" 2>/dev/null)

"$GXLOAD_BIN" --help > "$T/help"
cmds=$(sed -n '/^Commands:/,/^$/p' "$T/help" | awk 'NR > 1 && NF { print $1 }')
ok $([ "$(echo "$cmds" | wc -l)" -ge 10 ] && echo 0 || echo 1) "--help lists the commands ($(echo $cmds))"
missing=""
for c in $cmds; do
	grep -q "^\.Ss $c\$" "$MAN" || missing="$missing $c"
done
is "$missing" "" "a section (.Ss) for every command --help lists"
is "$(grep '^\.Ss ' "$MAN" | sed 's/^\.Ss //' | sort | tr '\n' ' ')" "$(echo "$cmds" | sort | tr '\n' ' ')" \
   "and none for a command gxload does not have"
# global options: every long option of --help, in OPTIONS
missing=""
for o in $(grep -oE -- '--[a-z][a-z-]+' "$T/help" | sort -u); do
	printf '%s\n' "$text" | grep -q -- "$o" || missing="$missing $o"
done
is "$missing" "" "every option --help names is in the manual"
# each command's options, from its own --help, in the command's section
missing=""
for c in $cmds; do
	"$GXLOAD_BIN" --config "$T/gxload.yaml" "$c" --help > "$T/chelp" 2>&1
	sect=$(awk -v c="$c" '/^\.Ss / { on = ($2 == c) } on' "$MAN")
	for o in $(grep -oE -- '(^|[^a-z-])--[a-z][a-z-]+' "$T/chelp" | grep -oE -- '--[a-z-]+' | sort -u); do
		# --help, and global options a command's help only mentions (config: --set)
		grep -q -- "^  $o\|, $o " "$T/help" && continue
		printf '%s\n' "$sect" | grep -qE -- "Fl -${o#--}([^a-z-]|\$)" || missing="$missing $c:$o"
	done
done
is "$missing" "" "every option of every command's --help is in its section"
# exit codes: those of docs/CLI.md's table
cli=$(sed -n '/^## Exit codes/,/^## /p' "$GXLOAD_TOP/docs/CLI.md" | grep -oE '^\| [0-9]+( / [0-9]+)?' | grep -oE '[0-9]+' | sort -n | tr '\n' ' ')
man_codes=$(sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$MAN" | grep -E '^\.It [0-9]' | grep -oE '[0-9]+' | sort -n | tr '\n' ' ')
is "$man_codes" "$cli" "EXIT STATUS lists the exit codes of docs/CLI.md"
# environment: the GXLOAD_ variables of docs/CLI.md (the test hooks aside)
envs=$(sed -n '/^## Environment/,$p' "$GXLOAD_TOP/docs/CLI.md" | grep -oE 'GXLOAD_[A-Z_]+' | grep -v TEST | sort -u | tr '\n' ' ')
man_envs=$(grep -oE '^\.It Ev GXLOAD_[A-Z_]+' "$MAN" | grep -oE 'GXLOAD_[A-Z_]+' | sort -u | tr '\n' ' ')
is "$man_envs" "$envs" "ENVIRONMENT lists docs/CLI.md's variables"
for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS ENVIRONMENT FILES "EXIT STATUS" EXAMPLES; do
	grep -q "^\.Sh $s\$" "$MAN"; ok $? "section $s"
done
done_testing
