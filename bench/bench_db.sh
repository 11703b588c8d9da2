#!/bin/bash
# bench_db.sh: the write rate at which MariaDB becomes framefit's limit
# (docs/SCALING.md), measured with bench/bench_db against a private server.
#
#   bench/bench_db.sh
#
# Environment:
#   FF_BUILD_DIR  where bench/bench_db and cgi-bin/framefit.fcgi were built
#                 (default: the source tree)
#   BENCH_N       operations per connection and run (default 200)
#   BENCH_CONNS   connection counts to try (default "1 2 4 8")
#   BENCH_BLOB    bytes of a stored photo (default 200000: a 1600 px JPEG)
#
# Runs every mode of bench_db (tryon, detect, api, hot, spread) at each connection
# count, twice: with the dev server's relaxed flush
# (innodb_flush_log_at_trx_commit = 2: the log is written at commit and
# synced once a second) and with full durability (= 1: synced at every
# commit, what a production primary runs). Its own server lives in
# var/bench-db and its database is dropped at the end; the server is
# stopped again if this script started it. Prints one line per run.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
build=${FF_BUILD_DIR:-$root}
bench=$build/bench/bench_db
bin=$build/cgi-bin/framefit.fcgi
n=${BENCH_N:-200}
conns=${BENCH_CONNS:-1 2 4 8}
blob=${BENCH_BLOB:-200000}

export FF_DB_DIR=$root/var/bench-db/mysql
export FF_DB_SOCKET=$FF_DB_DIR/mysql.sock
export FF_DB_NAME=framefit_bench
unset FF_SQL_DIR FF_MIGRATE

die() { echo "bench_db.sh: $*" >&2; exit 1; }
[ -x "$bench" ] || die "no $bench: build it (make bench/bench_db)"
[ -x "$bin" ] || die "no $bin: build it (make)"

started=0
"$root/scripts/db.sh" status >/dev/null 2>&1 || started=1
"$root/scripts/db.sh" start >/dev/null || die "cannot start MariaDB"
cleanup() {
	"$root/scripts/db.sh" sql -e "DROP DATABASE IF EXISTS $FF_DB_NAME" 2>/dev/null
	[ $started = 1 ] && "$root/scripts/db.sh" stop >/dev/null 2>&1
}
trap cleanup EXIT
"$root/scripts/db.sh" sql -e "DROP DATABASE IF EXISTS $FF_DB_NAME; CREATE DATABASE $FF_DB_NAME" ||
	die "cannot create $FF_DB_NAME"
"$bin" --migrate >/dev/null 2>"$FF_DB_DIR/../migrate.log" ||
	die "migrations failed; see $FF_DB_DIR/../migrate.log"

echo "# $(nproc) CPU(s); $(mariadbd --version | sed 's/^.*Ver //'); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# $n operations per connection; tryon stores a $blob-byte photo"
# A durable commit waits for one fsync of the redo log: time the disk's.
python3 - "$FF_DB_DIR" <<'EOF'
import os, sys, time
path = os.path.join(sys.argv[1], 'fsync-probe')
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
t = []
for i in range(100):
    os.pwrite(fd, b'x' * 4096, (i % 8) * 4096)
    t0 = time.perf_counter()
    os.fsync(fd)
    t.append((time.perf_counter() - t0) * 1000)
os.close(fd)
os.unlink(path)
t.sort()
print('# fsync of 4 KB on this disk: p50 %.2f ms, p90 %.2f ms' % (t[50], t[90]))
EOF
for flush in 2 1; do
	"$root/scripts/db.sh" sql -e "SET GLOBAL innodb_flush_log_at_trx_commit = $flush" ||
		die "cannot set the flush mode"
	echo "# innodb_flush_log_at_trx_commit = $flush"
	for mode in tryon detect api hot spread; do
		for c in $conns; do
			"$bench" --mode "$mode" --conns "$c" --n "$n" --blob "$blob"
		done
	done
done
# Smaller photos: how much of a try-on's cost is the photo's bytes.
echo "# innodb_flush_log_at_trx_commit = 1, a 20000-byte photo"
for c in $conns; do
	"$bench" --mode tryon --conns "$c" --n "$n" --blob 20000
done
"$root/scripts/db.sh" sql -e "SET GLOBAL innodb_flush_log_at_trx_commit = 2"
