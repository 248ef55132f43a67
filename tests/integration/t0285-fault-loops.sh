#!/bin/sh
# t0285-fault-loops.sh - the operator's worst night, in loops (issue 13): runs killed with
# SIGKILL at every named test point and at random moments, stopped by SIGTERM or SIGINT
# at random moments, and (PostgreSQL) their sessions terminated at random moments, over
# two studies (a TSV matrix and an HDF5 one read by its reader process) whose files
# change between versions.  After each fault, a plain re-run exits 0 and the database
# equals a clean load of the same files (ref_check), `verify` agrees, no run is left
# 'running', no range table is left over (PostgreSQL), SQLite's integrity check passes
# and no reader process outlives its run.
#
# The random moments come from a seed, printed first: GXTEST_SEED=<seed> replays a run
# (the same faults at the same fractions of a run's length); GXTEST_FAULTS=<n> sets how
# many random faults of each kind (default 4).
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

SEED=${GXTEST_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
NF=${GXTEST_FAULTS:-4}
diag "seed $SEED: GXTEST_SEED=$SEED sh tests/run.sh --bin ... t0285-fault-loops replays it"
# a stream of fractions in [0, 1), one per draw
awk -v s="$SEED" 'BEGIN { srand(s); for (i = 0; i < 1000; i++) printf "%.4f\n", rand() }' > "$T/rand"
draws=0
draw() { draws=$((draws + 1)); R=$(sed -n "${draws}p" "$T/rand"); } # the next one in $R

# ---- the studies: BIG (TSV, 2,000 genes x 40 samples) and H5ST (an h5ad, 800 x 24) ----
gen() { # ACC GENES SAMPLES VERSION: matrix and metadata; version V changes V*3 samples
	mkdir -p "$DATA/$1"
	awk -v G="$2" -v S="$3" -v V="$4" -v acc="$1" 'BEGIN {
		OFS = "\t"; printf "Gene"
		for (s = 1; s <= S; s++) printf "\t%s_S%03d", acc, s
		printf "\n"
		for (g = 1; g <= G; g++) {
			printf "ENSG%011d", g
			for (s = 1; s <= S; s++) {
				v = ((g * 131 + s * 71) % 997) / 97.0 + 1
				if (s <= V * 3) v += 0.5 * V
				printf "\t%.6f", v
			}
			printf "\n"
		}
	}' > "$DATA/$1/$1.tsv"
	head -1 "$DATA/GSE1001/metadata_GSE1001.tsv" > "$DATA/$1/metadata_$1.tsv"
	sed -n 2p "$DATA/GSE1001/metadata_GSE1001.tsv" > "$T/row"
	s=1
	while [ "$s" -le "$3" ]; do
		sed "s/^GSM5001\tGSE1001/$(printf '%s_S%03d' "$1" "$s")\t$1/" "$T/row" >> "$DATA/$1/metadata_$1.tsv"
		s=$((s + 1))
	done
}
# each version written once and copied into place with its times (cp -p): the same
# version is the same files, and the reference of a version can be reused
for v in 0 1 2; do
	gen BIG 2000 40 "$v"
	gen H5SRC 800 24 "$v"
	mkdir -p "$T/v$v/H5ST"
	"$GXLOAD_TOOLS/h5write" h5ad-csr "$DATA/H5SRC/H5SRC.tsv" "$T/v$v/H5ST/H5ST.h5"
	cp -Rp "$DATA/BIG" "$T/v$v/"
done
rm -rf "$DATA/H5SRC"
version() { # V: both studies at version V (0, 1 or 2)
	rm -rf "$DATA/BIG" "$DATA/H5ST"
	cp -Rp "$T/v$1/BIG" "$T/v$1/H5ST" "$DATA/"
	cur=$1
}
# range sessions on PostgreSQL even for these small studies: the 'staged' point exists
cat > "$T/f.yaml" <<EOC
data_root: data
lock_dir: lock
log:
  level: warning
load:
  lock_timeout_s: 60
postgresql:
  copy_streams: 2
  copy_streams_min_rows: 1
EOC
F="$T/f.yaml"
run() { "$GXLOAD_BIN" --config "$F" --db "$DB" "$@"; }
readers() { ps -eo args= | grep -F -- "--db $DB" | grep -vc grep; }
staged() {
	[ "$BACKEND" = pg ] || { echo 0; return; }
	q "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND NOT relispartition
	   AND relname ~ '^fact_gene_expression_p[0-9]+_s[0-9]+\$'"
}

# After a fault: the plain re-run converges, and everything that must hold, holds.  Each
# check failing is reported once per fault with the fault's name; one test point per
# fault, plus the reference comparison.
bad=0
converge() { # NAME
	wait_no_sessions
	run load BIG H5ST > "$T/rerun" 2>&1; r=$?
	why=""
	[ "$r" -eq 0 ] || why="$why re-run exit $r: $(head -c 300 "$T/rerun");"
	run verify BIG H5ST > "$T/verify" 2>&1 || why="$why verify: $(head -c 300 "$T/verify");"
	[ "$(q "SELECT count(*) FROM meta_etl_run WHERE status = 'running'")" = 0 ] || why="$why a run is left running;"
	[ "$(staged)" = 0 ] || why="$why $(staged) range table(s) left over;"
	[ "$(readers)" = 0 ] || why="$why a reader process is left;"
	if [ "$BACKEND" = sqlite ] && [ "$(q "PRAGMA integrity_check")" != ok ]; then
		why="$why integrity_check fails;"
	fi
	[ -z "$why" ] || { bad=$((bad + 1)); diag "$1:$why"; }
	is "$why" "" "$1: the re-run converges, verify agrees, nothing is left running or over"
	ref_check "$1" --config "$F" --cache "v$cur" BIG H5ST
}
# the next version of the files, drawn: the faulted run has something to do
next_version() {
	draw
	v=$(awk -v r="$R" -v c="$cur" 'BEGIN { n = int(r * 2); print (n >= c ? n + 1 : n) % 3 }')
	version "$v"
}

version 0
run load BIG H5ST > "$T/o" 2>&1; is "$?" 0 "the first load"
# how long a load of the next version takes: the window of the random moments
version 1
start=$(date +%s%N)
run load BIG H5ST > "$T/o" 2>&1
ms=$(( ($(date +%s%N) - start) / 1000000 ))
window=$(( ms * 12 / 10 + 20 ))
diag "a load of a new version takes $ms ms: random faults fall within $window ms of the start"

# 1. SIGKILL at every named test point (h5_batch is the reader process's own point: the
# reader dies, its gxload fails with 74 and records it)
for point in locked planned begin facts swap staged commit committed h5_batch; do
	[ "$point" = staged ] && [ "$BACKEND" != pg ] && continue
	next_version
	# the partition swap and the range sessions belong to loads that rewrite everything
	force=""; case $point in swap|staged) force=--force ;; esac
	GXLOAD_TEST_CRASH_AT=$point run load $force BIG H5ST > "$T/o" 2>&1; st=$?
	want=137; [ "$point" = h5_batch ] && want=74
	is "$st" "$want" "killed at '$point': exit $want"
	converge "killed at '$point'"
done
# lock_wait: a run waiting for the study another run holds
next_version
BG_CONFIG="$F" bg_start holder locked load BIG
bg_paused holder; ok $? "a run holds BIG"
GXLOAD_TEST_CRASH_AT=lock_wait run load BIG > "$T/o" 2>&1; st=$?
is "$st" 137 "killed at 'lock_wait' while another run holds the study: exit 137"
bg_release holder; bg_wait holder; is "$bg_rc" 0 "the holder finishes"
converge "killed at 'lock_wait'"

# 2. random moments: SIGKILL, SIGTERM, SIGINT; on PostgreSQL also the sessions terminated
fault_at() { # KIND: start a load, fault it at a random moment, converge
	next_version
	draw
	delay=$(awk -v f="$R" -v w="$window" 'BEGIN { printf "%.3f", f * w / 1000 }')
	run load BIG H5ST > "$T/o" 2>&1 &
	pid=$!
	sleep "$delay"
	case $1 in
	KILL|TERM|INT) kill -"$1" "$pid" 2>/dev/null ;;
	session) q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
	            WHERE datname = current_database() AND application_name LIKE 'gxload%'" > /dev/null ;;
	esac
	wait "$pid"; st=$?
	case $1 in
	KILL) ok_codes="0 137" ;;
	TERM) ok_codes="0 143" ;;
	INT) ok_codes="0 130" ;;
	session) ok_codes="0 69 75" ;; # done before, lost at connect, lost mid-run
	esac
	case " $ok_codes " in
	*" $st "*) is "$st" "$st" "$1 after $delay s (version $cur): exit $st" ;;
	*) is "$st" "one of $ok_codes" "$1 after $delay s (version $cur): exit $st: $(head -c 200 "$T/o")" ;;
	esac
	converge "$1 after $delay s"
}
i=0
while [ $i -lt "$NF" ]; do
	fault_at KILL
	[ $((i % 2)) -eq 0 ] && fault_at TERM || fault_at INT
	[ "$BACKEND" = pg ] && fault_at session
	i=$((i + 1))
done
is "$bad" 0 "every fault converged (seed $SEED)"
done_testing
