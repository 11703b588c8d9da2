#!/usr/bin/env bash
# ./run.sh: install what is missing, build, start a private MariaDB and
# lighttpd under ./var, load the schema and the catalog, print the URL.
# Ctrl-C stops the web server, its workers and the database.
#   PORT=9000 ./run.sh     another port (default 8080)
set -euo pipefail
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
. scripts/deps.sh
ff_install_missing $FF_PKGS_BUILD $FF_PKGS_RUN
scripts/build.sh
export FF_FCGI_BIN=$top/build/release/cgi-bin/framefit.fcgi
scripts/db.sh start
# Schema and seed catalog (sql/NNN_*.sql); the workers would do it on
# connect too, but a failure is clearer here than in a worker's log.
"$FF_FCGI_BIN" --migrate
# The public-domain portrait the admin catalog previews are drawn on
# (from Debian's python3-skimage package); previews fall back without it.
scripts/sample-face.sh || echo "run.sh: no sample face; admin previews use the fallback" >&2
cleanup() {
	trap - INT TERM EXIT
	echo "run.sh: stopping" >&2
	scripts/web.sh stop >/dev/null 2>&1 || true
	scripts/db.sh stop >/dev/null 2>&1 || true
}
trap cleanup INT TERM EXIT
# Prints the URL (and, the first time, the generated admin password).
scripts/web.sh run &
wait $!
