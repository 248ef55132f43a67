#!/bin/sh
# t0605-pg-staged-leftovers.sh - range tables that no run will attach never stay behind:
# a killed first load (the study has no dim_study row), a first load that FAILs a
# check after its range tables committed, and a killed load of a study that is never
# loaded again are all cleaned up; a run that is still staging keeps its tables.
# backends: pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

M="$DATA/GSE1001/GSE1001.tsv"
streams_config "$T/s.yaml" 2
gxs() { "$GXLOAD_BIN" --config "$T/s.yaml" --db "$DB" "$@" >"$T/out" 2>&1; rc=$?; out=$(cat "$T/out"); }
staged() { q "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND NOT relispartition
              AND relname ~ '^fact_gene_expression_p[0-9]+_s[0-9]+$'"; }

# 1. a first load killed after its range tables committed, then the same study again
GXLOAD_TEST_CRASH_AT=staged gxs load --file "$M" --study NEW1; is "$rc" 137 "first load of NEW1 killed at 'staged'"
is "$(staged)" 2 "it left its two committed range tables"
is "$(q "SELECT count(*) FROM dim_study WHERE accession = 'NEW1'")" 0 "and no dim_study row"
gxs load --file "$M" --study NEW1; is "$rc" 0 "the next load of NEW1 succeeds"
is "$(staged)" 0 "and no range table is left over"

# 2. a killed first load of a study nobody loads again: any later run of another study
GXLOAD_TEST_CRASH_AT=staged gxs load --file "$M" --study NEW2; is "$rc" 137 "first load of NEW2 killed"
is "$(staged)" 2 "its range tables are there"
gxs load GSE1001; is "$rc" 0 "a load of another study"
is "$(staged)" 0 "drops them: NEW2's run is gone, its staging lock free"

# 3. a first load that FAILs a check after its range tables committed: exit 65
gxs --set validation.min_samples=100 load --file "$M" --study NEW3; is "$rc" 65 "a failed check: exit 65"
is "$(staged)" 0 "the failed run dropped its own range tables"
is "$(q "SELECT count(*) FROM dim_study WHERE accession = 'NEW3'")" 0 "and left no study"

# 4. a run that is staging keeps its tables while another run sweeps
BG_CONFIG="$T/s.yaml" bg_start new4 staged load --file "$M" --study NEW4
bg_paused new4; ok $? "NEW4 paused with its range tables committed"
is "$(staged)" 2 "they are there"
# verify takes a study's lock, hence sweeps, and touches no row the paused run holds (a
# load would wait for the paused run's dimension rows)
gxs verify GSE1001; is "$rc" 0 "meanwhile a run sweeps (verify of another study)"
is "$(staged)" 2 "NEW4's range tables were left alone"
kill -TERM "$(bg_pid new4)"; bg_wait new4
is "$bg_rc" 143 "NEW4 stopped by SIGTERM: exit 143"
is "$(staged)" 0 "and dropped its own range tables on the way out"
gxs load --file "$M" --study NEW4; is "$rc" 0 "NEW4 loads afterwards"
is "$(staged)" 0 "nothing left"
done_testing
