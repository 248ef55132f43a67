# pg.sh - start and stop a throwaway PostgreSQL 15 server for the tests and benchmarks.
#
#   . tests/lib/pg.sh; pg_start DIR [extra postgres -c settings...]; ...; pg_stop
#
# initdb runs into DIR/data (removed first), the server listens on 127.0.0.1 only, on a
# free port, with its socket in DIR.  initdb refuses to run as root, so as root the server
# runs as the unprivileged user 'nobody'.  After pg_start these are exported:
#   GXTEST_PGPORT, GXTEST_PGHOST=127.0.0.1, GXTEST_PGUSER=gxtest, GXTEST_PGDIR
# and pg_url DBNAME prints a postgresql:// URL (no password: trust on loopback, except
# for the role 'gxsecret', which needs scram-sha-256; tests use it to check that
# passwords from .pgpass never reach a log).
# pg_stop stops the server and removes DIR/data.
#
# More servers at once (the shard servers of tests/integration/t09*-shards*.sh):
#   pg_start_extra NAME DIR [settings...]  starts another server the same way, leaving
#                  the GXTEST_PG* of the first alone; its port is in GXTEST_PGPORT_<NAME>
#                  and its directory in GXTEST_PGDIR_<NAME>
#   pg_stop_dir DIR  stops the server of DIR (immediately: it is thrown away) and removes
#                  DIR/data; does nothing if none runs there

pg_bindir() {
	for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && { echo "$d"; return 0; }
	done
	return 1
}

pg_runas() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	GXTEST_PGDIR=$1; shift
	PGBIN=$(pg_bindir) || { echo "pg.sh: no PostgreSQL server binaries (apt-get install postgresql-15)" >&2; return 1; }
	mkdir -p "$GXTEST_PGDIR"
	[ -f "$GXTEST_PGDIR/data/postmaster.pid" ] && pg_runas "$PGBIN/pg_ctl" -D "$GXTEST_PGDIR/data" -m immediate stop >/dev/null 2>&1
	rm -rf "$GXTEST_PGDIR/data"
	chmod 755 "$GXTEST_PGDIR"
	[ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$GXTEST_PGDIR"
	(cd / && pg_runas "$PGBIN/initdb" -D "$GXTEST_PGDIR/data" -U gxtest -A trust -E UTF8 \
		--locale=C --no-sync) >"$GXTEST_PGDIR/initdb.log" 2>&1 || {
		echo "pg.sh: initdb failed, see $GXTEST_PGDIR/initdb.log" >&2; return 1; }
	# scram for the password-sentinel role, trust for everything else on loopback
	{
		echo "local all all trust"
		echo "host all gxsecret 127.0.0.1/32 scram-sha-256"
		echo "host all all 127.0.0.1/32 trust"
	} > "$GXTEST_PGDIR/data/pg_hba.conf"
	tries=0
	while [ $tries -lt 20 ]; do
		tries=$((tries + 1))
		port=$(( 20000 + ( $(od -An -N2 -tu2 /dev/urandom) % 30000 ) ))
		opts="-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$GXTEST_PGDIR"
		for o in "$@"; do opts="$opts -c $o"; done
		if (cd / && pg_runas "$PGBIN/pg_ctl" -D "$GXTEST_PGDIR/data" -o "$opts" \
			-l "$GXTEST_PGDIR/server.log" -w -t 60 start) >/dev/null 2>&1; then
			GXTEST_PGPORT=$port GXTEST_PGHOST=127.0.0.1 GXTEST_PGUSER=gxtest
			export GXTEST_PGPORT GXTEST_PGHOST GXTEST_PGUSER GXTEST_PGDIR PGBIN
			return 0
		fi
		grep -q "Address already in use\|could not bind" "$GXTEST_PGDIR/server.log" 2>/dev/null || break
	done
	echo "pg.sh: server did not start, see $GXTEST_PGDIR/server.log" >&2
	return 1
}

pg_stop() {
	[ -n "${GXTEST_PGDIR:-}" ] && [ -d "$GXTEST_PGDIR/data" ] || return 0
	(cd / && pg_runas "$PGBIN/pg_ctl" -D "$GXTEST_PGDIR/data" -m fast -w stop) >/dev/null 2>&1
	rm -rf "$GXTEST_PGDIR/data"
}

pg_start_extra() { # NAME DIR [settings...]
	_pe_name=$1; shift
	_pe_dir=${GXTEST_PGDIR:-} _pe_port=${GXTEST_PGPORT:-}
	unset GXTEST_PGPORT
	pg_start "$@"; _pe_rc=$?
	eval "GXTEST_PGPORT_$_pe_name=\${GXTEST_PGPORT:-}; GXTEST_PGDIR_$_pe_name=\$1"
	export "GXTEST_PGPORT_$_pe_name" "GXTEST_PGDIR_$_pe_name"
	GXTEST_PGDIR=$_pe_dir GXTEST_PGPORT=$_pe_port
	[ -n "$_pe_dir" ] || unset GXTEST_PGDIR GXTEST_PGPORT
	return $_pe_rc
}

pg_stop_dir() { # DIR
	[ -d "$1/data" ] || return 0
	PGBIN=${PGBIN:-$(pg_bindir)}
	[ -f "$1/data/postmaster.pid" ] &&
		(cd / && pg_runas "$PGBIN/pg_ctl" -D "$1/data" -m immediate -w stop) >/dev/null 2>&1
	rm -rf "$1/data"
}

pg_url() { # DBNAME [USER]
	echo "postgresql://${2:-gxtest}@127.0.0.1:$GXTEST_PGPORT/$1"
}
