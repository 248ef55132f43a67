#!/bin/sh
# t0405-hdf5-hostile.sh - damaged HDF5 never crashes gxload nor leaves a run 'running'
# (issue 13): a file that makes libhdf5 crash (one flipped bit in a string reference),
# the reader process killed by SIGSEGV or SIGKILL in the middle of a scan, gxload
# stopped by SIGTERM while its reader works, files whose datasets claim more than they
# store (an index of 2^31 entries in a 15 KB file, chunks never written).  Each: a clean
# exit with the documented code, a message naming the file (and the dataset when it is
# known), a failed or aborted run row, the database as it was, no reader process left
# behind, and a good load afterwards.  Also the files the fuzzers found that crash
# libhdf5 or make it loop forever (tests/fuzz/crashers/h5/).
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

W="$GXLOAD_TOOLS/h5write"
SRC="$DATA/GSE1001/GSE1001.tsv"
gx load GSE1001; is "$rc" 0 "a good study first"
good=$(db_snapshot)
# the reader process is a fork of gxload: same command line, which names this test's
# database; none may outlive its gxload
readers() { ps -eo args= | grep -F -- "--db $DB" | grep -vc grep; }
# a study of one HDF5 file made from the TSV matrix: h5study ACC LAYOUT
h5study() { mkdir -p "$DATA/$1"; "$W" "$2" "$SRC" "$DATA/$1/$1.h5"; }
# expect NAME ACC EXIT CODE MESSAGE-REGEX: one run's outcome, its row, the database
expect() {
	gx load "$2"
	is "$rc" "$3" "$1: exit $3"
	like "$out" "$5" "$1: message"
	is "$(last_run "$2" | cut -d'|' -f1,2)" "$4" "$1: run row $4"
	is "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'running'")" 0 "$1: no run left running"
	is "$(db_snapshot)" "$good" "$1: the database is as it was"
	is "$(readers)" 0 "$1: no reader process left"
}

# 1. libhdf5 crashes on the file (SIGSEGV in H5HG_read, a string's heap index damaged)
h5study DMG1 loom3
"$W" damage-heap "$DATA/DMG1/DMG1.h5"; is "$?" 0 "a string reference of a Loom file damaged"
expect "libhdf5 crashes" DMG1 65 "failed|2030" \
	"^gxload: error: DMG1: '$DATA/DMG1/DMG1.h5': the HDF5 (library crashed on this file \(SIG[A-Z]+\)|reader process failed on this file \(exit status [0-9]+\)) after opening '/[^']+'"
gx verify DMG1; is "$rc" 65 "verify of the damaged file: exit 65, no crash"

# 2. the reader dies in the middle of a scan: paused at its first batch, then killed
h5study MID1 h5ad-csr
for sig in SEGV KILL; do
	bg_start mid h5_batch load MID1
	bg_paused mid; ok $? "SIG$sig: the reader process pauses at its first batch"
	kill -$sig "$(bg_pid mid)"
	bg_wait mid
	if [ $sig = SEGV ]; then
		is "$bg_rc" 65 "SIG$sig: exit 65"
		# a sanitizer build reports the SIGSEGV, then aborts (abort_on_error) or exits
		like "$bg_out" "MID1.h5': the HDF5 (library crashed on this file \(SIG(SEGV|ABRT)\)|reader process failed on this file)" \
			"SIG$sig: the message names the file and the crash"
		is "$(last_run MID1 | cut -d'|' -f1,2)" "failed|2030" "SIG$sig: the run failed with 2030"
	else
		is "$bg_rc" 74 "SIG$sig: exit 74 (killed from outside, safe to re-run)"
		like "$bg_out" "MID1.h5': the HDF5 reader process was killed by SIGKILL" \
			"SIG$sig: the message names the file and the signal"
		is "$(last_run MID1 | cut -d'|' -f1,2)" "failed|5001" "SIG$sig: the run failed with 5001"
	fi
	is "$(db_snapshot)" "$good" "SIG$sig: the database is as it was"
	is "$(readers)" 0 "SIG$sig: no reader process left"
done

# 3. gxload itself is stopped while its reader works: the reader goes with it
bg_start mid h5_batch load MID1
bg_paused mid; ok $? "SIGTERM: the reader pauses"
reader=$(bg_pid mid)
kill -TERM "$(ps -o ppid= -p "$reader" | tr -d ' ')"
bg_wait mid
is "$bg_rc" 143 "SIGTERM to gxload while its reader works: exit 143"
is "$(last_run MID1 | cut -d'|' -f1,2)" "aborted|5003" "the run is aborted with 5003"
if kill -0 "$reader" 2>/dev/null; then alive=1; else alive=0; fi; is "$alive" 0 "the reader process is gone"
gx load MID1; is "$rc" 0 "a plain re-run loads the file"
ref_check "after the reader's deaths"
good=$(db_snapshot)

# 4. a 15 KB file whose gene index claims 2^31 entries (chunked, never written): refused
# before anything is allocated for it (it grew to 16 GB before; under a 4 GiB limit it
# ended "out of memory", exit 70, naming no file).  A sanitizer build needs far more
# address space than that, so only the release build runs under the limit.
h5study CLAIM1 h5ad-csr
"$W" claim "$DATA/CLAIM1/CLAIM1.h5" /var/_index 2147483648
grep -q __asan_init "$GXLOAD_BIN" || ulimit -v 4194304 2>/dev/null
expect "an index claiming 2^31 entries" CLAIM1 65 "failed|2030" \
	"CLAIM1.h5': dataset '/var/_index' claims 2147483648 elements, more than the file's [0-9]+ bytes can hold$"
# the same claim in a file large enough to hold it on paper: the chunks are counted
h5study CLAIM2 h5ad-csr
"$W" claim "$DATA/CLAIM2/CLAIM2.h5" /obs/_index 5 1 2
expect "an index of 5 with 3 chunks never written" CLAIM2 65 "failed|2030" \
	"CLAIM2.h5': dataset '/obs/_index' claims 5 elements, but only 2 of its 5 chunks are stored in the file \(the rest was never written\)$"

# 5. files the fuzzers made libhdf5 crash on, or loop forever on (tests/fuzz/crashers/h5/,
# docs/RELIABILITY.md): each ends the run with 65/2030 naming the file; a reader that
# sends nothing for extract.hdf5_idle_s seconds is killed (it looped forever before)
for f in "$GXLOAD_TOP"/tests/fuzz/crashers/h5/*.h5; do
	name=$(basename "$f" .h5)
	mkdir -p "$DATA/FZC"; rm -f "$DATA/FZC/"*; cp "$f" "$DATA/FZC/FZC.h5"
	gx --set extract.hdf5_idle_s=3 load FZC
	is "$rc" 65 "$name: exit 65"
	like "$out" "^gxload: error: FZC: '$DATA/FZC/FZC.h5': (the HDF5 library crashed on this file \(SIG[A-Z]+\)|the HDF5 reader process failed on this file \(exit status [0-9]+\)|the HDF5 library made no progress on this file for 3 s|cannot [a-z]+ [a-z]+ '/[^']*')" \
		"$name: the message names the file"
	is "$(last_run FZC | cut -d'|' -f1,2)" "failed|2030" "$name: run row failed|2030"
	is "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'running'")" 0 "$name: no run left running"
	is "$(db_snapshot)" "$good" "$name: the database is as it was"
	is "$(readers)" 0 "$name: no reader process left"
done
[ "$(ls "$GXLOAD_TOP"/tests/fuzz/crashers/h5/*loop*.h5 | wc -l)" -gt 0 ]
ok $? "files that make libhdf5 loop forever are among them"
gx load GSE1001 --force; is "$rc" 0 "the good study still loads"
done_testing
