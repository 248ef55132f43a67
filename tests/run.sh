#!/bin/sh
# run.sh - run gxload's test suite and report like TAP's prove.
#
#   sh tests/run.sh --bin ./gxload --units build/release/tests [--fuzz build/release/fuzz]
#                   [--only unit|int] [--skip-pg] [--jobs N] [--allow-skip] [SCRIPT...]
#
# Unit test binaries (tests/unit/test_*.c, built into --units) and the fuzz corpus
# replays run first, then every tests/integration/t*.sh (or the SCRIPTs named, e.g.
# t0210-incremental) against the real binary, for each backend its "# backends:" line
# names: a real SQLite file, and a database of the one PostgreSQL 15 server this script
# starts for all of them (tests/lib/pg.sh) and stops at the end.  Up to --jobs tests
# (default: the number of CPUs, at most 4; $GXTEST_JOBS) run at the same time: each has
# its own directory and database.
# A test passes only if it prints a TAP plan, every test point says "ok" and it exits 0.
# A test point marked "# SKIP" is reported as skipped, not passed, and makes the run
# fail unless --allow-skip is given: on a machine with the dependencies
# (deploy/install-deps.sh) nothing is skipped.  Logs go to build/test-logs/.
# Exit status: 0 if everything passed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
logs="$top/build/test-logs"

# check_tap LOG STATUS: 0 if the log is a complete, passing TAP stream, 2 if it passed
# with skipped points, 1 otherwise
check_tap() {
	awk -v st="$2" '
		/^1\.\.[0-9]+/ { split($0, a, "\\.\\."); plan = a[2] + 0; have_plan = 1 }
		/^ok [0-9]+/ { ok++; if ($0 ~ /^ok [0-9]+ *(- [^#]*)?# *[Ss][Kk][Ii][Pp]/) skipped++ }
		/^not ok [0-9]+/ { bad++ }
		END {
			if (st != 0 || !have_plan || bad > 0 || ok != plan || plan == 0) exit 1
			exit skipped > 0 ? 2 : 0
		}' "$1"
}

# one job, run by xargs: --job DIR ID (DIR/ID.name, DIR/ID.cmd); the result line is
# printed at once, the outcome kept in DIR/ID.res for the summary
if [ "${1:-}" = "--job" ]; then
	dir=$2; id=$3
	name=$(cat "$dir/$id.name")
	log="$logs/$(echo "$name" | tr '/ ' '__').log"
	start=$(date +%s)
	sh "$dir/$id.cmd" >"$log" 2>&1
	st=$?
	secs=$(( $(date +%s) - start ))
	check_tap "$log" "$st"
	case $? in
	0) res=ok; line="ok (${secs}s)" ;;
	2) res=skipped; line="SKIPPED $(grep -c '^ok [0-9].*# *[Ss][Kk][Ii][Pp]' "$log") test point(s) (${secs}s)" ;;
	*) res=failed; line="FAILED (exit $st, ${secs}s)" ;;
	esac
	printf '%s\t%s\t%s\n' "$res" "$name" "$log" > "$dir/$id.res"
	printf '%-52s %s\n' "$name" "$line"
	exit 0
fi

bin=""; units=""; fuzz=""; only=""; skip_pg=0; allow_skip=0; scripts=""
jobs=${GXTEST_JOBS:-$(n=$(nproc 2>/dev/null || echo 1); [ "$n" -gt 4 ] && n=4; echo "$n")}
while [ $# -gt 0 ]; do
	case "$1" in
	--bin) bin=$2; shift 2 ;;
	--units) units=$2; shift 2 ;;
	--fuzz) fuzz=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--skip-pg) skip_pg=1; shift ;;
	--jobs) jobs=$2; shift 2 ;;
	--allow-skip) allow_skip=1; shift ;;
	-*) echo "run.sh: unknown argument '$1'" >&2; exit 64 ;;
	*) scripts="$scripts ${1%.sh}"; shift ;;
	esac
done
[ -n "$bin" ] || { echo "run.sh: --bin is required" >&2; exit 64; }
case "$bin" in /*) ;; *) bin="$top/$bin" ;; esac
case "$units" in ""|/*) ;; *) units="$top/$units" ;; esac
case "$fuzz" in ""|/*) ;; *) fuzz="$top/$fuzz" ;; esac
export GXLOAD_BIN="$bin" GXLOAD_TOP="$top" GXLOAD_TOOLS="$top/build/release/tools"
rm -rf "$logs"; mkdir -p "$logs"
jobdir=$(mktemp -d "${TMPDIR:-/tmp}/gxload-jobs.XXXXXX")
pgdir=""
cleanup() {
	[ -n "$pgdir" ] && { pg_stop; rm -rf "$pgdir"; }
	rm -rf "$jobdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

njobs=0
add_job() { # NAME CMD-TEXT
	njobs=$((njobs + 1))
	id=$(printf '%04d' "$njobs")
	printf '%s\n' "$1" > "$jobdir/$id.name"
	printf '%s\n' "$2" > "$jobdir/$id.cmd"
}
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

failed_extra=""
if [ "$only" != "int" ] && [ -n "$units" ] && [ -z "$scripts" ]; then
	for t in "$units"/test_*; do
		[ -x "$t" ] || continue
		add_job "unit/$(basename "$t")" "exec $(quote "$t")"
	done
	# every committed fuzz input, replayed (tests/fuzz/replay.c)
	for t in ${fuzz:+"$fuzz"/fuzz_*}; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		add_job "fuzz/$name" "exec $(quote "$t") $(quote "$here/fuzz/corpus/${name#fuzz_}")"
	done
fi

if [ "$only" != "unit" ]; then
	backends="sqlite"
	if [ "$skip_pg" -eq 0 ]; then
		. "$here/lib/pg.sh"
		# one server for every script (each gets its own databases); under /tmp, not the
		# checkout: as root the server runs as 'nobody', which must reach its directory.
		# fsync off: a crash of this machine loses nothing the tests need
		pgdir=$(mktemp -d /tmp/gxload-testpg.XXXXXX)
		if pg_start "$pgdir" fsync=off full_page_writes=off max_connections=200; then
			backends="sqlite pg"
		else
			failed_extra="pg-server"
			echo "PostgreSQL test server did not start:"
			cat "$pgdir"/*.log 2>/dev/null | tail -20 | sed 's/^/    /'
		fi
	fi
	for t in "$here"/integration/t*.sh; do
		[ -f "$t" ] || continue
		base=$(basename "$t" .sh)
		if [ -n "$scripts" ]; then
			case " $scripts " in *" $base "*) ;; *) continue ;; esac
		fi
		for b in $backends; do
			if grep -q "^# backends:.*\b$b\b" "$t" || ! grep -q '^# backends:' "$t"; then
				add_job "$base [$b]" "GXTEST_BACKEND=$b exec sh $(quote "$t")"
			fi
		done
	done
fi

start=$(date +%s)
ls "$jobdir" | sed -n 's/\.cmd$//p' | xargs -P "$jobs" -I{} sh "$0" --job "$jobdir" {}
secs=$(( $(date +%s) - start ))

passed=0; failed=0; skipped=0; failed_names=""; skipped_names=""
for r in "$jobdir"/*.res; do
	[ -f "$r" ] || continue
	IFS=$(printf '\t') read -r res name log < "$r"
	case $res in
	ok) passed=$((passed + 1)) ;;
	skipped) skipped=$((skipped + 1)); skipped_names="$skipped_names [$name]" ;;
	*) failed=$((failed + 1)); failed_names="$failed_names [$name]"
	   echo "--- $name:"
	   grep -E '^(not ok|#)' "$log" | head -40 | sed 's/^/    /'
	   echo "    (full log: $log)" ;;
	esac
done
# a job that printed nothing (killed runner) counts as failed
for c in "$jobdir"/*.cmd; do
	[ -f "${c%.cmd}.res" ] || { failed=$((failed + 1)); failed_names="$failed_names [$(cat "${c%.cmd}.name")]"; }
done
[ -n "$failed_extra" ] && { failed=$((failed + 1)); failed_names="$failed_names $failed_extra"; }

echo "passed: $passed, skipped: $skipped, failed: $failed ($secs s, $jobs at a time)"
[ "$failed" -eq 0 ] || echo "failed:$failed_names"
[ "$skipped" -eq 0 ] || echo "skipped (not a pass; install what they need):$skipped_names"
[ "$failed" -eq 0 ] || exit 1
[ "$skipped" -eq 0 ] || [ "$allow_skip" -eq 1 ] || exit 1
exit 0
