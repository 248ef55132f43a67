# lib.sh - set-up shared by the integration tests.
#
# Sourced by tests/integration/t*.sh, run by tests/run.sh with:
#   GXLOAD_BIN      the gxload binary under test (release or sanitizer build)
#   GXLOAD_TOP      the source tree
#   GXTEST_BACKEND  sqlite | pg  (pg: run.sh started the one server every script shares;
#                   GXTEST_PG* and PGBIN set, see tests/lib/pg.sh)
# Gives each test a private temporary directory ($T) with a data root ($DATA, the
# fixture studies copied in), a config file ($T/gxload.yaml), a database ($DB, a fresh
# SQLite file or a fresh PostgreSQL database of the shared server) and these helpers
# (docs/TESTING.md):
#   gx ARGS...        run gxload against $DB (stdout+stderr in $T/out and $out, status in $rc)
#   q SQL             run SQL on $DB with the real client (sqlite3 / psql), rows as a|b|c
#   qdb DB SQL        the same on another database of the test (a gxload --db URL)
#   db_dump [DB]      every user-visible row of DB (default $DB) by natural keys: studies,
#                     samples with their labels and statistics, genes, illnesses,
#                     platforms, features, facts (also as the gene-major and sample-major
#                     views give them), cohort statistics, gene pairs, differential
#                     statistics, feature values, source files, and the checks and
#                     attrition of each study's latest successful load; run ids, times
#                     and surrogate keys left out
#   db_snapshot       a hash of db_dump: compare before and after a step
#   ref_check NAME [--config F] [--set K=V]... [--cache KEY] [ACC...]
#                     one test point: the database equals a clean `load --force` of the
#                     same files and settings into a fresh database (default: every study
#                     in $DB); --cache KEY reuses the reference of an earlier check with
#                     the same KEY (the caller's promise: same files, settings, studies)
#   shards_start N    PostgreSQL: N more throwaway servers (the shards of the sharding
#                     tests: loopback, their own ports and directories, stopped when the
#                     test ends, however it ends); SHARD_1..SHARD_N their connection
#                     strings (database gxshard), qshard I SQL runs SQL on shard I
#   bg_start NAME POINT ARGS...   run gxload ARGS in the background, to pause at POINT
#   bg_paused NAME / bg_pid NAME / bg_release NAME / bg_wait NAME   the handshake
#   wait_no_sessions  PostgreSQL: until no gxload session of $DB is left (after kill -9)
#   melt_tsv FILE     "sample<TAB>gene<TAB>text" for every cell of a matrix file
#   db_values ACC     "sample<TAB>gene<TAB>value-text" for every fact of a study
#   same_doubles A B  compare two such listings numerically (awk strtod): 0 if equal
# A query of db_dump, db_snapshot or ref_check that fails makes the test fail (the test
# point "no helper query failed" that done_testing adds), and its snapshot never equals
# another.

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
	# the server's own psql: Debian's /usr/bin/psql is a Perl wrapper that costs 60 ms a call
	[ -n "${PGBIN:-}" ] || PGBIN=$(pg_bindir) || { echo "no PostgreSQL client"; exit 1; }
	PSQL="$PGBIN/psql"
	pg_admin() { # SQL...: statements on the server's 'postgres' database, each on its own
		_pa_sql="SET client_min_messages = warning;
"
		for _s in "$@"; do _pa_sql="$_pa_sql$_s;
"; done
		printf '%s' "$_pa_sql" | "$PSQL" -X -q -h 127.0.0.1 -p "$GXTEST_PGPORT" -U gxtest \
			-d postgres -v ON_ERROR_STOP=1 >/dev/null
	}
	PGDB="gxt_$(basename "$T" | tr -c 'a-zA-Z0-9\n' '_' | tr 'A-Z' 'a-z')"
	pg_admin "CREATE DATABASE $PGDB" || { echo "cannot create database"; exit 1; }
	DB=$(pg_url "$PGDB")
	# the reference database of ref_check: gxload's tables in a schema of their own
	# (postgresql.schema), created for each check and dropped after it: as fresh as a
	# new database, at a tenth of CREATE DATABASE's cost
	REF="$DB"
	REF_SET="--set postgresql.schema=gxref"
else
	DB="sqlite:$T/gx.db"
	REF="sqlite:$T/ref.db"
	REF_SET=""
fi

qdb() { # DB SQL
	case "$1" in
	sqlite:*) sqlite3 -bail -batch -noheader -separator '|' "${1#sqlite:}" "$2" ;;
	*) "$PSQL" -X -qAt -F'|' -v ON_ERROR_STOP=1 "$1" -c "$2" ;;
	esac
}
q() { qdb "$DB" "$1"; }

_SHARD_DIRS=""
shards_start() { # N
	_si=1
	while [ "$_si" -le "$1" ]; do
		# under /tmp, not $T: as root the server runs as 'nobody', which must reach it
		_sd=$(mktemp -d /tmp/gxload-shard.XXXXXX) || return 1
		_SHARD_DIRS="$_SHARD_DIRS $_sd"
		pg_start_extra "shard$_si" "$_sd" fsync=off full_page_writes=off max_connections=50 ||
			{ cat "$_sd"/*.log 2>/dev/null | tail -5 | sed 's/^/# /'; return 1; }
		eval "_sp=\$GXTEST_PGPORT_shard$_si"
		"$PSQL" -X -q -h 127.0.0.1 -p "$_sp" -U gxtest -d postgres -c "CREATE DATABASE gxshard" \
			>/dev/null || return 1
		eval "SHARD_$_si='host=127.0.0.1 port=$_sp user=gxtest dbname=gxshard'"
		_si=$((_si + 1))
	done
}
qshard() { # I SQL
	eval "_sp=\$GXTEST_PGPORT_shard$1"
	"$PSQL" -X -qAt -F'|' -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$_sp" -U gxtest -d gxshard -c "$2"
}

_cleanup() {
	for _sd in $_SHARD_DIRS; do
		pg_stop_dir "$_sd"
		rm -rf "$_sd"
	done
	if [ "$BACKEND" = pg ]; then
		"$PSQL" -X -q -h 127.0.0.1 -p "$GXTEST_PGPORT" -U gxtest -d postgres \
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

# exact value text of a double column in each client (NULL stays NULL)
if [ "$BACKEND" = pg ]; then
	vexpr() { echo "CAST($1 AS text)"; }  # float8 output is shortest-exact (PG 12+)
	vround() { echo "round(CAST($1 AS numeric), 9)"; }
else
	vexpr() { echo "CASE WHEN $1 IS NULL THEN NULL ELSE printf('%!.17g', $1) END"; } # '!': 17 digits
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

# ---- the whole database, by natural keys ----

# rows that only grow (shared by every study, never deleted): the reference's must be
# there, the database may keep more (genes of a study's earlier versions, categories
# and platforms of earlier rules)
_dump_shared_sql() {
	cat <<EOS
SELECT 'gene', gene_id, gene_symbol FROM dim_gene ORDER BY gene_id;
SELECT 'illness', code, label, description, content_hash FROM dim_illness ORDER BY code;
SELECT 'platform', code, accession, name, manufacturer, technology, accessions, known,
       content_hash FROM dim_platform ORDER BY code;
SELECT 'feature', feature_id, name, kind, definition FROM dim_feature ORDER BY feature_id;
EOS
}
_dump_main_sql() {
	# the checks and attrition of each study's latest successful run
	_last="SELECT max(r.run_id) FROM meta_etl_run r JOIN dim_study d ON d.accession = r.study_accession
	       WHERE r.status = 'succeeded' AND r.command LIKE 'load%' GROUP BY r.study_accession"
	cat <<EOS
SELECT 'study', accession, title, description, technology, organism, source_database,
       value_scale, n_samples, n_genes, n_values, metadata, content_hash, rules_hash,
       input_fingerprint, facts_fingerprint, cohort_by, features_hash
FROM dim_study ORDER BY accession;
SELECT 'sample', st.accession, s.accession, s.column_name, s.title, s.platform_raw, s.organism,
       s.disease_raw, s.source_database, s.metadata, s.content_hash, s.value_digest, s.n_values,
       i.code, s.illness_source, s.illness_rule_id, $(vexpr s.illness_confidence),
       s.illness_field, s.illness_matched_text, p.code, s.platform_accession,
       s.platform_rule_id, s.n_missing, s.n_negative, $(vexpr s.value_min), $(vexpr s.value_max),
       CAST(s.illness_evidence AS text), s.cohort, s.sparse
FROM dim_sample s LEFT JOIN dim_study st ON st.study_key = s.study_key
LEFT JOIN dim_illness i ON i.illness_key = s.illness_key
LEFT JOIN dim_platform p ON p.platform_key = s.platform_key
ORDER BY st.accession, s.accession;
SELECT 'fact', st.accession, s.accession, g.gene_id, $(vexpr f.value), $(vexpr f.log2_value)
FROM fact_gene_expression f LEFT JOIN dim_study st ON st.study_key = f.study_key
LEFT JOIN dim_sample s ON s.sample_key = f.sample_key
LEFT JOIN dim_gene g ON g.gene_key = f.gene_key
ORDER BY st.accession, s.accession, g.gene_id;
SELECT 'by_gene', study_accession, sample_accession, gene_id, $(vexpr value), $(vexpr log2_value)
FROM vw_expression_by_gene ORDER BY study_accession, sample_accession, gene_id;
SELECT 'by_sample', study_accession, sample_accession, gene_id, $(vexpr value), $(vexpr log2_value)
FROM vw_expression_by_sample ORDER BY study_accession, sample_accession, gene_id;
SELECT 'cohort', st.accession, c.cohort_by, c.cohort, i.code, g.gene_id, c.n, $(vround c.mean),
       $(vround c.stddev), $(vexpr c.min), $(vexpr c.max), c.candidate_rank
FROM fact_cohort_gene_stats c LEFT JOIN dim_study st ON st.study_key = c.study_key
LEFT JOIN dim_illness i ON i.illness_key = c.illness_key
LEFT JOIN dim_gene g ON g.gene_key = c.gene_key
ORDER BY st.accession, c.cohort, g.gene_id;
SELECT 'pair', st.accession, p.cohort_by, p.cohort, p.method, ga.gene_id, gb.gene_id, p.n,
       $(vexpr p.r), $(vexpr p.p_value), $(vexpr p.q_value), p.pair_rank, p.n_tested
FROM fact_gene_pair_stats p LEFT JOIN dim_study st ON st.study_key = p.study_key
LEFT JOIN dim_gene ga ON ga.gene_key = p.gene_a_key LEFT JOIN dim_gene gb ON gb.gene_key = p.gene_b_key
ORDER BY st.accession, p.cohort_by, p.cohort, p.method, p.pair_rank;
SELECT 'diff', st.accession, d.cohort_by, d.cohort_a, d.cohort_b, g.gene_id, d.n_a, d.n_b,
       $(vexpr d.mean_a), $(vexpr d.mean_b), $(vexpr d.mean_diff), $(vexpr d.welch_t),
       $(vexpr d.welch_df), $(vexpr d.welch_p), $(vexpr d.welch_q), $(vexpr d.mwu_u),
       $(vexpr d.mwu_p), $(vexpr d.mwu_q), d.mwu_exact
FROM fact_cohort_differential d LEFT JOIN dim_study st ON st.study_key = d.study_key
LEFT JOIN dim_gene g ON g.gene_key = d.gene_key
ORDER BY st.accession, d.cohort_by, d.cohort_a, d.cohort_b, g.gene_id;
SELECT 'feature_value', st.accession, s.accession, f.definition, $(vexpr v.value)
FROM fact_feature_values v LEFT JOIN dim_study st ON st.study_key = v.study_key
LEFT JOIN dim_sample s ON s.sample_key = v.sample_key
LEFT JOIN dim_feature f ON f.feature_id = v.feature_id
ORDER BY st.accession, s.accession, f.definition;
SELECT 'file', st.accession, f.path, f.role, f.format, f.size_bytes, f.mtime, f.content_hash,
       f.hash_algorithm
FROM meta_source_file f LEFT JOIN dim_study st ON st.study_key = f.study_key
ORDER BY st.accession, f.path;
SELECT 'check', v.study_accession, v.check_name, v.kind, v.status, $(vround v.observed),
       $(vround v.threshold),
       -- an integrity check of a run that did not read the matrix says so
       CASE WHEN v.kind = 'integrity' THEN '' ELSE v.message END
FROM meta_data_validation_log v WHERE v.run_id IN ($_last)
ORDER BY v.study_accession, v.check_name;
SELECT 'attrition', a.study_accession, a.reason, a.unit, a.n, a.message
FROM meta_data_attrition a WHERE a.run_id IN ($_last)
ORDER BY a.study_accession, a.reason;
EOS
}
_helper_error() { # MESSAGE: fails the test at done_testing
	printf '%s\n' "$*" >> "$T/helper-errors"
}
_dump_run() { # DB [SCHEMA]: the rows of every dump query, NULL as \N; 1 if a query failed
	if [ ! -f "$T/dump.sql" ]; then # written once: every $(vexpr) is a fork
		# one read transaction: a reader's consistent view of the database
		if [ "$BACKEND" = pg ]; then
			echo "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;"
		else
			echo "BEGIN;"
		fi > "$T/dump.sql"
		{ _dump_main_sql; _dump_shared_sql; echo "COMMIT;"; } >> "$T/dump.sql"
	fi
	case "$1" in
	sqlite:*)
		[ -f "${1#sqlite:}" ] || { echo "no database ${1#sqlite:}" > "$T/dump.err"; return 1; }
		sqlite3 -bail -batch -noheader -separator '|' -nullvalue '\N' "${1#sqlite:}" \
			< "$T/dump.sql" 2> "$T/dump.err" ;;
	*) PGOPTIONS="-c search_path=${2:-public}" "$PSQL" -X -qAt -F'|' -P null='\N' \
		-v ON_ERROR_STOP=1 "$1" -f "$T/dump.sql" 2> "$T/dump.err" ;;
	esac
}
db_dump() { # [DB [SCHEMA]]
	_db=${1:-$DB}
	if ! _dump_run "$_db" "${2:-}"; then
		_helper_error "db_dump of $_db failed: $(head -3 "$T/dump.err")"
		echo "db_dump failed $(date +%s%N) $$"
		return 1
	fi
}
db_snapshot() { # a hash of db_dump: the user-visible contents (not the meta tables' run rows)
	db_dump | cksum
}

_ref_fresh() { # no reference database (each check makes its own and removes it after)
	if [ "$BACKEND" = pg ]; then
		q "SET client_min_messages = warning; DROP SCHEMA IF EXISTS gxref CASCADE" > /dev/null
	else
		rm -f "$T/ref.db" "$T/ref.db-wal" "$T/ref.db-shm"
	fi
}

ref_check() { # NAME [--config FILE] [--set KEY=VALUE]... [--cache KEY] [ACC...]
	_rname=$1; shift
	_rcfg="$T/gxload.yaml"; _rsets=""; _raccs=""; _rcache=""
	while [ $# -gt 0 ]; do
		case "$1" in
		--config) _rcfg=$2; shift 2 ;;
		--set) _rsets="$_rsets --set $2"; shift 2 ;;
		--cache) _rcache="$T/refcache.$2"; shift 2 ;;
		*) _raccs="$_raccs $1"; shift ;;
		esac
	done
	[ -n "$_raccs" ] || _raccs=$(q "SELECT accession FROM dim_study ORDER BY accession" | tr '\n' ' ')
	# --cache KEY: the reference's dump is kept under KEY and reused by later checks with
	# the same KEY, which the caller gives only to the same files, settings and studies
	if [ -n "$_rcache" ] && [ -s "$_rcache" ]; then
		cp "$_rcache" "$T/dump.ref"; _s2=0
		db_dump "$DB" > "$T/dump.db"; _s1=$?
	else
		# shellcheck disable=SC2086
		if ! "$GXLOAD_BIN" --config "$_rcfg" --db "$REF" $_rsets $REF_SET load --force $_raccs > "$T/ref.out" 2>&1; then
			_tap_result 1 "$_rname: equals a clean load (the reference load failed)"
			sed 's/^/#   /' "$T/ref.out" | head -10
			_ref_fresh
			return
		fi
		db_dump "$DB" > "$T/dump.db"; _s1=$?
		db_dump "$REF" gxref > "$T/dump.ref"; _s2=$?
		[ -n "$_rcache" ] && [ $_s2 -eq 0 ] && cp "$T/dump.ref" "$_rcache"
		# gone again: the next check starts from nothing, and the test's own catalog
		# queries (PostgreSQL) see no trace of it
		_ref_fresh || _helper_error "cannot remove the reference database"
	fi
	# the rows of the shared dimensions the reference has, the database must have too
	grep -E '^(gene|illness|platform|feature)\|' "$T/dump.ref" | LC_ALL=C sort > "$T/shared.ref"
	grep -E '^(gene|illness|platform|feature)\|' "$T/dump.db" | LC_ALL=C sort > "$T/shared.db"
	LC_ALL=C comm -23 "$T/shared.ref" "$T/shared.db" > "$T/shared.missing"
	grep -vE '^(gene|illness|platform|feature)\|' "$T/dump.ref" > "$T/main.ref"
	grep -vE '^(gene|illness|platform|feature)\|' "$T/dump.db" > "$T/main.db"
	if [ $_s1 -eq 0 ] && [ $_s2 -eq 0 ] && cmp -s "$T/main.ref" "$T/main.db" &&
	   [ ! -s "$T/shared.missing" ] && [ -s "$T/main.ref" ]; then
		_tap_result 0 "$_rname: equals a clean load"
	else
		_tap_result 1 "$_rname: equals a clean load"
		diff "$T/main.ref" "$T/main.db" | head -20 | sed 's/^/#   /'
		sed 's/^/#   missing: /' "$T/shared.missing" | head -5
	fi
}

# ---- handshakes with a paused run (GXLOAD_TEST_PAUSE_AT + GXLOAD_TEST_READY) ----

bg_start() { # NAME POINT[:SECONDS] ARGS...: "gxload ARGS" in the background (config
	# ${BG_CONFIG:-$T/gxload.yaml}, database $DB), pausing at POINT up to SECONDS (120)
	# until bg_release; $T/NAME.out holds its output, $T/NAME.rc its exit status
	_bn=$1; _bp=$2; shift 2
	case "$_bp" in *:*) ;; *) _bp="$_bp:120" ;; esac
	rm -f "$T/$_bn.ready" "$T/$_bn.rc"
	( GXLOAD_TEST_PAUSE_AT="$_bp" GXLOAD_TEST_READY="$T/$_bn.ready" \
		"$GXLOAD_BIN" --config "${BG_CONFIG:-$T/gxload.yaml}" --db "$DB" "$@" > "$T/$_bn.out" 2>&1
	  echo $? > "$T/$_bn.rc" ) &
	echo $! > "$T/$_bn.sub"
}
bg_paused() { # NAME: 0 once the run announced its pause; 1 if it ended first or 60 s passed
	_i=0
	while [ $_i -lt 3000 ]; do
		[ -f "$T/$1.ready" ] && return 0
		[ -f "$T/$1.rc" ] && { diag "$1 ended (exit $(cat "$T/$1.rc")) before its pause: $(head -c 300 "$T/$1.out")"; return 1; }
		sleep 0.02; _i=$((_i + 1))
	done
	diag "$1 did not reach its pause in 60 s"
	return 1
}
bg_pid() { cut -d' ' -f2 "$T/$1.ready"; } # NAME: the paused gxload's process id
bg_release() { rm -f "$T/$1.ready"; }    # NAME: end the pause
bg_wait() { # NAME: wait for the run to end; its exit status in $bg_rc, its output in $bg_out
	wait "$(cat "$T/$1.sub")" 2>/dev/null
	bg_rc=$(cat "$T/$1.rc" 2>/dev/null || echo none)
	bg_out=$(cat "$T/$1.out")
}

streams_config() { # FILE N [EXTRA-LINE]: a PostgreSQL config whose every study, however
	# small, loads through N range sessions (copy_streams_min_rows 1)
	cat > "$1" <<EOC
data_root: data
lock_dir: lock
log:
  level: warning
postgresql:
  copy_streams: $2
  copy_streams_min_rows: 1
${3:-}
EOC
}

wait_no_sessions() { # PostgreSQL: until the server dropped every gxload session of $DB
	[ "$BACKEND" = pg ] || return 0
	_i=0
	while [ $_i -lt 1500 ]; do
		[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		        AND application_name LIKE 'gxload%'")" = 0 ] && return 0
		sleep 0.02; _i=$((_i + 1))
	done
	diag "gxload sessions still open after 30 s"
	return 1
}

last_run() { # ACC -> status|error_code|rows_inserted|rows_deleted|samples_changed|files_skipped
	q "SELECT status || '|' || COALESCE(CAST(error_code AS text), '') || '|' || rows_inserted || '|' ||
	          rows_deleted || '|' || samples_changed || '|' || files_skipped
	   FROM meta_etl_run WHERE study_accession = '$1' ORDER BY run_id DESC LIMIT 1"
}

_tap_before_done() {
	if [ -s "$T/helper-errors" ]; then
		_tap_result 1 "no query of a test helper failed"
		sed 's/^/#   /' "$T/helper-errors" | head -10
	else
		_tap_result 0 "no query of a test helper failed"
	fi
}
