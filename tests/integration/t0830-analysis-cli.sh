#!/bin/sh
# t0830-analysis-cli.sh - `gxload analyze` on the command line: its usage errors (exit 64),
# a study that is not loaded (65), a genes file it cannot read (74), a top K beyond the
# memory budget (78), each with its message, a failed run row and the database as it
# was; and OpenBLAS's threads: none while a command that analyzes nothing runs, and while
# the analysis runs, all of them with SIGINT and SIGTERM blocked, so that a SIGTERM
# reaches the loader's thread and aborts the run (exit 143, nothing written).
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

PY=/usr/bin/python3
"$PY" "$GXLOAD_TOP/tests/stats/check_db.py" gen "$DATA/GEN3" GEN3 --genes 30 --samples 20 --seed 5
gx --set extract.na_values=NA load GEN3; is "$rc" 0 "GEN3 loads"
last() { q "SELECT status || '|' || COALESCE(CAST(error_code AS text), '') FROM meta_etl_run
            WHERE command = 'analyze' ORDER BY run_id DESC LIMIT 1"; }
before=$(db_snapshot)

gx analyze; is "$rc" 64 "no accession: exit 64"
like "$out" "no accession given" "and says so"
gx analyze --method kendall GEN3; is "$rc" 64 "--method kendall: exit 64"
like "$out" "^gxload: error: --method 'kendall' is not pearson or spearman$" "naming the method"
gx analyze --top -3 GEN3; is "$rc" 64 "--top -3: exit 64"
gx analyze --min-r 3 GEN3; is "$rc" 64 "--min-r 3: exit 64"
gx analyze --correlation-only --differential-only GEN3; is "$rc" 64 "both --...-only: exit 64"
gx analyze --compare SEPSIS GEN3; is "$rc" 64 "--compare without a colon: exit 64"
like "$out" "comparison 'SEPSIS' is not COHORT_A:COHORT_B" "naming it"
is "$(last)" "failed|1001" "a failed run row (error 1001)"
gx analyze --compare SEPSIS:NOPE GEN3; is "$rc" 64 "--compare with a cohort the study lacks: exit 64"
like "$out" "comparison 'SEPSIS:NOPE': the study has no cohort 'NOPE' \(illness\)" "naming the cohort"
gx analyze --cohort NOPE GEN3; is "$rc" 64 "--cohort NOPE: exit 64"
like "$out" "the study has no cohort 'NOPE' \(illness\)" "naming it"
gx analyze --cohort-by "" GEN3; is "$rc" 64 "an empty --cohort-by: exit 64"
gx analyze NOPE; is "$rc" 65 "a study that is not loaded: exit 65"
like "$out" "study 'NOPE' is not loaded in" "saying so"
gx analyze --genes "$T/no-such-file" GEN3; is "$rc" 74 "a genes file that cannot be read: exit 74"
like "$out" "cannot open '$T/no-such-file'" "naming the file"
printf 'ENSG_NONE\n# a comment\n\n' > "$T/genes"
gx analyze --genes "$T/genes" GEN3; is "$rc" 64 "a genes file without a gene of the study: exit 64"
like "$out" "none of the 1 genes of '$T/genes' is a gene of the study" "saying so"
gx --set analysis.memory_mb=16 analyze --top 100000 GEN3; is "$rc" 78 "a top K beyond the memory budget: exit 78"
like "$out" "top 100000 pairs do not fit in a memory budget of 16777216 bytes \(at most 65536\)" \
     "the message says how many fit"
is "$(last)" "failed|1002" "a failed run row (error 1002)"
is "$(db_snapshot)" "$before" "none of them changed the database"
gx analyze --help; is "$rc" 0 "analyze --help"
like "$out" "^usage: gxload analyze \[OPTIONS\] ACCESSION...$" "prints the usage"

# OpenBLAS's threads: none in a load...
threads() { awk '/^Threads:/ { print $2 }' "/proc/$1/status"; }
bg_start l1 locked --set extract.na_values=NA load --force GEN3
if bg_paused l1; then
	is "$(threads "$(bg_pid l1)")" 1 "a load runs in one thread: OpenBLAS's workers were stopped at start"
	bg_release l1
fi
bg_wait l1; is "$bg_rc" 0 "the load goes on"
before=$(db_snapshot)
# ...and in the analysis, each of them with SIGINT and SIGTERM blocked
want=$(nproc); [ "$want" -lt 2 ] && want=2
bg_start a1 analyze --set analysis.threads=2 analyze GEN3
if bg_paused a1; then
	pid=$(bg_pid a1)
	is "$(threads "$pid")" "$want" "the analysis runs BLAS workers: $want threads in all"
	blocked=0; others=0
	for t in /proc/"$pid"/task/*; do
		[ "$(basename "$t")" = "$pid" ] && continue
		others=$((others + 1))
		m=$(awk '/^SigBlk:/ { print $2 }' "$t/status")
		[ $((0x$m & 0x4002)) -eq $((0x4002)) ] && blocked=$((blocked + 1))
	done
	is "$blocked/$others" "$((want - 1))/$((want - 1))" "every worker blocks SIGINT and SIGTERM"
	m=$(awk '/^SigBlk:/ { print $2 }' "/proc/$pid/status")
	is "$((0x$m & 0x4002))" 0 "the loader's thread does not"
	kill -TERM "$pid"
	bg_release a1
fi
bg_wait a1; is "$bg_rc" 143 "SIGTERM during the analysis: exit 143"
like "$bg_out" "interrupted by SIGTERM" "interrupted by it"
is "$(last)" "aborted|5003" "the run is recorded as aborted"
is "$(db_snapshot)" "$before" "and wrote nothing"
gx analyze GEN3; is "$rc" 0 "the next analysis runs"
done_testing
