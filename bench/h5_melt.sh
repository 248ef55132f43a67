#!/bin/sh
# h5_melt.sh - HDF5 melt throughput: generate 10x-v3-style matrices and scan them.
#
#   sh bench/h5_melt.sh [OUTDIR]        (default OUTDIR: build/bench)
#
# Builds the two tools, writes (once; kept for later runs) a 10x Cell Ranger 3+ style
# file of about 50 million stored entries plus two smaller ones (5 M, 0.5 M) to show
# that peak memory does not grow with the file, then runs h5_melt three times on each:
# plain scan (cells counted and summed), and scan plus what the extract stage does per
# cell (record hash, per-sample digest).  Each line reports stored entries per second of
# the scan and the process's peak RSS.  Results go to stdout; docs/PERFORMANCE.md
# ("HDF5 melt throughput") records a run and these exact commands.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/bench}
gen=$top/build/release/bench/h5_gen_10x
melt=$top/build/release/bench/h5_melt

make -C "$top" --no-print-directory build/release/bench/h5_gen_10x build/release/bench/h5_melt
mkdir -p "$out"

for n in 500000 5000000 50000000; do
	f=$out/tenx_$n.h5
	# same density as the 50 M file: 33,538 genes, cells scaled with the entries
	cells=$((n / 2500))
	[ -f "$f" ] || "$gen" --entries "$n" --cells "$cells" "$f"
done

uname -srm
grep -m1 'model name' /proc/cpuinfo 2>/dev/null || true
for n in 500000 5000000 50000000; do
	f=$out/tenx_$n.h5
	ls -l "$f" | awk '{ print $5 " bytes: " $NF }'
	for i in 1 2 3; do "$melt" "$f"; done
	for i in 1 2 3; do "$melt" --hash "$f"; done
done
