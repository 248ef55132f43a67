# stats.sh - for the analysis scripts (t08xx): check_db.py's verdicts as test points.
# Sourced after lib.sh.
PY=/usr/bin/python3
CHECK="$GXLOAD_TOP/tests/stats/check_db.py"
check() { # SUBCOMMAND ARGS...: each line of tests/stats/check_db.py is one test point
	"$PY" "$CHECK" "$@" > "$T/chk" 2> "$T/chk.err"
	if [ $? -ne 0 ] || [ ! -s "$T/chk" ]; then
		_tap_result 1 "check_db.py $1 ran"
		sed 's/^/#   /' "$T/chk.err" | tail -5
		return
	fi
	while IFS='	' read -r res name why; do
		if [ "$res" = ok ]; then ok 0 "$name"; else ok 1 "$name"; diag "$why"; fi
	done < "$T/chk"
}
