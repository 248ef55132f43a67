#!/bin/sh
# install-deps.sh - install the Debian packages gxload needs to build, test and bench.
#
# Returns at once when everything is present.  Otherwise runs apt-get (as root, or
# through sudo when available).  Called by `make deps`, hence by `make run` and `make test`.
set -eu

# build: compiler, pkg-config and the -dev packages of every linked library (OpenBLAS:
# the correlation's matrix products; its pthread build, whose pkg-config file is
# 'openblas' and which also backs libblas.so.3, so numpy runs on the same library)
BUILD_PKGS="gcc make pkg-config libpq-dev libsqlite3-dev libcsv-dev libpcre2-dev
libxxhash-dev libhdf5-dev libyaml-dev libjansson-dev liblzf-dev libopenblas-dev"
# run and test: the sqlite3 and psql clients, a PostgreSQL 15 server for the tests, jq
# (the tests check the JSON of `gxload report`), script(1) of bsdutils (a terminal for the
# progress bar test), promtool of prometheus (the metrics file), mandoc and man-db (the
# man page's lint), systemd-analyze of systemd (the installed units), python3 with numpy
# and scipy (the analysis statistics are checked against them: tests/stats/compare.py)
RUN_PKGS="sqlite3 postgresql-15 postgresql-client-15 util-linux bsdutils procps jq
prometheus mandoc man-db systemd python3 python3-numpy python3-scipy"
# mutation testing (`make mutate` runs tests/mutate/run.py)
MUTATE_PKGS="python3"
# bench peers and plotting
BENCH_PKGS="time python3 python3-pandas python3-psycopg python3-matplotlib python3-numpy"

missing=""
for p in $BUILD_PKGS $RUN_PKGS $MUTATE_PKGS ${GXLOAD_DEPS_BENCH:+$BENCH_PKGS}; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "install-deps: missing packages:$missing; run as root: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# a fresh machine has no package lists yet; refresh once, then install
$SUDO apt-get update -qq >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
