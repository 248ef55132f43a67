#!/bin/sh
# t0100-cli.sh - the command line: help, version, usage errors, config check, exit codes.
# backends: sqlite
. "$GXLOAD_TOP/tests/lib/lib.sh"

"$GXLOAD_BIN" --help > "$T/help" 2>&1; ok $? "--help exits 0"
help=$(cat "$T/help")
for c in load status migrate config version; do
	like "$help" "^  $c " "--help lists the $c command"
done
like "$help" "--progress MODE" "--help documents --progress"
like "$help" "64 usage, 65 bad input data, 69 database unavailable" "--help lists exit codes"

gx version; is "$rc" 0 "version exits 0"
like "$out" "^gxload [0-9]+\.[0-9]+\.[0-9]+" "version prints gxload's version"
for lib in libpq sqlite hdf5 pcre2 libyaml xxhash libcsv; do
	like "$out" "^$lib [0-9]" "version prints $lib's version"
done

"$GXLOAD_BIN" > /dev/null 2>&1; is $? 64 "no command: exit 64"
"$GXLOAD_BIN" frobnicate > "$T/o" 2>&1; is $? 64 "unknown command: exit 64"
like "$(cat "$T/o")" "unknown command 'frobnicate'" "unknown command is named"
"$GXLOAD_BIN" --no-such-flag version > /dev/null 2>&1; is $? 64 "unknown global option: exit 64"
"$GXLOAD_BIN" -q -v version > /dev/null 2>&1; is $? 64 "-q with -v: exit 64"
gx load; is "$rc" 64 "load without accession: exit 64"
gx load --bogus X; is "$rc" 64 "load with an unknown option: exit 64"
gx load --file x.tsv; is "$rc" 64 "--file without --study: exit 64"
# a command's options may follow its arguments: the global options' scan must not leave
# getopt stopping at the first accession
gx load GSE1001 --dry-run; is "$rc" 0 "load ACC --dry-run: the option after the accession is taken"
like "$out" "GSE1001: dry run" "load ACC --dry-run is a dry run"
studies=0 # rows of dim_study, if the dry run created the table at all (it should not)
[ "$(q "SELECT count(*) FROM sqlite_master WHERE name = 'dim_study'")" = 1 ] &&
	studies=$(q "SELECT count(*) FROM dim_study")
is "$studies" 0 "load ACC --dry-run wrote no study"
gx load GSE1001 --bogus; is "$rc" 64 "an unknown option after the accession: exit 64"
for c in load status migrate config version; do
	"$GXLOAD_BIN" "$c" --help > "$T/o" 2>&1
	st=$?
	ok "$st" "$c --help exits 0"
	like "$(cat "$T/o")" "^usage: gxload $c" "$c --help shows its usage"
done

# config check: effective values, their origin, secrets masked
gx config check; is "$rc" 0 "config check exits 0"
like "$out" "^data_root: $T/data  # file; directory holding one folder per study accession$" "config check shows values from the file"
like "$out" "^  url: \"sqlite:$T/gx.db\"  # --db; " "config check shows that --db set the URL"
"$GXLOAD_BIN" --config "$T/gxload.yaml" --set load.lock_timeout_s=7 config check > "$T/o" 2>&1
like "$(cat "$T/o")" "lock_timeout_s: 7  # --set" "--set overrides a key"
"$GXLOAD_BIN" --config "$T/gxload.yaml" --set load.nope=1 config check > "$T/o" 2>&1
is $? 78 "--set with an unknown key: exit 78"
"$GXLOAD_BIN" --config "$T/gxload.yaml" --set load.lock_timeout_s=soon config check > "$T/o" 2>&1
is $? 78 "--set with a bad value: exit 78"
"$GXLOAD_BIN" --config "$T/gxload.yaml" --set novalue config check > "$T/o" 2>&1
is $? 64 "--set without '=': exit 64"
GXLOAD_DB="sqlite:$T/env.db" "$GXLOAD_BIN" --config "$T/gxload.yaml" config check > "$T/o" 2>&1
like "$(cat "$T/o")" "env.db\"  # GXLOAD_DB" "GXLOAD_DB sets the database"
GXLOAD_CONFIG="$T/gxload.yaml" "$GXLOAD_BIN" config check > "$T/o" 2>&1
like "$(cat "$T/o")" "config file: $T/gxload.yaml" "GXLOAD_CONFIG names the config file"

printf 'data_root: data\nbogus_key: 1\n' > "$T/bad.yaml"
"$GXLOAD_BIN" --config "$T/bad.yaml" config check > "$T/o" 2>&1
is $? 78 "unknown key in the config file: exit 78"
like "$(cat "$T/o")" "bad.yaml', line 2, column 1: unknown config key 'bogus_key'" "the message names file, line, column and key"
printf 'a: &x 1\nb: *x\n' > "$T/alias.yaml"
"$GXLOAD_BIN" --config "$T/alias.yaml" config check > "$T/o" 2>&1
is $? 78 "YAML anchors and aliases are refused"
printf 'postgresql:\n  schema: "x; DROP TABLE y"\n' > "$T/ident.yaml"
"$GXLOAD_BIN" --config "$T/ident.yaml" config check > "$T/o" 2>&1
is $? 78 "a hostile schema identifier: exit 78"
"$GXLOAD_BIN" --config "$T/nonexistent.yaml" config check > "$T/o" 2>&1
is $? 78 "a missing config file: exit 78"

# passwords: never accepted from flags or config, never printed
for url in "postgresql://u:S3ntinelPw@localhost/db" "host=localhost password=S3ntinelPw dbname=x"; do
	"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "$url" config check > "$T/o" 2>&1
	is $? 78 "a password in --db is refused ($url)"
	unlike "$(cat "$T/o")" "S3ntinelPw" "the refused password is not echoed"
done
printf 'database:\n  url: postgresql://u:S3ntinelPw@localhost/db\n' > "$T/pw.yaml"
"$GXLOAD_BIN" --config "$T/pw.yaml" config check > "$T/o" 2>&1
is $? 78 "a password in the config file is refused"
unlike "$(cat "$T/o")" "S3ntinelPw" "the config password is not echoed"
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "postgresql://someone@db.example/gx?sslmode=require" config check > "$T/o" 2>&1
like "$(cat "$T/o")" "url: user=someone dbname=gx host=db.example sslmode=require  # --db" "a PostgreSQL URL is shown as keywords"
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "mysql://x" config check > "$T/o" 2>&1
is $? 78 "an unsupported URL scheme: exit 78"

# database unavailable
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "postgresql://nobody@127.0.0.1:1/x?connect_timeout=2" \
	--set postgresql.retries=0 load GSE1001 > "$T/o" 2>&1
is $? 69 "unreachable PostgreSQL: exit 69"
"$GXLOAD_BIN" --config "$T/gxload.yaml" --db "sqlite:$T/none.db" status > "$T/o" 2>&1
is $? 69 "status on a missing SQLite file: exit 69"
[ ! -e "$T/none.db" ]; ok $? "status does not create the database"

done_testing
