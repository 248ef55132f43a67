#!/bin/sh
# run.sh - `make bench`: every benchmark, with its own PostgreSQL server.
#
# Starts a throwaway PostgreSQL 15 (tests/lib/pg.sh, durable settings: fsync on), runs
# each bench/b*.sh in order with the server's port in GXTEST_PGPORT, and writes their
# results (Markdown, plus b20's plot) to bench/results/.  Generated studies are cached in
# bench/data/ (delete it to regenerate; about 6 GB with the 100M-value study and the
# pre-melted CSVs).  BENCH_RUNS (default 3) sets the repetitions, BENCH_ONLY=b10 runs the
# benchmarks whose name matches (the long ones, marked "# long:" like b90-scale.sh, run only
# that way), BENCH_PG_SETTINGS adds server settings (for example
# "wal_level=minimal max_wal_senders=0").
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
export GXLOAD_TOP="$top" BENCH_DIR="$here" BENCH_DATA="$here/data" BENCH_RESULTS="$here/results"
export GXLOAD_BIN="$top/gxload" BENCH_TOOLS="$top/build/release/bench"
export BENCH_RUNS="${BENCH_RUNS:-3}"
mkdir -p "$BENCH_DATA" "$BENCH_RESULTS"
. "$top/tests/lib/pg.sh"
pgdir=$(mktemp -d /tmp/gxload-benchpg.XXXXXX)
BENCH_WORK=$(mktemp -d /tmp/gxload-bench.XXXXXX)
export BENCH_WORK
# the same server settings for gxload and for the references
# shellcheck disable=SC2086
pg_start "$pgdir" shared_buffers=1GB max_wal_size=16GB min_wal_size=1GB \
	checkpoint_timeout=30min maintenance_work_mem=512MB work_mem=64MB \
	max_parallel_maintenance_workers=2 wal_buffers=64MB ${BENCH_PG_SETTINGS:-}
trap 'pg_stop; rm -rf "$pgdir" "$BENCH_WORK"' EXIT INT TERM
{
	echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
	echo "PostgreSQL $(psql -X -h 127.0.0.1 -p "$GXTEST_PGPORT" -U gxtest -d postgres -Atc 'SHOW server_version'), extra settings: ${BENCH_PG_SETTINGS:-none}"
	echo "gxload $(cd "$top" && git rev-parse --short HEAD 2>/dev/null || echo unknown), BENCH_RUNS=$BENCH_RUNS"
} > "$BENCH_RESULTS/environment.txt"
for b in "$here"/b*.sh; do
	[ -f "$b" ] || continue
	if [ -n "${BENCH_ONLY:-}" ] && ! echo "$b" | grep -q "$BENCH_ONLY"; then continue; fi
	# scripts marked "# long:" (b90, about 40 minutes) run only when BENCH_ONLY names them
	if [ -z "${BENCH_ONLY:-}" ] && grep -q '^# long:' "$b"; then continue; fi
	echo "== $(basename "$b")"
	sh "$b"
done
