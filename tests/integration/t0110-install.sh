#!/bin/sh
# t0110-install.sh - `make install` honours PREFIX, DESTDIR and VARDIR; the installed
# binary finds its migrations and default config, loads a study, and `make uninstall`
# removes what was installed.
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
like "$(cat "$R/share/gxload/configs/gxload.yaml")" "url: sqlite:$T/var/gxload.db" "the installed default database is under VARDIR"
(cd / && "$R/bin/gxload" --data-root "$DATA" load GSE1001) > "$T/o" 2>&1
is $? 0 "the installed binary loads a study from any directory"
[ -f "$T/var/gxload.db" ]; ok $? "into VARDIR/gxload.db"
make -s -C "$GXLOAD_TOP" uninstall PREFIX=/opt/gxtest DESTDIR="$T/root" > "$T/o" 2>&1
is "$(find "$T/root" -type f | wc -l | tr -d ' ')" 0 "make uninstall removes every installed file"
done_testing
