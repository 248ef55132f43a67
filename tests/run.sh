#!/bin/sh
# run.sh - run gxload's test suite and report like TAP's prove.
#
#   sh tests/run.sh --bin ./gxload --units build/release/tests [--fuzz build/release/fuzz]
#                   [--only unit|int] [--skip-pg]
#
# Unit test binaries (tests/unit/test_*.c, built into --units) run first, then every
# tests/integration/t*.sh against the real binary, for each backend: a real SQLite file
# and a real PostgreSQL 15 server that this script starts (tests/lib/pg.sh) and stops.
# A test passes only if it prints a TAP plan, every test point says "ok" and it exits 0.
# Logs go to build/test-logs/.  Exit status: 0 if everything passed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
bin=""; units=""; fuzz=""; only=""; skip_pg=0
while [ $# -gt 0 ]; do
	case "$1" in
	--bin) bin=$2; shift 2 ;;
	--units) units=$2; shift 2 ;;
	--fuzz) fuzz=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--skip-pg) skip_pg=1; shift ;;
	*) echo "run.sh: unknown argument '$1'" >&2; exit 64 ;;
	esac
done
[ -n "$bin" ] || { echo "run.sh: --bin is required" >&2; exit 64; }
case "$bin" in /*) ;; *) bin="$top/$bin" ;; esac
case "$units" in ""|/*) ;; *) units="$top/$units" ;; esac
case "$fuzz" in ""|/*) ;; *) fuzz="$top/$fuzz" ;; esac
export GXLOAD_BIN="$bin" GXLOAD_TOP="$top" GXLOAD_TOOLS="$top/build/release/tools"
logs="$top/build/test-logs"
rm -rf "$logs"; mkdir -p "$logs"

passed=0; failed=0; failed_names=""

# check_tap LOG STATUS: 0 if the log is a complete, passing TAP stream
check_tap() {
	awk -v st="$2" '
		/^1\.\.[0-9]+/ { split($0, a, "\\.\\."); plan = a[2] + 0; have_plan = 1 }
		/^ok [0-9]+/ { ok++ }
		/^not ok [0-9]+/ { bad++ }
		END {
			if (st != 0 || !have_plan || bad > 0 || ok != plan || plan == 0) exit 1
			exit 0
		}' "$1"
}

run_one() { # NAME CMD...
	name=$1; shift
	log="$logs/$(echo "$name" | tr '/ ' '__').log"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	st=$?
	secs=$(( $(date +%s) - start ))
	if check_tap "$log" "$st"; then
		passed=$((passed + 1))
		printf '%-52s ok (%ss)\n' "$name" "$secs"
	else
		failed=$((failed + 1))
		failed_names="$failed_names $name"
		printf '%-52s FAILED (exit %s, %ss)\n' "$name" "$st" "$secs"
		grep -E '^(not ok|#)' "$log" | head -40 | sed 's/^/    /'
		echo "    (full log: $log)"
	fi
}

if [ "$only" != "int" ] && [ -n "$units" ]; then
	for t in "$units"/test_*; do
		[ -x "$t" ] || continue
		run_one "unit/$(basename "$t")" "$t"
	done
	# every committed fuzz input, replayed (tests/fuzz/replay.c)
	for t in ${fuzz:+"$fuzz"/fuzz_*}; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		run_one "fuzz/$name" "$t" "$here/fuzz/corpus/${name#fuzz_}"
	done
fi

if [ "$only" != "unit" ]; then
	backends="sqlite"
	if [ "$skip_pg" -eq 0 ]; then
		. "$here/lib/pg.sh"
		# under /tmp, not the checkout: as root the server runs as 'nobody', which must
		# be able to reach its data directory
		pgdir=$(mktemp -d /tmp/gxload-testpg.XXXXXX)
		if pg_start "$pgdir"; then
			backends="sqlite pg"
			trap 'pg_stop; rm -rf "$pgdir"' EXIT INT TERM
		else
			failed=$((failed + 1))
			failed_names="$failed_names pg-server"
			echo "PostgreSQL test server did not start:"
			cat "$pgdir"/*.log 2>/dev/null | tail -20 | sed 's/^/    /'
		fi
	fi
	for t in "$here"/integration/t*.sh; do
		[ -f "$t" ] || continue
		for b in $backends; do
			if grep -q "^# backends:.*\b$b\b" "$t" || ! grep -q '^# backends:' "$t"; then
				GXTEST_BACKEND=$b run_one "$(basename "$t" .sh) [$b]" sh "$t"
			fi
		done
	done
fi

echo "passed: $passed, failed: $failed"
[ "$failed" -eq 0 ] || { echo "failed:$failed_names"; exit 1; }
exit 0
