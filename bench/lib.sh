# lib.sh - helpers for the benchmark scripts (POSIX sh), sourced by bench/b*.sh.
#
#   measure OUT CMD...     run CMD once; append "wall_s user_s sys_s maxrss_kb server_cpu_s"
#                          to OUT (server CPU only when a bench server runs, else 0)
#   median FILE COL        median of column COL (1-based) over the lines of FILE
#   cell FILE              "wall | user | sys | RSS | server CPU" table cells (medians)
#   gen ACC GENES SAMPLES [gen_study args...]   generate a study into $BENCH_DATA once
#   bench_init NAME        $res (bench/results/NAME.md), an empty work dir $W, $note
#                          (the load average, to flag a busy machine next to a result)
#   PSQL, fresh_db DB, ref_table DB pk|nopk, count_facts DB, pg_cpu
#   gx_pg OUT DB ACC [args]    measure gxload loading ACC into PostgreSQL database DB
#   gx_sq OUT FILE ACC [args]  the same into SQLite file FILE
#   copy_csv OUT DB CSV        measure psql \copy of pre-melted rows into the fact table
# Timing uses GNU time (Debian package 'time'): wall, user and system seconds of the
# command and all its threads, and its peak resident set.  Server CPU is the CPU time the
# PostgreSQL server spent while the command ran: the postmaster's own and reaped
# children's time plus that of its live children (backends exit when their client
# disconnects and are reaped into the postmaster's counters), from /proc.

PSQL="psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p ${GXTEST_PGPORT:-0} -U gxtest"
PGOPTIONS="-c client_min_messages=warning"
export PGOPTIONS

pg_cpu() { # CPU seconds of the bench server so far (0 if none)
	pidf="${GXTEST_PGDIR:-/nonexistent}/data/postmaster.pid"
	[ -r "$pidf" ] || { echo 0; return; }
	pm=$(head -1 "$pidf")
	{
		sed 's/^.*) //' "/proc/$pm/stat" | awk '{ print "pm", $12 + $13 + $14 + $15 }'
		for c in $(cat "/proc/$pm/task/$pm/children" 2>/dev/null); do
			sed 's/^.*) //' "/proc/$c/stat" 2>/dev/null | awk '{ print "child", $12 + $13 }'
		done
	} | awk -v hz="$(getconf CLK_TCK)" '{ t += $2 } END { printf "%.2f\n", t / hz }'
}

measure() { # OUT CMD...
	out=$1; shift
	c0=$(pg_cpu)
	/usr/bin/time -f "%e %U %S %M" -o "$out.one" "$@" > "$out.log" 2>&1 || {
		echo "bench: command failed: $*" >&2; tail -20 "$out.log" >&2; return 1; }
	sleep 0.3 # the server reaps the command's backends
	c1=$(pg_cpu)
	printf '%s %s\n' "$(cat "$out.one")" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')" >> "$out"
}

median() { # FILE COL
	awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

cell() { # FILE -> "wall | user | sys | RSS MB | server CPU" (medians)
	printf '%s | %s | %s | %.1f | %s' "$(median "$1" 1)" "$(median "$1" 2)" "$(median "$1" 3)" \
		"$(awk -v k="$(median "$1" 4)" 'BEGIN { print k / 1024 }')" "$(median "$1" 5)"
}

ratio() { # A B -> A / B with 2 decimals
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

mb() { # FILE -> size in MB
	awk -v b="$(wc -c < "$1")" 'BEGIN { printf "%.1f", b / 1e6 }'
}

gen() { # ACC GENES SAMPLES [gen_study args...]: once, cached in $BENCH_DATA
	acc=$1 g=$2 s=$3; shift 3
	melted=""
	[ "${1:-}" = --melted ] && melted=$2
	if [ ! -f "$BENCH_DATA/$acc/$acc.tsv" ] || { [ -n "$melted" ] && [ ! -f "$melted" ]; }; then
		"$BENCH_TOOLS/gen_study" --out "$BENCH_DATA" --acc "$acc" --genes "$g" --samples "$s" "$@"
	fi
}

bench_init() { # NAME
	res="$BENCH_RESULTS/$1.md"
	W="$BENCH_WORK/$1"
	rm -rf "$W"
	mkdir -p "$W"
	note="load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
}

fresh_db() { # DB: an empty database with gxload's schema
	$PSQL -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
	"$GXLOAD_BIN" -q --db "$(pg_url "$1")" migrate
	$PSQL -d "$1" -c "CHECKPOINT"
}

gx_pg() { # OUT DB ACC [gxload args...]
	out=$1 db=$2 acc=$3; shift 3
	measure "$out" "$GXLOAD_BIN" -q --db "$(pg_url "$db")" --data-root "${BENCH_ROOT:-$BENCH_DATA}" \
		--set lock_dir="$BENCH_WORK/lock" --progress never "$@" load "$acc"
}

gx_sq() { # OUT FILE ACC [gxload args...]
	out=$1 f=$2 acc=$3; shift 3
	measure "$out" "$GXLOAD_BIN" -q --db "sqlite:$f" --data-root "${BENCH_ROOT:-$BENCH_DATA}" \
		--set lock_dir="$BENCH_WORK/lock" --progress never "$@" load "$acc"
}

# the same final table for the references: study 1's partition, with or without its key
ref_table() { # DB pk|nopk
	fresh_db "$1"
	$PSQL -d "$1" -c "CREATE TABLE fact_gene_expression_p1 (LIKE fact_gene_expression INCLUDING DEFAULTS)" \
		-c "ALTER TABLE fact_gene_expression ATTACH PARTITION fact_gene_expression_p1 FOR VALUES IN (1)"
	[ "$2" = pk ] && $PSQL -d "$1" -c "ALTER TABLE fact_gene_expression_p1 ADD PRIMARY KEY (gene_key, sample_key)"
	$PSQL -d "$1" -c "CHECKPOINT"
}

copy_csv() { # OUT DB CSV: psql \copy of the pre-melted rows into the fact table
	# shellcheck disable=SC2086
	measure "$1" $PSQL -d "$2" -c "\\copy fact_gene_expression (study_key, sample_key, gene_key, value, log2_value) FROM '$3' (FORMAT csv)"
}

count_facts() { # DB -> number of facts
	$PSQL -d "$1" -Atc "SELECT count(*) FROM fact_gene_expression"
}
