#!/bin/sh
# t0620-memory-bound.sh - the load's peak resident set stays within its memory bound
# (docs/PERFORMANCE.md, "Memory") on a generated study of 800 genes x 1,500 samples:
# big enough that every buffer sized from a budget reaches its size (the fact batches,
# PostgreSQL's held-back facts, range sessions and gene-major spools, SQLite's page
# cache), small enough for the suite.  The ceiling is 48 MB, three quarters of the 64 MB
# bound: the rest is for what grows with a big study (per-sample state; SQLite's
# write-ahead log index).  Both backends peak at about 38 MB here; before the gene-major
# spools were sized from a budget PostgreSQL took 59 MB.  The peak is the kernel's
# (getrusage of the finished child), not a timing.  A sanitizer build's shadow memory and
# quarantine are not the program's: `make check` runs the load and its count only, and
# the bound is checked by `make test` on the release build.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

G=800 S=1500 BOUND_KB=49152
acc=MEMB
mkdir -p "$DATA/$acc"
awk -v g=$G -v s=$S 'BEGIN {
	OFS = "\t"; srand(7)
	printf "Gene"; for (j = 1; j <= s; j++) printf "\tGSM%d", 900000 + j; printf "\n"
	for (i = 1; i <= g; i++) {
		printf "ENSG%011d", i
		for (j = 1; j <= s; j++) printf "\t%.6f", rand() * 12
		printf "\n"
	}
}' > "$DATA/$acc/$acc.tsv"
ok $? "a study of $G genes x $S samples generated"
# its metadata: the fixture's columns, every sample a patient or a control
head -1 "$DATA/GSE1001/metadata_GSE1001.tsv" > "$DATA/$acc/metadata_$acc.tsv"
awk -v s=$S -v a=$acc 'BEGIN {
	OFS = "\t"
	for (j = 1; j <= s; j++)
		print "GSM" (900000 + j), a, "40.000", (j % 2 ? "septic shock" : "healthy"), "HOMO_SAPIENS",
		      "Affymetrix Human Genome U133 Plus 2.0 Array (hgu133plus2)", "True", "male", "GEO",
		      "patient " j, (j % 2 ? "sepsis" : "control"), "whole blood", "Blood", a
}' >> "$DATA/$acc/metadata_$acc.tsv"

# peak RSS in KiB of "gxload ARGS" (the largest of it and its children), its status in $rc
peak() {
	python3 - "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" -q --progress never "$@" <<'PY' > "$T/peak"
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
	rc=$(cut -d' ' -f1 "$T/peak")
	kb=$(cut -d' ' -f2 "$T/peak")
}

peak load "$acc"
is "$rc" 0 "the study loads"
is "$(q "SELECT count(*) FROM fact_gene_expression f JOIN dim_study s USING (study_key)
         WHERE s.accession = '$acc'")" $((G * S)) "every value is a fact"
if grep -q __asan_init "$GXLOAD_BIN"; then
	diag "a sanitizer build: its peak ($kb KiB) is not the program's; make test checks the bound"
else
	[ "$kb" -le $BOUND_KB ]; ok $? "peak RSS $kb KiB is within $BOUND_KB KiB"
fi

done_testing
