#!/bin/sh
# t0235-parallel-first-loads.sh - first loads of different studies, started together on an
# empty PostgreSQL database, all succeed: the migrations (schema_migrations included) are
# created under one lock, so no loader trips over another's half-made catalog entries.
# backends: pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

rounds=6
for r in $(seq 1 $rounds); do
	db="${PGDB}_r$r"
	psql -X -q -h 127.0.0.1 -p "$GXTEST_PGPORT" -U gxtest -d postgres -c "CREATE DATABASE $db" \
		>/dev/null || { echo "cannot create database"; exit 1; }
	url=$(pg_url "$db")
	for i in 1 2 3 4; do
		"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$url" load \
			--file "$DATA/GSE1001/GSE1001.tsv" --study "PAR$i" > "$T/o$i" 2>&1 &
		eval "pid$i=\$!"
	done
	codes=""
	for i in 1 2 3 4; do
		eval "wait \$pid$i"; codes="$codes $?"
	done
	is "$codes" " 0 0 0 0" "round $r: four first loads at once into an empty database exit 0"
	[ "$codes" = " 0 0 0 0" ] || cat "$T"/o1 "$T"/o2 "$T"/o3 "$T"/o4 | head -8 | sed 's/^/# /'
	n=$(psql -X -qAt -h 127.0.0.1 -p "$GXTEST_PGPORT" -U gxtest -d "$db" -c \
		"SELECT count(*) || '/' || (SELECT count(*) FROM schema_migrations) FROM dim_study")
	is "$n" "4/$(ls "$GXLOAD_TOP/migrations/postgresql" | wc -l)" \
	   "round $r: four studies, every migration applied once"
	psql -X -q -h 127.0.0.1 -p "$GXTEST_PGPORT" -U gxtest -d postgres \
		-c "DROP DATABASE $db WITH (FORCE)" >/dev/null 2>&1
done
done_testing
