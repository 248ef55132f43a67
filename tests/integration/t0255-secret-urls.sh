#!/bin/sh
# t0255-secret-urls.sh - a malformed or refused connection string is never echoed with
# its password: whatever its syntax, from --db, GXLOAD_DB, the config file or --set, in
# text and JSON logs.  Each case exits 78 (error 4006, db_url) and names what is wrong,
# or, where libpq reads the string another way (a password with a '/' becomes a port),
# fails to connect (69, error 4001) without naming the password either.
# backends: sqlite
. "$GXLOAD_TOP/tests/lib/lib.sh"

S="Sntl${$}Pw"   # the sentinel password; no character in it is special to any syntax
cases="$T/cases"
cat > "$cases" <<EOC
postgresql://u:${S}%zz@h/db
postgresql://u:${S}%@h/db
postgresql://u:%${S}@h/db
postgresql://u:${S}@[::1/db
postgresql://u:${S}@[]/db
postgresql://u:${S}@h:port/db
postgresql://u:${S}@h/db?bad
postgresql://u:${S}@h/db?sslmode=bogus&x
postgresql://u:${S}@h/db
postgres://u:${S}@h/db
postgresql://u:${S}/x@h/db 69
postgresql://u:${S}@@h/db
postgresql+psycopg2://u:${S}@h/db
postgresql:/u:${S}@h/db
postgresql:u:${S}@h/db
mysql://u:${S}@h/db
postgresql://h/db?password=${S}
postgresql://h/db?password=${S}&x
postgresql://h/db?user=u&password=${S}%zz
password=a ${S}
password=${S}
host=h password='${S}
host=h password='${S}' port=x
host=h password = ${S} dbname
host=h sslpassword=${S} x
service=s password=${S}=
EOC
n=$(wc -l < "$cases")
ok "$([ "$n" -ge 20 ] && echo 0 || echo 1)" "$n malformed or refused connection strings"

all="$T/all"; : > "$all"
i=0
while IFS= read -r line; do
	i=$((i + 1))
	want=78; code=4006; url=$line
	case "$line" in *" 69") want=69; code=4001; url=${line% 69} ;; esac
	for fmt in text json; do
		"$GXLOAD_BIN" --log-format "$fmt" --config "$T/gxload.yaml" --db "$url" status \
			> "$T/o1" 2>&1; r1=$?
		GXLOAD_DB="$url" "$GXLOAD_BIN" --log-format "$fmt" --config "$T/gxload.yaml" status \
			> "$T/o2" 2>&1; r2=$?
		"$GXLOAD_BIN" --log-format "$fmt" --config "$T/gxload.yaml" --set "database.url=$url" \
			status > "$T/o3" 2>&1; r3=$?
		# the config file, as a YAML single-quoted scalar ('' is a quote)
		q1=$(printf '%s' "$url" | sed "s/'/''/g")
		printf 'data_root: data\ndatabase:\n  url: '\''%s'\''\n' "$q1" > "$T/c.yaml"
		"$GXLOAD_BIN" --log-format "$fmt" --config "$T/c.yaml" status > "$T/o4" 2>&1; r4=$?
		cat "$T/o1" "$T/o2" "$T/o3" "$T/o4" >> "$all"
		is "$r1 $r2 $r3 $r4" "$want $want $want $want" \
		   "case $i ($fmt): exit $want from --db, GXLOAD_DB, --set, config"
	done
	is "$(grep -c "\"code\":$code," "$T/o1" "$T/o4" | awk -F: '{ n += $2 } END { print n }')" 2 \
	   "case $i: JSON error $code, from --db and from the config file"
done < "$cases"
is "$(grep -c "$S" "$all")" 0 "the sentinel password appears in no message"
is "$(grep -c '\*\*\*\*\*\*\*\*' "$all" | awk '{print ($1 > 0)}')" 1 "messages show where a password was"
# a message still says what is wrong, with the parts that hold no secret
"$GXLOAD_BIN" --db "postgresql://u:$S@[::1/db" status > "$T/o" 2>&1
is "$(cat "$T/o")" "gxload: error: database.url: invalid PostgreSQL connection string: end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"postgresql://u:********@[::1/db\"" \
   "an unterminated IPv6 address: libpq's reason, the URI redacted"
"$GXLOAD_BIN" --db "postgresql+psycopg2://u:$S@h/db" status > "$T/o" 2>&1
is "$(cat "$T/o")" "gxload: error: database.url: unsupported database URL 'postgresql+psycopg2://u:********@h/db': expected sqlite:PATH, a postgresql:// URI or a libpq keyword string" \
   "an unknown scheme: named, redacted"
"$GXLOAD_BIN" --db "postgresql://u:$S@h/db?bad" status > "$T/o" 2>&1
is "$(cat "$T/o")" "gxload: error: database.url: invalid PostgreSQL connection string: missing key/value separator \"=\" in URI query parameter: \"bad\"" \
   "a bad query parameter is named"
"$GXLOAD_BIN" --db "postgresql://u:$S@h/db" status > "$T/o" 2>&1
is "$(cat "$T/o")" "gxload: error: database.url: database URL contains a password; gxload does not accept passwords in URLs, config or flags: use ~/.pgpass, a service file or PGPASSFILE" \
   "a well-formed password is refused"
done_testing
