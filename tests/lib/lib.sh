# lib.sh - set-up shared by the integration tests.
#
# Sourced by tests/integration/t*.sh, run by tests/run.sh with:
#   GXLOAD_BIN      the gxload binary under test (release or sanitizer build)
#   GXLOAD_TOP      the source tree
#   GXTEST_BACKEND  sqlite | pg  (pg: tests/lib/pg.sh started a server; GXTEST_PG* set)
# Gives each test a private temporary directory ($T) with a data root ($DATA, the
# fixture studies copied in), a config file, a database ($DB, a fresh SQLite file or a
# fresh PostgreSQL database) and these helpers:
#   gx ARGS...        run gxload against $DB (stdout+stderr in $T/out, status in $rc)
#   q SQL             run SQL with the real client (sqlite3 / psql), rows as a|b|c
#   db_snapshot       a hash of every user-visible table's contents (facts, dims, cohorts)
#   melt_tsv FILE     "sample<TAB>gene<TAB>text" for every cell of a matrix file
#   db_values ACC     "sample<TAB>gene<TAB>value-text" for every fact of a study
#   same_doubles A B  compare two such listings numerically (awk strtod): 0 if equal

. "$GXLOAD_TOP/tests/lib/tap.sh"
. "$GXLOAD_TOP/tests/lib/pg.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/gxtest.XXXXXX")
DATA="$T/data"
mkdir -p "$DATA"
cp -R "$GXLOAD_TOP"/tests/fixtures/studies/. "$DATA/"
chmod -R u+w "$DATA"
BACKEND=${GXTEST_BACKEND:-sqlite}

cat > "$T/gxload.yaml" <<EOC
data_root: data
lock_dir: lock
log:
  level: warning
EOC

if [ "$BACKEND" = pg ]; then
	PGDB="gxt_$(basename "$T" | tr -c 'a-zA-Z0-9\n' '_' | tr 'A-Z' 'a-z')"
	psql -X -q -h 127.0.0.1 -p "$GXTEST_PGPORT" -U gxtest -d postgres \
		-c "CREATE DATABASE $PGDB" >/dev/null || { echo "cannot create database"; exit 1; }
	DB=$(pg_url "$PGDB")
	q() { psql -X -qAt -F'|' -v ON_ERROR_STOP=1 "$DB" -c "$1"; }
else
	DB="sqlite:$T/gx.db"
	q() { sqlite3 -batch -noheader -separator '|' "$T/gx.db" "$1"; }
fi

_cleanup() {
	if [ "$BACKEND" = pg ]; then
		psql -X -q -h 127.0.0.1 -p "$GXTEST_PGPORT" -U gxtest -d postgres \
			-c "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1
	fi
	rm -rf "$T"
}
trap _cleanup EXIT

gx() {
	"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" "$@" >"$T/out" 2>&1
	rc=$?
	out=$(cat "$T/out")
	return 0
}

# exact value text of a double column in each client
if [ "$BACKEND" = pg ]; then
	vexpr() { echo "CAST($1 AS text)"; }  # float8 output is shortest-exact (PG 12+)
	vround() { echo "round(CAST($1 AS numeric), 9)"; }
else
	vexpr() { echo "printf('%!.17g', $1)"; } # '!' gives all 17 significant digits
	vround() { echo "round($1, 9)"; }
fi

db_values() { # ACC -> sample \t gene \t value
	q "SELECT s.accession || '	' || g.gene_id || '	' || $(vexpr f.value)
	   FROM fact_gene_expression f JOIN dim_sample s ON s.sample_key = f.sample_key
	   JOIN dim_gene g ON g.gene_key = f.gene_key JOIN dim_study st ON st.study_key = f.study_key
	   WHERE st.accession = '$1'" | sort
}

melt_tsv() { # FILE [NA-token] -> sample \t gene \t text (header: first cell ignored)
	tr -d '\r' < "$1" | awk -F'\t' -v na="${2-}" '
		NR == 1 { for (i = 2; i <= NF; i++) h[i] = $i; next }
		NF == 0 { next }
		{ for (i = 2; i <= NF; i++) if (na == "" || $i != na) print h[i] "\t" $1 "\t" $i }' | sort
}

same_doubles() { # A B: files of sample \t gene \t number; equal as doubles, same cells?
	awk -F'\t' '{print $1 "|" $2 "\t" $3}' "$1" | sort > "$T/sd_a"
	awk -F'\t' '{print $1 "|" $2 "\t" $3}' "$2" | sort > "$T/sd_b"
	join -t "$(printf '\t')" -j1 -o 1.2,2.2 "$T/sd_a" "$T/sd_b" > "$T/joined"
	n_a=$(wc -l < "$T/sd_a"); n_b=$(wc -l < "$T/sd_b"); n_j=$(wc -l < "$T/joined")
	if [ "$n_a" -ne "$n_b" ] || [ "$n_j" -ne "$n_a" ] || [ "$n_a" -eq 0 ]; then
		echo "# cells: $n_a vs $n_b, matched $n_j"
		return 1
	fi
	awk -F'\t' '($1 + 0) != ($2 + 0) { bad++; if (bad < 5) print "# differs: " $1 " vs " $2 }
		END { exit bad > 0 }' "$T/joined"
}

db_snapshot() { # hash of the user-visible contents (not the meta tables)
	{
		q "SELECT study_key, accession, n_samples, n_values, input_fingerprint FROM dim_study ORDER BY 1"
		q "SELECT sample_key, study_key, accession, value_digest, n_values, content_hash, n_missing,
		          n_negative, $(vexpr value_min), $(vexpr value_max) FROM dim_sample ORDER BY 1"
		q "SELECT gene_key, gene_id FROM dim_gene ORDER BY 1"
		q "SELECT study_key, sample_key, gene_key, $(vexpr value), $(vexpr log2_value) FROM fact_gene_expression ORDER BY 1, 2, 3"
		# sums depend on the order rows are read in: compared to 9 decimals
		q "SELECT study_key, illness_key, gene_key, n, $(vround mean), $(vround stddev), $(vexpr min),
		          $(vexpr max), candidate_rank FROM fact_cohort_gene_stats ORDER BY 1, 2, 3"
	} | cksum
}

last_run() { # ACC -> status|error_code|rows_inserted|rows_deleted|samples_changed|files_skipped
	q "SELECT status || '|' || COALESCE(CAST(error_code AS text), '') || '|' || rows_inserted || '|' ||
	          rows_deleted || '|' || samples_changed || '|' || files_skipped
	   FROM meta_etl_run WHERE study_accession = '$1' ORDER BY run_id DESC LIMIT 1"
}
