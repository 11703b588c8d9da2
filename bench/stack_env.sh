# bench/stack_env.sh: the environment of a benchmark's private stack,
# sourced by bench_web.sh, bench_phone.sh and soak.sh. Its state lives
# under WORKDIR, its database is DBNAME, and no framefit setting of the
# caller's shell leaks in (a benchmark measures the defaults).
#
#   . "$root/bench/stack_env.sh"; bench_stack_env WORKDIR DBNAME
bench_stack_env() {
	export FF_VAR=$1
	export FF_DB_DIR=$1/mysql
	export FF_DB_SOCKET=$1/mysql/mysql.sock
	export FF_DB_NAME=$2
	export FF_SECRET_FILE=$1/secret
	export FF_ADMIN_USER=admin FF_ADMIN_PASSWORD=bench-admin-pw
	export FF_PROCS=${FF_PROCS:-2}
	unset FF_MODELS_DIR FF_TEMPLATES FF_STATIC FF_SQL_DIR FF_MIGRATE \
		FF_MAX_REQUESTS FF_TRUSTED_PROXY FF_REQUEST_CPU_S FF_REQUEST_MEM_MB \
		FF_EMBED_ORIGINS FF_NEWSLETTER FF_CONSENT_DAYS FF_CURRENCY \
		FF_DB_HOST FF_DB_PORT FF_DB_SSL FF_DB_SSL_CA FF_DB_SSL_CERT FF_DB_SSL_KEY
	# Every connection comes from 127.0.0.1: the per-client upload limits
	# (docs/ADMIN.md) would answer most of them 429.
	export FF_UPLOAD_RATE=0 FF_UPLOAD_CONCURRENT=0
}

# The private MariaDB (db_started=1 when this started it), a fresh
# database, the migrations, then lighttpd with BIN's workers on a free
# port (web_started=1; PORT and url set). Logs go to $work; a failure
# ends the benchmark through its die().
bench_stack_start() {	# BIN MODELS
	"$root/scripts/db.sh" status >/dev/null 2>&1 || db_started=1
	"$root/scripts/db.sh" start >"$work/db.out" 2>&1 ||
		die "cannot start MariaDB; see $work/db.out"
	"$root/scripts/db.sh" sql -e "DROP DATABASE IF EXISTS $FF_DB_NAME; CREATE DATABASE $FF_DB_NAME" ||
		die "cannot create $FF_DB_NAME"
	"$1" --migrate >"$work/migrate.out" 2>&1 || die "migrations failed; see $work/migrate.out"
	export PORT=$("$root/scripts/free-port.sh")
	url="http://127.0.0.1:$PORT/"
	FF_FCGI_BIN=$1 FF_MODELS_DIR=$2 "$root/scripts/web.sh" start lighttpd \
		>"$work/web.out" 2>&1 || die "lighttpd did not start; see $work/web.out"
	web_started=1
}

# Undo bench_stack_start: lighttpd, the database, and MariaDB when this
# benchmark started it.
bench_stack_stop() {
	[ "$web_started" = 1 ] && "$root/scripts/web.sh" stop lighttpd >/dev/null 2>&1
	"$root/scripts/db.sh" sql -e "DROP DATABASE IF EXISTS $FF_DB_NAME" >/dev/null 2>&1
	[ "$db_started" = 1 ] && "$root/scripts/db.sh" stop >/dev/null 2>&1
	return 0
}
