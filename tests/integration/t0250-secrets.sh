#!/bin/sh
# t0250-secrets.sh - a password from .pgpass never appears in any output, log or table;
# a .pgpass that others can read is ignored by libpq (no silent fallback).
# backends: pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

SENTINEL="S3ntinel-Pw-$$-xq"
psql -X -q -h 127.0.0.1 -p "$GXTEST_PGPORT" -U gxtest -d "$PGDB" -v ON_ERROR_STOP=1 <<EOSQL >/dev/null
CREATE ROLE gxsecret LOGIN PASSWORD '$SENTINEL';
ALTER DATABASE $PGDB OWNER TO gxsecret;
ALTER SCHEMA public OWNER TO gxsecret;
EOSQL
ok $? "a role with a password"
printf '127.0.0.1:%s:*:gxsecret:%s\n' "$GXTEST_PGPORT" "$SENTINEL" > "$T/pgpass"
chmod 600 "$T/pgpass"
SDB="postgresql://gxsecret@127.0.0.1:$GXTEST_PGPORT/$PGDB"
all="$T/all-output"
: > "$all"
run() { # ARGS... (every output goes to $all too)
	PGPASSFILE="$T/pgpass" "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$SDB" "$@" > "$T/o" 2>&1
	rc=$?
	cat "$T/o" >> "$all"
	return 0
}
run -v migrate; is "$rc" 0 "connects with the password from PGPASSFILE"
run -vv --log-format json load GSE1001; is "$rc" 0 "loads with -vv and JSON logs"
is "$(grep '"level":"info"' "$T/o" | jq -r .run_id | sort -u)" "$(q "SELECT max(run_id) FROM meta_etl_run")" "JSON log lines carry the run id"
run -v load SRP2002 GSE9999; is "$rc" 65 "a failing study as well"
run status; run status GSE1001; run config check; run migrate --status
run -v load --force --dry-run GSE1001
grep -q "$SENTINEL" "$all"; is $? 1 "the password appears in no output"
is "$(q "SELECT count(*) FROM meta_etl_run WHERE message LIKE '%$SENTINEL%' OR command LIKE '%$SENTINEL%'")" 0 \
   "nor in meta_etl_run"
is "$(q "SELECT count(*) FROM meta_etl_process_log WHERE message LIKE '%$SENTINEL%'")" 0 \
   "nor in meta_etl_process_log"
like "$(cat "$T/all-output")" "user=gxsecret" "connection strings are shown (without the password)"

# wrong password: exit 69, the password is still not shown
printf '127.0.0.1:%s:*:gxsecret:wrong-%s\n' "$GXTEST_PGPORT" "$SENTINEL" > "$T/pgpass"
run load --force GSE1001; is "$rc" 69 "a wrong password: exit 69"
like "$(cat "$T/o")" "password authentication failed" "and says authentication failed"
unlike "$(cat "$T/o")" "$SENTINEL" "without showing the password"

# a .pgpass others can read is ignored by libpq: authentication fails, nothing falls back
printf '127.0.0.1:%s:*:gxsecret:%s\n' "$GXTEST_PGPORT" "$SENTINEL" > "$T/pgpass"
chmod 644 "$T/pgpass"
run load --force GSE1001; is "$rc" 69 "a world-readable .pgpass is ignored: exit 69"

# PGPASSWORD works but is warned about
PGPASSWORD="$SENTINEL" "$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$SDB" status > "$T/o" 2>&1
is $? 0 "PGPASSWORD is honoured (libpq)"
like "$(cat "$T/o")" "PGPASSWORD is set; prefer ~/.pgpass" "with a warning"
unlike "$(cat "$T/o")" "$SENTINEL" "and no echo of it"
done_testing
