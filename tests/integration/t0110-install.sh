#!/bin/sh
# t0110-install.sh - `make install` honours PREFIX, DESTDIR and VARDIR; the installed
# binary finds its migrations and default config, loads a study; the man page gxload(1)
# and the systemd units are installed, the units naming the installed binary and
# passing `systemd-analyze verify` in the installed root; `make uninstall` removes what
# was installed.
# backends: sqlite
. "$GXLOAD_TOP/tests/lib/lib.sh"

make -s -C "$GXLOAD_TOP" install PREFIX=/opt/gxtest DESTDIR="$T/root" VARDIR="$T/var" > "$T/o" 2>&1
is $? 0 "make install with PREFIX, DESTDIR and VARDIR"
R="$T/root/opt/gxtest"
[ -x "$R/bin/gxload" ]; ok $? "the binary is in DESTDIR/PREFIX/bin"
for f in migrations/sqlite/0001_init.sql migrations/postgresql/0001_init.sql rules/illness.yaml \
         rules/platforms.yaml configs/gxload.yaml; do
	[ -f "$R/share/gxload/$f" ]; ok $? "share/gxload/$f installed"
done
[ -f "$R/share/doc/gxload/CLI.md" ]; ok $? "docs installed"
[ -f "$R/share/man/man1/gxload.1" ]; ok $? "the man page in DESTDIR/PREFIX/share/man/man1"
mandoc -Tlint -W warning "$R/share/man/man1/gxload.1" > "$T/o" 2>&1; is "$?" 0 "the installed man page is clean for mandoc -Tlint"
like "$(MANWIDTH=100 man -l "$R/share/man/man1/gxload.1" 2>/dev/null)" "/opt/gxtest/share/gxload/configs/gxload.yaml" \
     "its FILES name the installed prefix"
for f in gxload-load.service gxload-load.timer; do
	[ -f "$R/lib/systemd/system/$f" ]; ok $? "$f in DESTDIR/PREFIX/lib/systemd/system"
done
is "$(grep '^ExecStart=' "$R/lib/systemd/system/gxload-load.service")" "ExecStart=/opt/gxtest/bin/gxload -q load --all" \
   "the service runs the installed binary"
is "$(grep '^StateDirectory=' "$R/lib/systemd/system/gxload-load.service")" "StateDirectory=gxload" \
   "the service has systemd create /var/lib/gxload (StateDirectory=)"
[ -f "$R/share/gxload/deploy/gxload.yaml" ] && [ -f "$R/share/gxload/deploy/gxload.cron" ]
ok $? "the production config and cron line as examples in share/gxload/deploy"
"$R/bin/gxload" --config "$R/share/gxload/deploy/gxload.yaml" config check > "$T/o" 2>&1
is "$?" 0 "the production config example is valid (config check)"
like "$(cat "$T/o")" "^  textfile: /var/lib/prometheus/node-exporter/gxload.prom  # file" "and writes node_exporter's metrics file"
like "$(cat "$R/share/gxload/configs/gxload.yaml")" "url: sqlite:$T/var/gxload.db" "the installed default database is under VARDIR"
(cd / && "$R/bin/gxload" --data-root "$DATA" load GSE1001) > "$T/o" 2>&1
is $? 0 "the installed binary loads a study from any directory"
[ -f "$T/var/gxload.db" ]; ok $? "into VARDIR/gxload.db"
make -s -C "$GXLOAD_TOP" uninstall PREFIX=/opt/gxtest DESTDIR="$T/root" > "$T/o" 2>&1
is "$(find "$T/root" -type f | wc -l | tr -d ' ')" 0 "make uninstall removes every installed file"

# the units, verified by systemd in a root of their own: installed with PREFIX=/usr
# (where systemd looks for units), so that ExecStart's binary exists inside the root;
# systemd also needs its own targets there (sysinit.target, ...): the host's are copied
S="$T/sdroot"
make -s -C "$GXLOAD_TOP" install PREFIX=/usr DESTDIR="$S" > "$T/o" 2>&1
is $? 0 "make install PREFIX=/usr into another root"
mkdir -p "$S/etc/systemd/system"
for d in /usr/lib/systemd/system /lib/systemd/system; do
	[ -d "$d" ] && cp -n "$d"/*.target "$S/etc/systemd/system/" 2>/dev/null
done
U="$S/usr/lib/systemd/system"
systemd-analyze verify --root="$S" "$U/gxload-load.service" "$U/gxload-load.timer" > "$T/o" 2>&1
is "$?" 0 "systemd-analyze verify accepts the installed units"
sed 's/^/#   /' "$T/o" | head -5
mv "$S/usr/bin/gxload" "$S/usr/bin/gxload.away"
systemd-analyze verify --root="$S" "$U/gxload-load.service" > "$T/o" 2>&1
is "$?" 1 "and refuses the service when its binary is not in the root (the check is real)"
like "$(cat "$T/o")" "Command /usr/bin/gxload is not executable" "naming the binary"
done_testing
