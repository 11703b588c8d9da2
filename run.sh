#!/usr/bin/env bash
# ./run.sh: install what is missing, build, start a private MariaDB and
# lighttpd under ./var, load the schema and the catalog, print the URL.
# Ctrl-C stops the web server, its workers and the database.
#   PORT=9000 ./run.sh     another port (default 8080)
#   FF_VAR=DIR FF_DB_DIR=DIR/mysql ./run.sh
#                          another state directory (tests/integration/
#                          test_stop.sh runs a private copy so)
#   FF_RUN_NO_BUILD=1 FF_FCGI_BIN=... ./run.sh
#                          skip the package check and the build, and use
#                          that worker (the tests' build)
#   FF_EMBED_ORIGINS="https://shop.example https://www.shop.example" ./run.sh
#                          let the shop's product pages show the try-on in
#                          an iframe (docs/EMBED.md); checked before start
#
# Least privilege (docs/ADMIN.md): run as root, the workers run as the
# unprivileged user framefit (scripts/web.sh); the database user they
# use may only read and write rows (scripts/db.sh, FF_DB_LEAST=1), with a
# generated password kept 0600 under the database directory and handed to
# them in the environment; the schema is migrated here, by a second user.
set -euo pipefail
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
if [ "${FF_RUN_NO_BUILD:-0}" != 1 ]; then
	. scripts/deps.sh
	ff_install_missing $FF_PKGS_BUILD $FF_PKGS_RUN
	scripts/build.sh
fi
export FF_FCGI_BIN=${FF_FCGI_BIN:-$top/build/release/cgi-bin/framefit.fcgi}
export FF_DB_LEAST=1
# A bad setting stops here, before the database starts.
[ -z "${FF_EMBED_ORIGINS:-}" ] || "$FF_FCGI_BIN" --check
scripts/db.sh start
# Schema and seed catalog (sql/NNN_*.sql), by the migration user: the
# workers' own may not change the schema, so they do not try (FF_MIGRATE=0).
FF_DB_USER=${FF_DB_USER:-framefit}_migrate \
	FF_DB_PASSWORD=$(scripts/db.sh password migrate) "$FF_FCGI_BIN" --migrate
if [ -z "${FF_DB_PASSWORD:-}" ]; then
	FF_DB_PASSWORD=$(scripts/db.sh password app)
fi
export FF_DB_PASSWORD FF_MIGRATE=0
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
