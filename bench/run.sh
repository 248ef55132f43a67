#!/bin/sh
# run.sh - `make bench`: every benchmark, with its own PostgreSQL server.
#
# Starts a throwaway PostgreSQL 15 (tests/lib/pg.sh, durable settings: fsync on), runs
# each bench/b*.sh in order with the server's port in GXTEST_PGPORT, and writes their
# results (Markdown) to bench/results/.  Generated studies are cached in
# bench/data/ (delete it to regenerate).  BENCH_RUNS (default 3) sets the repetitions.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
export GXLOAD_TOP="$top" BENCH_DIR="$here" BENCH_DATA="$here/data" BENCH_RESULTS="$here/results"
export GXLOAD_BIN="$top/gxload" BENCH_TOOLS="$top/build/release/bench"
export BENCH_RUNS="${BENCH_RUNS:-3}"
mkdir -p "$BENCH_DATA" "$BENCH_RESULTS"
. "$top/tests/lib/pg.sh"
pgdir=$(mktemp -d /tmp/gxload-benchpg.XXXXXX)
# the same server settings for gxload and for the psql references
pg_start "$pgdir" shared_buffers=1GB max_wal_size=16GB min_wal_size=1GB \
	checkpoint_timeout=30min maintenance_work_mem=512MB work_mem=64MB \
	max_parallel_maintenance_workers=2 wal_buffers=64MB
trap 'pg_stop; rm -rf "$pgdir"' EXIT INT TERM
for b in "$here"/b*.sh; do
	[ -f "$b" ] || continue
	if [ -n "${BENCH_ONLY:-}" ] && ! echo "$b" | grep -q "$BENCH_ONLY"; then continue; fi
	echo "== $(basename "$b")"
	sh "$b"
done
