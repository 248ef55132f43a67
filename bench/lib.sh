# lib.sh - helpers for the benchmark scripts (POSIX sh).
#
#   measure OUT CMD...   run CMD once; append "wall_s user_s sys_s maxrss_kb" to OUT
#   median FILE COL      median of column COL (1-based) over the lines of FILE
# Timing uses GNU time (Debian package 'time'); RSS is the peak resident set of CMD.

measure() { # OUT CMD...
	out=$1; shift
	/usr/bin/time -f "%e %U %S %M" -o "$out.one" "$@" > "$out.log" 2>&1 || {
		echo "bench: command failed: $*" >&2; cat "$out.log" >&2; return 1; }
	cat "$out.one" >> "$out"
}

median() { # FILE COL
	awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
