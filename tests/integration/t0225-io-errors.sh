#!/bin/sh
# t0225-io-errors.sh - I/O errors exit 74 and leave the database as it was: a lock
# directory that cannot be created, a SQLite database that cannot grow (RLIMIT_FSIZE),
# a PostgreSQL server that reports a full disk (SQLSTATE class 53, raised by a
# trigger); and the JSON log lines (--log-format json) carry the fields docs/CLI.md
# lists, with the values the meta tables hold.
# backends: sqlite pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

command -v jq > /dev/null || { echo "jq is required (deploy/install-deps.sh installs it)"; exit 1; }
M="$DATA/GSE1001/GSE1001.tsv"
gx load GSE1001; is "$rc" 0 "a good load first"
good=$(db_snapshot)
runs() { q "SELECT count(*) FROM meta_etl_run"; }

# the lock directory cannot be created: a file is in the way
: > "$T/afile"
n=$(runs)
gx --set lock_dir="$T/afile/lock" load --force GSE1001
is "$rc" 74 "a lock directory that cannot be created: exit 74"
is "$out" "gxload: error: GSE1001: cannot create directory '$T/afile/lock': Not a directory" \
   "the message names the directory and the reason"
is "$(runs)" "$n" "no run was recorded: the run never owned the study"
is "$(db_snapshot)" "$good" "the database is as it was"

if [ "$BACKEND" = sqlite ]; then
	# the database file cannot grow past 10 KiB (it is larger): every write fails (EFBIG)
	n=$(runs)
	( trap '' XFSZ; ulimit -f 20
	  "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$DB" load --force GSE1001 > "$T/o" 2>&1 )
	is "$?" 74 "a database file that cannot be written: exit 74"
	like "$(cat "$T/o")" "^gxload: error: cannot use SQLite database '$T/gx.db': statement failed: disk I/O error \(sqlite disk I/O error\)$" \
	     "the message names the database and SQLite's error"
	is "$(q "PRAGMA integrity_check")" ok "the database is intact"
	is "$(runs)" "$n" "and holds no row of the failed run"
	is "$(db_snapshot)" "$good" "the database is as it was"
else
	# the server runs out of disk while the load writes its dimensions
	q "CREATE FUNCTION gx_full() RETURNS trigger LANGUAGE plpgsql AS \$\$
	   BEGIN RAISE EXCEPTION 'could not extend file: No space left on device (test)'
	   USING ERRCODE = 'disk_full'; END \$\$;
	   CREATE TRIGGER gx_full BEFORE INSERT OR UPDATE ON dim_sample
	   FOR EACH ROW EXECUTE FUNCTION gx_full()" > /dev/null
	gx --log-format json load --force GSE1001
	is "$rc" 74 "the server reports a full disk (SQLSTATE 53100): exit 74"
	is "$(last_run GSE1001 | cut -d'|' -f1,2)" "failed|4005" "the run failed with error 4005 (db_full)"
	printf '%s\n' "$out" | grep '"level":"error"' > "$T/e.json"
	is "$(jq -r '[.code, .error, .retryable, .sqlstate] | map(tostring) | join("|")' "$T/e.json")" \
	   "4005|db_full|false|53100" "the JSON error line: code, name, not retryable, the SQLSTATE"
	like "$(jq -r .msg "$T/e.json")" "could not extend file: No space left on device \(test\)" "and the server's message"
	is "$(db_snapshot)" "$good" "the database is as it was"
	q "DROP TRIGGER gx_full ON dim_sample" > /dev/null
	gx load --force GSE1001; is "$rc" 0 "with space again the load succeeds"
fi

# JSON log lines: the error of a ragged row, with every field it has
cp "$M" "$T/orig.tsv"
sed -i '3s/\t[^\t]*$//' "$M"
gx --log-format json load GSE1001
is "$rc" 65 "a ragged row with --log-format json: exit 65"
printf '%s\n' "$out" > "$T/log.json"
jq -e . "$T/log.json" > /dev/null; ok $? "every stderr line is a JSON object"
run=$(q "SELECT max(run_id) FROM meta_etl_run")
grep '"level":"error"' "$T/log.json" > "$T/e.json"
is "$(jq -r 'keys_unsorted | join(" ")' "$T/e.json")" \
   "ts level run_id study step code error retryable file line column msg" "the error line's fields, in order"
is "$(jq -r '[.level, .run_id, .study, .step, .code, .error, .retryable, .file, .line, .column] | map(tostring) | join("|")' "$T/e.json")" \
   "error|$run|GSE1001|extract|2010|ragged|false|$M|3|6" "their values: the run, the study, the error and its place"
is "$(jq -r .msg "$T/e.json")" "'$M', line 3, column 6: expected 6 fields (gene id and 5 samples), got 5" "msg"
is "$(q "SELECT error_code || '|' || message FROM meta_etl_run WHERE run_id = $run")" \
   "2010|'$M', line 3, column 6: expected 6 fields (gene id and 5 samples), got 5" "the same code and message as meta_etl_run"
like "$(jq -r .ts "$T/e.json")" "^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z$" \
     "ts: ISO-8601 UTC with milliseconds"
cp "$T/orig.tsv" "$M"
gx --log-format json -v load SRP2002
is "$rc" 0 "-v --log-format json: a good load"
printf '%s\n' "$out" | grep -v '^SRP2002: succeeded' > "$T/i.json"
jq -e . "$T/i.json" > /dev/null; ok $? "its info lines are JSON objects"
is "$(jq -r 'keys_unsorted | join(" ")' "$T/i.json" | sort -u)" "ts level run_id study step msg" \
   "an info line has no error fields"
is "$(jq -r .run_id "$T/i.json" | sort -u)" "$(q "SELECT max(run_id) FROM meta_etl_run")" "and the run's id"

# a retryable error: the study is held by a paused run
bg_start first locked load --force GSE1001
bg_paused first; ok $? "a run holds GSE1001"
gx --log-format json load GSE1001
is "$rc" 75 "a locked study: exit 75"
is "$(printf '%s\n' "$out" | jq -r '[.level, .study, .code, .error, .retryable, has("run_id")] | map(tostring) | join("|")')" \
   "error|GSE1001|1020|locked|true|false" "JSON: error 1020, retryable, no run id (the run never started)"
bg_release first; bg_wait first; is "$bg_rc" 0 "the holding run finishes"
done_testing
