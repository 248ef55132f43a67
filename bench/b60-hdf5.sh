#!/bin/sh
# b60-hdf5.sh - the HDF5 melt throughput (bench/h5_melt.sh: a 10x Cell Ranger 3+ matrix
# of 0.5M, 5M and 50M stored entries, scanned plain and with the extract stage's
# hashing), kept with the other results.  Output: bench/results/b60-hdf5.txt
set -eu
sh "$BENCH_DIR/h5_melt.sh" "$BENCH_DATA/h5" > "$BENCH_RESULTS/b60-hdf5.txt" 2>&1
cat "$BENCH_RESULTS/b60-hdf5.txt"
